// Cluster-based permutation tests (Maris & Oostenveld 2007) exactly as MNE-Python 1.3 defines them:
// - paired / one-sample: mne.stats.permutation_cluster_1samp_test and
//   spatio_temporal_cluster_1samp_test (statistic ttest_1samp_no_p with sigma=0, sign flips);
// - independent groups: mne.stats.permutation_cluster_test and spatio_temporal_cluster_test
//   (statistic f_oneway, label permutations).
// Data are observations x tests, tests flattened C-order from MNE's sample shape: [n_times] or
// [n_times, n_channels] (spatio-temporal, MNE's (n_observations, n_times, n_vertices) layout).
// Permutations are drawn from numpy's RandomState(seed) in MNE's order, so the null distribution
// (H0) and p-values equal MNE's for the same seed, not just within Monte Carlo error.
import { fPpf, tPpf } from './distributions.ts';
import { RandomState } from './random_state.ts';
import { wasmKernels } from './wasm_kernels.ts';

export type Tail = -1 | 0 | 1;

export interface ClusterOptions {
  /** Cluster-forming threshold on the statistic. Default (MNE): t.ppf(1 - 0.05 / (1 + (tail == 0)), n - 1)
   * (negated for tail = -1) for the one-sample test; f.ppf(1 - 0.05, k - 1, N - k) for the F test. */
  threshold?: number;
  /** Number of permutations, the observed labelling included (MNE's n_permutations; MNE's default is 1024, ours 1000). */
  nPermutations?: number;
  /** -1 | 0 | 1: lower, two-sided, upper. The F test is upper-tailed whatever the tail (F >= 0). */
  tail?: Tail;
  /** numpy RandomState seed (MNE's `seed`). */
  seed?: number;
  /** Spatial neighbour lists for the last axis of a [n_times, n_channels] sample shape (each list may include
   * the channel itself). Times t and t +- 1 of one channel are neighbours (MNE's max_step = 1). Omit for a
   * time-only test ([n_times], clusters are runs of consecutive supra-threshold times). */
  adjacency?: number[][];
  onProgress?: (done: number, total: number) => void;
}

export interface ClusterResult {
  test: 'permutation_cluster_1samp_test' | 'permutation_cluster_test' | 'spatio_temporal_cluster_1samp_test' | 'spatio_temporal_cluster_test';
  statistic: 'ttest_1samp_no_p' | 'f_oneway';
  /** observed statistic per test, [n_times] or [n_times, n_channels] C order */
  stat: Float64Array;
  threshold: number;
  tail: Tail;
  seed: number;
  /** permutations requested */
  nPermutations: number;
  /** H0 length: permutations evaluated, observed included (2**(n-1) or 2**n under exact enumeration) */
  nPermutationsUsed: number;
  exact: boolean;
  /** each cluster's flat test indices, ascending; clusters ordered positive tail first, then by first index */
  clusters: Int32Array[];
  /** cluster mass: the sum of the statistic over the cluster (MNE's t_power = 1) */
  mass: Float64Array;
  p: Float64Array;
  /** the permutation distribution of the maximal cluster mass, observed first (MNE's H0) */
  H0: Float64Array;
}

interface Layout {
  nTimes: number;
  nChannels: number;
  adjacency: number[][];
}

/** Default cluster-forming threshold for the one-sample t test (MNE's _check_fun, kind 'within'). */
export function defaultTThreshold(nObservations: number, tail: Tail): number {
  const pThresh = 0.05 / (1 + (tail === 0 ? 1 : 0));
  const thr = -tPpf(pThresh, nObservations - 1);
  return tail < 0 ? -thr : thr;
}

/** Default cluster-forming threshold for the F test (MNE's _check_fun, kind 'between'). */
export function defaultFThreshold(groupSizes: readonly number[]): number {
  const N = groupSizes.reduce((a, b) => a + b, 0);
  return fPpf(1 - 0.05, groupSizes.length - 1, N - groupSizes.length);
}

/** mne.stats.ttest_1samp_no_p(X, sigma=0): mean / sqrt(var(ddof=1) / n) over rows of X [n, m]. */
export function ttest1sampNoP(X: ArrayLike<number>, n: number, m: number): Float64Array {
  const mean = new Float64Array(m);
  const v = new Float64Array(m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) mean[j] += X[i * m + j];
  for (let j = 0; j < m; j++) mean[j] /= n;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      const d = X[i * m + j] - mean[j];
      v[j] += d * d;
    }
  const out = new Float64Array(m);
  // Without variance (up to rounding: below 1e-12 of the sum of squares) t is undefined, not +-Infinity.
  const ss = new Float64Array(m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) ss[j] += X[i * m + j] * X[i * m + j];
  for (let j = 0; j < m; j++) out[j] = v[j] > 1e-12 * ss[j] ? mean[j] / Math.sqrt(v[j] / (n - 1) / n) : NaN;
  return out;
}

