// Our converted model folder: the contract between the converter (writes it, see
// model_folder_node.ts) and the engine (reads it here, in the browser, a worker or Node).
//
//   <out>/index.json                                   catalog of model folders
//   <out>/eeg-things_eeg_2-alexnet_untrained/sub-NN/manifest.json
//   <out>/eeg-things_eeg_2-alexnet_untrained/sub-NN/metadata.json
//   <out>/eeg-things_eeg_2-alexnet_untrained/shared/<sha256-prefix>-shardIofN.bin
//
// Weight shards are content-addressed (named after the sha256 of the weight they hold),
// so identical arrays of different subjects are stored once. manifest.json lists them
// relative to the subject folder ("../shared/...") with their byte length and sha256.
//
// Writers: writeShardsAndManifest() below does the sharding, hashing and manifest assembly
// for every writer; a ShardSink stores the bytes (Node files in model_folder_node.ts, the
// browser's origin-private file system in browser_store.ts).

import { ModelLoadError } from '../engine/errors.ts';
import type { ModelSource } from '../engine/source.ts';
import { MODEL_ID, N_CHANNELS, N_REPETITIONS, N_TIMES, type ModelManifest, type ModelMetadata } from '../engine/types.ts';
import { float16ToFloat32, float32ToFloat16, product } from './dtype.ts';

export const MODEL_FORMAT = 'insilico-eeg-model/1';
/** Largest shard file, in bytes. */
export const SHARD_BYTES = 4 << 20;
/** Where shared, content-addressed shards live, relative to a subject folder. */
export const SHARED_DIR = '../shared';

export type StoredDtype = 'float32' | 'float16';
export type PcaLayoutStored = 'shared' | 'per-repetition';

/** One weight in TF.js's weightsManifest format; float16 is TF.js's float16 quantization. */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  quantization?: { dtype: 'float16'; original_dtype: 'float32' };
}

export interface WeightGroup {
  /** shard files, relative to the manifest's folder, concatenated in order */
  paths: string[];
  weights: WeightEntry[];
}

export interface ShardInfo {
  bytes: number;
  sha256: string;
}

export interface EncoderInfo {
  n_features: number;
  n_components: number;
  pca_layout: PcaLayoutStored;
  scaler_folded: true;
  dtype: StoredDtype;
}

export interface SourceFileInfo {
  file: string;
  bytes: number;
  sha256: string;
}

/**
 * The compact form a converted folder may also hold (see compact.ts): repetition 1's PCA shared
 * by all four repetitions, with each repetition's map folded into `compact/rep-N/coef` and
 * `compact/rep-N/intercept`. The engine uses it when asked for precision 'compact'.
 */
export interface CompactInfo {
  /** the shared basis and its offset (weight names) */
  components: string;
  offset: string;
  /** per repetition: the share of its standardised components outside the shared basis */
  residual: number[];
  /** the compact responses against the exact ones on probe images, measured by the converter */
  error?: CompactError;
}

export interface CompactError {
  /** images encoded both ways (seeded synthetic images, see engine/probe_images.ts) */
  probe_images: number;
  /** largest |compact - exact| over all responses */
  max_abs: number;
  /** largest |exact| */
  max_exact: number;
  /** max_abs / max_exact */
  relative: number;
  /** max_abs / max_exact within each repetition */
  relative_per_repetition: number[];
  backend: string;
}

/** One line on what the compact precision is and costs (CLI, app, exports). */
export function describeCompact(c: CompactInfo): string {
  const e = c.error;
  const measured = e
    ? `responses within ${e.relative.toExponential(2)} of the largest exact response (max abs ${e.max_abs.toExponential(2)}, ${e.probe_images} probe images)`
    : 'its error was not measured';
  return `compact precision: one PCA basis (${c.components}) shared by the four repetitions, float16 basis and fc6-fc8; ${measured}`;
}

/** The descriptive part of manifest.json (everything but the weight listing). */
export interface ManifestFields {
  format: string;
  model_id: string;
  /** a number for converted subjects ('demo' only for the generated demo folder) */
  subject: number | 'demo';
  synthetic: boolean;
  ch_names: string[];
  times: number[];
  encoder: EncoderInfo;
  /** metadata file name, relative to the manifest */
  metadata: string;
  provenance: {
    converter: string;
    converted_at: string;
    sources: SourceFileInfo[];
  };
  compact?: CompactInfo;
}

