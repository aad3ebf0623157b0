// Plot specifications of the Lab: the tuning curve (a measure against a sweep's parameter, mean
// with a spread band across images and one faint line per source image, or with a subject mean the
// band across subjects and one line per subject), the histogram of a ranking's scores, and the
// Statistics view's per-subject condition difference. Arrays in, plotly traces out
// (src/viz/plots.ts conventions).
import type { Data, Layout } from 'plotly.js-dist-min';
import { spreadBand, type Spread, type SpreadKind } from '../analysis/spread.ts';
import { EEG_UNIT, PALETTE, plotlyText, withAlpha, type Figure } from '../viz/plots.ts';
import type { Histogram } from './measures.ts';
import type { TuningPoint } from './sweep.ts';

export interface TuningCurveOptions {
  points: TuningPoint[];
  /** one line per source image: its scores at the sweep's values */
  perImage?: { name: string; values: number[]; scores: number[] }[];
  spread: 'sd' | 'sem';
  /** with a subject mean: each subject's own curve, and the band across subjects in place of the one across images */
  subjects?: SubjectCurves;
  xTitle: string;
  yTitle: string;
  logX?: boolean;
  title?: string;
  height?: number;
}

export interface SubjectCurves {
  labels: string[];
  /** the parameter values, ascending */
  values: number[];
  /** [S, values.length] */
  curves: Float64Array;
  spread: Spread;
  kind: SpreadKind;
}

const KIND_LABEL: Record<SpreadKind, string> = { sd: '± SD', sem: '± SEM', ci95: '95% CI' };

export function tuningCurveFigure(o: TuningCurveOptions): Figure {
  if (o.subjects) return subjectTuningFigure(o, o.subjects);
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
  return { data, layout: tuningLayout(o) };
}

/** One thin line per subject: row k of the flat [S, x.length] values, in the palette after the mean's colour. */
function subjectLines(labels: readonly string[], x: readonly number[], values: Float64Array | Float32Array, style: Partial<Data>, alpha: number, yFormat: string): Data[] {
  const n = x.length;
  return labels.map(
    (label, k) =>
      ({
        type: 'scatter',
        ...style,
        name: plotlyText(label),
        x,
        y: Array.from(values.subarray(k * n, (k + 1) * n)),
        line: { color: withAlpha(PALETTE[(k + 1) % PALETTE.length], alpha), width: 1 },
        hovertemplate: `${plotlyText(label)}: %{y:${yFormat}}<extra></extra>`,
      }) as Data,
  );
}

/** Mean and band across subjects, with each subject's own curve (subjects are the observations, n = S). */
function subjectTuningFigure(o: TuningCurveOptions, sub: SubjectCurves): Figure {
  const x = sub.values;
  const S = sub.labels.length;
  const color = PALETTE[0];
  const data: Data[] = subjectLines(sub.labels, x, sub.curves, { mode: 'lines+markers', marker: { size: 4 } }, 0.8, '.4g');
  data.push(...bandTraces(x, spreadBand(sub.spread, sub.kind), color));
  data.push({
    type: 'scatter',
    mode: 'lines+markers',
    name: `mean of ${S} subjects ${KIND_LABEL[sub.kind]} across subjects`,
    x,
    y: Array.from(sub.spread.mean),
    line: { color, width: 2.5 },
    marker: { size: 6, color },
    hovertemplate: `%{x:.4g}: %{y:.4g} (n=${S} subjects)<extra></extra>`,
  } as Data);
  return { data, layout: tuningLayout(o) };
}

/** A filled band between lo and hi (two traces: plotly fills to the one before). */
function bandTraces(x: number[], band: { lo: Float64Array; hi: Float64Array }, color: string): Data[] {
  return [
    { type: 'scatter', mode: 'lines', x, y: Array.from(band.lo), line: { width: 0, color }, hoverinfo: 'skip', showlegend: false } as Data,
    { type: 'scatter', mode: 'lines', x, y: Array.from(band.hi), line: { width: 0, color }, fill: 'tonexty', fillcolor: withAlpha(color, 0.2), hoverinfo: 'skip', showlegend: false } as Data,
  ];
}

/** A measure's label on two lines at its first comma: on one line it outgrows a short plot's height. */
function twoLines(label: string): string {
  const at = label.indexOf(', ');
  return at < 0 ? plotlyText(label) : `${plotlyText(label.slice(0, at))}<br>${plotlyText(label.slice(at + 2))}`;
}

function tuningLayout(o: TuningCurveOptions): Partial<Layout> {
  const layout: Partial<Layout> = {
    height: o.height ?? 300,
    margin: { l: 78, r: 16, t: o.title ? 34 : 12, b: 46 },
    xaxis: { title: { text: plotlyText(o.xTitle) }, type: o.logX ? 'log' : 'linear', zeroline: false },
    yaxis: { title: { text: twoLines(o.yTitle) }, zeroline: true, zerolinecolor: '#bbb', exponentformat: 'e' },
    legend: { orientation: 'h', y: 1, yanchor: 'bottom', x: 1, xanchor: 'right', font: { size: 11 } },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: '#fff',
  };
  if (o.title) layout.title = { text: plotlyText(o.title), font: { size: 14 }, x: 0.02, xanchor: 'left' };
  return layout;
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

export interface SubjectEffectOptions {
  labels: string[];
  /** each subject's own A − B at every time, [S, T] */
  diffs: Float64Array;
  spread: Spread;
  /** the band across subjects, or none */
  kind: SpreadKind | 'off';
  /** times in ms */
  tms: number[];
  cursorMs?: number;
  height?: number;
}

/** The condition difference per subject (thin lines), their mean and the band across subjects. */
export function subjectEffectFigure(o: SubjectEffectOptions): Figure {
  const S = o.labels.length;
  const color = PALETTE[0];
  const data: Data[] = subjectLines(o.labels, o.tms, o.diffs, { mode: 'lines' }, 0.85, '.3g');
  if (o.kind !== 'off') data.push(...bandTraces(o.tms, spreadBand(o.spread, o.kind), color));
  data.push({
    type: 'scatter',
    mode: 'lines',
    name: o.kind === 'off' ? `mean of ${S} subjects` : `mean of ${S} subjects ${KIND_LABEL[o.kind]} across subjects`,
    x: o.tms,
    y: Array.from(o.spread.mean),
    line: { color, width: 2.5 },
    hovertemplate: `%{x} ms: %{y:.3g}<extra></extra>`,
  } as Data);
  const shapes: NonNullable<Layout['shapes']> = [];
  if (o.cursorMs !== undefined) shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: o.cursorMs, x1: o.cursorMs, y0: 0, y1: 1, line: { color: '#888', width: 1, dash: 'dot' } });
  return {
    data,
    layout: {
      height: o.height ?? 280,
      margin: { l: 64, r: 16, t: 12, b: 46 },
      xaxis: { title: { text: 'time (ms)' }, zeroline: false },
      // the conditions' names can be long: the caption and the legend name them, the axis says what is drawn
      yaxis: { title: { text: `A − B (${EEG_UNIT})` }, zeroline: true, zerolinecolor: '#bbb', exponentformat: 'e' },
      legend: { orientation: 'h', y: 1, yanchor: 'bottom', x: 1, xanchor: 'right', font: { size: 11 } },
      shapes,
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: '#fff',
    },
  };
}
