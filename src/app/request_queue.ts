// Both workers take requests the same way: one at a time in arrival order, each with its own
// AbortController, and a { type: 'cancel', reqId } message aborts the matching request.
/// <reference lib="webworker" />

type Request = { type: string; reqId: number };

export function serveInOrder<M extends Request>(
  scope: DedicatedWorkerGlobalScope,
  handle: (msg: Exclude<M, { type: 'cancel' }>, signal: AbortSignal) => Promise<void>,
): void {
  const running = new Map<number, AbortController>();
  let queue: Promise<void> = Promise.resolve();
  scope.onmessage = (ev: MessageEvent<M>) => {
    const msg = ev.data;
    if (msg.type === 'cancel') {
      running.get(msg.reqId)?.abort();
      return;
    }
    const ctl = new AbortController();
    running.set(msg.reqId, ctl);
    queue = queue.then(() => handle(msg as Exclude<M, { type: 'cancel' }>, ctl.signal).finally(() => running.delete(msg.reqId)));
  };
}
