// BERG's linear encoder on top of the AlexNet taps, per repetition r = 1..4:
//   z = (x - scaler.mean_) / scaler.scale_
//   p_r = (z - pca_r.mean_) @ pca_r.components_^T           (K components)
//   y_r = p_r @ coef_r^T + intercept_r                       (coef_r rows: channel-major, then time)
// Model folders store the scaler folded into the PCA (components / scale_, plus an offset), so
// p_r = x @ C_r^T + offset_r. Each tap is projected as soon as it exists, so the 205,672-long
// feature vector is never materialised and no weight tensor exceeds a GPU binding limit.

import * as tf from '@tensorflow/tfjs-core';
import { TAPS, permuteColumnsToHwc, transposeToHwc, weightSideFor, type WeightSide } from './alexnet.ts';
import { ModelLoadError } from '../core/errors.ts';
import { float16Table, float16ToFloat32 } from '../io/dtype.ts';
import { WEBGPU_SPLIT_K_FLAG, matrixColumns, packFloat16Matrix, splitKApplies, splitKMatMul } from './matmul_webgpu.ts';
import { N_CHANNELS, N_FEATURES, N_REPETITIONS, N_TIMES } from '../core/types.ts';

/**
 * Encoder arrays as a model folder names them (row-major): float32, or float16 bits
 * (Uint16Array) for the PCA components of a float16-stored folder, decoded while uploaded.
 */
export type EncoderArrays = Map<string, Float32Array | Uint16Array>;

export interface EncoderTensors {
  /** Where the weights sit in the products (see WeightSide); the taps must come the same way. */
  side: WeightSide;
  /**
   * PCA components per tap, features in TF.js's (H, W, C) order, P = K or 4K: [P, tap size] on
   * the left, [tap size, P] on the right (never a transposed operand: TF.js's wasm matMul is
   * several times slower with one).
   */
  components: tf.Tensor2D[];
  /** [P, 1] on the left, [P] on the right */
  offset: tf.Tensor;
  /**
   * P rounded up to a multiple of 4 where WebGPU's split-K kernel projects (zero columns; the
   * scores are cut back to P), else P
   */
  scoreColumns: number;
  /** true: one PCA shared by the 4 repetitions (P = K); false: one per repetition (P = 4K) */
  sharedPca: boolean;
  nComponents: number;
  /** Per repetition, rows = selected channel x time rows: [rows, K] on the left, [K, rows] on the right. */
  coef: tf.Tensor2D[];
  /** Per repetition: [rows, 1] on the left, [rows] on the right. */
  intercept: tf.Tensor[];
  rows: number;
  dispose(): void;
}

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/**
 * A float32 matrix whose every value `fill` writes. On wasm they go straight into the backend's
 * heap: for the PCA that is 0.8 GB less to allocate in JS and copy over.
 */
function filledMatrix(shape: [number, number], fill: (out: Float32Array) => void): tf.Tensor2D {
  const backend = tf.backend() as unknown as Partial<WasmHeapBackend>;
  if (tf.getBackend() === 'wasm' && backend.makeOutput && backend.typedArrayFromHeap) {
    const info = backend.makeOutput(shape, 'float32'); // uninitialised: fill must write it all
    fill(backend.typedArrayFromHeap(info)); // (a heap view: valid until the heap next grows)
    return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor2D;
  }
  const out = new Float32Array(shape[0] * shape[1]);
  fill(out);
  return tf.tensor2d(out, shape);
}

/** The 63*140 regression rows kept by a selection, channel-major then time (BERG's order). */
export function selectionRows(channelIndices: number[], timeIndices: number[]): Int32Array {
  const rows = new Int32Array(channelIndices.length * timeIndices.length);
  let k = 0;
  for (const c of channelIndices) for (const t of timeIndices) rows[k++] = c * N_TIMES + t;
  return rows;
}

