// Plot specifications: arrays in, plotly traces and layouts out (no DOM, no plotly runtime).
import type { Data, Layout } from 'plotly.js-dist-min';
import { plotlyColorscale, type ColormapName } from './colormap.ts';
import { contourLevels, gridRows, headOutline, interpolateTopomap, type TopomapGrid } from './topomap.ts';

export interface Figure {
  data: Data[];
  layout: Partial<Layout>;
}

/** Units of BERG's EEG outputs: THINGS EEG2 preprocessed data are multivariate-noise-normalised. */
export const EEG_UNIT = 'a.u.';
export const EEG_UNIT_LONG = 'a.u. (noise-normalised EEG)';

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

function polyPath(p: { x: number[]; y: number[] }): string {
  return p.x.map((x, i) => `${i ? 'L' : 'M'}${x.toPrecision(6)},${p.y[i].toPrecision(6)}`).join(' ');
}

/** A square of half-side `outer` with a circular hole of radius `inner` (even-odd fill). */
function ringPath(inner: number, outer: number, n = 180): string {
  const circle: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n;
    circle.push(`${i ? 'L' : 'M'}${(inner * Math.cos(a)).toPrecision(6)},${(inner * Math.sin(a)).toPrecision(6)}`);
  }
  const o = outer.toPrecision(6);
  return `M-${o},-${o} L${o},-${o} L${o},${o} L-${o},${o} Z ${circle.join(' ')} Z`;
}

export interface TopoPanel {
  values: ArrayLike<number>;
  title?: string;
}

export interface TopoOptions {
  /** Colour range; diverging maps use [-lim, lim]. */
  range: [number, number];
  colormap?: ColormapName;
  /** One flag per sensor: selected sensors are drawn filled. */
  selected?: ArrayLike<boolean | number>;
  unit?: string;
  names?: readonly string[];
  /** Contour lines (MNE draws 6). */
  contours?: number;
  height?: number;
  title?: string;
  /** Colour around the head (the panel background). */
  background?: string;
}

function axisName(i: number, kind: 'x' | 'y'): string {
  return i === 0 ? kind : `${kind}${i + 1}`;
}
function layoutAxisKey(i: number, kind: 'x' | 'y'): string {
  return i === 0 ? `${kind}axis` : `${kind}axis${i + 1}`;
}

