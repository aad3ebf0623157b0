// Writing a converted model folder (Node). The subject folder is assembled in a temporary
// folder next to the target and renamed into place when complete; shared shards are
// written under temporary names and renamed one by one. On any error everything this
// call created is removed, so a failed conversion leaves nothing partial behind.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { MODEL_ID } from '../engine/types.ts';
import { float32ToFloat16 } from './dtype.ts';
import {
  type ConvertedManifest,
  type ManifestFields,
  type IndexEntry,
  type ModelIndex,
  type ShardInfo,
  SHARD_BYTES,
  SHARED_DIR,
  type StoredDtype,
  subjectFolderName,
  type WeightEntry,
  type WeightGroup,
} from './model_folder.ts';

export interface WeightToWrite {
  name: string;
  shape: number[];
  data: Float32Array;
  /** float16 stores TF.js float16-quantized bytes; default float32 */
  dtype?: StoredDtype;
  /** the stored bytes when already encoded (float16 bits); otherwise derived from data */
  bytes?: Uint8Array;
}

export interface WriteModelFolderOptions {
  /** models root, e.g. public/models */
  out: string;
  subject: number;
  /** manifest fields other than weightsManifest and shards (format, ch_names, times, encoder, provenance, ...) */
  manifest: ManifestFields;
  weights: WeightToWrite[];
  /** JSON-ready metadata, written as metadata.json */
  metadata: unknown;
  /** called after each weight is written */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  /** shard size limit (default 4 MiB) */
  shardBytes?: number;
}

export interface WriteModelFolderResult {
  dir: string;
  manifest: ConvertedManifest;
  shardsWritten: number;
  shardsReused: number;
  bytesWritten: number;
  bytesTotal: number;
}

