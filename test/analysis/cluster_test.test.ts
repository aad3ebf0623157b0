import { describe, expect, it } from 'vitest';
import golden from '../golden/stats/clusters.json';
import adjacency from '../golden/stats/adjacency.json';
import { RandomState } from '../../src/analysis/random_state.ts';
import {
  defaultFThreshold,
  defaultTThreshold,
  findClusters,
  oneSampleOrders,
  permutationCluster1sampTest,
  permutationClusterTest,
  type ClusterResult,
  type Tail,
} from '../../src/analysis/cluster_test.ts';

type Case = (typeof golden.cases)[number];

function run(c: Case): ClusterResult {
  const m = c.shape.reduce((a, b) => a * b, 1);
  const adj = c.shape.length === 2 ? adjacency.neighbors : undefined;
  const opts = { nPermutations: c.n_permutations, seed: c.seed, tail: c.tail as Tail, adjacency: adj };
  if (c.kind === '1samp') return permutationCluster1sampTest(c.X as number[], c.n[0], m, opts);
  return permutationClusterTest(c.X as number[][], c.n, m, opts);
}

const key = (idx: ArrayLike<number>) => Array.from(idx).join(',');

describe('cluster permutation tests against MNE-Python 1.3', () => {
  for (const c of golden.cases) {
    it(`${c.name}: statistic, threshold, clusters, masses, H0 and p-values`, () => {
      const r = run(c);
      // default threshold (scipy's t.ppf is itself good to ~1e-9)
      expect(Math.abs(r.threshold - c.threshold) / c.threshold).toBeLessThan(1e-8);
      // observed statistic within 1e-10 relative
      c.stat.forEach((v, i) => expect(Math.abs(r.stat[i] - v) / Math.max(1, Math.abs(v)), `stat ${i}`).toBeLessThan(1e-10));
      // identical cluster extents (as sets of tests)
      const want = new Map(c.clusters.map((cl, k) => [key(cl), k]));
      expect(r.clusters.length).toBe(c.clusters.length);
      r.clusters.forEach((cl, k) => {
        const j = want.get(key(cl));
        expect(j, `cluster ${key(cl)}`).toBeDefined();
        // mass: the golden stores p per cluster; the mass is the sum of the golden statistic over it
        const mass = c.clusters[j!].reduce((s, i) => s + c.stat[i], 0);
        expect(Math.abs(r.mass[k] - mass) / Math.abs(mass)).toBeLessThan(1e-10);
        // identical p-values: the same permutations in the same order as MNE's numpy RandomState draws
        expect(r.p[k]).toBe(c.p[j!]);
      });
      expect(r.H0.length).toBe(c.H0.length);
      c.H0.forEach((h, i) => expect(Math.abs(r.H0[i] - h), `H0 ${i}`).toBeLessThan(1e-9 * Math.max(1, Math.abs(h))));
      expect(r.exact).toBe(c.name.includes('exact'));
    });
  }

  it('exact enumeration happens when 2**(n - (tail == 0)) - 1 < n_permutations, as MNE decides', () => {
    const rng = new RandomState(0);
    expect(oneSampleOrders(8, 1000, 0, rng).exact).toBe(true); // 127 < 1000
    expect(oneSampleOrders(8, 1000, 0, rng).orders.length).toBe(127);
    expect(oneSampleOrders(11, 1000, 0, rng).exact).toBe(false); // 1023 >= 1000
    expect(oneSampleOrders(10, 1000, 1, rng).exact).toBe(false);
    expect(oneSampleOrders(9, 1000, 1, rng).orders.length).toBe(511);
  });

  it('default thresholds are the t and F quantiles at p = 0.05', () => {
    expect(defaultTThreshold(10, 0)).toBeCloseTo(2.2621571627, 9);
    expect(defaultTThreshold(10, -1)).toBeCloseTo(-1.8331129327, 9);
    expect(defaultFThreshold([500, 500])).toBeCloseTo(3.8508, 3);
  });

  it('only same-sign neighbours cluster; time neighbours are t +- 1 only', () => {
    const layout = { nTimes: 5, nChannels: 1, adjacency: [[0]] };
    const x = Float64Array.from([3, 3, -3, 0, 3]);
    const { clusters, mass } = findClusters(x, 2, 0, layout);
    expect(clusters.map((c) => [...c])).toEqual([[0, 1], [4], [2]]);
    expect(mass).toEqual([6, 3, -3]);
  });

  it('a null effect rarely comes out significant and a strong one does', () => {
    const rng = new RandomState(1);
    const n = 16;
    const T = 40;
    const X = new Float64Array(n * T);
    for (let i = 0; i < X.length; i++) X[i] = rng.nextDouble() - 0.5 + ((i % T) >= 20 && (i % T) < 30 ? 0.4 : 0);
    const r = permutationCluster1sampTest(X, n, T, { seed: 3, nPermutations: 500 });
    const sig = r.clusters.filter((_, k) => r.p[k] < 0.05);
    expect(sig.length).toBe(1);
    expect(sig[0][0]).toBeGreaterThanOrEqual(18);
    expect(sig[0][sig[0].length - 1]).toBeLessThanOrEqual(31);
  });
});

describe('degenerate tests', () => {
  it('tests without variance get no statistic and join no cluster (no infinite masses)', () => {
    const n = 6;
    const T = 10;
    const rng = new RandomState(4);
    const A = new Float64Array(n * T);
    const B = new Float64Array(n * T);
    for (let i = 0; i < n * T; i++) {
      const t = i % T;
      // times 0-2: identical constants in each group (baseline-like), elsewhere noise plus an effect
      A[i] = t < 3 ? 0.3 : rng.nextDouble() + (t > 5 ? 1 : 0);
      B[i] = t < 3 ? 0.1 : rng.nextDouble();
    }
    const r = permutationClusterTest([A, B], [n, n], T, { nPermutations: 100, seed: 1 });
    expect(Number.isNaN(r.stat[0])).toBe(true);
    for (const m of r.mass) expect(Number.isFinite(m)).toBe(true);
    for (const cl of r.clusters) expect(Math.min(...cl)).toBeGreaterThanOrEqual(3);
    const p = permutationCluster1sampTest(B, n, T, { nPermutations: 100, seed: 1 });
    expect(Number.isNaN(p.stat[0])).toBe(true);
  });
});
