// The Lab: manipulate stimuli (live preview in a worker, on the square pixels the model sees),
// sweep one parameter over a set of images into derived gallery images, plot a measure's tuning
// curve with a topomap per step, rank every image by a measure or a similarity, make conditions
// from the top or bottom k, and export the measures (CSV) and the exact stimuli (.npy).
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { subjectSlug } from '../../core/types.ts';
import { defaultManipulation, describe as describeManipulation, KINDS, kindSpec, type InversionMode, type Manipulation, type ManipulationKind } from '../../lab/manipulations.ts';
import {
  COMPONENT_PRESETS,
  histogram,
  measureImages,
  rankImages,
  type MeasureSpec,
  type Polarity,
} from '../../lab/measures.ts';
import { histogramFigure, tuningCurveFigure, type SubjectCurves } from '../../lab/figures.ts';
import { subjectTuning } from '../../analysis/subjects.ts';
import { buildStimuliExport, type StimulusRecord } from '../../lab/stimuli.ts';
import { sweepValues, tuningCurve, type SweepSpec } from '../../lab/sweep.ts';
import { measuresCsv } from '../../lab/table.ts';
import { symmetricLimit } from '../../viz/topomap.ts';
import type { TopomapScene } from '../../viz/topomap_render.ts';
import { EEG_UNIT } from '../../viz/plots.ts';
import { download } from '../export.ts';
import type { ChwImage } from '../../lab/manipulations.ts';
import { makeCondition } from '../actions/conditions.ts';
import { runSweepToGallery } from '../actions/lab.ts';
import { topomapGrid } from '../figures/topomap_grid.ts';
import { encodedPixels, previewInWorker } from '../lab_client.ts';
import { componentTable, imageMeasures, meanSummaries } from '../responses.ts';
import { useEncodedForPlots, useImagesNearScreen, useWorkerValue, type Encoded } from '../state/encoded.ts';
import { chNames, times } from '../state/selectors.ts';
import { useApp, type DerivedInfo, type ImageItem } from '../state/store.ts';
import { ImageChoice } from './ImageChoice.tsx';
import { NumberField } from './NumberField.tsx';
import { Plot } from './Plot.tsx';
import { TopomapView } from './TopomapView.tsx';

type Stat = 'mean' | 'peak-amplitude' | 'peak-latency';
/** The tuning curve's band: across the images of each step (of the responses shown), or across subjects (each subject's own curve). */
type TuningSpread = 'sd' | 'sem' | 'subjects-sem' | 'subjects-ci95' | 'subjects-sd';

const TUNING_SPREAD_LABEL: Record<TuningSpread, string> = {
  sd: 'SD across images',
  sem: 'SEM across images',
  'subjects-sem': 'SEM across subjects',
  'subjects-ci95': '95% CI across subjects (t)',
  'subjects-sd': 'SD across subjects',
};
type RankBy = 'measure' | 'group-contrast' | 'topography-similarity' | 'timecourse-similarity';

interface MeasureChoice {
  component: string; // a preset id or 'custom'
  stat: Stat;
  channels: string;
  tminMs: number;
  tmaxMs: number;
  polarity: Polarity;
}

