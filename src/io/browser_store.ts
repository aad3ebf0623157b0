// Converted models kept in the browser's origin-private file system (OPFS), in the same
// model-folder format the Node converter writes (model_folder.ts), so the engine reads them
// exactly like a served folder:
//
//   <OPFS>/models/index.json                                      stored subjects (listing = this file)
//   <OPFS>/models/eeg-things_eeg_2-alexnet_untrained/sub-NN/      manifest.json, metadata.json
//   <OPFS>/models/eeg-things_eeg_2-alexnet_untrained/shared/      sha256-checked, content-addressed shards
//
// A model becomes visible only when index.json lists it, which is the last step of a write;
// a failed or cancelled write removes what it added. Writers (import, delete, sweep) take a
// Web Lock so that two tabs never interleave. No DOM: runs in a worker, the page, and (with a
// stand-in directory handle) in Node tests.

import { ModelLoadError } from '../core/errors.ts';
import type { ModelSource } from '../core/source.ts';
import { MODEL_ID } from '../core/types.ts';
import { readBergMetadata, readBergWeights, type BergMetadata } from './berg.ts';
import { foldScaler } from '../convert/pca.ts';
import { bergManifestFields, bergWeightList, DEFAULT_CH_NAMES, DEFAULT_TIMES, metadataJson } from '../convert/berg_folder.ts';
import type { ByteSource } from './byte_source.ts';
import {
  type ConvertedManifest,
  type IndexEntry,
  type ManifestFields,
  manifestFileText,
  metadataFileText,
  readModelFolder,
  readModelManifest,
  readModelMetadata,
  type FilesReader,
  referencedShards,
  type ShardInfo,
  type ShardSink,
  sha256Hex,
  type SourceFileInfo,
  storedByteCount,
  subjectFolderName,
  type WeightToWrite,
  writeShardsAndManifest,
} from './model_folder.ts';
import { Sha256 } from './sha256.ts';

/** Top folder of the store inside OPFS. */
export const STORE_DIR = 'models';
/** Catalog paths of stored models start with this, so they never collide with served folders. */
export const OPFS_PREFIX = 'opfs:';
/** THINGS EEG2 has subjects 1 to 10 (the engine accepts no other). */
export const MAX_SUBJECT = 10;
const LOCK = 'insilico-eeg-model-store';

/** An entry of <OPFS>/models/index.json. `path` is relative to models/, like the served index. */
export interface StoredEntry extends IndexEntry {
  subject: number;
  storage: 'opfs';
  /** bytes of weight shards the model references */
  bytes: number;
  stored_at: string;
  /** false when imported without BERG's metadata file: the model encodes but has no quality arrays */
  metadata: boolean;
}

export interface StoreOptions {
  /** OPFS root (default navigator.storage.getDirectory()); tests pass a stand-in */
  root?: FileSystemDirectoryHandle;
  /** where estimate() comes from (default navigator.storage; null skips the check) */
  storage?: { estimate(): Promise<StorageEstimate> } | null;
  /**
   * How opfsSource reads a weight's shards: 'sync' through sync access handles straight into the
   * weight's array (in helper workers, or in this thread where it has them and workers fail),
   * 'file' with one File.arrayBuffer per shard, copied over. Default 'auto': 'sync' where the
   * browser can (with a stand-in root, only when asked for), falling back to 'file'.
   */
  read?: 'auto' | 'sync' | 'file';
}

/** Not enough storage: the message says how much was needed and how much the browser allows. */
export class StorageQuotaError extends Error {
  constructor(
    message: string,
    readonly needed: number,
    readonly available: number | null,
  ) {
    super(message);
    this.name = 'StorageQuotaError';
  }
}

// ---------------- small OPFS helpers ----------------

type Dir = FileSystemDirectoryHandle;

const isNotFound = (e: unknown) => e instanceof Error && (e.name === 'NotFoundError' || e.name === 'TypeMismatchError');
const isQuota = (e: unknown) => e instanceof Error && e.name === 'QuotaExceededError';

function nav(): (Navigator & { locks?: LockManager }) | undefined {
  return (globalThis as { navigator?: Navigator }).navigator;
}

async function opfsRoot(o: StoreOptions): Promise<Dir> {
  if (o.root) return o.root;
  const storage = nav()?.storage;
  if (!storage?.getDirectory) {
    throw new Error('this browser has no origin-private file system (navigator.storage.getDirectory); use a current Chrome, Edge, Firefox or Safari');
  }
  return storage.getDirectory();
}

async function modelsDir(o: StoreOptions, create: boolean): Promise<Dir> {
  return (await opfsRoot(o)).getDirectoryHandle(STORE_DIR, { create });
}

async function subdir(dir: Dir, parts: string[], create: boolean): Promise<Dir> {
  for (const p of parts) dir = await dir.getDirectoryHandle(p, { create });
  return dir;
}

