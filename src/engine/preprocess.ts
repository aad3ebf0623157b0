// torchvision's AlexNet transforms on a uint8 tensor, reproduced exactly:
//   resize(256, bilinear, antialias=True) -> round back to uint8 -> center_crop(224)
//   -> /255 -> normalize(ImageNet mean, std).
// Everything runs in float32 arithmetic on the CPU (Math.fround at each step) so the result
// is the same on every backend and equals PyTorch's to the last bit, uint8 rounding included.
// GPU backends look the normalised values up in the same table on the device: same bits. WebGL
// takes the crops from the CPU (normaliseOnDevice); WebGPU takes the image bytes themselves and
// crops, normalises and reorders them in one shader (normaliseBytesOnWebGPU), so a 256 px batch
// costs the CPU nothing and the upload is a quarter of float32 crops.

import * as tf from '@tensorflow/tfjs-core';
import { StimulusError } from '../core/errors.ts';
import type { ImageBatch } from '../core/types.ts';
import { uploadWords } from './transfer_webgpu.ts';
import { webgpuBackend, webgpuProgram } from './webgpu_backend.ts';

export const RESIZE_SIZE = 256;
export const CROP_SIZE = 224;
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

const f = Math.fround;

/** One output sample's input window and normalised filter weights. */
interface AxisWeights {
  start: Int32Array; // first input index per output
  count: Int32Array; // number of taps per output
  stride: number; // taps stored per output
  weights: Float32Array; // [outSize * stride]
}

/**
 * Antialiased bilinear ("triangle") filter weights along one axis, as ATen's
 * _upsample_bilinear2d_aa computes them for float32 (align_corners=False, no explicit scale).
 * Mixed float/double expressions mirror the C++ types so that window bounds and weights match.
 */
export function antialiasWeights(inSize: number, outSize: number, first = 0, count = outSize): AxisWeights {
  const scale = f(inSize / outSize);
  const support = scale >= 1 ? scale : 1.0; // (interp_size / 2) * scale, interp_size = 2
  const invscale = scale >= 1 ? f(1.0 / scale) : 1.0;
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(count);
  const taps = new Int32Array(count);
  const weights = new Float32Array(count * stride);
  for (let o = 0; o < count; o++) {
    const i = first + o;
    const center = f(scale * (i + 0.5));
    const xmin = Math.max(Math.trunc(f(center - support) + 0.5), 0);
    const xsize = Math.min(Math.trunc(f(center + support) + 0.5), inSize) - xmin;
    let total = 0;
    const base = o * stride;
    for (let j = 0; j < xsize; j++) {
      let x = f((f(f(j + xmin) - center) + 0.5) * invscale);
      if (x < 0) x = -x;
      const w = x < 1 ? f(1 - x) : 0;
      weights[base + j] = w;
      total = f(total + w);
    }
    if (total !== 0) for (let j = 0; j < xsize; j++) weights[base + j] = f(weights[base + j] / total);
    start[o] = xmin;
    taps[o] = xsize;
  }
  return { start, count: taps, stride, weights };
}

/** Round half to even (torch.round), then clamp into uint8. */
function roundToUint8(v: number): number {
  let r = Math.round(v);
  if (r - v === 0.5 && r % 2 !== 0) r -= 1; // Math.round sends .5 up; torch sends it to even
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/**
 * The uint8 image after resize(256, antialias) and center_crop(224), for one [3, S, S] image.
 * Returns [3, 224, 224] uint8 (CHW), before /255: written into `into` when given (it must hold
 * 3 x 224 x 224 values), else into a new array.
 */
export function resizeAndCrop(image: Uint8Array, size: number, offset = 0, into?: Uint8Array): Uint8Array {
  const out = RESIZE_SIZE;
  const top = Math.round((out - CROP_SIZE) / 2); // torchvision: int(round((256 - 224) / 2.0)) = 16
  if (size === out) {
    // At 256 px every output sample's window is [i, i + 1] with weights (1, 0): the resize is the
    // identity, bit for bit, so only the crop remains.
    const result = into ?? new Uint8Array(3 * CROP_SIZE * CROP_SIZE);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < CROP_SIZE; y++) {
        const src = offset + c * size * size + (y + top) * size + top;
        result.set(image.subarray(src, src + CROP_SIZE), (c * CROP_SIZE + y) * CROP_SIZE);
      }
    return result;
  }
  // Only the cropped window is computed: each output sample depends on its own weights alone.
  const wx = antialiasWeights(size, out, top, CROP_SIZE);
  const wy = antialiasWeights(size, out, top, CROP_SIZE);
  const plane = size * size;
  const tmp = new Float32Array(size * CROP_SIZE); // horizontal pass: [rows = size, cols = 224]
  const result = into ?? new Uint8Array(3 * CROP_SIZE * CROP_SIZE);
  for (let c = 0; c < 3; c++) {
    const src = offset + c * plane;
    // ATen resamples the contiguous (width) dimension first, then the height, in float32.
    // Its build fuses `acc += v * w` into a multiply-add: v * w is exact in a double, so
    // rounding the double sum once to float32 reproduces it (the uint8 rounding depends on it).
    for (let y = 0; y < size; y++) {
      const row = src + y * size;
      for (let o = 0; o < CROP_SIZE; o++) {
        const x0 = wx.start[o];
        const n = wx.count[o];
        const wb = o * wx.stride;
        let acc = f(image[row + x0] * wx.weights[wb]);
        for (let j = 1; j < n; j++) acc = f(acc + image[row + x0 + j] * wx.weights[wb + j]);
        tmp[y * CROP_SIZE + o] = acc;
      }
    }
    const dst = c * CROP_SIZE * CROP_SIZE;
    for (let o = 0; o < CROP_SIZE; o++) {
      const y0 = wy.start[o];
      const n = wy.count[o];
      const wb = o * wy.stride;
      for (let x = 0; x < CROP_SIZE; x++) {
        let acc = f(tmp[y0 * CROP_SIZE + x] * wy.weights[wb]);
        for (let j = 1; j < n; j++) acc = f(acc + tmp[(y0 + j) * CROP_SIZE + x] * wy.weights[wb + j]);
        result[dst + o * CROP_SIZE + x] = roundToUint8(acc);
      }
    }
  }
  return result;
}

