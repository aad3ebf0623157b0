// The time-course panel's figure: images as one mean, one line each, or one per condition (or
// one image), over the selected channels as their mean, one line each, or a butterfly with GFP.
import { EEG_UNIT, PALETTE, timecourseFigure, type Figure, type Series } from '../../viz/plots.ts';
import { band, gfp, meanChannelsByTime, repSeries, type BandKind } from '../../viz/stats.ts';
import { spreadBand } from '../../analysis/spread.ts';
import { subjectSpread } from '../../analysis/subjects.ts';
import { imagesFor, type Encoded } from '../state/encoded.ts';
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
  /** with a subject mean (enc.subjects): the between-subject band, which replaces the repetition band */
  subjectSpread?: SubjectSpreadKind;
}

/** A line and its band: across subjects when the view is a subject mean and a spread is asked for, else across repetitions. */
function line(a: TimecourseArgs, idx: number[], ch: ArrayLike<number>): { mean: Float32Array | Float64Array; lo?: Float32Array | Float64Array; hi?: Float32Array | Float64Array } {
  const { enc } = a;
  if (enc.subjects && a.subjectSpread && a.subjectSpread !== 'off') {
    const s = subjectSpread(enc.subjects.data, enc.dims, idx, ch);
    return { mean: s.mean, ...spreadBand(s, a.subjectSpread) };
  }
  const b = band(repSeries(enc.data, enc.dims, idx, ch), enc.dims.R, enc.dims.T, a.band);
  const noBand = a.band === 'none' || (enc.subjects && a.subjectSpread === 'off');
  return { mean: b.mean, lo: noBand ? undefined : b.lo, hi: noBand ? undefined : b.hi };
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
  const { dims, data } = enc;
  if (!dims.B) return null;
  const T = dims.T;
  // Which image groups: one line per image, per condition, or their mean.
  let groups: { name: string; idx: number[] }[];
  if (a.imageView === 'each') groups = enc.items.map((it, i) => ({ name: `${i + 1}: ${it.name}`, idx: [i] }));
  else if (a.imageView === 'conditions') {
    groups = a.conditions.map((c) => ({ name: c, idx: imagesFor(enc, `cond:${c}`) })).filter((g) => g.idx.length);
    if (!groups.length) groups = [{ name: 'all images', idx: enc.items.map((_, i) => i) }];
  } else if (a.imageView.startsWith('img:')) groups = [{ name: enc.items.find((i) => i.id === a.imageView.slice(4))?.name ?? 'image', idx: imagesFor(enc, a.imageView as `img:${string}`) }];
  else groups = [{ name: `mean of ${enc.items.length} image${enc.items.length === 1 ? '' : 's'}`, idx: enc.items.map((_, i) => i) }];
  if (enc.subjects) for (const g of groups) g.name += `, ${enc.subjects.paths.length} subjects`;

  const series: Series[] = [];
  let lower: { name: string; values: Float32Array; unit: string } | undefined;
  if (a.channelView === 'butterfly') {
    const idx = groups.flatMap((g) => g.idx);
    const ct = meanChannelsByTime(data, dims, idx);
    names.forEach((n, c) => {
      series.push({ name: n, mean: ct.subarray(c * T, (c + 1) * T), color: chMask[c] ? '#1f4e99' : '#9a9a9a', faint: true, width: chMask[c] ? 1 : 0.6 });
    });
    lower = { name: 'GFP', values: gfp(ct, names.length, T), unit: EEG_UNIT };
  } else if (a.channelView === 'each') {
    const g = groups.length === 1 ? groups[0] : { name: 'all', idx: groups.flatMap((x) => x.idx) };
    Array.from(ch).forEach((c, k) => {
      series.push({ name: names[c], ...line(a, g.idx, [c]), color: PALETTE[k % PALETTE.length] });
    });
  } else {
    groups.forEach((g, k) => {
      series.push({ name: g.name, ...line(a, g.idx, ch), color: PALETTE[k % PALETTE.length] });
    });
  }
  // Average-referenced data (CSD output is) sum to zero over all channels at every sample: their
  // mean is float rounding, which autoscaling would blow up into something that looks like an ERP.
  let zeroMean = false;
  let scale = 0;
  if (a.channelView === 'mean' && ch.length === names.length) {
    const ct = meanChannelsByTime(data, dims, groups.flatMap((g) => g.idx));
    for (const v of ct) scale = Math.max(scale, Math.abs(v));
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
