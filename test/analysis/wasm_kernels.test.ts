import { afterEach, describe, expect, it } from 'vitest';
import { subsetSums } from '../../src/analysis/cluster_test.ts';
import { generalizingDecoding, rocAuc, rocAucFromClasses, slidingDecoding } from '../../src/analysis/decoding.ts';
import { RandomState } from '../../src/analysis/random_state.ts';
import { useWasmKernels, wasmKernels } from '../../src/analysis/wasm_kernels.ts';

// The SIMD kernels must give exactly the numbers of the scalar loops they stand in for.
const both = <R>(f: () => R): [R, R] => {
  useWasmKernels(true);
  const fast = f();
  useWasmKernels(false);
  const plain = f();
  useWasmKernels(true);
  return [fast, plain];
};

describe('WebAssembly SIMD kernels', () => {
  afterEach(() => useWasmKernels(true));

  it('are available in this engine', () => {
    expect(wasmKernels(1024)).not.toBeNull();
  });

  it('subset sums: bit-identical to the scalar loop (rows not a multiple of 8, tests not a multiple of 64)', () => {
    const rs = new RandomState(5);
    for (const [n, m, P] of [
      [37, 150, 40],
      [8, 64, 9],
      [3, 5, 4],
    ]) {
      const X = Float64Array.from({ length: n * m }, () => rs.nextDouble() * 2 - 1);
      const masks = Array.from({ length: P }, () => Uint8Array.from({ length: n }, () => (rs.nextDouble() < 0.5 ? 1 : 0)));
      const [fast, plain] = both(() => subsetSums(X, n, m, masks));
      expect(fast).toEqual(plain);
      // and they are the subset sums
      for (let q = 0; q < P; q += 7)
        for (let j = 0; j < m; j += 11) {
          let s = 0;
          for (let i = 0; i < n; i++) if (masks[q][i]) s += X[i * m + j];
          expect(Math.abs(fast[q * m + j] - s)).toBeLessThan(1e-12);
        }
    }
  });

  it('generalisation decisions: bit-identical scores, and the diagonal equals the sliding decoder', () => {
    const rs = new RandomState(6);
    for (const [n, C, T] of [
      [60, 6, 13],
      [40, 3, 8],
      [30, 4, 5],
    ]) {
      // values on a coarse grid, so some decisions tie
      const X = Float64Array.from({ length: n * C * T }, (_, i) => Math.round((rs.nextDouble() - 0.5 + ((i / (C * T)) | 0) % 2 * 0.3) * 8) / 8);
      const y = Int32Array.from({ length: n }, (_, i) => i % 2);
      for (const scoring of ['roc_auc', 'accuracy'] as const) {
        const [fast, plain] = both(() => generalizingDecoding(X, n, C, T, y, { seed: 2, scoring, nSplits: 3 }));
        expect(fast.scores).toEqual(plain.scores);
        const s = slidingDecoding(X, n, C, T, y, { seed: 2, scoring, nSplits: 3 });
        for (let f = 0; f < 3; f++) for (let t = 0; t < T; t++) expect(fast.scores[(f * T + t) * T + t]).toBe(s.scores[f * T + t]);
      }
    }
  });
});

describe('ROC-AUC from the two classes', () => {
  it('is the same number as the rank-sum formula, ties included', () => {
    const rs = new RandomState(8);
    for (let r = 0; r < 200; r++) {
      const n = 2 + (r % 40);
      const grid = 1 + (r % 5);
      const labels = Int32Array.from({ length: n }, (_, i) => (i < 1 ? 0 : i < 2 ? 1 : rs.nextDouble() < 0.4 ? 1 : 0));
      const scores = Float64Array.from({ length: n }, () => Math.round((rs.nextDouble() - 0.5) * grid) / grid || (rs.nextDouble() < 0.5 ? -0 : 0));
      const pos = scores.filter((_, i) => labels[i] === 1);
      const neg = scores.filter((_, i) => labels[i] === 0);
      expect(rocAucFromClasses(pos, neg)).toBe(rocAuc(labels, scores));
    }
  });
});
