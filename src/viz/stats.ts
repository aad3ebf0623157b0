// Reductions over response arrays [B, R, C, T] (images, repetitions, channels, times), C order.
// Pure functions over typed arrays: the UI slices and averages in the main thread without re-encoding.

export interface Dims {
  B: number;
  R: number;
  C: number;
  T: number;
}

/** Indices where a 0/1 (or boolean) mask is set. */
export function maskIndices(mask: ArrayLike<number | boolean>): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) out.push(i);
  return Int32Array.from(out);
}

/** Indices of a set of names within chNames, in chNames order (the page's scalp-map selection is a set). */
export function channelIndices(chNames: readonly string[], selected: Iterable<string>): Int32Array {
  const want = new Set(selected);
  const out: number[] = [];
  chNames.forEach((n, i) => {
    if (want.has(n)) out.push(i);
  });
  return Int32Array.from(out);
}

/** Concatenate per-image [R, C, T] blocks into one [B, R, C, T] array. */
export function stack(blocks: readonly Float32Array[], blockSize: number): Float32Array {
  const out = new Float32Array(blocks.length * blockSize);
  blocks.forEach((b, i) => {
    if (b.length !== blockSize) throw new Error(`Block ${i} has ${b.length} values, expected ${blockSize}`);
    out.set(b, i * blockSize);
  });
  return out;
}

/** Keep channels ch and times t of [B, R, C, T]: result [B, R, ch.length, t.length]. */
export function sliceResponses(data: Float32Array, d: Dims, ch: ArrayLike<number>, t: ArrayLike<number>): Float32Array {
  const nc = ch.length;
  const nt = t.length;
  const out = new Float32Array(d.B * d.R * nc * nt);
  let o = 0;
  for (let br = 0; br < d.B * d.R; br++) {
    const base = br * d.C * d.T;
    for (let i = 0; i < nc; i++) {
      const row = base + ch[i] * d.T;
      for (let j = 0; j < nt; j++) out[o++] = data[row + t[j]];
    }
  }
  return out;
}

/**
 * Per repetition, the mean over the given images and channels at every time: [R, T].
 * The plotted time course is the mean of these rows; their spread is the repetition band.
 */
export function repSeries(data: Float32Array, d: Dims, images: ArrayLike<number>, ch: ArrayLike<number>): Float32Array {
  const out = new Float32Array(d.R * d.T);
  const n = images.length * ch.length;
  if (n === 0) return out.fill(NaN);
  for (let r = 0; r < d.R; r++) {
    const acc = new Float64Array(d.T);
    for (let bi = 0; bi < images.length; bi++) {
      const base = (images[bi] * d.R + r) * d.C * d.T;
      for (let ci = 0; ci < ch.length; ci++) {
        const row = base + ch[ci] * d.T;
        for (let t = 0; t < d.T; t++) acc[t] += data[row + t];
      }
    }
    for (let t = 0; t < d.T; t++) out[r * d.T + t] = acc[t] / n;
  }
  return out;
}

export type BandKind = 'minmax' | 'sd' | 'none';

/** Mean over rows of [R, T] and a band: min..max over rows, or mean +- sample SD (n - 1). */
export function band(rows: Float32Array, R: number, T: number, kind: BandKind): { mean: Float32Array; lo: Float32Array; hi: Float32Array } {
  const mean = new Float32Array(T);
  const lo = new Float32Array(T);
  const hi = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    let s = 0;
    let mn = Infinity;
    let mx = -Infinity;
    for (let r = 0; r < R; r++) {
      const v = rows[r * T + t];
      s += v;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    const m = s / R;
    mean[t] = m;
    if (kind === 'minmax') {
      lo[t] = mn;
      hi[t] = mx;
    } else if (kind === 'sd') {
      let ss = 0;
      for (let r = 0; r < R; r++) ss += (rows[r * T + t] - m) ** 2;
      const sd = R > 1 ? Math.sqrt(ss / (R - 1)) : 0;
      lo[t] = m - sd;
      hi[t] = m + sd;
    } else {
      lo[t] = m;
      hi[t] = m;
    }
  }
  return { mean, lo, hi };
}

/** Mean over the given images and all repetitions: [C, T] (all channels). */
export function meanChannelsByTime(data: Float32Array, d: Dims, images: ArrayLike<number>): Float32Array {
  const out = new Float32Array(d.C * d.T);
  const n = images.length * d.R;
  if (n === 0) return out.fill(NaN);
  const acc = new Float64Array(d.C * d.T);
  const block = d.C * d.T;
  for (let bi = 0; bi < images.length; bi++) {
    for (let r = 0; r < d.R; r++) {
      const base = (images[bi] * d.R + r) * block;
      for (let k = 0; k < block; k++) acc[k] += data[base + k];
    }
  }
  for (let k = 0; k < block; k++) out[k] = acc[k] / n;
  return out;
}

