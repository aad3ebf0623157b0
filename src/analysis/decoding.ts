// Time-resolved decoding of two conditions, as MNE-Python's
//   cross_val_multiscore(SlidingEstimator(LinearDiscriminantAnalysis(solver='lsqr', shrinkage='auto'),
//                                         scoring=...), X, y, cv=StratifiedKFold(n_splits, shuffle=True, random_state=seed))
// and GeneralizingEstimator (train at one time, test at every time: the temporal generalisation matrix).
// X is [n_samples, n_channels, n_times] (MNE's epochs layout); y holds two class labels.
// The classifier is scikit-learn 1.2's LDA (lsqr solver): per-class covariance estimated by Ledoit-Wolf on
// standardised data (sklearn's _cov(X, 'auto')), pooled with the class priors, coef = lstsq(cov, means).
// Each fold's covariances come from per-fold sufficient statistics (sums and cross-products), which is
// algebraically what scikit-learn computes on the training rows, in a fraction of the time.
import { RandomState } from './random_state.ts';
import { wasmKernels } from './wasm_kernels.ts';

export type Scoring = 'roc_auc' | 'accuracy';

/**
 * Test-fold index per sample, scikit-learn's StratifiedKFold(n_splits, shuffle, random_state=seed)._make_test_folds:
 * classes in order of first appearance; class k's samples are dealt to folds by the allocation of the sorted labels,
 * each class's fold list shuffled by numpy's RandomState(seed).shuffle when shuffle is true.
 */
export function stratifiedKFold(y: ArrayLike<number>, nSplits: number, shuffle = true, seed = 0): Int32Array {
  const n = y.length;
  // y_encoded: class index by order of first appearance (np.unique(y_idx) on first-occurrence indices)
  const firstSeen = new Map<number, number>();
  for (let i = 0; i < n; i++) if (!firstSeen.has(y[i])) firstSeen.set(y[i], firstSeen.size);
  const enc = Int32Array.from({ length: n }, (_, i) => firstSeen.get(y[i])!);
  const nClasses = firstSeen.size;
  const counts = new Int32Array(nClasses);
  for (const e of enc) counts[e]++;
  if (nSplits < 2) throw new Error('n_splits must be at least 2');
  if (nSplits > Math.max(...counts)) throw new Error(`n_splits=${nSplits} cannot be greater than the number of members in each class`);
  const order = Int32Array.from(enc).sort();
  const allocation = Array.from({ length: nSplits }, () => new Int32Array(nClasses));
  for (let i = 0; i < n; i++) allocation[i % nSplits][order[i]]++;
  const rng = new RandomState(seed);
  const testFolds = new Int32Array(n);
  for (let k = 0; k < nClasses; k++) {
    const folds: number[] = [];
    for (let f = 0; f < nSplits; f++) for (let c = 0; c < allocation[f][k]; c++) folds.push(f);
    const arr = Float64Array.from(folds);
    if (shuffle) rng.shuffle(arr);
    let j = 0;
    for (let i = 0; i < n; i++) if (enc[i] === k) testFolds[i] = arr[j++];
  }
  return testFolds;
}

/** Solve A x = b for symmetric positive definite A [p, p] and each b (one Cholesky factor; Gaussian elimination if that fails). */
function solve(A: Float64Array, bs: Float64Array[], p: number): Float64Array[] {
  const L = new Float64Array(p * p);
  let ok = true;
  for (let i = 0; i < p && ok; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i * p + j];
      for (let k = 0; k < j; k++) s -= L[i * p + k] * L[j * p + k];
      if (i === j) {
        if (!(s > 0)) {
          ok = false;
          break;
        }
        L[i * p + i] = Math.sqrt(s);
      } else L[i * p + j] = s / L[j * p + j];
    }
  if (ok)
    return bs.map((b) => {
      const z = new Float64Array(p);
      for (let i = 0; i < p; i++) {
        let s = b[i];
        for (let k = 0; k < i; k++) s -= L[i * p + k] * z[k];
        z[i] = s / L[i * p + i];
      }
      const x = new Float64Array(p);
      for (let i = p - 1; i >= 0; i--) {
        let s = z[i];
        for (let k = i + 1; k < p; k++) s -= L[k * p + i] * x[k];
        x[i] = s / L[i * p + i];
      }
      return x;
    });
  return bs.map((b) => gaussianSolve(A, b, p));
}

