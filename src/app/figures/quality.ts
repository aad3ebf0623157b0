// The model-quality panel's figures: a quality metric from the subject's metadata as a topomap
// (at the cursor or over the window) and as a time course over the selected channels.
import { PALETTE, timecourseFigure, type Figure, type Series } from '../../viz/plots.ts';
import { column, meanOverTimes, repSeries } from '../../viz/stats.ts';
import { symmetricLimit, type TopomapGrid } from '../../viz/topomap.ts';
import type { TopomapScene } from '../../viz/topomap_render.ts';
import type { QualityArrays } from '../protocol.ts';

export type Metric = keyof QualityArrays;
export const LABEL: Record<Metric, string> = {
  corrAveraged: 'encoding accuracy: Pearson r, predicted vs. recorded (repetition-averaged) test EEG',
  corrSingle: 'encoding accuracy per repetition model: Pearson r (4 repetitions)',
  noiseCeiling: 'noise ceiling (as stored in BERG metadata)',
  ncsnr: 'noise-ceiling SNR (ncsnr)',
};
export const SHORT: Record<Metric, string> = { corrAveraged: 'r (averaged reps)', corrSingle: 'r (single reps)', noiseCeiling: 'noise ceiling', ncsnr: 'ncsnr' };

export interface QualityArgs {
  metric: Metric;
  /** the metric's values: [C, T], or [4, C, T] for the repetition models */
  arr: Float32Array;
  names: string[];
  ch: ArrayLike<number>;
  chMask: boolean[];
  t: ArrayLike<number>;
  tms: number[];
  cursor: number;
  topoMode: 'cursor' | 'window';
  mask: number[];
  grid: () => TopomapGrid;
}

/** The metric's map (repetition models averaged; r on a diverging scale) and its time course (each repetition model a line). */
export function qualityView(a: QualityArgs): { topo: TopomapScene; tc: Figure } {
  const { metric: m, arr, names, ch, chMask, t, tms, cursor, topoMode, mask } = a;
  const C = names.length;
  const T = tms.length;
  const R = m === 'corrSingle' ? 4 : 1;
  // Repetition models are averaged for the map; the time course shows each.
  const ct = new Float32Array(C * T);
  for (let r = 0; r < R; r++) for (let k = 0; k < C * T; k++) ct[k] += arr[r * C * T + k] / R;
  const values = topoMode === 'window' ? meanOverTimes(ct, C, T, t) : column(ct, C, T, cursor);
  const when = topoMode === 'window' && t.length ? `mean ${tms[t[0]]}…${tms[t[t.length - 1]]} ms` : `${tms[cursor]} ms`;
  const diverging = m === 'corrAveraged' || m === 'corrSingle';
  let range: [number, number];
  if (diverging) {
    const lim = symmetricLimit(ct);
    range = [-lim, lim];
  } else {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of ct) if (Number.isFinite(v)) ((lo = Math.min(lo, v)), (hi = Math.max(hi, v)));
    range = [Math.min(0, lo), hi > lo ? hi : lo + 1];
  }
  const topo: TopomapScene = { grid: a.grid(), panels: [{ values }], range, colormap: diverging ? 'RdBu_r' : 'viridis', selected: chMask, names, unit: SHORT[m], title: `${SHORT[m]} · ${when}` };
  const series: Series[] = [];
  const dims = { B: 1, R, C, T };
  const rows = repSeries(arr, dims, [0], ch);
  if (R > 1) for (let r = 0; r < R; r++) series.push({ name: `rep ${r + 1}`, mean: rows.subarray(r * T, (r + 1) * T), color: PALETTE[r], width: 1.2 });
  else series.push({ name: SHORT[m], mean: rows, color: PALETTE[0] });
  const chLabel = ch.length === names.length ? 'all channels' : `${ch.length} selected channel${ch.length === 1 ? '' : 's'}`;
  const tc = timecourseFigure({ timesMs: tms, series, cursorMs: tms[cursor], mask, unit: SHORT[m], yTitle: SHORT[m], title: `Mean over ${chLabel}`, height: 320 });
  return { topo, tc };
}