/** manifest.json of a converted subject. */
export interface ConvertedManifest extends ModelManifest, ManifestFields {
  subject: number | 'demo';
  weightsManifest: WeightGroup[];
  shards: Record<string, ShardInfo>;
}

export interface IndexEntry {
  model_id: string;
  subject: number | 'demo';
  /** folder of the manifest, relative to index.json, ending in '/' */
  path: string;
  synthetic: boolean;
  label: string;
  [key: string]: unknown;
}

export interface ModelIndex {
  models: IndexEntry[];
  [key: string]: unknown;
}

/** 'sub-01' for 1. */
export function subjectFolderName(subject: number): string {
  if (!Number.isInteger(subject) || subject < 1 || subject > 99) throw new ModelLoadError(`subject ${subject} is not a number from 1 to 99`);
  return `sub-${String(subject).padStart(2, '0')}`;
}

/** Weight names the engine loads (a contract): PCA (scaler folded in) and regression per repetition. */
export function weightNames(layout: PcaLayoutStored): string[] {
  const names: string[] = [];
  if (layout === 'shared') names.push('pca/components', 'pca/offset');
  else for (let r = 1; r <= N_REPETITIONS; r++) names.push(`pca/rep-${r}/components`, `pca/rep-${r}/offset`);
  for (let r = 1; r <= N_REPETITIONS; r++) names.push(`reg/rep-${r}/coef`, `reg/rep-${r}/intercept`);
  return names;
}

/** The PCA weights used by repetition r (1-based) under either layout. */
export function pcaWeightNames(layout: PcaLayoutStored, rep: number): { components: string; offset: string } {
  const base = layout === 'shared' ? 'pca' : `pca/rep-${rep}`;
  return { components: `${base}/components`, offset: `${base}/offset` };
}

/** Hex sha256 with WebCrypto (Node 20, browsers, workers). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function where(source: ModelSource, name: string): string {
  const loc = source.location.endsWith('/') ? source.location : source.location + '/';
  return loc + name;
}

async function readJson(source: ModelSource, name: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await source.readText(name);
  } catch (e) {
    throw new ModelLoadError(`cannot read ${what} ${where(source, name)}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelLoadError(`${where(source, name)} is not valid JSON (${(e as Error).message}): the model folder is corrupt; convert again`);
  }
}

/** Reads and checks manifest.json without touching any weights. */
export async function readModelManifest(source: ModelSource): Promise<ConvertedManifest> {
  const m = (await readJson(source, 'manifest.json', 'the model manifest')) as Partial<ConvertedManifest>;
  const at = where(source, 'manifest.json');
  if (typeof m !== 'object' || m === null) throw new ModelLoadError(`${at} is not a manifest object`);
  if (m.format !== undefined && !/^insilico-eeg-model\/1(\.|$)/.test(String(m.format))) {
    throw new ModelLoadError(`${at} has format ${JSON.stringify(m.format)}; this version reads ${MODEL_FORMAT}`);
  }
  if (m.model_id !== MODEL_ID) {
    throw new ModelLoadError(`${at} is for model ${JSON.stringify(m.model_id)}, not ${MODEL_ID}`);
  }
  if (!Array.isArray(m.ch_names) || m.ch_names.length !== N_CHANNELS) {
    throw new ModelLoadError(`${at}: ch_names must list ${N_CHANNELS} channels`);
  }
  if (!Array.isArray(m.times) || m.times.length !== N_TIMES) {
    throw new ModelLoadError(`${at}: times must list ${N_TIMES} time points`);
  }
  if (m.weightsManifest !== undefined) {
    if (!Array.isArray(m.weightsManifest) || !m.weightsManifest.every((g) => Array.isArray(g?.paths) && Array.isArray(g?.weights))) {
      throw new ModelLoadError(`${at}: weightsManifest is not a list of {paths, weights} groups`);
    }
  }
  return m as ConvertedManifest;
}

// ---------------- metadata.json ----------------

/** A numeric array in metadata.json: flat data (NaN written as null) plus shape. */
export interface JsonArray {
  shape: number[];
  data: (number | null)[];
}