/** mne.stats.f_oneway(*groups): one-way ANOVA F per column, in MNE's sums-of-squares form. */
export function fOneway(groups: readonly ArrayLike<number>[], sizes: readonly number[], m: number): Float64Array {
  const N = sizes.reduce((a, b) => a + b, 0);
  const ss = new Float64Array(m);
  const tot = new Float64Array(m);
  const ssbn = new Float64Array(m);
  groups.forEach((g, k) => {
    const s = new Float64Array(m);
    for (let i = 0; i < sizes[k]; i++)
      for (let j = 0; j < m; j++) {
        const x = g[i * m + j];
        s[j] += x;
        ss[j] += x * x;
      }
    for (let j = 0; j < m; j++) {
      tot[j] += s[j];
      ssbn[j] += (s[j] * s[j]) / sizes[k];
    }
  });
  return fFromSums(ss, tot, ssbn, N, groups.length, m);
}

function fFromSums(ss: Float64Array, tot: Float64Array, ssbnGroups: Float64Array, N: number, K: number, m: number, out = new Float64Array(m)) {
  const dfbn = K - 1;
  const dfwn = N - K;
  for (let j = 0; j < m; j++) {
    const sq = (tot[j] * tot[j]) / N;
    const sstot = ss[j] - sq;
    const ssbn = ssbnGroups[j] - sq;
    const sswn = sstot - ssbn;
    // No within-group variance (up to rounding of the sums of squares): F is undefined, not +-Infinity,
    // and never joins a cluster (MNE would return inf or nan there).
    out[j] = sswn > 1e-12 * ss[j] ? ssbn / dfbn / (sswn / dfwn) : NaN;
  }
  return out;
}

/**
 * Clusters of supra-threshold tests, MNE's _find_clusters with t_power = 1: for tail 0, x > threshold and
 * x < -threshold separately (only same-sign tests cluster); tail 1, x > threshold; tail -1, x < threshold.
 */
export function findClusters(x: Float64Array, threshold: number, tail: Tail, layout: Layout): { clusters: Int32Array[]; mass: number[] } {
  const clusters: Int32Array[] = [];
  const mass: number[] = [];
  const graph = new ClusterGraph(layout);
  const dirs: ((v: number) => boolean)[] = tail === 0 ? [(v) => v > threshold, (v) => v < -threshold] : tail === 1 ? [(v) => v > threshold] : [(v) => v < threshold];
  for (const inside of dirs) {
    const mark = graph.mark; // 1: supra-threshold, not yet visited
    for (let i = 0; i < x.length; i++) mark[i] = inside(x[i]) ? 1 : 0;
    for (let seed = 0; seed < x.length; seed++) {
      if (!mark[seed]) continue;
      const members: number[] = [];
      graph.flood(x, seed, members);
      const idx = Int32Array.from(members).sort();
      // Sum in ascending index order, as numpy sums x[cluster] for MNE's sorted index lists.
      let sum = 0;
      for (let k = 0; k < idx.length; k++) sum += x[idx[k]];
      clusters.push(idx);
      mass.push(sum);
    }
  }
  return { clusters, mass };
}

/**
 * The sensors x time graph of a layout (each test joined to its sensor neighbours at the same time
 * and to itself at the neighbouring times), its adjacency as CSR arrays, with the scratch of a
 * flood fill over marked nodes: the one traversal the observed clusters and every permutation's
 * largest cluster share.
 */
class ClusterGraph {
  private readonly start: Int32Array;
  private readonly list: Int32Array;
  private readonly nChannels: number;
  private readonly last: number;
  /** set by the caller: 1 marks a supra-threshold test not yet visited */
  readonly mark: Uint8Array;
  private readonly stack: Int32Array;

  constructor({ nTimes, nChannels, adjacency }: Layout) {
    this.start = new Int32Array(nChannels + 1);
    for (let c = 0; c < nChannels; c++) this.start[c + 1] = this.start[c] + adjacency[c].length;
    this.list = Int32Array.from(adjacency.flat());
    this.nChannels = nChannels;
    this.last = nTimes - 1;
    this.mark = new Uint8Array(nTimes * nChannels);
    this.stack = new Int32Array(nTimes * nChannels);
  }

