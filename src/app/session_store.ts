// The playground session in the browser's origin-private file system (OPFS), so a reload comes
// back with the same images, conditions, selections and responses, with nothing encoded again:
//
//   <OPFS>/sessions/current/state.json                   gallery records and view state (SessionState)
//   <OPFS>/sessions/current/images/<sha256>              each image file's bytes, once per content
//   <OPFS>/sessions/current/responses/<tag>/<key>.f32    float32 [4, 63, 140] per image, per model tag
//                                                        (model, subject, backend, precision)
//   <OPFS>/sessions/current/sums/<tag>/<group>.sum       a group mean's running sum and the rows it
//                                                        sums (sum_file.ts); not exported: a reload
//                                                        or an import can always rebuild it from rows
//
// Writes go through one queue, so a state written later never lands before an earlier one. No
// DOM and no React: tests run it on a stand-in directory handle (test/io/fake_opfs.ts).

import { isNotFound, readBytes } from '../io/opfs.ts';

export const SESSION_DIR = 'sessions';
const CURRENT = 'current';
export const STATE_FILE = 'state.json';
export const SESSION_SCHEMA = 'insilico-eeg-session';
/** the folder of the stored group sums (left out of files(): they are derived from the responses) */
export const SUMS_DIR = 'sums';

/** One gallery image as stored: what is needed to show it again without the original file. */
export interface StoredImage {
  id: string;
  name: string;
  path?: string;
  /** sha256 of the bytes: the name of its file under images/ */
  hash: string;
  type: string;
  condition?: string;
  meta?: Record<string, string>;
  mode?: string;
  /**
   * What decoding found, so that a reload knows each image's response key (square mode, EXIF)
   * without decoding it again. Sessions saved before these were kept lack them: those images are
   * decoded on restore.
   */
  width?: number;
  height?: number;
  /** the square mode its pixels (and its response) were made with */
  squareMode?: string;
  exifOrientation?: number | null;
  orientationApplied?: boolean;
  transparent?: boolean;
}

export interface SessionState {
  schema: typeof SESSION_SCHEMA;
  version: 1;
  saved: string;
  images: StoredImage[];
  /** view state (selections, window, cursor, modes, conditions): store fields by name */
  view: Record<string, unknown>;
  /** the number the session's next image id carries (ids never repeat; absent in older sessions) */
  next_image_id?: number;
}

type Dir = FileSystemDirectoryHandle;

async function opfsRoot(): Promise<Dir> {
  return navigator.storage.getDirectory();
}

/** A folder's entry names that pass `pick`, all listed before any is removed. */
async function entryNames(d: Dir, pick: (name: string) => boolean = () => true): Promise<string[]> {
  const names: string[] = [];
  for await (const name of (d as unknown as { keys(): AsyncIterable<string> }).keys()) if (pick(name)) names.push(name);
  return names;
}

/** Removes the named entries; one already gone is not an error. */
async function removeEntries(d: Dir, names: readonly string[]) {
  for (const name of names)
    await d.removeEntry(name).catch((e: unknown) => {
      if ((e as { name?: string })?.name !== 'NotFoundError') throw e;
    });
}

export class SessionStore {
  private queue: Promise<unknown> = Promise.resolve();
  private known = new Set<string>();
  /** reads in flight: clear() waits for them, so no file goes away under a read */
  private reading = new Set<Promise<unknown>>();
  constructor(private readonly root: () => Promise<Dir> = opfsRoot) {}

  /** folder handles by path: each lookup is a round trip to the browser, and a reload makes thousands */
  private dirs = new Map<string, Promise<Dir>>();

  private async open(parts: string[]): Promise<Dir> {
    let d = await (await this.root()).getDirectoryHandle(SESSION_DIR, { create: true });
    for (const p of [CURRENT, ...parts]) d = await d.getDirectoryHandle(p, { create: true });
    return d;
  }

  private dir(...parts: string[]): Promise<Dir> {
    const key = parts.join('/');
    let d = this.dirs.get(key);
    if (!d) {
      d = this.open(parts);
      this.dirs.set(key, d);
      d.catch(() => this.dirs.delete(key));
    }
    return d;
  }

  /**
   * f on a folder. The session may have been removed under a kept handle (by the page's or the
   * responses worker's store, "New session"): then the folders are looked up again, once.
   */
  private async inDir<T>(parts: string[], f: (d: Dir) => Promise<T>): Promise<T> {
    try {
      return await f(await this.dir(...parts));
    } catch (e) {
      if ((e as { name?: string })?.name !== 'NotFoundError') throw e;
      this.dirs.clear();
      return f(await this.dir(...parts));
    }
  }

