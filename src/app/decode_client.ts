// The main thread's side of the decode worker: one promise per image.
import type { SquareMode } from '../io/image_square.ts';
import type { ExifOrientationMode } from '../io/image_decode.ts';
import type { Decoded } from './decode.ts';
import { useApp } from './state/store.ts';

export interface DecodeRequest {
  reqId: number;
  file: Blob;
  mode: SquareMode;
  exifOrientation: ExifOrientationMode;
}
export type DecodeReply = { reqId: number; ok: true; decoded: Decoded } | { reqId: number; ok: false; message: string };

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, { resolve: (d: Decoded) => void; reject: (e: Error) => void }>();

function get(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./decode.worker.ts', import.meta.url), { type: 'module', name: 'decode' });
  worker.onmessage = (ev: MessageEvent<DecodeReply>) => {
    const p = pending.get(ev.data.reqId);
    if (!p) return;
    pending.delete(ev.data.reqId);
    if (ev.data.ok) p.resolve(ev.data.decoded);
    else p.reject(new Error(ev.data.message));
  };
  worker.onerror = (ev) => {
    for (const p of pending.values()) p.reject(new Error(ev.message || 'The image decoder failed to start'));
    pending.clear();
  };
  return worker;
}

/**
 * Resolves once no decode is in flight: a file read from browser storage must not be removed
 * while the worker still reads it ("New session", a session import).
 */
export async function decodesSettled(): Promise<void> {
  while (pending.size) await new Promise<void>((r) => setTimeout(r, 20));
}

/** Decode an image file in the worker (PIL's pixels; EXIF orientation as the store says), squared by mode. */
export function decodeInWorker(file: Blob, mode: SquareMode, exifOrientation: ExifOrientationMode = useApp.getState().exifOrientation): Promise<Decoded> {
  const reqId = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(reqId, { resolve, reject });
    get().postMessage({ reqId, file, mode, exifOrientation } satisfies DecodeRequest);
  });
}
