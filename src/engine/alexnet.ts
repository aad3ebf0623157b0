// AlexNet's forward pass in TF.js with BERG's eight feature taps.
// TF.js is channels-last (NHWC), PyTorch channels-first: the conv taps come out flattened in
// (H, W, C) order here. Instead of transposing activations on every batch, the weights that read
// them (fc6 and the PCA components) are permuted once at load from PyTorch's (C, H, W) order.

import * as tf from '@tensorflow/tfjs-core';
import type { AlexNetWeights } from './backbone_weights.ts';
import { packFloat16Matrix, splitKApplies, splitKMatMul } from './matmul_webgpu.ts';
import { float16ToFloat32, float32ToFloat16 } from '../io/dtype.ts';

export interface TapSpec {
  /** torchvision node name */
  node: string;
  /** PyTorch shape per image: [C, H, W] for conv taps, [N] for fully connected ones */
  shape: number[];
  size: number;
  /** offset in BERG's concatenated, channel-major feature vector */
  offset: number;
}

const TAP_SHAPES: Array<[string, number[]]> = [
  ['features.2', [64, 27, 27]],
  ['features.5', [192, 13, 13]],
  ['features.7', [384, 13, 13]],
  ['features.9', [256, 13, 13]],
  ['features.12', [256, 6, 6]],
  ['classifier.2', [4096]],
  ['classifier.5', [4096]],
  ['classifier.6', [1000]],
];

