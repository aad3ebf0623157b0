// Sweeps: one manipulation, one of its parameters over a range (linear or log steps), applied to a
// set of images. Each derived stimulus keeps its source and its value, so responses can be
// plotted as tuning curves (a measure against the parameter, mean and spread across images).
import { applyManipulation, describe, kindSpec, withParam, type ChwImage, type Manipulation } from './manipulations.ts';

export interface SweepSpec {
  manipulation: Manipulation;
  /** the numeric parameter varied */
  param: string;
  from: number;
  to: number;
  steps: number;
  scale: 'linear' | 'log';
}

/** The parameter values of a sweep: linear from + (to - from) i / (n - 1), log from (to / from)^(i / (n - 1)). */
export function sweepValues(s: Pick<SweepSpec, 'from' | 'to' | 'steps' | 'scale'>): number[] {
  const n = s.steps;
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new RangeError('a sweep has 1 to 100 steps');
  if (!Number.isFinite(s.from) || !Number.isFinite(s.to)) throw new RangeError('sweep ends must be numbers');
  if (s.scale === 'log' && !(s.from > 0 && s.to > 0)) throw new RangeError('a log sweep needs from > 0 and to > 0');
  if (n === 1) return [s.from];
  return Array.from({ length: n }, (_, i) => {
    const f = i / (n - 1);
    const v = s.scale === 'log' ? s.from * Math.pow(s.to / s.from, f) : s.from + (s.to - s.from) * f;
    return Number(v.toPrecision(12)); // the last step is `to`, not to plus rounding
  });
}

export interface SourceImage {
  id: string;
  name: string;
  image: ChwImage;
}

export interface DerivedStimulus {
  sourceId: string;
  sourceName: string;
  /** the manipulation exactly as applied (integer parameters already rounded) */
  manipulation: Manipulation;
  param: string;
  value: number;
  /** step index in the sweep */
  step: number;
  name: string;
  image: ChwImage;
}

function stem(name: string): string {
  return name.replace(/\.[A-Za-z0-9]+$/, '');
}

/** "<source stem>_<kind>-<param>=<value>.png": unique per source and step. */
export function derivedName(source: string, m: Manipulation, param: string, value: number): string {
  const v = Number(value.toPrecision(6));
  return `${stem(source)}_${m.kind}-${param}=${v}.png`;
}

export function checkSweep(s: SweepSpec): number[] {
  const spec = kindSpec(s.manipulation.kind);
  const q = spec.params.find((p) => p.key === s.param);
  if (!q || !q.sweep) throw new RangeError(`${spec.label} has no sweepable parameter '${s.param}'`);
  return sweepValues(s);
}

/** Every source at every step, source-major (all steps of image 1, then image 2, ...). */
export function runSweep(sources: readonly SourceImage[], s: SweepSpec): DerivedStimulus[] {
  const values = checkSweep(s);
  const out: DerivedStimulus[] = [];
  for (const src of sources) {
    values.forEach((value, step) => {
      const m = withParam(s.manipulation, s.param, value);
      const v = (m as unknown as Record<string, number>)[s.param];
      out.push({ sourceId: src.id, sourceName: src.name, manipulation: m, param: s.param, value: v, step, name: derivedName(src.name, m, s.param, v), image: applyManipulation(src.image, m) });
    });
  }
  return out;
}

/**
 * Contiguous shares of the sources for `parts` workers, balanced by pixel count (every share has at
 * least one source). Each stimulus depends only on its source and its step's manipulation, so the
 * shares' sweeps, concatenated in order, are the sweep of all the sources, whatever `parts` is.
 */
export function splitSources<T extends { image: ChwImage }>(sources: readonly T[], parts: number): T[][] {
  const n = Math.max(1, Math.min(Math.floor(parts) || 1, sources.length));
  const w = sources.map((s) => s.image.size * s.image.size);
  const total = w.reduce((a, b) => a + b, 0);
  const out: T[][] = [];
  let start = 0;
  let cum = 0;
  for (let k = 1; k < n; k++) {
    const target = (total * k) / n;
    let end = start + 1;
    cum += w[start];
    // leave at least one source for each share still to come
    while (end < sources.length - (n - k) && cum + w[end] / 2 <= target) cum += w[end++];
    out.push(sources.slice(start, end));
    start = end;
  }
  out.push(sources.slice(start));
  return out;
}

export function sweepLabel(s: SweepSpec): string {
  return `${describe(s.manipulation).split(' ')[0]} ${s.param} ${s.from}…${s.to} (${s.steps} ${s.scale} steps)`;
}

export interface TuningPoint {
  value: number;
  n: number;
  mean: number;
  /** sample SD across images (ddof = 1); 0 with one image */
  sd: number;
  /** SD / sqrt(n) */
  sem: number;
}

/** Mean and spread across images at each parameter value; NaN scores are left out. */
export function tuningCurve(values: readonly number[], scores: readonly number[]): TuningPoint[] {
  if (values.length !== scores.length) throw new RangeError(`${values.length} values for ${scores.length} scores`);
  const by = new Map<number, number[]>();
  values.forEach((v, i) => {
    if (Number.isNaN(scores[i])) return;
    if (!by.has(v)) by.set(v, []);
    by.get(v)!.push(scores[i]);
  });
  return [...by.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([value, xs]) => {
      const n = xs.length;
      const mean = xs.reduce((a, b) => a + b, 0) / n;
      const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1)) : 0;
      return { value, n, mean, sd, sem: sd / Math.sqrt(n) };
    });
}