  /** Sum of x over the marked cluster of `seed` (in visiting order), unmarking it; its tests pushed to `members` when given. */
  flood(x: Float64Array, seed: number, members?: number[]): number {
    const { mark, stack, start, list, nChannels: C, last } = this;
    mark[seed] = 0;
    let top = 0;
    stack[top++] = seed;
    let sum = 0;
    while (top > 0) {
      const i = stack[--top];
      sum += x[i];
      members?.push(i);
      const t = (i / C) | 0;
      const row = t * C;
      const c = i - row;
      for (let k = start[c], e = start[c + 1]; k < e; k++) {
        const j = row + list[k];
        if (mark[j]) {
          mark[j] = 0;
          stack[top++] = j;
        }
      }
      if (t > 0 && mark[i - C]) {
        mark[i - C] = 0;
        stack[top++] = i - C;
      }
      if (t < last && mark[i + C]) {
        mark[i + C] = 0;
        stack[top++] = i + C;
      }
    }
    return sum;
  }
}

/**
 * Largest cluster mass of a permuted statistic: signed max |mass| (one-sample), max mass (F), 0 without clusters.
 * The same clusters and sums (in the same order) as findClusters, through one ClusterGraph allocated
 * once per test, since it runs once per permutation.
 */
const DIRS_BOTH = [1, -1] as const;
const DIRS_UP = [1] as const;
const DIRS_DOWN = [-1] as const;

class MaxClusterMass {
  private readonly graph: ClusterGraph;

  constructor(
    layout: Layout,
    private readonly threshold: number,
    private readonly tail: Tail,
    private readonly signed: boolean,
  ) {
    this.graph = new ClusterGraph(layout);
  }

  of(x: Float64Array): number {
    const { threshold, tail } = this;
    let found = false;
    let best = 0;
    // tail 0: positive clusters first, then negative ones (MNE's order); the first largest wins ties
    const dirs = tail === 0 ? DIRS_BOTH : tail === 1 ? DIRS_UP : DIRS_DOWN;
    for (const dir of dirs) {
      const lim = tail === 0 ? dir * threshold : threshold;
      const mark = this.graph.mark;
      let any = false;
      if (dir > 0)
        for (let i = 0; i < x.length; i++) {
          const v = x[i] > lim ? 1 : 0;
          mark[i] = v;
          any ||= v === 1;
        }
      else
        for (let i = 0; i < x.length; i++) {
          const v = x[i] < lim ? 1 : 0;
          mark[i] = v;
          any ||= v === 1;
        }
      if (!any) continue;
      for (let seed = 0; seed < x.length; seed++) {
        if (!mark[seed]) continue;
        const sum = this.graph.flood(x, seed);
        if (!found) {
          best = sum;
          found = true;
        } else if (this.signed ? Math.abs(sum) > Math.abs(best) : sum > best) best = sum;
      }
    }
    return best;
  }
}

/** MNE's bin_perm_rep row r: the binary digits of r over n places, most significant first. */
function binaryDigits(r: number, n: number, out: Uint8Array): Uint8Array {
  for (let j = 0; j < n; j++) out[j] = Math.floor(r / 2 ** (n - 1 - j)) % 2;
  return out;
}

/** Sign-flip orders (1 keeps, 0 flips) as MNE's _get_1samp_orders draws them. */
export function oneSampleOrders(n: number, nPermutations: number, tail: Tail, rng: RandomState): { orders: Uint8Array[]; exact: boolean } {
  const maxPerms = 2 ** (n - (tail === 0 ? 1 : 0)) - 1;
  const orders: Uint8Array[] = [];
  if (maxPerms < nPermutations) {
    for (let r = 1; r <= maxPerms; r++) orders.push(binaryDigits(r, n, new Uint8Array(n)));
    return { orders, exact: true };
  }
  if (n <= 20) {
    for (const s of rng.choiceWithoutReplacement(maxPerms, nPermutations - 1)) orders.push(binaryDigits(s + 1, n, new Uint8Array(n)));
    return { orders, exact: false };
  }
  const useSamples = n - (tail === 0 ? 1 : 0);
  const seen = new Set<string>();
  while (orders.length < nPermutations - 1) {
    const u = rng.uniform(useSamples);
    const o = new Uint8Array(n);
    for (let i = 0; i < useSamples; i++) o[i] = u[i] < 0.5 ? 1 : 0;
    const key = o.subarray(0, useSamples).join('');
    if (seen.has(key)) continue;
    if (tail === 0 && rng.nextDouble() < 0.5) for (let i = 0; i < n; i++) o[i] = 1 - o[i];
    seen.add(key);
    orders.push(o);
  }
  return { orders, exact: false };
}

