// The Lab worker's work, apart from how its messages travel: the page's workers (lab.worker.ts)
// and the Node benchmark's worker_threads run this same function. Previews of one image, and
// sweeps whose derived stimuli come back as pixels plus a PNG (lossless, so the gallery decodes
// exactly these pixels again) for the gallery's add-images path.
import { applyChain, type ChwImage, type Manipulation } from '../lab/manipulations.ts';
import { encodePngChw } from '../lab/png.ts';
import { runSweep, type DerivedStimulus, type SourceImage, type SweepSpec } from '../lab/sweep.ts';

export type LabRequest =
  | { type: 'preview'; reqId: number; image: ChwImage; chain: Manipulation[] }
  /** the sweep's stimuli of these sources (all of a sweep's sources, or one worker's share) */
  | { type: 'sweep'; reqId: number; sources: SourceImage[]; spec: SweepSpec };

export type SweepItem = DerivedStimulus & { png: Uint8Array };

export type LabReply =
  | { type: 'preview'; reqId: number; ok: true; image: ChwImage; ms: number }
  | { type: 'sweep'; reqId: number; ok: true; items: SweepItem[]; ms: number; totalMs: number }
  | { type: 'preview' | 'sweep'; reqId: number; ok: false; message: string };

// Stored (level 0) deflate: a sweep writes hundreds of PNGs that only live inside this page, and
// compressing them would cost more than the manipulations themselves.
const png = (data: Uint8Array, S: number) => encodePngChw(data, S, 0);

/** One request's reply and the buffers to transfer with it (the outputs are not copied back). */
export function handleLabRequest(req: LabRequest): { reply: LabReply; transfer: ArrayBuffer[] } {
  try {
    if (req.type === 'preview') {
      const t0 = performance.now();
      const out = applyChain(req.image, req.chain);
      const ms = performance.now() - t0;
      return { reply: { type: 'preview', reqId: req.reqId, ok: true, image: out, ms }, transfer: [out.data.buffer as ArrayBuffer] };
    }
    const t0 = performance.now();
    const derived = runSweep(req.sources, req.spec);
    const ms = performance.now() - t0;
    const items = derived.map((d) => ({ ...d, png: png(d.image.data, d.image.size) }));
    return {
      reply: { type: 'sweep', reqId: req.reqId, ok: true, items, ms, totalMs: performance.now() - t0 },
      transfer: items.flatMap((d) => [d.image.data.buffer as ArrayBuffer, d.png.buffer as ArrayBuffer]),
    };
  } catch (e) {
    return { reply: { type: req.type, reqId: req.reqId, ok: false, message: e instanceof Error ? e.message : String(e) }, transfer: [] };
  }
}
