// Image-by-image dissimilarity (1 - Pearson r across the selected channels, repetition means) at the
// cursor, ordered by condition; the condition-by-condition matrix of condition means; and the mean
// off-diagonal dissimilarity over time (over a fixed random sample of images in large sets, as its
// title says). Past a few dozen images the matrix names images on hover instead of tick labels.
import { useDeferredValue, useMemo, useRef } from 'react';
import { colormapLut } from '../../viz/colormap.ts';
import { drawMatrix, layoutMatrix, matrixCellAt, matrixSvg, type MatrixScene } from '../../viz/matrix_render.ts';
import { timecourseFigure, timesMs } from '../../viz/plots.ts';
import { setCursor } from '../actions/selection.ts';
import { conditionGroups, conditionMatrixScene, conditionOrder, courseValues, dissimilarityCourse, dissimilarityLine, imageMatrixScene, matrixImages, TICKS_UPTO } from '../figures/rdm.ts';
import { nearestIndex } from '../figures/time_axis.ts';
import { moveCursor, withWindow } from '../figures/timecourse.ts';
import { dissimilarityAt, dissimilarityCourse as courseInWorker } from '../responses.ts';
import { useEncodedForPlots, useSelection, useWorkerValue } from '../state/encoded.ts';
import { useHeldWhile, useNearScreen } from '../near_screen.ts';
import { times } from '../state/selectors.ts';
import { SUBJECT_SPREAD_LABEL } from './SubjectsPanel.tsx';
import { useApp } from '../state/store.ts';
import { CanvasPlot, type CanvasFigure } from './CanvasPlot.tsx';
import { LinePlot } from './LinePlot.tsx';

