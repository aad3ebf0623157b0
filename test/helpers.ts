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
