// Node-only sources: a file read piece by piece through a file handle (BERG's ~860 MB
// weights never sit in one buffer), and a model folder on disk as a ModelSource.

import { open, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { ModelSource } from '../engine/source.ts';
import type { ByteSource } from './byte_source.ts';

export interface FileByteSource extends ByteSource {
  close(): Promise<void>;
}

/** A file opened for random-access reads. Call close() when done (or use withFileByteSource). */
export async function fileByteSource(filePath: string): Promise<FileByteSource> {
  const fh = await open(filePath, 'r');
  let size: number;
  try {
    size = (await fh.stat()).size;
  } catch (e) {
    await fh.close();
    throw e;
  }
  let closed = false;
  return {
    size,
    name: filePath,
    async read(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      const out = new Uint8Array(n);
      let done = 0;
      // one read() may return less than asked (and is capped at 2 GiB): loop
      while (done < n) {
        const { bytesRead } = await fh.read(out, done, Math.min(n - done, 1 << 30), offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === n ? out : out.subarray(0, done);
    },
    async close() {
      if (!closed) {
        closed = true;
        await fh.close();
      }
    },
  };
}

/** Opens a file, runs fn on it, and closes it whatever happens. */
export async function withFileByteSource<T>(filePath: string, fn: (src: FileByteSource) => Promise<T>): Promise<T> {
  const src = await fileByteSource(filePath);
  try {
    return await fn(src);
  } finally {
    await src.close();
  }
}

/** A model folder on disk; names are relative to it and may climb to ../shared/. */
export function directorySource(dir: string): ModelSource {
  const root = path.resolve(dir);
  const resolve = (name: string) => path.resolve(root, name);
  return {
    location: root,
    readText: (name) => readFile(resolve(name), 'utf8'),
    readBytes: async (name) => {
      const b = await readFile(resolve(name));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    },
  };
}

/** True when the path exists. */
export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
