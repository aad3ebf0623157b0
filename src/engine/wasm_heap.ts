// The wasm heap's plan: grown once per model load, for the backbone, the subject's encoder and
// a batch's workspace, instead of piecemeal (an emscripten heap never shrinks).
import * as tf from '@tensorflow/tfjs-core';

/** Free heap (heap size less tensors) beyond which reserveWasmHeap leaves the heap as it is. */
const REUSE_FREED_ABOVE = 64e6;

export interface HeapReservation {
  /**
   * Writes one byte per 4 KiB page of the reserved space, 32 MB at a time with a yield between:
   * the first write to each fresh page costs the operating system a page fault (seconds for
   * the 0.9 GB of a K = 250 subject), paid here while the shards are read
   * instead of during the upload. Stops at release().
   */
  prefault(): Promise<void>;
  /** Frees the reserved block: its space stays in the heap for the tensors that follow. */
  release(): void;
}

/**
 * wasm: grow the heap once, by `bytes`, ahead of an upload. An emscripten heap grows a fifth at
 * a time (up to 96 MiB past each request) and never shrinks: grown piecemeal while a subject
 * uploads and then encodes, it ends about a tenth above what its tensors use.
 * One allocation of everything to come, released before the upload, grows it to exactly that
 * size (a request above a fifth of the heap is met as asked), and the tensors then fill that
 * space. Null on other backends, and where earlier tensors freed space (a previous subject):
 * that space sits below the heap's end, where this allocation would not go, and the upload
 * reuses it.
 */
export function reserveWasmHeap(bytes: number): HeapReservation | null {
  if (tf.getBackend() !== 'wasm' || !(bytes > 0)) return null;
  const wasm = (tf.backend() as unknown as { wasm?: { _malloc?(n: number): number; _free?(p: number): void; HEAPU8?: Uint8Array } }).wasm;
  if (!wasm?._malloc || !wasm._free || !wasm.HEAPU8) return null;
  if (wasm.HEAPU8.buffer.byteLength - tf.memory().numBytes > REUSE_FREED_ABOVE) return null;
  const n = Math.ceil(bytes);
  let p = 0;
  try {
    p = wasm._malloc(n);
  } catch {
    return null; // out of memory: the upload itself will say so
  }
  if (!p) return null;
  let released = false;
  return {
    async prefault() {
      const PAGE = 4096;
      const SLICE = 32e6;
      for (let at = p; at < p + n && !released; at += SLICE) {
        const heap = wasm.HEAPU8!; // (a new view once the heap has grown)
        const end = Math.min(p + n, at + SLICE);
        for (let i = at; i < end; i += PAGE) heap[i] = 0; // (inside our block: allocator data untouched)
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    },
    release() {
      if (released) return;
      released = true;
      wasm._free!(p);
    },
  };
}

/**
 * The wasm heap an encode of `batch` images needs beside the weights (activations, the eight
 * taps, XNNPACK's buffers), measured at K = 250: within 47 MB at batch 1, 67 MB at 4, 87 MB at 16.
 */
export function wasmWorkspaceBytes(batch: number): number {
  return 40e6 + 3e6 * batch;
}