/** Gaussian elimination with partial pivoting (A not positive definite up to rounding). */
function gaussianSolve(A: Float64Array, b: Float64Array, p: number): Float64Array {
  const M = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(M[r * p + c]) > Math.abs(M[piv * p + c])) piv = r;
    if (piv !== c) {
      for (let k = 0; k < p; k++) [M[c * p + k], M[piv * p + k]] = [M[piv * p + k], M[c * p + k]];
      [x[c], x[piv]] = [x[piv], x[c]];
    }
    const d = M[c * p + c] || 1e-300;
    for (let r = c + 1; r < p; r++) {
      const f = M[r * p + c] / d;
      if (!f) continue;
      for (let k = c; k < p; k++) M[r * p + k] -= f * M[c * p + k];
      x[r] -= f * x[c];
    }
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < p; k++) s -= M[i * p + k] * x[k];
    x[i] = s / (M[i * p + i] || 1e-300);
  }
  return x;
}

/**
 * scikit-learn's _cov(X, shrinkage='auto') from sufficient statistics of the rows X [n, p]:
 * standardise (StandardScaler: population SD, 1 where it is 0), Ledoit-Wolf on the result, scale back.
 * `rowSqNorms` are the squared norms of the standardised rows (sum_i z_ni^2), LW's beta term needs them.
 * Returns the covariance and the shrinkage.
 */
export function ledoitWolfCovariance(sum: Float64Array, cross: Float64Array, n: number, p: number, standardizedRowSqNorm: (mean: Float64Array, scale: Float64Array) => Float64Array): { cov: Float64Array; shrinkage: number } {
  const mean = sum.map((s) => s / n);
  const S = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) S[i * p + j] = cross[i * p + j] / n - mean[i] * mean[j];
  const scale = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    const v = S[i * p + i];
    // zero-variance features keep scale 1 (sklearn's _handle_zeros_in_scale)
    scale[i] = v > 0 ? Math.sqrt(v) : 1;
  }
  if (p === 1) return { cov: S, shrinkage: 0 }; // ledoit_wolf returns the plain variance for one feature
  const R = new Float64Array(p * p);
  let trace = 0;
  let delta_ = 0;
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      const r = S[i * p + j] / (scale[i] * scale[j]);
      R[i * p + j] = r;
      delta_ += r * r;
      if (i === j) trace += r;
    }
  const mu = trace / p;
  const q = standardizedRowSqNorm(mean, scale);
  let beta_ = 0;
  for (const v of q) beta_ += v * v;
  let beta = (1 / (p * n)) * (beta_ / n - delta_);
  let delta = delta_ - 2 * mu * trace + p * mu * mu;
  delta /= p;
  beta = Math.min(beta, delta);
  const shrinkage = beta === 0 ? 0 : beta / delta;
  const cov = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      const r = (1 - shrinkage) * R[i * p + j] + (i === j ? shrinkage * mu : 0);
      cov[i * p + j] = scale[i] * r * scale[j];
    }
  return { cov, shrinkage };
}

export interface BinaryLda {
  /** coef_[0]: decision = x . coef + intercept; class 1 when > 0 */
  coef: Float64Array;
  intercept: number;
}

/**
 * LinearDiscriminantAnalysis(solver='lsqr', shrinkage='auto').fit(X, y) for two classes (0 and 1),
 * X [n, p] row-major. `rows` restricts the fit to those samples.
 */
