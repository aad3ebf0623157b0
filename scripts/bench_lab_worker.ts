// A Lab worker for the benchmark: Node worker_threads around the page's own lab_work.ts.
import { parentPort } from 'node:worker_threads';
import { handleLabRequest, type LabRequest } from '../src/app/lab_work.ts';

parentPort!.on('message', (req: LabRequest) => {
  const { reply, transfer } = handleLabRequest(req);
  parentPort!.postMessage(reply, transfer);
});
