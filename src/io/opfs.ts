// Small helpers over the browser's origin-private file system (OPFS): folders, names, whole-file
// reads and writes, removal that tolerates a missing entry, and '..'-safe relative paths. Used by
// the model store (browser_store.ts), the fast shard reader (opfs_read.ts) and the playground's
// session store. No DOM.

export function nav(): (Navigator & { locks?: LockManager }) | undefined {
  return (globalThis as { navigator?: Navigator }).navigator;
}

export type Dir = FileSystemDirectoryHandle;

export const isNotFound = (e: unknown) => e instanceof Error && (e.name === 'NotFoundError' || e.name === 'TypeMismatchError');
export const isQuota = (e: unknown) => e instanceof Error && e.name === 'QuotaExceededError';




export async function subdir(dir: Dir, parts: string[], create: boolean): Promise<Dir> {
  for (const p of parts) dir = await dir.getDirectoryHandle(p, { create });
  return dir;
}

export async function names(dir: Dir): Promise<string[]> {
  const out: string[] = [];
  // FileSystemDirectoryHandle is async-iterable (keys()); TS's DOM lib here lacks the typing
  for await (const k of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) out.push(k);
  return out;
}

export async function readFile(dir: Dir, name: string): Promise<File> {
  return (await dir.getFileHandle(name)).getFile();
}

/** A sync access handle (dedicated workers only), as far as the readers here use one. */
export interface SyncAccessHandle {
  getSize(): number;
  read(into: Uint8Array, o: { at: number }): number;
  close(): void;
}
export type SyncFileHandle = FileSystemFileHandle & { createSyncAccessHandle(o?: { mode?: string }): Promise<SyncAccessHandle> };

/** Fills `into` with the file's bytes from its start, in as many reads as it takes (a browser may return fewer bytes than asked); false when a read makes no progress. */
export function readSyncInto(h: SyncAccessHandle, into: Uint8Array): boolean {
  for (let at = 0; at < into.length; ) {
    const n = h.read(into.subarray(at), { at });
    if (!(n > 0)) return false;
    at += n;
  }
  return true;
}

/**
 * A file's bytes. In a worker through a read-only sync access handle: a File's arrayBuffer() is a
 * round trip through the browser for the bytes, several times slower for a file of a few hundred
 * kB; where that mode is missing or the file is held by a writer, read as a File.
 */
export async function readBytes(dir: Dir, name: string): Promise<Uint8Array> {
  const fh = await dir.getFileHandle(name);
  if (typeof (fh as Partial<SyncFileHandle>).createSyncAccessHandle === 'function') {
    let h: SyncAccessHandle | null = null;
    try {
      h = await (fh as SyncFileHandle).createSyncAccessHandle({ mode: 'read-only' });
    } catch (e) {
      if (!(e instanceof Error) || (e.name !== 'NoModificationAllowedError' && e.name !== 'InvalidStateError' && e.name !== 'TypeError')) throw e;
    }
    if (h) {
      try {
        const out = new Uint8Array(h.getSize());
        if (!readSyncInto(h, out)) throw new Error(`reading ${name}: a read stopped short of its ${out.length} bytes`);
        return out;
      } finally {
        h.close();
      }
    }
  }
  return new Uint8Array(await (await fh.getFile()).arrayBuffer());
}

export async function writeFile(dir: Dir, name: string, data: Uint8Array | string): Promise<void> {
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

export async function remove(dir: Dir, name: string, recursive = false): Promise<void> {
  try {
    await dir.removeEntry(name, { recursive });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}


/** "a/b/../c/" + "x" -> ["a", "c", "x"] */
export function resolvePath(base: string, name: string): string[] {
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

