// The time-course panel's figure: images as one mean, one line each, or one per condition (or
// one image), over the selected channels as their mean, one line each, or a butterfly with GFP.
import { EEG_UNIT, PALETTE, timecourseFigure, windowShapes, type Figure, type Series } from '../../viz/plots.ts';
import { band, gfp, type BandKind } from '../../viz/stats.ts';
import { spreadBand } from '../../analysis/spread.ts';
import { subjectMean as subjectMeanOf, subjectSpread } from '../../analysis/subjects.ts';
import { groupCT, groupDims, groupReps, imagesFor, subjectGroupMeans, type Encoded } from '../state/encoded.ts';
import type { ChannelView, ImageView, SubjectSpreadKind } from '../state/store.ts';

export interface TimecourseArgs {
  enc: Encoded;
  names: string[];
  ch: ArrayLike<number>;
  chMask: boolean[];
  tms: number[];
  imageView: ImageView;
  channelView: ChannelView;
  band: BandKind;
  timeMask: number[];
  conditions: string[];
  title: string;
  /** imageView 'each': every image's time course over ch, [B, R, T] (the responses worker's eachSeries), per subject [S, B, R, T] with a subject mean; null until it arrives */
  each?: Float32Array | null;
  /** with a subject mean (enc.subjects): the between-subject band, which replaces the repetition band */
  subjectSpread?: SubjectSpreadKind;
}

type Line = { mean: Float32Array | Float64Array; lo?: Float32Array | Float64Array; hi?: Float32Array | Float64Array };

/** A line's band: across subjects (`per`: each subject's [1, R, C, T]) when the view is a subject mean and a spread is asked for, else across repetitions (`reps`: [R, T]). */
function bandOf(a: TimecourseArgs, reps: () => Float32Array | null, per: () => Float32Array[] | null, dims: TimecourseArgs['enc']['dims'], ch: ArrayLike<number>): Line | null {
  const { enc } = a;
  if (enc.subjects && a.subjectSpread && a.subjectSpread !== 'off') {
    const p = per();
    if (!p) return null;
    const s = subjectSpread(p, dims, [0], ch);
    return { mean: s.mean, ...spreadBand(s, a.subjectSpread) };
  }
  const r = reps();
  if (!r) return null;
  const b = band(r, enc.dims.R, enc.dims.T, a.band);
  const noBand = a.band === 'none' || (enc.subjects && a.subjectSpread === 'off');
  return { mean: b.mean, lo: noBand ? undefined : b.lo, hi: noBand ? undefined : b.hi };
}

/** A group's line over ch: its mean from the worker's group means, and its band. */
function line(a: TimecourseArgs, which: string, ch: ArrayLike<number>): Line | null {
  return bandOf(a, () => groupReps(a.enc, which, ch), () => subjectGroupMeans(a.enc, which), groupDims(a.enc), ch);
}

/** The panel's title for a channel view and selection. */
export function timecourseTitle(channelView: ChannelView, names: string[], ch: ArrayLike<number>): string {
  const chLabel = ch.length === names.length ? 'all channels' : ch.length <= 4 ? Array.from(ch, (c) => names[c]).join(', ') : `${ch.length} channels`;
  return channelView === 'butterfly' ? 'Butterfly (selected in blue) + global field power' : channelView === 'each' ? `Selected channels (${ch.length})` : `Mean over ${chLabel}`;
}

/**
 * The figure (without the cursor line: see withCursor), the sum of its lines' values, how many
 * lines, and whether it is the mean of all channels of average-referenced data (0 up to rounding,
 * drawn at the channels' scale with a note); null without encoded images.
 */
