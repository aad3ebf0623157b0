// Image-by-image dissimilarity (1 - Pearson r across the selected channels, repetition means) at the
// cursor, and the mean off-diagonal dissimilarity over time.
import { useMemo } from 'react';
import { colormapLut } from '../../viz/colormap.ts';
import { drawMatrix, layoutMatrix, matrixCellAt, matrixSvg, type MatrixScene } from '../../viz/matrix_render.ts';
import { timecourseFigure, timesMs } from '../../viz/plots.ts';
import { dissimilarity, meanDissimilarityOverTime, patternsAt } from '../../viz/stats.ts';
import { useEncodedForPlots, useSelection } from '../derived.ts';
import { set, times, useApp } from '../store.ts';
import { CanvasPlot, type CanvasFigure } from './CanvasPlot.tsx';
import { Plot } from './Plot.tsx';
import { nearestIndex } from './TimePicker.tsx';

const NEEDS = 'Needs at least 2 encoded images and 2 selected channels.';

function matrixCanvasFigure(scene: MatrixScene): CanvasFigure {
  const lut = colormapLut(scene.colormap ?? 'viridis');
  const n = scene.labels.length;
  return {
    label: `${scene.title ?? 'Matrix'} (${n} x ${n})`,
    draw: (ctx, w, h, dpr) => drawMatrix(ctx, scene, layoutMatrix(scene, w, h), dpr, lut),
    svg: (w, h) => matrixSvg(scene, layoutMatrix(scene, w, h), lut),
    hit: (x, y, w, h) => {
      const c = matrixCellAt(scene, layoutMatrix(scene, w, h), x, y);
      if (!c) return null;
      const v = scene.values[c.i * n + c.j];
      return { text: `${scene.labels[c.i]} vs ${scene.labels[c.j]}: ${Number.isFinite(v) ? v.toFixed(3) : 'n/a'} ${scene.unit}` };
    },
  };
}

export function RdmPanel() {
  const enc = useEncodedForPlots();
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
    const mat = matrixCanvasFigure({ values: m, labels, range: [0, top > 0 ? top : 1], colormap: 'viridis', unit: '1 − r', title: `Dissimilarity at ${tms[cursor]} ms` });
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

  // The requirement is spelled out once, beside it, where the matrix will be.
  const placeholder = useMemo(() => timecourseFigure({ timesMs: tms, series: [], placeholder: 'The mean dissimilarity at each time point appears here.', yTitle: 'mean 1 − r', title: 'Mean pairwise dissimilarity over time', height: 360 }), [tms]);
  return (
    <section className="panel rdm-panel" data-testid="rdm" aria-label="Dissimilarity">
      <div className="panel-head">
        <h2>Representational dissimilarity</h2>
        <span className="hint">1 − Pearson r between images across the {ch.length} selected channels (mean of the 4 repetitions)</span>
      </div>
      <div className="two-col">
        {view ? (
          <CanvasPlot figure={view.mat} height={360} filename="dissimilarity-matrix" className="matrix-view" data={{ size: String(labels.length) }} />
        ) : (
          <div className="empty">{NEEDS}</div>
        )}
        {/* Mounted from the start, like the time course: the first plotly draw happens while idle. */}
        <Plot figure={view?.line ?? placeholder} filename="dissimilarity-over-time" className="plot" onClick={(e) => typeof e.points?.[0]?.x === 'number' && set({ cursor: nearestIndex(e.points[0].x as number, tms) })} />
      </div>
    </section>
  );
}
