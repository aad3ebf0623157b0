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
import type { ModelSource } from '../core/source.ts';
import { MODEL_ID } from '../core/types.ts';
import { type ConvertedManifest, type IndexEntry, type ManifestFields, type FilesReader, type ShardInfo, sha256Hex, subjectFolderName } from './model_folder.ts';
import { isNotFound, isQuota, names, nav, readFile, remove, resolvePath, subdir, writeFile, type Dir } from './opfs.ts';
import { helpersUnusable, readFilesInHelper, readFilesSync, syncHandlesHere } from './opfs_read.ts';
import { formatBytes } from '../core/wording.ts';

import { manifestFileText, metadataFileText, referencedShards, type ShardSink, storedByteCount, type WeightToWrite, writeShardsAndManifest } from './model_folder_write.ts';
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

// ---------------- the store's folder and lock ----------------

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

// ---------------- reading ----------------

function stripPrefix(path: string): string {
  return (path.startsWith(OPFS_PREFIX) ? path.slice(OPFS_PREFIX.length) : path).replace(/^\/+/, '');
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
          if (bytes || !helpersUnusable() || !syncHandlesHere()) return bytes;
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