export function fitLda(X: Float64Array, y: ArrayLike<number>, p: number, rows?: ArrayLike<number>): BinaryLda {
  const idx = rows ?? Int32Array.from({ length: y.length }, (_, i) => i);
  const stats = [0, 1].map(() => ({ n: 0, sum: new Float64Array(p), cross: new Float64Array(p * p), rows: [] as number[] }));
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    const s = stats[y[i]];
    s.n++;
    s.rows.push(i);
    const o = i * p;
    for (let a = 0; a < p; a++) {
      const xa = X[o + a];
      s.sum[a] += xa;
      for (let b = 0; b < p; b++) s.cross[a * p + b] += xa * X[o + b];
    }
  }
  return ldaFromStats(
    stats.map((s) => ({ n: s.n, sum: s.sum, cross: s.cross, sqNorms: (mean: Float64Array, scale: Float64Array) => rowSqNorms(X, p, s.rows, mean, scale) })),
    p,
  );
}

function rowSqNorms(X: Float64Array, p: number, rows: ArrayLike<number>, mean: Float64Array, scale: Float64Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const o = rows[k] * p;
    let s = 0;
    for (let a = 0; a < p; a++) {
      const z = (X[o + a] - mean[a]) / scale[a];
      s += z * z;
    }
    out[k] = s;
  }
  return out;
}

interface ClassStats {
  n: number;
  sum: Float64Array;
  cross: Float64Array;
  sqNorms: (mean: Float64Array, scale: Float64Array) => Float64Array;
}

function ldaFromStats(cls: ClassStats[], p: number): BinaryLda {
  const nTot = cls[0].n + cls[1].n;
  if (!cls[0].n || !cls[1].n) throw new Error('each class needs training samples');
  const priors = cls.map((c) => c.n / nTot);
  const pooled = new Float64Array(p * p);
  const means = cls.map((c) => c.sum.map((s) => s / c.n));
  cls.forEach((c, k) => {
    const { cov } = ledoitWolfCovariance(c.sum, c.cross, c.n, p, c.sqNorms);
    for (let i = 0; i < p * p; i++) pooled[i] += priors[k] * cov[i];
  });
  const coefs = solve(pooled, means, p);
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
  const intercepts = [0, 1].map((k) => -0.5 * dot(means[k], coefs[k]) + Math.log(priors[k]));
  return { coef: coefs[1].map((v, i) => v - coefs[0][i]), intercept: intercepts[1] - intercepts[0] };
}

/** sklearn.metrics.roc_auc_score for binary labels (0/1) and scores: Mann-Whitney U with ties counted 1/2. */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length;
  const idx = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++)
      if (labels[idx[k]] === 1) {
        rankSumPos += rank;
        nPos++;
      }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (!nPos || !nNeg) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** The same accuracy (decision > 0 means class 1) or ROC-AUC as score on all the samples, from the decisions
 * of the class-1 (`pos`) and class-0 (`neg`) samples; sorts both in place. */
function scoreSplit(scoring: Scoring, pos: Float64Array, neg: Float64Array): number {
  if (scoring === 'roc_auc') return rocAucFromClasses(pos, neg);
  let c = 0;
  for (let k = 0; k < pos.length; k++) if (pos[k] > 0) c++;
  for (let k = 0; k < neg.length; k++) if (!(neg[k] > 0)) c++;
  return c / (pos.length + neg.length);
}

/**
 * rocAuc from the scores of the positives and of the negatives, sorting both in place: U counts, per positive,
 * the negatives below it and half the tied ones. U equals rocAuc's rank sum minus nPos (nPos + 1) / 2 exactly
 * (both are sums of halves), so the result is the same number, without a comparator sort.
 */
