// `insilico-eeg encode`: images -> float32 [B, 4, C, T] .npy, on the same engine as the browser.
// The output is streamed: its header is written up front (the shape is known), each batch is
// appended as it finishes, and a small progress file lets a crashed or killed run resume
// without redoing finished batches. OUT itself appears only when complete (atomic rename),
// with a JSON sidecar describing it.

import { open, readFile, rename, rm, writeFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { defaultBatchSize, encode, getEncodingModel, MODEL_ID, type EncodingModel } from '../engine/index.ts';
import { enableWasmThreads, nodeLogicalCores } from '../engine/wasm_threads_node.ts';
import { SYNTHETIC_NOTICE } from '../engine/types.ts';
import { InvalidParameterError } from '../engine/errors.ts';
import { npyHeader } from '../io/npy.ts';
import { describeCompact, readModelManifest } from '../io/model_folder.ts';
import { parseFlags, required, UsageError } from './args.ts';
import { directorySource } from '../io/source_node.ts';
import { openStimuli, type Stimulus } from './images.ts';
import { VERSION } from './version.ts';

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

interface Progress {
  config: string;
  done: number;
}

async function readProgress(path: string): Promise<Progress | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Progress;
  } catch {
    return null;
  }
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await writeFile(path + '.tmp', text);
  await rename(path + '.tmp', path);
}

export async function runEncode(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, ['model', 'images', 'out', 'channels', 'timepoints', 'device', 'batch-size', 'shard', 'threads', 'precision']);
  const modelDir = required(flags, 'model');
  const out = resolve(required(flags, 'out'));
  const shard = parseShard(flags.shard);
  const batchFlag = flags['batch-size'] ? Number(flags['batch-size']) : undefined;
  if (batchFlag !== undefined && (!Number.isInteger(batchFlag) || batchFlag < 1)) throw new UsageError(`--batch-size must be a positive integer`);
  const threads = flags.threads ? Number(flags.threads) : nodeLogicalCores();
  if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`--threads must be a positive integer`);
  const precision = flags.precision ?? 'exact';
  if (precision !== 'exact' && precision !== 'compact') throw new UsageError(`--precision must be exact or compact; got '${precision}'`);
  const selection = {
    channels: flags.channels ? flags.channels.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    timepoints: parseTimepoints(flags.timepoints),
  };

  enableWasmThreads();
  const source = directorySource(modelDir);
  const manifest = await readModelManifest(source);
  const stimuli = await openStimuli(required(flags, 'images'));
  let model: EncodingModel | null = null;
  let lastPct = -1;
  try {
    const [lo, hi] = shardRange(stimuli.count, shard);
    const n = hi - lo;
    if (n === 0) throw new InvalidParameterError(`shard ${shard.index}/${shard.count} of ${stimuli.count} images is empty`);
    model = await getEncodingModel(MODEL_ID, manifest.subject, {
      source,
      selection,
      device: (flags.device ?? 'auto') as never,
      precision,
      batchSize: batchFlag,
      wasmThreads: threads,
      onProgress: (p) => {
        const pct = Math.floor((100 * p.done) / Math.max(1, p.total));
        if (p.stage === 'weights' && pct !== lastPct) process.stderr.write(`\rloading weights ${(lastPct = pct)}%`);
      },
    });
    process.stderr.write(`\rmodel ${manifest.model_id} subject ${manifest.subject} on ${model.backendNote}\n`);
    if (model.synthetic) process.stderr.write(`warning: ${SYNTHETIC_NOTICE}\n`);
    if (model.compact) process.stderr.write(`${describeCompact(model.compact)}\n`);
    const batchSize = batchFlag ?? defaultBatchSize(model.backend);

    const C = model.chNames.length;
    const T = model.times.length;
    const shape = [n, 4, C, T];
    const header = npyHeader(shape, '<f4');
    const rowBytes = 4 * 4 * C * T;
    const partial = out + '.partial';
    const progressPath = out + '.partial.json';
    const config = createHash('sha256')
      .update(JSON.stringify({ manifest: manifest.shards ?? manifest.generator, subject: manifest.subject, precision, images: stimuli.describe, lo, hi, C: model.chNames, T: model.timeIndices }))
      .digest('hex');

    let done = 0;
    const previous = await readProgress(progressPath);
    const partialExists = await stat(partial).then(() => true, () => false);
    if (previous && previous.config === config && partialExists) {
      done = previous.done;
      process.stderr.write(`resuming: ${done} of ${n} images already encoded\n`);
    } else {
      const fh = await open(partial, 'w');
      await fh.write(header, 0, header.length, 0);
      await fh.truncate(header.length + n * rowBytes);
      await fh.close();
      await writeAtomic(progressPath, JSON.stringify({ config, done: 0 }));
    }

    const fh = await open(partial, 'r+');
    let cropped = 0;
    try {
      while (done < n) {
        const batch = await stimuli.read(lo + done, Math.min(batchSize, n - done));
        // The engine takes equal-sized images per call: encode runs of equal size.
        let i = 0;
        while (i < batch.length) {
          let j = i + 1;
          while (j < batch.length && batch[j].size === batch[i].size) j++;
          const run = batch.slice(i, j);
          const data = new Uint8Array(run.length * run[0].data.length);
          run.forEach((s: Stimulus, k) => data.set(s.data, k * s.data.length));
          const y = await encode(model, { data, shape: [run.length, 3, run[0].size, run[0].size] }, { batchSize: run.length });
          await fh.write(new Uint8Array(y.data.buffer, y.data.byteOffset, y.data.byteLength), 0, y.data.byteLength, header.length + (done + i) * rowBytes);
          i = j;
        }
        await fh.sync();
        done += batch.length;
        cropped += batch.filter((s) => s.cropped).length;
        await writeAtomic(progressPath, JSON.stringify({ config, done }));
        process.stderr.write(`\rencoded ${done}/${n}`);
      }
    } finally {
      await fh.close();
    }
    process.stderr.write('\n');
    if (cropped) process.stderr.write(`warning: ${cropped} non-square image(s) were center-cropped to square\n`);

    const sidecar = {
      model_id: model.modelId,
      subject: model.subject,
      synthetic: model.synthetic,
      ...(model.synthetic ? { notice: SYNTHETIC_NOTICE } : {}),
      shape,
      dtype: 'float32',
      axes: ['image', 'repetition', 'channel', 'time'],
      ch_names: model.chNames,
      times: model.times,
      images: { source: stimuli.describe, range: [lo, hi], total: stimuli.count, names: stimuli.names(lo, hi), crop_mode: 'center-crop' },
      shard: shard.count > 1 ? { index: shard.index, count: shard.count } : undefined,
      backend: model.backend,
      precision: model.precision,
      ...(model.compact ? { compact: { note: describeCompact(model.compact), ...model.compact } } : {}),
      weights_sha256: model.weightsSha256,
      insilico_eeg_version: VERSION,
      created_at: new Date().toISOString(),
    };
    await writeAtomic(out + '.json', JSON.stringify(sidecar, null, 1));
    await rename(partial, out);
    await rm(progressPath, { force: true });
    process.stderr.write(`wrote ${out} float32 (${shape.join(', ')})\n`);
    return 0;
  } finally {
    model?.dispose();
    await stimuli.close();
  }
}