  /**
   * What `read` makes of a file (SessionStore.read: the File), or null; a miss is checked once on
   * freshly looked-up folders (a kept handle may be stale).
   */
  private async readAt<T>(parts: string[], name: string, read: (d: Dir, name: string) => Promise<T | null>): Promise<T | null> {
    const f = await read(await this.dir(...parts), name);
    if (f) return f;
    const again = await read(await this.open(parts), name);
    if (again) this.dirs.clear();
    return again;
  }

  /** Runs after every write queued before it; a failure is passed on to its caller only. */
  private enqueue<T>(f: () => Promise<T>): Promise<T> {
    const p = this.queue.then(f);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Resolves when every write queued so far has landed. */
  flush(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  private static async write(d: Dir, name: string, body: Blob | ArrayBufferView | string) {
    // bytes in one piece: what every OPFS writer (and the tests' stand-in) accepts. Through a
    // writable stream, not a sync access handle: its bytes replace the file's only on close, so a
    // write that fails or is cut off leaves the file as it was, never a truncated row.
    const data = typeof body === 'string' ? new TextEncoder().encode(body) : body instanceof Blob ? new Uint8Array(await body.arrayBuffer()) : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    const h = await d.getFileHandle(name, { create: true });
    const w = await h.createWritable();
    try {
      await w.write(data as Uint8Array<ArrayBuffer>);
      await w.close();
    } catch (e) {
      await w.abort().catch(() => undefined);
      throw e;
    }
  }

  private static async read(d: Dir, name: string): Promise<File | null> {
    try {
      return await (await d.getFileHandle(name)).getFile();
    } catch {
      return null;
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.reading.add(p);
    const done = () => this.reading.delete(p);
    p.then(done, done);
    return p;
  }

  /** Writes the session state (or its JSON text, or a file of that text, made already). */
  saveState(state: SessionState | string | Blob): Promise<void> {
    const body = typeof state === 'string' || state instanceof Blob ? state : JSON.stringify(state);
    return this.enqueue(() => this.inDir([], (d) => SessionStore.write(d, STATE_FILE, body)));
  }

  async loadState(): Promise<SessionState | null> {
    await this.flush();
    const f = await this.readAt([], STATE_FILE, SessionStore.read);
    if (!f) return null;
    const s = JSON.parse(await f.text()) as SessionState;
    if (s.schema !== SESSION_SCHEMA || !Array.isArray(s.images)) throw new Error('sessions/current/state.json is not a playground session');
    return s;
  }

  /** Stores an image's bytes under its hash (once: equal bytes share a file). */
  saveImage(hash: string, file: Blob): Promise<void> {
    if (this.known.has(hash)) return Promise.resolve();
    this.known.add(hash);
    return this.enqueue(async () => {
      if (!(await this.readAt(['images'], hash, SessionStore.read))) await this.inDir(['images'], (d) => SessionStore.write(d, hash, file));
    }).catch((e) => {
      this.known.delete(hash);
      throw e;
    });
  }

  /** The stored file of an image (disk-backed: reading it is what loads it). */
  image(hash: string, type: string): Promise<File | null> {
    return this.track(
      (async () => {
        const f = await this.readAt(['images'], hash, SessionStore.read);
        return f ? new File([f], hash, { type }) : null;
      })(),
    );
  }

  saveResponse(tag: string, key: string, data: Float32Array): Promise<void> {
    const copy = data.slice();
    return this.enqueue(() => this.inDir(['responses', encodeURIComponent(tag)], (d) => SessionStore.write(d, `${encodeURIComponent(key)}.f32`, copy)));
  }

  response(tag: string, key: string): Promise<Float32Array | null> {
    const name = `${encodeURIComponent(key)}.f32`;
    return this.track(
      (async () => {
        // the bytes alone (in the responses worker through a read-only sync access handle)
        const bytes = await this.readAt(['responses', encodeURIComponent(tag)], name, (d, n) => readBytes(d, n).catch((e: unknown) => (isNotFound(e) ? null : Promise.reject(e))));
        if (!bytes) return null;
        if (bytes.byteLength % 4) throw new Error(`the stored response ${name} is ${bytes.byteLength} bytes, not float32 values`);
        return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      })(),
    );
  }

  /** The keys stored under a model tag (one directory listing: no response is read). */
  async responseKeys(tag: string): Promise<Set<string>> {
    await this.flush();
    return this.inDir(['responses', encodeURIComponent(tag)], async (d) => {
      const out = new Set<string>();
      for await (const name of (d as unknown as { keys(): AsyncIterable<string> }).keys()) if (name.endsWith('.f32')) out.add(decodeURIComponent(name.slice(0, -4)));
      return out;
    });
  }

  /**
   * Removes every stored response of these images (every model tag, mode and EXIF variant), after
   * every write queued before it: a file is named by the image's id, never given to another image.
   */
  dropResponses(imageIds: readonly string[]): Promise<void> {
    const ids = new Set(imageIds);
    return this.enqueue(() =>
      this.inDir(['responses'], async (top) => {
        for (const tag of await entryNames(top)) {
          const d = await top.getDirectoryHandle(tag).catch(() => null);
          if (d) await removeEntries(d, await entryNames(d, (name) => ids.has(decodeURIComponent(name).split('|')[0])));
        }
      }),
    );
  }

  /** A group's stored running sum (sum_file.ts bytes), or null. */
  sum(tag: string, id: string): Promise<Uint8Array | null> {
    return this.track(
      (async () => {
        const f = await this.readAt([SUMS_DIR, encodeURIComponent(tag)], `${encodeURIComponent(id)}.sum`, SessionStore.read);
        return f ? new Uint8Array(await f.arrayBuffer()) : null;
      })(),
    );
  }

  /** Writes a group's running sum, after every write queued before it (so after the rows it sums). */
  saveSum(tag: string, id: string, bytes: Uint8Array): Promise<void> {
    return this.enqueue(() => this.inDir([SUMS_DIR, encodeURIComponent(tag)], (d) => SessionStore.write(d, `${encodeURIComponent(id)}.sum`, bytes)));
  }

  /**
   * Removes the tag's stored sums except those of the groups `keep`, before any write queued after
   * it: a response about to be replaced is no longer in a stored sum when the new one lands.
   */
  dropSums(tag: string, keep: readonly string[]): Promise<void> {
    const kept = new Set(keep.map((id) => `${encodeURIComponent(id)}.sum`));
    return this.enqueue(() =>
      this.inDir([SUMS_DIR, encodeURIComponent(tag)], async (d) => removeEntries(d, await entryNames(d, (name) => !kept.has(name)))),
    );
  }

  /** Every stored file as [path below sessions/current, file] (what a session export packs; not the group sums). */
  async files(): Promise<[string, File][]> {
    await this.flush();
    const out: [string, File][] = [];
    const walk = async (d: Dir, pre: string) => {
      for (const name of await entryNames(d)) {
        if (pre === '' && name === SUMS_DIR) continue;
        const sub = await d.getDirectoryHandle(name).catch(() => null);
        if (sub) await walk(sub, `${pre}${name}/`);
        else {
          const f = await (await d.getFileHandle(name)).getFile();
          // the state is rewritten as the page changes: its bytes now, not a snapshot that a later write makes unreadable
          out.push([pre + name, pre === '' && name === STATE_FILE ? new File([await f.arrayBuffer()], name) : f]);
        }
      }
    };
    await this.inDir([], (d) => ((out.length = 0), walk(d, '')));
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** Writes a file at a path below sessions/current (a session import). */
  put(path: string, data: ArrayBufferView | Blob | string): Promise<void> {
    const parts = path.split('/');
    if (parts.some((p) => !p || p === '.' || p === '..')) return Promise.reject(new Error(`not a session path: ${path}`));
    return this.enqueue(() => this.inDir(parts.slice(0, -1), (d) => SessionStore.write(d, parts[parts.length - 1], data)));
  }

  /** Forgets the session: every image, response and setting ("New session"), once the reads in flight are done. */
  clear(): Promise<void> {
    this.known.clear();
    return this.enqueue(async () => {
      while (this.reading.size) await Promise.allSettled([...this.reading]);
      const top = await (await this.root()).getDirectoryHandle(SESSION_DIR, { create: true });
      await top.removeEntry(CURRENT, { recursive: true }).catch((e: unknown) => {
        if ((e as { name?: string })?.name !== 'NotFoundError') throw e;
      });
      this.dirs.clear();
    });
  }
}
