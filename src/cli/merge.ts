// `insilico-eeg merge`: join the .npy outputs of `encode --shard i/n` runs into one array,
// in image order (taken from each shard's sidecar), streaming so memory stays flat.

import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { npyHeader, parseNpyHeader } from '../io/npy.ts';
import { InvalidParameterError } from '../engine/errors.ts';
import { parseFlags, required, UsageError } from './args.ts';

interface ShardInfo {
  path: string;
  headerLength: number;
  shape: number[];
  range: [number, number];
  total: number;
  sidecar: Record<string, unknown> & { images: { names?: string[] } };
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
    let sidecar;
    try {
      sidecar = JSON.parse(await readFile(path + '.json', 'utf8'));
    } catch {
      throw new InvalidParameterError(`${path}.json (the sidecar written by encode) is missing or unreadable`);
    }
    return { path, headerLength: h.headerLength, shape: h.shape, range: sidecar.images.range, total: sidecar.images.total, sidecar };
  } finally {
    await fh.close();
  }
}

export async function runMerge(argv: string[]): Promise<number> {
  const outIdx = argv.indexOf('--out');
  if (outIdx < 0 || outIdx + 1 >= argv.length) throw new UsageError('merge needs --out OUT.npy followed by the shard files');
  const out = resolve(argv[outIdx + 1]);
  const inputs = argv.filter((_, i) => i !== outIdx && i !== outIdx + 1);
  parseFlags(inputs.filter((a) => a.startsWith('--')), []);
  if (inputs.length === 0) throw new UsageError('merge needs the shard .npy files to join');
  required({ out }, 'out');

  const shards = (await Promise.all(inputs.map((p) => inspect(resolve(p))))).sort((a, b) => a.range[0] - b.range[0]);
  const [, r, c, t] = shards[0].shape;
  let next = 0;
  for (const s of shards) {
    if (s.shape[1] !== r || s.shape[2] !== c || s.shape[3] !== t) throw new InvalidParameterError(`${s.path}: shape (${s.shape}) differs from the other shards`);
    if (s.total !== shards[0].total) throw new InvalidParameterError(`${s.path}: comes from a run over ${s.total} images, others over ${shards[0].total}`);
    if (s.range[0] !== next) throw new InvalidParameterError(next < s.range[0] ? `images ${next}..${s.range[0] - 1} are missing: a shard is not in the list` : `${s.path} overlaps the previous shard`);
    if (s.range[1] - s.range[0] !== s.shape[0]) throw new InvalidParameterError(`${s.path}: holds ${s.shape[0]} images, its sidecar says ${s.range[1] - s.range[0]}`);
    next = s.range[1];
  }
  if (next !== shards[0].total) throw new InvalidParameterError(`images ${next}..${shards[0].total - 1} are missing: a shard is not in the list`);

  const shape = [next, r, c, t];
  const header = npyHeader(shape, '<f4');
  const partial = out + '.partial';
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
  } catch (e) {
    await dst.close();
    await rm(partial, { force: true });
    throw e;
  }
  await dst.close();
  const first = shards[0].sidecar;
  const sidecar = {
    ...first,
    shape,
    shard: undefined,
    images: { ...(first.images as object), range: [0, next], names: shards.flatMap((s) => s.sidecar.images.names ?? []) },
    merged_from: shards.map((s) => s.path),
    created_at: new Date().toISOString(),
  };
  await writeFile(out + '.json.tmp', JSON.stringify(sidecar, null, 1));
  await rename(out + '.json.tmp', out + '.json');
  await rename(partial, out);
  process.stderr.write(`wrote ${out} float32 (${shape.join(', ')}) from ${shards.length} shards\n`);
  return 0;
}