function needAny(arrays: EncoderArrays, name: string, length?: number): Float32Array | Uint16Array {
  const a = arrays.get(name);
  if (!a) throw new ModelLoadError(`model weights lack '${name}': the model folder is incomplete; convert it again`);
  if (length !== undefined && a.length !== length) {
    throw new ModelLoadError(`model weight '${name}' holds ${a.length} values, expected ${length}`);
  }
  return a;
}

function need(arrays: EncoderArrays, name: string, length?: number): Float32Array {
  const a = needAny(arrays, name, length);
  return a instanceof Float32Array ? a : float16ToFloat32(a);
}

/** Bytes uploadEncoder's tensors take on the left side (wasm, cpu): PCA blocks, offset, regressions. */
export function encoderBytes(nComponents: number, sharedPca: boolean, nRows: number): number {
  const P = (sharedPca ? 1 : N_REPETITIONS) * nComponents;
  return 4 * (P * N_FEATURES + P + N_REPETITIONS * nRows * (nComponents + 1));
}

/** Upload the encoder, keeping only the selected regression rows. */
export function uploadEncoder(
  arrays: EncoderArrays,
  nComponents: number,
  sharedPca: boolean,
  rows: Int32Array,
  side: WeightSide = weightSideFor(tf.getBackend()),
): EncoderTensors {
  const K = nComponents;
  if (!Number.isInteger(K) || K < 1) throw new ModelLoadError(`invalid number of PCA components: ${K}`);
  const pcaNames = sharedPca ? ['pca'] : [1, 2, 3, 4].map((r) => `pca/rep-${r}`);
  const P = pcaNames.length * K;
  // WebGPU's split-K kernel takes 4 columns at a time, and float16 components as they are stored.
  const splitK = side === 'right' && splitKApplies(4, 4);
  const Pc = splitK ? Math.ceil(P / 4) * 4 : P;

  // Each tap's block of the stacked PCA matrices in (H, W, C) order, one tap at a time (never
  // more than one tap's columns at once in JS). Rows (left) or columns (right) i * K .. i * K +
  // K - 1 are PCA i's components, restricted to this tap's features.
  const components: tf.Tensor2D[] = [];
  // float16 bits are decoded as they are permuted (left), kept as float16 pairs for split-K, and
  // decoded first elsewhere.
  const keepBits = side === 'left' || splitK;
  const comps = pcaNames.map((n) => (keepBits ? needAny : need)(arrays, `${n}/components`, K * N_FEATURES));
  const float16 = comps.every((c) => c instanceof Uint16Array);
  for (const tap of TAPS) {
    const chw = tap.shape.length === 3 ? tap.shape : null;
    const from = { srcOffset: tap.offset, srcStride: N_FEATURES };
    if (side === 'left') {
      const table = float16Table();
      components.push(filledMatrix([P, tap.size], (out) => comps.forEach((c, i) => permuteColumnsToHwc(c, K, tap.size, chw, { ...from, out, outOffset: i * K * tap.size, float16: table }))));
    } else if (splitK && float16) {
      const out = new Uint16Array(tap.size * Pc); // (padding columns: +0.0)
      comps.forEach((c, i) => transposeToHwc(c as Uint16Array, K, tap.size, chw, { ...from, out, outStride: Pc, outOffset: i * K }));
      components.push(packFloat16Matrix(out, tap.size, Pc));
    } else {
      const f32 = comps.map((c) => (c instanceof Float32Array ? c : float16ToFloat32(c)));
      components.push(filledMatrix([tap.size, Pc], (out) => f32.forEach((c, i) => transposeToHwc(c, K, tap.size, chw, { ...from, out, outStride: Pc, outOffset: i * K }))));
    }
  }
  const offsetData = new Float32Array(Pc);
  pcaNames.forEach((n, i) => offsetData.set(need(arrays, `${n}/offset`, K), i * K));

  const nRows = rows.length;
  const coef: tf.Tensor2D[] = [];
  const intercept: tf.Tensor[] = [];
  for (let r = 0; r < N_REPETITIONS; r++) {
    const c = need(arrays, `reg/rep-${r + 1}/coef`, N_CHANNELS * N_TIMES * K);
    const b = need(arrays, `reg/rep-${r + 1}/intercept`, N_CHANNELS * N_TIMES);
    // The selected rows of [63 * 140, K]: gathered as they are (left) or transposed (right).
    const ct = new Float32Array(K * nRows);
    const bt = new Float32Array(nRows);
    for (let i = 0; i < nRows; i++) {
      const row = rows[i];
      if (side === 'left') ct.set(c.subarray(row * K, row * K + K), i * K);
      else for (let k = 0; k < K; k++) ct[k * nRows + i] = c[row * K + k];
      bt[i] = b[row];
    }
    coef.push(side === 'left' ? tf.tensor2d(ct, [nRows, K]) : tf.tensor2d(ct, [K, nRows]));
    intercept.push(side === 'left' ? tf.tensor2d(bt, [nRows, 1]) : tf.tensor1d(bt));
  }
  const offset = side === 'left' ? tf.tensor2d(offsetData, [P, 1]) : tf.tensor1d(offsetData);
  return {
    side,
    components,
    offset,
    scoreColumns: Pc,
    sharedPca,
    nComponents: K,
    coef,
    intercept,
    rows: nRows,
    dispose() {
      tf.dispose([...components, offset, ...coef, ...intercept]);
    },
  };
}

