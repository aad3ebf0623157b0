// Shared helpers for tests: golden files and error measures.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseNpy } from '../src/io/npy.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export function loadNpy(relPath: string) {
  return parseNpy(new Uint8Array(readFileSync(ROOT + relPath)), relPath);
}

export function loadJson<T = unknown>(relPath: string): T {
  return JSON.parse(readFileSync(ROOT + relPath, 'utf8')) as T;
}

/** One tap's values for each of the `batch` feature vectors [batch, 205672] (BERG's channel-major order). */
export function tapValues(features: Float32Array, tap: { offset: number; size: number }, batch: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < batch; b++) {
    const o = b * 205_672 + tap.offset;
    out.push(...features.subarray(o, o + tap.size));
  }
  return out;
}

/** max |a - b| and max |ref| over the whole arrays. */
export function maxErr(got: ArrayLike<number>, ref: ArrayLike<number>): { err: number; ref: number; rel: number } {
  if (got.length !== ref.length) throw new Error(`length ${got.length} != ${ref.length}`);
  let err = 0;
  let mx = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(got[i] - ref[i]));
    mx = Math.max(mx, Math.abs(ref[i]));
  }
  return { err, ref: mx, rel: err / mx };
}