export function timecourseView(a: TimecourseArgs): { figure: Figure; ysum: number; nSeries: number; zeroMean: boolean } | null {
  const { enc, names, ch, chMask, tms } = a;
  const { dims } = enc;
  if (!dims.B) return null;
  const T = dims.T;
  // Which image groups (group means from the responses worker, or one line per image), and the
  // group of all images drawn (butterfly, channel lines, the zero-mean check).
  let groups: { name: string; which: string; n: number }[];
  let union = 'all';
  if (a.imageView === 'each') groups = [];
  else if (a.imageView === 'conditions') {
    groups = a.conditions.map((c) => ({ name: c, which: `cond:${c}`, n: imagesFor(enc, `cond:${c}`).length })).filter((g) => g.n);
    union = 'conditioned';
    if (!groups.length) {
      groups = [{ name: 'all images', which: 'all', n: dims.B }];
      union = 'all';
    }
  } else if (a.imageView.startsWith('img:')) {
    groups = [{ name: enc.items.find((i) => i.id === a.imageView.slice(4))?.name ?? 'image', which: a.imageView, n: imagesFor(enc, a.imageView as `img:${string}`).length }];
    union = a.imageView;
  } else groups = [{ name: `mean of ${enc.items.length} image${enc.items.length === 1 ? '' : 's'}`, which: 'all', n: dims.B }];
  if (groups.length === 1) union = groups[0].which;
  if (enc.subjects) for (const g of groups) g.name += `, ${enc.subjects.paths.length} subjects`;

  const series: Series[] = [];
  let lower: { name: string; values: Float32Array; unit: string } | undefined;
  const unionCT = groupCT(enc, union);
  if (a.channelView === 'butterfly') {
    if (!unionCT) return null;
    const ct = unionCT;
    names.forEach((n, c) => {
      series.push({ name: n, mean: ct.subarray(c * T, (c + 1) * T), color: chMask[c] ? '#1f4e99' : '#9a9a9a', faint: true, width: chMask[c] ? 1 : 0.6 });
    });
    lower = { name: 'GFP', values: gfp(ct, names.length, T), unit: EEG_UNIT };
  } else if (a.channelView === 'each') {
    for (const [k, c] of Array.from(ch).entries()) {
      const l = line(a, union, [c]);
      if (!l) return null;
      series.push({ name: names[c], ...l, color: PALETTE[k % PALETTE.length] });
    }
  } else if (a.imageView === 'each') {
    if (!a.each) return null;
    const n = dims.R * T;
    const S = enc.subjects?.paths.length ?? 1;
    if (a.each.length !== S * dims.B * n) return null;
    // per subject, its lines [B, R, T] as [B, R, 1, T]; their mean is the subject-mean line
    const per = Array.from({ length: S }, (_, s) => a.each!.subarray(s * dims.B * n, (s + 1) * dims.B * n));
    const mean = S > 1 ? subjectMeanOf(per) : per[0];
    const lineDims = { ...dims, C: 1 };
    for (const [i, it] of enc.items.entries()) {
      const l = bandOf(
        a,
        () => mean.subarray(i * n, (i + 1) * n),
        () => per.map((x) => x.subarray(i * n, (i + 1) * n)),
        { ...lineDims, B: 1 },
        [0],
      );
      if (!l) return null;
      series.push({ name: `${i + 1}: ${it.name}${enc.subjects ? `, ${S} subjects` : ''}`, ...l, color: PALETTE[i % PALETTE.length] });
    }
  } else {
    for (const [k, g] of groups.entries()) {
      const l = line(a, g.which, ch);
      if (!l) return null;
      series.push({ name: g.name, ...l, color: PALETTE[k % PALETTE.length] });
    }
  }
  // Average-referenced data (CSD output is) sum to zero over all channels at every sample: their
  // mean is float rounding, which autoscaling would blow up into something that looks like an ERP.
  let zeroMean = false;
  let scale = 0;
  if (a.channelView === 'mean' && ch.length === names.length && unionCT) {
    for (const v of unionCT) scale = Math.max(scale, Math.abs(v));
    let m = 0;
    for (const x of series) for (const v of Array.from(x.hi ?? x.mean)) m = Math.max(m, Math.abs(v));
    zeroMean = scale > 0 && m < 1e-4 * scale;
  }
  let figure = timecourseFigure({ timesMs: tms, series, mask: a.timeMask, lower, title: a.title, height: a.channelView === 'butterfly' ? 420 : 360 });
  if (zeroMean) {
    const layout = figure.layout as Record<string, unknown>;
    figure = {
      data: figure.data,
      layout: {
        ...figure.layout,
        yaxis: { ...(layout.yaxis as object), range: [-scale, scale], autorange: false },
        annotations: [
          {
            text: `The mean over all ${names.length} channels is 0 at every sample<br>(average-referenced data): only float rounding remains,<br>drawn here at the channels' scale (±${scale.toPrecision(2)} ${EEG_UNIT})`,
            xref: 'paper',
            yref: 'paper',
            x: 0.5,
            y: 0.97,
            yanchor: 'top',
            showarrow: false,
            font: { size: 12, color: '#4a5563' },
            bgcolor: 'rgba(255,255,255,0.9)',
          },
        ],
      } as Figure['layout'],
    };
  }
  const ysum = series.reduce((acc, x) => acc + Array.from(x.mean).reduce((a, b) => a + b, 0), 0);
  return { figure, ysum, nSeries: series.length, zeroMean };
}

/**
 * The figure with the time cursor's line: figures are built without it, so a cursor move changes
 * one shape and Plot relayouts only that (the same line timecourseFigure draws).
 */
export function withCursor(fig: Figure, cursorMs: number): Figure {
  const shapes = [...(fig.layout.shapes ?? []), { type: 'line', xref: 'x', yref: 'paper', x0: cursorMs, x1: cursorMs, y0: 0, y1: 1, line: { color: '#c00', width: 1.5 } }];
  return { data: fig.data, layout: { ...fig.layout, shapes } as Figure['layout'] };
}

/** The figure with its time cursor's line (the one timecourseFigure or withCursor draws) at cursorMs. */
export function moveCursor(fig: Figure, cursorMs: number): Figure {
  const shapes = (fig.layout.shapes ?? []) as Record<string, unknown>[];
  const isCursor = (sh: Record<string, unknown>) => sh.type === 'line' && sh.yref === 'paper' && sh.x0 === sh.x1 && (sh.line as { color?: string } | undefined)?.color === '#c00';
  if (!shapes.some(isCursor)) return withCursor(fig, cursorMs);
  return { data: fig.data, layout: { ...fig.layout, shapes: shapes.map((sh) => (isCursor(sh) ? { ...sh, x0: cursorMs, x1: cursorMs } : sh)) } as Figure['layout'] };
}

/**
 * The figure (built with every sample selected, so without shading) with the window's shading
 * added: a window change then rebuilds no lines, and Plot draws the shading without plotly.
 */
export function withWindow(fig: Figure, tms: number[], mask: ArrayLike<number | boolean>): Figure {
  const extra = windowShapes(tms, mask);
  if (!extra.length) return fig;
  // below everything, as timecourseFigure puts them first
  return { data: fig.data, layout: { ...fig.layout, shapes: [...extra, ...(fig.layout.shapes ?? [])] } as Figure['layout'] };
}
