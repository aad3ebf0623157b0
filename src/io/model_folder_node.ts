// Writing a converted model folder (Node). The subject folder is assembled in a temporary
// folder next to the target and renamed into place when complete; shared shards are
// written under temporary names and renamed one by one. On any error everything this
// call created is removed, so a failed conversion leaves nothing partial behind.
//
// Writers of one models root take its lock (lockModels: index.json.lock, created with O_EXCL,
// broken only when the process that holds it is gone), so concurrent converts neither lose
// index entries nor remove shards another one references; under the lock, sweepStale() removes
// what killed runs left (temporary folders and files, shards no manifest references).
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { MODEL_ID, isDemoSubject, type SubjectId } from '../core/types.ts';

/** Catalog order: demo subjects first (demo, demo-2, ...), then the converted ones by number. */
function demoOrder(s: SubjectId): number {
  if (s === 'demo') return -1000;
  if (isDemoSubject(s)) return -1000 + Number(s.slice(5));
  return Number(s);
}
import { type ConvertedManifest, type ManifestFields, type IndexEntry, type ModelIndex, type ShardInfo, subjectFolderName } from './model_folder.ts';
import { formatJson, manifestFileText, referencedShards, type ShardSink, type WeightToWrite, type WriteShardsResult, writeShardsAndManifest } from './model_folder_write.ts';
import { checkedMetadataText } from './model_metadata.ts';
export { formatJson, type WeightToWrite } from './model_folder_write.ts';

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
  /**
   * Called with the complete folder (under a temporary name, next to the target, so it loads
   * like the final one) before it is moved into place; fields it returns are merged into the
   * manifest. A throw leaves nothing behind.
   */
  beforeCommit?: (dir: string, manifest: ConvertedManifest) => Promise<Partial<ManifestFields> | void>;
}

export interface WriteModelFolderResult extends WriteShardsResult {
  dir: string;
}

