// Representational similarity analysis (Kriegeskorte et al. 2008) over time.
// RDMs are condensed vectors in scipy.spatial.distance.pdist order (pairs (i, j), i < j, row by row):
// 'correlation' is 1 - Pearson r between two patterns (pdist 'correlation'), 'euclidean' the L2 distance.
// A neural RDM per time point compares the channel patterns of the items (images, or condition means);
// each is compared with a model RDM by Spearman's rho (scipy.stats.spearmanr: Pearson r of average ranks).
// Significance: a permutation test over item labels (the model RDM's rows and columns permuted together,
// numpy RandomState(seed).permutation per draw), p = (1 + #{rho_perm >= rho_obs}) / (1 + n_permutations),
// one-sided for a positive relation; pMax uses each permutation's maximum over time (family-wise over time).
import { parseNpy } from '../io/npy.ts';
import { RandomState } from './random_state.ts';

export type RdmMetric = 'correlation' | 'euclidean';

export function nPairs(n: number): number {
  return (n * (n - 1)) / 2;
}

/** pdist(X, metric) for X [n, p] row-major. */
export function rdm(X: ArrayLike<number>, n: number, p: number, metric: RdmMetric): Float64Array {
  const out = new Float64Array(nPairs(n));
  const Z = Float64Array.from(X as ArrayLike<number>);
  if (metric === 'correlation') {
    // centre and normalise each row once: 1 - r = 1 - <z_i, z_j>
    for (let i = 0; i < n; i++) {
      let m = 0;
      for (let a = 0; a < p; a++) m += Z[i * p + a];
      m /= p;
      let ss = 0;
      for (let a = 0; a < p; a++) {
        const v = (Z[i * p + a] -= m);
        ss += v * v;
      }
      const k = 1 / Math.sqrt(ss);
      for (let a = 0; a < p; a++) Z[i * p + a] *= k;
    }
  }
  let o = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      if (metric === 'correlation') {
        for (let a = 0; a < p; a++) s += Z[i * p + a] * Z[j * p + a];
        out[o++] = 1 - s;
      } else {
        for (let a = 0; a < p; a++) {
          const d = Z[i * p + a] - Z[j * p + a];
          s += d * d;
        }
        out[o++] = Math.sqrt(s);
      }
    }
  return out;
}

/** One RDM per time from X [n, C, T] (MNE's epochs layout): the items' channel patterns at each time. */
export function rdmsOverTime(X: ArrayLike<number>, n: number, C: number, T: number, metric: RdmMetric, onProgress?: (done: number, total: number) => void): Float64Array[] {
  const out: Float64Array[] = [];
  const pat = new Float64Array(n * C);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) pat[i * C + c] = X[(i * C + c) * T + t];
    out.push(rdm(pat, n, C, metric));
    onProgress?.(t + 1, T);
  }
  return out;
}

/** Categorical model RDM: 0 for two items of the same condition, 1 otherwise. */
export function categoricalRdm(labels: ArrayLike<number | string>): Float64Array {
  const n = labels.length;
  const out = new Float64Array(nPairs(n));
  let o = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[o++] = labels[i] === labels[j] ? 0 : 1;
  return out;
}

/** Average ranks, 1-based (scipy.stats.rankdata, method='average'). */
export function rankdata(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const idx = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && x[idx[j + 1]] === x[idx[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]] = rank;
    i = j + 1;
  }
  return r;
}

/** Pearson correlation of two equal-length vectors; NaN when either is constant (as scipy). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/** scipy.stats.spearmanr(a, b).correlation. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(rankdata(a), rankdata(b));
}

export interface RsaResult {
  /** Spearman rho between each time's neural RDM and the model RDM: [T] */
  rho: Float64Array;
  /** permutation p per time (one-sided, rho > 0) */
  p: Float64Array;
  /** p against the permutation maximum over time (family-wise over time points) */
  pMax: Float64Array;
  nPermutations: number;
  seed: number;
}