/** JSON with one key per line but arrays of plain values on one line (readable manifests, short diffs). */
export function formatJson(v: unknown, indent = ''): string {
  const inner = indent + ' ';
  if (Array.isArray(v)) {
    if (v.every((x) => x === null || typeof x !== 'object')) return JSON.stringify(v);
    return `[\n${v.map((x) => inner + formatJson(x, inner)).join(',\n')}\n${indent}]`;
  }
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${formatJson(x, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const tmpSuffix = () => `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function storedBytes(w: WeightToWrite): Uint8Array {
  if (w.bytes) return w.bytes;
  if ((w.dtype ?? 'float32') === 'float16') {
    const h = float32ToFloat16(w.data);
    return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
  }
  return new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength);
}

async function fileMatches(file: string, info: ShardInfo): Promise<boolean> {
  try {
    const st = await stat(file);
    if (st.size !== info.bytes) return false;
    return sha256(await readFile(file)) === info.sha256;
  } catch {
    return false;
  }
}

/** Writes <out>/<model_id>/sub-NN/ (manifest.json, metadata.json) and its shards in <out>/<model_id>/shared/. */
export async function writeModelFolder(opts: WriteModelFolderOptions): Promise<WriteModelFolderResult> {
  const modelRoot = path.join(opts.out, MODEL_ID);
  const sharedDir = path.join(modelRoot, 'shared');
  const folder = subjectFolderName(opts.subject);
  const target = path.join(modelRoot, folder);
  const tmp = path.join(modelRoot, `.${folder}${tmpSuffix()}`);
  const shardLimit = opts.shardBytes ?? SHARD_BYTES;
  const created: string[] = []; // shared shards this call added
  const groups: WeightGroup[] = [];
  const shards: Record<string, ShardInfo> = {};
  let shardsWritten = 0;
  let shardsReused = 0;
  let bytesWritten = 0;
  const bytesTotal = opts.weights.reduce((a, w) => a + w.data.length * ((w.dtype ?? 'float32') === 'float16' ? 2 : 4), 0);
  let bytesDone = 0;

  try {
    await mkdir(sharedDir, { recursive: true });
    await mkdir(tmp);
    for (const w of opts.weights) {
      const bytes = storedBytes(w);
      // content address: the same stored bytes always get the same shard names
      const prefix = sha256(bytes).slice(0, 16);
      const n = Math.max(1, Math.ceil(bytes.length / shardLimit));
      const paths: string[] = [];
      for (let i = 0; i < n; i++) {
        const chunk = bytes.subarray(i * shardLimit, Math.min(bytes.length, (i + 1) * shardLimit));
        const name = `${prefix}-shard${i + 1}of${n}.bin`;
        const rel = `${SHARED_DIR}/${name}`;
        const info = { bytes: chunk.length, sha256: sha256(chunk) };
        const file = path.join(sharedDir, name);
        if (await fileMatches(file, info)) shardsReused++;
        else {
          const t = file + tmpSuffix();
          const existed = await stat(file).then(() => true, () => false);
          try {
            await writeFile(t, chunk);
            await rename(t, file);
          } catch (e) {
            await unlink(t).catch(() => {});
            throw e;
          }
          if (!existed) created.push(file);
          shardsWritten++;
          bytesWritten += chunk.length;
        }
        paths.push(rel);
        shards[rel] = info;
      }
      const entry: WeightEntry = { name: w.name, shape: w.shape, dtype: 'float32' };
      if (w.dtype === 'float16') entry.quantization = { dtype: 'float16', original_dtype: 'float32' };
      groups.push({ paths, weights: [entry] });
      bytesDone += bytes.length;
      opts.onProgress?.(bytesDone, bytesTotal);
    }
    const manifest: ConvertedManifest = { ...opts.manifest, weightsManifest: groups, shards };
    await writeFile(path.join(tmp, 'manifest.json'), formatJson(manifest) + '\n');
    await writeFile(path.join(tmp, manifest.metadata || 'metadata.json'), JSON.stringify(opts.metadata) + '\n');

    // swap into place: an existing folder is moved aside first and removed after
    let old: string | null = null;
    if (await stat(target).then(() => true, () => false)) {
      old = path.join(modelRoot, `.${folder}.old${tmpSuffix()}`);
      await rename(target, old);
    }
    try {
      await rename(tmp, target);
    } catch (e) {
      if (old) await rename(old, target).catch(() => {});
      throw e;
    }
    if (old) await rm(old, { recursive: true, force: true });
    return { dir: target, manifest, shardsWritten, shardsReused, bytesWritten, bytesTotal };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    for (const f of created) await unlink(f).catch(() => {});
    // folders this call may have created, removed only when empty
    await rmdir(sharedDir).catch(() => {});
    await rmdir(modelRoot).catch(() => {});
    throw e;
  }
}

/** Adds or replaces entries of <out>/index.json (matched by model_id + subject), keeping all others. */
export async function updateModelIndex(out: string, entries: IndexEntry[]): Promise<ModelIndex> {
  const file = path.join(out, 'index.json');
  let index: ModelIndex = { models: [] };
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8'));
    if (parsed && Array.isArray(parsed.models)) index = parsed;
    else throw new Error('no "models" list');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`${file} is not a valid model index (${(e as Error).message}); fix or remove it`);
    }
  }
  for (const entry of entries) {
    const i = index.models.findIndex((m) => m.model_id === entry.model_id && m.subject === entry.subject);
    if (i >= 0) index.models[i] = { ...index.models[i], ...entry };
    else index.models.push(entry);
  }
  // demo first, then subjects in order
  index.models.sort((a, b) => {
    if (a.model_id !== b.model_id) return a.model_id < b.model_id ? -1 : 1;
    const ka = a.subject === 'demo' ? -1 : Number(a.subject);
    const kb = b.subject === 'demo' ? -1 : Number(b.subject);
    return ka - kb;
  });
  await mkdir(out, { recursive: true });
  const t = file + tmpSuffix();
  await writeFile(t, formatJson(index) + '\n');
  await rename(t, file);
  return index;
}