export function rocAucFromClasses(pos: Float64Array, neg: Float64Array): number {
  const nPos = pos.length;
  const nNeg = neg.length;
  if (!nPos || !nNeg) return NaN;
  for (let k = 0; k < nPos; k++) if (pos[k] !== pos[k]) return rocAucSplit(pos, neg);
  for (let k = 0; k < nNeg; k++) if (neg[k] !== neg[k]) return rocAucSplit(pos, neg);
  pos.sort();
  neg.sort();
  let below = 0; // negatives < pos[k]
  let upTo = 0; // negatives <= pos[k]
  let twiceU = 0;
  for (let k = 0; k < nPos; k++) {
    const v = pos[k];
    while (below < nNeg && neg[below] < v) below++;
    if (upTo < below) upTo = below;
    while (upTo < nNeg && neg[upTo] <= v) upTo++;
    twiceU += below + upTo;
  }
  return twiceU / 2 / (nPos * nNeg);
}

/** rocAuc on the concatenation (the general path, for decisions with NaN). */
function rocAucSplit(pos: Float64Array, neg: Float64Array): number {
  const labels = new Int32Array(pos.length + neg.length).fill(1, 0, pos.length);
  const scores = new Float64Array(pos.length + neg.length);
  scores.set(pos);
  scores.set(neg, pos.length);
  return rocAuc(labels, scores);
}

export interface DecodingOptions {
  /** StratifiedKFold n_splits (default 5) */
  nSplits?: number;
  /** StratifiedKFold random_state (default 0); folds are shuffled */
  seed?: number;
  /** 'roc_auc' (default) or 'accuracy' */
  scoring?: Scoring;
  /** test fold of each sample, instead of StratifiedKFold (e.g. scikit-learn's own split) */
  folds?: ArrayLike<number>;
  onProgress?: (done: number, total: number) => void;
}

export interface DecodingResult {
  estimator: 'SlidingEstimator' | 'GeneralizingEstimator';
  scoring: Scoring;
  nSplits: number;
  seed: number;
  folds: Int32Array;
  /** per fold: [n_splits, n_times] (sliding) or [n_splits, n_times (train), n_times (test)] (generalizing) */
  scores: Float64Array;
  /** mean over folds: [n_times] or [n_times, n_times] */
  mean: Float64Array;
  /** 0.5 for ROC-AUC; the larger class's share for accuracy */
  chance: number;
}

/** Per time: [T][n * C] feature rows, from X [n, C, T]. */
function byTime(X: ArrayLike<number>, n: number, C: number, T: number): Float64Array[] {
  const out = Array.from({ length: T }, () => new Float64Array(n * C));
  // sample by sample: its [C, T] block stays in cache while each time's row is written contiguously
  for (let i = 0; i < n; i++) {
    const o = i * C * T;
    for (let t = 0; t < T; t++) {
      const row = out[t];
      for (let c = 0, r = i * C; c < C; c++, r++) row[r] = X[o + c * T + t];
    }
  }
  return out;
}

/** One LDA per fold at one time, from per-(class, fold) sufficient statistics. */
/** Kernel memory for fitFolds's cross-products of up to n rows of p features, or null (scalar loops). */
function crossKernel(n: number, p: number) {
  const rowBytes = Math.ceil(p / 8) * 64;
  const wasm = wasmKernels((n + p) * rowBytes);
  if (!wasm) return null;
  const stride = rowBytes / 8;
  return { wasm, rowBytes, stride, z: new Float64Array(wasm.memory.buffer, 0, n * stride), gAt: n * rowBytes, g: new Float64Array(wasm.memory.buffer, n * rowBytes, p * stride) };
}

