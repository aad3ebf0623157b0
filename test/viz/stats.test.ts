import { describe, expect, it } from 'vitest';
import {
  band,
  channelIndices,
  column,
  dissimilarity,
  gfp,
  maskIndices,
  meanChannelsByTime,
  meanDissimilarityOverTime,
  meanOverTimes,
  patternsAt,
  pearson,
  peaks,
  repSeries,
  sliceResponses,
  stack,
} from '../../src/viz/stats.ts';
import { rng } from '../helpers.ts';

const d = { B: 3, R: 4, C: 5, T: 7 };
const r = rng(3);
const data = Float32Array.from({ length: d.B * d.R * d.C * d.T }, () => r());
const at = (b: number, rep: number, c: number, t: number) => data[((b * d.R + rep) * d.C + c) * d.T + t];

describe('selection', () => {
  it('mask and channel indices', () => {
    expect([...maskIndices([0, 1, 1, 0, true, false])]).toEqual([1, 2, 4]);
    expect([...channelIndices(['a', 'b', 'c', 'd'], ['d', 'b'])]).toEqual([1, 3]);
  });
  it('slicing equals a naive loop', () => {
    const ch = [4, 0, 2];
    const t = [1, 2, 6];
    const s = sliceResponses(data, d, ch, t);
    expect(s.length).toBe(d.B * d.R * 3 * 3);
    let k = 0;
    for (let b = 0; b < d.B; b++)
      for (let rep = 0; rep < d.R; rep++)
        for (const c of ch) for (const tt of t) expect(s[k++]).toBe(at(b, rep, c, tt));
  });
  it('stack concatenates blocks', () => {
    const s = stack([new Float32Array([1, 2]), new Float32Array([3, 4])], 2);
    expect([...s]).toEqual([1, 2, 3, 4]);
    expect(() => stack([new Float32Array(3)], 2)).toThrow();
  });
});

describe('reductions', () => {
  it('repSeries averages images and channels per repetition', () => {
    const rs = repSeries(data, d, [0, 2], [1, 3]);
    for (let rep = 0; rep < d.R; rep++)
      for (let t = 0; t < d.T; t++) {
        const want = (at(0, rep, 1, t) + at(0, rep, 3, t) + at(2, rep, 1, t) + at(2, rep, 3, t)) / 4;
        expect(rs[rep * d.T + t]).toBeCloseTo(want, 6);
      }
  });
  it('band: min-max and sample SD', () => {
    const rows = new Float32Array([1, 0, 3, 0, 2, 0, 6, 0]); // R=4, T=2
    const mm = band(rows, 4, 2, 'minmax');
    expect(mm.mean[0]).toBe(3);
    expect(mm.lo[0]).toBe(1);
    expect(mm.hi[0]).toBe(6);
    const sd = band(rows, 4, 2, 'sd');
    const want = Math.sqrt(((1 - 3) ** 2 + 0 + (2 - 3) ** 2 + (6 - 3) ** 2) / 3);
    expect(sd.hi[0] - 3).toBeCloseTo(want, 6);
    expect(sd.lo[1]).toBe(0);
  });
  it('meanChannelsByTime, meanOverTimes, column', () => {
    const ct = meanChannelsByTime(data, d, [1]);
    const want = (at(1, 0, 2, 3) + at(1, 1, 2, 3) + at(1, 2, 2, 3) + at(1, 3, 2, 3)) / 4;
    expect(ct[2 * d.T + 3]).toBeCloseTo(want, 6);
    const m = meanOverTimes(ct, d.C, d.T, [3, 4]);
    expect(m[2]).toBeCloseTo((ct[2 * d.T + 3] + ct[2 * d.T + 4]) / 2, 6);
    expect(column(ct, d.C, d.T, 3)[2]).toBe(ct[2 * d.T + 3]);
  });
  it('gfp is the population SD across channels', () => {
    const ct = new Float32Array([1, 0, 3, 0, 5, 0]); // C=3, T=2
    const g = gfp(ct, 3, 2);
    expect(g[0]).toBeCloseTo(Math.sqrt(8 / 3), 6);
    expect(g[1]).toBe(0);
    // Invariant to adding a constant to all channels (reference-free).
    const g2 = gfp(ct.map((v) => v + 10), 3, 2);
    expect(g2[0]).toBeCloseTo(g[0], 5);
  });
  it('peaks: local maxima, largest first, spaced', () => {
    expect(peaks([0, 3, 0, 1, 5, 1, 0, 2], 2)).toEqual([1, 4]);
    expect(peaks([0, 3, 0, 1, 5, 1, 0, 2], 5, 3)).toEqual([1, 4, 7]);
  });
});

describe('dissimilarity', () => {
  it('pearson', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
  it('1 - r matrix, symmetric with zero diagonal, matches pearson', () => {
    const N = 4;
    const P = 6;
    const pats = Float32Array.from({ length: N * P }, () => r());
    const m = dissimilarity(pats, N, P);
    for (let i = 0; i < N; i++) {
      expect(m[i * N + i]).toBe(0);
      for (let j = 0; j < N; j++) {
        expect(m[i * N + j]).toBe(m[j * N + i]);
        if (i !== j) expect(m[i * N + j]).toBeCloseTo(1 - pearson(pats.subarray(i * P, i * P + P), pats.subarray(j * P, j * P + P)), 5);
      }
    }
  });
  it('patterns average repetitions; mean dissimilarity over time matches the matrix', () => {
    const p = patternsAt(data, d, [0, 1, 2], [0, 1, 2, 3, 4], 5);
    expect(p[1 * 5 + 2]).toBeCloseTo((at(1, 0, 2, 5) + at(1, 1, 2, 5) + at(1, 2, 2, 5) + at(1, 3, 2, 5)) / 4, 6);
    const over = meanDissimilarityOverTime(data, d, [0, 1, 2], [0, 1, 2, 3, 4]);
    const m = dissimilarity(p, 3, 5);
    expect(over[5]).toBeCloseTo((m[1] + m[2] + m[5]) / 3, 5);
    expect(meanDissimilarityOverTime(data, d, [0], [0, 1])[0]).toBeNaN();
  });
});