function fromJsonArray(v: unknown, shape: number[], what: string, at: string): Float32Array | undefined {
  if (v === undefined || v === null) return undefined;
  let flat: unknown[];
  let got: number[];
  if (Array.isArray(v)) {
    // nested lists
    got = [];
    let x: unknown = v;
    while (Array.isArray(x)) {
      got.push(x.length);
      x = x[0];
    }
    flat = (v as unknown[]).flat(Infinity);
  } else if (typeof v === 'object' && Array.isArray((v as JsonArray).data)) {
    flat = (v as JsonArray).data;
    got = (v as JsonArray).shape ?? [flat.length];
  } else throw new ModelLoadError(`${at}: ${what} is not a number array`);
  if (got.join() !== shape.join() || flat.length !== product(shape)) {
    throw new ModelLoadError(`${at}: ${what} has shape (${got.join(', ')}), expected (${shape.join(', ')})`);
  }
  return Float32Array.from(flat, (x) => (x === null ? NaN : Number(x)));
}

/** Reads the subject's metadata.json (as written by the converter) into ModelMetadata. */
export async function readModelMetadata(source: ModelSource, manifest?: ConvertedManifest | ModelManifest): Promise<ModelMetadata> {
  const m = manifest ?? (await readModelManifest(source));
  const name = typeof m.metadata === 'string' ? m.metadata : 'metadata.json';
  const at = where(source, name);
  const j = (await readJson(source, name, 'the model metadata')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (typeof j !== 'object' || j === null) throw new ModelLoadError(`${at} is not an object`);
  const eeg = j.eeg ?? {};
  const grid = [N_CHANNELS, N_TIMES];
  const meta: ModelMetadata = {
    model_id: m.model_id,
    subject: m.subject,
    synthetic: Boolean(m.synthetic),
    eeg: {
      ch_names: Array.isArray(eeg.ch_names) ? eeg.ch_names : m.ch_names,
      times: Array.isArray(eeg.times) ? eeg.times : m.times,
      ncsnr: fromJsonArray(eeg.ncsnr, grid, 'eeg.ncsnr', at),
      noise_ceiling: fromJsonArray(eeg.noise_ceiling, grid, 'eeg.noise_ceiling', at),
    },
  };
  if (j.encoding_models) {
    meta.encoding_models = {
      correlation_averaged_repetitions: fromJsonArray(j.encoding_models.correlation_averaged_repetitions, grid, 'correlation_averaged_repetitions', at),
      correlation_single_repetitions: fromJsonArray(
        j.encoding_models.correlation_single_repetitions,
        [N_REPETITIONS, ...grid],
        'correlation_single_repetitions',
        at,
      ),
    };
  }
  if (j.train_img_info) meta.train_img_info = j.train_img_info;
  if (j.test_img_info) meta.test_img_info = j.test_img_info;
  for (const k of ['ncsnr', 'noise_ceiling'] as const) if (meta.eeg[k] === undefined) delete meta.eeg[k];
  return meta;
}

// ---------------- weights ----------------

export interface ReadModelFolderOptions {
  onProgress?: (bytesLoaded: number, totalBytes: number) => void;
  /**
   * check every shard's sha256 against the manifest (default: unless the source says it was
   * checked when stored); lengths are always checked
   */
  verify?: boolean;
  /** shards fetched at once (default 4) */
  concurrency?: number;
  /** load only these weights (default: all) */
  names?: string[];
  /**
   * float16-stored weights to return undecoded (ModelFolder.float16), for a caller that decodes
   * them on the way to their final place: one pass and one float32 copy less.
   */
  keepFloat16?: (name: string) => boolean;
}

export interface ModelFolder {
  manifest: ConvertedManifest;
  /** weight name -> float32 data (float16 shards decoded), C order, shape in the manifest */
  arrays: Map<string, Float32Array>;
  /** float16-stored weights kept as their bits, when asked for (keepFloat16) */
  float16: Map<string, Uint16Array>;
}

/**
 * A model source that can also read several files into one new buffer. The browser store has
 * one: its shards go from OPFS straight into the array their weight ends up in, instead of one
 * buffer per shard copied over (see opfsSource).
 */
export interface FilesReader {
  /**
   * The files' bytes one after another, in a fresh buffer (byteOffset 0) of sum(sizes) bytes;
   * onBytes is told each file's length once it is in. Null (or a throw) when that cannot be done
   * here, a file is missing or its length is not sizes[i]: the caller then reads the files one
   * by one, and that read reports what is wrong.
   */
  readFiles(names: string[], sizes: number[], onBytes?: (bytes: number) => void): Promise<Uint8Array | null>;
}

interface Dest {
  entry: WeightEntry;
  start: number; // byte offset in the group
  n: number; // values
  nbytes: number;
  float16: boolean; // stored as float16 bits
  keep: boolean; // float16 bits returned as they are (keepFloat16)
  bytes: Uint8Array | null; // where the raw stored bytes go (allocated when the first bytes come)
  out: Float32Array | null; // float32 data (for float32-stored weights, bytes is a view of it)
}

/** The raw-bytes buffer of a weight, allocated on first use (float32: the output array itself). */
function destBytes(d: Dest): Uint8Array {
  if (!d.bytes) {
    if (d.float16) d.bytes = new Uint8Array(d.nbytes);
    else {
      d.out = new Float32Array(d.n);
      d.bytes = new Uint8Array(d.out.buffer);
    }
  }
  return d.bytes;
}

/** Points a weight at its bytes inside a group buffer (no copy) where they are aligned for their type. */
function adoptBytes(d: Dest, group: Uint8Array): void {
  const view = group.subarray(d.start, d.start + d.nbytes);
  const at = group.byteOffset + d.start;
  if (!d.float16 && at % 4 === 0) {
    d.out = new Float32Array(group.buffer, at, d.n);
    d.bytes = view;
  } else if (d.float16 && at % 2 === 0) d.bytes = view;
  else destBytes(d).set(view);
}

/**
 * Loads every weight of a model folder. Shards are fetched a few at a time, checked
 * (length, sha256) and copied straight into their arrays; from a source that reads whole
 * groups of shards (FilesReader), each weight's shards are read into its array directly.
 */
export async function readModelFolder(source: ModelSource, opts: ReadModelFolderOptions = {}): Promise<ModelFolder> {
  const manifest = await readModelManifest(source);
  const at = where(source, 'manifest.json');
  const verify = opts.verify ?? !source.checkedWhenStored;
  const groups = manifest.weightsManifest;
  if (!Array.isArray(groups)) throw new ModelLoadError(`${at} has no weightsManifest`);
  const want = opts.names ? new Set(opts.names) : null;
  const filesReader = typeof (source as Partial<FilesReader>).readFiles === 'function' ? (source as ModelSource & FilesReader) : null;

  // plan: byte ranges of each weight inside its group
  type ShardJob = { path: string; group: number; offset: number; expected?: ShardInfo };
  const jobs: ShardJob[] = [];
  const dests: Dest[][] = [];
  const groupSize: number[] = [];
  const received: number[] = [];
  let total = 0;
  groups.forEach((g, gi) => {
    let pos = 0;
    const ds: Dest[] = [];
    for (const e of g.weights) {
      if (e.dtype !== 'float32') throw new ModelLoadError(`${at}: weight ${e.name} has dtype ${e.dtype}; only float32 (optionally float16-quantized) is supported`);
      const q = e.quantization?.dtype;
      if (q !== undefined && q !== 'float16') throw new ModelLoadError(`${at}: weight ${e.name} uses ${q} quantization, which is not supported`);
      const n = product(e.shape);
      const float16 = q === 'float16';
      const nbytes = n * (float16 ? 2 : 4);
      if (!want || want.has(e.name)) {
        ds.push({ entry: e, start: pos, n, nbytes, float16, keep: float16 && Boolean(opts.keepFloat16?.(e.name)), bytes: null, out: null });
      }
      pos += nbytes;
    }
    dests.push(ds);
    groupSize.push(pos);
    received.push(0);
    if (ds.length === 0) return;
    let off = 0;
    for (const p of g.paths) {
      const expected = manifest.shards?.[p];
      jobs.push({ path: p, group: gi, offset: off, expected });
      off += expected?.bytes ?? NaN; // NaN: unknown sizes, fetched in order below
    }
    total += pos;
  });
  const ordered = jobs.some((j) => Number.isNaN(j.offset));

  let loaded = 0;
  opts.onProgress?.(0, total);
  const groupFill = new Map<number, number>(); // bytes placed, for groups whose shard sizes are unknown

  const place = (gi: number, offset: number, chunk: Uint8Array) => {
    for (const d of dests[gi]) {
      const a = Math.max(offset, d.start);
      const b = Math.min(offset + chunk.length, d.start + d.nbytes);
      if (a < b) destBytes(d).set(chunk.subarray(a - offset, b - offset), a - d.start);
    }
  };

  const checkHash = async (job: ShardJob, bytes: Uint8Array) => {
    if (verify && job.expected) {
      const h = await sha256Hex(bytes);
      if (h !== job.expected.sha256) {
        throw new ModelLoadError(
          `shard ${job.path} has sha256 ${h}, manifest says ${job.expected.sha256}: the model folder is corrupt; convert again (${at})`,
        );
      }
    }
  };

  const fetchShard = async (job: ShardJob): Promise<Uint8Array> => {
    let bytes: Uint8Array;
    try {
      bytes = await source.readBytes(job.path);
    } catch (e) {
      throw new ModelLoadError(`cannot read shard ${where(source, job.path)}: ${(e as Error).message}; the model folder is incomplete, convert again`);
    }
    if (job.expected) {
      if (bytes.length !== job.expected.bytes) {
        throw new ModelLoadError(
          `shard ${job.path} has ${bytes.length} bytes, manifest says ${job.expected.bytes}: the model folder is corrupt; convert again (${at})`,
        );
      }
    }
    await checkHash(job, bytes);
    return bytes;
  };

  const shardJob = async (job: ShardJob) => {
    const bytes = await fetchShard(job);
    place(job.group, job.offset, bytes);
    received[job.group] += bytes.length;
    loaded += bytes.length;
    opts.onProgress?.(loaded, total);
  };

  /**
   * A group whose weights are all wanted, read whole into one buffer that its weights then view;
   * false when the source could not, and the group is to be read shard by shard.
   */
  const groupJob = async (gi: number, shards: ShardJob[]): Promise<boolean> => {
    let reported = 0;
    let bytes: Uint8Array | null = null;
    try {
      bytes = await filesReader!.readFiles(
        shards.map((j) => j.path),
        shards.map((j) => j.expected!.bytes),
        (n) => {
          reported += n;
          loaded += n;
          opts.onProgress?.(loaded, total);
        },
      );
    } catch {
      bytes = null;
    }
    if (!bytes || bytes.length !== groupSize[gi]) {
      loaded -= reported;
      return false;
    }
    for (const job of shards) await checkHash(job, bytes.subarray(job.offset, job.offset + job.expected!.bytes));
    for (const d of dests[gi]) adoptBytes(d, bytes);
    received[gi] = bytes.length;
    loaded += bytes.length - reported;
    if (bytes.length !== reported) opts.onProgress?.(loaded, total);
    return true;
  };

  if (ordered) {
    for (const job of jobs) {
      const bytes = await fetchShard(job);
      const off = groupFill.get(job.group) ?? 0;
      place(job.group, off, bytes);
      groupFill.set(job.group, off + bytes.length);
      received[job.group] += bytes.length;
      loaded += bytes.length;
      opts.onProgress?.(loaded, total);
    }
  } else {
    // whole groups where the source reads them so (every weight of the group wanted), else shards
    const tasks: (() => Promise<void>)[] = [];
    dests.forEach((ds, gi) => {
      const shards = jobs.filter((j) => j.group === gi);
      if (filesReader && shards.length && ds.length === groups[gi].weights.length) {
        tasks.push(async () => {
          if (!(await groupJob(gi, shards))) for (const job of shards) await shardJob(job);
        });
      } else for (const job of shards) tasks.push(() => shardJob(job));
    });
    let next = 0;
    const worker = async () => {
      while (next < tasks.length) await tasks[next++]();
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
  }

  dests.forEach((ds, gi) => {
    if (ds.length && received[gi] !== groupSize[gi]) {
      throw new ModelLoadError(
        `${at}: the shards of ${groups[gi].weights.map((w) => w.name).join(', ')} hold ${received[gi]} bytes, ` +
          `the weights need ${groupSize[gi]}: the model folder is corrupt; convert again`,
      );
    }
  });
  const arrays = new Map<string, Float32Array>();
  const float16 = new Map<string, Uint16Array>();
  for (const ds of dests) {
    for (const d of ds) {
      const bytes = destBytes(d); // (allocated here only for a weight of no values)
      if (!d.float16) arrays.set(d.entry.name, d.out!);
      else {
        const bits = new Uint16Array(bytes.buffer, bytes.byteOffset, d.n);
        if (d.keep) float16.set(d.entry.name, bits);
        else arrays.set(d.entry.name, float16ToFloat32(bits, new Float32Array(d.n)));
      }
    }
  }
  if (want) {
    for (const n of want) if (!arrays.has(n) && !float16.has(n)) throw new ModelLoadError(`${at} has no weight ${n}`);
  }
  return { manifest, arrays, float16 };
}

// ---------------- writing (shared by the Node and the browser writers) ----------------

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
