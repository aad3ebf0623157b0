// The pixel policy (docs/pixels.md): an image file's pixels are those of
// PIL.Image.open(f).convert('RGB'), in the page and in the CLI alike. One decoder per format,
// the same in both: PNG fast-png, JPEG libjpeg-turbo (wasm), WebP libwebp (@jsquash/webp, wasm),
// GIF gifuct-js, BMP our own (image_bmp.ts). No canvas, no createImageBitmap: a browser's
// decoders premultiply alpha, apply EXIF rotation and cannot read CMYK as PIL does.
// No DOM and no Node APIs here: the wasm modules come from setWasmModules() (decode.ts in the
// page's worker, cli/images.ts in Node).

import { decode as decodePng } from 'fast-png';
import { parseGIF, decompressFrame } from 'gifuct-js';
import decodeWebpWasm, { init as initWebp } from '@jsquash/webp/decode.js';
import { decodeBmp, bmpHeader } from './image_bmp.ts';
import { boundedPng, pngSize } from './image_png.ts';
import { decodeJpegTurbo } from './image_jpeg.ts';
import { jpegOrientation, orient, pngOrientation, webpOrientation, type ExifOrientationMode } from './image_exif.ts';

export type { ExifOrientationMode } from './image_exif.ts';

/** What the pixels are, for sidecars and the page. */
export const PIXEL_POLICY = 'PIL.Image.open(f).convert("RGB")';
/** Decoded-pixel limit checked from the header before decoding (PIL warns at 89 M and refuses 179 M). */
export const DEFAULT_MAX_PIXELS = 50_000_000;
/** File names the page and the CLI read (case-insensitive). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.bmp'] as const;
export const IMAGE_FILE = /\.(png|jpe?g|webp|gif|bmp)$/i;

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'bmp';

export interface DecodeOptions {
  /** 'ignore' (default, as PIL's Image.open) or 'apply' (as ImageOps.exif_transpose). */
  exifOrientation?: ExifOrientationMode;
  /** Largest width x height accepted; default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
}

export interface DecodedImage {
  /** uint8 [height, width, 3], row-major: np.asarray(PIL.Image.open(f).convert('RGB')). */
  rgb: Uint8Array;
  width: number;
  height: number;
  format: ImageFormat;
  /** PIL's mode for the file before convert('RGB') (RGB, RGBA, P, L, LA, I, 1, CMYK). */
  mode: string;
  /** The file has an alpha channel or transparency; it was dropped, not composited. */
  hasAlpha: boolean;
  /** The EXIF orientation tag (1..8), or null when the file has none. */
  exifOrientation: number | null;
  orientationApplied: boolean;
}

/** A file that is not a readable image, or is over the pixel limit. */
export class ImageDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

export interface WasmModules {
  jpeg: () => Promise<WebAssembly.Module>;
  webp: () => Promise<WebAssembly.Module>;
}

let sources: WasmModules | null = null;
let jpegModule: Promise<WebAssembly.Module> | null = null;
let webpReady: Promise<void> | null = null;

/** Where the wasm decoders come from in this environment (called once, before decoding). */
export function setWasmModules(s: WasmModules): void {
  sources = s;
  jpegModule = null;
  webpReady = null;
}

function need(): WasmModules {
  if (!sources) throw new Error('image decoders not initialised (setWasmModules)');
  return sources;
}

export function sniffFormat(b: Uint8Array): ImageFormat | null {
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return 'gif';
  if (b.length >= 26 && b[0] === 0x42 && b[1] === 0x4d) return 'bmp';
  return null;
}

function ascii(b: Uint8Array, o: number, n: number): string {
  return String.fromCharCode(...b.subarray(o, o + n));
}

/** A thrown value as text (errors from wasm glue and parsers are not always Errors). */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'string') return e;
  if (typeof e === 'number') return `decoder error code ${e}`;
  try {
    const s = JSON.stringify(e);
    if (s && s !== '{}') return s;
  } catch {
    // fall through
  }
  return Object.prototype.toString.call(e);
}

/** Width and height from a WebP's VP8 / VP8L / VP8X header. */
function webpSize(b: Uint8Array): { width: number; height: number; animated: boolean } {
  const kind = ascii(b, 12, 4);
  if (kind === 'VP8X' && b.length >= 30) {
    return { width: 1 + (b[24] | (b[25] << 8) | (b[26] << 16)), height: 1 + (b[27] | (b[28] << 8) | (b[29] << 16)), animated: (b[20] & 0x02) !== 0 };
  }
  if (kind === 'VP8L' && b.length >= 25 && b[20] === 0x2f) {
    const v = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return { width: 1 + (v & 0x3fff), height: 1 + ((v >>> 14) & 0x3fff), animated: false };
  }
  if (kind === 'VP8 ' && b.length >= 30 && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
    return { width: (b[26] | (b[27] << 8)) & 0x3fff, height: (b[28] | (b[29] << 8)) & 0x3fff, animated: false };
  }
  throw new Error('WebP header is unreadable');
}

