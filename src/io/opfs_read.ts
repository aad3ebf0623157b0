// Fast reads of stored shards. File.arrayBuffer hands every shard over in a buffer of its own,
// which readModelFolder then copies into the weight's array; a sync access handle reads the
// shards straight into that array instead, and two helper workers read two weights at once and
// transfer the filled buffers back without a copy. Sync access handles exist in dedicated
// workers only: a page, and the app's engine worker (to read two at once), start the helpers;
// where workers fail, a worker reads in its own thread. scripts/bench_opfs.ts measures the modes.

import { readSyncInto, subdir, type Dir, type SyncFileHandle } from './opfs.ts';

/** True where sync access handles can be opened in this thread (dedicated workers). */
export function syncHandlesHere(): boolean {
  return typeof (globalThis as { FileSystemSyncAccessHandle?: unknown }).FileSystemSyncAccessHandle === 'function';
}

/**
 * Files (paths from `root`) one after another into one new buffer through sync
 * access handles; null when a file is not sizes[i] bytes long. Opened read-only, so that other
 * tabs can read the same shards at once (where a browser lacks that mode, a conflict throws and
 * the caller reads the files another way).
 */
export async function readFilesSync(root: Dir, paths: string[][], sizes: number[], onBytes?: (n: number) => void): Promise<Uint8Array | null> {
  const out = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
  const dirs = new Map<string, Dir>();
  let at = 0;
  for (let i = 0; i < paths.length; i++) {
    const parts = paths[i].slice(0, -1);
    let dir = dirs.get(parts.join('/'));
    if (!dir) dirs.set(parts.join('/'), (dir = await subdir(root, parts, false)));
    const fh = (await dir.getFileHandle(paths[i][paths[i].length - 1])) as SyncFileHandle;
    const h = await fh.createSyncAccessHandle({ mode: 'read-only' });
    try {
      if (h.getSize() !== sizes[i]) return null;
      if (!readSyncInto(h, out.subarray(at, at + sizes[i]))) return null;
    } finally {
      h.close();
    }
    at += sizes[i];
    onBytes?.(sizes[i]);
  }
  return out;
}

// Helper workers (opfs_read.worker.ts) run readFilesSync from the OPFS root, one request at a
// time (with requests interleaved, two reads once never finished in an off-the-record profile;
// a stall is also guarded by HELPER_STALL_MS). Replies per request: {id, bytes} after each file,
// then {id, buf} (transferred) or {id, error}; {unsupported} when it has no sync access handles.

/** A request to a helper: paths from the OPFS root, with their expected sizes. */
export interface ReadRequest {
  id: number;
  paths: string[][];
  sizes: number[];
}

/** A helper's replies: bytes after each file, then buf (transferred) or error; unsupported without sync access handles. */
export interface ReadReply {
  id: number;
  bytes?: number;
  buf?: ArrayBuffer;
  error?: string;
  unsupported?: boolean;
}

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
/** Helper workers reading at once, each one request at a time. */
const HELPERS = 2;
const helpers: Helper[] = [];
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
  if (helperUnusable || typeof Worker !== 'function' || typeof setTimeout !== 'function') return null;
  try {
    const worker = new Worker(new URL('./opfs_read.worker.ts', import.meta.url), { type: 'module', name: 'opfs-read' });
    const h: Helper = { worker, calls: new Map(), next: 0 };
    h.worker.onmessage = (e: MessageEvent<ReadReply>) => {
      const m = e.data;
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
      helperUnusable = true; // (e.g. a content security policy that refuses the worker)
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
export function readFilesInHelper(paths: string[][], sizes: number[], onBytes?: (n: number) => void): Promise<Uint8Array | null> {
  let h = helpers.reduce<Helper | null>((a, x) => (a && a.calls.size <= x.calls.size ? a : x), null);
  if (!h || (h.calls.size > 0 && helpers.length < HELPERS)) h = startHelper() ?? h;
  if (!h) return Promise.resolve(null);
  const helper = h;
  const id = helper.next++;
  return new Promise((resolve) => {
    helper.calls.set(id, { resolve, onBytes });
    armHelper(helper);
    helper.worker.postMessage({ id, paths, sizes } satisfies ReadRequest);
  });
}

/** True once a helper said it cannot read (no sync access handles) or could not start. */
export function helpersUnusable(): boolean {
  return helperUnusable;
}
