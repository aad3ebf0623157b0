// Encoded responses, float32 [4, 63, 140] per image, keyed by model, backend, precision and pixels.
// Kept out of the zustand store (large typed arrays); the store's responsesVersion says when it changed.
import type { LoadedModelInfo } from './protocol.ts';

const cache = new Map<string, Float32Array>();

/** Responses differ by model, subject, backend and precision: each combination has its own. */
export function modelTag(m: LoadedModelInfo): string {
  return `${m.modelId}/${m.subject}@${m.backend}:${m.precision}`;
}

export function pixelKey(id: string, mode: string): string {
  return `${id}|${mode}`;
}

export function putResponse(tag: string, key: string, data: Float32Array) {
  cache.set(`${tag}|${key}`, data);
}

export function getResponse(tag: string, key: string): Float32Array | undefined {
  return cache.get(`${tag}|${key}`);
}

/** Forget an image's responses (it was removed from the gallery). */
export function dropImage(id: string) {
  for (const k of cache.keys()) if (k.includes(`|${id}|`)) cache.delete(k);
}
