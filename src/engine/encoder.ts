// BERG's linear encoder on top of the AlexNet taps, per repetition r = 1..4:
//   z = (x - scaler.mean_) / scaler.scale_
//   p_r = (z - pca_r.mean_) @ pca_r.components_^T           (K components)
//   y_r = p_r @ coef_r^T + intercept_r                       (coef_r rows: channel-major, then time)
// Model folders store the scaler folded into the PCA (components / scale_, plus an offset), so
// p_r = x @ C_r^T + offset_r. Each tap is projected as soon as it exists, so the 205,672-long
// feature vector is never materialised and no weight tensor exceeds a GPU binding limit.

import * as tf from '@tensorflow/tfjs-core';
import { TAPS, transposeToHwc } from './alexnet.ts';
import { ModelLoadError } from './errors.ts';
import { N_CHANNELS, N_FEATURES, N_REPETITIONS, N_TIMES } from './types.ts';

/** Encoder arrays as a model folder names them (float32, row-major). */
export type EncoderArrays = Map<string, Float32Array>;

export interface EncoderTensors {
  /**
   * PCA components per tap, [tap size, P] (rows in TF.js's (H, W, C) order; P = K or 4K).
   * Stored transposed because the wasm backend multiplies [B, n] @ [n, P] far faster than with transposeB.
   */
  components: tf.Tensor2D[];
  /** [P] */
  offset: tf.Tensor1D;
  /** true: one PCA shared by the 4 repetitions (P = K); false: one per repetition (P = 4K) */
  sharedPca: boolean;
  nComponents: number;
  /** Per repetition [K, rows], rows = selected channel x time rows (transposed for the same reason). */
  coef: tf.Tensor2D[];
  /** Per repetition [rows] */
  intercept: tf.Tensor1D[];
  rows: number;
  dispose(): void;
}

/** The 63*140 regression rows kept by a selection, channel-major then time (BERG's order). */
export function selectionRows(channelIndices: number[], timeIndices: number[]): Int32Array {
  const rows = new Int32Array(channelIndices.length * timeIndices.length);
  let k = 0;
  for (const c of channelIndices) for (const t of timeIndices) rows[k++] = c * N_TIMES + t;
  return rows;
}

function need(arrays: EncoderArrays, name: string, length?: number): Float32Array {
  const a = arrays.get(name);
  if (!a) throw new ModelLoadError(`model weights lack '${name}': the model folder is incomplete; convert it again`);
  if (length !== undefined && a.length !== length) {
    throw new ModelLoadError(`model weight '${name}' holds ${a.length} values, expected ${length}`);
  }
  return a;
}

/** Upload the encoder, keeping only the selected regression rows. */
export function uploadEncoder(arrays: EncoderArrays, nComponents: number, sharedPca: boolean, rows: Int32Array): EncoderTensors {
  const K = nComponents;
  if (!Number.isInteger(K) || K < 1) throw new ModelLoadError(`invalid number of PCA components: ${K}`);
  const pcaNames = sharedPca ? ['pca'] : [1, 2, 3, 4].map((r) => `pca/rep-${r}`);
  const P = pcaNames.length * K;

  // Each tap's block of the stacked PCA matrices, transposed to [tapSize, P] in (H, W, C) order,
  // one tap at a time (never more than one tap's columns at once in JS).
  const components: tf.Tensor2D[] = [];
  const comps = pcaNames.map((n) => need(arrays, `${n}/components`, K * N_FEATURES));
  for (const tap of TAPS) {
    // Columns i * K .. i * K + K - 1 are PCA i's components, restricted to this tap's features.
    const t = new Float32Array(tap.size * P);
    const chw = tap.shape.length === 3 ? tap.shape : null;
    comps.forEach((c, i) => transposeToHwc(c, K, tap.size, chw, { srcOffset: tap.offset, srcStride: N_FEATURES, out: t, outStride: P, outOffset: i * K }));
    components.push(tf.tensor2d(t, [tap.size, P]));
  }
  const offsetData = new Float32Array(P);
  pcaNames.forEach((n, i) => offsetData.set(need(arrays, `${n}/offset`, K), i * K));

  const nRows = rows.length;
  const coef: tf.Tensor2D[] = [];
  const intercept: tf.Tensor1D[] = [];
  for (let r = 0; r < N_REPETITIONS; r++) {
    const c = need(arrays, `reg/rep-${r + 1}/coef`, N_CHANNELS * N_TIMES * K);
    const b = need(arrays, `reg/rep-${r + 1}/intercept`, N_CHANNELS * N_TIMES);
    // [K, rows]: row-gather and transpose in one pass.
    const ct = new Float32Array(K * nRows);
    const bt = new Float32Array(nRows);
    for (let i = 0; i < nRows; i++) {
      const row = rows[i];
      for (let k = 0; k < K; k++) ct[k * nRows + i] = c[row * K + k];
      bt[i] = b[row];
    }
    coef.push(tf.tensor2d(ct, [K, nRows]));
    intercept.push(tf.tensor1d(bt));
  }
  const offset = tf.tensor1d(offsetData);
  return {
    components,
    offset,
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

/** PCA scores [B, P] from the eight taps: sum over taps of tap @ C_tap^T, plus the offset. */
export function project(enc: EncoderTensors, taps: tf.Tensor2D[]): tf.Tensor2D {
  let acc: tf.Tensor2D | null = null;
  for (let i = 0; i < taps.length; i++) {
    const part = tf.matMul(taps[i], enc.components[i]) as tf.Tensor2D;
    acc = acc ? (tf.add(acc, part) as tf.Tensor2D) : part;
  }
  return tf.add(acc!, enc.offset) as tf.Tensor2D;
}

/** Responses [B, 4, rows] from PCA scores [B, P]. */
export function regress(enc: EncoderTensors, scores: tf.Tensor2D): tf.Tensor3D {
  const K = enc.nComponents;
  const b = scores.shape[0];
  // Four 2-D products rather than one batched one: the wasm backend runs 2-D ones on XNNPACK.
  const perRep = enc.coef.map((coef, r) => {
    // The shared PCA feeds all four regressions with the same scores.
    const p = enc.sharedPca ? scores : (tf.slice(scores, [0, r * K], [b, K]) as tf.Tensor2D);
    return tf.fused.matMul({ a: p, b: coef, bias: enc.intercept[r] });
  });
  return tf.stack(perRep, 1) as tf.Tensor3D;
}
