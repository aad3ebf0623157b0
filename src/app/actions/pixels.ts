// Decoded pixels are big (a 1000-px photo is 3 MB) and needed once, when the image is encoded:
// decodes keep them only while few are waiting, and encoding decodes the file again otherwise.
import type { SquareImage } from '../../io/image_square.ts';
import { decodeInWorker } from '../decode_client.ts';
import { pixelKey } from '../responses.ts';
import type { ImageItem } from '../state/store.ts';

const PIXEL_CACHE = 48;
const pixelCache = new Map<string, SquareImage>();

/** Whether a gallery decode should ask for the pixels too: the cache has room for them. */
export function roomForPixels(): boolean {
  return pixelCache.size < PIXEL_CACHE;
}

/** Keeps a decode's square pixels for the encode, while the cache has room. */
export function keepPixels(id: string, squareMode: string, square: SquareImage | undefined) {
  if (square && pixelCache.size < PIXEL_CACHE) pixelCache.set(pixelKey(id, squareMode), square);
}

/** The pixels to encode: kept from the gallery's decode, or decoded again (same decoder, same mode). */
export async function pixelsFor(it: ImageItem): Promise<SquareImage> {
  const key = pixelKey(it.id, it.squareMode!);
  const kept = pixelCache.get(key);
  if (kept) {
    pixelCache.delete(key);
    return kept;
  }
  const d = await decodeInWorker(it.file, it.squareMode!, { first: true, pixels: true });
  return d.square!;
}

export function dropPixels(id: string) {
  for (const k of pixelCache.keys()) if (k.startsWith(`${id}|`)) pixelCache.delete(k);
}

export function dropAllPixels() {
  pixelCache.clear();
}