async function names(dir: Dir): Promise<string[]> {
  const out: string[] = [];
  // FileSystemDirectoryHandle is async-iterable (keys()); TS's DOM lib here lacks the typing
  for await (const k of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) out.push(k);
  return out;
}

async function readFile(dir: Dir, name: string): Promise<File> {
  return (await dir.getFileHandle(name)).getFile();
}

async function writeFile(dir: Dir, name: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const fh = await dir.getFileHandle(name, { create: true });
  // Sync access handles (workers only) write in place without a swap copy; the page uses createWritable.
  if (typeof (fh as { createSyncAccessHandle?: unknown }).createSyncAccessHandle === 'function') {
    const h = await fh.createSyncAccessHandle();
    try {
      h.truncate(0);
      let at = 0;
      while (at < bytes.length) {
        const n = h.write(bytes.subarray(at), { at });
        if (!(n > 0)) throw new Error(`writing ${name}: no progress at byte ${at}`);
        at += n;
      }
      h.flush();
    } finally {
      h.close();
    }
  } else {
    const w = await fh.createWritable();
    try {
      await w.write(bytes as Uint8Array<ArrayBuffer>);
      await w.close();
    } catch (e) {
      await w.abort().catch(() => {});
      throw e;
    }
  }
}

async function remove(dir: Dir, name: string, recursive = false): Promise<void> {
  try {
    await dir.removeEntry(name, { recursive });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/**
 * Runs fn holding the store's Web Lock (one writer at a time, across tabs). A signal stops the
 * wait; with ifAvailable, fn gets false instead of waiting when another writer holds the lock.
 */
async function withStoreLock<T>(fn: (held: boolean) => Promise<T>, opts: { signal?: AbortSignal; ifAvailable?: boolean } = {}): Promise<T> {
  const locks = nav()?.locks;
  if (!locks?.request) return fn(true);
  const options: LockOptions = opts.ifAvailable ? { ifAvailable: true } : { signal: opts.signal };
  return locks.request(LOCK, options, (lock) => fn(lock !== null)) as Promise<T>;
}

/** "a/b/../c/" + "x" -> ["a", "c", "x"] */
function resolvePath(base: string, name: string): string[] {
  const out: string[] = [];
  for (const p of `${base}/${name}`.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (!out.length) throw new Error(`${name} points outside the model store`);
      out.pop();
    } else out.push(p);
  }
  return out;
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} bytes`;
}

// ---------------- reading ----------------

function stripPrefix(path: string): string {
  return (path.startsWith(OPFS_PREFIX) ? path.slice(OPFS_PREFIX.length) : path).replace(/^\/+/, '');
}

// Loading a stored subject is mostly reading it. File.arrayBuffer hands every 4 MiB shard over
// in a buffer of its own, at about 0.35 GB/s in Chromium (2.0-2.8 s for the 858 MB of a float32
// K=250 subject), and readModelFolder then copies it into the weight's array. A sync access
// handle reads the shards straight into that array instead, and two helper workers read two
// weights at once and transfer the filled buffers back without a copy: 0.8-1.0 s from a
// profile's OPFS, 1.6-1.9 s from an off-the-record one (held in memory by the browser process,
// every read a round trip to it), measured with scripts/bench_opfs.ts on a 2-core machine.
// Sync access handles exist in dedicated workers only: a page, and the app's engine worker (to
// read two at once), start the helpers; where workers fail, a worker reads in its own thread.

interface SyncAccessHandle {
  getSize(): number;
  read(into: Uint8Array, o: { at: number }): number;
  close(): void;
}
type SyncFileHandle = FileSystemFileHandle & { createSyncAccessHandle(o?: { mode?: string }): Promise<SyncAccessHandle> };

/** True where sync access handles can be opened in this thread (dedicated workers). */
function syncHandlesHere(): boolean {
  return typeof (globalThis as { FileSystemSyncAccessHandle?: unknown }).FileSystemSyncAccessHandle === 'function';
}

/**
 * Files (paths from the models/ folder) one after another into one new buffer through sync
 * access handles; null when a file is not sizes[i] bytes long. Opened read-only, so that other
 * tabs can read the same shards at once (where a browser lacks that mode, a conflict throws and
 * the caller reads the files another way).
 */
async function readFilesSync(models: Dir, paths: string[][], sizes: number[], onBytes?: (n: number) => void): Promise<Uint8Array | null> {
  const out = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
  const dirs = new Map<string, Dir>();
  let at = 0;
  for (let i = 0; i < paths.length; i++) {
    const parts = paths[i].slice(0, -1);
    let dir = dirs.get(parts.join('/'));
    if (!dir) dirs.set(parts.join('/'), (dir = await subdir(models, parts, false)));
    const fh = (await dir.getFileHandle(paths[i][paths[i].length - 1])) as SyncFileHandle;
    const h = await fh.createSyncAccessHandle({ mode: 'read-only' });
    try {
      if (h.getSize() !== sizes[i]) return null;
      for (let o = 0; o < sizes[i]; ) {
        const n = h.read(out.subarray(at + o, at + sizes[i]), { at: o });
        if (!(n > 0)) return null;
        o += n;
      }
    } finally {
      h.close();
    }
    at += sizes[i];
    onBytes?.(sizes[i]);
  }
  return out;
}

// A helper worker: readFilesSync's loop in plain JavaScript (a Blob URL, no bundler involved),
// paths from the OPFS root, one request at a time (with requests interleaved, two reads once
// never finished in an off-the-record profile; a stall is also guarded by HELPER_STALL_MS).
// Replies per request: {id, bytes} after each file, then {id, buf} (transferred) or {id, error};
// {unsupported} when it has no sync access handles.
const HELPER_SOURCE = `
let queue = Promise.resolve();
onmessage = (e) => {
  queue = queue.then(() => read(e.data));
};
async function read({ id, paths, sizes }) {
  if (typeof FileSystemSyncAccessHandle !== 'function') return postMessage({ id, unsupported: true });
  try {
    const buf = new ArrayBuffer(sizes.reduce((a, b) => a + b, 0));
    const root = await navigator.storage.getDirectory();
    const dirs = new Map();
    let at = 0;
    for (let i = 0; i < paths.length; i++) {
      const parts = paths[i].slice(0, -1);
      let dir = dirs.get(parts.join('/'));
      if (!dir) {
        dir = root;
        for (const p of parts) dir = await dir.getDirectoryHandle(p);
        dirs.set(parts.join('/'), dir);
      }
      const h = await (await dir.getFileHandle(paths[i][paths[i].length - 1])).createSyncAccessHandle({ mode: 'read-only' });
      try {
        if (h.getSize() !== sizes[i]) throw new Error('size');
        for (let o = 0; o < sizes[i]; ) {
          const n = h.read(new Uint8Array(buf, at + o, sizes[i] - o), { at: o });
          if (!(n > 0)) throw new Error('short read');
          o += n;
        }
      } finally {
        h.close();
      }
      at += sizes[i];
      postMessage({ id, bytes: sizes[i] });
    }
    postMessage({ id, buf }, [buf]);
  } catch (err) {
    postMessage({ id, error: String(err) });
  }
}
`;

interface HelperCall {
  resolve(bytes: Uint8Array | null): void;
  onBytes?: (n: number) => void;
}
interface Helper {
  worker: Worker;
  calls: Map<number, HelperCall>;
  next: number;
  timer?: ReturnType<typeof setTimeout>;
}
/**
 * Helper workers reading at once, each one request at a time: two read a float32 K=250 subject
 * in 0.8-1.0 s from a profile's OPFS where one takes 1.1-1.5 s (and File.arrayBuffer 1.3-1.8 s
 * before the copy), on a 2-core machine (scripts/bench_opfs.ts --modes raw --persistent).
 */
const HELPERS = 2;
const helpers: Helper[] = [];
let helperUrl: string | null = null;
let helperUnusable = false;
/** A helper is ended when idle this long (a load asks for its next group well within it)... */
const HELPER_IDLE_MS = 5000;
/** ...or when it has work but has not answered for this long (its calls then give null: the caller reads another way). */
const HELPER_STALL_MS = 15000;

function endHelper(h: Helper): void {
  const i = helpers.indexOf(h);
  if (i >= 0) helpers.splice(i, 1);
  clearTimeout(h.timer);
  h.worker.terminate();
  for (const c of h.calls.values()) c.resolve(null);
  h.calls.clear();
}

/** (Re)arms a helper's one timer: stalled while calls are open, idle otherwise. */
function armHelper(h: Helper): void {
  clearTimeout(h.timer);
  h.timer = setTimeout(() => endHelper(h), h.calls.size ? HELPER_STALL_MS : HELPER_IDLE_MS);
}

function startHelper(): Helper | null {
  if (helperUnusable || typeof Worker !== 'function' || typeof URL?.createObjectURL !== 'function' || typeof setTimeout !== 'function') return null;
  try {
    helperUrl ??= URL.createObjectURL(new Blob([HELPER_SOURCE], { type: 'text/javascript' }));
    const h: Helper = { worker: new Worker(helperUrl), calls: new Map(), next: 0 };
    h.worker.onmessage = (e: MessageEvent) => {
      const m = e.data as { id: number; bytes?: number; buf?: ArrayBuffer; error?: string; unsupported?: boolean };
      const call = h.calls.get(m.id);
      if (!call) return;
      if (m.bytes !== undefined) call.onBytes?.(m.bytes);
      else {
        if (m.unsupported) helperUnusable = true;
        h.calls.delete(m.id);
        call.resolve(m.buf ? new Uint8Array(m.buf) : null);
      }
      armHelper(h);
    };
    h.worker.onerror = () => {
      helperUnusable = true; // (e.g. a content security policy without blob: workers)
      endHelper(h);
    };
    helpers.push(h);
    return h;
  } catch {
    helperUnusable = true;
    return null;
  }
}

/** readFilesSync through a helper worker (the least busy); null where it cannot (no workers, no sync access handles). */
function readFilesInHelper(paths: string[][], sizes: number[], onBytes?: (n: number) => void): Promise<Uint8Array | null> {
  let h = helpers.reduce<Helper | null>((a, x) => (a && a.calls.size <= x.calls.size ? a : x), null);
  if (!h || (h.calls.size > 0 && helpers.length < HELPERS)) h = startHelper() ?? h;
  if (!h) return Promise.resolve(null);
  const helper = h;
  const id = helper.next++;
  return new Promise((resolve) => {
    helper.calls.set(id, { resolve, onBytes });
    armHelper(helper);
    helper.worker.postMessage({ id, paths, sizes });
  });
}

/** A stored model folder as a ModelSource (path relative to models/, e.g. "eeg-…/sub-01/", "opfs:" allowed). */
export function opfsSource(path: string, o: StoreOptions = {}): ModelSource & Partial<FilesReader> {
  const base = stripPrefix(path);
  const location = `${OPFS_PREFIX}/${STORE_DIR}/${base.endsWith('/') ? base : base + '/'}`;
  async function file(name: string): Promise<File> {
    const parts = resolvePath(base, name);
    try {
      const dir = await subdir(await modelsDir(o, false), parts.slice(0, -1), false);
      return await readFile(dir, parts[parts.length - 1]);
    } catch (e) {
      if (isNotFound(e)) {
        throw new Error(`${name} is missing from this browser's storage (site data cleared?): remove the subject and import it again`);
      }
      throw e;
    }
  }
  // Through helper workers where there are workers (a page, or the engine's worker: two read at
  // once), else in this thread where it has sync access handles; a stand-in root only when asked.
  const read = o.read ?? 'auto';
  const can = read !== 'file' && (o.root ? read === 'sync' : typeof Worker === 'function' || syncHandlesHere());
  const readFiles: FilesReader['readFiles'] | undefined = can
    ? async (names, sizes, onBytes) => {
        const paths = names.map((n) => resolvePath(base, n));
        if (!o.root) {
          const bytes = await readFilesInHelper(paths.map((p) => [STORE_DIR, ...p]), sizes, onBytes);
          if (bytes || !helperUnusable || !syncHandlesHere()) return bytes;
        }
        return readFilesSync(await modelsDir(o, false), paths, sizes, onBytes);
      }
    : undefined;
  return {
    location,
    readText: async (name) => (await file(name)).text(),
    readBytes: async (name) => new Uint8Array(await (await file(name)).arrayBuffer()),
    ...(readFiles ? { readFiles } : {}),
    // Imports check every shard (length, sha256) before anything is stored.
    checkedWhenStored: true,
  };
}

