// The topomap panel's maps: one map of a source (all images, an image, a condition, A − B) at the
// cursor or over the window, or a joint plot with maps at GFP peaks or listed times.
import { gfpPeaks, parseTimeList, type JointSpec } from '../../viz/joint.ts';
import { EEG_UNIT, EEG_UNIT_LONG } from '../../viz/plots.ts';
import { prepareScene, type TopoPanel, type TopomapScene } from '../../viz/topomap_render.ts';
import { column, meanOverTimes, subtract } from '../../viz/stats.ts';
import { METHOD_LABEL, mneColorLimits, type TopomapGrid, type TopomapMethod } from '../../viz/topomap.ts';
import { groupCT, groupDims, subjectGroupMeans, type Encoded } from '../state/encoded.ts';
import type { MapSource, SubjectSpreadKind } from '../state/store.ts';
import { spread, type Spread } from '../../analysis/spread.ts';
import { subjectMaps, subjectMapSpread } from '../../analysis/subjects.ts';
import { nearestIndex, windowText } from './time_axis.ts';

/** [C, T] mean over repetitions and the images of a map source; null when it has no images. */
export function sourceCT(enc: Encoded, source: MapSource, diffA: string, diffB: string): Float32Array | null {
  if (source === 'diff') {
    const a = groupCT(enc, `cond:${diffA}`);
    const b = groupCT(enc, `cond:${diffB}`);
    return a && b ? subtract(a, b) : null;
  }
  return groupCT(enc, source);
}

/** What a map shows, for its title; with a subject mean, over how many subjects (as the time course's lines say it). */
export function sourceLabel(enc: Encoded, source: MapSource, diffA: string, diffB: string): string {
  const over = enc.subjects ? `, ${enc.subjects.paths.length} subjects` : '';
  if (source === 'all') return `mean of ${enc.items.length} image${enc.items.length === 1 ? '' : 's'}${over}`;
  if (source === 'diff') return `${diffA} − ${diffB}${over}`;
  if (source.startsWith('img:')) return `${enc.items.find((i) => i.id === source.slice(4))?.name ?? 'image'}${over}`;
  return `condition ${source.slice(5)}${over}`;
}

export interface TopomapArgs {
  /** the source's [C, T] data (sourceCT) and its global field power */
  ct: Float32Array;
  g: Float32Array;
  enc: Encoded;
  names: string[];
  t: ArrayLike<number>;
  chMask: boolean[];
  grid: TopomapGrid;
  tms: number[];
  mapSource: MapSource;
  diffA: string;
  diffB: string;
  multiples: 'off' | 'peaks' | 'times';
  multipleTimes: string;
  topoMode: 'cursor' | 'window';
  cursor: number;
  colorScale: 'fixed' | 'frame';
  timeMask: number[];
  peakThreshold: number;
  topoMethod: TopomapMethod;
}

/**
 * The scene of one map (or of a joint plot's maps), the joint plot's spec without its cursor
 * (null for one map), the frames shown, and the first map's values.
 */