function fitFolds(Xt: Float64Array, y: ArrayLike<number>, folds: Int32Array, K: number, p: number, kernel: ReturnType<typeof crossKernel> = null): BinaryLda[] {
  const n = y.length;
  const sums = Array.from({ length: 2 * K }, () => new Float64Array(p));
  const cross = Array.from({ length: 2 * K }, () => new Float64Array(p * p));
  const counts = new Int32Array(2 * K);
  const cellOf = new Int32Array(n);
  for (let i = 0; i < n; i++) counts[(cellOf[i] = y[i] * K + folds[i])]++;
  // Each cell's rows feature-major (Z[a * count + r]): a cross-product is then one contiguous dot product
  // over the cell's rows in ascending order, the same sum as accumulating row by row.
  let maxCount = 0;
  for (const c of counts) maxCount = Math.max(maxCount, c);
  const Z = new Float64Array(p * maxCount);
  for (let cell = 0; cell < 2 * K; cell++) {
    const cnt = counts[cell];
    if (kernel && cnt) {
      // the cell's rows contiguous (zero-padded to the kernel's row stride), sums and products row by row
      const { z, g: wg, stride } = kernel;
      const sm = sums[cell];
      const g = cross[cell];
      let r = 0;
      for (let i = 0; i < n; i++) {
        if (cellOf[i] !== cell) continue;
        const o = i * p;
        const zo = r * stride;
        for (let a = 0; a < p; a++) {
          const x = Xt[o + a];
          z[zo + a] = x;
          sm[a] += x;
        }
        r++;
      }
      kernel.wasm.crossProducts(0, cnt, kernel.rowBytes, p, kernel.gAt);
      for (let a = 0; a < p; a++)
        for (let b = 0; b <= a; b++) {
          const v = wg[a * stride + b];
          g[a * p + b] = v;
          g[b * p + a] = v;
        }
      continue;
    }
    let r = 0;
    for (let i = 0; i < n; i++) {
      if (cellOf[i] !== cell) continue;
      const o = i * p;
      for (let a = 0; a < p; a++) Z[a * cnt + r] = Xt[o + a];
      r++;
    }
    const sm = sums[cell];
    const g = cross[cell];
    for (let a = 0; a < p; a++) {
      const za = a * cnt;
      let s = 0;
      for (let r = 0; r < cnt; r++) s += Z[za + r];
      sm[a] = s;
      let b = 0;
      for (; b + 1 <= a; b += 2) {
        const zb = b * cnt;
        const zc = zb + cnt;
        let s0 = 0;
        let s1 = 0;
        for (let r = 0; r < cnt; r++) {
          const x = Z[za + r];
          s0 += x * Z[zb + r];
          s1 += x * Z[zc + r];
        }
        g[a * p + b] = s0;
        g[a * p + b + 1] = s1;
      }
      for (; b <= a; b++) {
        const zb = b * cnt;
        let s0 = 0;
        for (let r = 0; r < cnt; r++) s0 += Z[za + r] * Z[zb + r];
        g[a * p + b] = s0;
      }
    }
    for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) g[b * p + a] = g[a * p + b];
  }
  const models: BinaryLda[] = [];
  for (let f = 0; f < K; f++) {
    const cls: ClassStats[] = [0, 1].map((k) => {
      const sum = new Float64Array(p);
      const cr = new Float64Array(p * p);
      let cnt = 0;
      for (let g = 0; g < K; g++) {
        if (g === f) continue;
        const cell = k * K + g;
        cnt += counts[cell];
        for (let a = 0; a < p; a++) sum[a] += sums[cell][a];
        for (let a = 0; a < p * p; a++) cr[a] += cross[cell][a];
      }
      const rows: number[] = [];
      for (let i = 0; i < n; i++) if (y[i] === k && folds[i] !== f) rows.push(i);
      return { n: cnt, sum, cross: cr, sqNorms: (mean: Float64Array, scale: Float64Array) => rowSqNorms(Xt, p, rows, mean, scale) };
    });
    models.push(ldaFromStats(cls, p));
  }
  return models;
}

function prepare(y: ArrayLike<number>, opts: DecodingOptions) {
  const labels = Int32Array.from(y);
  for (const v of labels) if (v !== 0 && v !== 1) throw new Error('decoding needs labels 0 and 1');
  const nSplits = opts.nSplits ?? 5;
  const seed = opts.seed ?? 0;
  const folds = opts.folds ? Int32Array.from(opts.folds) : stratifiedKFold(labels, nSplits, true, seed);
  const n1 = labels.reduce((a, b) => a + b, 0);
  const scoring = opts.scoring ?? 'roc_auc';
  const chance = scoring === 'roc_auc' ? 0.5 : Math.max(n1, labels.length - n1) / labels.length;
  // each fold's test rows of class 1 and of class 0, in sample order
  const testPos = Array.from({ length: nSplits }, (_, f) => Int32Array.from(labels.keys()).filter((i) => folds[i] === f && labels[i] === 1));
  const testNeg = Array.from({ length: nSplits }, (_, f) => Int32Array.from(labels.keys()).filter((i) => folds[i] === f && labels[i] === 0));
  return { labels, nSplits, seed, folds, scoring, chance, testPos, testNeg };
}