/** A spec, or why it cannot be measured (an unknown channel, an empty window), checked as the worker would. */
function checkedSpec(make: () => MeasureSpec, names: readonly string[], allTimes: readonly number[]): { spec: MeasureSpec | null; error: string | null } {
  try {
    const spec = make();
    // measureImages of no images checks the window and every channel, as the worker does first
    measureImages([], { R: 1, C: names.length, T: allTimes.length }, names, allTimes, spec);
    return { spec, error: null };
  } catch (e) {
    return { spec: null, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Scores as the Lab shows them: peak latencies in ms. */
function inDisplayUnits(v: Float64Array, spec: MeasureSpec): Float64Array {
  if (spec.kind === 'peak-latency') for (let i = 0; i < v.length; i++) v[i] *= 1000;
  return v;
}

/** "5", or "4–5" when the counts differ. */
function nRange(ns: number[]): string {
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}

function parseChannels(s: string): string[] {
  return s
    .split(/[\s,/;]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

function measureSpec(m: MeasureChoice): MeasureSpec {
  const base = { channels: parseChannels(m.channels), tmin: m.tminMs / 1000, tmax: m.tmaxMs / 1000 };
  if (m.stat === 'mean') return { kind: 'mean', ...base };
  return { kind: m.stat, ...base, polarity: m.polarity };
}

function measureLabel(m: MeasureChoice): string {
  const what = m.stat === 'mean' ? 'mean amplitude' : m.stat === 'peak-amplitude' ? `${m.polarity} peak amplitude` : `${m.polarity} peak latency`;
  const comp = m.component === 'custom' ? '' : `${m.component} `;
  return `${comp}${what}, ${parseChannels(m.channels).join('/')}, ${m.tminMs}–${m.tmaxMs} ms (${m.stat === 'peak-latency' ? 'ms' : EEG_UNIT})`;
}

function drawChw(canvas: HTMLCanvasElement | null, img: { data: Uint8Array; size: number } | null) {
  if (!canvas || !img) return;
  const S = img.size;
  const P = S * S;
  canvas.width = S;
  canvas.height = S;
  const rgba = new Uint8ClampedArray(4 * P);
  for (let i = 0; i < P; i++) {
    rgba[4 * i] = img.data[i];
    rgba[4 * i + 1] = img.data[P + i];
    rgba[4 * i + 2] = img.data[2 * P + i];
    rgba[4 * i + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, S, S), 0, 0);
}

/** A labelled number field: applies on Enter or blur, refuses what is not a number in range (NumberField). */
function LabNumber({ label, value, onChange, step, testId, min, max, integer }: { label: string; value: number; onChange: (v: number) => void; step?: number; testId?: string; min?: number; max?: number; integer?: boolean }) {
  return (
    <label>
      {label}
      <NumberField label={label} value={value} step={step} min={min} max={max} integer={integer} testId={testId} onCommit={onChange} />
    </label>
  );
}

function ManipulationEditor({ m, onChange }: { m: Manipulation; onChange: (m: Manipulation) => void }) {
  const spec = kindSpec(m.kind);
  const rec = m as unknown as Record<string, number | string>;
  return (
    <div className="row lab-controls">
      <label>
        Manipulation
        <select data-testid="lab-kind" value={m.kind} onChange={(e) => onChange(defaultManipulation(e.target.value as ManipulationKind))}>
          {KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
      </label>
      {spec.params.map((q) => (
        <LabNumber
          key={`${m.kind}-${q.key}`}
          label={`${q.label}${q.unit ? ` (${q.unit})` : ''}`}
          value={Number(rec[q.key])}
          step={q.step}
          min={q.min}
          max={q.max}
          testId={`lab-param-${q.key}`}
          integer={q.integer}
          onChange={(v) => onChange({ ...m, [q.key]: v } as Manipulation)}
        />
      ))}
      {spec.modes && (
        <label>
          Mode
          <select data-testid="lab-mode" value={String(rec.mode)} onChange={(e) => onChange({ ...m, mode: e.target.value as InversionMode } as Manipulation)}>
            {spec.modes.map((x) => (
              <option key={x}>{x}</option>
            ))}
          </select>
        </label>
      )}
    </div>
  );
}

function MeasureEditor({ m, onChange }: { m: MeasureChoice; onChange: (m: MeasureChoice) => void }) {
  return (
    <div className="row lab-controls">
      <label>
        Component
        <select
          data-testid="lab-measure-component"
          value={m.component}
          onChange={(e) => {
            const p = COMPONENT_PRESETS.find((x) => x.id === e.target.value);
            if (!p) return onChange({ ...m, component: 'custom' });
            onChange({ ...m, component: p.id, channels: p.channels.join(', '), tminMs: Math.round(p.tmin * 1000), tmaxMs: Math.round(p.tmax * 1000), polarity: p.polarity });
          }}
        >
          {COMPONENT_PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
          <option value="custom">custom</option>
        </select>
      </label>
      <label>
        Measure
        <select data-testid="lab-measure-stat" value={m.stat} onChange={(e) => onChange({ ...m, stat: e.target.value as Stat })}>
          <option value="mean">mean amplitude</option>
          <option value="peak-amplitude">peak amplitude</option>
          <option value="peak-latency">peak latency</option>
        </select>
      </label>
      <label>
        Peak
        <select value={m.polarity} onChange={(e) => onChange({ ...m, polarity: e.target.value as Polarity, component: 'custom' })}>
          <option value="positive">positive</option>
          <option value="negative">negative</option>
        </select>
      </label>
      <label>
        Channels
        <input type="text" data-testid="lab-measure-channels" value={m.channels} size={18} onChange={(e) => onChange({ ...m, channels: e.target.value, component: 'custom' })} />
      </label>
      <LabNumber label="from (ms)" value={m.tminMs} step={5} onChange={(v) => onChange({ ...m, tminMs: v, component: 'custom' })} />
      <LabNumber label="to (ms)" value={m.tmaxMs} step={5} onChange={(v) => onChange({ ...m, tmaxMs: v, component: 'custom' })} />
    </div>
  );
}

function Thumbs({ ids, scores, items, unit, testId }: { ids: number[]; scores: Float64Array; items: ImageItem[]; unit: string; testId: string }) {
  return (
    <ol className="lab-thumbs" data-testid={testId}>
      {ids.map((i) => (
        <li key={items[i].id} data-name={items[i].name} data-score={scores[i]}>
          {items[i].thumb ? <img src={items[i].thumb} alt="" width={56} height={56} /> : <span className="lab-nothumb" />}
          <span className="lab-thumb-name" title={items[i].name}>
            {items[i].name}
          </span>
          <span className="mono">
            {scores[i].toPrecision(4)} {unit}
          </span>
        </li>
      ))}
    </ol>
  );
}

export function LabPanel() {
  const live = useEncodedForPlots();
  // The Lab follows the image list, not the group means the other views ask for (another map
  // source, a new batch's sums): those leave it unrendered.
  const enc = useMemo(() => live, [live.items, live.keys, live.tags, live.subjects, live.pending]); // eslint-disable-line react-hooks/exhaustive-deps
  return <LabBody enc={enc} />;
}

/** Height (px) of one row of the source list. */
const SOURCE_ROW = 20;

/**
 * One checkbox per source image, drawn while the list is open, and then only the rows in view
 * (@tanstack/react-virtual): thousands of checkboxes re-rendered on every change of the image
 * list were a long task each.
 */
function SourceList({ images, unchecked, onToggle }: { images: readonly ImageItem[]; unchecked: ReadonlySet<string>; onToggle: (id: string, on: boolean) => void }) {
  const scroller = useRef<HTMLDivElement>(null);
  const getItemKey = useCallback((i: number) => images[i].id, [images]);
  const v = useVirtualizer({ count: images.length, getScrollElement: () => scroller.current, estimateSize: () => SOURCE_ROW, overscan: 8, getItemKey });
  return (
    <div className="lab-sources" ref={scroller} data-testid="lab-sources" data-count={images.length}>
      <div style={{ height: v.getTotalSize(), position: 'relative' }}>
        {v.getVirtualItems().map((row) => {
          const it = images[row.index];
          return (
            <label key={row.key} className="check" style={{ position: 'absolute', top: row.start, left: 0, right: 0, height: SOURCE_ROW }}>
              <input type="checkbox" checked={!unchecked.has(it.id)} onChange={(e) => onToggle(it.id, e.target.checked)} />
              {it.name}
            </label>
          );
        })}
      </div>
    </div>
  );
}

const LabBody = memo(function LabBody({ enc }: { enc: Encoded }) {
  // narrow subscriptions: a cursor or window move does not touch what the Lab shows
  const panel = useRef<HTMLElement>(null);
  const images = useImagesNearScreen(panel);
  const exifOrientation = useApp((s) => s.exifOrientation);
  const model = useApp((s) => s.model);
  const conditions = useApp((s) => s.conditions);
  const lab = useApp((s) => s.lab);
  const ready = useMemo(() => images.filter((i) => i.status === 'ready' && i.squareMode), [images]);

  // ---------- preview ----------
  const [previewId, setPreviewId] = useState('');
  const [manip, setManip] = useState<Manipulation>(defaultManipulation('contrast'));
  const [previewMs, setPreviewMs] = useState<number | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const before = useRef<HTMLCanvasElement>(null);
  const after = useRef<HTMLCanvasElement>(null);
  const previewItem = ready.find((i) => i.id === previewId) ?? ready[0];
  const previewSeq = useRef(0);
  // the preview image's full pixels, decoded once per image and mode
  const [previewPixels, setPreviewPixels] = useState<{ key: string; image: ChwImage } | null>(null);
  const previewKey = previewItem ? `${previewItem.id}|${previewItem.squareMode}|${exifOrientation}` : '';
  useEffect(() => {
    if (!previewItem || previewPixels?.key === previewKey) return;
    let live = true;
    encodedPixels(previewItem).then(
      (image) => live && setPreviewPixels({ key: previewKey, image }),
      (e) => live && setPreviewError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [previewKey]);
  const previewImage = previewPixels?.key === previewKey ? previewPixels.image : null;
  useEffect(() => {
    if (!previewImage) return;
    drawChw(before.current, previewImage);
    const seq = ++previewSeq.current;
    previewInWorker(previewImage, [manip]).then(
      (r) => {
        if (seq !== previewSeq.current) return; // a newer preview is on its way
        drawChw(after.current, r.image);
        setPreviewMs(r.ms);
        setPreviewError(null);
      },
      (e) => seq === previewSeq.current && setPreviewError(e instanceof Error ? e.message : String(e)),
    );
  }, [previewImage, manip]);

  // ---------- sweep ----------
  const sweepable = kindSpec(manip.kind).params.filter((q) => q.sweep);
  const [param, setParam] = useState('rms');
  const sweepParam = sweepable.find((q) => q.key === param) ?? sweepable[0];
  const [from, setFrom] = useState(0.02);
  const [to, setTo] = useState(0.3);
  const [steps, setSteps] = useState(5);
  const [scale, setScale] = useState<'linear' | 'log'>('linear');
  const [perStep, setPerStep] = useState(false);
  const [unchecked, setUnchecked] = useState<Set<string>>(new Set());
  const [sweepStatus, setSweepStatus] = useState<{ state: 'idle' | 'running' | 'done' | 'error'; text: string }>({ state: 'idle', text: '' });
  const originals = useMemo(() => ready.filter((i) => !lab.derived[i.id]), [ready, lab.derived]);
  const sources = useMemo(() => originals.filter((i) => !unchecked.has(i.id)), [originals, unchecked]);
  const [sourcesOpen, setSourcesOpen] = useState(false);
  const toggleSource = useCallback((id: string, on: boolean) =>
    setUnchecked((u) => {
      const next = new Set(u);
      if (on) next.delete(id);
      else next.add(id);
      return next;
    }), []);
  useEffect(() => {
    // a new manipulation kind: sweep its first parameter over its own range
    const q = kindSpec(manip.kind).params.find((p) => p.sweep);
    if (!q) return;
    setParam(q.key);
    setFrom(q.key === 'rms' ? 0.02 : q.min === 0 && scale === 'log' ? q.step : q.min);
    setTo(q.key === 'rms' ? 0.3 : q.max);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [manip.kind]);
  let valuesPreview = '';
  try {
    valuesPreview = sweepValues({ from, to, steps, scale })
      .map((v) => Number(v.toPrecision(4)))
      .join(', ');
  } catch (e) {
    valuesPreview = e instanceof Error ? e.message : String(e);
  }

  async function runSweep() {
    if (!sweepParam) return;
    const spec: SweepSpec = { manipulation: manip, param: sweepParam.key, from, to, steps, scale };
    setSweepStatus({ state: 'running', text: `Generating ${sources.length * steps} stimuli…` });
    try {
      const pixels = await Promise.all(sources.map((i) => encodedPixels(i)));
      const rec = await runSweepToGallery(
        sources.map((i, k) => ({ id: i.id, name: i.name, image: pixels[k] })),
        spec,
        perStep,
      );
      setSweepId(rec.id);
      setSweepStatus({ state: 'done', text: `${rec.sourceIds.length * rec.values.length} stimuli added (${rec.ms.toFixed(0)} ms to generate, ${rec.totalMs.toFixed(0)} ms with PNG encoding)` });
    } catch (e) {
      setSweepStatus({ state: 'error', text: e instanceof Error ? e.message : String(e) });
    }
  }

  // ---------- measure ----------
  const [measure, setMeasure] = useState<MeasureChoice>({ component: 'P1', stat: 'mean', channels: 'O1, Oz, O2', tminMs: 80, tmaxMs: 130, polarity: 'positive' });
  const names = chNames();
  const allTimes = times();
  // The measures are computed in the responses worker from each image's repetition means; the
  // page receives one score per image (or one topography per step). They are asked for once the
  // panel has been on screen: a session that never scrolls to the Lab computes none.
  const [seen, setSeen] = useState(false);
  // watched once there are images: on an empty page the Lab is on screen, and that says nothing
  const hasImages = enc.keys.length > 0;
  useEffect(() => {
    const el = panel.current;
    if (seen || !el || !hasImages) return;
    if (typeof IntersectionObserver === 'undefined') return void setSeen(true);
    const io = new IntersectionObserver((es) => es.some((e) => e.isIntersecting) && setSeen(true), { rootMargin: '400px' });
    io.observe(el);
    return () => io.disconnect();
  }, [seen, hasImages]);
  // (the image list, not the group means: another map source or a new batch's sums leave the measures as they are)
  const listSig = useMemo(() => (seen && enc.keys.length ? `${enc.tags.join('+')}\n${enc.keys.join(',')}` : null), [seen, enc.tags, enc.keys]);
  // a measure with an unknown channel or an empty window is refused here, before the worker is asked
  const checked = useMemo(() => checkedSpec(() => measureSpec(measure), names, allTimes), [measure, model]); // eslint-disable-line react-hooks/exhaustive-deps
  const scoredValues = useWorkerValue(
    listSig && checked.spec ? `${listSig}\n${JSON.stringify(checked.spec)}` : null,
    () => imageMeasures(enc.tags, enc.keys, names, allTimes, [checked.spec!]).then(([v]) => inDisplayUnits(v, checked.spec!)),
    { exact: true },
  );
  const scored = useMemo(() => (checked.error ? { values: null, error: checked.error } : scoredValues ? { values: scoredValues, error: null } : null), [checked, scoredValues]);
  const unit = measure.stat === 'peak-latency' ? 'ms' : EEG_UNIT;

  // ---------- tuning curve ----------
  const [sweepId, setSweepId] = useState<number | null>(null);
  const [spreadChoice, setSpread] = useState<TuningSpread>('sd');
  const subjectTags = enc.subjects?.tags ?? [];
  // the spread across subjects needs only a subject mean; without one the band is across images
  const spread: TuningSpread = spreadChoice.startsWith('subjects-') && !enc.subjects ? 'sd' : spreadChoice;
  const acrossSubjects = spread.startsWith('subjects-');
  const sweep = lab.sweeps.find((x) => x.id === sweepId) ?? lab.sweeps[lab.sweeps.length - 1];
  // the sweep's encoded images (gallery order), each with its parameter value, and their keys per value
  const sweepImages = useMemo(() => {
    if (!sweep) return null;
    const idx: number[] = [];
    const info: DerivedInfo[] = [];
    enc.items.forEach((it, i) => {
      const d = lab.derived[it.id];
      if (d && d.sweepId === sweep.id) {
        idx.push(i);
        info.push(d);
      }
    });
    if (!idx.length) return null;
    const vals = info.map((d) => d.value);
    const steps = [...new Set(vals)].sort((x, y) => x - y);
    const keysAt = steps.map((v) => idx.filter((_, k) => vals[k] === v).map((i) => enc.keys[i]));
    return { idx, info, vals, steps, keysAt, keys: idx.map((i) => enc.keys[i]) };
  }, [sweep, enc.items, enc.keys, lab.derived]);
  const sweepSig = listSig && sweepImages ? `${listSig}\n${sweepImages.keys.join(',')}` : null;
  // topomap at each step: the window-mean topography over all channels, averaged over the step's images
  const stepWindow = useMemo(() => ({ kind: 'topography' as const, channels: names, tmin: measure.tminMs / 1000, tmax: measure.tmaxMs / 1000 }), [names, measure.tminMs, measure.tmaxMs]);
  const stepTopos = useWorkerValue(sweepSig ? `${sweepSig}\n${stepWindow.tmin},${stepWindow.tmax}` : null, () => meanSummaries(enc.tags, sweepImages!.keysAt, names, allTimes, stepWindow).catch(() => null), { exact: true });
  // across subjects: each subject's measure of each of the sweep's images from its own responses
  const subjectScores = useWorkerValue(
    acrossSubjects && sweepSig && checked.spec ? `${subjectTags.join('+')}\n${sweepSig}\n${JSON.stringify(checked.spec)}` : null,
    () => Promise.all(subjectTags.map((t) => imageMeasures(t, sweepImages!.keys, names, allTimes, [checked.spec!]).then(([v]) => inDisplayUnits(v, checked.spec!)))),
    { exact: true },
  );
  const tuning = useMemo(() => {
    if (!sweep || !sweepImages || !scored?.values || scored.values.length !== enc.items.length) return null;
    const { idx, info, vals } = sweepImages;
    const sc = idx.map((i) => scored.values![i]);
    const points = tuningCurve(vals, sc);
    const bySource = new Map<string, { name: string; values: number[]; scores: number[] }>();
    info.forEach((d, k) => {
      const line = bySource.get(d.sourceId) ?? { name: d.source, values: [], scores: [] };
      line.values.push(d.value);
      line.scores.push(sc[k]);
      bySource.set(d.sourceId, line);
    });
    const expected = sweep.values.length * sweep.sourceIds.length;
    let subjects: SubjectCurves | undefined;
    if (acrossSubjects && enc.subjects) {
      if (!subjectScores || subjectScores.length !== subjectTags.length) return { points, figure: null, topo: null, encoded: idx.length, expected, subjects: null };
      subjects = { labels: enc.subjects.labels, ...subjectTuning(subjectScores, vals), kind: spread.slice('subjects-'.length) as SubjectCurves['kind'] };
    }
    const figure = tuningCurveFigure({
      points,
      perImage: [...bySource.values()],
      spread: spread === 'sem' ? 'sem' : 'sd',
      subjects,
      xTitle: `${kindSpec(sweep.spec.manipulation.kind).label}: ${sweep.spec.param}${kindSpec(sweep.spec.manipulation.kind).params.find((q) => q.key === sweep.spec.param)?.unit ? ` (${kindSpec(sweep.spec.manipulation.kind).params.find((q) => q.key === sweep.spec.param)!.unit})` : ''}`,
      yTitle: measureLabel(measure),
      logX: sweep.spec.scale === 'log',
      height: 300,
    });
    let topo: TopomapScene | null = null;
    if (stepTopos && stepTopos.length === sweepImages.steps.length) {
      const panels = points.map((p) => ({ values: Float32Array.from(stepTopos[sweepImages.steps.indexOf(p.value)]), title: `${sweep.spec.param}=${Number(p.value.toPrecision(4))}` }));
      const lim = symmetricLimit(...panels.map((q) => q.values)) || 1;
      const sel = new Set(parseChannels(measure.channels).map((c) => c.toLowerCase()));
      topo = {
        grid: topomapGrid(names, useApp.getState().topoMethod),
        panels,
        range: [-lim, lim],
        unit: EEG_UNIT,
        names,
        selected: names.map((n) => sel.has(n.toLowerCase())),
        title: `Mean ${measure.tminMs}–${measure.tmaxMs} ms at each step`,
        contours: 6,
      };
    }
    return { points, figure, topo, encoded: idx.length, expected, subjects: subjects ?? null };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sweep, sweepImages, scored, enc, spread, subjectScores, stepTopos]);

  // ---------- ranking ----------
  const [rankBy, setRankBy] = useState<RankBy>('measure');
  const [groupB, setGroupB] = useState('Fp1, Fp2, AF7, AF8');
  const [target, setTarget] = useState('all');
  const [k, setK] = useState(5);
  const [condName, setCondName] = useState('');
  // what the ranking scores: the measure itself, or another measure of every image (a contrast,
  // or the similarity to the target images' mean topography or time course, both from the worker)
  const rankQuestion = useMemo(() => {
    if (rankBy === 'measure' || !checked.spec) return null;
    const base = checked.spec;
    if (rankBy === 'group-contrast') {
      const c = checkedSpec(() => ({ kind: 'group-contrast', channels: base.channels, channelsB: parseChannels(groupB), tmin: base.tmin, tmax: base.tmax }), names, allTimes);
      return c.spec ? { spec: c.spec, targetKeys: null, label: `mean ${base.channels.join('/')} − mean ${parseChannels(groupB).join('/')}, ${measure.tminMs}–${measure.tmaxMs} ms`, unit: EEG_UNIT } : { error: c.error! };
    }
    const targetKeys = target === 'all' ? enc.keys : target.startsWith('img:') ? enc.keys.filter((_, i) => enc.items[i].id === target.slice(4)) : enc.keys.filter((_, i) => enc.items[i].condition === target.slice(5));
    if (!targetKeys.length) return { error: 'the target has no encoded images' };
    return rankBy === 'topography-similarity'
      ? { spec: { kind: 'topography-similarity', channels: names, tmin: base.tmin, tmax: base.tmax, target: [] } as MeasureSpec, targetKeys, label: `Pearson r with the target's topography (all channels, ${measure.tminMs}–${measure.tmaxMs} ms)`, unit: '' }
      : { spec: { kind: 'timecourse-similarity', channels: base.channels, tmin: base.tmin, tmax: base.tmax, target: [] } as MeasureSpec, targetKeys, label: `Pearson r with the target's time course (${base.channels.join('/')}, ${measure.tminMs}–${measure.tmaxMs} ms)`, unit: '' };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rankBy, checked, groupB, target, enc.items, enc.keys, measure.tminMs, measure.tmaxMs]);
  const rankValues = useWorkerValue(
    listSig && rankQuestion && 'spec' in rankQuestion ? `${listSig}\n${rankBy}\n${JSON.stringify(rankQuestion.spec)}\n${rankQuestion.targetKeys?.join(',') ?? ''}` : null,
    async () => {
      const q = rankQuestion as { spec: MeasureSpec; targetKeys: string[] | null };
      let spec = q.spec;
      if (q.targetKeys && (spec.kind === 'topography-similarity' || spec.kind === 'timecourse-similarity')) {
        const [tgt] = await meanSummaries(enc.tags, [q.targetKeys], names, allTimes, { kind: spec.kind === 'topography-similarity' ? 'topography' : 'waveform', channels: spec.channels, tmin: spec.tmin, tmax: spec.tmax });
        spec = { ...spec, target: tgt };
      }
      return (await imageMeasures(enc.tags, enc.keys, names, allTimes, [spec]))[0];
    },
    { exact: true },
  );
  const ranking = useMemo(() => {
    if (!enc.items.length) return null;
    let values: Float64Array;
    let label: string;
    let u: string;
    if (rankBy === 'measure') {
      if (!scored) return null;
      if (!scored.values) return { error: scored.error ?? 'no measure' } as { error: string; values?: undefined };
      values = scored.values;
      label = measureLabel(measure);
      u = unit;
    } else {
      if (!rankQuestion) return checked.error ? ({ error: checked.error } as { error: string; values?: undefined }) : null;
      if ('error' in rankQuestion) return { error: rankQuestion.error } as { error: string; values?: undefined };
      if (!rankValues) return null;
      values = rankValues;
      label = rankQuestion.label;
      u = rankQuestion.unit;
    }
    if (values.length !== enc.items.length) return null;
    const r = rankImages(values, k);
    const h = histogram(values, Math.max(5, Math.min(40, Math.round(Math.sqrt(values.length)) * 2)));
    const fig = histogramFigure(h, label, { top: r.top.length ? values[r.top[r.top.length - 1]] : undefined, bottom: r.bottom.length ? values[r.bottom[r.bottom.length - 1]] : undefined });
    return { values, r, fig, label, unit: u, error: null as string | null };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [enc.items, scored, rankBy, rankQuestion, rankValues, k, measure]);

  function conditionFrom(which: 'top' | 'bottom') {
    if (!ranking?.values) return;
    const ids = (which === 'top' ? ranking.r.top : ranking.r.bottom).map((i) => enc.items[i].id);
    makeCondition(condName.trim() || `${which} ${k} by ${rankBy === 'measure' ? measure.component : rankBy}`, ids);
  }

  // ---------- exports ----------
  const [exportError, setExportError] = useState<string | null>(null);
  async function exportCsv() {
    setExportError(null);
    try {
      const st = useApp.getState();
      const comps = [...COMPONENT_PRESETS];
      if (measure.component === 'custom') {
        const spec = measureSpec(measure);
        comps.push({ id: 'custom', label: 'custom', channels: spec.channels, tmin: spec.tmin, tmax: spec.tmax, polarity: measure.polarity });
      }
      const results = await componentTable(enc.tags, enc.keys, names, allTimes, comps);
      const rows = enc.items.map((it, i) => {
        const d = lab.derived[it.id];
        return {
          index: i,
          name: it.name,
          condition: it.condition,
          source: d?.source,
          manipulation: d ? describeManipulation(d.manipulation) : undefined,
          param: d?.param,
          value: d?.value,
          meta: it.meta,
          results: results[i],
        };
      });
      const m = st.model!;
      const csv = measuresCsv(rows, comps, { model: m.modelId, subject: String(m.subject), synthetic: m.synthetic });
      download(`insilico-eeg_components_${subjectSlug(m.subject)}.csv`, new Blob([csv], { type: 'text/csv' }));
    } catch (e) {
      setExportError(e instanceof Error ? e.message : String(e));
    }
  }

  async function exportStimuli() {
    setExportError(null);
    try {
      // the encoded gallery, in gallery order: the same first axis as the responses' export;
      // decoded again exactly as the engine's input was (the gallery keeps a 32 px summary only)
      const pixels = await Promise.all(enc.items.map((it) => encodedPixels(it)));
      const records: StimulusRecord[] = enc.items.map((it, k) => {
        const d = lab.derived[it.id];
        return { name: it.name, image: pixels[k], condition: it.condition, source: d?.source, manipulations: d ? [d.manipulation] : [], param: d?.param, value: d?.value };
      });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
      const file = `insilico-eeg_stimuli_${records.length}x3x${records[0]?.image.size ?? 0}x${records[0]?.image.size ?? 0}_${stamp}.npy`;
      const e = buildStimuliExport(records, file);
      download(file, new Blob([e.npy as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
      download(file + '.json', new Blob([JSON.stringify(e.sidecar, null, 2)], { type: 'application/json' }));
    } catch (e) {
      setExportError(e instanceof Error ? e.message : String(e));
    }
  }

  const targets = [{ value: 'all', label: 'mean of all images' }, ...conditions.map((c) => ({ value: `cond:${c}`, label: `condition ${c}` }))];

  return (
    <section ref={panel} className="panel lab-panel" data-testid="lab-panel" aria-label="Lab">
      <h2>Lab: in-silico experiments</h2>
      <p className="hint">
        Manipulations act on the square pixels the model encodes (after the crop); formulas, units and seeds: docs/lab.md. Measures use the repetition-averaged response, averaged over the channels.
        {enc.subjects
          ? ` With a subject mean, the Lab's measures, rankings and topomaps use the mean of the ${enc.subjects.paths.length} subjects' responses; the tuning curve can show the spread across subjects instead of across images.`
          : ''}
      </p>

      <h3>Manipulate</h3>
      {ready.length ? (
        <>
          <div className="row lab-controls">
            <label>
              Image
              <ImageChoice label="Image" value={previewItem?.id ?? ''} groups={[]} items={ready} prefix="" onChange={setPreviewId} testId="lab-image" />
            </label>
          </div>
          <ManipulationEditor m={manip} onChange={setManip} />
          <div className="lab-preview">
            <figure>
              <canvas ref={before} className="lab-canvas" aria-label="Original (as encoded)" />
              <figcaption>as encoded ({previewImage?.size ?? '…'} px)</figcaption>
            </figure>
            <figure>
              <canvas ref={after} className="lab-canvas" data-testid="lab-preview" aria-label="Manipulated" />
              <figcaption data-testid="lab-preview-ms">
                {describeManipulation(manip)}
                {previewMs !== null && ` · ${previewMs.toFixed(1)} ms in the worker`}
              </figcaption>
            </figure>
          </div>
          {previewError && <p className="error">{previewError}</p>}
        </>
      ) : (
        <div className="empty">Add images to manipulate them.</div>
      )}

      <h3>Sweep</h3>
      {sweepable.length ? (
        <>
          <div className="row lab-controls">
            <label>
              Parameter
              <select data-testid="lab-sweep-param" value={sweepParam?.key} onChange={(e) => setParam(e.target.value)}>
                {sweepable.map((q) => (
                  <option key={q.key} value={q.key}>
                    {q.label} ({q.unit})
                  </option>
                ))}
              </select>
            </label>
            <LabNumber label="from" value={from} onChange={setFrom} testId="lab-sweep-from" />
            <LabNumber label="to" value={to} onChange={setTo} testId="lab-sweep-to" />
            <LabNumber label="steps" value={steps} step={1} min={1} max={100} integer onChange={setSteps} testId="lab-sweep-steps" />
            <label>
              Spacing
              <select data-testid="lab-sweep-scale" value={scale} onChange={(e) => setScale(e.target.value as 'linear' | 'log')}>
                <option value="linear">linear</option>
                <option value="log">log</option>
              </select>
            </label>
            <label className="check">
              <input type="checkbox" checked={perStep} onChange={(e) => setPerStep(e.target.checked)} /> a condition per step
            </label>
          </div>
          <p className="hint mono">values: {valuesPreview}</p>
          <details onToggle={(e) => setSourcesOpen((e.target as HTMLDetailsElement).open)}>
            <summary>
              Source images: {sources.length} of {originals.length}
            </summary>
            {sourcesOpen && <SourceList images={originals} unchecked={unchecked} onToggle={toggleSource} />}
          </details>
          <div className="row">
            <button type="button" className="primary" data-testid="lab-sweep-run" disabled={!sources.length || sweepStatus.state === 'running'} onClick={() => void runSweep()}>
              Generate {sources.length * steps} stimuli
            </button>
            <span className={sweepStatus.state === 'error' ? 'error' : 'hint'} data-testid="lab-sweep-status" data-state={sweepStatus.state}>
              {sweepStatus.text}
            </span>
          </div>
        </>
      ) : (
        <p className="hint">{kindSpec(manip.kind).label} has no numeric parameter to sweep.</p>
      )}

      <h3>Measure</h3>
      <MeasureEditor m={measure} onChange={setMeasure} />
      {scored?.error && <p className="error">{scored.error}</p>}

      <h3>Tuning curve</h3>
      {lab.sweeps.length > 1 && (
        <label>
          Sweep
          <select value={sweep?.id} onChange={(e) => setSweepId(Number(e.target.value))}>
            {lab.sweeps.map((x) => (
              <option key={x.id} value={x.id}>
                #{x.id} {describeManipulation(x.spec.manipulation).split(' ')[0]} {x.spec.param} {x.spec.from}…{x.spec.to}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        Spread
        <select data-testid="lab-tuning-spread" value={spread} onChange={(e) => setSpread(e.target.value as TuningSpread)}>
          {(Object.keys(TUNING_SPREAD_LABEL) as TuningSpread[])
            .filter((k) => enc.subjects || !k.startsWith('subjects-'))
            .map((k) => (
              <option key={k} value={k}>
                {TUNING_SPREAD_LABEL[k]}
              </option>
            ))}
        </select>
      </label>
      {tuning ? (
        <div
          data-testid="lab-tuning"
          data-points={tuning.points.length}
          data-encoded={tuning.encoded}
          data-expected={tuning.expected}
          data-values={tuning.points.map((p) => p.value).join(',')}
          data-means={tuning.points.map((p) => p.mean.toPrecision(8)).join(',')}
          data-across={acrossSubjects ? 'subjects' : 'images'}
          data-subject-means={tuning.subjects ? Array.from(tuning.subjects.spread.mean, (v) => v.toPrecision(8)).join(',') : undefined}
          data-subject-curves={tuning.subjects ? Array.from(tuning.subjects.curves, (v) => v.toPrecision(8)).join(',') : undefined}
        >
          {tuning.encoded < tuning.expected && <p className="hint">{tuning.expected - tuning.encoded} stimuli not encoded yet.</p>}
          <p className="hint" data-testid="lab-tuning-caption">
            {tuning.subjects
              ? `Observations: the ${tuning.subjects.labels.length} subjects. Each thin line is one subject's own curve (its measure of each stimulus from its own responses, averaged over the step's images); the thick line is their mean with the ${TUNING_SPREAD_LABEL[spread]} (n = ${tuning.subjects.labels.length}).${measure.stat === 'mean' ? '' : ' For peaks and latencies this mean of the subjects\' curves can differ from the curve of the subject-mean responses.'} The topomaps show the subject-mean responses.`
              : `Observations: the images at each step (n = ${nRange(tuning.points.map((p) => p.n))}); thin lines: one per source image; band: ${TUNING_SPREAD_LABEL[spread]}${enc.subjects ? `, on the mean of the ${enc.subjects.paths.length} subjects' responses` : ''}.`}
          </p>
          {tuning.figure ? <Plot figure={tuning.figure} filename="tuning-curve" /> : <div className="empty">Fetching each subject's responses…</div>}
          {tuning.topo && <TopomapView scene={tuning.topo} height={Math.max(180, 120 * Math.ceil(tuning.topo.panels.length / 5))} filename="tuning-topomaps" />}
        </div>
      ) : (
        <div className="empty">{sweepImages && !scored ? 'Measuring the sweep’s images…' : 'Run a sweep; its tuning curve appears once its stimuli are encoded.'}</div>
      )}

      <h3>Rank images</h3>
      <div className="row lab-controls">
        <label>
          Rank by
          <select data-testid="lab-rank-by" value={rankBy} onChange={(e) => setRankBy(e.target.value as RankBy)}>
            <option value="measure">the measure</option>
            <option value="group-contrast">channel group contrast (measure's channels − group B)</option>
            <option value="topography-similarity">similarity to a target topography</option>
            <option value="timecourse-similarity">similarity to a target time course</option>
          </select>
        </label>
        {rankBy === 'group-contrast' && (
          <label>
            Group B
            <input type="text" value={groupB} size={16} onChange={(e) => setGroupB(e.target.value)} />
          </label>
        )}
        {(rankBy === 'topography-similarity' || rankBy === 'timecourse-similarity') && (
          <label>
            Target
            <ImageChoice label="Target" value={target} groups={targets} items={enc.items} onChange={setTarget} testId="lab-rank-target" />
          </label>
        )}
        <LabNumber label="k" value={k} step={1} min={1} integer onChange={setK} testId="lab-rank-k" />
      </div>
      {ranking?.values ? (
        <div className="lab-ranking" data-testid="lab-ranking" data-n={ranking.values.length} data-order={ranking.r.order.map((i) => enc.items[i].name).join('|')}>
          <div className="lab-rank-lists">
            <div>
              <h4>Top {ranking.r.top.length}</h4>
              <Thumbs ids={ranking.r.top} scores={ranking.values} items={enc.items} unit={ranking.unit} testId="lab-rank-top" />
            </div>
            <div>
              <h4>Bottom {ranking.r.bottom.length}</h4>
              <Thumbs ids={ranking.r.bottom} scores={ranking.values} items={enc.items} unit={ranking.unit} testId="lab-rank-bottom" />
            </div>
          </div>
          <div data-testid="lab-histogram">
            <Plot figure={ranking.fig} filename="ranking-histogram" />
          </div>
          <div className="row">
            <label>
              Condition name
              <input type="text" data-testid="lab-condition-name" value={condName} placeholder={`top ${k}`} size={14} onChange={(e) => setCondName(e.target.value)} />
            </label>
            <button type="button" className="small" data-testid="lab-condition-top" onClick={() => conditionFrom('top')}>
              Condition from top {k}
            </button>
            <button type="button" className="small" data-testid="lab-condition-bottom" onClick={() => conditionFrom('bottom')}>
              Condition from bottom {k}
            </button>
          </div>
        </div>
      ) : (
        <div className="empty">{ranking?.error ?? (enc.items.length ? 'Measuring every image…' : 'Encode images to rank them.')}</div>
      )}

      <h3>Export</h3>
      <div className="row">
        <button type="button" className="small" data-testid="lab-csv" disabled={!enc.items.length} onClick={() => void exportCsv()}>
          Component measures .csv
        </button>
        <button type="button" className="small" data-testid="lab-export-stimuli" disabled={!enc.items.length || enc.pending > 0} onClick={() => void exportStimuli()}>
          Stimuli .npy + sidecar (uint8 [B, 3, S, S])
        </button>
      </div>
      <p className="hint">
        The stimuli file holds the exact pixels encoded, in gallery order (the responses' first axis): encode it with BERG or <span className="mono">insilico-eeg encode --images</span> to get these responses.
      </p>
      {exportError && <p className="error">{exportError}</p>}
    </section>
  );
});
