import { describe, expect, it } from 'vitest';
import golden from '../golden/stats/distributions.json';
import { fCdf, fPpf, tCdf, tPpf } from '../../src/analysis/distributions.ts';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('t and F quantiles (scipy.stats)', () => {
  // scipy 1.10's t.ppf (cephes stdtrit) is itself off by up to ~2e-9 relative: t.cdf(t.ppf(0.6, 29), 29)
  // = 0.59999999977; ours gives t.cdf(x) = p to 1e-15, so the comparison allows 1e-8.
  it('t.ppf matches scipy within 1e-8 relative', () => {
    for (const c of golden.t_ppf) expect(rel(tPpf(c.p, c.df), c.x), `p=${c.p} df=${c.df}`).toBeLessThan(1e-8);
  });
  it('f.ppf matches scipy within 1e-10 relative', () => {
    for (const c of golden.f_ppf) expect(rel(fPpf(c.p, c.dfn, c.dfd), c.x), `dfn=${c.dfn} dfd=${c.dfd}`).toBeLessThan(1e-10);
  });
  it('cdf inverts ppf', () => {
    expect(tCdf(tPpf(0.975, 7), 7)).toBeCloseTo(0.975, 14);
    expect(tCdf(tPpf(0.6, 29), 29)).toBeCloseTo(0.6, 14);
    expect(fCdf(fPpf(0.95, 2, 13), 2, 13)).toBeCloseTo(0.95, 12);
    expect(tPpf(0.5, 3)).toBe(0);
  });
});
