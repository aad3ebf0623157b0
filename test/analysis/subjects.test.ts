import { describe, expect, it } from 'vitest';
import golden from '../golden/subjects/subjects.json';
import { subjectDiffSpread, subjectMaps, subjectMapSpread, subjectMean, subjectSeries, subjectSpread } from '../../src/analysis/subjects.ts';

const close = (a: ArrayLike<number>, b: number[], tol: number) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])), `at ${i}`).toBeLessThan(tol);
};

const { S, B, R, C, T } = golden.dims;
const d = { B, R, C, T };
const block = B * R * C * T;
const subjects = Array.from({ length: S }, (_, s) => Float32Array.from(golden.x.slice(s * block, (s + 1) * block)));

describe('subject means and between-subject spread (numpy, scipy.stats.sem, t.interval)', () => {
  it('the element-wise mean over subjects matches numpy (float32)', () => {
    const m = subjectMean(subjects);
    expect(m.length).toBe(block);
    close(m, golden.mean, 1e-7);
  });
  it('subject-level values: each subject averaged over repetitions, images and channels (time course) or times (map)', () => {
    close(subjectSeries(subjects, d, golden.images, golden.ch), golden.series, 1e-6);
    close(subjectMaps(subjects, d, golden.images, golden.times), golden.maps, 1e-6);
  });
  it('mean, SD, SEM and the 95% CI across subjects match scipy', () => {
    for (const [got, want] of [
      [subjectSpread(subjects, d, golden.images, golden.ch), golden.series_spread],
      [subjectMapSpread(subjects, d, golden.images, golden.times), golden.map_spread],
      [subjectDiffSpread(subjects, d, golden.imagesA, golden.imagesB, golden.ch), golden.diff_spread],
    ] as const) {
      expect(got.n).toBe(S);
      close(got.mean, want.mean, 1e-6);
      close(got.sd, want.sd, 1e-6);
      close(got.sem, want.sem, 1e-6);
      close(got.ci95Lo, want.ci95Lo, 1e-6);
      close(got.ci95Hi, want.ci95Hi, 1e-6);
    }
  });
  it('a hand-checkable case: two subjects, one value each, SEM = |a - b| / 2', () => {
    const dd = { B: 1, R: 1, C: 1, T: 1 };
    const s = subjectSpread([Float32Array.of(1), Float32Array.of(4)], dd, [0], [0]);
    expect(s.mean[0]).toBe(2.5);
    expect(s.sem[0]).toBeCloseTo(1.5, 12);
    expect(subjectMean([Float32Array.of(1, 2), Float32Array.of(4, 6)])).toEqual(Float32Array.of(2.5, 4));
  });
  it('refuses subjects whose arrays differ in length', () => {
    expect(() => subjectMean([new Float32Array(2), new Float32Array(3)])).toThrow(/differ in length/);
  });
});