const NEEDS = 'Needs at least 2 encoded images and 2 selected channels.';
// (an empty mask shades nothing)
const ALL_SAMPLES: number[] = [];
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
  // Far off screen the panel keeps what it last showed: a cursor move would otherwise have the
  // worker compute a matrix of up to a million pairs for nobody to see. It catches up when it comes near.
  const panel = useRef<HTMLElement>(null);
  const far = !useNearScreen(panel);
  const enc = useHeldWhile(useEncodedForPlots(), far);
  // deferred, as the images are: a channel change paints the maps and time courses first, then this panel
  const { ch } = useHeldWhile(useDeferredValue(useSelection()), far);
  const cursor = useHeldWhile(useApp((s) => s.cursor), far);
  const mask = useHeldWhile(useApp((s) => s.timeMask), far);
  const model = useApp((s) => s.model);
  const tms = useMemo(() => timesMs(times()), [model]);
  const conditions = useApp((s) => s.conditions);
  // Images grouped by condition (in the condition list's order, images without one last), gallery
  // order within. These follow the image list, not the group means: new means (another map
  // source, a new batch's sums) leave the million-cell matrix as drawn.
  const items = enc.items;
  const order = useMemo(() => conditionOrder(items, conditions), [items, conditions]);
  // the image matrix's images: all, or a fixed sample past MATRIX_UPTO (in the same order)
  const inMatrix = useMemo(() => matrixImages(order), [order]);
  const names = useMemo(() => inMatrix.map((i) => `${i + 1}: ${items[i].name}${items[i].condition ? ` (${items[i].condition})` : ''}`), [items, inMatrix]);
  const ticks = inMatrix.length <= TICKS_UPTO;
  const labels = useMemo(() => (ticks ? inMatrix.map((i) => `${i + 1}: ${items[i].name.length > 18 ? items[i].name.slice(0, 17) + '…' : items[i].name}`) : inMatrix.map(() => '')), [items, inMatrix, ticks]);
  const groups = useMemo(() => conditionGroups(items, conditions, order), [conditions, order, items]);

  const subjectSpread = useApp((s) => s.subjectSpread);
  // the course and the image matrix come from the responses worker, for these images in this order
  // (with a subject mean: each subject's course, and the mean of the subjects' matrices)
  const nSubjects = enc.subjects?.paths.length ?? 0;
  const plan = useMemo(() => dissimilarityCourse(enc, order, ch), [items, nSubjects, order, ch]); // eslint-disable-line react-hooks/exhaustive-deps
  // (the questions' keys, made once per image list and channels: thousands of keys joined on every cursor move cost a frame)
  const sig = useMemo(() => (plan ? `${enc.tags.join('+')}\n${order.map((i) => enc.keys[i]).join(',')}\n${ch.join(',')}` : null), [plan, enc.tags, enc.keys, order, ch]);
  const raw = useWorkerValue(sig, () => courseInWorker(enc.tags, plan!.idx.map((i) => enc.keys[i]), Int32Array.from(ch)));
  // The matrices are drawn at the time the worker computed them for (it answers the latest cursor
  // once free, see useWorkerValue): a cursor move redraws them when their answer comes, not before.
  const matrixSig = useMemo(() => (plan ? `${enc.tags.join('+')}\n${inMatrix.map((i) => enc.keys[i]).join(',')}\n${ch.join(',')}` : null), [plan, enc.tags, enc.keys, inMatrix, ch]);
  const at = useWorkerValue(matrixSig && `${matrixSig}\n${cursor}`, () => dissimilarityAt(enc.tags, inMatrix.map((i) => enc.keys[i]), Int32Array.from(ch), cursor).then((matrix) => ({ cursor, matrix })));
  const values = useMemo(() => (raw ? courseValues(raw, Math.max(1, enc.tags.length), enc.dims.T, subjectSpread) : null), [raw, enc.tags.length, enc.dims.T, subjectSpread]);
  const mat = useMemo(() => {
    if (!plan || !at || at.matrix.length !== inMatrix.length * inMatrix.length) return null;
    return matrixCanvasFigure(imageMatrixScene({ enc, cursor: at.cursor, labels, ordered: groups.length > 0, tms, matrix: at.matrix, of: order.length }), names);
  }, [plan, at, inMatrix, order.length, labels, names, groups.length > 0, tms, nSubjects]); // eslint-disable-line react-hooks/exhaustive-deps
  // the condition means' matrix follows the group means
  const cond = useMemo(() => {
    const c = mat && at ? conditionMatrixScene({ enc, ch, cursor: at.cursor, groups, tms }) : null;
    return c && matrixCanvasFigure(c);
  }, [mat, at, enc, ch, groups, tms]);
  const view = mat && values ? { mat, cond } : null;
  // the course with the cursor itself and the window (Plot moves only the line and the shading)
  const shown = view !== null;
  // built with every sample selected, the window's shading added after: a window change keeps the line as painted
  const course = useMemo(() => (shown && plan && values ? dissimilarityLine({ cursor: 0, tms, mask: ALL_SAMPLES, course: { ...values, title: plan.title } }) : null), [shown, plan, values, tms]);
  const line = useMemo(() => course && moveCursor(withWindow(course, tms, mask), tms[cursor]), [course, tms, mask, cursor]);

  // The requirement is spelled out once, beside it, where the matrix will be.
  const placeholder = useMemo(() => timecourseFigure({ timesMs: tms, series: [], placeholder: 'The mean dissimilarity at each time point appears here.', yTitle: 'mean 1 − r', title: 'Mean pairwise dissimilarity over time', height: 360 }), [tms]);
  return (
    <section ref={panel} className="panel rdm-panel" data-testid="rdm" aria-label="Dissimilarity">
      <div className="panel-head">
        <h2>Representational dissimilarity</h2>
        <span className="hint">1 − Pearson r between images across the {ch.length} selected channels (mean of the 4 repetitions)</span>
      </div>
      <div className="two-col">
        {view ? (
          <CanvasPlot figure={view.mat} height={360} filename="dissimilarity-matrix" className="matrix-view" data={{ size: String(labels.length), ticks: ticks ? 'labels' : 'hover', order: groups.length ? 'condition' : 'gallery' }} />
        ) : (
          // (with the images and channels there, the worker's answer is on its way: after a reload it reads every image's rows from storage first)
          <div className="empty" data-testid="rdm-waiting">{plan ? `Computing the dissimilarities of ${inMatrix.length} images…` : NEEDS}</div>
        )}
        <LinePlot figure={line ?? placeholder} filename="dissimilarity-over-time" className="plot" onCursor={(x) => setCursor(nearestIndex(x, tms))} />
      </div>
      {enc.subjects && (
        <p className="caption" data-testid="rdm-subjects-note">
          Subject mean: each subject's matrix and course are computed from that subject's responses, then averaged over the {enc.subjects.paths.length} subjects; band:{' '}
          {SUBJECT_SPREAD_LABEL[subjectSpread]} of the subjects' courses. The condition matrix uses the subject-mean responses.
        </p>
      )}
      {view?.cond && (
        <div className="two-col" data-testid="rdm-conditions">
          <CanvasPlot figure={view.cond} height={320} filename="dissimilarity-conditions" className="cond-matrix-view" data={{ size: String(groups.length) }} />
        </div>
      )}
    </section>
  );
}