export function topomapView(a: TopomapArgs): { scene: TopomapScene; jointSpec: Omit<JointSpec, 'cursorMs'> | null; frames: { idx: number | null; title: string }[]; values: ArrayLike<number> } {
  const { ct, g, enc, names, t, chMask, grid, tms } = a;
  const joint = a.multiples !== 'off';
  const C = names.length;
  const T = tms.length;
  let frames: { idx: number | null; title: string }[];
  let threshold: number | undefined;
  let jointNote = '';
  if (a.multiples === 'peaks') {
    const p = gfpPeaks(g, a.timeMask, a.peakThreshold, 4, 5);
    threshold = p.threshold;
    frames = p.indices.map((i) => ({ idx: i, title: `${tms[i]} ms` }));
    jointNote = frames.length
      ? `${frames.length} GFP peak${frames.length === 1 ? '' : 's'} ≥ ${Math.round(100 * a.peakThreshold)} % of the window's largest GFP (${p.maxGfp.toPrecision(3)} ${EEG_UNIT}; threshold dashed), ≥ 20 ms apart, in ${windowText(a.timeMask, tms)}`
      : `No GFP peak reaches ${Math.round(100 * a.peakThreshold)} % of the largest GFP in ${windowText(a.timeMask, tms)}: lower the threshold`;
  } else if (a.multiples === 'times') {
    const list = parseTimeList(a.multipleTimes, tms[0], tms[T - 1]).times;
    const idx = [...new Set(list.map((ms) => nearestIndex(ms, tms)))];
    frames = idx.map((i) => ({ idx: i, title: `${tms[i]} ms` }));
    jointNote = `Maps at ${frames.map((f) => f.title).join(', ')} (nearest samples)`;
  } else if (a.topoMode === 'window') {
    frames = [{ idx: null, title: t.length ? `mean over ${windowText(a.timeMask, tms)}` : 'no samples selected' }];
  } else {
    frames = [{ idx: a.cursor, title: `${tms[a.cursor]} ms` }];
  }
  const panels: TopoPanel[] = frames.map((f) => ({
    values: f.idx === null ? meanOverTimes(ct, C, T, t) : column(ct, C, T, f.idx),
    title: joint ? f.title : undefined,
  }));
  // MNE's rule (Reds on [0, max] for data >= 0, else ±max|data| on RdBu_r), over the whole epoch
  // ('fixed') or over the maps shown, as evoked.plot_topomap shares limits over its times.
  const lim = a.colorScale === 'fixed' ? mneColorLimits(ct) : mneColorLimits(...panels.map((p) => p.values));
  const label = sourceLabel(enc, a.mapSource, a.diffA, a.diffB);
  const method = grid.method ?? 'v4';
  const methodNote = `Interpolation: ${METHOD_LABEL[method]}${method !== a.topoMethod ? ' (MNE’s matrix is still loading)' : ''}`;
  const title = joint ? `${label} · joint plot` : `${label} · ${frames[0]?.title ?? ''}`;
  const scene: TopomapScene = {
    grid,
    panels: panels.length ? panels : [],
    range: lim.range,
    colormap: lim.colormap,
    selected: chMask,
    names,
    unit: EEG_UNIT_LONG,
    title: joint ? undefined : title,
    note: joint ? undefined : methodNote,
  };
  const jointSpec = joint
    ? {
        prep: prepareScene(scene),
        mapTimes: frames.map((f) => tms[f.idx!]),
        timesMs: tms,
        channels: ct,
        nChannels: C,
        selected: chMask,
        names,
        gfp: g,
        mask: a.timeMask,
        threshold,
        unit: EEG_UNIT,
        title,
        note: `${jointNote}. ${methodNote}.`,
      }
    : null;
  return { scene, jointSpec, frames, values: panels[0]?.values ?? new Float32Array(0) };
}

/**
 * With a subject mean: the between-subject spread at each sensor for the single map shown (SEM,
 * SD or the 95% CI's half-width across subjects, on each subject's own map), drawn on Reds from 0
 * as MNE draws non-negative data; null for joint plots, without subjects or without a spread.
 */
export function subjectSpreadScene(a: TopomapArgs, kind: SubjectSpreadKind): { scene: TopomapScene; values: Float64Array } | null {
  const { enc, names, t, chMask, grid, tms } = a;
  if (!enc.subjects || kind === 'off' || a.multiples !== 'off') return null;
  const frames = a.topoMode === 'window' ? Array.from(t) : [a.cursor];
  if (!frames.length) return null;
  // each subject's map from its own group means (the worker's, under its tag), then across subjects
  const S = enc.subjects.paths.length;
  const d = groupDims(enc);
  let sp: Spread;
  if (a.mapSource === 'diff') {
    const pa = subjectGroupMeans(enc, `cond:${a.diffA}`);
    const pb = subjectGroupMeans(enc, `cond:${a.diffB}`);
    if (!pa || !pb) return null;
    const x = subjectMaps(pa, d, [0], frames);
    const y = subjectMaps(pb, d, [0], frames);
    for (let i = 0; i < x.length; i++) x[i] -= y[i];
    sp = spread(x, S, enc.dims.C);
  } else {
    const per = subjectGroupMeans(enc, a.mapSource);
    if (!per) return null;
    sp = subjectMapSpread(per, d, [0], frames);
  }
  const values = kind === 'sem' ? sp.sem : kind === 'sd' ? sp.sd : sp.ci95Hi.map((h, c) => h - sp.mean[c]);
  const lim = mneColorLimits(values);
  const when = a.topoMode === 'window' ? `mean over ${windowText(a.timeMask, tms)}` : `${tms[a.cursor]} ms`;
  const what = kind === 'sem' ? 'SEM' : kind === 'sd' ? 'SD' : '95% CI half-width';
  return {
    scene: { grid, panels: [{ values }], range: lim.range, colormap: lim.colormap, selected: chMask, names, unit: EEG_UNIT_LONG, title: `${what} across ${S} subjects · ${when}`, note: `between-subject spread of the map above (n = ${S} subjects)` },
    values,
  };
}