/**
 * Decode one image file to PIL's convert('RGB') pixels. The size is checked against maxPixels
 * from the header, before any pixel buffer exists. Errors are ImageDecodeError with a plain message
 * (the caller adds the file name).
 */
export async function decodeImageFile(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedImage> {
  const format = sniffFormat(bytes);
  if (!format) throw new ImageDecodeError('not a decodable image: its bytes are not PNG, JPEG, WebP, GIF or BMP');
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const checkSize = (w: number, h: number) => {
    if (!(w > 0 && h > 0)) throw new ImageDecodeError(`image has no pixels (${w} x ${h})`);
    if (w * h > maxPixels) {
      throw new ImageDecodeError(`${w} x ${h} = ${(w * h / 1e6).toFixed(1)} megapixels is over the ${(maxPixels / 1e6).toFixed(1)}-megapixel limit (raise it with maxPixels / --max-pixels if the file is trusted)`);
    }
  };
  let d: Omit<DecodedImage, 'format' | 'exifOrientation' | 'orientationApplied'>;
  let tag: number | null = null;
  try {
    switch (format) {
      case 'png': {
        const s = pngSize(bytes);
        checkSize(s.width, s.height);
        d = pngToRgb(boundedPng(bytes));
        tag = pngOrientation(bytes);
        break;
      }
      case 'jpeg': {
        const m = await (jpegModule ??= need().jpeg());
        const j = decodeJpegTurbo(m, bytes, checkSize);
        d = { ...j, hasAlpha: false };
        tag = jpegOrientation(bytes);
        break;
      }
      case 'webp': {
        const s = webpSize(bytes);
        checkSize(s.width, s.height);
        if (s.animated) throw new ImageDecodeError('animated WebP is not supported; save its first frame as a still image');
        d = await webpToRgb(bytes);
        tag = webpOrientation(bytes);
        break;
      }
      case 'gif':
        d = gifToRgb(bytes, checkSize);
        break;
      case 'bmp': {
        const h = bmpHeader(bytes);
        checkSize(h.width, h.height);
        const r = decodeBmp(bytes);
        d = { ...r, hasAlpha: false };
        break;
      }
    }
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    throw new ImageDecodeError(`not a readable ${format.toUpperCase()} (${describeThrown(e)})`);
  }
  const apply = opts.exifOrientation === 'apply' && tag !== null && tag !== 1;
  if (apply) {
    const o = orient(d.rgb, d.width, d.height, 3, tag!);
    d = { ...d, rgb: o.px, width: o.width, height: o.height };
  }
  return { ...d, format, exifOrientation: tag, orientationApplied: apply };
}

/** PIL's default palette is a grey ramp: indices past a short palette read as (i, i, i). */
function paletteLut(colors: ArrayLike<ArrayLike<number>> | undefined): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.fill(i, 3 * i, 3 * i + 3);
  const n = Math.min(256, colors?.length ?? 0);
  for (let i = 0; i < n; i++) {
    const c = colors![i];
    lut[3 * i] = c[0];
    lut[3 * i + 1] = c[1];
    lut[3 * i + 2] = c[2];
  }
  return lut;
}

function pngToRgb(bytes: Uint8Array): Omit<DecodedImage, 'format' | 'exifOrientation' | 'orientationApplied'> {
  const png = decodePng(bytes);
  const { width: w, height: h, depth, channels } = png;
  const data = png.data;
  const n = w * h;
  const rgb = new Uint8Array(n * 3);
  const trns = png.transparency !== undefined && png.transparency.length > 0;
  if (png.palette) {
    const lut = paletteLut(png.palette as ArrayLike<ArrayLike<number>>);
    const idx = unpackSamples(data as Uint8Array, w, h, depth);
    for (let i = 0; i < n; i++) {
      const k = 3 * idx[i];
      rgb[3 * i] = lut[k];
      rgb[3 * i + 1] = lut[k + 1];
      rgb[3 * i + 2] = lut[k + 2];
    }
    return { rgb, width: w, height: h, mode: 'P', hasAlpha: trns };
  }
  if (channels <= 2) {
    // Grey: PIL scales 1/2/4-bit samples to 0..255; 16-bit grey opens as mode I and convert clips at 255.
    if (depth === 16) {
      for (let i = 0; i < n; i++) rgb.fill(Math.min(255, data[i * channels]), 3 * i, 3 * i + 3);
    } else if (depth === 8) {
      for (let i = 0; i < n; i++) rgb.fill(data[i * channels], 3 * i, 3 * i + 3);
    } else {
      const v = unpackSamples(data as Uint8Array, w, h, depth);
      const scale = 255 / ((1 << depth) - 1);
      for (let i = 0; i < n; i++) rgb.fill(v[i] * scale, 3 * i, 3 * i + 3);
    }
    const mode = channels === 2 ? 'LA' : depth === 16 ? 'I' : depth === 1 ? '1' : 'L';
    return { rgb, width: w, height: h, mode, hasAlpha: channels === 2 || trns };
  }
  // RGB / RGBA: PIL keeps the high byte of 16-bit samples; alpha is dropped.
  const shift = depth === 16 ? 8 : 0;
  for (let i = 0; i < n; i++) {
    const s = i * channels;
    rgb[3 * i] = data[s] >> shift;
    rgb[3 * i + 1] = data[s + 1] >> shift;
    rgb[3 * i + 2] = data[s + 2] >> shift;
  }
  return { rgb, width: w, height: h, mode: channels === 4 ? 'RGBA' : 'RGB', hasAlpha: channels === 4 || trns };
}

