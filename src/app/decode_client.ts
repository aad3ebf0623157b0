// The main thread's side of the decode worker: one promise per image. At most IN_FLIGHT files are
// with the worker at once and the rest wait here: every answer carries the image's pixels, and a
// folder of 10,000 files sent at once piled up answers (gigabytes of pixels) faster than the page
// took them in.
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
/** requests not yet sent, oldest first; the encoder's go before the gallery's */
const waiting: DecodeRequest[] = [];
const urgent: DecodeRequest[] = [];
const IN_FLIGHT = 4;
let sent = 0;

function pump() {
  while (sent < IN_FLIGHT && (urgent.length || waiting.length)) {
    const req = (urgent.length ? urgent : waiting).shift()!;
    sent++;
    get().postMessage(req);
  }
}

function get(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./decode.worker.ts', import.meta.url), { type: 'module', name: 'decode' });
  worker.onmessage = (ev: MessageEvent<DecodeReply>) => {
    sent = Math.max(0, sent - 1);
    pump();
    const p = pending.get(ev.data.reqId);
    if (!p) return;
    pending.delete(ev.data.reqId);
    if (ev.data.ok) p.resolve(ev.data.decoded);
    else p.reject(new Error(ev.data.message));
  };
  worker.onerror = (ev) => {
    for (const p of pending.values()) p.reject(new Error(ev.message || 'The image decoder failed to start'));
    pending.clear();
    waiting.length = 0;
    urgent.length = 0;
    sent = 0;
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

/**
 * Decode an image file in the worker (PIL's pixels; EXIF orientation as the store says), squared
 * by mode. `first`: ahead of the requests waiting without it (the encoder's pixels, which the
 * engine waits for, before a gallery's backlog of thumbnails).
 */
export function decodeInWorker(file: Blob, mode: SquareMode, exifOrientation: ExifOrientationMode = useApp.getState().exifOrientation, first = false): Promise<Decoded> {
  const reqId = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(reqId, { resolve, reject });
    (first ? urgent : waiting).push({ reqId, file, mode, exifOrientation });
    pump();
  });
}