/** Spearman rho over time with a permutation test over item labels (see the header). */
export function rsaTimecourse(
  rdms: readonly Float64Array[],
  model: ArrayLike<number>,
  n: number,
  opts: { nPermutations?: number; seed?: number; onProgress?: (done: number, total: number) => void } = {},
): RsaResult {
  const nPermutations = opts.nPermutations ?? 1000;
  const seed = opts.seed ?? 0;
  const P = nPairs(n);
  if (model.length !== P) throw new Error(`model RDM has ${model.length} pairs, expected ${P} for ${n} items`);
  const T = rdms.length;
  // Spearman = Pearson of ranks. Ranks of a permuted model are the permuted ranks, and the means and norms
  // of both rank vectors do not change under permutation: only one dot product per time and draw remains.
  const nr = rdms.map((r) => {
    const rk = rankdata(r);
    const m = rk.reduce((a, b) => a + b, 0) / P;
    let ss = 0;
    for (let k = 0; k < P; k++) {
      rk[k] -= m;
      ss += rk[k] * rk[k];
    }
    const s = 1 / Math.sqrt(ss);
    for (let k = 0; k < P; k++) rk[k] *= s;
    return rk;
  });
  const mr = rankdata(model);
  {
    const m = mr.reduce((a, b) => a + b, 0) / P;
    let ss = 0;
    for (let k = 0; k < P; k++) {
      mr[k] -= m;
      ss += mr[k] * mr[k];
    }
    const s = 1 / Math.sqrt(ss);
    for (let k = 0; k < P; k++) mr[k] *= s;
  }
  const sq = new Float64Array(n * n);
  {
    let o = 0;
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        sq[i * n + j] = mr[o];
        sq[j * n + i] = mr[o++];
      }
  }
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let k = 0; k < P; k++) s += a[k] * b[k];
    return s;
  };
  const rho = Float64Array.from(nr, (r) => dot(r, mr));
  const count = new Float64Array(T);
  const countMax = new Float64Array(T);
  const rng = new RandomState(seed);
  const v = new Float64Array(P);
  for (let q = 0; q < nPermutations; q++) {
    const perm = rng.permutation(n);
    let o = 0;
    for (let i = 0; i < n; i++) {
      const row = perm[i] * n;
      for (let j = i + 1; j < n; j++) v[o++] = sq[row + perm[j]];
    }
    let mx = -Infinity;
    const r = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      r[t] = dot(nr[t], v);
      if (r[t] > mx) mx = r[t];
    }
    for (let t = 0; t < T; t++) {
      // a tolerance absorbs rounding in the dot products of ties (e.g. the identity permutation)
      if (r[t] >= rho[t] - 1e-12) count[t]++;
      if (mx >= rho[t] - 1e-12) countMax[t]++;
    }
    if ((q & 31) === 31) opts.onProgress?.(q + 1, nPermutations);
  }
  const p = count.map((c) => (1 + c) / (1 + nPermutations));
  const pMax = countMax.map((c) => (1 + c) / (1 + nPermutations));
  return { rho, p, pMax, nPermutations, seed };
}

/** Condensed vector of a square symmetric matrix [n, n] (scipy's squareform). */
export function condensed(square: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(nPairs(n));
  let o = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[o++] = square[i * n + j];
  return out;
}

/** Square form of a condensed RDM. */
export function squareForm(v: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  let o = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      out[i * n + j] = v[o];
      out[j * n + i] = v[o++];
    }
  return out;
}

/**
 * A model RDM uploaded as .npy (float or int, [n, n] or condensed [n (n - 1) / 2]) or .csv (an n x n table of
 * numbers, or one row/column of n (n - 1) / 2), for n items. Returns the condensed vector.
 */
export function parseModelRdm(bytes: Uint8Array, fileName: string, n: number): Float64Array {
  let values: number[];
  let shape: number[];
  if (/\.npy$/i.test(fileName)) {
    const a = parseNpy(bytes, fileName);
    if (Array.isArray(a.data)) throw new Error(`${fileName}: holds strings, not numbers`);
    values = Array.from(a.data as ArrayLike<number | bigint>, Number);
    shape = a.shape;
  } else {
    const rows = new TextDecoder()
      .decode(bytes)
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const cells = rows.map((l) => l.split(/[,;\t ]+/).filter(Boolean));
    // a header row of names is skipped
    if (cells.length && cells[0].some((c) => !Number.isFinite(Number(c)))) cells.shift();
    values = cells.flat().map(Number);
    if (values.some((v) => !Number.isFinite(v))) throw new Error(`${fileName}: every cell must be a number`);
    shape = cells.length === n && cells.every((r) => r.length === n) ? [n, n] : [values.length];
  }
  if (shape.length === 2 && shape[0] === n && shape[1] === n) {
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++)
        if (Math.abs(values[i * n + j] - values[j * n + i]) > 1e-9 * Math.max(1, Math.abs(values[i * n + j]))) throw new Error(`${fileName}: the matrix is not symmetric at (${i}, ${j})`);
    return condensed(values, n);
  }
  if (values.length === nPairs(n) && (shape.length === 1 || shape.some((s) => s === 1))) return Float64Array.from(values);
  throw new Error(`${fileName}: expected a ${n} x ${n} matrix or ${nPairs(n)} condensed values for ${n} items, got shape (${shape.join(', ')})`);
}
