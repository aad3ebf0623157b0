// Model quality from the subject's metadata: noise ceiling, ncsnr and the encoding accuracy BERG
// measured on THINGS EEG2 test images, per channel and time.
import { useMemo, useState } from 'react';
import { PALETTE, timecourseFigure, timesMs, type Series } from '../../viz/plots.ts';
import type { TopomapScene } from '../../viz/topomap_render.ts';
import { column, meanOverTimes, repSeries } from '../../viz/stats.ts';
import { symmetricLimit } from '../../viz/topomap.ts';
import { setCursor } from '../actions/selection.ts';
import { nearestIndex } from '../figures/time_axis.ts';
import { topomapGrid } from '../figures/topomap_grid.ts';
import type { QualityArrays } from '../protocol.ts';
import { useSelection } from '../state/encoded.ts';
import { times } from '../state/selectors.ts';
import { useApp } from '../state/store.ts';
import { Plot } from './Plot.tsx';
import { TopomapView } from './TopomapView.tsx';

type Metric = keyof QualityArrays;
const LABEL: Record<Metric, string> = {
  corrAveraged: 'encoding accuracy: Pearson r, predicted vs. recorded (repetition-averaged) test EEG',
  corrSingle: 'encoding accuracy per repetition model: Pearson r (4 repetitions)',
  noiseCeiling: 'noise ceiling (as stored in BERG metadata)',
  ncsnr: 'noise-ceiling SNR (ncsnr)',
};
const SHORT: Record<Metric, string> = { corrAveraged: 'r (averaged reps)', corrSingle: 'r (single reps)', noiseCeiling: 'noise ceiling', ncsnr: 'ncsnr' };

export function QualityPanel() {
  const quality = useApp((s) => s.quality);
  const note = useApp((s) => s.qualityNote);
  const model = useApp((s) => s.model);
  const cursor = useApp((s) => s.cursor);
  const topoMode = useApp((s) => s.topoMode);
  const mask = useApp((s) => s.timeMask);
  const { names, ch, chMask, t } = useSelection();
  const tms = useMemo(() => timesMs(times()), [model]);
  const available = (Object.keys(LABEL) as Metric[]).filter((k) => quality?.[k]);
  const [metric, setMetric] = useState<Metric | null>(null);
  const m = metric && available.includes(metric) ? metric : available[0];

  const view = useMemo(() => {
    if (!m || !quality?.[m]) return null;
    const arr = quality[m]!;
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
    const topo: TopomapScene = { grid: topomapGrid(names, useApp.getState().topoMethod), panels: [{ values }], range, colormap: diverging ? 'RdBu_r' : 'viridis', selected: chMask, names, unit: SHORT[m], title: `${SHORT[m]} · ${when}` };
    const series: Series[] = [];
    const dims = { B: 1, R, C, T };
    const rows = repSeries(arr, dims, [0], ch);
    if (R > 1) for (let r = 0; r < R; r++) series.push({ name: `rep ${r + 1}`, mean: rows.subarray(r * T, (r + 1) * T), color: PALETTE[r], width: 1.2 });
    else series.push({ name: SHORT[m], mean: rows, color: PALETTE[0] });
    const chLabel = ch.length === names.length ? 'all channels' : `${ch.length} selected channel${ch.length === 1 ? '' : 's'}`;
    const tc = timecourseFigure({ timesMs: tms, series, cursorMs: tms[cursor], mask, unit: SHORT[m], yTitle: SHORT[m], title: `Mean over ${chLabel}`, height: 320 });
    return { topo, tc };
  }, [m, quality, names, ch, chMask, t, tms, cursor, topoMode, mask]);

  return (
    <section className="panel quality-panel" data-testid="quality" aria-label="Model quality">
      <div className="panel-head">
        <h2>Model quality</h2>
        {available.length > 0 && (
          <select aria-label="Quality metric" value={m} onChange={(e) => setMetric(e.target.value as Metric)}>
            {available.map((k) => (
              <option key={k} value={k}>
                {LABEL[k]}
              </option>
            ))}
          </select>
        )}
      </div>
      {view && ch.length ? (
        <div className="two-col">
          <TopomapView scene={view.topo} height={320} filename="model-quality-topomap" />
          <Plot figure={view.tc} filename="model-quality-timecourse" className="plot" onClick={(e) => typeof e.points?.[0]?.x === 'number' && setCursor(nearestIndex(e.points[0].x as number, tms))} />
        </div>
      ) : (
        <div className="empty">
          {!model
            ? 'Load a model to see its quality.'
            : model.synthetic
              ? 'The synthetic demo subject has no noise ceiling or encoding accuracy: it was never fitted to EEG. Convert a real BERG subject to see them.'
              : available.length
                ? 'No channels selected.'
                : `This model's metadata has no noise ceiling or accuracy arrays${note ? ` (${note})` : ''}.`}
        </div>
      )}
    </section>
  );
}
