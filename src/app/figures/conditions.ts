// The conditions panel's figures: each condition's mean time course (with its repetition band),
// the difference wave A − B and its topomap at the cursor or over the window.
import { EEG_UNIT_LONG, PALETTE, timecourseFigure, type Figure, type Series } from '../../viz/plots.ts';
import { band, column, meanOverTimes, subtract, type BandKind } from '../../viz/stats.ts';
import { symmetricLimit, type TopomapGrid } from '../../viz/topomap.ts';
import type { TopomapScene } from '../../viz/topomap_render.ts';
import { spreadBand } from '../../analysis/spread.ts';
import { subjectDiffSpread, subjectSpread } from '../../analysis/subjects.ts';
import { groupCT, groupDims, groupReps, imagesFor, subjectGroupMeans, type Encoded } from '../state/encoded.ts';
import type { SubjectSpreadKind } from '../state/store.ts';

export interface ConditionsArgs {
  enc: Encoded;
  /** channel names, selected channel indices and the selection as a mask over names */
  names: string[];
  ch: ArrayLike<number>;
  chMask: boolean[];
  /** selected sample indices, the times (ms), the cursor and the 0/1 mask */
  t: ArrayLike<number>;
  tms: number[];
  cursor: number;
  timeMask: number[];
  conditions: string[];
  diffA: string;
  diffB: string;
  band: BandKind;
  topoMode: 'cursor' | 'window';
  colorScale: 'fixed' | 'frame';
  /** the interpolation grid, asked for only when there is a difference map */
  grid: () => TopomapGrid;
  /** with a subject mean (enc.subjects): bands across subjects, the difference formed within each subject */
  subjectSpread?: SubjectSpreadKind;
}

/** What does not follow the cursor or the window: the condition means' series and the difference's [C, T]. */
export interface ConditionsBase {
  series: Series[];
  diffCT: Float32Array | null;
}

type BaseArgs = Pick<ConditionsArgs, 'enc' | 'ch' | 'conditions' | 'diffA' | 'diffB' | 'band' | 'subjectSpread'>;

/** The condition means (and the difference map when A and B differ and both have images); null when there is nothing to draw. */
export function conditionsView(a: ConditionsArgs): { tc: Figure; topo: TopomapScene | null } | null {
  return conditionsAt(conditionsBase(a), a);
}

/** The series and the difference (a cursor move or a window change makes them again only with conditionsView). */
export function conditionsBase(a: BaseArgs): ConditionsBase | null {
  const { enc, ch } = a;
  if (!enc.dims.B || !a.conditions.length || !ch.length) return null;
  const T = enc.dims.T;
  const series: Series[] = [];
  a.conditions.forEach((c, k) => {
    const idx = imagesFor(enc, `cond:${c}`);
    if (!idx.length) return;
    const color = PALETTE[k % PALETTE.length];
    if (enc.subjects && a.subjectSpread) {
      // each subject's condition mean (the worker's group mean under its tag), then across subjects
      const per = subjectGroupMeans(enc, `cond:${c}`);
      if (!per) return;
      const s = subjectSpread(per, groupDims(enc), [0], ch);
      series.push({ name: `${c} (n=${idx.length} images, ${enc.subjects.paths.length} subjects)`, mean: s.mean, ...(a.subjectSpread === 'off' ? {} : spreadBand(s, a.subjectSpread)), color });
      return;
    }
    const reps = groupReps(enc, `cond:${c}`, ch);
    if (!reps) return;
    const b = band(reps, enc.dims.R, T, a.band);
    series.push({ name: `${c} (n=${idx.length})`, mean: b.mean, lo: a.band === 'none' ? undefined : b.lo, hi: a.band === 'none' ? undefined : b.hi, color });
  });
  const ia = imagesFor(enc, `cond:${a.diffA}`);
  const ib = imagesFor(enc, `cond:${a.diffB}`);
  let diffCT: Float32Array | null = null;
  const ra = groupReps(enc, `cond:${a.diffA}`, ch);
  const rb = groupReps(enc, `cond:${a.diffB}`, ch);
  if (ia.length && ib.length && ra && rb && a.diffA !== a.diffB) {
    // Difference wave: A - B per repetition, so the band reflects repetition spread of the difference.
    const d = band(subtract(ra, rb), enc.dims.R, T, 'none');
    const pa = subjectGroupMeans(enc, `cond:${a.diffA}`);
    const pb = subjectGroupMeans(enc, `cond:${a.diffB}`);
    if (enc.subjects && a.subjectSpread && a.subjectSpread !== 'off' && pa && pb) {
      // the difference within each subject: its two condition means as images 0 and 1
      const per = pa.map((m, k) => {
        const x = new Float32Array(2 * m.length);
        x.set(m);
        x.set(pb[k], m.length);
        return x;
      });
      const s = subjectDiffSpread(per, { ...enc.dims, B: 2 }, [0], [1], ch);
      series.push({ name: `${a.diffA} − ${a.diffB}`, mean: s.mean, ...spreadBand(s, a.subjectSpread), color: '#000000', width: 2.4, dash: 'dash' });
    } else series.push({ name: `${a.diffA} − ${a.diffB}`, mean: d.mean, color: '#000000', width: 2.4, dash: 'dash' });
    diffCT = subtract(groupCT(enc, `cond:${a.diffA}`)!, groupCT(enc, `cond:${a.diffB}`)!);
  }
  return series.length ? { series, diffCT } : null;
}

/** The figures at the cursor (or over the window) from the base. */
export function conditionsAt(base: ConditionsBase | null, a: ConditionsArgs): { tc: Figure; topo: TopomapScene | null } | null {
  if (!base) return null;
  const { names, ch, chMask, t, tms } = a;
  const { series, diffCT: ct } = base;
  const T = a.enc.dims.T;
  let topo: TopomapScene | null = null;
  if (ct) {
    const C = names.length;
    const values = a.topoMode === 'window' ? meanOverTimes(ct, C, T, t) : column(ct, C, T, a.cursor);
    const lim = a.colorScale === 'fixed' ? symmetricLimit(ct) : symmetricLimit(values);
    const when = a.topoMode === 'window' && t.length ? `mean ${tms[t[0]]}…${tms[t[t.length - 1]]} ms` : `${tms[a.cursor]} ms`;
    topo = { grid: a.grid(), panels: [{ values }], range: [-lim, lim], selected: chMask, names, unit: EEG_UNIT_LONG, title: `${a.diffA} − ${a.diffB} · ${when}` };
  }
  const chLabel = ch.length === names.length ? 'all channels' : `${ch.length} selected channel${ch.length > 1 ? 's' : ''}`;
  const tc = timecourseFigure({ timesMs: tms, series, cursorMs: tms[a.cursor], mask: a.timeMask, title: `Condition means over ${chLabel}`, height: 320 });
  return { tc, topo };
}
