import { describe, expect, it } from 'vitest';
import golden from '../golden/stats/rsa.json';
import { categoricalRdm, nPairs, parseModelRdm, rankdata, rdm, rdmsOverTime, rsaTimecourse, spearman, squareForm } from '../../src/analysis/rsa.ts';

const { n, C, T } = golden;
const X = golden.X as number[];
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));

describe('RDMs (scipy pdist) and Spearman (scipy.stats.spearmanr)', () => {
  const corr = rdmsOverTime(X, n, C, T, 'correlation');
  const eucl = rdmsOverTime(X, n, C, T, 'euclidean');
  it('1 - Pearson r and Euclidean RDMs per time match pdist within 1e-12', () => {
    golden.rdm_correlation.forEach((r, t) => r.forEach((v, k) => expect(rel(corr[t][k], v)).toBeLessThan(1e-12)));
    golden.rdm_euclidean.forEach((r, t) => r.forEach((v, k) => expect(rel(eucl[t][k], v)).toBeLessThan(1e-12)));
  });
  it('model RDMs: categorical from the conditions, pixels by 1 - r', () => {
    expect([...categoricalRdm(golden.labels)]).toEqual(golden.model_categorical);
    const pix = rdm(golden.pixels, n, golden.pixels.length / n, 'correlation');
    golden.model_pixels.forEach((v, k) => expect(rel(pix[k], v)).toBeLessThan(1e-12));
  });
  it('Spearman rho over time matches scipy within 1e-12 (ties included)', () => {
    const cat = Float64Array.from(golden.model_categorical);
    golden.spearman_corr_vs_categorical.forEach((v, t) => expect(rel(spearman(corr[t], cat), v)).toBeLessThan(1e-12));
    const pix = Float64Array.from(golden.model_pixels);
    golden.spearman_eucl_vs_pixels.forEach((v, t) => expect(rel(spearman(eucl[t], pix), v)).toBeLessThan(1e-12));
    expect([...rankdata([3, 1, 3, 2])]).toEqual([3.5, 1, 3.5, 2]);
  });
  it('permutation test over image labels: the same draws as numpy give the same p-values', () => {
    const r = rsaTimecourse(eucl, golden.model_pixels, n, { nPermutations: golden.perm.n_permutations, seed: golden.perm.seed });
    golden.spearman_eucl_vs_pixels.forEach((v, t) => expect(rel(r.rho[t], v)).toBeLessThan(1e-12));
    expect([...r.p]).toEqual(golden.perm.p);
    for (let t = 0; t < T; t++) expect(r.pMax[t]).toBeGreaterThanOrEqual(r.p[t]);
  });
  it('reads model RDMs from .csv (square or condensed) and .npy, and refuses the wrong size', () => {
    const sq = squareForm(golden.model_pixels, n);
    const rows = Array.from({ length: n }, (_, i) => Array.from(sq.subarray(i * n, (i + 1) * n)).join(','));
    const csv = new TextEncoder().encode(rows.join('\n'));
    expect([...parseModelRdm(csv, 'm.csv', n)]).toEqual(golden.model_pixels);
    expect([...parseModelRdm(new TextEncoder().encode(golden.model_pixels.join('\n')), 'm.csv', n)]).toEqual(golden.model_pixels);
    expect(() => parseModelRdm(csv, 'm.csv', n + 1)).toThrow(/expected/);
    // a float64 .npy [n, n]
    const header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${n}, ${n}), }`;
    const pad = 64 - ((10 + header.length + 1) % 64);
    const h = new TextEncoder().encode(header + ' '.repeat(pad) + '\n');
    const bytes = new Uint8Array(10 + h.length + sq.byteLength);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 255, h.length >> 8]);
    bytes.set(h, 10);
    bytes.set(new Uint8Array(sq.buffer), 10 + h.length);
    expect([...parseModelRdm(bytes, 'm.npy', n)]).toEqual(golden.model_pixels);
    expect(nPairs(n)).toBe(golden.model_pixels.length);
  });
});
