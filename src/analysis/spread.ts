// Spread across images: the condition mean at each time with its standard error and a t-based
// 95% confidence interval. Images are the units of observation (independent draws of stimuli);
// each image's value is the mean over its 4 repetitions and the selected channels.
import { tPpf } from './distributions.ts';

export interface Dims {
  B: number;
  R: number;
  C: number;
  T: number;
}

/** Per image, the mean over repetitions and the channels `ch` at every time: [images.length, T]. */
export function imageSeries(data: Float32Array, d: Dims, images: ArrayLike<number>, ch: ArrayLike<number>): Float64Array {
  const out = new Float64Array(images.length * d.T);
  const k = 1 / (d.R * ch.length);
  for (let i = 0; i < images.length; i++) {
    const row = out.subarray(i * d.T, (i + 1) * d.T);
    for (let r = 0; r < d.R; r++) {
      const base = (images[i] * d.R + r) * d.C * d.T;
      for (let c = 0; c < ch.length; c++) {
        const o = base + ch[c] * d.T;
        for (let t = 0; t < d.T; t++) row[t] += data[o + t];
      }
    }
    for (let t = 0; t < d.T; t++) row[t] *= k;
  }
  return out;
}

/** Per image, the mean over repetitions: [images.length, C, T] (the unit the tests and decoders see). */
export function imageMaps(data: Float32Array, d: Dims, images: ArrayLike<number>, ch?: ArrayLike<number>): Float64Array {
  const chs = ch ?? Int32Array.from({ length: d.C }, (_, i) => i);
  const nc = chs.length;
  const out = new Float64Array(images.length * nc * d.T);
  for (let i = 0; i < images.length; i++) {
    for (let r = 0; r < d.R; r++) {
      const base = (images[i] * d.R + r) * d.C * d.T;
      for (let c = 0; c < nc; c++) {
        const src = base + chs[c] * d.T;
        const dst = (i * nc + c) * d.T;
        for (let t = 0; t < d.T; t++) out[dst + t] += data[src + t];
      }
    }
  }
  const k = 1 / d.R;
  for (let i = 0; i < out.length; i++) out[i] *= k;
  return out;
}

export type SpreadKind = 'ci95' | 'sem' | 'sd';

export interface Spread {
  n: number;
  mean: Float64Array;
  /** sample standard deviation (ddof = 1) */
  sd: Float64Array;
  /** standard error of the mean, sd / sqrt(n) (scipy.stats.sem) */
  sem: Float64Array;
  /** t-based 95% CI, mean -+ t.ppf(0.975, n - 1) * sem (scipy.stats.t.interval(0.95, n - 1, mean, sem)) */
  ci95Lo: Float64Array;
  ci95Hi: Float64Array;
}

/** Mean, SD, SEM and the t-based 95% confidence interval over the n rows of x [n, T]. */
export function spread(x: ArrayLike<number>, n: number, T: number, level = 0.95): Spread {
  const mean = new Float64Array(T);
  const sd = new Float64Array(T);
  for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) mean[t] += x[i * T + t];
  for (let t = 0; t < T; t++) mean[t] /= n;
  for (let i = 0; i < n; i++)
    for (let t = 0; t < T; t++) {
      const v = x[i * T + t] - mean[t];
      sd[t] += v * v;
    }
  const sem = new Float64Array(T);
  const lo = new Float64Array(T);
  const hi = new Float64Array(T);
  const q = n > 1 ? tPpf(1 - (1 - level) / 2, n - 1) : NaN;
  for (let t = 0; t < T; t++) {
    sd[t] = n > 1 ? Math.sqrt(sd[t] / (n - 1)) : NaN;
    sem[t] = sd[t] / Math.sqrt(n);
    lo[t] = mean[t] - q * sem[t];
    hi[t] = mean[t] + q * sem[t];
  }
  return { n, mean, sd, sem, ci95Lo: lo, ci95Hi: hi };
}

/** The band a figure draws for `kind`: [lo, hi] per time. */
export function spreadBand(s: Spread, kind: SpreadKind): { lo: Float64Array; hi: Float64Array } {
  if (kind === 'ci95') return { lo: s.ci95Lo, hi: s.ci95Hi };
  const w = kind === 'sem' ? s.sem : s.sd;
  return { lo: s.mean.map((m, t) => m - w[t]), hi: s.mean.map((m, t) => m + w[t]) };
}
