// `insilico-eeg encode`: images -> float32 [B, 4, C, T] .npy, on the same engine as the browser.
// The output is streamed: its header is written up front (the shape is known), each batch is
// written as it finishes, and a progress file records each finished batch with a hash of its
// input pixels, so a crashed or killed run resumes without redoing them, and never over images
// that changed since. OUT itself appears only when complete (atomic rename), with its sidecar
// OUT.npy.json (src/io/sidecar.ts). OUT.lock keeps two runs from writing the same OUT.
import { open, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { readFileSync, unlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { defaultBatchSize, encode, getEncodingModel, MODEL_ID, resolveSelection, type EncodingModel } from '../engine/index.ts';
import { isDemoManifest } from '../engine/demo_weights.ts';
import { enableWasmThreads, nodeLogicalCores } from '../engine/wasm_threads_node.ts';
import { SYNTHETIC_NOTICE } from '../core/types.ts';
import { InvalidParameterError } from '../core/errors.ts';
import { npyHeader } from '../io/npy.ts';
import { readModelManifest } from '../io/model_folder.ts';
import { buildSidecar, modelForSidecar, NPY_PIXEL_POLICY, sidecarName, type SidecarImage } from '../io/sidecar.ts';
import { parseFlags, required, UsageError } from './args.ts';
import { progressLine } from './progress.ts';
import { nodeDevice } from '../engine/backend.ts';
import { directorySource } from '../io/source_node.ts';
import { openStimuli, PIXEL_POLICY, type Stimulus, type StimulusSet } from './images.ts';

import { describeCompact } from '../core/wording.ts';
export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string | undefined): Shard {
  if (text === undefined) return { index: 0, count: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) {
    throw new UsageError(`--shard must be i/n with 0 <= i < n (e.g. 0/4); got '${text}'`);
  }
  return { index: Number(m[1]), count: Number(m[2]) };
}

/** Images [lo, hi) of shard i of n: contiguous, deterministic, covering every image once. */
export function shardRange(total: number, shard: Shard): [number, number] {
  return [Math.floor((shard.index * total) / shard.count), Math.floor(((shard.index + 1) * total) / shard.count)];
}

export function parseTimepoints(mask: string | undefined): number[] | undefined {
  if (mask === undefined) return undefined;
  if (!/^[01]+$/.test(mask)) throw new InvalidParameterError(`--timepoints must be a string of 0 and 1 characters; got '${mask.slice(0, 40)}'`);
  return Array.from(mask, Number);
}

// ---- writing OUT: per-process temp names, a lock, the output folder checked first ----

/** Write through a temp name of this process, then rename: readers see the old file or the new. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Fail before any work when OUT's folder is missing (not after the model has loaded). */
export async function checkOutputFolder(out: string, flag = '--out'): Promise<void> {
  const folder = dirname(out);
  const st = await stat(folder).catch(() => null);
  if (!st) throw new UsageError(`${flag} ${out}: the folder ${folder} does not exist`);
  if (!st.isDirectory()) throw new UsageError(`${flag} ${out}: ${folder} is not a folder`);
}

interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

/** A lock on another host that its holder has not refreshed for this long is taken over. */
const FOREIGN_LOCK_STALE_MS = 10 * 60_000;
const LOCK_REFRESH_MS = 30_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<LockInfo | null> {
  try {
    const info = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
    return Number.isInteger(info.pid) && typeof info.host === 'string' ? info : null;
  } catch {
    return null;
  }
}

export interface OutputLock {
  path: string;
  release(): Promise<void>;
}

/**
 * Take OUT.lock (created with O_EXCL, holding our pid and host), so a second run on the same OUT
 * refuses instead of interleaving with this one. A lock whose process is gone (same host), or
 * that its holder stopped refreshing (another host), is taken over with a note.
 */
export async function lockOutput(out: string): Promise<OutputLock> {
  const path = out + '.lock';
  const me: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(JSON.stringify(me));
      } finally {
        await fh.close();
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await readLock(path);
    const age = await stat(path).then((s) => Date.now() - s.mtimeMs, () => 0);
    const stale = holder && (holder.host === me.host ? !isAlive(holder.pid) : age > FOREIGN_LOCK_STALE_MS);
    if (!holder || !stale || attempt > 2) {
      const who = holder ? `process ${holder.pid} on ${holder.host}, since ${holder.started}` : 'another run';
      throw new InvalidParameterError(`${out} is being written by ${who} (${path}); wait for it to finish, or delete ${basename(path)} if no such run is alive`);
    }
    // Renamed to a name of our own first: of several runs taking over at once, one gets it.
    const mine = `${path}.${process.pid}.stale`;
    try {
      await rename(path, mine);
    } catch {
      continue;
    }
    const moved = await readLock(mine);
    await rm(mine, { force: true });
    if (moved?.pid !== holder.pid) continue;
    process.stderr.write(`note: taking over ${basename(path)} from process ${holder.pid} on ${holder.host}, ${holder.host === me.host ? 'which is no longer running' : `unchanged for ${Math.round(age / 60_000)} min`}\n`);
  }

  const ours = () => {
    try {
      return (JSON.parse(readFileSync(path, 'utf8')) as LockInfo).pid === process.pid;
    } catch {
      return false;
    }
  };
  const refresh = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, LOCK_REFRESH_MS);
  refresh.unref();
  // Interrupted (Ctrl-C, scheduler's TERM): the lock goes, the partial output stays to resume.
  const onSignal = (signal: NodeJS.Signals) => {
    clearInterval(refresh);
    if (ours()) unlinkSync(path);
    process.stderr.write(`\ninterrupted (${signal}): rerun the same command to resume\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    path,
    async release() {
      clearInterval(refresh);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (ours()) await rm(path, { force: true });
    },
  };
}

/**
 * Temp files that killed runs left beside OUT (their names carry the dead run's pid). Called
 * with OUT.lock held, when no other run can be writing them.
 */
export async function removeLeftovers(out: string): Promise<void> {
  const base = basename(out);
  const leftover = (f: string) => f.startsWith(base + '.') && /\.\d+\.(tmp|partial|stale)$/.test(f);
  for (const f of (await readdir(dirname(out))).filter(leftover)) await rm(resolve(dirname(out), f), { force: true });
}

// ---- resume: which finished batches still hold the current input ----

interface FinishedBatch {
  start: number;
  count: number;
  /** sha256 of the batch's input pixels (see hashBatch) */
  sha256: string;
  images: SidecarImage[];
}

interface Progress {
  format: 'insilico-eeg-progress/2';
  config: string;
  backend: string;
  batches: FinishedBatch[];
}

async function readProgress(path: string): Promise<Progress | null> {
  try {
    const p = JSON.parse(await readFile(path, 'utf8')) as Progress;
    return p.format === 'insilico-eeg-progress/2' && Array.isArray(p.batches) ? p : null;
  } catch {
    return null;
  }
}

/** sha256 of what the engine is given: each image's side and its uint8 [3, S, S] pixels. */
function hashBatch(batch: Stimulus[]): string {
  const h = createHash('sha256');
  for (const s of batch) {
    h.update(`${s.size}\n`);
    h.update(s.data);
  }
  return h.digest('hex');
}

function imageRecord(s: Stimulus): SidecarImage {
  return {
    name: s.name,
    width: s.width,
    height: s.height,
    cropped: s.cropped,
    square_mode: s.width === s.height ? 'none' : 'crop',
    square_size: s.size,
    exif_orientation: s.exifOrientation,
    orientation_applied: s.orientationApplied,
  };
}

/**
 * The finished batches of an interrupted run that still match the input: each is read again and
 * its pixels hashed; the first that differs, and every batch after it, are encoded again.
 */
async function verifiedBatches(previous: FinishedBatch[], stimuli: StimulusSet, lo: number): Promise<{ kept: FinishedBatch[]; changedAt: FinishedBatch | null }> {
  const kept: FinishedBatch[] = [];
  let next = 0;
  for (const b of previous) {
    if (b.start !== next) break;
    const batch = await stimuli.read(lo + b.start, b.count);
    if (hashBatch(batch) !== b.sha256) return { kept, changedAt: b };
    kept.push(b);
    next = b.start + b.count;
  }
  return { kept, changedAt: null };
}

export async function runEncode(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, ['model', 'images', 'out', 'channels', 'timepoints', 'device', 'batch-size', 'shard', 'threads', 'precision', 'exif-orientation', 'max-pixels'], ['quiet']);
  const quiet = flags.quiet === 'true';
  const device = await nodeDevice(flags.device ?? 'auto').catch((e: Error) => {
    throw new UsageError(e.message);
  });
  const modelDir = required(flags, 'model');
  const imagesPath = required(flags, 'images');
  const out = resolve(required(flags, 'out'));
  if (!out.endsWith('.npy')) throw new UsageError(`--out must name a .npy file; got '${flags.out}'`);
  const shard = parseShard(flags.shard);
  const batchFlag = flags['batch-size'] ? Number(flags['batch-size']) : undefined;
  if (batchFlag !== undefined && (!Number.isInteger(batchFlag) || batchFlag < 1)) throw new UsageError(`--batch-size must be a positive integer`);
  const threads = flags.threads ? Number(flags.threads) : nodeLogicalCores();
  if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`--threads must be a positive integer`);
  const precision = flags.precision ?? 'exact';
  if (precision !== 'exact' && precision !== 'compact') throw new UsageError(`--precision must be exact or compact; got '${precision}'`);
  const exifOrientation = flags['exif-orientation'] ?? 'ignore';
  if (exifOrientation !== 'ignore' && exifOrientation !== 'apply') throw new UsageError(`--exif-orientation must be ignore or apply; got '${exifOrientation}'`);
  const maxPixels = flags['max-pixels'] !== undefined ? Number(flags['max-pixels']) : undefined;
  if (maxPixels !== undefined && (!Number.isInteger(maxPixels) || maxPixels < 1)) throw new UsageError(`--max-pixels must be a positive integer`);
  const selection = {
    channels: flags.channels ? flags.channels.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    timepoints: parseTimepoints(flags.timepoints),
  };

  // Everything that can be checked without the weights is checked before they load.
  await checkOutputFolder(out);
  enableWasmThreads();
  const source = directorySource(modelDir);
  const manifest = await readModelManifest(source);
  const { channelIndices, timeIndices } = resolveSelection(manifest.ch_names, selection);
  const stimuli = await openStimuli(imagesPath, { exifOrientation, maxPixels });
  const fromFolder = await stat(imagesPath).then((s) => s.isDirectory());
  let model: EncodingModel | null = null;
  let lastPct = -1;
  try {
    const [lo, hi] = shardRange(stimuli.count, shard);
    const n = hi - lo;
    if (n === 0) throw new InvalidParameterError(`shard ${shard.index}/${shard.count} of ${stimuli.count} images is empty`);
    if (stimuli.skipped.length) {
      const shown = stimuli.skipped.slice(0, 5).map((x) => `${x.name} (${x.reason})`).join(', ');
      process.stderr.write(`note: skipped ${stimuli.skipped.length} folder entr${stimuli.skipped.length === 1 ? 'y' : 'ies'}: ${shown}${stimuli.skipped.length > 5 ? ', ...' : ''}\n`);
    }
    const lock = await lockOutput(out);
    await removeLeftovers(out).catch(() => {});
    const partial = out + '.partial';
    const progressPath = out + '.partial.json';
    const C = channelIndices.length;
    const T = timeIndices.length;
    const shape: [number, number, number, number] = [n, 4, C, T];
    const header = npyHeader(shape, '<f4');
    const rowBytes = 4 * 4 * C * T;
    // Everything but the pixels that decides the numbers; the pixels are checked batch by batch.
    const config = createHash('sha256')
      .update(JSON.stringify({ manifest: manifest.shards ?? manifest.generator, subject: manifest.subject, precision, images: stimuli.describe, lo, hi, channelIndices, timeIndices, exifOrientation }))
      .digest('hex');
    let progress: Progress | null = null;
    let createdPartial = false;
    try {
      let kept: FinishedBatch[] = [];
      const previous = await readProgress(progressPath);
      const partialSize = await stat(partial).then((s) => s.size, () => -1);
      if (previous && previous.config === config && partialSize === header.length + n * rowBytes) {
        const v = await verifiedBatches(previous.batches, stimuli, lo);
        kept = v.kept;
        if (v.changedAt) {
          const b = v.changedAt;
          process.stderr.write(
            `note: images ${lo + b.start}..${lo + b.start + b.count - 1} differ from those the interrupted run encoded (content hash): encoding again from image ${lo + b.start}\n`,
          );
        }
      } else if (previous || partialSize >= 0) {
        process.stderr.write(`note: ${basename(partial)} is from another run (other images, model or options): starting over\n`);
      }

      model = await getEncodingModel(MODEL_ID, manifest.subject, {
        source,
        selection,
        device,
        precision,
        batchSize: batchFlag,
        wasmThreads: threads,
        threads,
        onProgress: (p) => {
          // on a terminal only: a job log would get a hundred fragments joined by carriage returns
          if (quiet || !process.stderr.isTTY || p.stage !== 'weights') return;
          const pct = Math.floor((100 * p.done) / Math.max(1, p.total));
          if (pct !== lastPct) process.stderr.write(`\rloading weights ${(lastPct = pct)}%`);
        },
      });
      process.stderr.write(`${lastPct >= 0 ? '\r\x1b[K' : ''}model ${manifest.model_id} subject ${manifest.subject} on ${model.backendNote}\n`);
      if (model.synthetic) process.stderr.write(`warning: ${SYNTHETIC_NOTICE}\n`);
      if (model.compact) process.stderr.write(`${describeCompact(model.compact)}\n`);
      if (kept.length && previous!.backend !== model.backend) {
        process.stderr.write(`note: the interrupted run encoded on ${previous!.backend}, this one runs on ${model.backend}: starting over, so that one backend made every row\n`);
        kept = [];
      }
      const batchSize = batchFlag ?? defaultBatchSize(model.backend);

      let done = kept.reduce((a, b) => a + b.count, 0);
      if (kept.length) {
        process.stderr.write(`resuming: ${done} of ${n} images already encoded (their pixels checked against the interrupted run)\n`);
      } else {
        const fh = await open(partial, 'w');
        createdPartial = true;
        try {
          await fh.write(header, 0, header.length, 0);
          await fh.truncate(header.length + n * rowBytes);
        } finally {
          await fh.close();
        }
      }
      progress = { format: 'insilico-eeg-progress/2', config, backend: model.backend, batches: kept };
      // Recorded before any row is overwritten: batches beyond `kept` no longer count.
      await writeAtomic(progressPath, JSON.stringify(progress));

      const shown = progressLine(n, { quiet, from: done });
      const fh = await open(partial, 'r+');
      try {
        // The next batch is decoded while this one encodes (the onnx runtime runs in a worker thread).
        const readFrom = (at: number) => {
          const r = at < n ? stimuli.read(lo + at, Math.min(batchSize, n - at)) : null;
          r?.catch(() => undefined); // (awaited below; an early failure is not unhandled meanwhile)
          return r;
        };
        let reading = readFrom(done);
        while (done < n) {
          const batch = await reading!;
          reading = readFrom(done + batch.length);
          // The engine takes equal-sized images per call: encode runs of equal size.
          let i = 0;
          while (i < batch.length) {
            let j = i + 1;
            while (j < batch.length && batch[j].size === batch[i].size) j++;
            const run = batch.slice(i, j);
            const data = new Uint8Array(run.length * run[0].data.length);
            run.forEach((s, k) => data.set(s.data, k * s.data.length));
            const y = await encode(model, { data, shape: [run.length, 3, run[0].size, run[0].size] }, { batchSize: run.length });
            await fh.write(new Uint8Array(y.data.buffer, y.data.byteOffset, y.data.byteLength), 0, y.data.byteLength, header.length + (done + i) * rowBytes);
            i = j;
          }
          await fh.sync();
          progress.batches.push({ start: done, count: batch.length, sha256: hashBatch(batch), images: batch.map(imageRecord) });
          done += batch.length;
          await writeAtomic(progressPath, JSON.stringify(progress));
          shown.update(done);
        }
      } finally {
        await fh.close();
      }
      shown.end();
      const images = progress.batches.flatMap((b) => b.images);
      const cropped = images.filter((i) => i.cropped).length;
      if (cropped) process.stderr.write(`warning: ${cropped} non-square image(s) were center-cropped to square\n`);

      const sidecar = buildSidecar({
        file: basename(out),
        model: modelForSidecar(model, isDemoManifest(manifest) ? { kind: manifest.generator.kind, seed: manifest.generator.seed } : null),
        shape,
        ch_names: model.chNames,
        times: model.times,
        selection: { channels: selection.channels ?? null, timepoints: flags.timepoints ?? null },
        images,
        input: { source: stimuli.describe, total: stimuli.count, range: [lo, hi] },
        shard: shard.count > 1 ? shard : null,
        pixels: { policy: fromFolder ? PIXEL_POLICY : NPY_PIXEL_POLICY, exif_orientation: exifOrientation },
        created: new Date(),
      });
      await publish(out, partial, JSON.stringify(sidecar, null, 1));
      await rm(progressPath, { force: true });
      process.stderr.write(`wrote ${out} float32 (${shape.join(', ')})\n`);
      return 0;
    } catch (e) {
      // A partial this run began holds nothing finished: nothing to resume, so nothing stays.
      // One with finished rows stays for the rerun; one an earlier run left is not ours to drop.
      if (createdPartial && (!progress || progress.batches.length === 0)) {
        await rm(partial, { force: true });
        await rm(progressPath, { force: true });
      } else if (progress && progress.batches.length > 0) {
        const done = progress.batches.reduce((a, b) => a + b.count, 0);
        process.stderr.write(`\nnote: ${done} of ${n} images are kept in ${basename(partial)}: the same command resumes from there\n`);
      }
      throw e;
    } finally {
      await lock.release();
    }
  } finally {
    model?.dispose();
    await stimuli.close();
  }
}

/**
 * Put OUT and OUT.npy.json in place. The old sidecar goes first: a crash in between leaves OUT
 * without a sidecar (merge refuses it), never a sidecar describing another array.
 */
export async function publish(out: string, partial: string, sidecarText: string): Promise<void> {
  const jsonPath = sidecarName(out);
  const tmp = `${jsonPath}.${process.pid}.tmp`;
  await writeFile(tmp, sidecarText);
  try {
    await rm(jsonPath, { force: true });
    await rename(partial, out);
    await rename(tmp, jsonPath);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