export const TAPS: TapSpec[] = (() => {
  let offset = 0;
  return TAP_SHAPES.map(([node, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const tap = { node, shape, size, offset };
    offset += size;
    return tap;
  });
})();

interface Conv {
  filter: tf.Tensor4D; // [kh, kw, in, out]
  bias: tf.Tensor1D;
  stride: number;
  pad: number;
}
interface Dense {
  weight: tf.Tensor2D; // [out, in] on the left, [in, out] on the right (int32 [in, out / 2]: float16 pairs)
  bias: tf.Tensor; // [out, 1] on the left, [out] on the right
}

/**
 * Which side of a product the weight matrices sit on. 'left' (wasm, cpu): W · Xᵀ, activations
 * as [features, B]. XNNPACK packs a private copy of every right-hand matrix it multiplies with and
 * keeps it as long as the weights live, which doubles the wasm heap; on the left the weights are
 * read where they are, and these products run faster too (scripts/bench.ts measures both). 'right' (webgpu,
 * webgl): X · W, the layout the GPU kernels were tuned and measured with.
 */
export type WeightSide = 'left' | 'right';

export function weightSideFor(backend: string): WeightSide {
  return backend === 'webgpu' || backend === 'webgl' ? 'right' : 'left';
}

/** AlexNet's parameters resident on the active backend. */
export interface AlexNet {
  side: WeightSide;
  /** fc6-fc8's weights rounded to float16 (the compact precision) */
  fcFloat16: boolean;
  convs: Conv[];
  dense: Dense[];
  dispose(): void;
}

const CONV_GEOMETRY = [
  { name: 'features.0', stride: 4, pad: 2 },
  { name: 'features.3', stride: 1, pad: 2 },
  { name: 'features.6', stride: 1, pad: 1 },
  { name: 'features.8', stride: 1, pad: 1 },
  { name: 'features.10', stride: 1, pad: 1 },
];

/**
 * Rows x columns (row-major, columns in PyTorch's (C, H, W) flattening when chw is given) to
 * columns x rows, columns permuted to TF.js's (H, W, C) flattening: the layout the NHWC graph
 * multiplies with. Done in JS, tile by tile, so the device only ever receives final tensors (a
 * device-side transpose would briefly need two more copies, and a wasm heap never shrinks).
 * Row r starts at src[srcOffset + r * srcStride]; the result goes to out[col * outStride +
 * outOffset + r], so several sources can fill one stacked matrix.
 */
export function transposeToHwc<T extends Float32Array | Uint16Array = Float32Array>(
  src: T,
  nRows: number,
  nCols: number,
  chw: readonly number[] | null,
  o: { srcOffset?: number; srcStride?: number; out?: T; outStride?: number; outOffset?: number } = {},
): T {
  const srcOffset = o.srcOffset ?? 0;
  const srcStride = o.srcStride ?? nCols;
  const outStride = o.outStride ?? nRows;
  const out = o.out ?? (new (src.constructor as new (n: number) => T)(nRows * nCols));
  if (srcOffset + (nRows - 1) * srcStride + nCols > src.length) throw new Error('transposeToHwc: source too short');
  if (out.length < nCols * outStride) throw new Error('transposeToHwc: destination too short');
  const base = hwcPositions(nCols, chw); // where each source column's destination row starts
  const outOffset = o.outOffset ?? 0;
  for (let j = 0; j < nCols; j++) base[j] = base[j] * outStride + outOffset;
  // 64 x 64 tiles; within a tile each destination row is written front to back.
  const TILE = 64;
  for (let r0 = 0; r0 < nRows; r0 += TILE) {
    const r1 = Math.min(nRows, r0 + TILE);
    for (let j0 = 0; j0 < nCols; j0 += TILE) {
      const j1 = Math.min(nCols, j0 + TILE);
      for (let j = j0; j < j1; j++) {
        const b = base[j];
        let s = srcOffset + r0 * srcStride + j;
        for (let r = r0; r < r1; r++, s += srcStride) out[b + r] = src[s];
      }
    }
  }
  return out;
}

/** For each index of a (C, H, W) flattening, its index in the (H, W, C) one (identity without chw). */
function hwcPositions(n: number, chw: readonly number[] | null): Int32Array {
  const pos = new Int32Array(n);
  if (!chw) {
    for (let j = 0; j < n; j++) pos[j] = j;
    return pos;
  }
  const [c, h, w] = chw;
  if (c * h * w !== n) throw new Error(`(C, H, W) = (${chw.join(', ')}) does not match ${n} columns`);
  for (let ci = 0; ci < c; ci++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pos[(ci * h + y) * w + x] = (y * w + x) * c + ci;
  return pos;
}

/**
 * Rows x columns (row-major) kept as rows, each row's columns moved from PyTorch's (C, H, W)
 * flattening to TF.js's (H, W, C) one: the layout for weights on the left. Row r is read from
 * src[srcOffset + r * srcStride] and written to out[outOffset + r * nCols]. A Uint16Array source
 * holds float16 bits, decoded on the way through `float16` (each bit pattern's value).
 */
export function permuteColumnsToHwc(
  src: Float32Array | Uint16Array,
  nRows: number,
  nCols: number,
  chw: readonly number[] | null,
  o: { srcOffset?: number; srcStride?: number; out?: Float32Array; outOffset?: number; float16?: Float32Array } = {},
): Float32Array {
  const srcOffset = o.srcOffset ?? 0;
  const srcStride = o.srcStride ?? nCols;
  const outOffset = o.outOffset ?? 0;
  const out = o.out ?? new Float32Array(nRows * nCols);
  if (srcOffset + (nRows - 1) * srcStride + nCols > src.length) throw new Error('permuteColumnsToHwc: source too short');
  if (outOffset + nRows * nCols > out.length) throw new Error('permuteColumnsToHwc: destination too short');
  if (src instanceof Uint16Array) {
    const value = o.float16;
    if (!value) throw new Error('permuteColumnsToHwc: float16 bits need their value table');
    const pos = hwcPositions(nCols, chw);
    for (let r = 0; r < nRows; r++) {
      const s = srcOffset + r * srcStride;
      const d = outOffset + r * nCols;
      for (let j = 0; j < nCols; j++) out[d + pos[j]] = value[src[s + j]];
    }
    return out;
  }
  if (!chw) {
    for (let r = 0; r < nRows; r++) out.set(src.subarray(srcOffset + r * srcStride, srcOffset + r * srcStride + nCols), outOffset + r * nCols);
    return out;
  }
  const pos = hwcPositions(nCols, chw);
  for (let r = 0; r < nRows; r++) {
    const s = srcOffset + r * srcStride;
    const d = outOffset + r * nCols;
    for (let j = 0; j < nCols; j++) out[d + pos[j]] = src[s + j];
  }
  return out;
}

/**
 * Upload PyTorch-layout weights to the active backend. With fcFloat16 (the compact precision)
 * fc6-fc8's weights are rounded to float16: kept as float16 pairs where the WebGPU split-K
 * kernel reads them (half the memory), as float32 copies of the rounded values elsewhere.
 */
export function uploadAlexNet(weights: AlexNetWeights, side: WeightSide = weightSideFor(tf.getBackend()), opts: { fcFloat16?: boolean } = {}): AlexNet {
  const fcFloat16 = opts.fcFloat16 ?? false;
  const get = (name: string) => {
    const w = weights.get(name);
    if (!w) throw new Error(`missing AlexNet parameter ${name}`);
    return w;
  };
  const convs: Conv[] = CONV_GEOMETRY.map(({ name, stride, pad }) => {
    const w = get(`${name}.weight`);
    const out = get(`${name}.bias`).length;
    const k = name === 'features.0' ? 11 : name === 'features.3' ? 5 : 3;
    const inC = w.length / (out * k * k);
    // [out, inC, k, k] -> [k, k, inC, out]
    const hwio = transposeToHwc(w, out, inC * k * k, [inC, k, k]);
    const filter = tf.tensor4d(hwio, [k, k, inC, out]);
    return { filter, bias: tf.tensor1d(get(`${name}.bias`)), stride, pad };
  });
  // Never a transposed operand: TF.js's wasm matMul is several times slower with transposeB.
  const dense: Dense[] = ['classifier.1', 'classifier.4', 'classifier.6'].map((name) => {
    const b = get(`${name}.bias`);
    const w = get(`${name}.weight`); // PyTorch: [out, in]
    const nIn = w.length / b.length;
    const chw = name === 'classifier.1' ? [256, 6, 6] : null;
    const bits = fcFloat16 ? float32ToFloat16(w) : null;
    const values = bits ? float16ToFloat32(bits) : w;
    if (side === 'left') return { weight: tf.tensor2d(permuteColumnsToHwc(values, b.length, nIn, chw), [b.length, nIn]), bias: tf.tensor2d(b, [b.length, 1]) };
    if (bits && splitKApplies(nIn, b.length)) {
      return { weight: packFloat16Matrix(transposeToHwc(bits, b.length, nIn, chw), nIn, b.length), bias: tf.tensor1d(b) };
    }
    return { weight: tf.tensor2d(transposeToHwc(values, b.length, nIn, chw), [nIn, b.length]), bias: tf.tensor1d(b) };
  });
  return {
    side,
    fcFloat16,
    convs,
    dense,
    dispose() {
      for (const c of convs) tf.dispose([c.filter, c.bias]);
      for (const d of dense) tf.dispose([d.weight, d.bias]);
    },
  };
}

function conv(x: tf.Tensor4D, c: Conv): tf.Tensor4D {
  const p = c.pad;
  return tf.fused.conv2d({
    x,
    filter: c.filter,
    strides: c.stride,
    pad: [[0, 0], [p, p], [p, p], [0, 0]],
    bias: c.bias,
    activation: 'relu',
  });
}

/**
 * The eight taps for a preprocessed batch x [B, 224, 224, 3], conv taps flattened in (H, W, C)
 * order: each [B, size] with weights on the right, [size, B] with weights on the left (the
 * operand the next product wants). Call inside tf.tidy.
 */
export function alexnetTaps(net: AlexNet, x: tf.Tensor4D): tf.Tensor2D[] {
  const b = x.shape[0];
  const pool = (t: tf.Tensor4D) => tf.maxPool(t, 3, 2, 'valid');
  const flatRows = (t: tf.Tensor) => tf.reshape(t, [b, -1]) as tf.Tensor2D;
  const flat = net.side === 'left' ? (t: tf.Tensor) => tf.transpose(flatRows(t)) as tf.Tensor2D : flatRows;
  const [c1, c2, c3, c4, c5] = net.convs;
  // Each activation is released as soon as its last reader has run (tidy would keep them all to
  // the end): the wasm heap keeps its high-water mark for good.
  const taps: tf.Tensor2D[] = [];
  const last = <T extends tf.Tensor>(t: T, next: (t: T) => tf.Tensor4D): tf.Tensor4D => {
    const y = next(t);
    t.dispose();
    return y;
  };
  const tapped = (t: tf.Tensor4D) => (taps.push(flat(t)), t);
  const t1 = tapped(last(conv(x, c1), pool)); // features.2 [B, 27, 27, 64]
  const t2 = tapped(last(last(t1, (t) => conv(t, c2)), pool)); // features.5 [B, 13, 13, 192]
  const t3 = tapped(last(t2, (t) => conv(t, c3))); // features.7 [B, 13, 13, 384]
  const t4 = tapped(last(t3, (t) => conv(t, c4))); // features.9 [B, 13, 13, 256]
  const t5 = tapped(last(last(t4, (t) => conv(t, c5)), pool)); // features.12 [B, 6, 6, 256]; avgpool(6x6) is the identity here
  const [d6, d7, d8] = net.dense;
  const dense = (t: tf.Tensor2D, d: Dense, relu: boolean): tf.Tensor2D => {
    if (net.side === 'right' && (d.weight.dtype === 'int32' || splitKApplies(t.shape[1], d.weight.shape[1]))) {
      return splitKMatMul([[t, d.weight]], d.bias as tf.Tensor1D, relu); // (float16 pairs: split-K only)
    }
    if (net.side === 'right') return tf.fused.matMul({ a: t, b: d.weight, bias: d.bias, activation: relu ? 'relu' : 'linear' }) as tf.Tensor2D;
    // (TF.js's fused matMul takes only a per-column bias.)
    const y = tf.add(tf.matMul(d.weight, t), d.bias) as tf.Tensor2D;
    return relu ? tf.relu(y) : y;
  };
  const t6 = dense(taps[4], d6, true); // classifier.2 (dropout is off in eval)
  const t7 = dense(t6, d7, true); // classifier.5
  const t8 = dense(t7, d8, false); // classifier.6, the logits
  t5.dispose();
  taps.push(t6, t7, t8);
  return taps;
}

/** BERG's concatenated feature vector [B, 205672] in PyTorch's channel-major order (for parity tests). */
export function alexnetFeaturesChannelMajor(net: AlexNet, x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const b = x.shape[0];
    const parts = alexnetTaps(net, x).map((tap, i) => {
      const t = net.side === 'left' ? tf.transpose(tap) : tap;
      const s = TAPS[i].shape;
      if (s.length === 1) return t;
      return tf.reshape(tf.transpose(tf.reshape(t, [b, s[1], s[2], s[0]]), [0, 3, 1, 2]), [b, -1]);
    });
    return tf.concat(parts, 1) as tf.Tensor2D;
  });
}
