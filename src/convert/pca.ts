// The PCA's maths at conversion time, in one place: folding BERG's StandardScaler into each
// repetition's PCA, and the compact form (one shared basis). The engine then applies the folded
// projection layer by layer (engine/encoder.ts); docs/maths.md derives each step.
//
// Folding: BERG computes p = ((x - mean_s) / scale - mean_p) C^T. Dividing C's columns by scale
// and collecting the constant terms gives p = x C'^T + o with one matrix and one offset, so the
// standardised 205,672-vector never has to exist.
//
// Compact form: one PCA basis (repetition 1's) for all four repetitions.
// Each repetition's scores are mapped from the shared ones by a K x K matrix, and that map is
// folded into the repetition's regression, so the engine projects once instead of four times:
// a quarter of the PCA's memory and work. Exact when the four PCAs span the same subspace
// (e.g. one PCA fitted four times); otherwise the part of a repetition's components outside
// repetition 1's span is lost, which the converter measures on probe images.
//
// With the scaler folded in, p_r = C_r x + o_r. Standardised (z-space) components are
// V_r = C_r * scale (per feature); the map N_r is the least-squares fit V_r ≈ N_r V_1:
//   N_r = (V_r V_1ᵀ)(V_1 V_1ᵀ)⁻¹, so p_r ≈ N_r (p_1 - o_1) + o_r and
//   y_r = coef_r p_r + b_r ≈ (coef_r N_r) p_1 + b_r + coef_r (o_r - N_r o_1).

import type { BergPca, BergWeights } from '../io/berg.ts';
import { N_CHANNELS, N_TIMES } from '../core/types.ts';

/** The folded projection for one PCA: p = x @ components^T + offset. */
export interface FoldedPca {
  /** [K, F] float32 */
  components: Float32Array;
  /** [K] float32 */
  offset: Float32Array;
}

/**
 * Folds the scaler (and sklearn's whitening, if on) into each PCA, in float64, rounding
 * once to float32: components[k,f] = C[k,f] / scale[f],
 * offset[k] = -sum_f (mean_s[f] / scale[f] + mean_p[f]) * C[k,f].
 * With inPlace, float32 components are overwritten (saves one copy of ~200 MB per PCA).
 */
export function foldScaler(w: BergWeights, opts: { inPlace?: boolean } = {}): FoldedPca[] {
  const { mean: ms, scale } = w.scaler;
  const F = w.nFeatures;
  const K = w.nComponents;
  const shift = new Float64Array(F);
  const inv = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    inv[f] = 1 / scale[f];
    shift[f] = ms[f] / scale[f];
  }
  const done = new Map<BergPca, FoldedPca>();
  return w.pca.reps.map((p) => {
    const prev = done.get(p);
    if (prev) return prev;
    const C = p.components;
    const out = opts.inPlace && C instanceof Float32Array ? C : new Float32Array(K * F);
    const offset = new Float32Array(K);
    for (let k = 0; k < K; k++) {
      const wk = p.whiten && p.explainedVariance ? 1 / Math.sqrt(p.explainedVariance[k]) : 1;
      let acc = 0;
      const row = k * F;
      for (let f = 0; f < F; f++) {
        const c = C[row + f];
        acc += (shift[f] + p.mean[f]) * c;
        out[row + f] = c * inv[f] * wk;
      }
      offset[k] = -acc * wk;
    }
    const folded = { components: out, offset };
    done.set(p, folded);
    return folded;
  });
}

// ---------------- compact form ----------------

export interface CompactEncoder {
  /** the PCA (folded) all repetitions share: repetition 1's */
  basisRepetition: 1;
  /** per repetition: coef_r N_r, [63 * 140, K] */
  coef: Float32Array[];
  /** per repetition: b_r + coef_r (o_r - N_r o_1), [63 * 140] */
  intercept: Float32Array[];
  /**
   * per repetition: the share of its standardised components' squared norm outside the shared
   * basis, 1 - tr(N_r V_1 V_rᵀ) / tr(V_r V_rᵀ) (0 when exact)
   */
  residual: number[];
}

/**
 * G[i, j] = Σ_f a[i, f] b[j, f] w[f] for a, b [K, F] (row-major), in float64. Rows of `a` two at a
 * time against four of `b` over blocks of F: about 2 G multiply-adds per second in V8.
 */
export function weightedGram(a: Float32Array, b: Float32Array, w: Float64Array, K: number, F: number): Float64Array {
  const G = new Float64Array(K * K);
  const FB = 512;
  const bw = new Float64Array(4 * FB);
  for (let f0 = 0; f0 < F; f0 += FB) {
    const n = Math.min(FB, F - f0);
    for (let j = 0; j < K; j += 4) {
      const jn = Math.min(4, K - j);
      for (let q = 0; q < 4; q++) {
        const row = (j + q) * F + f0;
        for (let f = 0; f < n; f++) bw[q * FB + f] = q < jn ? b[row + f] * w[f0 + f] : 0;
      }
      for (let i = 0; i < K; i += 2) {
        const two = i + 1 < K;
        const a0 = i * F + f0;
        const a1 = two ? a0 + F : a0; // (a repeated row when K is odd; its sums are dropped)
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0; // prettier-ignore
        for (let f = 0; f < n; f++) {
          const x = a[a0 + f];
          const y = a[a1 + f];
          const b0 = bw[f], b1 = bw[FB + f], b2 = bw[2 * FB + f], b3 = bw[3 * FB + f]; // prettier-ignore
          s00 += x * b0; s01 += x * b1; s02 += x * b2; s03 += x * b3; // prettier-ignore
          s10 += y * b0; s11 += y * b1; s12 += y * b2; s13 += y * b3; // prettier-ignore
        }
        const sums = [s00, s01, s02, s03, s10, s11, s12, s13];
        for (let r = 0; r < (two ? 2 : 1); r++) for (let q = 0; q < jn; q++) G[(i + r) * K + j + q] += sums[r * 4 + q];
      }
    }
  }
  return G;
}