/** Sub-byte samples as fast-png returns them: packed, each row starting on a byte. */
function unpackSamples(data: Uint8Array, w: number, h: number, depth: number): Uint8Array {
  if (depth === 8) return data;
  const out = new Uint8Array(w * h);
  const perByte = 8 / depth;
  const rowBytes = Math.ceil(w / perByte);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const byte = data[y * rowBytes + Math.floor(x / perByte)];
      out[y * w + x] = (byte >> ((perByte - 1 - (x % perByte)) * depth)) & mask;
    }
  }
  return out;
}

async function webpToRgb(bytes: Uint8Array): Promise<Omit<DecodedImage, 'format' | 'exifOrientation' | 'orientationApplied'>> {
  webpReady ??= need().webp().then((m) => initWebp(m));
  await webpReady;
  ensureImageData();
  const img = await decodeWebpWasm(bytes.slice().buffer as ArrayBuffer);
  const { width: w, height: h } = img;
  const src = img.data;
  const rgb = new Uint8Array(w * h * 3);
  let alpha = false;
  for (let i = 0; i < w * h; i++) {
    rgb[3 * i] = src[4 * i];
    rgb[3 * i + 1] = src[4 * i + 1];
    rgb[3 * i + 2] = src[4 * i + 2];
  }
  // PIL's mode is RGBA when the file declares alpha (VP8X flag or a VP8L alpha hint).
  const kind = ascii(bytes, 12, 4);
  if (kind === 'VP8X') alpha = (bytes[20] & 0x10) !== 0;
  else if (kind === 'VP8L') alpha = (bytes[24] & 0x10) !== 0;
  return { rgb, width: w, height: h, mode: alpha ? 'RGBA' : 'RGB', hasAlpha: alpha };
}

/** The emscripten glue builds an ImageData, which Node lacks. */
function ensureImageData(): void {
  (globalThis as { ImageData?: unknown }).ImageData ??= class {
    constructor(
      public data: Uint8ClampedArray,
      public width: number,
      public height: number,
    ) {}
  };
}

/**
 * GIF: PIL's first frame. The canvas is the logical screen; outside the frame's rectangle it holds
 * the frame's transparent index (else index 0); every pixel, transparent or not, is looked up in
 * the frame's palette (local, else global).
 */
function gifToRgb(bytes: Uint8Array, checkSize: (w: number, h: number) => void): Omit<DecodedImage, 'format' | 'exifOrientation' | 'orientationApplied'> {
  const head = new DataView(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 10));
  if (bytes.length < 10) throw new Error('GIF header is truncated');
  const W = head.getUint16(6, true);
  const H = head.getUint16(8, true);
  checkSize(W, H);
  const gif = parseGIF(bytes.slice().buffer as ArrayBuffer);
  const frame = gif.frames.find((f) => 'image' in f);
  if (!frame || !('image' in frame)) throw new Error('GIF has no image');
  const dsc = frame.image.descriptor;
  checkSize(dsc.width, dsc.height);
  const f = decompressFrame(frame, gif.gct, false);
  const trns = f.transparentIndex;
  const lut = paletteLut(f.colorTable);
  const idx = new Uint8Array(W * H).fill(trns ?? 0);
  for (let y = 0; y < dsc.height; y++) {
    const ty = dsc.top + y;
    if (ty >= H) break;
    for (let x = 0; x < dsc.width; x++) {
      const tx = dsc.left + x;
      if (tx < W) idx[ty * W + tx] = f.pixels[y * dsc.width + x] ?? 0;
    }
  }
  const rgb = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) {
    const k = 3 * idx[i];
    rgb[3 * i] = lut[k];
    rgb[3 * i + 1] = lut[k + 1];
    rgb[3 * i + 2] = lut[k + 2];
  }
  return { rgb, width: W, height: H, mode: 'P', hasAlpha: trns !== undefined };
}
