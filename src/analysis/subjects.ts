// Subject means: the same stimuli encoded by several subjects' models, averaged over subjects, with
// the between-subject spread. Subjects are the units of observation here (as in a group-level ERP):
// each subject contributes one subject-level value, its mean over the 4 repetitions, the images of
// the view and the selected channels, and the spread (SD, SEM, t-based 95% CI) is taken over those
// S values. Repetitions and images are averaged first, so they never count as observations.
import { spread, type Dims, type Spread } from './spread.ts';

/** Element-wise mean over subjects of equally shaped arrays (each a subject's [B, 4, C, T]). */
export function subjectMean(perSubject: readonly Float32Array[]): Float32Array {
  const S = perSubject.length;
  if (!S) return new Float32Array(0);
  const n = perSubject[0].length;
  for (const a of perSubject) if (a.length !== n) throw new Error(`subject arrays differ in length (${a.length} and ${n})`);
  const acc = new Float64Array(n);
  for (const a of perSubject) for (let i = 0; i < n; i++) acc[i] += a[i];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = acc[i] / S;
  return out;
}

/**
 * Per subject, its mean over repetitions, the images `images` and the channels `ch` at every
 * time: [S, T], the subject-level values a group time course averages.
 */
export function subjectSeries(perSubject: readonly Float32Array[], d: Dims, images: ArrayLike<number>, ch: ArrayLike<number>): Float64Array {
  const S = perSubject.length;
  const out = new Float64Array(S * d.T);
  const k = 1 / (d.R * images.length * ch.length);
  for (let s = 0; s < S; s++) {
    const x = perSubject[s];
    const row = out.subarray(s * d.T, (s + 1) * d.T);
    for (let i = 0; i < images.length; i++)
      for (let r = 0; r < d.R; r++) {
        const base = (images[i] * d.R + r) * d.C * d.T;
        for (let c = 0; c < ch.length; c++) {
          const o = base + ch[c] * d.T;
          for (let t = 0; t < d.T; t++) row[t] += x[o + t];
        }
      }
    for (let t = 0; t < d.T; t++) row[t] *= k;
  }
  return out;
}

/** Per subject, each channel's mean over repetitions, the images and the times `t`: [S, C] (a scalp map per subject). */
export function subjectMaps(perSubject: readonly Float32Array[], d: Dims, images: ArrayLike<number>, t: ArrayLike<number>): Float64Array {
  const S = perSubject.length;
  const out = new Float64Array(S * d.C);
  const k = 1 / (d.R * images.length * t.length);
  for (let s = 0; s < S; s++) {
    const x = perSubject[s];
    for (let i = 0; i < images.length; i++)
      for (let r = 0; r < d.R; r++)
        for (let c = 0; c < d.C; c++) {
          const o = ((images[i] * d.R + r) * d.C + c) * d.T;
          let sum = 0;
          for (let j = 0; j < t.length; j++) sum += x[o + t[j]];
          out[s * d.C + c] += sum;
        }
    for (let c = 0; c < d.C; c++) out[s * d.C + c] *= k;
  }
  return out;
}

/** The subject mean of a time course and its spread across subjects (n = S). */
export function subjectSpread(perSubject: readonly Float32Array[], d: Dims, images: ArrayLike<number>, ch: ArrayLike<number>, level = 0.95): Spread {
  return spread(subjectSeries(perSubject, d, images, ch), perSubject.length, d.T, level);
}

/** Condition A − B per subject (each subject's own difference wave), then its spread across subjects. */
export function subjectDiffSpread(perSubject: readonly Float32Array[], d: Dims, imagesA: ArrayLike<number>, imagesB: ArrayLike<number>, ch: ArrayLike<number>, level = 0.95): Spread {
  const a = subjectSeries(perSubject, d, imagesA, ch);
  const b = subjectSeries(perSubject, d, imagesB, ch);
  for (let i = 0; i < a.length; i++) a[i] -= b[i];
  return spread(a, perSubject.length, d.T, level);
}

/** The subject-mean scalp map over the times `t` and its spread across subjects, per channel (n = S; arrays of length C). */
export function subjectMapSpread(perSubject: readonly Float32Array[], d: Dims, images: ArrayLike<number>, t: ArrayLike<number>, level = 0.95): Spread {
  return spread(subjectMaps(perSubject, d, images, t), perSubject.length, d.C, level);
}

export interface SubjectTuning {
  /** the sweep's parameter values, ascending */
  values: number[];
  /** each subject's own curve, [S, values.length]: its mean score over the images at each value */
  curves: Float64Array;
  /** the subject mean of those curves and its spread across subjects (n = S) at each value */
  spread: Spread;
}

/**
 * A tuning curve per subject and its spread across subjects. scores[s][i] is subject s's measure
 * of image i (from that subject's own responses), values[i] the parameter value of image i. Each
 * subject's curve is its mean over the images at each value (NaN scores left out; a value with
 * none is NaN); the spread is taken over the S curves, so the images are averaged within each
 * subject first and never count as observations.
 */
export function subjectTuning(scores: readonly ArrayLike<number>[], values: ArrayLike<number>, level = 0.95): SubjectTuning {
  const S = scores.length;
  for (const sc of scores) if (sc.length !== values.length) throw new RangeError(`${values.length} values for ${sc.length} scores`);
  const vs = [...new Set(Array.from(values))].sort((a, b) => a - b);
  const at = new Map(vs.map((v, k) => [v, k]));
  const V = vs.length;
  const curves = new Float64Array(S * V);
  const counts = new Float64Array(S * V);
  for (let s = 0; s < S; s++) {
    const sc = scores[s];
    for (let i = 0; i < values.length; i++) {
      if (Number.isNaN(sc[i])) continue;
      const o = s * V + at.get(values[i])!;
      curves[o] += sc[i];
      counts[o]++;
    }
  }
  for (let o = 0; o < S * V; o++) curves[o] = counts[o] ? curves[o] / counts[o] : NaN;
  return { values: vs, curves, spread: spread(curves, S, V, level) };
}
