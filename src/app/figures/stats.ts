// The statistics panel's figures: condition means with their spread across images, cluster tests
// (table rows, parameter line, statistic map), decoding and RSA. Results in, figure specs out.
import type { Data, Layout } from 'plotly.js-dist-min';
import type { ClusterResult } from '../../analysis/cluster_test.ts';
import { squareForm } from '../../analysis/rsa.ts';
import { spreadBand, type SpreadKind } from '../../analysis/spread.ts';
import { PALETTE, plotlyText, timecourseFigure, type Figure, type Series } from '../../viz/plots.ts';
import { symmetricLimit, type TopomapGrid } from '../../viz/topomap.ts';
import type { TopomapScene } from '../../viz/topomap_render.ts';
import type { AnalysisResult } from '../analysis_client.ts';

/** Clusters (and RSA time points) count as significant below this p. */
export const ALPHA = 0.05;

type Result<K extends AnalysisResult['kind']> = Extract<AnalysisResult, { kind: K }>;

/** Significant windows (clusters with p < alpha) as time spans [first, last] sample. */
export function significantSpans(r: ClusterResult, nc: number, T: number): [number, number][] {
  const spans: [number, number][] = [];
  r.clusters.forEach((cl, k) => {
    if (!(r.p[k] < ALPHA)) return;
    const ts = Array.from(cl, (i) => Math.floor(i / nc));
    spans.push([Math.min(...ts), Math.max(...ts)]);
  });
  return spans.filter((s) => s[1] < T);
}

/** The figure with the spans (sample indices into x) shaded, each widened by half a sample. */
export function shade(fig: Figure, spans: [number, number][], x: number[], color = 'rgba(0,160,80,0.18)'): Figure {
  const half = x.length > 1 ? (x[1] - x[0]) / 2 : 0;
  const shapes = [...(fig.layout.shapes ?? [])];
  for (const [a, b] of spans) shapes.push({ type: 'rect', xref: 'x', yref: 'paper', x0: x[a] - half, x1: x[b] + half, y0: 0, y1: 1, fillcolor: color, line: { width: 0 }, layer: 'below' });
  return { data: fig.data, layout: { ...fig.layout, shapes } };
}

/** A title with the statistic's parameters on a second line. */
export function titled(fig: Figure, title: string, params: string): Figure {
  return { data: fig.data, layout: { ...fig.layout, margin: { ...fig.layout.margin, t: 52 }, title: { text: `${plotlyText(title)}<br><span style="font-size:11px">${plotlyText(params)}</span>`, font: { size: 14 }, x: 0.02, xanchor: 'left' } } };
}

/** z (n rows of x.length, row-major) as a heatmap: a temporal generalisation matrix, or a square RDM. */
export function heatmap(z: ArrayLike<number>, n: number, x: (number | string)[], y: (number | string)[], title: string, params: string, zTitle: string, opts: { zmid?: number; colorscale?: string; square?: boolean } = {}): Figure {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from({ length: x.length }, (_, j) => z[i * x.length + j]));
  const data: Data[] = [{ type: 'heatmap', z: rows, x, y, zmid: opts.zmid, colorscale: opts.colorscale ?? 'RdBu', reversescale: true, colorbar: { title: { text: plotlyText(zTitle) } } } as Data];
  const layout: Partial<Layout> = {
    height: 340,
    margin: { l: 70, r: 20, t: 52, b: 50 },
    title: { text: `${plotlyText(title)}<br><span style="font-size:11px">${plotlyText(params)}</span>`, font: { size: 14 }, x: 0.02, xanchor: 'left' },
    xaxis: { title: { text: opts.square ? '' : 'Testing time (ms)' } },
    yaxis: { title: { text: opts.square ? '' : 'Training time (ms)' }, autorange: opts.square ? 'reversed' : true, scaleanchor: opts.square ? 'x' : undefined },
    paper_bgcolor: 'rgba(0,0,0,0)',
  };
  return { data, layout };
}

/** A finished cluster test with the parameters it ran with (conditions, space, channel names). */
export interface ClusterRun {
  out: Result<'cluster'>;
  params: Record<string, unknown>;
}

export interface SpreadArgs {
  out: Result<'spread'>;
  /** the conditions of out.groups, in order */
  conds: string[];
  /** every condition (colours follow their place in it) */
  conditions: string[];
  kind: SpreadKind;
  tms: number[];
  cursor: number;
  A: string;
  B: string;
  chLabel: string;
  /** a cluster test of A vs B, when one has run: its significant clusters are shaded */
  cluster: ClusterRun | null;
}

