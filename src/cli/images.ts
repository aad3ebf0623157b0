// Stimuli for the CLI: a uint8 .npy [B, 3, H, W] read batch by batch, or a folder of image files
// decoded one by one, so a million images never sit in memory at once. Files are decoded by the
// same module as the page (src/io/image_decode.ts): pixels are PIL.Image.open(f).convert('RGB')
// (docs/pixels.md); EXIF orientation is ignored unless exifOrientation is 'apply'.

import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, basename } from 'node:path';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseNpyHeader } from '../io/npy.ts';
import { rgbToSquareChw } from '../io/image_square.ts';
import { decodeImageFile, describeThrown, IMAGE_FILE, setWasmModules, DEFAULT_MAX_PIXELS, type DecodedImage, type ExifOrientationMode } from '../io/image_decode.ts';
import { StimulusError } from '../core/errors.ts';

export { PIXEL_POLICY, DEFAULT_MAX_PIXELS } from '../io/image_decode.ts';

export interface Stimulus {
  name: string;
  /** uint8 [3, size, size] */
  data: Uint8Array;
  size: number;
  /** width x height of the decoded image (after orientation, when applied) */
  width: number;
  height: number;
  cropped: boolean;
  /** The file's EXIF orientation tag (1..8), or null (none, or a .npy input). */
  exifOrientation: number | null;
  orientationApplied: boolean;
}

export interface StimulusSet {
  count: number;
  describe: string;
  /** Images [start, start + n). */
  read(start: number, n: number): Promise<Stimulus[]>;
  /** Names of images [start, end) without decoding them. */
  names(start: number, end: number): string[];
  /** Folder entries not encoded, and why (a .npy input skips nothing). */
  skipped: { name: string; reason: string }[];
  close(): Promise<void>;
}

export interface StimulusOptions {
  /** 'ignore' (default: as PIL's Image.open, as BERG users load images) or 'apply'. */
  exifOrientation?: ExifOrientationMode;
  /** Decoded-pixel limit per image, checked from the file's header; default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
}

/** Node's single read() takes at most 2 GiB - 1 bytes; stay well under it. */
const READ_CHUNK = 1 << 30;

export async function openStimuli(path: string, options: StimulusOptions = {}): Promise<StimulusSet> {
  const exif = options.exifOrientation ?? 'ignore';
  if (exif !== 'ignore' && exif !== 'apply') throw new StimulusError(`exifOrientation must be 'ignore' or 'apply'; got '${String(exif)}'`);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(Number.isInteger(maxPixels) && maxPixels > 0)) throw new StimulusError(`maxPixels must be a positive integer; got ${String(maxPixels)}`);
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new StimulusError(`--images ${path}: no such file or folder`);
  }
  return st.isDirectory() ? openFolder(path, { exifOrientation: exif, maxPixels }) : openNpy(path);
}

