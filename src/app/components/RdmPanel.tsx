// Image-by-image dissimilarity (1 - Pearson r across the selected channels, repetition means) at the
// cursor, and the mean off-diagonal dissimilarity over time.
import { useMemo } from 'react';
import { matrixFigure, timecourseFigure, timesMs } from '../../viz/plots.ts';
import { dissimilarity, meanDissimilarityOverTime, patternsAt } from '../../viz/stats.ts';
import { useEncoded, useSelection } from '../derived.ts';
import { set, times, useApp } from '../store.ts';
import { Plot } from './Plot.tsx';
import { nearestIndex } from './TimePicker.tsx';

export function RdmPanel() {
  const enc = useEncoded();
  const { ch } = useSelection();
  const cursor = useApp((s) => s.cursor);
  const mask = useApp((s) => s.timeMask);
  const model = useApp((s) => s.model);
  const tms = useMemo(() => timesMs(times()), [model]);
  const all = useMemo(() => enc.items.map((_, i) => i), [enc]);
  const labels = useMemo(() => enc.items.map((it, i) => `${i + 1}: ${it.name.length > 18 ? it.name.slice(0, 17) + '…' : it.name}`), [enc]);

  const overTime = useMemo(() => (enc.dims.B >= 2 && ch.length >= 2 ? meanDissimilarityOverTime(enc.data, enc.dims, all, ch) : null), [enc, all, ch]);
  const view = useMemo(() => {
    if (!overTime) return null;
    const m = dissimilarity(patternsAt(enc.data, enc.dims, all, ch, cursor), enc.dims.B, ch.length);
    let top = 0;
    for (const v of m) if (Number.isFinite(v) && v > top) top = v;
    const mat = matrixFigure(m, labels, { range: [0, top > 0 ? top : 1], colormap: 'viridis', unit: '1 − r', title: `Dissimilarity at ${tms[cursor]} ms`, height: 360 });
    const line = timecourseFigure({
      timesMs: tms,
      series: [{ name: 'mean dissimilarity', mean: overTime, color: '#444444' }],
      cursorMs: tms[cursor],
      mask,
      unit: '1 − r',
      yTitle: 'mean 1 − r',
      title: 'Mean pairwise dissimilarity over time',
      height: 360,
    });
    return { mat, line };
  }, [overTime, enc, all, ch, cursor, labels, tms, mask]);

  return (
    <section className="panel rdm-panel" data-testid="rdm" aria-label="Dissimilarity">
      <div className="panel-head">
        <h2>Representational dissimilarity</h2>
        <span className="hint">1 − Pearson r between images across the {ch.length} selected channels (mean of the 4 repetitions)</span>
      </div>
      {view ? (
        <div className="two-col">
          <Plot figure={view.mat} filename="dissimilarity-matrix" className="plot" />
          <Plot figure={view.line} filename="dissimilarity-over-time" className="plot" onClick={(e) => typeof e.points?.[0]?.x === 'number' && set({ cursor: nearestIndex(e.points[0].x as number, tms) })} />
        </div>
      ) : (
        <div className="empty">Needs at least 2 encoded images and 2 selected channels.</div>
      )}
    </section>
  );
}
