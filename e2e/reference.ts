// Reference responses computed in Node with the same engine (wasm backend) on the same pixels:
// PNG decoded by pngjs, made square by the same io/image_square.ts the app uses.
import { PNG } from 'pngjs';
import { readFileSync } from 'node:fs';
import { encode, getEncodingModel, MODEL_ID, type EncodingModel } from '../src/engine/index.ts';
import { directorySource } from '../src/io/source_node.ts';
import { rgbaToSquareChw, type SquareMode } from '../src/io/image_square.ts';

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

/** Parse a little-endian float32 C-order .npy. */
export function parseNpyF32(buf: Buffer): { shape: number[]; data: Float32Array; header: string } {
  if (buf.subarray(0, 6).toString('latin1') !== '\x93NUMPY') throw new Error('not an .npy file');
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.subarray(start, start + hlen).toString('latin1');
  if (!/'descr':\s*'<f4'/.test(header)) throw new Error(`not float32: ${header}`);
  if (!/'fortran_order':\s*False/.test(header)) throw new Error(`not C order: ${header}`);
  const shape = /'shape':\s*\(([^)]*)\)/
    .exec(header)![1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const off = start + hlen;
  if ((off % 64) !== 0) throw new Error(`data offset ${off} is not 64-byte aligned`);
  const bytes = buf.subarray(off);
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { shape, data, header };
}
