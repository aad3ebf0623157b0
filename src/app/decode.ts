// Browser image decoding, in the decode worker (decode.worker.ts): the same decoder as the CLI
// (src/io/image_decode.ts), so the page's pixels are PIL.Image.open(f).convert('RGB') too. No
// createImageBitmap or canvas on the way in: they premultiply alpha, rotate by EXIF and cannot
// read CMYK as PIL does. The thumbnail is drawn from the decoded square, as the model sees it.
import jpegWasmUrl from '@cwasm/jpeg-turbo/jpeg-turbo.wasm?url';
import webpWasmUrl from '@jsquash/webp/codec/dec/webp_dec.wasm?url';
import { decodeImageFile, describeThrown, setWasmModules, type ExifOrientationMode } from '../io/image_decode.ts';
import { chwToRgba, rgbToSquareChw, type SquareImage, type SquareMode } from '../io/image_square.ts';

export interface Decoded {
  width: number;
  height: number;
  square: SquareImage;
  /** The file had alpha or transparency; it was dropped (stored colours kept), as PIL's convert('RGB'). */
  transparent: boolean;
  /** EXIF orientation tag (1..8) or null; whether it was applied. */
  exifOrientation: number | null;
  orientationApplied: boolean;
  /** PNG of the square image as the model sees it, 96 px. */
  thumb: Blob;
}

const THUMB = 96;

const compile = (url: string) => async () => WebAssembly.compile(await (await fetch(url)).arrayBuffer());
setWasmModules({ jpeg: compile(jpegWasmUrl), webp: compile(webpWasmUrl) });

export async function decodeImage(blob: Blob, mode: SquareMode, exifOrientation: ExifOrientationMode = 'ignore'): Promise<Decoded> {
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
    square,
    transparent: d.hasAlpha,
    exifOrientation: d.exifOrientation,
    orientationApplied: d.orientationApplied,
    thumb: await thumbnail(square),
  };
}

async function thumbnail(square: SquareImage): Promise<Blob> {
  const full = new ImageData(chwToRgba(square), square.size, square.size);
  const small = await createImageBitmap(full, { resizeWidth: THUMB, resizeHeight: THUMB, resizeQuality: 'high' });
  const c = new OffscreenCanvas(THUMB, THUMB);
  c.getContext('2d')!.drawImage(small, 0, 0);
  small.close();
  return c.convertToBlob({ type: 'image/png' });
}
