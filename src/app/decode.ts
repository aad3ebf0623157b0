// Browser image decoding: EXIF orientation applied, no colour-space conversion and no alpha
// premultiplication (pixel values as stored in the file, as PIL would read them). Runs in the
// decode worker (decode.worker.ts): a 12-megapixel photo takes longer than a frame to read.
import { chwToRgba, hasTransparency, rgbaToSquareChw, type SquareImage, type SquareMode } from '../io/image_square.ts';

export interface Decoded {
  width: number;
  height: number;
  square: SquareImage;
  transparent: boolean;
  /** PNG of the square image as the model sees it, 96 px. */
  thumb: Blob;
}

const THUMB = 96;

export async function decodeImage(blob: Blob, mode: SquareMode): Promise<Decoded> {
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch {
    const what = blob.type ? `type ${blob.type}` : 'unknown type';
    throw new Error(`not a decodable image (${what}, ${blob.size} bytes)`);
  }
  try {
    const { width, height } = bmp;
    if (!width || !height) throw new Error('image has no pixels');
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' });
    if (!ctx) throw new Error('no 2-D canvas available to read pixels');
    ctx.drawImage(bmp, 0, 0);
    const rgba = ctx.getImageData(0, 0, width, height, { colorSpace: 'srgb' }).data;
    const square = rgbaToSquareChw(rgba, width, height, mode);
    return { width, height, square, transparent: hasTransparency(rgba), thumb: await thumbnail(square) };
  } finally {
    bmp.close();
  }
}

async function thumbnail(square: SquareImage): Promise<Blob> {
  const full = new ImageData(chwToRgba(square), square.size, square.size);
  const small = await createImageBitmap(full, { resizeWidth: THUMB, resizeHeight: THUMB, resizeQuality: 'high' });
  const c = new OffscreenCanvas(THUMB, THUMB);
  c.getContext('2d')!.drawImage(small, 0, 0);
  small.close();
  return c.convertToBlob({ type: 'image/png' });
}