/** MNE's _pval_from_histogram. */
export function pvalFromHistogram(mass: ArrayLike<number>, H0: Float64Array, tail: Tail): Float64Array {
  const p = new Float64Array(mass.length);
  for (let k = 0; k < mass.length; k++) {
    const t = mass[k];
    let c = 0;
    for (const h of H0) if (tail === -1 ? h <= t : tail === 1 ? h >= t : Math.abs(h) >= Math.abs(t)) c++;
    p[k] = c / H0.length;
  }
  return p;
}

function layoutOf(m: number, adjacency?: number[][]): Layout {
  if (!adjacency) return { nTimes: m, nChannels: 1, adjacency: [[0]] };
  const C = adjacency.length;
  if (m % C) throw new Error(`adjacency for ${C} channels does not divide ${m} tests`);
  return { nTimes: m / C, nChannels: C, adjacency };
}

// Subset sums by the "four Russians" method: rows are taken 8 at a time; for a block of tests, every
// one of the 256 subsets of each 8 rows is summed once, so a permutation's sum over its rows costs
// n / 8 row additions instead of about n / 2. Tests per block keep the tables in cache.
const BITS = 8;
const BLOCK = 64;

/**
 * For each membership mask (Uint8Array over the n rows, 1 = in the subset), the per-test sums of the rows
 * in the subset: [masks.length, m].
 */
export function subsetSums(X: Float64Array, n: number, m: number, masks: readonly Uint8Array[], onProgress?: (done: number, total: number) => void): Float64Array {
  const G = Math.ceil(n / BITS);
  const P = masks.length;
  // codes[g * P + q]: which of the rows g * BITS .. g * BITS + 7 permutation q's subset holds (grouped by g, so
  // each group's pass reads them in order)
  const codes = new Int32Array(P * G);
  for (let q = 0; q < P; q++) {
    const mk = masks[q];
    for (let i = 0; i < n; i++) if (mk[i]) codes[((i / BITS) | 0) * P + q] |= 1 << i % BITS;
  }
  const out = new Float64Array(P * m);
  // One group's table (256 x BLOCK) and one block of every permutation's sums stay in cache together.
  const rowBytes = BLOCK * 8;
  const accAt = 0;
  const tableAt = accAt + P * rowBytes;
  const rowsAt = tableAt + 256 * rowBytes;
  const codesAt = rowsAt + BITS * rowBytes;
  const wasm = wasmKernels(codesAt + P * G * 4);
  const buffer = wasm ? wasm.memory.buffer : new ArrayBuffer(codesAt);
  const acc = new Float64Array(buffer, accAt, P * BLOCK);
  const table = new Float64Array(buffer, tableAt, 256 * BLOCK);
  const rows = new Float64Array(buffer, rowsAt, BITS * BLOCK);
  if (wasm) {
    const c = new Int32Array(buffer, codesAt, P * G);
    for (let i = 0; i < P * G; i++) c[i] = codes[i] * rowBytes;
  } else for (let i = 0; i < P * G; i++) codes[i] *= BLOCK;
  for (let b0 = 0; b0 < m; b0 += BLOCK) {
    const B = Math.min(BLOCK, m - b0);
    acc.fill(0);
    if (B < BLOCK) rows.fill(0);
    for (let g = 0; g < G; g++) {
      const bits = Math.min(BITS, n - g * BITS);
      if (wasm) {
        for (let r = 0; r < bits; r++) rows.set(X.subarray((g * BITS + r) * m + b0, (g * BITS + r) * m + b0 + B), r * BLOCK);
        wasm.subsetTable(tableAt, rowsAt, 1 << bits, rowBytes);
        wasm.accumulate(accAt, tableAt, codesAt + g * P * 4, P, rowBytes);
        continue;
      }
      for (let mask = 1; mask < 1 << bits; mask++) {
        const low = mask & -mask;
        const row = (g * BITS + 31 - Math.clz32(low)) * m + b0;
        const dst = mask * BLOCK;
        const src = (mask ^ low) * BLOCK;
        for (let j = 0; j < B; j++) table[dst + j] = table[src + j] + X[row + j];
      }
      const cg = g * P;
      for (let q = 0; q < P; q++) {
        const src = codes[cg + q];
        const dst = q * BLOCK;
        for (let j = 0; j < B; j++) acc[dst + j] += table[src + j];
      }
    }
    for (let q = 0; q < P; q++) out.set(acc.subarray(q * BLOCK, q * BLOCK + B), q * m + b0);
    onProgress?.(Math.min(m, b0 + BLOCK), m);
  }
  return out;
}