/** X = B A⁻¹ for symmetric positive definite A [K, K] (Cholesky), B [R, K]; all float64. */
export function solveRight(B: Float64Array, A: Float64Array, K: number): Float64Array {
  // A = L Lᵀ; a relative ridge of 1e-12 keeps exactly dependent components from dividing by zero
  const L = new Float64Array(K * K);
  let trace = 0;
  for (let i = 0; i < K; i++) trace += A[i * K + i];
  const ridge = (1e-12 * trace) / K;
  for (let i = 0; i < K; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * K + j] + (i === j ? ridge : 0);
      for (let k = 0; k < j; k++) s -= L[i * K + k] * L[j * K + k];
      if (i === j) {
        if (!(s > 0)) throw new Error('the shared PCA basis is degenerate (its components are linearly dependent)');
        L[i * K + i] = Math.sqrt(s);
      } else L[i * K + j] = s / L[j * K + j];
    }
  }
  // X A = B  <=>  A X_rowᵀ = B_rowᵀ (A symmetric): solve L z = b, then Lᵀ x = z, row by row
  const R = B.length / K;
  const X = new Float64Array(R * K);
  const z = new Float64Array(K);
  for (let r = 0; r < R; r++) {
    const b = r * K;
    for (let i = 0; i < K; i++) {
      let s = B[b + i];
      for (let k = 0; k < i; k++) s -= L[i * K + k] * z[k];
      z[i] = s / L[i * K + i];
    }
    for (let i = K - 1; i >= 0; i--) {
      let s = z[i];
      for (let k = i + 1; k < K; k++) s -= L[k * K + i] * X[b + k];
      X[b + i] = s / L[i * K + i];
    }
  }
  return X;
}

/**
 * The compact encoder from a subject's folded PCAs (foldScaler) and regressions. `onProgress`
 * counts the four repetitions (the weighted Gram matrices take nearly all the time).
 */
export function compactEncoder(w: BergWeights, folded: FoldedPca[], onProgress?: (done: number, total: number) => void): CompactEncoder {
  const K = w.nComponents;
  const F = w.nFeatures;
  const rows = N_CHANNELS * N_TIMES;
  const scale2 = new Float64Array(F);
  for (let f = 0; f < F; f++) scale2[f] = w.scaler.scale[f] * w.scaler.scale[f];
  const pcaOf = (r: number) => folded[Math.min(r, folded.length - 1)];
  const base = pcaOf(0);
  const g11 = weightedGram(base.components, base.components, scale2, K, F);
  const coef: Float32Array[] = [];
  const intercept: Float32Array[] = [];
  const residual: number[] = [];
  for (let r = 0; r < w.reg.length; r++) {
    const p = pcaOf(r);
    let N: Float64Array; // [K, K]
    if (p === base) {
      N = new Float64Array(K * K);
      for (let i = 0; i < K; i++) N[i * K + i] = 1;
      residual.push(0);
    } else {
      const gr1 = weightedGram(p.components, base.components, scale2, K, F);
      N = solveRight(gr1, g11, K);
      // tr(N_r V_1 V_rᵀ) / tr(V_r V_rᵀ): the diagonal of V_r V_rᵀ is cheap (row norms)
      let kept = 0;
      let total = 0;
      for (let i = 0; i < K; i++) {
        for (let j = 0; j < K; j++) kept += N[i * K + j] * gr1[i * K + j];
        const row = p.components.subarray(i * F, i * F + F);
        for (let f = 0; f < F; f++) total += row[f] * row[f] * scale2[f];
      }
      residual.push(total > 0 ? Math.max(0, 1 - kept / total) : 0);
    }
    // shift = o_r - N_r o_1
    const shift = new Float64Array(K);
    for (let i = 0; i < K; i++) {
      let s = p.offset[i];
      for (let j = 0; j < K; j++) s -= N[i * K + j] * base.offset[j];
      shift[i] = s;
    }
    const c = w.reg[r].coef;
    const b = w.reg[r].intercept;
    const cOut = new Float32Array(rows * K);
    const bOut = new Float32Array(rows);
    const acc = new Float64Array(K);
    for (let row = 0; row < rows; row++) {
      acc.fill(0);
      let bias = b[row];
      for (let i = 0; i < K; i++) {
        const ci = c[row * K + i];
        if (ci === 0) continue;
        bias += ci * shift[i];
        for (let j = 0; j < K; j++) acc[j] += ci * N[i * K + j];
      }
      for (let j = 0; j < K; j++) cOut[row * K + j] = acc[j];
      bOut[row] = bias;
    }
    coef.push(cOut);
    intercept.push(bOut);
    onProgress?.(r + 1, w.reg.length);
  }
  return { basisRepetition: 1, coef, intercept, residual };
}
