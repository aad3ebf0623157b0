import { describe, expect, it } from 'vitest';
import golden from '../golden/stats/decoding.json';
import { fitLda, generalizingDecoding, rocAuc, slidingDecoding, slidingFromGeneralizing, stratifiedKFold } from '../../src/analysis/decoding.ts';
import { RandomState } from '../../src/analysis/random_state.ts';

const { n, C, T, y } = golden;
const X = golden.X as number[];

describe('StratifiedKFold (scikit-learn 1.2)', () => {
  it('assigns the same test folds as sklearn for the same random_state, and without shuffling', () => {
    for (const seed of [0, 7, 123]) expect([...stratifiedKFold(y, 5, true, seed)]).toEqual(golden.folds[String(seed) as '0']);
    expect([...stratifiedKFold(y, 5, false)]).toEqual(golden.folds.noshuffle);
    expect([...stratifiedKFold(golden.y3, 4, true, 3)]).toEqual(golden.folds3_seed3_k4);
  });
  it('keeps every class balanced across folds (sizes differ by at most one)', () => {
    const rs = new RandomState(9);
    const labels = Array.from({ length: 103 }, () => (rs.nextDouble() < 0.3 ? 1 : 0));
    const folds = stratifiedKFold(labels, 5, true, 4);
    for (const k of [0, 1]) {
      const per = [0, 1, 2, 3, 4].map((f) => labels.filter((v, i) => v === k && folds[i] === f).length);
      expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(1);
    }
    expect([...stratifiedKFold(labels, 5, true, 4)]).toEqual([...folds]);
    expect([...stratifiedKFold(labels, 5, true, 5)]).not.toEqual([...folds]);
  });
});

describe('LDA lsqr + Ledoit-Wolf (scikit-learn 1.2)', () => {
  it('fits the same coefficients and intercept', () => {
    const Xt = new Float64Array(n * C);
    for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) Xt[i * C + c] = X[(i * C + c) * T + 6];
    const m = fitLda(Xt, y, C);
    golden.fit_t6.coef.forEach((v, i) => expect(Math.abs(m.coef[i] - v) / Math.abs(v)).toBeLessThan(1e-9));
    expect(Math.abs(m.intercept - golden.fit_t6.intercept) / Math.abs(golden.fit_t6.intercept)).toBeLessThan(1e-9);
  });
  it('roc_auc counts ties as one half', () => {
    expect(rocAuc([0, 1, 0, 1], [0.1, 0.4, 0.4, 0.9])).toBeCloseTo(0.875, 12);
  });
});

describe('SlidingEstimator / GeneralizingEstimator with cross_val_multiscore (MNE 1.3)', () => {
  const folds = golden.folds['7'];
  for (const scoring of ['roc_auc', 'accuracy'] as const) {
    it(`${scoring}: identical scores for the same folds`, () => {
      const s = slidingDecoding(X, n, C, T, y, { folds, scoring });
      golden.scores[scoring].sliding.forEach((v, i) => expect(Math.abs(s.scores[i] - v), `sliding ${i}`).toBeLessThan(1e-12));
      const g = generalizingDecoding(X, n, C, T, y, { folds, scoring });
      golden.scores[scoring].generalizing.forEach((v, i) => expect(Math.abs(g.scores[i] - v), `generalizing ${i}`).toBeLessThan(1e-12));
      // our StratifiedKFold with the same seed gives the same split, so the same scores
      const own = slidingDecoding(X, n, C, T, y, { seed: 7, scoring });
      expect([...own.scores]).toEqual([...s.scores]);
    });
  }
  it('decodes above chance where the classes differ and near chance where they do not', () => {
    const s = slidingDecoding(X, n, C, T, y, { seed: 7 });
    expect(s.chance).toBe(0.5);
    const mean = (ts: number[]) => ts.reduce((a, t) => a + s.mean[t], 0) / ts.length;
    expect(mean([4, 5, 6, 7, 8])).toBeGreaterThan(0.7); // the effect window
    expect(mean([0, 1, 2, 3])).toBeLessThan(0.6);
  });
});

describe('slidingFromGeneralizing', () => {
  it('gives the sliding decoder itself: same scores, means, folds and chance', () => {
    const rs = new RandomState(11);
    const [n, C, T] = [48, 5, 9];
    const X = Float64Array.from({ length: n * C * T }, (_, i) => rs.nextDouble() - 0.5 + (((i / (C * T)) | 0) % 2) * 0.2);
    const y = Int32Array.from({ length: n }, (_, i) => i % 2);
    for (const scoring of ['roc_auc', 'accuracy'] as const) {
      const s = slidingDecoding(X, n, C, T, y, { seed: 4, scoring, nSplits: 4 });
      const d = slidingFromGeneralizing(generalizingDecoding(X, n, C, T, y, { seed: 4, scoring, nSplits: 4 }));
      expect(d.estimator).toBe('SlidingEstimator');
      expect(Array.from(d.scores)).toEqual(Array.from(s.scores));
      expect(Array.from(d.mean)).toEqual(Array.from(s.mean));
      expect(Array.from(d.folds)).toEqual(Array.from(s.folds));
      expect(d.chance).toBe(s.chance);
    }
    expect(() => slidingFromGeneralizing(slidingDecoding(X, n, C, T, y))).toThrow(/GeneralizingEstimator/);
  });
});