async function openNpy(path: string): Promise<StimulusSet> {
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(Math.min(65536, (await fh.stat()).size));
    await fh.read(head, 0, head.length, 0);
    const h = parseNpyHeader(head, basename(path));
    if (h.dtype.descr !== '|u1') throw new StimulusError(`${path}: images must be uint8 (dtype |u1); this .npy holds ${h.dtype.descr}: convert with x.astype(np.uint8) after checking the 0..255 range`);
    if (h.shape.length !== 4 || h.shape[1] !== 3) throw new StimulusError(`${path}: images must have shape [B, 3, H, W]; got (${h.shape.join(', ')})`);
    if (h.shape[2] !== h.shape[3]) throw new StimulusError(`${path}: images must be square (H == W); got ${h.shape[2]}x${h.shape[3]}`);
    if (h.fortranOrder) throw new StimulusError(`${path}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray(x)`);
    const [count, , size] = h.shape;
    const per = 3 * size * size;
    const expected = h.headerLength + count * per;
    const actual = (await fh.stat()).size;
    if (actual < expected) throw new StimulusError(`${path}: file is truncated (${actual} bytes, expected ${expected})`);
    return {
      count,
      describe: `${path} (${count} images, ${size}x${size})`,
      async read(start, n) {
        const buf = new Uint8Array(n * per);
        for (let off = 0; off < buf.length; ) {
          const len = Math.min(READ_CHUNK, buf.length - off);
          const { bytesRead } = await fh.read(buf, off, len, h.headerLength + start * per + off);
          if (bytesRead === 0) throw new StimulusError(`${path}: file ended early while reading images ${start}..${start + n - 1}`);
          off += bytesRead;
        }
        return Array.from({ length: n }, (_, i) => ({
          name: `${basename(path)}[${start + i}]`,
          data: buf.subarray(i * per, (i + 1) * per),
          size,
          width: size,
          height: size,
          cropped: false,
          exifOrientation: null,
          orientationApplied: false,
        }));
      },
      names: (start, end) => Array.from({ length: end - start }, (_, i) => `${basename(path)}[${start + i}]`),
      skipped: [],
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

let nodeWasm = false;

/** Point the shared decoder at the wasm files in node_modules (once per process). */
export function useNodeWasm(): void {
  if (nodeWasm) return;
  const req = createRequire(import.meta.url);
  const compile = (spec: string) => () => WebAssembly.compile(readFileSync(req.resolve(spec)));
  setWasmModules({ jpeg: compile('@cwasm/jpeg-turbo/jpeg-turbo.wasm'), webp: compile('@jsquash/webp/codec/dec/webp_dec.wasm') });
  nodeWasm = true;
}

/** Decode one image file (PNG, JPEG, WebP, GIF, BMP) to the policy's RGB pixels; errors name the file. */
export async function decodeFile(bytes: Uint8Array, name: string, options: StimulusOptions = {}): Promise<DecodedImage> {
  useNodeWasm();
  try {
    return await decodeImageFile(bytes, options);
  } catch (e) {
    throw new StimulusError(`${name}: ${describeThrown(e)}`);
  }
}

/** RGBA (alpha 255) view of a decoded file, for callers that take canvas-style pixels. */
export async function decodeImage(bytes: Uint8Array, name: string, options: StimulusOptions = {}): Promise<{ rgba: Uint8Array; width: number; height: number }> {
  const d = await decodeFile(bytes, name, options);
  const rgba = new Uint8Array(d.width * d.height * 4);
  for (let i = 0, n = d.width * d.height; i < n; i++) {
    rgba[4 * i] = d.rgb[3 * i];
    rgba[4 * i + 1] = d.rgb[3 * i + 1];
    rgba[4 * i + 2] = d.rgb[3 * i + 2];
    rgba[4 * i + 3] = 255;
  }
  return { rgba, width: d.width, height: d.height };
}

async function openFolder(dir: string, options: Required<StimulusOptions>): Promise<StimulusSet> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names: string[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) skipped.push({ name: e.name, reason: 'hidden file' });
    else if (e.isDirectory()) skipped.push({ name: e.name, reason: 'folder (subfolders are not read)' });
    else if (!IMAGE_FILE.test(e.name)) skipped.push({ name: e.name, reason: 'not an image file name (.png .jpg .jpeg .webp .gif .bmp)' });
    else names.push(e.name);
  }
  names.sort();
  skipped.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (names.length === 0) throw new StimulusError(`${dir}: no .png, .jpg, .jpeg, .webp, .gif or .bmp files found`);
  return {
    count: names.length,
    describe: `${dir} (${names.length} image files)`,
    async read(start, n) {
      const out: Stimulus[] = [];
      for (const name of names.slice(start, start + n)) {
        const path = join(dir, name);
        const d = await decodeFile(new Uint8Array(await readFile(path)), path, options);
        const sq = rgbToSquareChw(d.rgb, d.width, d.height, 'crop');
        out.push({ name, data: sq.data, size: sq.size, width: d.width, height: d.height, cropped: d.width !== d.height, exifOrientation: d.exifOrientation, orientationApplied: d.orientationApplied });
      }
      return out;
    },
    names: (start, end) => names.slice(start, end),
    skipped,
    close: async () => {},
  };
}