const tmpSuffix = () => `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
/** The pid in a name made with tmpSuffix(), or null. */
const TMP_PID = /\.tmp-(\d+)-[0-9a-f]{8}$/;
const SHARD_NAME = /^[0-9a-f]{16}-shard\d+of\d+\.bin$/;

/** True while a process with this pid exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ModelsLock {
  readonly file: string;
  release(): Promise<void>;
}

export interface LockOptions {
  /** how long to wait for a live holder (default 10 minutes: a convert with --compact holds it about a minute) */
  timeoutMs?: number;
  pollMs?: number;
}

interface LockInfo {
  pid: number;
  host: string;
  token: string;
  since: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readLock(file: string): Promise<{ info: LockInfo | null; text: string; mtimeMs: number } | null> {
  try {
    const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    let info: LockInfo | null = null;
    try {
      const j = JSON.parse(text);
      if (Number.isSafeInteger(j?.pid) && typeof j?.host === 'string' && typeof j?.token === 'string') info = j;
    } catch {
      // written by a process that died between creating and filling it: judged by its age
    }
    return { info, text, mtimeMs: st.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** A lock whose holder is gone: a dead pid on this host, or (other hosts, unreadable) untouched for an hour. */
function isStale(l: { info: LockInfo | null; mtimeMs: number }): boolean {
  if (l.info && l.info.host === hostname()) return !processAlive(l.info.pid);
  return Date.now() - l.mtimeMs > (l.info ? 3600_000 : 10_000);
}

/**
 * Takes the exclusive lock of a models root (<out>/index.json.lock). Waits while a live process
 * holds it; a stale one (its process gone) is moved aside atomically and removed, so two
 * waiters cannot both take it.
 */
export async function lockModels(out: string, opts: LockOptions = {}): Promise<ModelsLock> {
  await mkdir(out, { recursive: true });
  const file = path.join(out, 'index.json.lock');
  const token = randomBytes(8).toString('hex');
  const body = JSON.stringify({ pid: process.pid, host: hostname(), token, since: new Date().toISOString() } satisfies LockInfo) + '\n';
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  for (;;) {
    try {
      const fh = await open(file, 'wx');
      try {
        await fh.writeFile(body);
      } finally {
        await fh.close();
      }
      return {
        file,
        async release() {
          const l = await readLock(file);
          if (l?.info?.token === token) await unlink(file).catch(() => {});
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`${file}: cannot create the lock (${(e as Error).message})`);
    }
    const held = await readLock(file);
    if (held === null) continue;
    if (isStale(held)) {
      const aside = `${file}.stale${tmpSuffix()}`;
      try {
        await rename(file, aside);
        const moved = await readLock(aside);
        // another waiter may have broken it and a live process taken it in between: put that one back
        if (moved && moved.text !== held.text) await link(aside, file).catch(() => {});
        await unlink(aside).catch(() => {});
      } catch {
        // someone else moved it first
      }
      continue;
    }
    if (Date.now() > deadline) {
      const who = held.info ? `process ${held.info.pid} on ${held.info.host} (since ${held.info.since})` : 'another process';
      throw new Error(`${file} is held by ${who}: another convert is writing to ${out}; wait for it, or remove the file if none is running`);
    }
    await sleep(opts.pollMs ?? 100);
  }
}

/** Runs fn holding the models root's lock. */
export async function withModelsLock<T>(out: string, fn: () => Promise<T>, opts?: LockOptions): Promise<T> {
  const lock = await lockModels(out, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

export interface SweepResult {
  removed: string[];
  restored: string[];
}

/**
 * Removes what killed writers left under a models root: temporary subject folders and index and
 * shard files whose process is gone, and shards no subject's manifest references. A subject a
 * run was killed in the middle of replacing is restored from its moved-aside copy. Call it
 * holding the lock (no writer is then between writing a shard and committing its manifest).
 */
export async function sweepStale(out: string): Promise<SweepResult> {
  const result: SweepResult = { removed: [], restored: [] };
  const dead = (name: string) => {
    const m = TMP_PID.exec(name);
    return m !== null && !processAlive(Number(m[1]));
  };
  const list = (dir: string) => readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of await list(out)) {
    if (e.isFile() && /^index\.json\.(tmp|lock\.stale\.tmp)-/.test(e.name) && dead(e.name)) {
      await unlink(path.join(out, e.name)).catch(() => {});
      result.removed.push(path.join(out, e.name));
    }
  }
  const modelRoot = path.join(out, MODEL_ID);
  const entries = await list(modelRoot);
  for (const e of entries) {
    const m = /^\.(sub-\d\d)(\.old)?\.tmp-/.exec(e.name);
    if (!e.isDirectory() || !m || !dead(e.name)) continue;
    const dir = path.join(modelRoot, e.name);
    const target = path.join(modelRoot, m[1]);
    if (m[2] && !(await stat(target).then(() => true, () => false))) {
      // killed between moving the old subject aside and moving the new one in
      await rename(dir, target);
      result.restored.push(target);
      continue;
    }
    await rm(dir, { recursive: true, force: true });
    result.removed.push(dir);
  }
  const sharedDir = path.join(modelRoot, 'shared');
  const shardFiles = (await list(sharedDir)).filter((e) => e.isFile());
  for (const e of shardFiles) {
    if (TMP_PID.test(e.name) && dead(e.name)) {
      await unlink(path.join(sharedDir, e.name)).catch(() => {});
      result.removed.push(path.join(sharedDir, e.name));
    }
  }
  // shards no manifest references; nothing is removed when any manifest cannot be read
  const referenced = new Set<string>();
  for (const e of await list(modelRoot)) {
    if (!e.isDirectory() || e.name === 'shared') continue;
    const text = await readFile(path.join(modelRoot, e.name, 'manifest.json'), 'utf8').catch((err) => (err.code === 'ENOENT' ? '{}' : null));
    let m: unknown = null;
    try {
      m = text === null ? null : JSON.parse(text);
    } catch {
      m = null;
    }
    if (m === null || typeof m !== 'object') return result;
    for (const n of referencedShards(m as Parameters<typeof referencedShards>[0])) referenced.add(n);
  }
  for (const e of shardFiles) {
    if (SHARD_NAME.test(e.name) && !referenced.has(e.name)) {
      await unlink(path.join(sharedDir, e.name)).catch(() => {});
      result.removed.push(path.join(sharedDir, e.name));
    }
  }
  return result;
}
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function fileMatches(file: string, info: ShardInfo): Promise<boolean> {
  try {
    const st = await stat(file);
    if (st.size !== info.bytes) return false;
    return sha256(await readFile(file)) === info.sha256;
  } catch {
    return false;
  }
}

/** Shards as files in <model>/shared/, each written under a temporary name and renamed; `created` lists new ones. */
function directorySink(sharedDir: string, created: string[]): ShardSink {
  return {
    has: (name, info) => fileMatches(path.join(sharedDir, name), info),
    async write(name, chunk) {
      const file = path.join(sharedDir, name);
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
    },
  };
}

/** Writes <out>/<model_id>/sub-NN/ (manifest.json, metadata.json) and its shards in <out>/<model_id>/shared/. */
export async function writeModelFolder(opts: WriteModelFolderOptions): Promise<WriteModelFolderResult> {
  const modelRoot = path.join(opts.out, MODEL_ID);
  const sharedDir = path.join(modelRoot, 'shared');
  const folder = subjectFolderName(opts.subject);
  const target = path.join(modelRoot, folder);
  const tmp = path.join(modelRoot, `.${folder}${tmpSuffix()}`);
  const created: string[] = []; // shared shards this call added

  try {
    await mkdir(sharedDir, { recursive: true });
    await mkdir(tmp);
    const built = await writeShardsAndManifest({
      manifest: opts.manifest,
      weights: opts.weights,
      sink: directorySink(sharedDir, created),
      shardBytes: opts.shardBytes,
      onProgress: opts.onProgress,
    });
    let manifest = built.manifest;
    await writeFile(path.join(tmp, 'manifest.json'), manifestFileText(manifest));
    await writeFile(path.join(tmp, manifest.metadata || 'metadata.json'), checkedMetadataText(opts.metadata));
    const more = await opts.beforeCommit?.(tmp, manifest);
    if (more) {
      manifest = { ...manifest, ...more };
      await writeFile(path.join(tmp, 'manifest.json'), manifestFileText(manifest));
    }

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
    return { dir: target, ...built, manifest };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    for (const f of created) await unlink(f).catch(() => {});
    // folders this call may have created, removed only when empty
    await rmdir(sharedDir).catch(() => {});
    await rmdir(modelRoot).catch(() => {});
    throw e;
  }
}

/**
 * Adds or replaces entries of <out>/index.json (matched by model_id + subject), keeping all others:
 * a read-modify-write under the models root's lock (taken here unless the caller holds it).
 */
export async function updateModelIndex(out: string, entries: IndexEntry[], opts: { locked?: boolean } = {}): Promise<ModelIndex> {
  if (!opts.locked) return withModelsLock(out, () => updateModelIndex(out, entries, { locked: true }));
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
    const ka = demoOrder(a.subject);
    const kb = demoOrder(b.subject);
    return ka - kb;
  });
  await mkdir(out, { recursive: true });
  const t = file + tmpSuffix();
  await writeFile(t, formatJson(index) + '\n');
  await rename(t, file);
  return index;
}
