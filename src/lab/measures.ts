// Component measures per image, on the repetition-averaged response (the ERP BERG's four
// repetitions estimate), averaged over a channel group: mean amplitude in a window, peak
// amplitude and latency; and image rankings by a measure, a contrast between two channel groups,
// or the similarity to a target topography or time course. Arrays in, numbers out (docs/lab.md).

import { pearson } from '../analysis/rsa.ts';

/** One image's response, float32 [R, C, T] (repetition, channel, time), as the page caches it. */
export type ResponseBlock = Float32Array;

export interface ResponseDims {
  R: number;
  C: number;
  T: number;
}

export type Polarity = 'positive' | 'negative';

export interface ComponentPreset {
  id: string;
  label: string;
  channels: string[];
  /** window, seconds, both ends included */
  tmin: number;
  tmax: number;
  polarity: Polarity;
}

/** Conventional visual ERP components (windows in s). */
export const COMPONENT_PRESETS: ComponentPreset[] = [
  { id: 'P1', label: 'P1 (O1/Oz/O2, 80–130 ms)', channels: ['O1', 'Oz', 'O2'], tmin: 0.08, tmax: 0.13, polarity: 'positive' },
  { id: 'N1', label: 'N1/N170 (P7/P8/PO7/PO8, 140–200 ms)', channels: ['P7', 'P8', 'PO7', 'PO8'], tmin: 0.14, tmax: 0.2, polarity: 'negative' },
  { id: 'P2', label: 'P2 (O1/Oz/O2/PO3/POz/PO4, 200–280 ms)', channels: ['O1', 'Oz', 'O2', 'PO3', 'POz', 'PO4'], tmin: 0.2, tmax: 0.28, polarity: 'positive' },
];

export type MeasureSpec =
  | { kind: 'mean'; channels: string[]; tmin: number; tmax: number }
  | { kind: 'peak-amplitude'; channels: string[]; tmin: number; tmax: number; polarity: Polarity }
  | { kind: 'peak-latency'; channels: string[]; tmin: number; tmax: number; polarity: Polarity }
  /** mean amplitude over group A minus over group B, same window */
  | { kind: 'group-contrast'; channels: string[]; channelsB: string[]; tmin: number; tmax: number }
  /** Pearson r between the image's window-mean topography over `channels` and `target` (one value per channel) */
  | { kind: 'topography-similarity'; channels: string[]; tmin: number; tmax: number; target: ArrayLike<number> }
  /** Pearson r between the image's group time course in the window and `target` (one value per sample in the window) */
  | { kind: 'timecourse-similarity'; channels: string[]; tmin: number; tmax: number; target: ArrayLike<number> };

export type MeasureKind = MeasureSpec['kind'];

export const MEASURE_UNITS: Record<MeasureKind, string> = {
  mean: 'a.u.',
  'peak-amplitude': 'a.u.',
  'peak-latency': 's',
  'group-contrast': 'a.u.',
  'topography-similarity': 'Pearson r',
  'timecourse-similarity': 'Pearson r',
};

/** Indices of `times` (s) with tmin <= t <= tmax (a nanosecond of slack for times stored as floats). */
export function windowIndices(times: readonly number[], tmin: number, tmax: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < times.length; i++) if (times[i] >= tmin - 1e-9 && times[i] <= tmax + 1e-9) out.push(i);
  if (!out.length) throw new RangeError(`no time point in ${tmin * 1000}–${tmax * 1000} ms`);
  return out;
}

/** Channel rows for names (case-insensitive, as the montage), refusing unknown names. */
export function channelRows(chNames: readonly string[], names: readonly string[]): number[] {
  if (!names.length) throw new RangeError('a measure needs at least one channel');
  const lower = chNames.map((n) => n.toLowerCase());
  return names.map((n) => {
    const i = lower.indexOf(n.toLowerCase());
    if (i < 0) throw new RangeError(`unknown channel '${n}'`);
    return i;
  });
}

/** Mean over repetitions and over the channel rows, at the samples `ts`: float64 [ts.length]. */
export function groupWaveform(block: ResponseBlock, d: ResponseDims, rows: readonly number[], ts: readonly number[]): Float64Array {
  const out = new Float64Array(ts.length);
  const { R, C, T } = d;
  for (let r = 0; r < R; r++) {
    for (const c of rows) {
      const base = (r * C + c) * T;
      for (let j = 0; j < ts.length; j++) out[j] += block[base + ts[j]];
    }
  }
  const k = 1 / (R * rows.length);
  for (let j = 0; j < ts.length; j++) out[j] *= k;
  return out;
}

/** Mean over repetitions and over the samples `ts`, per channel row: float64 [rows.length]. */
export function windowTopography(block: ResponseBlock, d: ResponseDims, rows: readonly number[], ts: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length);
  const { R, C, T } = d;
  const nt = ts.length;
  // a contiguous window (the usual case) is summed without the index array
  const t0 = ts[0];
  const contiguous = ts[nt - 1] - t0 === nt - 1;
  const n = rows.length;
  for (let r = 0; r < R; r++) {
    let i = 0;
    if (contiguous) {
      // four channels at a time: four independent sums (each still in time order) keep the
      // additions from waiting on one another
      for (; i + 4 <= n; i += 4) {
        const b0 = (r * C + rows[i]) * T + t0;
        const b1 = (r * C + rows[i + 1]) * T + t0;
        const b2 = (r * C + rows[i + 2]) * T + t0;
        const b3 = (r * C + rows[i + 3]) * T + t0;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let j = 0; j < nt; j++) {
          s0 += block[b0 + j];
          s1 += block[b1 + j];
          s2 += block[b2 + j];
          s3 += block[b3 + j];
        }
        out[i] += s0;
        out[i + 1] += s1;
        out[i + 2] += s2;
        out[i + 3] += s3;
      }
    }
    for (; i < n; i++) {
      const base = (r * C + rows[i]) * T;
      let s = 0;
      if (contiguous) for (let t = base + t0, e = base + t0 + nt; t < e; t++) s += block[t];
      else for (let j = 0; j < nt; j++) s += block[base + ts[j]];
      out[i] += s;
    }
  }
  const k = 1 / (R * nt);
  for (let i = 0; i < out.length; i++) out[i] *= k;
  return out;
}

