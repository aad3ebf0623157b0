// The Lab's manipulations off the main thread: live previews of one image, and sweeps whose
// derived stimuli come back as pixels plus a PNG (lossless, so the gallery decodes exactly these
// pixels again) for the gallery's add-images path.
/// <reference lib="webworker" />
import { applyChain } from '../lab/manipulations.ts';
import { encodePngChw } from '../lab/png.ts';
import { runSweep } from '../lab/sweep.ts';
import type { LabReply, LabRequest } from './lab_client.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;

// Stored (level 0) deflate: a sweep writes hundreds of PNGs that only live inside this page, and
// compressing them would cost more than the manipulations themselves.
const png = (data: Uint8Array, S: number) => encodePngChw(data, S, 0);

scope.onmessage = (ev: MessageEvent<LabRequest>) => {
  const req = ev.data;
  try {
    if (req.type === 'preview') {
      const t0 = performance.now();
      const out = applyChain(req.image, req.chain);
      const ms = performance.now() - t0;
      const reply: LabReply = { type: 'preview', reqId: req.reqId, ok: true, image: out, ms };
      scope.postMessage(reply, [out.data.buffer]);
    } else {
      const t0 = performance.now();
      const derived = runSweep(req.sources, req.spec);
      const ms = performance.now() - t0;
      const items = derived.map((d) => ({ ...d, png: png(d.image.data, d.image.size) }));
      const reply: LabReply = { type: 'sweep', reqId: req.reqId, ok: true, items, ms, totalMs: performance.now() - t0 };
      scope.postMessage(reply, items.flatMap((d) => [d.image.data.buffer, d.png.buffer]));
    }
  } catch (e) {
    const reply: LabReply = { type: req.type, reqId: req.reqId, ok: false, message: e instanceof Error ? e.message : String(e) };
    scope.postMessage(reply);
  }
};
