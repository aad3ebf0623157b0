// Writing our model folder (model_folder.ts describes it): weights cut into content-addressed
// shards, hashed, and the manifest assembled, for every writer; a ShardSink stores the bytes
// (Node files in model_folder_node.ts, the browser's origin-private file system in browser_store.ts).
import { float32ToFloat16 } from './dtype.ts';
import { SHARD_BYTES, SHARED_DIR, sha256Hex, type ConvertedManifest, type ManifestFields, type ShardInfo, type StoredDtype, type WeightEntry, type WeightGroup } from './model_folder.ts';


export interface WeightToWrite {
  name: string;
  shape: number[];
  data: Float32Array;
  /** float16 stores TF.js float16-quantized bytes; default float32 */
  dtype?: StoredDtype;
  /** the stored bytes when already encoded (float16 bits); otherwise derived from data */
  bytes?: Uint8Array;
}

/** Where shards go. Names are plain file names inside the shared folder. */
export interface ShardSink {
  /** True when the shared folder already holds exactly these bytes under this name (then it is not written again). */
  has(name: string, info: ShardInfo): Promise<boolean>;
  write(name: string, bytes: Uint8Array): Promise<void>;
}

export interface WriteShardsOptions {
  /** manifest fields other than weightsManifest and shards */
  manifest: ManifestFields;
  weights: WeightToWrite[];
  sink: ShardSink;
  /** shard size limit (default 4 MiB) */
  shardBytes?: number;
  /** called after each shard is stored (or found already stored) */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  /** checked before each shard */
  signal?: AbortSignal;
}

export interface WriteShardsResult {
  manifest: ConvertedManifest;
  shardsWritten: number;
  shardsReused: number;
  bytesWritten: number;
  bytesTotal: number;
}

/** The bytes stored for a weight: float32 as is, or float16 bits. */
export function storedBytes(w: WeightToWrite): Uint8Array {
  if (w.bytes) return w.bytes;
  if ((w.dtype ?? 'float32') === 'float16') {
    const h = float32ToFloat16(w.data);
    return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
  }
  return new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength);
}

/** Bytes of weights a model folder references (before any reuse of shards already stored). */
export function storedByteCount(weights: WeightToWrite[]): number {
  return weights.reduce((a, w) => a + (w.bytes?.length ?? w.data.length * ((w.dtype ?? 'float32') === 'float16' ? 2 : 4)), 0);
}

/**
 * Splits each weight into shards of at most shardBytes, names them after the sha256 of the
 * weight's stored bytes, stores the ones the sink does not hold yet, and returns the manifest.
 * Every writer goes through here, so the same arrays give the same manifest everywhere.
 */
export async function writeShardsAndManifest(opts: WriteShardsOptions): Promise<WriteShardsResult> {
  const shardLimit = opts.shardBytes ?? SHARD_BYTES;
  const groups: WeightGroup[] = [];
  const shards: Record<string, ShardInfo> = {};
  let shardsWritten = 0;
  let shardsReused = 0;
  let bytesWritten = 0;
  const bytesTotal = storedByteCount(opts.weights);
  let bytesDone = 0;
  for (const w of opts.weights) {
    const bytes = storedBytes(w);
    // content address: the same stored bytes always get the same shard names
    const prefix = (await sha256Hex(bytes)).slice(0, 16);
    const n = Math.max(1, Math.ceil(bytes.length / shardLimit));
    const paths: string[] = [];
    for (let i = 0; i < n; i++) {
      opts.signal?.throwIfAborted();
      const chunk = bytes.subarray(i * shardLimit, Math.min(bytes.length, (i + 1) * shardLimit));
      const name = `${prefix}-shard${i + 1}of${n}.bin`;
      const rel = `${SHARED_DIR}/${name}`;
      const info = { bytes: chunk.length, sha256: await sha256Hex(chunk) };
      if (await opts.sink.has(name, info)) shardsReused++;
      else {
        await opts.sink.write(name, chunk);
        shardsWritten++;
        bytesWritten += chunk.length;
      }
      paths.push(rel);
      shards[rel] = info;
      bytesDone += chunk.length;
      opts.onProgress?.(bytesDone, bytesTotal);
    }
    const entry: WeightEntry = { name: w.name, shape: w.shape, dtype: 'float32' };
    if (w.dtype === 'float16') entry.quantization = { dtype: 'float16', original_dtype: 'float32' };
    groups.push({ paths, weights: [entry] });
  }
  const manifest: ConvertedManifest = { ...opts.manifest, weightsManifest: groups, shards };
  return { manifest, shardsWritten, shardsReused, bytesWritten, bytesTotal };
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

/** manifest.json's text, byte for byte the same from every writer. */
export function manifestFileText(manifest: ConvertedManifest): string {
  return formatJson(manifest) + '\n';
}

/** metadata.json's text (already-serialised text is kept as it is). */
export function metadataFileText(metadata: unknown): string {
  return typeof metadata === 'string' ? metadata : JSON.stringify(metadata) + '\n';
}

/** Shard names (inside the shared folder) a manifest references. */
export function referencedShards(manifest: Partial<Pick<ConvertedManifest, 'weightsManifest' | 'shards'>>): Set<string> {
  const names = new Set<string>();
  const add = (p: string) => {
    if (p.startsWith(SHARED_DIR + '/')) names.add(p.slice(SHARED_DIR.length + 1));
  };
  for (const p of Object.keys(manifest.shards ?? {})) add(p);
  for (const g of manifest.weightsManifest ?? []) for (const p of g.paths ?? []) add(p);
  return names;
}
