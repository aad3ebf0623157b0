// Plot specifications: arrays in, plotly traces and layouts out (no DOM, no plotly runtime).
import type { Data, Layout } from 'plotly.js-dist-min';

export interface Figure {
  data: Data[];
  layout: Partial<Layout>;
}

/**
 * Units of BERG's EEG outputs: those of the THINGS EEG2 data the regressions were fitted on, which
 * BERG's model card describes as current-source-density transformed and baseline-corrected
 * (arbitrary units, not volts).
 */
export const EEG_UNIT = 'a.u.';
export const EEG_UNIT_LONG = 'a.u. (CSD-transformed EEG)';
/** One sentence for captions: what the values are. */
export const EEG_DATA_NOTE =
  "Values in a.u.: THINGS EEG2 as BERG's model card describes it (0.03–100 Hz, epoched −100…600 ms, current-source-density transformed, 200 Hz, baseline-corrected with the pre-stimulus mean).";

/** A colour-blind-friendly categorical palette (Okabe-Ito, then tab10 extras). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#8c564b', '#7f7f7f', '#bcbd22', '#000000'];

export function withAlpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

export function timesMs(times: readonly number[]): number[] {
  return times.map((t) => Math.round(t * 1e6) / 1e3);
}

/** Runs of set entries in a mask: [first, last] index pairs. */
export function maskSpans(mask: ArrayLike<number | boolean>): [number, number][] {
  const spans: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= mask.length; i++) {
    const on = i < mask.length && Boolean(mask[i]);
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      spans.push([start, i - 1]);
      start = -1;
    }
  }
  return spans;
}

export interface Series {
  name: string;
  mean: ArrayLike<number>;
  lo?: ArrayLike<number>;
  hi?: ArrayLike<number>;
  color?: string;
  width?: number;
  dash?: 'solid' | 'dash' | 'dot';
  /** Thin, no legend entry (butterfly). */
  faint?: boolean;
}

export interface TimecourseOptions {
  timesMs: number[];
  series: Series[];
  cursorMs?: number;
  /** Shaded selection: runs of a 140-long mask. */
  mask?: ArrayLike<number | boolean>;
  unit?: string;
  /** An extra panel under the main one (GFP, dissimilarity...). */
  lower?: { name: string; values: ArrayLike<number>; unit: string; color?: string };
  height?: number;
  title?: string;
  yTitle?: string;
  /** Text in the middle of an empty plot. */
  placeholder?: string;
}

/**
 * Plotly renders legend names, titles, hover text and tick labels as a subset of HTML (links,
 * <b>, <span style>): a file or condition name must reach it as text, so its markup characters
 * become entities, which plotly shows literally.
 */
export function plotlyText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function arr(a: ArrayLike<number>): number[] {
  return Array.from(a, (v) => (Number.isFinite(v) ? v : NaN));
}

/** The selected window's shading: one amber rect across the paper per run of the mask, none when every sample is selected. */
export function windowShapes(x: number[], mask: ArrayLike<number | boolean>): NonNullable<Layout['shapes']> {
  const half = x.length > 1 ? (x[1] - x[0]) / 2 : 0;
  const spans = maskSpans(mask);
  if (spans.length === 1 && spans[0][0] === 0 && spans[0][1] === x.length - 1) return [];
  return spans.map(([a, b]) => ({ type: 'rect', xref: 'x', yref: 'paper', x0: x[a] - half, x1: x[b] + half, y0: 0, y1: 1, fillcolor: 'rgba(255,190,0,0.14)', line: { width: 0 }, layer: 'below' }));
}

