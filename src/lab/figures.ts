// Plot specifications of the Lab: the tuning curve (a measure against a sweep's parameter, mean
// with a spread band across images, one faint line per source image) and the histogram of a
// ranking's scores. Arrays in, plotly traces out (src/viz/plots.ts conventions).
import type { Data, Layout } from 'plotly.js-dist-min';
import { PALETTE, plotlyText, withAlpha, type Figure } from '../viz/plots.ts';
import type { Histogram } from './measures.ts';
import type { TuningPoint } from './sweep.ts';

export interface TuningCurveOptions {
  points: TuningPoint[];
  /** one line per source image: its scores at the sweep's values */
  perImage?: { name: string; values: number[]; scores: number[] }[];
  spread: 'sd' | 'sem';
  xTitle: string;
  yTitle: string;
  logX?: boolean;
  title?: string;
  height?: number;
}

export function tuningCurveFigure(o: TuningCurveOptions): Figure {
  const x = o.points.map((p) => p.value);
  const m = o.points.map((p) => p.mean);
  const s = o.points.map((p) => (o.spread === 'sd' ? p.sd : p.sem));
  const color = PALETTE[0];
  const data: Data[] = [];
  for (const [k, line] of (o.perImage ?? []).entries()) {
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: plotlyText(line.name),
      x: line.values,
      y: line.scores,
      line: { color: withAlpha(PALETTE[(k + 1) % PALETTE.length], 0.55), width: 1 },
      showlegend: false,
      hovertemplate: `${plotlyText(line.name)}: %{y:.3g}<extra></extra>`,
    } as Data);
  }
  data.push({ type: 'scatter', mode: 'lines', x, y: m.map((v, i) => v - s[i]), line: { width: 0, color }, hoverinfo: 'skip', showlegend: false } as Data);
  data.push({
    type: 'scatter',
    mode: 'lines',
    x,
    y: m.map((v, i) => v + s[i]),
    line: { width: 0, color },
    fill: 'tonexty',
    fillcolor: withAlpha(color, 0.2),
    hoverinfo: 'skip',
    showlegend: false,
  } as Data);
  data.push({
    type: 'scatter',
    mode: 'lines+markers',
    name: `mean ± ${o.spread.toUpperCase()} across images`,
    x,
    y: m,
    text: o.points.map((p) => `n=${p.n}`),
    line: { color, width: 2 },
    marker: { size: 6, color },
    hovertemplate: `%{x:.4g}: %{y:.4g} (%{text})<extra></extra>`,
  } as Data);
  const layout: Partial<Layout> = {
    height: o.height ?? 300,
    margin: { l: 64, r: 16, t: o.title ? 34 : 12, b: 46 },
    xaxis: { title: { text: plotlyText(o.xTitle) }, type: o.logX ? 'log' : 'linear', zeroline: false },
    yaxis: { title: { text: plotlyText(o.yTitle) }, zeroline: true, zerolinecolor: '#bbb', exponentformat: 'e' },
    legend: { orientation: 'h', y: 1, yanchor: 'bottom', x: 1, xanchor: 'right', font: { size: 11 } },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: '#fff',
  };
  if (o.title) layout.title = { text: plotlyText(o.title), font: { size: 14 }, x: 0.02, xanchor: 'left' };
  return { data, layout };
}

/** The scores' histogram, with the top and bottom k marked by two lines at their thresholds. */
export function histogramFigure(h: Histogram, xTitle: string, marks?: { top?: number; bottom?: number }, height = 220): Figure {
  const centres = h.counts.map((_, i) => (h.edges[i] + h.edges[i + 1]) / 2);
  const widths = h.counts.map((_, i) => h.edges[i + 1] - h.edges[i]);
  const shapes: NonNullable<Layout['shapes']> = [];
  for (const [v, c] of [
    [marks?.top, PALETTE[1]],
    [marks?.bottom, PALETTE[2]],
  ] as const) {
    if (v !== undefined && Number.isFinite(v)) shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: v, x1: v, y0: 0, y1: 1, line: { color: c, width: 1.5, dash: 'dot' } });
  }
  return {
    data: [{ type: 'bar', x: centres, y: h.counts, width: widths, marker: { color: withAlpha(PALETTE[0], 0.75) }, hovertemplate: '%{x:.4g}: %{y} images<extra></extra>' } as Data],
    layout: {
      height,
      margin: { l: 48, r: 12, t: 8, b: 44 },
      bargap: 0.02,
      xaxis: { title: { text: plotlyText(xTitle) }, zeroline: false },
      yaxis: { title: { text: 'images' }, rangemode: 'tozero' },
      shapes,
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: '#fff',
    },
  };
}
