// One of the Lab's workers (lab_pool.ts): previews and its share of a sweep, off the main thread.
/// <reference lib="webworker" />
import { handleLabRequest, type LabRequest } from './lab_work.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = (ev: MessageEvent<LabRequest>) => {
  const { reply, transfer } = handleLabRequest(ev.data);
  scope.postMessage(reply, transfer);
};
