// The responses worker: every encoded response comes here from the page (transferred, not
// copied), is written to browser storage and kept in a ResponseStore, which answers the views'
// requests with small arrays. Messages are typed in responses.ts.
/// <reference lib="webworker" />
import { ResponseStore } from './response_store.ts';
import type { ResponsesReply, ResponsesRequest } from './responses.ts';
import { SessionStore } from './session_store.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const store = new ResponseStore();
const storage = typeof navigator.storage?.getDirectory === 'function' ? new SessionStore() : null;
let saveError: string | null = null;

function reply(m: ResponsesReply, transfer: Transferable[] = []) {
  scope.postMessage(m, transfer);
}

scope.onmessage = async (ev: MessageEvent<ResponsesRequest>) => {
  const m = ev.data;
  try {
    if (m.type === 'put') {
      store.put(m.tag, m.key, m.data);
      if (m.store && storage)
        storage.saveResponse(m.tag, m.store, m.data).catch((e: unknown) => {
          if (!saveError) reply({ type: 'save-error', message: (saveError = e instanceof Error ? e.message : String(e)) });
        });
    } else if (m.type === 'drop') store.dropImage(m.id);
    else if (m.type === 'load') {
      const found: string[] = [];
      for (const it of m.items) {
        if (store.has(m.tag, it.key)) {
          found.push(it.key);
          continue;
        }
        const r = storage ? await storage.response(m.tag, it.store).catch(() => null) : null;
        if (r && r.length === 4 * 63 * 140) {
          store.put(m.tag, it.key, r);
          found.push(it.key);
        }
      }
      reply({ type: 'value', reqId: m.reqId, value: found });
    } else if (m.type === 'flush' || m.type === 'reset') {
      await storage?.flush();
      if (m.type === 'reset') store.clear();
      reply({ type: 'value', reqId: m.reqId, value: null });
    } else if (m.type === 'call') {
      const value = (store[m.method] as (...a: unknown[]) => unknown).apply(store, m.args);
      const transfer = value instanceof Float32Array ? [value.buffer] : Array.isArray(value) ? value.flatMap((g: { mean?: Float32Array }) => (g.mean ? [g.mean.buffer] : [])) : [];
      reply({ type: 'value', reqId: m.reqId, value }, transfer);
    }
  } catch (e) {
    if ('reqId' in m) reply({ type: 'error', reqId: m.reqId, message: e instanceof Error ? e.message : String(e) });
  }
};