/** One or more scalp maps side by side, sharing one colour scale. */
export function topomapFigure(grid: TopomapGrid, panels: TopoPanel[], opts: TopoOptions): Figure {
  const [lo, hi] = opts.range;
  const cmap = opts.colormap ?? 'RdBu_r';
  const unit = opts.unit ?? EEG_UNIT;
  const n = Math.max(1, panels.length);
  const outline = headOutline(grid.headRadius);
  const nContours = opts.contours ?? 6;
  const step = (hi - lo) / (nContours + 1);
  const levels = contourLevels((hi - lo) / 2, nContours);
  const centre = (hi + lo) / 2;
  const data: Data[] = [];
  const layout: Partial<Layout> & Record<string, unknown> = {
    margin: { l: 8, r: 8, t: opts.title ? 36 : 24, b: 8 },
    showlegend: false,
    hovermode: 'closest',
    dragmode: false,
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    annotations: [],
    height: opts.height,
  };
  if (opts.title) layout.title = { text: opts.title, font: { size: 14 }, x: 0.02, xanchor: 'left' };
  const extent = grid.clipRadius * 1.16;
  // Plotly's shape types list axis ids literally; these are built per subplot.
  const shapes: Record<string, unknown>[] = [];
  layout.shapes = shapes as unknown as Layout['shapes'];
  const barSpace = 0.1;
  panels.forEach((p, i) => {
    const xa = axisName(i, 'x');
    const ya = axisName(i, 'y');
    const z = interpolateTopomap(grid, p.values);
    const rows = gridRows(z, grid.res);
    const axis = Array.from(grid.axis);
    const last = i === n - 1;
    data.push({
      type: 'heatmap',
      x: axis,
      y: axis,
      z: rows,
      zmin: lo,
      zmax: hi,
      zsmooth: 'best',
      colorscale: plotlyColorscale(cmap),
      showscale: last,
      colorbar: last ? { title: { text: unit, side: 'right' }, thickness: 12, len: 0.8, outlinewidth: 0 } : undefined,
      hovertemplate: `%{z:.3g} ${unit}<extra></extra>`,
      xaxis: xa,
      yaxis: ya,
    } as Data);
    if (nContours > 0 && hi > lo) {
      data.push({
        type: 'contour',
        x: axis,
        y: axis,
        z: rows,
        showscale: false,
        hoverinfo: 'skip',
        connectgaps: false,
        contours: { coloring: 'none', start: levels.start + centre, end: levels.end + centre, size: step, showlabels: false },
        line: { color: 'rgba(0,0,0,0.55)', width: 0.8, smoothing: 1 },
        xaxis: xa,
        yaxis: ya,
      } as Data);
    }
    // A ring over everything past the clip circle gives the map a smooth round edge; the head
    // outline is drawn on top of it.
    shapes.push({
      type: 'path',
      xref: xa,
      yref: ya,
      path: ringPath(grid.clipRadius, extent * 2),
      fillcolor: opts.background ?? '#ffffff',
      fillrule: 'evenodd',
      line: { width: 0 },
      layer: 'above',
    });
    for (const part of [outline.head, outline.nose, outline.leftEar, outline.rightEar]) {
      shapes.push({ type: 'path', xref: xa, yref: ya, path: polyPath(part), line: { color: '#222', width: 1.4 }, layer: 'above' });
    }
    const sel = opts.selected;
    const names = opts.names ?? grid.sensors.map((s) => s.name);
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: 'sensors',
      x: grid.sensors.map((s) => s.x),
      y: grid.sensors.map((s) => s.y),
      text: [...names],
      customdata: grid.sensors.map((_, k) => [k, Number(p.values[k])]),
      marker: {
        size: grid.sensors.map((_, k) => (sel && !sel[k] ? 5 : 6)),
        color: grid.sensors.map((_, k) => (sel && !sel[k] ? 'rgba(255,255,255,0.9)' : '#111')),
        line: { color: grid.sensors.map((_, k) => (sel && !sel[k] ? '#555' : '#fff')), width: 0.8 },
      },
      hovertemplate: `%{text}: %{customdata[1]:.3g} ${unit}<extra></extra>`,
      xaxis: xa,
      yaxis: ya,
    } as Data);
    const width = (1 - barSpace) / n;
    const x0 = i * width;
    layout[layoutAxisKey(i, 'x')] = { domain: [x0 + 0.005, x0 + width - 0.005], range: [-extent, extent], visible: false, fixedrange: true };
    layout[layoutAxisKey(i, 'y')] = { range: [-extent, extent * 1.05], visible: false, fixedrange: true, scaleanchor: xa, scaleratio: 1 };
    if (p.title) {
      (layout.annotations as unknown[]).push({ text: p.title, xref: `${xa} domain`, yref: `${ya} domain`, x: 0.5, y: 1, yanchor: 'bottom', showarrow: false, font: { size: 12 } });
    }
  });
  return { data, layout: layout as Partial<Layout> };
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
}

