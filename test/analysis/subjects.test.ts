import { describe, expect, it } from 'vitest';
import golden from '../golden/subjects/subjects.json';
import { subjectDiffSpread, subjectMaps, subjectMapSpread, subjectMean, subjectSeries, subjectSpread, subjectTuning } from '../../src/analysis/subjects.ts';

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
  it('tuning curves per subject (mean over the images at each value) and their spread across subjects match numpy and scipy', () => {
    // each subject's mean amplitude of each image over repetitions, the channels and the times
    const scores = subjects.map((x) =>
      Float64Array.from({ length: B }, (_, b) => {
        let sum = 0;
        for (let r = 0; r < R; r++) for (const c of golden.ch) for (const t of golden.times) sum += x[((b * R + r) * C + c) * T + t];
        return sum / (R * golden.ch.length * golden.times.length);
      }),
    );
    close(scores.flatMap((v) => Array.from(v)), golden.tune_scores, 1e-6);
    const got = subjectTuning(scores, golden.tune_values);
    expect(got.values).toEqual(golden.tune_levels);
    close(got.curves, golden.tune_curves, 1e-6);
    expect(got.spread.n).toBe(S);
    for (const k of ['mean', 'sd', 'sem', 'ci95Lo', 'ci95Hi'] as const) close(got.spread[k], golden.tune_spread[k], 1e-6);
  });
  it('a tuning curve leaves NaN scores out within each subject, and refuses scores that do not match the values', () => {
    const t = subjectTuning([Float64Array.of(1, NaN, 3), Float64Array.of(2, 4, 6)], [5, 5, 7]);
    expect(t.values).toEqual([5, 7]);
    expect(Array.from(t.curves)).toEqual([1, 3, 3, 6]);
    expect(Array.from(t.spread.mean)).toEqual([2, 4.5]);
    expect(() => subjectTuning([Float64Array.of(1, 2)], [1, 2, 3])).toThrow(/3 values for 2 scores/);
  });
});
