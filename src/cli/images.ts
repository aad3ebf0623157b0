// Stimuli for the CLI: a uint8 .npy [B, 3, H, W] read batch by batch, or a folder of PNG/JPEG
// files decoded one by one, so a million images never sit in memory at once.
// JPEGs are decoded with libjpeg-turbo's algorithms (MozJPEG compiled to wasm: islow IDCT, fancy
// chroma upsampling), which gives PIL's pixels exactly; like PIL's Image.open, the EXIF orientation
// tag is not applied here.

import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, basename } from 'node:path';
import { PNG } from 'pngjs';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import decodeJpeg, { init as initJpeg } from '@jsquash/jpeg/decode.js';
import { parseNpyHeader } from '../io/npy.ts';
import { rgbaToSquareChw } from '../io/image_square.ts';
import { StimulusError } from '../engine/errors.ts';

export interface Stimulus {
  name: string;
  /** uint8 [3, size, size] */
  data: Uint8Array;
  size: number;
  /** original width x height */
  width: number;
  height: number;
  cropped: boolean;
}

export interface StimulusSet {
  count: number;
  describe: string;
  /** Images [start, start + n). */
  read(start: number, n: number): Promise<Stimulus[]>;
  /** Names of images [start, end) without decoding them. */
  names(start: number, end: number): string[];
  close(): Promise<void>;
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;

export async function openStimuli(path: string): Promise<StimulusSet> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new StimulusError(`--images ${path}: no such file or folder`);
  }
  return st.isDirectory() ? openFolder(path) : openNpy(path);
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
        await fh.read(buf, 0, buf.length, h.headerLength + start * per);
        return Array.from({ length: n }, (_, i) => ({
          name: `${basename(path)}[${start + i}]`,
          data: buf.subarray(i * per, (i + 1) * per),
          size,
          width: size,
          height: size,
          cropped: false,
        }));
      },
      names: (start, end) => Array.from({ length: end - start }, (_, i) => `${basename(path)}[${start + i}]`),
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

let jpegReady: Promise<void> | null = null;

/** Load the JPEG decoder's wasm from node_modules (once). */
function jpegDecoder(): Promise<void> {
  jpegReady ??= (async () => {
    const wasmPath = createRequire(import.meta.url).resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm');
    await initJpeg(await WebAssembly.compile(readFileSync(wasmPath)));
    // The decoder returns an ImageData, which Node lacks.
    (globalThis as { ImageData?: unknown }).ImageData ??= class {
      constructor(public data: Uint8ClampedArray, public width: number, public height: number) {}
    };
  })();
  return jpegReady;
}

/** Decode one PNG or JPEG file to RGBA. */
export async function decodeImage(bytes: Uint8Array, name: string): Promise<{ rgba: Uint8Array; width: number; height: number }> {
  try {
    if (bytes[0] === 0x89 && bytes[1] === 0x50) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), width: png.width, height: png.height };
    }
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      await jpegDecoder();
      const img = await decodeJpeg(bytes.slice().buffer as ArrayBuffer, { preserveOrientation: false });
      return { rgba: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength), width: img.width, height: img.height };
    }
  } catch (e) {
    throw new StimulusError(`${name}: not a readable image (${e instanceof Error ? e.message : String(e)})`);
  }
  throw new StimulusError(`${name}: not a PNG or JPEG file`);
}

async function openFolder(dir: string): Promise<StimulusSet> {
  const names = (await readdir(dir)).filter((n) => IMAGE_EXT.test(n)).sort();
  if (names.length === 0) throw new StimulusError(`${dir}: no .png, .jpg or .jpeg files found`);
  return {
    count: names.length,
    describe: `${dir} (${names.length} image files)`,
    async read(start, n) {
      const out: Stimulus[] = [];
      for (const name of names.slice(start, start + n)) {
        const { rgba, width, height } = await decodeImage(new Uint8Array(await readFile(join(dir, name))), join(dir, name));
        const sq = rgbaToSquareChw(rgba, width, height, 'crop');
        out.push({ name, data: sq.data, size: sq.size, width, height, cropped: width !== height });
      }
      return out;
    },
    names: (start, end) => names.slice(start, end),
    close: async () => {},
  };
}
