// Values read from the store that other values follow from: the loaded model's channels and times
// (the defaults until one is loaded) and how an image is squared.
import type { SquareMode } from '../../io/image_square.ts';
import { DEFAULT_CH_NAMES, DEFAULT_TIMES, useApp, type AppState, type ImageItem } from './store.ts';

export function chNames(s: AppState = useApp.getState()): string[] {
  return s.model?.chNames ?? DEFAULT_CH_NAMES;
}

export function times(s: AppState = useApp.getState()): number[] {
  return s.model?.times ?? DEFAULT_TIMES;
}

export function effectiveMode(item: ImageItem, s: AppState = useApp.getState()): SquareMode {
  return item.mode ?? s.globalMode;
}

/** The mode the pixels need: square images are the same under every mode, so they stay 'crop' (one cache entry). */
export function pixelMode(item: ImageItem, s: AppState = useApp.getState()): SquareMode {
  return item.width !== undefined && item.width === item.height ? 'crop' : effectiveMode(item, s);
}

/** Whether the image's EXIF tag turns it (its pixels then depend on the EXIF switch). */
export const turnedByExif = (it: ImageItem): boolean => it.exifOrientation != null && it.exifOrientation !== 1;

// Each image list's positions by id, made once per list: the store's list is a new array on every
// change, and a walk per image over it (one per decode, at thousands of images) is quadratic.
const positions = new WeakMap<readonly { id: string }[], Map<string, number>>();

/** The position of the item with this id in `list` (the store's images or Encoded.items), or -1. */
export function indexById(list: readonly { id: string }[], id: string): number {
  let at = positions.get(list);
  if (!at) {
    at = new Map();
    for (let i = 0; i < list.length; i++) if (!at.has(list[i].id)) at.set(list[i].id, i);
    positions.set(list, at);
  }
  return at.get(id) ?? -1;
}

/** The store's image with this id, or undefined. */
export function imageById(id: string, s: AppState = useApp.getState()): ImageItem | undefined {
  const i = indexById(s.images, id);
  return i < 0 ? undefined : s.images[i];
}
