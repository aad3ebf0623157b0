import { describe, expect, it } from 'vitest';
import golden from '../golden/stats/spread.json';
import { imageMaps, imageSeries, spread, spreadBand } from '../../src/analysis/spread.ts';

const close = (a: ArrayLike<number>, b: number[], tol: number) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])), `at ${i}`).toBeLessThan(tol);
};

describe('spread across images (scipy.stats.sem, t.interval)', () => {
  const s = spread(golden.X, golden.n, golden.T);
  it('mean, SD, SEM and the t-based 95% CI match scipy', () => {
    close(s.mean, golden.mean, 1e-12);
    close(s.sd, golden.sd, 1e-12);
    close(s.sem, golden.sem, 1e-12);
    close(s.ci95Lo, golden.ci95_lo, 1e-9);
    close(s.ci95Hi, golden.ci95_hi, 1e-9);
  });
  it('bands by kind', () => {
    const b = spreadBand(s, 'sem');
    expect(b.hi[3] - b.lo[3]).toBeCloseTo(2 * golden.sem[3], 12);
    expect(spreadBand(s, 'ci95').lo).toBe(s.ci95Lo);
  });
  it('image series average repetitions and channels; image maps keep channels', () => {
    const d = { B: 2, R: 4, C: 3, T: 2 };
    const data = Float32Array.from({ length: 48 }, (_, i) => i);
    const at = (b: number, r: number, c: number, t: number) => ((b * 4 + r) * 3 + c) * 2 + t;
    const ser = imageSeries(data, d, [1], [0, 2]);
    let want = 0;
    for (let r = 0; r < 4; r++) want += at(1, r, 0, 1) + at(1, r, 2, 1);
    expect(ser[1]).toBeCloseTo(want / 8, 10);
    const maps = imageMaps(data, d, [1, 0]);
    expect(maps[(1 * 3 + 2) * 2 + 0]).toBeCloseTo((at(0, 0, 2, 0) + at(0, 1, 2, 0) + at(0, 2, 2, 0) + at(0, 3, 2, 0)) / 4, 10);
  });
});
