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
