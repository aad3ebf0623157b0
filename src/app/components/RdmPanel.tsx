// Image-by-image dissimilarity (1 - Pearson r across the selected channels, repetition means) at the
// cursor, ordered by condition; the condition-by-condition matrix of condition means; and the mean
// off-diagonal dissimilarity over time (over a fixed random sample of images in large sets, as its
// title says). Past a few dozen images the matrix names images on hover instead of tick labels.
import { useMemo } from 'react';
import { colormapLut } from '../../viz/colormap.ts';
import { drawMatrix, layoutMatrix, matrixCellAt, matrixSvg, type MatrixScene } from '../../viz/matrix_render.ts';
import { timecourseFigure, timesMs } from '../../viz/plots.ts';
import { dissimilarity, meanDissimilarityOverTime, patternsAt } from '../../viz/stats.ts';
import { setCursor } from '../actions/selection.ts';
import { nearestIndex } from '../figures/time_axis.ts';
import { useEncodedForPlots, useSelection } from '../state/encoded.ts';
import { times } from '../state/selectors.ts';
import { useApp } from '../state/store.ts';
import { CanvasPlot, type CanvasFigure } from './CanvasPlot.tsx';
import { Plot } from './Plot.tsx';

const NEEDS = 'Needs at least 2 encoded images and 2 selected channels.';
/** Up to this many images the matrix has tick labels; past it, names on hover. */
export const TICKS_UPTO = 40;
/** Past this many images the time course averages the pairs of a fixed random sample of this size. */
export const COURSE_SAMPLE = 120;

/** A fixed (seeded) sample of k of the indices, kept in their order. */
function sample(idx: number[], k: number, seed = 1): number[] {
  if (idx.length <= k) return idx;
  const a = [...idx];
  let s = seed >>> 0;
  for (let i = 0; i < k; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    const j = i + Math.floor((s / 2 ** 32) * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  const keep = new Set(a.slice(0, k));
  return idx.filter((i) => keep.has(i));
}

function matrixCanvasFigure(scene: MatrixScene, names: string[] = scene.labels): CanvasFigure {
  const lut = colormapLut(scene.colormap ?? 'viridis');
  const n = names.length;
  return {
    label: `${scene.title ?? 'Matrix'} (${n} x ${n})`,
    draw: (ctx, w, h, dpr) => drawMatrix(ctx, scene, layoutMatrix(scene, w, h), dpr, lut),
    svg: (w, h) => matrixSvg(scene, layoutMatrix(scene, w, h), lut),
    hit: (x, y, w, h) => {
      const c = matrixCellAt(scene, layoutMatrix(scene, w, h), x, y);
      if (!c) return null;
      const v = scene.values[c.i * n + c.j];
      return { text: `${names[c.i]} vs ${names[c.j]}: ${Number.isFinite(v) ? v.toFixed(3) : 'n/a'} ${scene.unit}` };
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
  const conditions = useApp((s) => s.conditions);
  // Images grouped by condition (in the condition list's order, images without one last), gallery order within.
  const order = useMemo(() => {
    const rank = (c: string | undefined) => (c === undefined ? conditions.length : Math.max(0, conditions.indexOf(c)));
    return enc.items.map((_, i) => i).sort((a, b) => rank(enc.items[a].condition) - rank(enc.items[b].condition) || a - b);
  }, [enc, conditions]);
  const names = useMemo(() => order.map((i) => `${i + 1}: ${enc.items[i].name}${enc.items[i].condition ? ` (${enc.items[i].condition})` : ''}`), [enc, order]);
  const ticks = order.length <= TICKS_UPTO;
  const labels = useMemo(() => (ticks ? order.map((i) => `${i + 1}: ${enc.items[i].name.length > 18 ? enc.items[i].name.slice(0, 17) + '…' : enc.items[i].name}`) : order.map(() => '')), [enc, order, ticks]);
  const groups = useMemo(() => conditions.map((c) => ({ c, idx: order.filter((i) => enc.items[i].condition === c) })).filter((g) => g.idx.length > 0), [conditions, order, enc]);

  const course = useMemo(() => {
    if (enc.dims.B < 2 || ch.length < 2) return null;
    const idx = sample(order, COURSE_SAMPLE);
    const B = enc.dims.B;
    const title = idx.length < B ? `Mean pairwise dissimilarity over time: ${(idx.length * (idx.length - 1)) / 2} pairs of a fixed random sample of ${idx.length} of ${B} images` : 'Mean pairwise dissimilarity over time';
    return { values: meanDissimilarityOverTime(enc.data, enc.dims, idx, ch), title, sampled: idx.length < B };
  }, [enc, order, ch]);
  const view = useMemo(() => {
    if (!course) return null;
    const m = dissimilarity(patternsAt(enc.data, enc.dims, order, ch, cursor), order.length, ch.length);
    let top = 0;
    for (const v of m) if (Number.isFinite(v) && v > top) top = v;
    const mat = matrixCanvasFigure({ values: m, labels, range: [0, top > 0 ? top : 1], colormap: 'viridis', unit: '1 − r', title: `Dissimilarity at ${tms[cursor]} ms${groups.length ? ' (ordered by condition)' : ''}` }, names);
    let cond: CanvasFigure | null = null;
    if (groups.length >= 2) {
      // condition means of the repetition-mean patterns, then 1 - r between conditions
      const P = ch.length;
      const pats = new Float32Array(groups.length * P);
      groups.forEach((g, k) => {
        const p = patternsAt(enc.data, enc.dims, g.idx, ch, cursor);
        for (let i = 0; i < g.idx.length; i++) for (let q = 0; q < P; q++) pats[k * P + q] += p[i * P + q] / g.idx.length;
      });
      const cm = dissimilarity(pats, groups.length, P);
      let ctop = 0;
      for (const v of cm) if (Number.isFinite(v) && v > ctop) ctop = v;
      const cl = groups.map((g) => `${g.c} (n=${g.idx.length})`);
      cond = matrixCanvasFigure({ values: cm, labels: cl, range: [0, ctop > 0 ? ctop : 1], colormap: 'viridis', unit: '1 − r', title: `Condition means at ${tms[cursor]} ms` });
    }
    const line = timecourseFigure({
      timesMs: tms,
      series: [{ name: 'mean dissimilarity', mean: course.values, color: '#444444' }],
      cursorMs: tms[cursor],
      mask,
      unit: '1 − r',
      yTitle: 'mean 1 − r',
      title: course.title,
      height: 360,
    });
    return { mat, cond, line };
  }, [course, enc, order, ch, cursor, labels, names, groups, tms, mask]);

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
          <CanvasPlot figure={view.mat} height={360} filename="dissimilarity-matrix" className="matrix-view" data={{ size: String(labels.length), ticks: ticks ? 'labels' : 'hover', order: groups.length ? 'condition' : 'gallery' }} />
        ) : (
          <div className="empty">{NEEDS}</div>
        )}
        {/* Mounted from the start, like the time course: the first plotly draw happens while idle. */}
        <Plot figure={view?.line ?? placeholder} filename="dissimilarity-over-time" className="plot" onClick={(e) => typeof e.points?.[0]?.x === 'number' && setCursor(nearestIndex(e.points[0].x as number, tms))} />
      </div>
      {view?.cond && (
        <div className="two-col" data-testid="rdm-conditions">
          <CanvasPlot figure={view.cond} height={320} filename="dissimilarity-conditions" className="cond-matrix-view" data={{ size: String(groups.length) }} />
        </div>
      )}
    </section>
  );
}