/** Check that `images` is a batch BERG accepts: uint8 [B, 3, S, S] with B >= 1. */
export function validateImages(images: ImageBatch): void {
  if (!images || !(images.data instanceof Uint8Array) || images.data instanceof Uint8ClampedArray) {
    throw new StimulusError('images must be uint8 (a Uint8Array with values 0..255), shape [B, 3, H, W]');
  }
  const { shape } = images;
  if (!Array.isArray(shape) || shape.length !== 4) {
    throw new StimulusError(`images must have 4 dimensions [B, 3, H, W]; got shape [${shape}]`);
  }
  const [b, c, h, w] = shape;
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new StimulusError(`image shape [${shape}] must hold non-negative integers`);
  }
  if (b === 0) throw new StimulusError('the image batch is empty: give at least one image');
  if (c !== 3) throw new StimulusError(`images must be RGB with 3 channels first ([B, 3, H, W]); got ${c} channels`);
  if (h !== w) {
    throw new StimulusError(`images must be square (BERG requires H == W); got ${h}x${w}: center-crop or pad them first`);
  }
  if (h < 1) throw new StimulusError('images must be at least 1x1 pixel');
  if (images.data.length !== b * c * h * w) {
    throw new StimulusError(`image data holds ${images.data.length} values but shape [${shape}] needs ${b * c * h * w}`);
  }
}

let normLut: Float32Array<ArrayBuffer> | null = null;
/**
 * ToTensor + Normalize for every uint8 value of each channel, [3 * 256]: the same float32
 * expressions as torchvision, evaluated once instead of per pixel.
 */
export function normalisationTable(): Float32Array<ArrayBuffer> {
  if (normLut) return normLut;
  const mean = IMAGENET_MEAN.map(f);
  const std = IMAGENET_STD.map(f);
  normLut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) normLut[c * 256 + v] = f(f(f(v / 255) - mean[c]) / std[c]);
  }
  return normLut;
}

/**
 * The network input for images [B, 3, S, S] uint8: float32 [B, 224, 224, 3] (NHWC, TF.js's layout),
 * equal to torchvision's transform output transposed from NCHW.
 */
export function preprocess(images: ImageBatch): Float32Array {
  validateImages(images);
  const [b, , size] = images.shape;
  const hw = CROP_SIZE * CROP_SIZE;
  const out = new Float32Array(b * hw * 3);
  const lut = normalisationTable();
  const crop = new Uint8Array(3 * hw); // (one crop reused: an array per image is garbage the next batch waits on)
  for (let i = 0; i < b; i++) {
    resizeAndCrop(images.data, size, i * 3 * size * size, crop);
    let o = i * hw * 3;
    for (let p = 0; p < hw; p++) {
      out[o++] = lut[crop[p]];
      out[o++] = lut[256 + crop[hw + p]];
      out[o++] = lut[512 + crop[2 * hw + p]];
    }
  }
  return out;
}

/** Each image's resizeAndCrop() written one after another into `out` ([B, 3, 224, 224]). */
export function writeCrops<T extends Uint8Array | Float32Array>(images: ImageBatch, out: T): T {
  const [b, , size] = images.shape;
  const per = 3 * CROP_SIZE * CROP_SIZE;
  // uint8 crops are written in place; float32 ones through one crop array reused for every image
  const crop = out instanceof Uint8Array ? null : new Uint8Array(per);
  for (let i = 0; i < b; i++) {
    const at = i * 3 * size * size;
    if (crop) out.set(resizeAndCrop(images.data, size, at, crop), i * per);
    else resizeAndCrop(images.data, size, at, (out as Uint8Array).subarray(i * per, (i + 1) * per));
  }
  return out;
}

/**
 * The resized, center-cropped uint8 values of images [B, 3, S, S] as float32 [B, 3, 224, 224]
 * (CHW; whole numbers, exact): what a GPU backend needs from the CPU; normaliseOnDevice does
 * the rest there. (float32, not int32: TF.js 4.22's WebGPU transpose fails to compile for int32.)
 */