function observedMax(mass: number[], tail: Tail): number {
  if (tail === -1) return Math.min(...mass);
  if (tail === 1) return Math.max(...mass);
  return Math.max(...mass.map(Math.abs));
}

function finish(
  base: Omit<ClusterResult, 'clusters' | 'mass' | 'p' | 'H0' | 'nPermutationsUsed'>,
  observed: { clusters: Int32Array[]; mass: number[] },
  permMax: Float64Array | null,
): ClusterResult {
  // Positive clusters come first (MNE's order of tails); within a tail, order by first index.
  const order = observed.clusters.map((_, k) => k);
  order.sort((a, b) => Math.sign(observed.mass[b]) - Math.sign(observed.mass[a]) || observed.clusters[a][0] - observed.clusters[b][0]);
  const clusters = order.map((k) => observed.clusters[k]);
  const mass = Float64Array.from(order, (k) => observed.mass[k]);
  if (!permMax) return { ...base, clusters, mass, p: new Float64Array(0), H0: new Float64Array(0), nPermutationsUsed: 0 };
  const H0 = new Float64Array(permMax.length + 1);
  H0[0] = observedMax(observed.mass, base.tail);
  H0.set(permMax, 1);
  return { ...base, clusters, mass, p: pvalFromHistogram(mass, H0, base.tail), H0, nPermutationsUsed: H0.length };
}

/**
 * Paired (one-sample) cluster permutation test on X [n, m] (e.g. the per-image differences A - B),
 * MNE's permutation_cluster_1samp_test / spatio_temporal_cluster_1samp_test. Exact enumeration of sign flips
 * when 2**(n - (tail == 0)) - 1 < n_permutations (as MNE decides).
 */
export function permutationCluster1sampTest(X: ArrayLike<number>, n: number, m: number, opts: ClusterOptions = {}): ClusterResult {
  const tail = opts.tail ?? 0;
  const nPermutations = opts.nPermutations ?? 1000;
  const seed = opts.seed ?? 0;
  const threshold = opts.threshold ?? defaultTThreshold(n, tail);
  checkThreshold(threshold, tail);
  const layout = layoutOf(m, opts.adjacency);
  const Xd = Float64Array.from(X as ArrayLike<number>);
  const stat = ttest1sampNoP(Xd, n, m);
  const observed = findClusters(stat, threshold, tail, layout);
  const base = {
    test: opts.adjacency ? ('spatio_temporal_cluster_1samp_test' as const) : ('permutation_cluster_1samp_test' as const),
    statistic: 'ttest_1samp_no_p' as const,
    stat,
    threshold,
    tail,
    seed,
    nPermutations,
  };
  const rng = new RandomState(seed);
  const { orders, exact } = oneSampleOrders(n, nPermutations, tail, rng);
  if (!observed.clusters.length) return finish({ ...base, exact }, observed, null);
  // Under sign flips the sum of squares is invariant: only the signed sum changes.
  // signed sum = total - 2 * (sum of the flipped rows).
  const total = new Float64Array(m);
  const sumsq = new Float64Array(m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      const x = Xd[i * m + j];
      total[j] += x;
      sumsq[j] += x * x;
    }
  // flipped row sets as membership masks; signed sum = total - 2 * (sum of the flipped rows)
  const members = orders.map((o) => Uint8Array.from(o, (v) => (v === 0 ? 1 : 0)));
  const sums = subsetSums(Xd, n, m, members, opts.onProgress);
  const permMax = new Float64Array(orders.length);
  const maxMass = new MaxClusterMass(layout, threshold, tail, true);
  const t = new Float64Array(m);
  for (let q = 0; q < orders.length; q++) {
    const off = q * m;
    for (let j = 0; j < m; j++) {
      const s = total[j] - 2 * sums[off + j];
      const mean = s / n;
      const v = (sumsq[j] - s * mean) / (n - 1);
      t[j] = v > 1e-12 * sumsq[j] ? mean / Math.sqrt(v / n) : NaN;
    }
    permMax[q] = maxMass.of(t);
  }
  return finish({ ...base, exact }, observed, permMax);
}