function arr(a: ArrayLike<number>): number[] {
  return Array.from(a, (v) => (Number.isFinite(v) ? v : NaN));
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
    for (let k = 0; k < x.length; k++) {
      g.x.push(x[k]);
      g.y.push(y[k]);
      g.text.push(s.name);
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
      data.push({ type: 'scatter', mode: 'lines', x, y: arr(s.lo), line: { width: 0, color }, hoverinfo: 'skip', showlegend: false, legendgroup: s.name } as Data);
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
        legendgroup: s.name,
      } as Data);
    }
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: s.name,
      x,
      y: arr(s.mean),
      line: { color: s.faint ? withAlpha(color, 0.45) : color, width: s.width ?? (s.faint ? 0.8 : 1.8), dash: s.dash ?? 'solid' },
      showlegend: !s.faint,
      legendgroup: s.name,
      hovertemplate: `${s.name}: %{y:.3g} ${unit}<extra></extra>`,
    } as Data);
  });
  const lowerDomain: [number, number] = [0, 0.22];
  const mainDomain: [number, number] = o.lower ? [0.3, 1] : [0, 1];
  if (o.lower) {
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: o.lower.name,
      x,
      y: arr(o.lower.values),
      yaxis: 'y2',
      fill: 'tozeroy',
      line: { color: o.lower.color ?? '#333', width: 1.2 },
      fillcolor: withAlpha(o.lower.color ?? '#333333', 0.15),
      hovertemplate: `${o.lower.name}: %{y:.3g} ${o.lower.unit}<extra></extra>`,
    } as Data);
  }
  const shapes: NonNullable<Layout['shapes']> = [];
  const half = x.length > 1 ? (x[1] - x[0]) / 2 : 0;
  if (o.mask) {
    const spans = maskSpans(o.mask);
    const all = spans.length === 1 && spans[0][0] === 0 && spans[0][1] === x.length - 1;
    if (!all) {
      for (const [a, b] of spans) {
        shapes.push({ type: 'rect', xref: 'x', yref: 'paper', x0: x[a] - half, x1: x[b] + half, y0: 0, y1: 1, fillcolor: 'rgba(255,190,0,0.14)', line: { width: 0 }, layer: 'below' });
      }
    }
  }
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
    yaxis: { title: { text: o.yTitle ?? unit }, domain: mainDomain, zeroline: true, zerolinecolor: '#bbb', exponentformat: 'e' },
    legend: { orientation: 'h', y: 1, yanchor: 'bottom', x: 1, xanchor: 'right', font: { size: 11 }, bgcolor: 'rgba(255,255,255,0.8)' },
    shapes,
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: '#fff',
  };
  if (o.title) layout.title = { text: o.title, font: { size: 14 }, x: 0.02, xanchor: 'left' };
  if (o.lower) layout.yaxis2 = { title: { text: o.lower.name }, domain: lowerDomain, rangemode: 'tozero', zeroline: false, exponentformat: 'e' };
  return { data, layout: layout as Partial<Layout> };
}

/** A square matrix (e.g. image-by-image dissimilarity) with labels. */
export function matrixFigure(m: ArrayLike<number>, labels: string[], opts: { range: [number, number]; colormap?: ColormapName; unit: string; title?: string; height?: number }): Figure {
  const n = labels.length;
  const rows: (number | null)[][] = [];
  for (let i = 0; i < n; i++) {
    rows.push(Array.from({ length: n }, (_, j) => (Number.isFinite(m[i * n + j]) ? m[i * n + j] : null)));
  }
  return {
    data: [
      {
        type: 'heatmap',
        z: rows,
        x: labels,
        y: labels,
        zmin: opts.range[0],
        zmax: opts.range[1],
        colorscale: plotlyColorscale(opts.colormap ?? 'viridis'),
        colorbar: { title: { text: opts.unit, side: 'right' }, thickness: 12 },
        hovertemplate: `%{y} vs %{x}: %{z:.3f}<extra></extra>`,
      } as Data,
    ],
    layout: {
      margin: { l: 90, r: 10, t: opts.title ? 34 : 10, b: 90 },
      title: opts.title ? { text: opts.title, font: { size: 14 }, x: 0.02, xanchor: 'left' } : undefined,
      height: opts.height,
      xaxis: { tickangle: -45, automargin: true, type: 'category' },
      yaxis: { autorange: 'reversed', automargin: true, type: 'category', scaleanchor: 'x' },
      paper_bgcolor: 'rgba(0,0,0,0)',
    } as Partial<Layout>,
  };
}

export { symmetricLimit } from './topomap.ts';
