// A helper worker of opfs_read.ts: reads a group of stored shards through sync access handles
// and transfers the filled buffer back. One request at a time, in arrival order.
/// <reference lib="webworker" />
import { readFilesSync, syncHandlesHere, type ReadReply, type ReadRequest } from './opfs_read.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const reply = (m: ReadReply, transfer: Transferable[] = []) => scope.postMessage(m, transfer);
let queue = Promise.resolve();
scope.onmessage = (e: MessageEvent<ReadRequest>) => {
  queue = queue.then(() => serve(e.data));
};

async function serve({ id, paths, sizes }: ReadRequest): Promise<void> {
  if (!syncHandlesHere()) return reply({ id, unsupported: true });
  try {
    const bytes = await readFilesSync(await navigator.storage.getDirectory(), paths, sizes, (n) => reply({ id, bytes: n }));
    if (!bytes) return reply({ id, error: 'a stored file has another size than its manifest says' });
    const buf = bytes.buffer as ArrayBuffer; // (a new Uint8Array's own buffer)
    reply({ id, buf }, [buf]);
  } catch (err) {
    reply({ id, error: String(err) });
  }
}
