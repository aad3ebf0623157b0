// Node-only sources: a file read piece by piece through a file handle (BERG's ~860 MB
// weights never sit in one buffer), and a model folder on disk as a ModelSource that reads
// nothing outside the folder.

import { constants, type Stats } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { ModelLoadError } from '../core/errors.ts';
import type { ModelSource } from '../core/source.ts';
import type { ByteSource } from './byte_source.ts';
import { MAX_METADATA_JSON_BYTES, MAX_SHARD_BYTES } from './limits.ts';
import { manifestPathProblem, SHARED_DIR, type SizedReader } from './model_folder.ts';

export interface FileByteSource extends ByteSource {
  close(): Promise<void>;
}

/** A file-system error as one line naming the file ("x.npy: no such file"), not Node's "ENOENT: ..., open 'x'". */
export function fileErrorMessage(filePath: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why: Record<string, string> = {
    ENOENT: 'no such file',
    EISDIR: 'is a folder, not a file',
    ENOTDIR: 'a part of the path is not a folder',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ELOOP: 'is a symbolic link (or a loop of them)',
    EMFILE: 'too many open files',
  };
  return `${filePath}: ${(code && why[code]) ?? (e as Error)?.message ?? String(e)}`;
}

/** What a non-regular file is, for messages. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Opens a regular file without blocking or following a final symlink (a FIFO would block
 * open() until a writer came), and checks it is the file that was checked beforehand.
 */
async function openRegular(filePath: string, expect?: Stats): Promise<{ fh: FileHandle; size: number }> {
  let fh: FileHandle;
  try {
    fh = await open(filePath, constants.O_RDONLY | constants.O_NONBLOCK | (expect ? constants.O_NOFOLLOW : 0));
  } catch (e) {
    throw new ModelLoadError(fileErrorMessage(filePath, e));
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ModelLoadError(`${filePath} is ${kindOf(st)}, not a regular file`);
    if (expect && (st.ino !== expect.ino || st.dev !== expect.dev)) throw new ModelLoadError(`${filePath} changed while it was opened`);
    return { fh, size: st.size };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** A regular file opened for random-access reads. Call close() when done (or use withFileByteSource). */
export async function fileByteSource(filePath: string): Promise<FileByteSource> {
  const { fh, size } = await openRegular(filePath);
  let closed = false;
  return {
    size,
    name: filePath,
    async read(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      const out = new Uint8Array(n);
      let done = 0;
      // one read() may return less than asked (and is capped at 2 GiB): loop
      try {
        while (done < n) {
          const { bytesRead } = await fh.read(out, done, Math.min(n - done, 1 << 30), offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
      } catch (e) {
        throw new ModelLoadError(fileErrorMessage(filePath, e));
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

const inside = (base: string, p: string) => p === base || p.startsWith(base.endsWith(path.sep) ? base : base + path.sep);

/**
 * A model folder on disk, closed: a name is read only when it is a path a manifest may hold
 * (manifestPathProblem), it resolves, symlinks followed, inside the subject folder (or, for
 * ../shared/NAME, inside the model's shared folder), and it is a regular file of a length the
 * reader accepts; a shard's length must be the manifest's before a byte is read.
 */
export function directorySource(dir: string): ModelSource & SizedReader {
  const root = path.resolve(dir);
  const modelRoot = path.dirname(root);
  let realRoots: Promise<{ root: string; model: string }> | null = null;
  const roots = () =>
    (realRoots ??= Promise.all([realpath(root), realpath(modelRoot)]).then(
      ([r, m]) => ({ root: r, model: m }),
      (e) => {
        realRoots = null;
        throw new ModelLoadError((e as NodeJS.ErrnoException).code === 'ENOENT' ? `the model folder ${root} does not exist` : fileErrorMessage(root, e));
      },
    ));

  /** The checked file behind a name: its real path and stat. */
  const locate = async (name: string): Promise<{ file: string; st: Stats }> => {
    const shown = `${root}/${name}`; // as model_folder.ts names it, so its messages can drop the repeat
    const problem = manifestPathProblem(name, { shared: true });
    if (problem) throw new ModelLoadError(`${shown}: refused, the path ${JSON.stringify(name)} ${problem}`);
    const r = await roots();
    const shared = name.startsWith(SHARED_DIR + '/');
    const base = shared ? path.join(r.model, 'shared') : r.root;
    let file: string;
    try {
      file = await realpath(path.join(root, name));
    } catch (e) {
      throw new ModelLoadError(fileErrorMessage(shown, e));
    }
    if (!inside(base, file)) throw new ModelLoadError(`${shown}: refused, it is a link to ${file}, outside the model folder`);
    const st = await stat(file).catch((e) => {
      throw new ModelLoadError(fileErrorMessage(shown, e));
    });
    if (!st.isFile()) throw new ModelLoadError(`${shown}: refused, it is ${kindOf(st)}, not a regular file`);
    return { file, st };
  };

  const readChecked = async (name: string, check: (size: number, shown: string) => void): Promise<Uint8Array> => {
    const { file, st } = await locate(name);
    const shown = `${root}/${name}`; // as model_folder.ts names it, so its messages can drop the repeat
    check(st.size, shown);
    const { fh, size } = await openRegular(file, st);
    try {
      check(size, shown);
      const out = new Uint8Array(size);
      let done = 0;
      while (done < size) {
        const { bytesRead } = await fh.read(out, done, size - done, done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === size ? out : out.subarray(0, done);
    } catch (e) {
      if (e instanceof ModelLoadError) throw e;
      throw new ModelLoadError(fileErrorMessage(shown, e));
    } finally {
      await fh.close();
    }
  };

  const atMost = (limit: number) => (size: number, shown: string) => {
    if (size > limit) throw new ModelLoadError(`${shown}: refused, it is ${size} bytes, more than the ${limit} a model folder's file may have`);
  };

  return {
    location: root,
    readText: async (name) => new TextDecoder().decode(await readChecked(name, atMost(MAX_METADATA_JSON_BYTES))),
    readBytes: (name) => readChecked(name, atMost(MAX_SHARD_BYTES)),
    readBytesOfSize: (name, bytes) =>
      readChecked(name, (size, shown) => {
        if (size !== bytes) {
          throw new ModelLoadError(`shard ${name} has ${size} bytes, manifest says ${bytes}: the model folder is corrupt; convert again (${shown})`);
        }
      }),
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
