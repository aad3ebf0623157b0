// The responses worker: every encoded response comes here from the page (transferred, not
// copied) and is written to browser storage; a ResponseStore keeps the index and the running
// sums (written to storage too, a moment after they change, so a reload reads no rows for its
// group means), reads rows back from storage when an answer needs them, and answers the views'
// requests with small arrays; the images' repetition means it keeps are shared with the page
// (rep_means.ts). Messages are typed in responses.ts.
/// <reference lib="webworker" />
import { CACHE_ROWS, REP_MEAN_ROWS, ResponseStore, SUM_QUIET_MS } from './response_store.ts';
import type { RepMeanSlots } from './rep_means.ts';
import type { ResponsesReply, ResponsesRequest } from './responses.ts';
import { SessionStore } from './session_store.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const storage = typeof navigator.storage?.getDirectory === 'function' ? new SessionStore() : null;
// the images' repetition means in memory the page reads too, where it can be shared
const share = typeof SharedArrayBuffer === 'function' && self.crossOriginIsolated ? (slots: RepMeanSlots) => reply({ type: 'rep-means', slots }) : null;
const store = new ResponseStore(storage, CACHE_ROWS, SUM_QUIET_MS, REP_MEAN_ROWS, share);
let saveError: string | null = null;

function reply(m: ResponsesReply, transfer: Transferable[] = []) {
  scope.postMessage(m, transfer);
}

scope.onmessage = async (ev: MessageEvent<ResponsesRequest>) => {
  const m = ev.data;
  try {
    if (m.type === 'put') {
      store.put(m.tag, m.key, m.data, m.store)?.catch((e: unknown) => {
        if (!saveError) reply({ type: 'save-error', message: (saveError = e instanceof Error ? e.message : String(e)) });
      });
    } else if (m.type === 'drop') store.dropImage(m.id, m.stored);
    else if (m.type === 'load') reply({ type: 'value', reqId: m.reqId, value: await store.load(m.tag, m.items) });
    else if (m.type === 'flush') {
      await store.saveSums();
      await storage?.flush();
      reply({ type: 'value', reqId: m.reqId, value: null });
    } else if (m.type === 'reset') {
      // forgotten first: no sum of this session is written after the writes in flight land
      store.clear();
      await storage?.flush();
      reply({ type: 'value', reqId: m.reqId, value: null });
    } else if (m.type === 'call') {
      const value = await (store[m.method] as (...a: unknown[]) => Promise<unknown>).apply(store, m.args);
      // each answer is made for this request: its buffers move to the page
      const transfer = value instanceof Float32Array || value instanceof Float64Array ? [value.buffer] : Array.isArray(value) ? value.flatMap((g: { mean?: Float32Array }) => (g.mean ? [g.mean.buffer] : [])) : [];
      reply({ type: 'value', reqId: m.reqId, value }, transfer);
    }
  } catch (e) {
    if ('reqId' in m) reply({ type: 'error', reqId: m.reqId, message: e instanceof Error ? e.message : String(e) });
  }
};
