// Browser image decoding, in the decode worker (decode.worker.ts): the same decoder as the CLI
// (src/io/image_decode.ts), so the page's pixels are PIL.Image.open(f).convert('RGB') too. No
// createImageBitmap or canvas on the way in: they premultiply alpha, rotate by EXIF and cannot
// read CMYK as PIL does. The thumbnail is drawn from the decoded square, as the model sees it.
import jpegWasmUrl from '@cwasm/jpeg-turbo/jpeg-turbo.wasm?url';
import webpWasmUrl from '@jsquash/webp/codec/dec/webp_dec.wasm?url';
import { decodeImageFile, describeThrown, setWasmModules, type ExifOrientationMode } from '../io/image_decode.ts';
import { chwToRgba, rgbToSquareChw, type SquareImage, type SquareMode } from '../io/image_square.ts';

/** What a decode sends back besides the size and the summary (each costs the worker time and the page a transfer). */
export interface DecodeWants {
  /** the square pixels (the encoder's input) */
  pixels: boolean;
  /** the gallery's thumbnail */
  thumb: boolean;
}

export interface Decoded {
  width: number;
  height: number;
  /** The square pixels, when asked for. */
  square?: SquareImage;
  /** Their 32×32 block means (pixelSummary). */
  summary: SquareImage;
  /** The file had alpha or transparency; it was dropped (stored colours kept), as PIL's convert('RGB'). */
  transparent: boolean;
  /** EXIF orientation tag (1..8) or null; whether it was applied. */
  exifOrientation: number | null;
  orientationApplied: boolean;
  /** PNG of the square image as the model sees it, 96 px, when asked for. */
  thumb?: Blob;
}

const THUMB = 96;

const compile = (url: string) => async () => WebAssembly.compile(await (await fetch(url)).arrayBuffer());
setWasmModules({ jpeg: compile(jpegWasmUrl), webp: compile(webpWasmUrl) });

export async function decodeImage(blob: Blob, mode: SquareMode, exifOrientation: ExifOrientationMode = 'ignore', wants: DecodeWants = { pixels: true, thumb: true }): Promise<Decoded> {
  let d;
  try {
    d = await decodeImageFile(new Uint8Array(await blob.arrayBuffer()), { exifOrientation });
  } catch (e) {
    throw new Error(describeThrown(e));
  }
  const square = rgbToSquareChw(d.rgb, d.width, d.height, mode);
  return {
    width: d.width,
    height: d.height,
    square: wants.pixels ? square : undefined,
    summary: pixelSummary(square),
    transparent: d.hasAlpha,
    exifOrientation: d.exifOrientation,
    orientationApplied: d.orientationApplied,
    thumb: wants.thumb ? await thumbnail(square) : undefined,
  };
}

/** A 32×32 block mean of the square, by the statistics panel's block rule, for pixel-model RDMs. */
function pixelSummary(q: SquareImage, side = 32): SquareImage {
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

async function thumbnail(square: SquareImage): Promise<Blob> {
  const full = new ImageData(chwToRgba(square), square.size, square.size);
  const small = await createImageBitmap(full, { resizeWidth: THUMB, resizeHeight: THUMB, resizeQuality: 'high' });
  const c = new OffscreenCanvas(THUMB, THUMB);
  c.getContext('2d')!.drawImage(small, 0, 0);
  small.close();
  return c.convertToBlob({ type: 'image/png' });
}
