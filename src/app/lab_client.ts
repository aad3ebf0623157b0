// The main thread's side of the Lab's manipulation worker: previews and sweeps, one promise each.
import type { ChwImage, Manipulation } from '../lab/manipulations.ts';
import type { DerivedStimulus, SourceImage, SweepSpec } from '../lab/sweep.ts';
import { decodeInWorker } from './decode_client.ts';
import type { ImageItem } from './state/store.ts';

export type LabRequest =
  | { type: 'preview'; reqId: number; image: ChwImage; chain: Manipulation[] }
  | { type: 'sweep'; reqId: number; sources: SourceImage[]; spec: SweepSpec };

export type LabReply =
  | { type: 'preview'; reqId: number; ok: true; image: ChwImage; ms: number }
  | { type: 'sweep'; reqId: number; ok: true; items: (DerivedStimulus & { png: Uint8Array })[]; ms: number; totalMs: number }
  | { type: 'preview' | 'sweep'; reqId: number; ok: false; message: string };

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, { resolve: (r: LabReply) => void; reject: (e: Error) => void }>();

function labWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./lab.worker.ts', import.meta.url), { type: 'module', name: 'lab' });
  worker.onmessage = (ev: MessageEvent<LabReply>) => {
    const p = pending.get(ev.data.reqId);
    if (!p) return;
    pending.delete(ev.data.reqId);
    if (ev.data.ok) p.resolve(ev.data);
    else p.reject(new Error(ev.data.message));
  };
  worker.onerror = (ev) => {
    for (const p of pending.values()) p.reject(new Error(ev.message || 'The Lab worker failed to start'));
    pending.clear();
  };
  return worker;
}

function call<T extends LabReply>(req: Omit<LabRequest, 'reqId'>): Promise<T> {
  const reqId = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(reqId, { resolve: resolve as (r: LabReply) => void, reject });
    labWorker().postMessage({ ...req, reqId });
  });
}

/** A manipulated copy of a square image; `ms` is the worker's compute time. */
export async function previewInWorker(image: ChwImage, chain: Manipulation[]): Promise<{ image: ChwImage; ms: number }> {
  const r = await call<Extract<LabReply, { type: 'preview'; ok: true }>>({ type: 'preview', image: { data: image.data.slice(), size: image.size }, chain } as LabRequest);
  return { image: r.image, ms: r.ms };
}

/**
 * The full square pixels of a gallery image, as the engine encodes them: the gallery keeps only a
 * 32 px summary, and encoding decodes the file again with the same decoder and mode (actions/pixels.ts).
 */
export async function encodedPixels(it: ImageItem): Promise<ChwImage> {
  if (it.status !== 'ready' || !it.squareMode) throw new Error(`${it.name} is not decoded yet`);
  const d = await decodeInWorker(it.file, it.squareMode);
  return d.square;
}

/** A sweep's derived stimuli, each with its PNG file's bytes; `ms` and `totalMs` are the worker's times. */
export async function sweepInWorker(sources: SourceImage[], spec: SweepSpec): Promise<Extract<LabReply, { type: 'sweep'; ok: true }>> {
  return call<Extract<LabReply, { type: 'sweep'; ok: true }>>({ type: 'sweep', sources: sources.map((s) => ({ ...s, image: { data: s.image.data.slice(), size: s.image.size } })), spec } as LabRequest);
}
