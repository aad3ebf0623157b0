// The dissimilarity panel's data: images ordered by condition, the image-by-image and
// condition-by-condition 1 − r matrices at the cursor, and the mean dissimilarity over time (over
// a fixed random sample of images in large sets). The image matrix and the course are computed by
// the responses worker (over these images, in this order); the condition matrix here, from the
// condition means.
import type { MatrixScene } from '../../viz/matrix_render.ts';
import { timecourseFigure, type Figure } from '../../viz/plots.ts';
import { dissimilarity, patternsAt } from '../../viz/stats.ts';
import { groupMean, type Encoded } from '../state/encoded.ts';
import type { ImageItem, SubjectSpreadKind } from '../state/store.ts';
import { spread, spreadBand } from '../../analysis/spread.ts';

/** Up to this many images the matrix has tick labels; past it, names on hover. */
export const TICKS_UPTO = 40;
/** Past this many images the time course averages the pairs of a fixed random sample of this size. */
export const COURSE_SAMPLE = 120;

/**
 * Past this many images the image matrix is that of a fixed random sample of this size (in the
 * condition order): a matrix of 10,000 images is 400 MB and 50 million correlations per cursor
 * move, and no drawing shows more cells than it has pixels.
 */
export const MATRIX_UPTO = 1000;

/** The images the image matrix shows, in `order`: all of them, or a fixed sample of MATRIX_UPTO. */
export function matrixImages(order: number[]): number[] {
  return sample(order, MATRIX_UPTO, 2);
}

