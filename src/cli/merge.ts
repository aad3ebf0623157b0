// `insilico-eeg merge`: join the .npy outputs of `encode --shard i/n` runs into one array,
// in image order (taken from each shard's sidecar), streaming so memory stays flat. The merged
// sidecar is built by the same function as every other (src/io/sidecar.ts).

import { open, readFile, rm } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { npyHeader, parseNpyHeader } from '../io/npy.ts';
import { buildSidecar, SIDECAR_SCHEMA, SIDECAR_SCHEMA_VERSION, sidecarModel, sidecarName, type Sidecar } from '../io/sidecar.ts';
import { InvalidParameterError } from '../core/errors.ts';
import { parseFlags, required, UsageError } from './args.ts';
import { checkOutputFolder, lockOutput, publish, removeLeftovers } from './encode.ts';

interface ShardInfo {
  path: string;
  headerLength: number;
  shape: number[];
  sidecar: Sidecar;
}

async function inspect(path: string): Promise<ShardInfo> {
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(4096);
    await fh.read(head, 0, head.length, 0);
    const h = parseNpyHeader(head, path);
    if (h.dtype.descr !== '<f4' || h.shape.length !== 4) throw new InvalidParameterError(`${path}: not an encode output (float32 [B, 4, C, T])`);
    const size = (await fh.stat()).size;
    const want = h.headerLength + 4 * h.shape.reduce((a, b) => a * b, 1);
    if (size !== want) throw new InvalidParameterError(`${path}: ${size} bytes, expected ${want}: the file is truncated`);
    let sidecar: Sidecar;
    try {
      sidecar = JSON.parse(await readFile(sidecarName(path), 'utf8'));
    } catch {
      throw new InvalidParameterError(`${sidecarName(path)} (the sidecar written by encode) is missing or unreadable`);
    }
    if (sidecar.schema !== SIDECAR_SCHEMA || sidecar.schema_version !== SIDECAR_SCHEMA_VERSION) {
      throw new InvalidParameterError(`${sidecarName(path)}: not a ${SIDECAR_SCHEMA} version ${SIDECAR_SCHEMA_VERSION} sidecar (written by an older insilico-eeg?): encode that shard again`);
    }
    if (sidecar.shape.join() !== h.shape.join()) throw new InvalidParameterError(`${path}: holds (${h.shape}), its sidecar says (${sidecar.shape})`);
    return { path, headerLength: h.headerLength, shape: h.shape, sidecar };
  } finally {
    await fh.close();
  }
}

/** What must be equal across shards for their rows to form one array. */
function sameRun(s: Sidecar): string {
  return JSON.stringify([s.model_id, s.subject, s.synthetic_weights, s.weights_sha256, s.precision, s.compact, s.ch_names, s.times, s.selection, s.pixels, s.input.source, s.input.total, s.shard?.count]);
}

export async function runMerge(argv: string[]): Promise<number> {
  const outIdx = argv.indexOf('--out');
  if (outIdx < 0 || outIdx + 1 >= argv.length) throw new UsageError('merge needs --out OUT.npy followed by the shard files');
  const out = resolve(argv[outIdx + 1]);
  const inputs = argv.filter((_, i) => i !== outIdx && i !== outIdx + 1);
  parseFlags(inputs.filter((a) => a.startsWith('--')), []);
  if (inputs.length === 0) throw new UsageError('merge needs the shard .npy files to join');
  required({ out }, 'out');
  if (!out.endsWith('.npy')) throw new UsageError(`--out must name a .npy file; got '${argv[outIdx + 1]}'`);
  await checkOutputFolder(out);

  const shards = (await Promise.all(inputs.map((p) => inspect(resolve(p))))).sort((a, b) => a.sidecar.input.range[0] - b.sidecar.input.range[0]);
  const first = shards[0].sidecar;
  const total = first.input.total;
  let next = 0;
  for (const s of shards) {
    const sc = s.sidecar;
    const [lo, hi] = sc.input.range;
    if (sameRun(sc) !== sameRun(first)) throw new InvalidParameterError(`${s.path}: comes from another run than ${shards[0].path} (model, selection, pixels or input differ)`);
    if (sc.backend !== first.backend) {
      throw new InvalidParameterError(`${s.path} was encoded on ${sc.backend}, ${shards[0].path} on ${first.backend}: encode one again so that one backend made every row`);
    }
    if (lo !== next) throw new InvalidParameterError(next < lo ? `images ${next}..${lo - 1} are missing: a shard is not in the list` : `${s.path} overlaps the previous shard`);
    if (hi - lo !== s.shape[0]) throw new InvalidParameterError(`${s.path}: holds ${s.shape[0]} images, its sidecar says ${hi - lo}`);
    next = hi;
  }
  if (next !== total) throw new InvalidParameterError(`images ${next}..${total - 1} are missing: a shard is not in the list`);

  const [, r, c, t] = shards[0].shape;
  const shape: [number, number, number, number] = [next, r, c, t];
  const sidecar = buildSidecar({
    file: basename(out),
    model: sidecarModel(first),
    shape,
    ch_names: first.ch_names,
    times: first.times,
    selection: first.selection,
    images: shards.flatMap((s) => s.sidecar.images),
    input: { source: first.input.source, total, range: [0, next] },
    shard: null,
    merged_from: shards.map((s) => s.path),
    pixels: first.pixels,
    created: new Date(),
  });

  const lock = await lockOutput(out);
  try {
    await removeLeftovers(out).catch(() => {});
    const header = npyHeader(shape, '<f4');
    const partial = `${out}.${process.pid}.partial`;
    const dst = await open(partial, 'w');
    try {
      await dst.write(header, 0, header.length, 0);
      let pos = header.length;
      const chunk = new Uint8Array(16 << 20);
      for (const s of shards) {
        const src = await open(s.path, 'r');
        try {
          let remaining = 4 * s.shape.reduce((a, b) => a * b, 1);
          let at = s.headerLength;
          while (remaining > 0) {
            const { bytesRead } = await src.read(chunk, 0, Math.min(chunk.length, remaining), at);
            await dst.write(chunk, 0, bytesRead, pos);
            at += bytesRead;
            pos += bytesRead;
            remaining -= bytesRead;
          }
        } finally {
          await src.close();
        }
      }
      await dst.sync();
      await dst.close();
      await publish(out, partial, JSON.stringify(sidecar, null, 1));
    } catch (e) {
      await dst.close().catch(() => {});
      await rm(partial, { force: true });
      throw e;
    }
  } finally {
    await lock.release();
  }
  process.stderr.write(`wrote ${out} float32 (${shape.join(', ')}) from ${shards.length} shards\n`);
  return 0;
}