export function cropForDevice(images: ImageBatch): Float32Array<ArrayBuffer> {
  validateImages(images);
  return writeCrops(images, new Float32Array(images.shape[0] * 3 * CROP_SIZE * CROP_SIZE));
}

/**
 * Crops [B, 3, 224, 224] (cropForDevice) -> the network input float32 [B, 224, 224, 3] (NHWC), by
 * looking each value up in the normalisation table (table: normalisationTable() as a tensor):
 * exactly the values preprocess() computes. Call inside tf.tidy.
 */
export function normaliseOnDevice(crops: tf.Tensor4D, table: tf.Tensor1D): tf.Tensor4D {
  const nhwc = tf.transpose(crops, [0, 2, 3, 1]);
  // Channel c's 256 entries start at c * 256; the sums are whole numbers below 768, exact in float32.
  const index = tf.cast(tf.add(nhwc, tf.tensor1d([0, 256, 512])), 'int32');
  return tf.gather(table, index) as unknown as tf.Tensor4D;
}

/**
 * What the WebGPU shader reads for images [B, 3, S, S]: their uint8 values packed four to an
 * int32 word (little-endian), each image [3, side, side], and where the 224 px crop starts. At
 * 256 px the resize is the identity, so these are the caller's bytes as they are (copied only
 * when not 4-byte aligned) and the device crops; other sizes are resized and cropped here.
 */
export function bytesForDevice(images: ImageBatch): { words: Int32Array; side: number; top: number } {
  validateImages(images);
  const [b, , size] = images.shape;
  if (size === RESIZE_SIZE) {
    const d = images.data; // b * 3 * 256 * 256 bytes: a whole number of words
    const aligned = d.byteOffset % 4 === 0 ? d : d.slice();
    return { words: new Int32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4), side: size, top: Math.round((RESIZE_SIZE - CROP_SIZE) / 2) };
  }
  return { words: new Int32Array(writeCrops(images, new Uint8Array(b * 3 * CROP_SIZE * CROP_SIZE)).buffer), side: CROP_SIZE, top: 0 };
}

/** One WebGPU shader: packed image bytes -> cropped, normalised NHWC float32 (a table lookup). */
function normaliseBytesProgram(b: number): object {
  const outputShape = [b, CROP_SIZE, CROP_SIZE, 3];
  const workgroupSize: [number, number, number] = [64, 1, 1];
  return webgpuProgram('NormaliseBytesProgram', {
    variableNames: ['words', 'table'],
    outputShape,
    shaderKey: 'insilicoNormaliseBytes',
    dispatchLayout: { x: [0, 1, 2, 3] },
    dispatch: [Math.ceil((b * CROP_SIZE * CROP_SIZE * 3) / workgroupSize[0]), 1, 1] as [number, number, number],
    workgroupSize,
    size: true,
    uniforms: 'side : i32, top : i32,',
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index); // (image, y, x, channel)
          let c = coords[3];
          let byteIndex = ((coords[0] * 3 + c) * uniforms.side + coords[1] + uniforms.top) * uniforms.side + coords[2] + uniforms.top;
          let value = (words[byteIndex / 4] >> u32((byteIndex % 4) * 8)) & 255;
          setOutputAtIndex(index, table[c * 256 + value]);
        }
      }`,
  });
}

/**
 * The network input [B, 224, 224, 3] on the WebGPU backend from bytesForDevice(images), equal
 * to preprocess(images) bit for bit (table: normalisationTable() as a tensor).
 */
export function normaliseBytesOnWebGPU(bytes: { words: Int32Array; side: number; top: number }, b: number, table: tf.Tensor1D): tf.Tensor4D {
  if (bytes.words.length * 4 !== b * 3 * bytes.side * bytes.side) throw new Error(`normaliseBytesOnWebGPU: ${bytes.words.length} words do not hold ${b} images of ${bytes.side} px`);
  const words = uploadWords(bytes.words);
  const info = webgpuBackend().runWebGPUProgram(normaliseBytesProgram(b), [words, table], 'float32', [
    { type: 'int32', data: [bytes.side] },
    { type: 'int32', data: [bytes.top] },
  ]);
  words.dispose();
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor4D;
}

/**
 * The network input [B, 224, 224, 3] for images on the active backend, the same values on every
 * one (call inside tf.tidy; table: normalisationTable() as a tensor, for the GPU backends).
 */
export function networkInput(images: ImageBatch, table: tf.Tensor1D | null): tf.Tensor4D {
  const b = images.shape[0];
  const backend = tf.getBackend();
  if (table && backend === 'webgpu') return normaliseBytesOnWebGPU(bytesForDevice(images), b, table);
  if (table && backend === 'webgl') return normaliseOnDevice(tf.tensor4d(cropForDevice(images), [b, 3, CROP_SIZE, CROP_SIZE]), table);
  return tf.tensor4d(preprocess(images), [b, CROP_SIZE, CROP_SIZE, 3]);
}
