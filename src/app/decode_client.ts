// The main thread's side of the decode worker: one promise per image. At most IN_FLIGHT files are
// with the worker at once and the rest wait here: every answer carries the image's pixels, and a
// folder of 10,000 files sent at once piled up answers (gigabytes of pixels) faster than the page
// took them in.
import type { SquareMode } from '../io/image_square.ts';
import type { ExifOrientationMode } from '../io/image_decode.ts';
import type { Decoded, DecodeWants } from './decode.ts';
import { useApp } from './state/store.ts';

export interface DecodeRequest {
  reqId: number;
  file: Blob;
  mode: SquareMode;
  exifOrientation: ExifOrientationMode;
  wants: DecodeWants;
}
export type DecodeReply = { reqId: number; ok: true; decoded: Decoded } | { reqId: number; ok: false; message: string };

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, { resolve: (d: Decoded) => void; reject: (e: Error) => void }>();
/**
 * Requests not yet sent, oldest first, taken from the front by an index: shift() moves every
 * element, and a folder of 10,000 files made each send cost 10,000 moves.
 */
class Queue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  get length() {
    return this.items.length - this.head;
  }
  push(x: T) {
    this.items.push(x);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
  clear() {
    this.items = [];
    this.head = 0;
  }
}
// the encoder's go before the gallery's; whether a request wants the pixels may be decided when it is sent
type Waiting = Omit<DecodeRequest, 'wants'> & { wants: { pixels: boolean | (() => boolean); thumb: boolean } };
const waiting = new Queue<Waiting>();
const urgent = new Queue<Waiting>();
const IN_FLIGHT = 4;
let sent = 0;

function pump() {
  while (sent < IN_FLIGHT && (urgent.length || waiting.length)) {
    const req = (urgent.length ? urgent : waiting).shift()!;
    sent++;
    const pixels = typeof req.wants.pixels === 'function' ? req.wants.pixels() : req.wants.pixels;
    get().postMessage({ ...req, wants: { ...req.wants, pixels } } satisfies DecodeRequest);
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
    waiting.clear();
    urgent.clear();
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

export interface DecodeOptions {
  /** the square pixels too: yes, no, or asked when the request goes to the worker (a cache with room by then) */
  pixels?: boolean | (() => boolean);
  /** the gallery's thumbnail too */
  thumb?: boolean;
  /** EXIF orientation: as the store says by default */
  exifOrientation?: ExifOrientationMode;
  /** ahead of the requests waiting without it (the encoder's pixels, which the engine waits for, before a gallery's backlog of thumbnails) */
  first?: boolean;
}

/**
 * Decode an image file in the worker (PIL's pixels), squared by mode: its size and pixel summary,
 * and the square pixels and the thumbnail where `pixels` and `thumb` ask for them.
 */
export function decodeInWorker(file: Blob, mode: SquareMode, opts: DecodeOptions = {}): Promise<Decoded> {
  const reqId = nextId++;
  const exifOrientation = opts.exifOrientation ?? useApp.getState().exifOrientation;
  const wants = { pixels: opts.pixels ?? false, thumb: opts.thumb ?? false };
  return new Promise((resolve, reject) => {
    pending.set(reqId, { resolve, reject });
    (opts.first ? urgent : waiting).push({ reqId, file, mode, exifOrientation, wants });
    pump();
  });
}
