import { describe, expect, it } from 'vitest';
import { MT19937 } from '../../src/engine/mt19937.ts';
import { N_CHANNELS, N_TIMES } from '../../src/core/types.ts';
import type { BergWeights } from '../../src/io/berg.ts';
import { compactEncoder, foldScaler, solveRight, weightedGram } from '../../src/convert/pca.ts';

const ROWS = N_CHANNELS * N_TIMES;

function uniform(rng: MT19937, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  rng.fillUniformFloat32(a, lo, hi);
  return a;
}

/**
 * Small BERG-shaped weights (F features, K components) whose repetitions 2-4 have components
 * M_r V_1 (in standardised space) plus `outside` times a component orthogonal to nothing in
 * particular: exact for outside = 0.
 */
function weights(F: number, K: number, outside: number): BergWeights {
  const rng = new MT19937(7);
  const scale = Float64Array.from(uniform(rng, F, 0.5, 2));
  const mean = Float64Array.from(uniform(rng, F));
  const base = uniform(rng, K * F);
  const reps = [0, 1, 2, 3].map((r) => {
    let comps = base;
    if (r > 0) {
      const M = uniform(rng, K * K);
      const noise = uniform(rng, K * F);
      comps = new Float32Array(K * F);
      for (let i = 0; i < K; i++) {
        for (let f = 0; f < F; f++) {
          let s = outside * noise[i * F + f];
          for (let j = 0; j < K; j++) s += M[i * K + j] * base[j * F + f];
          comps[i * F + f] = s;
        }
      }
    }
    return { components: comps, mean: uniform(rng, F, -0.5, 0.5), whiten: false };
  });
  const reg = reps.map(() => ({ coef: uniform(rng, ROWS * K), intercept: uniform(rng, ROWS) }));
  return { scaler: { mean, scale }, pca: { layout: 'per-repetition', reps }, reg, nComponents: K, nFeatures: F } as BergWeights;
}

/** BERG's responses for feature vector x, in float64: per repetition [ROWS]. */
function exactResponses(w: BergWeights, x: Float64Array): Float64Array[] {
  const K = w.nComponents;
  const F = w.nFeatures;
  return w.reg.map((reg, r) => {
    const p = w.pca.reps[r];
    const scores = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let f = 0; f < F; f++) s += ((x[f] - w.scaler.mean[f]) / w.scaler.scale[f] - p.mean[f]) * p.components[k * F + f];
      scores[k] = s;
    }
    const y = new Float64Array(ROWS);
    for (let i = 0; i < ROWS; i++) {
      let s = reg.intercept[i];
      for (let k = 0; k < K; k++) s += reg.coef[i * K + k] * scores[k];
      y[i] = s;
    }
    return y;
  });
}

/** The compact model's responses: repetition 1's folded scores through each folded regression. */
function compactResponses(w: BergWeights, x: Float64Array) {
  const unfolded = w.pca.reps.map((p) => ({ ...p, components: p.components.slice() }));
  const folded = foldScaler({ ...w, pca: { ...w.pca, reps: unfolded } });
  const c = compactEncoder(w, folded);
  const K = w.nComponents;
  const F = w.nFeatures;
  const s = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let acc = folded[0].offset[k];
    for (let f = 0; f < F; f++) acc += folded[0].components[k * F + f] * x[f];
    s[k] = acc;
  }
  const y = c.coef.map((coef, r) => {
    const out = new Float64Array(ROWS);
    for (let i = 0; i < ROWS; i++) {
      let acc = c.intercept[r][i];
      for (let k = 0; k < K; k++) acc += coef[i * K + k] * s[k];
      out[i] = acc;
    }
    return out;
  });
  return { y, residual: c.residual };
}

const relErr = (got: Float64Array, want: Float64Array) => {
  let e = 0;
  let m = 0;
  for (let i = 0; i < want.length; i++) {
    e = Math.max(e, Math.abs(got[i] - want[i]));
    m = Math.max(m, Math.abs(want[i]));
  }
  return e / m;
};

describe('compact form (one shared PCA basis)', () => {
  it('weightedGram and solveRight agree with direct sums and a check of X A = B', () => {
    const rng = new MT19937(3);
    const [K, F] = [5, 1037]; // odd K and a partial block of F
    const a = uniform(rng, K * F);
    const b = uniform(rng, K * F);
    const w = Float64Array.from(uniform(rng, F, 0.1, 3));
    const G = weightedGram(a, b, w, K, F);
    for (let i = 0; i < K; i++) {
      for (let j = 0; j < K; j++) {
        let s = 0;
        for (let f = 0; f < F; f++) s += a[i * F + f] * b[j * F + f] * w[f];
        expect(G[i * K + j]).toBeCloseTo(s, 9);
      }
    }
    const A = weightedGram(a, a, w, K, F); // symmetric positive definite
    const B = Float64Array.from(uniform(rng, 3 * K));
    const X = solveRight(B, A, K);
    for (let r = 0; r < 3; r++) {
      for (let j = 0; j < K; j++) {
        let s = 0;
        for (let i = 0; i < K; i++) s += X[r * K + i] * A[i * K + j];
        expect(s).toBeCloseTo(B[r * K + j], 9);
      }
    }
  });

  it('equals BERG when the four PCAs span the same subspace, and says how much is lost when they do not', () => {
    const F = 300;
    const K = 4;
    const rng = new MT19937(11);
    const x = Float64Array.from(uniform(rng, F, -3, 3));
    const same = weights(F, K, 0);
    const exact = exactResponses(same, x);
    const c = compactResponses(same, x);
    for (let r = 0; r < 4; r++) expect(relErr(c.y[r], exact[r])).toBeLessThan(1e-5);
    expect(Math.max(...c.residual)).toBeLessThan(1e-9);

    const apart = weights(F, K, 0.3);
    const exact2 = exactResponses(apart, x);
    const c2 = compactResponses(apart, x);
    expect(relErr(c2.y[0], exact2[0])).toBeLessThan(1e-5); // repetition 1 is the basis
    for (let r = 1; r < 4; r++) {
      expect(c2.residual[r]).toBeGreaterThan(0.01);
      expect(relErr(c2.y[r], exact2[r])).toBeGreaterThan(1e-3);
    }
    expect(c2.residual[0]).toBe(0);
  });
});