/** Time courses with repetition bands, cursor and selected window; ms on the x axis. */
export function timecourseFigure(o: TimecourseOptions): Figure {
  const x = o.timesMs;
  const unit = o.unit ?? EEG_UNIT;
  const data: Data[] = [];
  // Faint lines (a butterfly's 63 channels) of one colour and width become one trace broken by
  // NaN gaps: plotly draws one path instead of 63, several times faster, hover still names them.
  const faintGroups = new Map<string, { color: string; width: number; x: number[]; y: number[]; text: string[] }>();
  for (const s of o.series) {
    if (!s.faint || s.lo || s.hi) continue;
    const color = s.color ?? PALETTE[0];
    const width = s.width ?? 0.8;
    const key = `${color}|${width}`;
    const g = faintGroups.get(key) ?? { color, width, x: [], y: [], text: [] };
    faintGroups.set(key, g);
    const y = arr(s.mean);
    const name = plotlyText(s.name);
    for (let k = 0; k < x.length; k++) {
      g.x.push(x[k]);
      g.y.push(y[k]);
      g.text.push(name);
    }
    g.x.push(NaN);
    g.y.push(NaN);
    g.text.push('');
  }
  for (const g of faintGroups.values()) {
    data.push({
      type: 'scatter',
      mode: 'lines',
      x: g.x,
      y: g.y,
      text: g.text,
      connectgaps: false,
      line: { color: withAlpha(g.color, 0.45), width: g.width },
      showlegend: false,
      hovertemplate: `%{text}: %{y:.3g} ${unit}<extra></extra>`,
    } as Data);
  }
  o.series.forEach((s, i) => {
    if (s.faint && !s.lo && !s.hi) return;
    const color = s.color ?? PALETTE[i % PALETTE.length];
    if (s.lo && s.hi) {
      data.push({ type: 'scatter', mode: 'lines', x, y: arr(s.lo), line: { width: 0, color }, hoverinfo: 'skip', showlegend: false, legendgroup: plotlyText(s.name) } as Data);
      data.push({
        type: 'scatter',
        mode: 'lines',
        x,
        y: arr(s.hi),
        line: { width: 0, color },
        fill: 'tonexty',
        fillcolor: withAlpha(color, 0.18),
        hoverinfo: 'skip',
        showlegend: false,
        legendgroup: plotlyText(s.name),
      } as Data);
    }
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: plotlyText(s.name),
      x,
      y: arr(s.mean),
      line: { color: s.faint ? withAlpha(color, 0.45) : color, width: s.width ?? (s.faint ? 0.8 : 1.8), dash: s.dash ?? 'solid' },
      showlegend: !s.faint,
      legendgroup: plotlyText(s.name),
      hovertemplate: `%{fullData.name}: %{y:.3g} ${unit}<extra></extra>`,
    } as Data);
  });
  const lowerDomain: [number, number] = [0, 0.22];
  const mainDomain: [number, number] = o.lower ? [0.3, 1] : [0, 1];
  if (o.lower) {
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: plotlyText(o.lower.name),
      x,
      y: arr(o.lower.values),
      yaxis: 'y2',
      fill: 'tozeroy',
      line: { color: o.lower.color ?? '#333', width: 1.2 },
      fillcolor: withAlpha(o.lower.color ?? '#333333', 0.15),
      hovertemplate: `%{fullData.name}: %{y:.3g} ${plotlyText(o.lower.unit)}<extra></extra>`,
    } as Data);
  }
  const half = x.length > 1 ? (x[1] - x[0]) / 2 : 0;
  const shapes: NonNullable<Layout['shapes']> = o.mask ? windowShapes(x, o.mask) : [];
  shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: 0, x1: 0, y0: 0, y1: 1, line: { color: '#999', width: 1, dash: 'dot' } });
  if (o.cursorMs !== undefined) {
    shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: o.cursorMs, x1: o.cursorMs, y0: 0, y1: 1, line: { color: '#c00', width: 1.5 } });
  }
  const layout: Partial<Layout> & Record<string, unknown> = {
    margin: { l: 60, r: 16, t: o.title ? 34 : 12, b: 44 },
    height: o.height,
    hovermode: 'x',
    dragmode: 'select',
    selectdirection: 'h',
    xaxis: { title: { text: 'Time (ms)' }, anchor: o.lower ? 'y2' : 'y', range: [x[0] - half, x[x.length - 1] + half], zeroline: false, showspikes: true, spikemode: 'across', spikethickness: 1, spikecolor: '#888' },
    yaxis: { title: { text: plotlyText(o.yTitle ?? unit) }, domain: mainDomain, zeroline: true, zerolinecolor: '#bbb', exponentformat: 'e' },
    legend: { orientation: 'h', y: 1, yanchor: 'bottom', x: 1, xanchor: 'right', font: { size: 11 }, bgcolor: 'rgba(255,255,255,0.8)' },
    shapes,
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: '#fff',
  };
  if (o.title) layout.title = { text: plotlyText(o.title), font: { size: 14 }, x: 0.02, xanchor: 'left' };
  if (o.placeholder) layout.annotations = [{ text: o.placeholder, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5, showarrow: false, font: { size: 13, color: '#777' } }];
  if (o.lower) layout.yaxis2 = { title: { text: plotlyText(o.lower.name) }, domain: lowerDomain, rangemode: 'tozero', zeroline: false, exponentformat: 'e' };
  return { data, layout: layout as Partial<Layout> };
}

export { symmetricLimit } from './topomap.ts';