/**
 * Independent-groups cluster permutation test (F = f_oneway across groups, each groups[k] [sizes[k], m]),
 * MNE's permutation_cluster_test / spatio_temporal_cluster_test: labels permuted by RandomState(seed).permutation.
 * MNE never enumerates exactly here; neither do we.
 */
export function permutationClusterTest(groups: readonly ArrayLike<number>[], sizes: readonly number[], m: number, opts: ClusterOptions = {}): ClusterResult {
  const tail = opts.tail ?? 0;
  const nPermutations = opts.nPermutations ?? 1000;
  const seed = opts.seed ?? 0;
  const threshold = opts.threshold ?? defaultFThreshold(sizes);
  checkThreshold(threshold, tail);
  const layout = layoutOf(m, opts.adjacency);
  const K = groups.length;
  const N = sizes.reduce((a, b) => a + b, 0);
  const Xd = new Float64Array(N * m);
  let o = 0;
  groups.forEach((g, k) => {
    const len = sizes[k] * m;
    if (g.length === len) Xd.set(g, o);
    else for (let i = 0; i < len; i++) Xd[o + i] = g[i];
    o += len;
  });
  const stat = fOneway(groups, sizes, m);
  const observed = findClusters(stat, threshold, tail, layout);
  const base = {
    test: opts.adjacency ? ('spatio_temporal_cluster_test' as const) : ('permutation_cluster_test' as const),
    statistic: 'f_oneway' as const,
    stat,
    threshold,
    tail,
    seed,
    nPermutations,
    exact: false,
  };
  const rng = new RandomState(seed);
  const perms: Int32Array[] = [];
  for (let q = 0; q < nPermutations - 1; q++) perms.push(rng.permutation(N));
  if (!observed.clusters.length) return finish(base, observed, null);
  // The total sum and sum of squares are invariant under relabelling; the last group's sum is the
  // total minus the others, so only K - 1 group sums are accumulated.
  const total = new Float64Array(m);
  const sumsq = new Float64Array(m);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < m; j++) {
      const x = Xd[i * m + j];
      total[j] += x;
      sumsq[j] += x * x;
    }
  const starts = sizes.map((_, k) => sizes.slice(0, k).reduce((a, b) => a + b, 0));
  const G = K - 1;
  // membership of each of the first K - 1 groups, per permutation: group g holds rows perm[starts[g] ..]
  const members: Uint8Array[] = [];
  for (const perm of perms)
    for (let g = 0; g < G; g++) {
      const mask = new Uint8Array(N);
      for (let k = starts[g]; k < starts[g] + sizes[g]; k++) mask[perm[k]] = 1;
      members.push(mask);
    }
  const sums = subsetSums(Xd, N, m, members, opts.onProgress);
  const permMax = new Float64Array(perms.length);
  const maxMass = new MaxClusterMass(layout, threshold, tail, false);
  // fFromSums's terms that do not depend on the labelling, computed once (the same values it computes)
  const sq = new Float64Array(m);
  const sstot = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    sq[j] = (total[j] * total[j]) / N;
    sstot[j] = sumsq[j] - sq[j];
  }
  const dfbn = K - 1;
  const dfwn = N - K;
  const lastSize = sizes[K - 1];
  const F = new Float64Array(m);
  for (let q = 0; q < perms.length; q++) {
    const off = q * G * m;
    // per test: the between-groups sum of squares from the first K - 1 group sums and the rest, then F as
    // fFromSums forms it (same operations, same order)
    for (let j = 0; j < m; j++) {
      let ssbnG = 0;
      let rest = total[j];
      for (let g = 0; g < G; g++) {
        const sg = sums[off + g * m + j];
        ssbnG += (sg * sg) / sizes[g];
        rest -= sg;
      }
      ssbnG += (rest * rest) / lastSize;
      const ssbn = ssbnG - sq[j];
      const sswn = sstot[j] - ssbn;
      F[j] = sswn > 1e-12 * sumsq[j] ? ssbn / dfbn / (sswn / dfwn) : NaN;
    }
    permMax[q] = maxMass.of(F);
  }
  return finish(base, observed, permMax);
}

function checkThreshold(threshold: number, tail: Tail) {
  if (!Number.isFinite(threshold)) throw new Error(`threshold must be finite, got ${threshold}`);
  if ((tail < 0 && threshold > 0) || (tail > 0 && threshold < 0) || (tail === 0 && threshold < 0))
    throw new Error(`incompatible tail and threshold signs, got ${tail} and ${threshold}`);
}