export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/** Pearson correlation; NaN when either side has no variance. */
export function pearsonR(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`correlation of ${a.length} and ${b.length} values`);
  return pearson(a, b);
}

/** Peak of a waveform: the largest (positive) or smallest (negative) value, its first index. */
export function peakOf(w: ArrayLike<number>, polarity: Polarity): { value: number; index: number } {
  let best = 0;
  for (let i = 1; i < w.length; i++) if (polarity === 'positive' ? w[i] > w[best] : w[i] < w[best]) best = i;
  return { value: w[best], index: best };
}

export interface ComponentResult {
  mean: number;
  peakAmplitude: number;
  /** s */
  peakLatency: number;
}

/** The three measures of one component for one image. */
export function componentMeasures(block: ResponseBlock, d: ResponseDims, chNames: readonly string[], times: readonly number[], c: Omit<ComponentPreset, 'id' | 'label'>): ComponentResult {
  const ts = windowIndices(times, c.tmin, c.tmax);
  const w = groupWaveform(block, d, channelRows(chNames, c.channels), ts);
  const pk = peakOf(w, c.polarity);
  return { mean: mean(w), peakAmplitude: pk.value, peakLatency: times[ts[pk.index]] };
}

/** One score per image for a measure (NaN where it is undefined, e.g. a flat topography). */
export function measureImages(blocks: readonly ResponseBlock[], d: ResponseDims, chNames: readonly string[], times: readonly number[], m: MeasureSpec): Float64Array {
  const ts = windowIndices(times, m.tmin, m.tmax);
  const rows = channelRows(chNames, m.channels);
  const out = new Float64Array(blocks.length);
  switch (m.kind) {
    case 'mean':
      blocks.forEach((b, i) => (out[i] = mean(groupWaveform(b, d, rows, ts))));
      break;
    case 'peak-amplitude':
    case 'peak-latency':
      blocks.forEach((b, i) => {
        const pk = peakOf(groupWaveform(b, d, rows, ts), m.polarity);
        out[i] = m.kind === 'peak-amplitude' ? pk.value : times[ts[pk.index]];
      });
      break;
    case 'group-contrast': {
      const rowsB = channelRows(chNames, m.channelsB);
      blocks.forEach((b, i) => (out[i] = mean(groupWaveform(b, d, rows, ts)) - mean(groupWaveform(b, d, rowsB, ts))));
      break;
    }
    case 'topography-similarity':
      if (m.target.length !== rows.length) throw new RangeError(`target topography has ${m.target.length} values for ${rows.length} channels`);
      blocks.forEach((b, i) => (out[i] = pearsonR(windowTopography(b, d, rows, ts), m.target)));
      break;
    case 'timecourse-similarity':
      if (m.target.length !== ts.length) throw new RangeError(`target time course has ${m.target.length} values for ${ts.length} samples`);
      blocks.forEach((b, i) => (out[i] = pearsonR(groupWaveform(b, d, rows, ts), m.target)));
      break;
  }
  return out;
}

export interface Ranking {
  /** image indices, highest score first; NaN scores last */
  order: number[];
  top: number[];
  bottom: number[];
}

/** Ranks images by score (ties keep gallery order); top and bottom k (bottom: lowest first). */
export function rankImages(scores: ArrayLike<number>, k: number): Ranking {
  const n = scores.length;
  const key = new Float64Array(n);
  const valid = new Uint32Array(n);
  const nan: number[] = [];
  let nv = 0;
  for (let i = 0; i < n; i++) {
    const v = scores[i];
    key[i] = v;
    if (Number.isNaN(v)) nan.push(i);
    else valid[nv++] = i;
  }
  // a typed array of indices and a comparator on a typed array of keys: highest first, ties by index
  const sorted = valid.subarray(0, nv).sort((a, b) => key[b] - key[a] || a - b);
  const order = Array.from(sorted);
  const kk = Math.max(0, Math.min(k, nv));
  const top = order.slice(0, kk);
  const bottom = order.slice(nv - kk).reverse();
  for (const i of nan) order.push(i);
  return { order, top, bottom };
}

export interface Histogram {
  edges: number[];
  counts: number[];
}

/** numpy.histogram(x[~isnan(x)], bins): equal-width bins from min to max, the last one closed. */
export function histogram(x: ArrayLike<number>, bins: number): Histogram {
  const v: number[] = [];
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) v.push(x[i]);
  if (!v.length) return { edges: [], counts: [] };
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of v) {
    if (a < lo) lo = a;
    if (a > hi) hi = a;
  }
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const counts = new Array(bins).fill(0);
  for (const a of v) {
    let b = Math.floor(((a - lo) / (hi - lo)) * bins);
    if (b >= bins) b = bins - 1;
    // numpy compares against the edges themselves: a value on an edge goes to the bin it opens
    while (b > 0 && a < edges[b]) b--;
    while (b < bins - 1 && a >= edges[b + 1]) b++;
    counts[b]++;
  }
  return { edges, counts };
}