/** Per-channel mean of a [C, T] array over the time indices t: [C]. */
export function meanOverTimes(ct: Float32Array, C: number, T: number, t: ArrayLike<number>): Float32Array {
  const out = new Float32Array(C);
  if (t.length === 0) return out.fill(NaN);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let j = 0; j < t.length; j++) s += ct[c * T + t[j]];
    out[c] = s / t.length;
  }
  return out;
}

/** Column t of a [C, T] array: [C]. */
export function column(ct: Float32Array, C: number, T: number, t: number): Float32Array {
  const out = new Float32Array(C);
  for (let c = 0; c < C; c++) out[c] = ct[c * T + t];
  return out;
}

/**
 * Global field power of [C, T]: the population standard deviation across channels at each
 * time (Lehmann & Skrandies 1980), i.e. the RMS of the average-referenced map.
 */
export function gfp(ct: Float32Array, C: number, T: number): Float32Array {
  const out = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += ct[c * T + t];
    const m = s / C;
    let ss = 0;
    for (let c = 0; c < C; c++) ss += (ct[c * T + t] - m) ** 2;
    out[t] = Math.sqrt(ss / C);
  }
  return out;
}

/** Indices of up to k local maxima of a series, largest first, at least minDistance apart. */
export function peaks(series: ArrayLike<number>, k: number, minDistance = 1): number[] {
  const cand: number[] = [];
  for (let i = 0; i < series.length; i++) {
    const v = series[i];
    const left = i === 0 ? -Infinity : series[i - 1];
    const right = i === series.length - 1 ? -Infinity : series[i + 1];
    if (Number.isFinite(v) && v >= left && v > right) cand.push(i);
  }
  cand.sort((a, b) => series[b] - series[a]);
  const chosen: number[] = [];
  for (const i of cand) {
    if (chosen.length >= k) break;
    if (chosen.every((j) => Math.abs(i - j) >= minDistance)) chosen.push(i);
  }
  return chosen.sort((a, b) => a - b);
}

export { pearson } from '../analysis/rsa.ts';

/**
 * Image-by-image dissimilarity, 1 - Pearson r between the patterns in rows of [N, P]: [N, N].
 * The diagonal is 0; pairs with a constant pattern are NaN.
 */
export function dissimilarity(patterns: Float32Array, N: number, P: number): Float32Array {
  const z = new Float64Array(N * P);
  const ok = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    let m = 0;
    for (let p = 0; p < P; p++) m += patterns[i * P + p];
    m /= P;
    let ss = 0;
    for (let p = 0; p < P; p++) ss += (patterns[i * P + p] - m) ** 2;
    const s = Math.sqrt(ss);
    ok[i] = s > 0 ? 1 : 0;
    for (let p = 0; p < P; p++) z[i * P + p] = s > 0 ? (patterns[i * P + p] - m) / s : 0;
  }
  const out = new Float32Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = i; j < N; j++) {
      let v: number;
      if (i === j) v = 0;
      else if (!ok[i] || !ok[j]) v = NaN;
      else {
        let r = 0;
        for (let p = 0; p < P; p++) r += z[i * P + p] * z[j * P + p];
        v = 1 - r;
      }
      out[i * N + j] = v;
      out[j * N + i] = v;
    }
  }
  return out;
}

/**
 * Patterns over the channels ch at time t, averaged over repetitions, one row per image
 * in `images`: [images.length, ch.length].
 */
export function patternsAt(data: Float32Array, d: Dims, images: ArrayLike<number>, ch: ArrayLike<number>, t: number): Float32Array {
  const out = new Float32Array(images.length * ch.length);
  for (let bi = 0; bi < images.length; bi++) {
    for (let ci = 0; ci < ch.length; ci++) {
      let s = 0;
      for (let r = 0; r < d.R; r++) s += data[((images[bi] * d.R + r) * d.C + ch[ci]) * d.T + t];
      out[bi * ch.length + ci] = s / d.R;
    }
  }
  return out;
}

/** Mean off-diagonal dissimilarity at every time (finite pairs only): [T]. */
export function meanDissimilarityOverTime(data: Float32Array, d: Dims, images: ArrayLike<number>, ch: ArrayLike<number>): Float32Array {
  const out = new Float32Array(d.T);
  const N = images.length;
  for (let t = 0; t < d.T; t++) {
    if (N < 2 || ch.length < 2) {
      out[t] = NaN;
      continue;
    }
    const m = dissimilarity(patternsAt(data, d, images, ch, t), N, ch.length);
    let s = 0;
    let n = 0;
    for (let i = 0; i < N; i++) {
      for (let j = i + 1; j < N; j++) {
        const v = m[i * N + j];
        if (Number.isFinite(v)) {
          s += v;
          n++;
        }
      }
    }
    out[t] = n ? s / n : NaN;
  }
  return out;
}

/** Element-wise a - b. */
export function subtract(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}
