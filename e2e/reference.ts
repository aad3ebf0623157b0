// Reference responses computed in Node with the same engine (wasm backend) on the same pixels:
// PNG decoded by pngjs, made square by the same io/image_square.ts the app uses.
import { PNG } from 'pngjs';
import { readFileSync } from 'node:fs';
import { encode, getEncodingModel, MODEL_ID, type EncodingModel } from '../src/engine/index.ts';
import { directorySource } from '../src/io/source_node.ts';
import { rgbaToSquareChw, type SquareMode } from '../src/io/image_square.ts';
import { parseNpy } from '../src/io/npy.ts';

let model: Promise<EncodingModel> | null = null;
// One encode at a time: TF.js has one global backend.
let queue: Promise<unknown> = Promise.resolve();

export function referenceModel(): Promise<EncodingModel> {
  model ??= getEncodingModel(MODEL_ID, 'demo', { source: directorySource(`public/models/${MODEL_ID}/demo`), device: 'wasm' });
  return model;
}

/** float32 [4, 63, 140] for one PNG file. */
export function referenceResponse(pngPath: string, mode: SquareMode = 'crop'): Promise<Float32Array> {
  const run = queue.then(async () => {
    const png = PNG.sync.read(readFileSync(pngPath));
    const sq = rgbaToSquareChw(png.data, png.width, png.height, mode);
    const y = await encode(await referenceModel(), { data: sq.data, shape: [1, 3, sq.size, sq.size] });
    return y.data;
  });
  queue = run.catch(() => undefined);
  return run;
}

/**
 * A little-endian float32 C-order .npy (an export), read by the app's own parser (io/npy.ts),
 * which must also find the data 64-byte aligned, as numpy writes it, with nothing after it.
 */
export function parseNpyF32(buf: Buffer): { shape: number[]; data: Float32Array } {
  const a = parseNpy(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), 'export.npy');
  if (a.dtype !== '<f4') throw new Error(`not float32: ${a.dtype}`);
  if (a.fortranOrder) throw new Error('not C order');
  if (a.headerLength % 64 !== 0) throw new Error(`data offset ${a.headerLength} is not 64-byte aligned`);
  const data = a.data as Float32Array;
  if (buf.byteLength !== a.headerLength + data.byteLength) throw new Error(`${buf.byteLength - a.headerLength - data.byteLength} bytes after the array data`);
  return { shape: a.shape, data };
}
