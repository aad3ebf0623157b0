// The main thread's side of the Lab's workers (lab_pool.ts): previews and sweeps, one promise each.
import type { ChwImage, Manipulation } from '../lab/manipulations.ts';
import type { SourceImage, SweepSpec } from '../lab/sweep.ts';
import { decodeInWorker } from './decode_client.ts';
import { LabPool, type PooledSweep } from './lab_pool.ts';
import type { LabReply } from './lab_work.ts';
import type { ImageItem } from './state/store.ts';

// One worker per logical core (a sweep's shares run in parallel); at most 8, as each keeps its
// own spectra and transfer functions.
const LAB_WORKERS = Math.max(1, Math.min(8, (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1));

let pool: LabPool | null = null;

function labPool(): LabPool {
  pool ??= new LabPool((onReply, onFail) => {
    const w = new Worker(new URL('./lab.worker.ts', import.meta.url), { type: 'module', name: 'lab' });
    w.onmessage = (ev: MessageEvent<LabReply>) => onReply(ev.data);
    w.onerror = (ev) => onFail(ev.message || 'A Lab worker failed to start');
    return { post: (req, transfer) => w.postMessage(req, transfer), close: () => w.terminate() };
  }, LAB_WORKERS);
  return pool;
}

/** A manipulated copy of a square image; `ms` is the worker's compute time. */
export function previewInWorker(image: ChwImage, chain: Manipulation[]): Promise<{ image: ChwImage; ms: number }> {
  return labPool().preview(image, chain);
}

/**
 * The full square pixels of a gallery image, as the engine encodes them: the gallery keeps only a
 * 32 px summary, and encoding decodes the file again with the same decoder and mode (actions/pixels.ts).
 */
export async function encodedPixels(it: ImageItem): Promise<ChwImage> {
  if (it.status !== 'ready' || !it.squareMode) throw new Error(`${it.name} is not decoded yet`);
  const d = await decodeInWorker(it.file, it.squareMode, { pixels: true });
  return d.square!;
}

/** A sweep's derived stimuli in the sweep's order, each with its PNG file's bytes; `ms` and `totalMs` are the slowest worker's times. */
export function sweepInWorker(sources: SourceImage[], spec: SweepSpec): Promise<PooledSweep> {
  return labPool().sweep(sources, spec);
}