async function readIndex(models: Dir): Promise<StoredEntry[]> {
  let text: string;
  try {
    text = await (await readFile(models, 'index.json')).text();
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
  try {
    const j = JSON.parse(text) as { models?: StoredEntry[] };
    return Array.isArray(j.models) ? j.models.filter((m) => m && typeof m.path === 'string' && typeof m.subject === 'number') : [];
  } catch {
    return []; // an unreadable index lists nothing; sweepStore then clears what it held
  }
}

async function writeIndex(models: Dir, entries: StoredEntry[]): Promise<void> {
  entries.sort((a, b) => (a.model_id < b.model_id ? -1 : a.model_id > b.model_id ? 1 : a.subject - b.subject));
  await writeFile(models, 'index.json', JSON.stringify({ models: entries }, null, 1) + '\n');
}

/** Models stored in this browser (empty when there is no store yet). */
export async function listStoredModels(o: StoreOptions = {}): Promise<StoredEntry[]> {
  try {
    return (await readIndex(await modelsDir(o, false))).filter((m) => m.model_id === MODEL_ID);
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
}

// ---------------- storage space ----------------

/** Asks the browser not to evict the store under storage pressure (a page call; false where not granted). */
export async function requestPersistence(): Promise<boolean> {
  const s = nav()?.storage;
  if (!s?.persist) return false;
  try {
    return (await s.persisted?.()) || (await s.persist());
  } catch {
    return false;
  }
}

function quotaMessage(what: string, need: number, est: StorageEstimate | null): string {
  const avail =
    est?.quota !== undefined && est.usage !== undefined
      ? `this browser lets this site store only ${formatBytes(Math.max(0, est.quota - est.usage))} more ` +
        `(quota ${formatBytes(est.quota)}, ${formatBytes(est.usage)} in use)`
      : 'the browser refused to store more';
  return (
    `Not enough browser storage for ${what}: it needs about ${formatBytes(need)}, but ${avail}. ` +
    'Remove stored subjects you no longer need, free disk space, or convert with "npx insilico-eeg convert" ' +
    'and serve the folder instead (README, "Real BERG weights").'
  );
}

async function estimate(o: StoreOptions): Promise<StorageEstimate | null> {
  const sm = o.storage === undefined ? (nav()?.storage ?? null) : o.storage;
  if (!sm?.estimate) return null;
  try {
    return await sm.estimate();
  } catch {
    return null;
  }
}

/** Room for about `bytes` plus a margin, or a StorageQuotaError that says how much is needed and available. */
export async function checkSpace(bytes: number, what: string, o: StoreOptions = {}): Promise<void> {
  const need = bytes + Math.max(16 << 20, Math.ceil(bytes * 0.02));
  const est = await estimate(o);
  if (!est || est.quota === undefined || est.usage === undefined) return;
  const available = est.quota - est.usage;
  if (need > available) throw new StorageQuotaError(quotaMessage(what, need, est), need, available);
}

async function asQuotaError(e: unknown, what: string, need: number, o: StoreOptions): Promise<unknown> {
  if (!isQuota(e)) return e;
  const est = await estimate(o);
  const available = est?.quota !== undefined && est.usage !== undefined ? est.quota - est.usage : null;
  return new StorageQuotaError(quotaMessage(what, need, est), need, available);
}

// ---------------- writing ----------------

export interface WriteStoredModelOptions extends StoreOptions {
  subject: number;
  /** manifest fields other than weightsManifest and shards */
  manifest: ManifestFields;
  weights: WeightToWrite[];
  /** metadata.json content: a JSON-ready value or its text */
  metadata: unknown;
  /** whether the metadata holds BERG's (quality arrays etc.) */
  hasMetadata: boolean;
  label?: string;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  signal?: AbortSignal;
  shardBytes?: number;
}

export function storedLabel(subject: number, hasMetadata: boolean): string {
  return `Subject ${subject} (imported${hasMetadata ? '' : ', no metadata'}, stored in this browser)`;
}

/** Shards as OPFS files in shared/; `created` records the ones this write added. */
function opfsSink(shared: Dir, created: string[]): ShardSink {
  return {
    async has(name: string, info: ShardInfo) {
      try {
        const f = await readFile(shared, name);
        if (f.size !== info.bytes) return false;
        return (await sha256Hex(new Uint8Array(await f.arrayBuffer()))) === info.sha256;
      } catch (e) {
        if (isNotFound(e)) return false;
        throw e;
      }
    },
    async write(name: string, bytes: Uint8Array) {
      let existed = true;
      try {
        await shared.getFileHandle(name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
        existed = false;
      }
      if (!existed) created.push(name); // recorded first: a write that fails half way is removed too
      await writeFile(shared, name, bytes);
    },
  };
}

async function readStoredManifest(modelDir: Dir, folder: string): Promise<ConvertedManifest | null> {
  try {
    return JSON.parse(await (await readFile(await modelDir.getDirectoryHandle(folder), 'manifest.json')).text());
  } catch {
    return null;
  }
}

/** Removes shards among `candidates` that no listed model references. */
async function dropUnreferenced(models: Dir, modelDir: Dir, candidates: Iterable<string>): Promise<void> {
  const keep = new Set<string>();
  for (const e of await readIndex(models)) {
    if (e.model_id !== MODEL_ID) continue;
    const m = await readStoredManifest(modelDir, e.path.split('/').filter(Boolean).pop()!);
    if (m) for (const s of referencedShards(m)) keep.add(s);
  }
  const shared = await modelDir.getDirectoryHandle('shared', { create: true });
  for (const name of candidates) if (!keep.has(name)) await remove(shared, name);
}

/**
 * Writes a converted model into the store and lists it. Order: shards, then the subject's
 * manifest and metadata in a temporary folder, then the swap into sub-NN/, then index.json.
 * Any failure (quota, cancel) removes the new shards and folders; the listing never shows a
 * partial model. Replacing a stored subject removes its old shards once nothing uses them.
 */
export async function writeStoredModel(o: WriteStoredModelOptions): Promise<StoredEntry> {
  const subject = o.subject;
  const folder = subjectFolderName(subject);
  const what = `subject ${subject}`;
  const metaText = metadataFileText(o.metadata);
  const bytes = storedByteCount(o.weights);
  const need = bytes + metaText.length;
  await checkSpace(need, what, o);
  o.onProgress?.(0, bytes); // shown while another tab's write holds the lock
  return withStoreLock(async () => {
    const models = await modelsDir(o, true);
    const modelDir = await models.getDirectoryHandle(MODEL_ID, { create: true });
    const shared = await modelDir.getDirectoryHandle('shared', { create: true });
    const tmpName = `.${folder}.tmp-${Math.random().toString(36).slice(2, 10)}`;
    const created: string[] = [];
    let swapped = false;
    try {
      const tmp = await modelDir.getDirectoryHandle(tmpName, { create: true });
      const built = await writeShardsAndManifest({
        manifest: o.manifest,
        weights: o.weights,
        sink: opfsSink(shared, created),
        shardBytes: o.shardBytes,
        onProgress: o.onProgress,
        signal: o.signal,
      });
      const metaName = built.manifest.metadata || 'metadata.json';
      await writeFile(tmp, metaName, metaText);
      await writeFile(tmp, 'manifest.json', manifestFileText(built.manifest));
      o.signal?.throwIfAborted();

      // Swap: unlist the old subject first, so the listing never points at a half-replaced folder.
      const index = await readIndex(models);
      const old = index.find((e) => e.model_id === MODEL_ID && e.subject === subject);
      const oldShards = old ? referencedShards((await readStoredManifest(modelDir, folder)) ?? {}) : new Set<string>();
      if (old) await writeIndex(models, index.filter((e) => e !== old));
      swapped = true;
      await remove(modelDir, folder, true);
      const dst = await modelDir.getDirectoryHandle(folder, { create: true });
      await writeFile(dst, metaName, metaText);
      await writeFile(dst, 'manifest.json', manifestFileText(built.manifest));
      await remove(modelDir, tmpName, true);

      const entry: StoredEntry = {
        model_id: MODEL_ID,
        subject,
        path: `${MODEL_ID}/${folder}/`,
        synthetic: false,
        label: o.label ?? storedLabel(subject, o.hasMetadata),
        storage: 'opfs',
        bytes: built.bytesTotal,
        stored_at: new Date().toISOString(),
        metadata: o.hasMetadata,
      };
      const now = (await readIndex(models)).filter((e) => !(e.model_id === MODEL_ID && e.subject === subject));
      await writeIndex(models, [...now, entry]);
      if (oldShards.size) await dropUnreferenced(models, modelDir, oldShards);
      return entry;
    } catch (e) {
      await remove(modelDir, tmpName, true).catch(() => {});
      if (swapped) await remove(modelDir, folder, true).catch(() => {});
      for (const name of created) await remove(shared, name).catch(() => {});
      throw await asQuotaError(e, what, need, o);
    }
  }, { signal: o.signal });
}

/** Removes a stored subject: unlisted first, then its folder and the shards no other stored subject uses. */
export async function deleteStoredModel(subject: number, o: StoreOptions = {}): Promise<void> {
  await withStoreLock(async () => {
    let models: Dir;
    try {
      models = await modelsDir(o, false);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    const folder = subjectFolderName(subject);
    const modelDir = await models.getDirectoryHandle(MODEL_ID, { create: true });
    const manifest = await readStoredManifest(modelDir, folder);
    const index = await readIndex(models);
    await writeIndex(models, index.filter((e) => !(e.model_id === MODEL_ID && e.subject === subject)));
    await remove(modelDir, folder, true);
    if (manifest) await dropUnreferenced(models, modelDir, referencedShards(manifest));
  });
}

/**
 * Clears what an interrupted write (a closed tab, a crash) left behind: temporary folders,
 * subject folders the index does not list, and shards no listed model references.
 */
export async function sweepStore(o: StoreOptions = {}): Promise<void> {
  // skipped while another writer works: its files are not leftovers
  await withStoreLock(async (held) => {
    if (!held) return;
    let modelDir: Dir;
    let models: Dir;
    try {
      models = await modelsDir(o, false);
      modelDir = await models.getDirectoryHandle(MODEL_ID);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    const listed = new Set((await readIndex(models)).filter((e) => e.model_id === MODEL_ID).map((e) => e.path.split('/').filter(Boolean).pop()));
    for (const n of await names(modelDir)) {
      if (n !== 'shared' && !listed.has(n)) await remove(modelDir, n, true);
    }
    const shared = await modelDir.getDirectoryHandle('shared', { create: true });
    await dropUnreferenced(models, modelDir, await names(shared));
  }, { ifAvailable: true });
}

// ---------------- imports ----------------

export type ImportPhase = 'check' | 'read-weights' | 'read-metadata' | 'read-folder' | 'fold' | 'write';

export interface ImportProgress {
  subject: number | null;
  phase: ImportPhase;
  done: number;
  total: number;
  /** the file being read */
  file?: string;
}

export interface ImportCommon extends StoreOptions {
  onProgress?: (p: ImportProgress) => void;
  signal?: AbortSignal;
}

export interface ImportBergOptions extends ImportCommon {
  subject: number;
  /** BERG's weights_subject-NN.npy */
  weights: ByteSource;
  /** BERG's metadata_subject-NN.npy (optional: without it the model encodes but has no quality arrays) */
  metadata?: ByteSource;
  /** converter name and version for the manifest's provenance */
  converter?: string;
  /** sha256 of the source files for provenance, hashed while parsing (default true) */
  hashSources?: boolean;
}

function cancelled(): DOMException {
  return new DOMException('the import was cancelled', 'AbortError');
}

export function checkImportSubject(subject: number): void {
  if (!Number.isInteger(subject) || subject < 1 || subject > MAX_SUBJECT) {
    throw new ModelLoadError(`subject ${subject} is not a THINGS EEG2 subject: ${MODEL_ID} has subjects 1 to ${MAX_SUBJECT}`);
  }
}

const PIECE = 16 << 20;

/**
 * The parser's view of a dropped file: large reads are done in 16 MiB pieces so that progress
 * moves smoothly, a cancel stops within one piece, and the pieces are hashed in file order
 * for the manifest's provenance.
 */
function watchedSource(src: ByteSource, signal: AbortSignal | undefined, hash: boolean, onBytes: (done: number) => void) {
  const h = hash ? new Sha256() : null;
  let next = 0;
  let sequential = true;
  const piece = async (offset: number, length: number) => {
    if (signal?.aborted) throw cancelled();
    const b = await src.read(offset, length);
    if (h) {
      if (offset === next) {
        h.update(b);
        next += b.length;
      } else sequential = false;
    }
    onBytes(offset + b.length);
    return b;
  };
  const source: ByteSource = {
    size: src.size,
    name: src.name,
    async read(offset, length) {
      const end = Math.min(src.size, offset + length);
      if (end - offset <= PIECE) return piece(offset, end - offset);
      const out = new Uint8Array(end - offset);
      for (let o = offset; o < end; ) {
        const b = await piece(o, Math.min(PIECE, end - o));
        if (b.length === 0) return out.slice(0, o - offset); // the file shrank: the reader reports the truncation
        out.set(b, o - offset);
        o += b.length;
      }
      return out;
    },
  };
  return {
    source,
    async info(): Promise<SourceFileInfo> {
      let sha256 = '';
      if (h) {
        let hh = h;
        if (!sequential) {
          hh = new Sha256(); // not expected (the parsers read in order): hash the whole file again
          next = 0;
        }
        for (; next < src.size; ) {
          const b = await src.read(next, PIECE);
          if (b.length === 0) break;
          hh.update(b);
          next += b.length;
        }
        sha256 = hh.digestHex();
      }
      return { file: src.name, bytes: src.size, sha256 };
    },
  };
}

/** A failure while parsing: a cancel stays a cancel; everything else keeps the reader's precise message. */
function parseFailure(e: unknown, signal?: AbortSignal): unknown {
  return signal?.aborted ? cancelled() : e;
}

/**
 * BERG's files -> a stored subject: parses the weights (streaming, never one buffer for the
 * file), folds the scaler, and writes the same model folder `npx insilico-eeg convert` writes.
 */
export async function importBergSubject(o: ImportBergOptions): Promise<StoredEntry> {
  const { subject, signal } = o;
  checkImportSubject(subject);
  const progress = (phase: ImportPhase, done: number, total: number, file?: string) => o.onProgress?.({ subject, phase, done, total, file });
  progress('check', 0, 1);
  // Fail before a long parse when the store obviously cannot hold the model (the stored model is about the weights file's size).
  await checkSpace(o.weights.size + (o.metadata ? o.metadata.size * 4 : 0), `subject ${subject}`, o);
  const hash = o.hashSources ?? true;

  const wname = o.weights.name;
  const ws = watchedSource(o.weights, signal, hash, (d) => progress('read-weights', d, o.weights.size, wname));
  let weights;
  try {
    weights = await readBergWeights(ws.source);
  } catch (e) {
    throw parseFailure(e, signal);
  }
  const sources = [await ws.info()];
  let meta: BergMetadata | undefined;
  if (o.metadata) {
    const mname = o.metadata.name;
    const ms = watchedSource(o.metadata, signal, hash, (d) => progress('read-metadata', d, o.metadata!.size, mname));
    try {
      meta = await readBergMetadata(ms.source);
    } catch (e) {
      throw parseFailure(e, signal);
    }
    sources.push(await ms.info());
  }
  signal?.throwIfAborted();

  progress('fold', 0, 1);
  const folded = foldScaler(weights, { inPlace: true });
  progress('fold', 1, 1);
  signal?.throwIfAborted();

  const manifest = bergManifestFields({ subject, weights, metadata: meta, converter: o.converter ?? 'insilico-eeg (browser import)', sources });
  const metadata = meta
    ? metadataJson(meta, subject)
    : { model_id: MODEL_ID, subject, synthetic: false, eeg: { ch_names: DEFAULT_CH_NAMES, times: DEFAULT_TIMES } };
  return writeStoredModel({
    ...o,
    subject,
    manifest,
    weights: bergWeightList(weights, folded),
    metadata,
    hasMetadata: meta !== undefined,
    onProgress: (d, t) => progress('write', d, t),
  });
}

export interface FolderFile {
  /** path inside the picked folder, '/'-separated (File.webkitRelativePath) */
  path: string;
  file: Blob;
}

export interface ImportFolderResult {
  entries: StoredEntry[];
  /** what was skipped or is missing, one sentence each */
  notes: string[];
}

function folderSource(dir: string, files: Map<string, Blob>, manifestPath: string): ModelSource {
  const get = (name: string): Blob => {
    const parts = resolvePath(dir, name);
    const f = files.get(parts.join('/'));
    if (!f) {
      throw new Error(
        `${parts.join('/')} is not among the picked files (${manifestPath} refers to it): pick the folder that holds both sub-NN/ and shared/, ` +
          `e.g. public/models/${MODEL_ID}`,
      );
    }
    return f;
  };
  return {
    location: dir ? dir + '/' : './',
    readText: async (name) => get(name).text(),
    readBytes: async (name) => new Uint8Array(await get(name).arrayBuffer()),
  };
}

/**
 * A converted model folder picked or dropped as files (sub-NN/manifest.json, metadata.json,
 * ../shared/*.bin): each subject's shards are checked (length, sha256) while read, then
 * stored like an import from BERG's files. The built-in demo subject is skipped.
 */
export async function importConvertedFolder(files: FolderFile[], o: ImportCommon = {}): Promise<ImportFolderResult> {
  const map = new Map<string, Blob>();
  for (const f of files) map.set(f.path.replace(/\\/g, '/').split('/').filter((p) => p && p !== '.').join('/'), f.file);
  const manifests = [...map.keys()].filter((p) => p === 'manifest.json' || p.endsWith('/manifest.json')).sort();
  if (!manifests.length) {
    throw new ModelLoadError(
      `no manifest.json among the ${files.length} picked files: pick a converted model folder (one holding sub-NN/ and shared/, ` +
        `e.g. public/models/${MODEL_ID}), or import BERG's weights_subject-NN.npy with "Import BERG weights"`,
    );
  }
  const entries: StoredEntry[] = [];
  const notes: string[] = [];
  for (const mp of manifests) {
    o.signal?.throwIfAborted();
    const dir = mp.slice(0, Math.max(0, mp.length - 'manifest.json'.length - 1));
    const source = folderSource(dir, map, mp);
    const m = await readModelManifest(source);
    if (m.subject === 'demo' || m.synthetic) {
      notes.push(`${mp}: the demo subject is built in, skipped`);
      continue;
    }
    const subject = m.subject;
    checkImportSubject(subject);
    const progress = (phase: ImportPhase, done: number, total: number) => o.onProgress?.({ subject, phase, done, total, file: mp });
    let metadata: unknown;
    let hasMetadata = true;
    const metaName = typeof m.metadata === 'string' ? m.metadata : 'metadata.json';
    if (map.has(resolvePath(dir, metaName).join('/'))) {
      await readModelMetadata(source, m); // a corrupt metadata.json is refused here, not when the quality panel opens
      metadata = await source.readText(metaName);
    } else {
      hasMetadata = false;
      metadata = { model_id: MODEL_ID, subject, synthetic: false, eeg: { ch_names: m.ch_names, times: m.times } };
      notes.push(`${mp}: no ${metaName} next to it; subject ${subject} encodes, but the quality panel has nothing to show`);
    }
    let folder;
    try {
      folder = await readModelFolder(source, { onProgress: (d, t) => progress('read-folder', d, t) });
    } catch (e) {
      throw parseFailure(e, o.signal);
    }
    const weights: WeightToWrite[] = [];
    for (const g of m.weightsManifest) {
      for (const e of g.weights) {
        weights.push({ name: e.name, shape: e.shape, data: folder.arrays.get(e.name)!, dtype: e.quantization?.dtype === 'float16' ? 'float16' : 'float32' });
      }
    }
    const { weightsManifest: _w, shards: _s, ...fields } = m;
    entries.push(
      await writeStoredModel({
        ...o,
        subject,
        manifest: fields as ManifestFields,
        weights,
        metadata,
        hasMetadata,
        onProgress: (d, t) => progress('write', d, t),
      }),
    );
  }
  if (!entries.length) throw new ModelLoadError(`the picked folder holds no converted subject to import (${notes.join('; ')})`);
  return { entries, notes };
}