/** A fixed (seeded) sample of k of the indices, kept in their order. */
function sample(idx: number[], k: number, seed = 1): number[] {
  if (idx.length <= k) return idx;
  const a = [...idx];
  let s = seed >>> 0;
  for (let i = 0; i < k; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    const j = i + Math.floor((s / 2 ** 32) * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  const keep = new Set(a.slice(0, k));
  return idx.filter((i) => keep.has(i));
}

/** Image indices grouped by condition (in the condition list's order, images without one last), gallery order within. */
export function conditionOrder(items: ImageItem[], conditions: string[]): number[] {
  // one bucket per condition, filled in gallery order (a sort with a comparator was a long task at 10,000 images)
  const rank = new Map<string, number>();
  conditions.forEach((c, k) => rank.has(c) || rank.set(c, k));
  const buckets: number[][] = Array.from({ length: conditions.length + 1 }, () => []);
  for (let i = 0; i < items.length; i++) {
    const c = items[i].condition;
    buckets[c === undefined ? conditions.length : (rank.get(c) ?? 0)].push(i);
  }
  return buckets.flat();
}

/** The conditions with images, in the condition list's order, each with its image indices in `order`. */
export function conditionGroups(items: ImageItem[], conditions: string[], order: number[]): { c: string; idx: number[] }[] {
  const byCondition = new Map<string, number[]>(conditions.map((c) => [c, []]));
  for (const i of order) {
    const c = items[i].condition;
    if (c !== undefined) byCondition.get(c)?.push(i);
  }
  return [...byCondition].filter(([, idx]) => idx.length > 0).map(([c, idx]) => ({ c, idx }));
}

/**
 * Which images the mean dissimilarity over time averages (a fixed sample of COURSE_SAMPLE past that
 * many, in `order`) and its title; null below 2 images or 2 channels. The values are the worker's
 * (see courseValues).
 */
export function dissimilarityCourse(enc: Encoded, order: number[], ch: ArrayLike<number>): { idx: number[]; title: string; sampled: boolean } | null {
  if (enc.dims.B < 2 || ch.length < 2) return null;
  const idx = sample(order, COURSE_SAMPLE);
  const B = enc.dims.B;
  let title = idx.length < B ? `Mean pairwise dissimilarity over time: ${(idx.length * (idx.length - 1)) / 2} pairs of a fixed random sample of ${idx.length} of ${B} images` : 'Mean pairwise dissimilarity over time';
  if (enc.subjects) title += `, mean of ${enc.subjects.paths.length} subjects`;
  return { idx, title, sampled: idx.length < B };
}

/**
 * The course from the worker's answer: one [T] course, or with a subject mean each subject's own
 * course ([S, T]: RSA is done within subjects), then their mean and between-subject band.
 */
export function courseValues(raw: Float32Array, S: number, T: number, subjectSpread: SubjectSpreadKind = 'off'): { values: ArrayLike<number>; lo?: ArrayLike<number>; hi?: ArrayLike<number> } | null {
  if (raw.length !== S * T) return null;
  if (S === 1) return { values: raw };
  const sp = spread(Float64Array.from(raw), S, T);
  return { values: sp.mean, ...(subjectSpread === 'off' ? {} : spreadBand(sp, subjectSpread)) };
}

export interface DissimilarityArgs {
  enc: Encoded;
  order: number[];
  ch: ArrayLike<number>;
  cursor: number;
  /** tick labels in `order` (empty strings past TICKS_UPTO images) */
  labels: string[];
  /** the conditions with images, each with its image indices in `order` */
  groups: { c: string; idx: number[] }[];
  tms: number[];
  mask: number[];
  course: { values: ArrayLike<number>; lo?: ArrayLike<number>; hi?: ArrayLike<number>; title: string };
  /** the image matrix at the cursor, [n, n] in `order` (the worker's dissimilarityAt; with a subject mean, the mean of the subjects' own matrices) */
  matrix: Float32Array;
}

/** The image matrix at the cursor, the condition-means matrix (two conditions or more) and the course over time. */
export function dissimilarityView(a: DissimilarityArgs): { mat: MatrixScene; cond: MatrixScene | null; line: Figure } {
  return { ...dissimilarityMatrices(a), line: dissimilarityLine(a) };
}

/** The two matrices at the cursor: they do not depend on the window, so a window change leaves them (a million cells at 1,000 images) as drawn. */
export function dissimilarityMatrices(a: Omit<DissimilarityArgs, 'mask' | 'course' | 'order'>): { mat: MatrixScene; cond: MatrixScene | null } {
  return { mat: imageMatrixScene({ ...a, ordered: a.groups.length > 0 }), cond: conditionMatrixScene(a) };
}

/** The image-by-image matrix the worker computed at `cursor` (a function of the images and channels alone, not of the group means). */
export function imageMatrixScene({ enc, cursor, labels, ordered, tms, matrix, of }: Pick<DissimilarityArgs, 'cursor' | 'labels' | 'tms' | 'matrix'> & { enc: Pick<Encoded, 'subjects'>; ordered: boolean; of?: number }): MatrixScene {
  const m = matrix;
  let top = 0;
  for (let i = 0; i < m.length; i++) if (m[i] > top && m[i] !== Infinity) top = m[i]; // (NaN compares false)
  const sampled = of !== undefined && of > labels.length ? `, a fixed random sample of ${labels.length} of ${of} images` : '';
  return { values: m, labels, range: [0, top > 0 ? top : 1], colormap: 'viridis', unit: '1 − r', title: `Dissimilarity at ${tms[cursor]} ms${sampled}${enc.subjects ? `, mean of ${enc.subjects.paths.length} subjects' matrices` : ''}${ordered ? ' (ordered by condition)' : ''}` };
}

/** The condition-by-condition matrix of the condition means at the cursor (two conditions or more), else null. */
export function conditionMatrixScene({ enc, ch, cursor, groups, tms }: Pick<DissimilarityArgs, 'enc' | 'ch' | 'cursor' | 'groups' | 'tms'>): MatrixScene | null {
  if (groups.length < 2) return null;
  // condition means of the repetition-mean patterns (the pattern of each condition's mean), then 1 - r between conditions
  const P = ch.length;
  const pats = new Float32Array(groups.length * P);
  groups.forEach((g, k) => {
    const mean = groupMean(enc, `cond:${g.c}`);
    if (mean) pats.set(patternsAt(mean, { ...enc.dims, B: 1 }, [0], ch, cursor), k * P);
    else pats.fill(NaN, k * P, (k + 1) * P);
  });
  const cm = dissimilarity(pats, groups.length, P);
  let ctop = 0;
  for (const v of cm) if (Number.isFinite(v) && v > ctop) ctop = v;
  const cl = groups.map((g) => `${g.c} (n=${g.idx.length})`);
  return { values: cm, labels: cl, range: [0, ctop > 0 ? ctop : 1], colormap: 'viridis', unit: '1 − r', title: `Condition means at ${tms[cursor]} ms` };
}

/** The mean dissimilarity over time, with the cursor and the window. */
export function dissimilarityLine({ cursor, tms, mask, course }: Pick<DissimilarityArgs, 'cursor' | 'tms' | 'mask' | 'course'>): Figure {
  return timecourseFigure({
    timesMs: tms,
    series: [{ name: 'mean dissimilarity', mean: course.values, lo: course.lo, hi: course.hi, color: '#444444' }],
    cursorMs: tms[cursor],
    mask,
    unit: '1 − r',
    yTitle: 'mean 1 − r',
    title: course.title,
    height: 360,
  });
}
