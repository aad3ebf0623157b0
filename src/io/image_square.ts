// Pure pixel logic: decoded RGBA -> square uint8 RGB, channel-major [3, S, S], as BERG expects.
// Non-square images are centre-cropped (default) or padded to a square.

export type SquareMode = 'crop' | 'pad-mean' | 'pad-black';

/** uint8 RGB used for padding: ImageNet mean (0.485, 0.456, 0.406) x 255, i.e. ~0 after normalisation; or black. */
export const PAD_RGB: Record<Exclude<SquareMode, 'crop'>, [number, number, number]> = {
  'pad-mean': [124, 116, 104],
  'pad-black': [0, 0, 0],
};

export const SQUARE_MODE_LABEL: Record<SquareMode, string> = {
  crop: 'centre crop',
  'pad-mean': 'pad with ImageNet mean grey (124, 116, 104)',
  'pad-black': 'pad with black (0, 0, 0)',
};

/** Python's round(): halves go to the even neighbour (torchvision's center_crop offset uses it). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export interface SquareGeometry {
  /** Side of the square output. */
  size: number;
  /** Source rectangle copied (crop: the centred square; pad: the whole image). */
  srcX: number;
  srcY: number;
  srcW: number;
  srcH: number;
  /** Where it lands in the output. */
  dstX: number;
  dstY: number;
}

/**
 * Crop: side = min(w, h); offsets follow torchvision.transforms.functional.center_crop
 * (round((h - side) / 2) with Python rounding). Pad: side = max(w, h); the image is centred,
 * the odd pixel of padding goes right/bottom (as torchvision pads before a larger crop).
 */
export function squareGeometry(w: number, h: number, mode: SquareMode): SquareGeometry {
  if (!(w > 0 && h > 0)) throw new Error(`Image has no pixels (${w} x ${h})`);
  if (mode === 'crop') {
    const size = Math.min(w, h);
    return { size, srcX: roundHalfEven((w - size) / 2), srcY: roundHalfEven((h - size) / 2), srcW: size, srcH: size, dstX: 0, dstY: 0 };
  }
  const size = Math.max(w, h);
  return { size, srcX: 0, srcY: 0, srcW: w, srcH: h, dstX: Math.floor((size - w) / 2), dstY: Math.floor((size - h) / 2) };
}

export interface SquareImage {
  /** uint8 [3, size, size], channel-major. */
  data: Uint8Array;
  size: number;
}

/** RGBA (row-major, 4 bytes per pixel, alpha ignored) -> square CHW uint8. */
export function rgbaToSquareChw(rgba: ArrayLike<number>, w: number, h: number, mode: SquareMode): SquareImage {
  return toSquareChw(rgba, 4, w, h, mode);
}

/** RGB (row-major, 3 bytes per pixel: the decoder's output) -> square CHW uint8. */
export function rgbToSquareChw(rgb: ArrayLike<number>, w: number, h: number, mode: SquareMode): SquareImage {
  return toSquareChw(rgb, 3, w, h, mode);
}

function toSquareChw(px: ArrayLike<number>, c: 3 | 4, w: number, h: number, mode: SquareMode): SquareImage {
  const what = c === 4 ? 'RGBA' : 'RGB';
  if (px.length !== w * h * c) throw new Error(`${what} buffer has ${px.length} bytes, expected ${w * h * c}`);
  const g = squareGeometry(w, h, mode);
  const S = g.size;
  const plane = S * S;
  const out = new Uint8Array(3 * plane);
  if (mode !== 'crop') {
    const [r, gg, b] = PAD_RGB[mode];
    out.fill(r, 0, plane);
    out.fill(gg, plane, 2 * plane);
    out.fill(b, 2 * plane, 3 * plane);
  }
  for (let y = 0; y < g.srcH; y++) {
    const srcRow = ((g.srcY + y) * w + g.srcX) * c;
    const dstRow = (g.dstY + y) * S + g.dstX;
    for (let x = 0; x < g.srcW; x++) {
      const s = srcRow + c * x;
      const d = dstRow + x;
      out[d] = px[s];
      out[plane + d] = px[s + 1];
      out[2 * plane + d] = px[s + 2];
    }
  }
  return { data: out, size: S };
}

/** True when some pixel is not fully opaque (its colour then depends on how the browser composited it). */
export function hasTransparency(rgba: ArrayLike<number>): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return true;
  return false;
}

/** Square CHW -> RGBA of the same size (for thumbnails of exactly what the model sees). */
export function chwToRgba(img: SquareImage): Uint8ClampedArray<ArrayBuffer> {
  const plane = img.size * img.size;
  const out = new Uint8ClampedArray(plane * 4);
  for (let p = 0; p < plane; p++) {
    out[4 * p] = img.data[p];
    out[4 * p + 1] = img.data[plane + p];
    out[4 * p + 2] = img.data[2 * plane + p];
    out[4 * p + 3] = 255;
  }
  return out;
}
