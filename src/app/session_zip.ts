// A session as one .zip (fflate, streaming both ways): state.json, images/<sha256> and
// responses/<tag>/<key>.f32, the same paths as in browser storage (session_store.ts). Files are
// read and written a slice at a time, so neither side holds the archive and its contents at once.
import { Unzip, UnzipInflate, UnzipPassThrough, Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { STATE_FILE } from './session_store.ts';

/** The only paths a session archive may hold (anything else is refused, not written). */
export const SESSION_PATH = /^(state\.json|images\/[0-9a-f]{64}|responses\/[^/]+\/[^/]+\.f32)$/;

/** Packs files into a zip; `sink` gets the archive in order, chunk by chunk. */
export async function packSession(files: [string, Blob][], sink: (chunk: Uint8Array) => unknown): Promise<void> {
  const out: Uint8Array[] = [];
  let failed: Error | null = null;
  const zip = new Zip((e, data) => {
    if (e) failed = e;
    else out.push(data);
  });
  const drain = async () => {
    while (out.length) await sink(out.shift()!);
    if (failed) throw failed;
  };
  for (const [path, blob] of files) {
    // JSON shrinks well; image files are compressed already and float32 responses barely shrink.
    const f = path.endsWith('.json') ? new ZipDeflate(path, { level: 6 }) : new ZipPassThrough(path);
    zip.add(f);
    const reader = blob.stream().getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      f.push(value);
      await drain();
    }
    f.push(new Uint8Array(0), true);
    await drain();
  }
  zip.end();
  await drain();
}

/** Unpacks a session archive into `put` (path, bytes); returns the paths written. */
export async function unpackSession(archive: Blob, put: (path: string, data: Blob) => Promise<void>): Promise<string[]> {
  const uz = new Unzip();
  uz.register(UnzipInflate);
  uz.register(UnzipPassThrough);
  const writes: Promise<void>[] = [];
  const paths: string[] = [];
  let failed: Error | null = null;
  uz.onfile = (f) => {
    if (f.name.endsWith('/')) return; // folder entries
    if (!SESSION_PATH.test(f.name)) {
      failed ??= new Error(`not a playground session: the archive holds "${f.name}"`);
      return;
    }
    const parts: Uint8Array[] = [];
    f.ondata = (e, d, final) => {
      if (e) failed ??= e;
      else {
        parts.push(d);
        if (final) {
          paths.push(f.name);
          writes.push(put(f.name, new Blob(parts as Uint8Array<ArrayBuffer>[])));
        }
      }
    };
    f.start();
  };
  const reader = archive.stream().getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (failed) break;
    if (done) {
      uz.push(new Uint8Array(0), true);
      break;
    }
    uz.push(value);
  }
  await Promise.all(writes);
  if (failed) throw failed;
  if (!paths.includes(STATE_FILE)) throw new Error(`not a playground session: the archive has no ${STATE_FILE}`);
  return paths;
}