/** cross_val_multiscore(SlidingEstimator(LDA(lsqr, auto))) on X [n, C, T]: one classifier per time. */
export function slidingDecoding(X: ArrayLike<number>, n: number, C: number, T: number, y: ArrayLike<number>, opts: DecodingOptions = {}): DecodingResult {
  const { labels, nSplits, seed, folds, scoring, chance, testPos, testNeg } = prepare(y, opts);
  const Xt = byTime(X, n, C, T);
  const kernel = crossKernel(n, C);
  const scores = new Float64Array(nSplits * T);
  const decide = (x: Float64Array, rows: Int32Array, { coef, intercept }: BinaryLda) =>
    Float64Array.from(rows, (i) => {
      let s = intercept;
      for (let a = 0; a < C; a++) s += x[i * C + a] * coef[a];
      return s;
    });
  for (let t = 0; t < T; t++) {
    const models = fitFolds(Xt[t], labels, folds, nSplits, C, kernel);
    for (let f = 0; f < nSplits; f++) scores[f * T + t] = scoreSplit(scoring, decide(Xt[t], testPos[f], models[f]), decide(Xt[t], testNeg[f], models[f]));
    opts.onProgress?.(t + 1, T);
  }
  return { estimator: 'SlidingEstimator', scoring, nSplits, seed, folds, scores, mean: meanOverFolds(scores, nSplits), chance };
}

