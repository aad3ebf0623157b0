// How encode() walks through a set of images: the default batch per backend, and the loop that
// keeps two batches in flight.
import { CancelledError } from '../core/errors.ts';
import type { Backend, EncodeProgress } from '../core/types.ts';

// wasm: 16 keeps a K = 250 subject's heap small; larger batches run no faster on a few cores
// and need more heap.
// onnx: its PCA blocks are read once per batch, so larger batches spread that memory traffic.
export const DEFAULT_BATCH: Record<Backend, number> = { webgpu: 32, webgl: 8, onnx: 32, wasm: 16, cpu: 4 };

/**
 * The batch size encode() uses on a backend unless told otherwise (by getEncodingModel's or
 * encode()'s `batchSize`).
 *
 * @param backend - the runtime a model runs on, as `model.backend` names it: 'webgpu', 'webgl',
 *   'onnx', 'wasm' or 'cpu'.
 * @returns images per forward pass: 32 on webgpu and onnx, 8 on webgl, 16 on wasm, 4 on cpu.
 */
export function defaultBatchSize(backend: Backend): number {
  return DEFAULT_BATCH[backend];
}

/**
 * The batches [start, start + b) of n images with two in flight: batch i + 1 is launched before
 * batch i is collected, so the device (or the onnx worker) computes one while this thread
 * prepares the next. After each collected batch: `collected` (its results are in place), then
 * progress. A cancel is honoured between batches (with a signal, the loop yields to the event
 * loop before each launch, so that an abort sent by a message, as in a worker, can arrive);
 * a batch still in flight after an error or a cancel is handed to `abandon`.
 */
export async function twoInFlight<P>(
  n: number,
  batchSize: number,
  { signal, onProgress, collected }: { signal?: AbortSignal; onProgress?: (p: EncodeProgress) => void; collected?: (start: number, b: number) => void },
  steps: {
    launch(start: number, b: number): P;
    collect(p: P, start: number): Promise<void>;
    abandon(p: P): Promise<void>;
    /** the batch's promise, watched from launch on so an early failure is never unhandled */
    started(p: P): Promise<unknown>;
  },
): Promise<void> {
  let pending: { p: P; start: number; b: number } | null = null;
  const collect = async (q: { p: P; start: number; b: number }) => {
    await steps.collect(q.p, q.start);
    collected?.(q.start, q.b);
    if (signal?.aborted) throw new CancelledError(`encoding cancelled after ${q.start} of ${n} images`);
    onProgress?.({ done: q.start + q.b, total: n });
  };
  try {
    for (let start = 0; start < n; start += batchSize) {
      if (signal) await new Promise((resolve) => setTimeout(resolve, 0));
      if (signal?.aborted) throw new CancelledError(`encoding cancelled after ${start} of ${n} images`);
      const b = Math.min(batchSize, n - start);
      const p = steps.launch(start, b);
      steps.started(p).catch(() => undefined);
      const previous = pending;
      pending = { p, start, b };
      if (previous) await collect(previous);
    }
    if (pending) {
      const last = pending;
      pending = null;
      await collect(last);
    }
  } finally {
    const left = pending as { p: P } | null;
    if (left) await steps.abandon(left.p);
  }
}

