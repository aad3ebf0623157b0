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
// This file: the folder's types, manifest validation, and reading the weights. metadata.json is
// read in model_metadata.ts; writing (sharding, hashing, manifest assembly, shared by every
// writer) is model_folder_write.ts.

import { ModelLoadError } from '../core/errors.ts';
import type { ModelSource } from '../core/source.ts';
import { MODEL_ID, N_CHANNELS, N_FEATURES, N_REPETITIONS, N_TIMES, type CompactInfo, type ModelManifest, type SubjectId, isDemoSubject } from '../core/types.ts';
import { float16ToFloat32, product } from './dtype.ts';
import { MAX_COMPONENTS, MAX_MANIFEST_BYTES, MAX_NDIM, MAX_SHARD_BYTES, MAX_SHARDS, MAX_WEIGHTS } from './limits.ts';

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

/** The descriptive part of manifest.json (everything but the weight listing). */
export interface ManifestFields {
  format: string;
  model_id: string;
  /** a number for converted subjects ('demo' only for the generated demo folder) */
  subject: SubjectId;
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

/**
 * How manifest.json writes a subject: `subject` is a number or "demo" (the model folder's
 * contract); a further seeded demo subject 'demo-N' is "demo" with `demo_subject: N`.
 */
export function manifestSubject(s: SubjectId): { subject: number | 'demo'; demo_subject?: number } {
  if (typeof s === 'number' || s === 'demo') return { subject: s };
  return { subject: 'demo', demo_subject: Number(s.slice(5)) };
}

/** manifest.json of a converted subject. */
export interface ConvertedManifest extends ModelManifest, ManifestFields {
  subject: SubjectId;
  weightsManifest: WeightGroup[];
  shards: Record<string, ShardInfo>;
}

export interface IndexEntry {
  model_id: string;
  subject: SubjectId;
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

/** Hex sha256 with WebCrypto (Node 20, browsers, workers). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function where(source: ModelSource, name: string): string {
  const loc = source.location.endsWith('/') ? source.location : source.location + '/';
  return loc + name;
}

/**
 * Why a path written in a manifest is refused, or null. A model folder is closed: a path names a
 * file inside the subject folder ("metadata.json", "a/b.bin") or in the model's shared shard
 * folder ("../shared/x.bin"), nothing else: no absolute path, no other "..", no empty or "."
 * part, no backslash, colon or NUL (which other systems read as separators or drives).
 */
export function manifestPathProblem(p: unknown, opts: { shared?: boolean } = {}): string | null {
  if (typeof p !== 'string' || p.length === 0) return 'is not a file name';
  if (p.length > 512) return 'is longer than 512 characters';
  if (/[\\:\0]/.test(p)) return 'contains a backslash, colon or NUL';
  if (p.startsWith('/')) return 'is absolute';
  const parts = p.split('/');
  let i = 0;
  if (parts[0] === '..') {
    if (!opts.shared || parts[1] !== 'shared' || parts.length !== 3) {
      return opts.shared ? `leaves the model folder (only ${SHARED_DIR}/NAME may climb out of the subject folder)` : 'leaves the model folder';
    }
    i = 2;
  }
  for (; i < parts.length; i++) {
    if (parts[i] === '' || parts[i] === '.' || parts[i] === '..') return 'has an empty, "." or ".." part';
  }
  return null;
}

/** A JSON parse error's position, without the text it quotes (a file outside the folder must not leak into a message). */
function jsonProblem(e: unknown): string {
  const m = /position (\d+)/.exec(String((e as Error)?.message));
  return m ? `invalid JSON at position ${m[1]}` : 'invalid JSON';
}

/** A source's error message without the file name it starts with (the caller's message names it). */
function sourceProblem(source: ModelSource, name: string, e: unknown): string {
  const msg = String((e as Error)?.message ?? e);
  const prefix = where(source, name) + ': ';
  return msg.startsWith(prefix) ? msg.slice(prefix.length) : msg;
}

export async function readJson(source: ModelSource, name: string, what: string, limit: number): Promise<unknown> {
  let text: string;
  try {
    text = await source.readText(name);
  } catch (e) {
    throw new ModelLoadError(`cannot read ${what} ${where(source, name)}: ${sourceProblem(source, name, e)}`);
  }
  if (text.length > limit) {
    throw new ModelLoadError(`${where(source, name)} is ${text.length} characters long, more than the ${limit} ${what} may have: the model folder is corrupt`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelLoadError(`${where(source, name)} is not valid JSON (${jsonProblem(e)}): the model folder is corrupt; convert again`);
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Record<string, unknown>, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);
const N_ROWS = N_CHANNELS * N_TIMES;

/** The shape the engine needs for each weight it may load, for K components. */
function expectedShape(name: string, K: number): number[] | null {
  if (/^(pca|pca\/rep-[1-4])\/components$/.test(name)) return [K, N_FEATURES];
  if (/^(pca|pca\/rep-[1-4])\/offset$/.test(name)) return [K];
  if (/^(reg|compact)\/rep-[1-4]\/coef$/.test(name)) return [N_ROWS, K];
  if (/^(reg|compact)\/rep-[1-4]\/intercept$/.test(name)) return [N_ROWS];
  return null;
}

/**
 * Checks every field of a parsed manifest.json before anything uses it: identity, channels and
 * times, the encoder's numbers (bounded, and the ones the engine assumes), every weight's name,
 * dtype and shape against them, and the shard table (required: every path listed once, inside
 * the folder, with a length and a sha256, the lengths adding up to each weight group's bytes).
 * The engine and the browser store only ever see manifests that passed.
 */
export function validateManifest(m: unknown, at: string): ConvertedManifest {
  const bad = (what: string) => new ModelLoadError(`${at}: ${what}: the model folder is corrupt; convert again`);
  if (!isObject(m)) throw new ModelLoadError(`${at} is not a manifest object`);
  const format = own(m, 'format');
  if (format !== undefined && !/^insilico-eeg-model\/1(\.|$)/.test(String(format))) {
    throw new ModelLoadError(`${at} has format ${JSON.stringify(format)}; this version reads ${MODEL_FORMAT}`);
  }
  if (own(m, 'model_id') !== MODEL_ID) {
    throw new ModelLoadError(`${at} is for model ${JSON.stringify(own(m, 'model_id'))}, not ${MODEL_ID}`);
  }
  const written = own(m, 'subject');
  if (!isDemoSubject(written) && !(Number.isInteger(written) && (written as number) >= 1 && (written as number) <= 99)) {
    throw bad(`subject ${JSON.stringify(written)} is not "demo" or a number from 1 to 99`);
  }
  const demoNumber = own(m, 'demo_subject');
  if (demoNumber !== undefined && (written !== 'demo' || !Number.isInteger(demoNumber) || (demoNumber as number) < 2 || (demoNumber as number) > 99)) {
    throw bad(`demo_subject ${JSON.stringify(demoNumber)} is not a number from 2 to 99 of a "demo" subject`);
  }
  // the id inside the page and the CLI: further demo subjects are 'demo-N'
  const subject: SubjectId = demoNumber === undefined ? (written as SubjectId) : `demo-${demoNumber as number}`;
  const resolved = () => (subject === written ? m : { ...m, subject }) as unknown as ConvertedManifest;
  const synthetic = own(m, 'synthetic');
  if (synthetic !== undefined && typeof synthetic !== 'boolean') throw bad('synthetic is not true or false');
  const ch = own(m, 'ch_names');
  if (!Array.isArray(ch) || ch.length !== N_CHANNELS) throw new ModelLoadError(`${at}: ch_names must list ${N_CHANNELS} channels`);
  if (!ch.every((c) => typeof c === 'string' && c.length > 0 && c.length <= 64)) throw bad('ch_names are not all channel names (strings of 1-64 characters)');
  const times = own(m, 'times');
  if (!Array.isArray(times) || times.length !== N_TIMES) throw new ModelLoadError(`${at}: times must list ${N_TIMES} time points`);
  if (!times.every((t) => typeof t === 'number' && Number.isFinite(t))) throw bad('times are not all finite numbers (seconds)');
  const metadata = own(m, 'metadata');
  if (metadata !== undefined) {
    const problem = manifestPathProblem(metadata);
    if (problem) throw bad(`the metadata path ${JSON.stringify(metadata)} ${problem}`);
  }

  const generator = own(m, 'generator');
  if (synthetic === true && isObject(generator)) {
    // the built-in demo: weights generated from these numbers, no shards
    const k = own(generator, 'n_components');
    if (!Number.isInteger(k) || (k as number) < 1 || (k as number) > MAX_COMPONENTS) {
      throw bad(`generator n_components ${JSON.stringify(k)} is not an integer from 1 to ${MAX_COMPONENTS}`);
    }
    if (!Number.isSafeInteger(own(generator, 'seed'))) throw bad('generator seed is not an integer');
    return resolved();
  }

  const enc = own(m, 'encoder');
  if (!isObject(enc)) throw bad('it has no encoder description');
  if (own(enc, 'n_features') !== N_FEATURES) throw bad(`encoder n_features is ${JSON.stringify(own(enc, 'n_features'))}; this model's AlexNet features have ${N_FEATURES}`);
  const K = own(enc, 'n_components');
  if (!Number.isInteger(K) || (K as number) < 1 || (K as number) > MAX_COMPONENTS) {
    throw bad(`encoder n_components ${JSON.stringify(K)} is not an integer from 1 to ${MAX_COMPONENTS}`);
  }
  const layout = own(enc, 'pca_layout');
  if (layout !== 'shared' && layout !== 'per-repetition') throw bad(`encoder pca_layout ${JSON.stringify(layout)} is not "shared" or "per-repetition"`);
  const dtype = own(enc, 'dtype');
  if (dtype !== 'float32' && dtype !== 'float16') throw bad(`encoder dtype ${JSON.stringify(dtype)} is not float32 or float16`);
  if (own(enc, 'scaler_folded') !== true) throw bad('encoder scaler_folded is not true (this reader needs the scaler folded into the PCA)');

  const groups = own(m, 'weightsManifest');
  if (!Array.isArray(groups) || groups.length === 0 || groups.length > MAX_WEIGHTS) {
    throw new ModelLoadError(`${at}: weightsManifest is not a list of {paths, weights} groups (1 to ${MAX_WEIGHTS})`);
  }
  const shards = own(m, 'shards');
  if (!isObject(shards)) throw bad('it has no shards table (each shard file with its length and sha256)');
  const shardPaths = Object.keys(shards);
  if (shardPaths.length > MAX_SHARDS) throw bad(`it lists ${shardPaths.length} shards, more than ${MAX_SHARDS}`);
  for (const p of shardPaths) {
    const problem = manifestPathProblem(p, { shared: true });
    if (problem) throw bad(`the shard path ${JSON.stringify(p)} ${problem}`);
    const info = shards[p];
    if (!isObject(info)) throw bad(`shard ${p} has no {bytes, sha256}`);
    const bytes = own(info, 'bytes');
    if (!Number.isInteger(bytes) || (bytes as number) < 0 || (bytes as number) > MAX_SHARD_BYTES) {
      throw bad(`shard ${p} has bytes ${JSON.stringify(bytes)}, not an integer from 0 to ${MAX_SHARD_BYTES}`);
    }
    if (typeof own(info, 'sha256') !== 'string' || !/^[0-9a-f]{64}$/.test(own(info, 'sha256') as string)) {
      throw bad(`shard ${p} has no sha256 (64 lower-case hex digits)`);
    }
  }
  const names = new Map<string, number[]>();
  for (const [gi, g] of groups.entries()) {
    if (!isObject(g) || !Array.isArray(own(g, 'paths')) || !Array.isArray(own(g, 'weights'))) {
      throw new ModelLoadError(`${at}: weightsManifest is not a list of {paths, weights} groups`);
    }
    const paths = own(g, 'paths') as unknown[];
    const weights = own(g, 'weights') as unknown[];
    if (paths.length === 0 || weights.length === 0 || weights.length > MAX_WEIGHTS) throw bad(`weight group ${gi} has no paths or no weights`);
    let groupBytes = 0;
    for (const e of weights) {
      if (!isObject(e) || typeof own(e, 'name') !== 'string') throw bad(`weight group ${gi} lists a weight without a name`);
      const name = own(e, 'name') as string;
      if (name.length > 256 || names.has(name)) throw bad(`weight ${JSON.stringify(name.slice(0, 256))} is listed twice or has an overlong name`);
      const shape = own(e, 'shape');
      if (!Array.isArray(shape) || shape.length > MAX_NDIM || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        throw bad(`weight ${name} has no valid shape`);
      }
      if (own(e, 'dtype') !== 'float32') {
        throw new ModelLoadError(`${at}: weight ${name} has dtype ${JSON.stringify(own(e, 'dtype'))}; only float32 (optionally float16-quantized) is supported`);
      }
      const q = own(e, 'quantization');
      if (q !== undefined && !(isObject(q) && own(q, 'dtype') === 'float16')) {
        throw new ModelLoadError(`${at}: weight ${name} uses ${JSON.stringify(isObject(q) ? own(q, 'dtype') : q)} quantization, which is not supported`);
      }
      const want = expectedShape(name, K as number);
      if (want && (shape.length !== want.length || shape.some((d, i) => d !== want[i]))) {
        throw bad(`weight ${name} has shape (${shape.join(', ')}); with K = ${K} it must be (${want.join(', ')})`);
      }
      groupBytes += product(shape as number[]) * (q !== undefined ? 2 : 4);
      names.set(name, shape as number[]);
    }
    let shardBytes = 0;
    for (const p of paths) {
      if (typeof p !== 'string' || !Object.prototype.hasOwnProperty.call(shards, p)) throw bad(`weight group ${gi} reads ${JSON.stringify(p)}, which the shards table does not list`);
      shardBytes += (shards[p] as ShardInfo).bytes;
    }
    if (shardBytes !== groupBytes) {
      throw bad(`the shards of weight group ${gi} hold ${shardBytes} bytes, its weights need ${groupBytes}`);
    }
  }
  const need = weightNames(layout);
  const compact = own(m, 'compact');
  if (compact !== undefined) {
    if (!isObject(compact)) throw bad('compact is not an object');
    for (const k of ['components', 'offset'] as const) {
      const n = own(compact, k);
      if (typeof n !== 'string' || !names.has(n)) throw bad(`compact ${k} names no weight of this folder`);
    }
    const residual = own(compact, 'residual');
    if (!Array.isArray(residual) || residual.length !== N_REPETITIONS || !residual.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw bad(`compact residual is not ${N_REPETITIONS} finite numbers`);
    }
    for (let r = 1; r <= N_REPETITIONS; r++) need.push(`compact/rep-${r}/coef`, `compact/rep-${r}/intercept`);
  }
  const missing = need.filter((n) => !names.has(n));
  if (missing.length) throw bad(`it lists no ${missing.join(', ')} (a ${layout} subject needs ${weightNames(layout).join(', ')})`);
  return resolved();
}

/** Reads and checks manifest.json (validateManifest) without touching any weights. */
export async function readModelManifest(source: ModelSource): Promise<ConvertedManifest> {
  const m = await readJson(source, 'manifest.json', 'the model manifest', MAX_MANIFEST_BYTES);
  return validateManifest(m, where(source, 'manifest.json'));
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
 * A model source that can read a file of a known length: it refuses one whose length differs
 * before reading it (a device or a huge file named as a shard costs nothing). The Node folder
 * source has one.
 */
export interface SizedReader {
  readBytesOfSize(name: string, bytes: number): Promise<Uint8Array>;
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
  const sized = typeof (source as Partial<SizedReader>).readBytesOfSize === 'function' ? (source as ModelSource & SizedReader) : null;

  // plan: byte ranges of each weight inside its group
  type ShardJob = { path: string; group: number; offset: number; expected: ShardInfo };
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
      const expected = manifest.shards[p]; // validateManifest: every path is listed
      jobs.push({ path: p, group: gi, offset: off, expected });
      off += expected.bytes;
    }
    total += pos;
  });

  let loaded = 0;
  opts.onProgress?.(0, total);

  const place = (gi: number, offset: number, chunk: Uint8Array) => {
    for (const d of dests[gi]) {
      const a = Math.max(offset, d.start);
      const b = Math.min(offset + chunk.length, d.start + d.nbytes);
      if (a < b) destBytes(d).set(chunk.subarray(a - offset, b - offset), a - d.start);
    }
  };

  const checkHash = async (job: ShardJob, bytes: Uint8Array) => {
    if (verify) {
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
      bytes = sized ? await sized.readBytesOfSize(job.path, job.expected.bytes) : await source.readBytes(job.path);
    } catch (e) {
      if (e instanceof ModelLoadError && e.message.startsWith(`shard ${job.path} has `)) throw e;
      throw new ModelLoadError(`cannot read shard ${where(source, job.path)}: ${sourceProblem(source, job.path, e)}; the model folder is incomplete, convert again`);
    }
    if (bytes.length !== job.expected.bytes) {
      throw new ModelLoadError(
        `shard ${job.path} has ${bytes.length} bytes, manifest says ${job.expected.bytes}: the model folder is corrupt; convert again (${at})`,
      );
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

  {
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
  // a NaN or infinity anywhere would make every response NaN: refused, naming the weight and index
  for (const [name, a] of arrays) {
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (x - x !== 0) throw new ModelLoadError(`${at}: weight ${name}${weightIndex(i, manifestShape(manifest, name))} is ${x}: the model folder is corrupt; convert again`);
    }
  }
  for (const [name, bits] of float16) {
    for (let i = 0; i < bits.length; i++) {
      if ((bits[i] & 0x7c00) === 0x7c00) {
        const x = float16ToFloat32(bits.subarray(i, i + 1))[0];
        throw new ModelLoadError(`${at}: weight ${name}${weightIndex(i, manifestShape(manifest, name))} is ${x}: the model folder is corrupt; convert again`);
      }
    }
  }
  if (want) {
    for (const n of want) if (!arrays.has(n) && !float16.has(n)) throw new ModelLoadError(`${at} has no weight ${n}`);
  }
  return { manifest, arrays, float16 };
}

function manifestShape(m: ConvertedManifest, name: string): number[] {
  for (const g of m.weightsManifest) for (const e of g.weights) if (e.name === name) return e.shape;
  return [];
}

function weightIndex(i: number, shape: number[]): string {
  return shape.length === 2 ? `[${Math.floor(i / shape[1])}, ${i % shape[1]}]` : `[${i}]`;
}