/** cross_val_multiscore(GeneralizingEstimator(LDA(lsqr, auto))): trained at each time, tested at every time. */
export function generalizingDecoding(X: ArrayLike<number>, n: number, C: number, T: number, y: ArrayLike<number>, opts: DecodingOptions = {}): DecodingResult {
  const { labels, nSplits, seed, folds, scoring, chance, testPos, testNeg } = prepare(y, opts);
  const Xt = byTime(X, n, C, T);
  const kernel = crossKernel(n, C);
  const models = Array.from({ length: T }, (_, t) => {
    const m = fitFolds(Xt[t], labels, folds, nSplits, C, kernel);
    opts.onProgress?.(t + 1, 2 * T);
    return m;
  });
  const Xd = X instanceof Float64Array ? X : Float64Array.from(X);
  const CT = C * T;
  const scores = new Float64Array(nSplits * T * T);
  // With WebAssembly SIMD, each fold's coefficients and one test sample at a time are copied into the kernel's
  // memory and the decisions computed eight test times at a time; the remaining test times (T mod 8) stay in
  // the loop below. Sample by sample, every training time: the sample's [C, T] block stays in cache.
  const nOctets = T >> 3;
  const coefAt = 0;
  const outAt = coefAt + Math.ceil((T * C) / 2) * 16;
  const sampleAt = outAt + Math.ceil(T / 2) * 16;
  const wasm = nOctets ? wasmKernels(sampleAt + CT * 8) : null;
  const wCoef = wasm ? new Float64Array(wasm.memory.buffer, coefAt, T * C) : null;
  const wOut = wasm ? new Float64Array(wasm.memory.buffer, outAt, T) : null;
  const wSample = wasm ? new Float64Array(wasm.memory.buffer, sampleAt, CT) : null;
  // the second half of the progress: per fold, the decisions, then the scores
  const progress = (f: number, part: number) => opts.onProgress?.(T + Math.round(((f + part) / nSplits) * T), 2 * T);
  for (let f = 0; f < nSplits; f++) {
    const pos = testPos[f];
    const neg = testNeg[f];
    const coefs = new Float64Array(T * C);
    for (let tr = 0; tr < T; tr++) coefs.set(models[tr][f].coef, tr * C);
    wCoef?.set(coefs);
    // decisions [tr][te][sample], positives and negatives apart
    const decPos = new Float64Array(T * T * pos.length);
    const decNeg = new Float64Array(T * T * neg.length);
    for (const [rows, dec] of [
      [pos, decPos],
      [neg, decNeg],
    ] as const) {
      const L = rows.length;
      for (let k = 0; k < L; k++) {
        const o = rows[k] * CT;
        wSample?.set(Xd.subarray(o, o + CT));
        for (let tr = 0; tr < T; tr++) {
          const intercept = models[tr][f].intercept;
          const co = tr * C;
          const d0 = tr * T * L + k;
          // per test time the sum runs intercept first, then channel by channel, as a single dot product would
          let te = 0;
          if (wasm && wOut) {
            wasm.decisions(sampleAt, coefAt + co * 8, C, T * 8, nOctets, outAt, intercept);
            for (; te < 8 * nOctets; te++) dec[d0 + te * L] = wOut[te];
          }
          // four test times at a time in registers
          for (; te + 4 <= T; te += 4) {
            let s0 = intercept;
            let s1 = intercept;
            let s2 = intercept;
            let s3 = intercept;
            for (let a = 0, xo = o + te; a < C; a++, xo += T) {
              const w = coefs[co + a];
              s0 += Xd[xo] * w;
              s1 += Xd[xo + 1] * w;
              s2 += Xd[xo + 2] * w;
              s3 += Xd[xo + 3] * w;
            }
            dec[d0 + te * L] = s0;
            dec[d0 + (te + 1) * L] = s1;
            dec[d0 + (te + 2) * L] = s2;
            dec[d0 + (te + 3) * L] = s3;
          }
          for (; te < T; te++) {
            let s0 = intercept;
            for (let a = 0, xo = o + te; a < C; a++, xo += T) s0 += Xd[xo] * coefs[co + a];
            dec[d0 + te * L] = s0;
          }
        }
        progress(f, (0.5 * ((rows === pos ? 0 : pos.length) + k + 1)) / (pos.length + neg.length));
      }
    }
    for (let tr = 0; tr < T; tr++) {
      for (let te = 0; te < T; te++) {
        const c = tr * T + te;
        scores[(f * T + tr) * T + te] = scoreSplit(scoring, decPos.subarray(c * pos.length, (c + 1) * pos.length), decNeg.subarray(c * neg.length, (c + 1) * neg.length));
      }
      progress(f, 0.5 + (0.5 * (tr + 1)) / T);
    }
  }
  return { estimator: 'GeneralizingEstimator', scoring, nSplits, seed, folds, scores, mean: meanOverFolds(scores, nSplits), chance };
}

function meanOverFolds(scores: Float64Array, K: number): Float64Array {
  const L = scores.length / K;
  const out = new Float64Array(L);
  for (let f = 0; f < K; f++) for (let i = 0; i < L; i++) out[i] += scores[f * L + i] / K;
  return out;
}

/**
 * The time-resolved (SlidingEstimator) result inside a generalisation: its diagonal, where each
 * time's classifier is tested at its own time. The same folds and fits, hence the same scores
 * as slidingDecoding, without fitting them a second time.
 */
export function slidingFromGeneralizing(g: DecodingResult): DecodingResult {
  if (g.estimator !== 'GeneralizingEstimator') throw new Error('slidingFromGeneralizing needs a GeneralizingEstimator result');
  const T = Math.round(Math.sqrt(g.mean.length));
  const scores = new Float64Array(g.nSplits * T);
  for (let f = 0; f < g.nSplits; f++) for (let t = 0; t < T; t++) scores[f * T + t] = g.scores[(f * T + t) * T + t];
  return { ...g, estimator: 'SlidingEstimator', scores, mean: meanOverFolds(scores, g.nSplits) };
}