/** Condition means with a band of their spread across images, A − B dashed, significant clusters shaded. */
export function spreadFigure({ out, conds, conditions, kind, tms, cursor, A, B, chLabel, cluster }: SpreadArgs): Figure {
  const groups = out.groups;
  const series: Series[] = groups.map((g, k) => {
    const b = spreadBand(g, kind);
    const color = PALETTE[conditions.indexOf(conds[k]) % PALETTE.length];
    return { name: `${conds[k]} (n=${g.n})`, mean: g.mean, lo: b.lo, hi: b.hi, color };
  });
  const ka = conds.indexOf(A);
  const kb = conds.indexOf(B);
  if (ka >= 0 && kb >= 0 && ka !== kb) series.push({ name: `${A} − ${B}`, mean: groups[ka].mean.map((v, t) => v - groups[kb].mean[t]), color: '#000000', width: 2.2, dash: 'dash' });
  let fig = timecourseFigure({ timesMs: tms, series, cursorMs: tms[cursor], height: 340 });
  const what = kind === 'ci95' ? 'band: 95% CI across images (t-based: mean ± t(0.975, n−1)·SEM)' : kind === 'sem' ? 'band: ±1 SEM across images' : 'band: ±1 SD across images';
  let params = `${what}; each image = mean of its 4 repetitions`;
  if (cluster && (cluster.params.conditions as string[]).join() === [A, B].join()) {
    const r = cluster.out.result;
    const nc = cluster.params.space === 'time' ? 1 : (cluster.params.ch_names as string[]).length;
    fig = shade(fig, significantSpans(r, nc, tms.length), tms);
    params += `; shaded: clusters p < ${ALPHA} (${r.test}, ${r.nPermutationsUsed} permutations, seed ${r.seed})`;
  }
  return titled(fig, `Condition means over ${chLabel}`, params);
}

export interface ClusterRow {
  k: number;
  tmin_s: number;
  tmax_s: number;
  ch_names: string[];
  mass: number;
  p: number;
  t0: number;
  t1: number;
  cl: Int32Array;
}

/**
 * A cluster test's table rows, its parameter line, and the statistic map: averaged over the most
 * significant cluster's window (or at the cursor when none is significant), its sensors marked as
 * MNE's mask does.
 */
export function clusterSummary(run: ClusterRun, names: string[], timesS: number[], tms: number[], cursor: number, grid: TopomapGrid): { rows: ClusterRow[]; paramText: string; topo: TopomapScene } {
  const r = run.out.result;
  const p = run.params;
  const chn = p.ch_names as string[];
  const nc = p.space === 'time' ? 1 : chn.length;
  const stat = r.statistic === 'f_oneway' ? 'F' : 't';
  const rows = r.clusters.map((cl, k) => {
    const ts = Array.from(cl, (i) => Math.floor(i / nc));
    const sensors = p.space === 'time' ? chn : [...new Set(Array.from(cl, (i) => chn[i % nc]))];
    return { k, tmin_s: timesS[Math.min(...ts)], tmax_s: timesS[Math.max(...ts)], ch_names: sensors, mass: r.mass[k], p: r.p[k], t0: Math.min(...ts), t1: Math.max(...ts), cl };
  });
  const paramText = `${r.test} (${r.statistic}${r.statistic === 'ttest_1samp_no_p' ? ', sigma=0' : ''}), threshold ${stat} = ${r.threshold.toFixed(3)} (p < 0.05${r.statistic === 'f_oneway' ? '' : r.tail === 0 ? ', two-tailed' : ', one-tailed'}), tail ${r.tail}, ${r.nPermutationsUsed} permutations${r.exact ? ' (exact)' : ''}, seed ${r.seed}, n = ${r.statistic === 'f_oneway' ? `${run.out.nA} + ${run.out.nB}` : run.out.nA} images`;
  const best = rows.filter((x) => x.p < ALPHA).sort((a, b) => a.p - b.p || Math.abs(b.mass) - Math.abs(a.mass))[0];
  const t0 = best ? best.t0 : cursor;
  const t1 = best ? best.t1 : cursor;
  const values = new Float32Array(63);
  for (let c = 0; c < 63; c++) {
    let acc = 0;
    for (let t = t0; t <= t1; t++) acc += run.out.sensorStat[t * 63 + c];
    values[c] = acc / (t1 - t0 + 1);
  }
  const marked = names.map(() => false);
  if (best) {
    if (p.space === 'time') for (const c of chn) marked[names.indexOf(c)] = true;
    else for (const i of best.cl) marked[names.indexOf(chn[i % nc])] = true;
  }
  const lim = r.statistic === 'f_oneway' ? Math.max(...values) || 1 : symmetricLimit(values) || 1;
  const topo: TopomapScene = {
    grid,
    panels: [{ values }],
    range: r.statistic === 'f_oneway' ? [0, lim] : [-lim, lim],
    colormap: r.statistic === 'f_oneway' ? 'Reds' : undefined,
    selected: marked,
    names,
    unit: stat,
    title: `${stat} map, ${tms[t0]}…${tms[t1]} ms`,
    note: best ? `Filled sensors: the most significant cluster (p = ${best.p.toFixed(4)})` : `No cluster with p < ${ALPHA}; map at the cursor`,
  };
  return { rows, paramText, topo };
}

