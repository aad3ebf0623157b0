// A helper worker of opfs_read.ts: reads a group of stored shards through sync access handles
// and transfers the filled buffer back. One request at a time, in arrival order.
/// <reference lib="webworker" />
import { readFilesSync, syncHandlesHere } from './opfs_read.ts';

interface ReadRequest {
  id: number;
  /** paths from the OPFS root */
  paths: string[][];
  sizes: number[];
}

const scope = self as unknown as DedicatedWorkerGlobalScope;
let queue = Promise.resolve();
scope.onmessage = (e: MessageEvent<ReadRequest>) => {
  queue = queue.then(() => serve(e.data));
};

async function serve({ id, paths, sizes }: ReadRequest): Promise<void> {
  if (!syncHandlesHere()) return scope.postMessage({ id, unsupported: true });
  try {
    const bytes = await readFilesSync(await navigator.storage.getDirectory(), paths, sizes, (n) => scope.postMessage({ id, bytes: n }));
    if (!bytes) return scope.postMessage({ id, error: 'a stored file has another size than its manifest says' });
    scope.postMessage({ id, buf: bytes.buffer }, [bytes.buffer]);
  } catch (err) {
    scope.postMessage({ id, error: String(err) });
  }
}