/**
 * PCA scores from the eight taps (as alexnetTaps gives them for the same side): the sum over
 * taps of tap @ C_tap^T, plus the offset. [P, B] on the left, [B, P] on the right.
 */
export function project(enc: EncoderTensors, taps: tf.Tensor2D[]): tf.Tensor2D {
  let scores: tf.Tensor2D;
  if (enc.side === 'right' && taps.every((t, i) => splitKApplies(t.shape[1], matrixColumns(enc.components[i])))) {
    // WebGPU: the eight products and the offset in one partial-sum buffer (see matmul_webgpu.ts)
    scores = splitKMatMul(taps.map((t, i) => [t, enc.components[i]]), enc.offset as tf.Tensor1D);
  } else {
    if (enc.components.some((c) => c.dtype === 'int32')) {
      throw new Error(`float16 weights stored for WebGPU's split-K kernel cannot be used with ${WEBGPU_SPLIT_K_FLAG} off: load the model again`);
    }
    let acc: tf.Tensor2D | null = null;
    for (let i = 0; i < taps.length; i++) {
      const part = (enc.side === 'left' ? tf.matMul(enc.components[i], taps[i]) : tf.matMul(taps[i], enc.components[i])) as tf.Tensor2D;
      acc = acc ? (tf.add(acc, part) as tf.Tensor2D) : part;
    }
    scores = tf.add(acc!, enc.offset) as tf.Tensor2D;
  }
  const P = enc.sharedPca ? enc.nComponents : 4 * enc.nComponents;
  return enc.scoreColumns === P ? scores : (tf.slice(scores, [0, 0], [scores.shape[0], P]) as tf.Tensor2D);
}

/** Responses [B, 4, rows] from PCA scores as project gives them. */
export function regress(enc: EncoderTensors, scores: tf.Tensor2D): tf.Tensor3D {
  const K = enc.nComponents;
  const left = enc.side === 'left';
  const b = left ? scores.shape[1] : scores.shape[0];
  // Four 2-D products rather than one batched one: the wasm backend runs 2-D ones on XNNPACK.
  const perRep = enc.coef.map((coef, r) => {
    // The shared PCA feeds all four regressions with the same scores.
    if (left) {
      const p = enc.sharedPca ? scores : (tf.slice(scores, [r * K, 0], [K, b]) as tf.Tensor2D);
      return tf.add(tf.matMul(coef, p), enc.intercept[r]); // [rows, B]
    }
    const p = enc.sharedPca ? scores : (tf.slice(scores, [0, r * K], [b, K]) as tf.Tensor2D);
    return tf.fused.matMul({ a: p, b: coef, bias: enc.intercept[r] });
  });
  return (left ? tf.transpose(tf.stack(perRep), [2, 0, 1]) : tf.stack(perRep, 1)) as tf.Tensor3D;
}