/** Decoding A vs B over time against chance, and the temporal generalisation matrix when it was computed. */
export function decodingFigures(out: Result<'decode'>, nChannels: number, tms: number[], cursor: number, A: string, B: string): { fig: Figure; tgm: Figure | null } {
  const { sliding, generalizing, nA, nB } = out;
  const label = sliding.scoring === 'roc_auc' ? 'ROC AUC' : 'Accuracy';
  const params = `LDA (lsqr, Ledoit-Wolf shrinkage), SlidingEstimator, StratifiedKFold(${sliding.nSplits}, shuffle, seed ${sliding.seed}); ${nA} + ${nB} images (repetition means) × ${nChannels} channels; chance ${sliding.chance.toFixed(3)}`;
  const chance = Array.from(tms, () => sliding.chance);
  const fig = titled(
    timecourseFigure({
      timesMs: tms,
      series: [
        { name: `${label} (mean of ${sliding.nSplits} folds)`, mean: sliding.mean, color: PALETTE[2], width: 2 },
        { name: 'chance', mean: chance, color: '#888888', dash: 'dot', width: 1 },
      ],
      unit: '',
      yTitle: label,
      cursorMs: tms[cursor],
      height: 300,
    }),
    `Decoding ${A} vs ${B}`,
    params,
  );
  const tgm = generalizing ? heatmap(generalizing.mean, tms.length, tms, tms, 'Temporal generalisation (GeneralizingEstimator)', params, label, { zmid: generalizing.chance }) : null;
  return { fig, tgm };
}

/** RSA: Spearman rho over time (p < alpha shaded), the neural RDM at the cursor and the model RDM. */
export function rsaFigures(out: Result<'rsa'>, p: Record<string, unknown>, tms: number[], cursor: number): { fig: Figure; rdmFig: Figure; modelFig: Figure } {
  const { result, rdms, model, n } = out;
  const params = `${p.metric} RDMs over ${n} ${p.unit === 'images' ? 'images' : 'condition means'} × ${(p.ch_names as string[]).length} channels vs ${p.model} model, ${p.comparison}; permutation test over item labels, ${result.nPermutations} permutations, seed ${result.seed}`;
  let fig = timecourseFigure({ timesMs: tms, series: [{ name: 'Spearman rho', mean: result.rho, color: PALETTE[3], width: 2 }], unit: '', yTitle: 'Spearman rho', cursorMs: tms[cursor], height: 300 });
  const sig: [number, number][] = [];
  result.p.forEach((v, t) => v < ALPHA && sig.push([t, t]));
  fig = titled(shade(fig, sig, tms, 'rgba(204,121,167,0.22)'), 'RSA: neural RDM vs model RDM', `${params}; shaded: p < ${ALPHA} (uncorrected)`);
  const labels = (p.items as string[]).map((x, i) => `${i + 1}. ${x}`);
  const rdmFig = heatmap(squareForm(rdms[cursor], n), n, labels, labels, `Neural RDM at ${tms[cursor]} ms`, p.metric as string, p.metric as string, { colorscale: 'Viridis', square: true });
  const modelFig = heatmap(squareForm(model, n), n, labels, labels, 'Model RDM', p.model as string, 'dissimilarity', { colorscale: 'Viridis', square: true });
  rdmFig.data = rdmFig.data.map((d) => ({ ...d, reversescale: false }) as Data);
  modelFig.data = modelFig.data.map((d) => ({ ...d, reversescale: false }) as Data);
  return { fig, rdmFig, modelFig };
}
