// Decoded pixels are big (a 1000-px photo is 3 MB) and needed once, when the image is encoded:
// decodes keep them only while few are waiting, and encoding decodes the file again otherwise.
import type { SquareImage } from '../../io/image_square.ts';
import { decodeInWorker } from '../decode_client.ts';
import { pixelKey } from '../responses.ts';
import type { ImageItem } from '../state/store.ts';

const PIXEL_CACHE = 48;
const pixelCache = new Map<string, SquareImage>();

/** Keeps a decode's square pixels for the encode, while the cache has room. */
export function keepPixels(id: string, squareMode: string, square: SquareImage) {
  if (pixelCache.size < PIXEL_CACHE) pixelCache.set(pixelKey(id, squareMode), square);
}

/** The pixels to encode: kept from the gallery's decode, or decoded again (same decoder, same mode). */
export async function pixelsFor(it: ImageItem): Promise<SquareImage> {
  const key = pixelKey(it.id, it.squareMode!);
  const kept = pixelCache.get(key);
  if (kept) {
    pixelCache.delete(key);
    return kept;
  }
  const d = await decodeInWorker(it.file, it.squareMode!, undefined, true);
  return d.square;
}

export function dropPixels(id: string) {
  for (const k of pixelCache.keys()) if (k.startsWith(`${id}|`)) pixelCache.delete(k);
}

export function dropAllPixels() {
  pixelCache.clear();
}

/** A 32×32 block mean of the square, by the statistics panel's block rule, for pixel-model RDMs. */
export function pixelSummary(q: SquareImage, side = 32): SquareImage {
  const sum = new Float64Array(3 * side * side);
  const cnt = new Float64Array(side * side);
  const S = q.size;
  for (let y = 0; y < S; y++) {
    const by = Math.min(side - 1, Math.floor((y * side) / S));
    for (let x = 0; x < S; x++) {
      const k = by * side + Math.min(side - 1, Math.floor((x * side) / S));
      cnt[k]++;
      for (let c = 0; c < 3; c++) sum[c * side * side + k] += q.data[(c * S + y) * S + x];
    }
  }
  const data = new Uint8Array(3 * side * side);
  for (let c = 0; c < 3; c++) for (let k = 0; k < side * side; k++) data[c * side * side + k] = Math.round(sum[c * side * side + k] / cnt[k]);
  return { ...q, data, size: side };
}
