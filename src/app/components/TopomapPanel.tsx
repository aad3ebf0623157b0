import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { gfpPeaks, parseTimeList } from '../../viz/joint.ts';
import { EEG_DATA_NOTE, EEG_UNIT, EEG_UNIT_LONG, timesMs } from '../../viz/plots.ts';
import { prepareScene, type TopoPanel, type TopomapScene } from '../../viz/topomap_render.ts';
import { column, gfp, meanChannelsByTime, meanOverTimes, subtract } from '../../viz/stats.ts';
import { METHOD_LABEL, mneColorLimits, type TopomapMethod } from '../../viz/topomap.ts';
import { toggleChannel, setCursor } from '../actions/selection.ts';
import { setColorScale, setMapSource, setMultiples, setMultipleTimes, setPeakThreshold, setTopoMethod, setTopoMode } from '../actions/view.ts';
import { nearestIndex, windowText } from '../figures/time_axis.ts';
import { mneLoaded, mneReady, topomapGrid } from '../figures/topomap_grid.ts';
import { imagesFor, useEncoded, useSelection, type Encoded } from '../state/encoded.ts';
import { times } from '../state/selectors.ts';
import { useApp, type MapSource } from '../state/store.ts';
import { NumberField } from './NumberField.tsx';
import { JointView, TopomapView } from './TopomapView.tsx';

/** [C, T] mean over repetitions and the images of a map source; null when it has no images. */
export function sourceCT(enc: Encoded, source: MapSource, diffA: string, diffB: string): Float32Array | null {
  if (source === 'diff') {
    const a = imagesFor(enc, `cond:${diffA}`);
    const b = imagesFor(enc, `cond:${diffB}`);
    if (!a.length || !b.length) return null;
    return subtract(meanChannelsByTime(enc.data, enc.dims, a), meanChannelsByTime(enc.data, enc.dims, b));
  }
  const idx = imagesFor(enc, source);
  return idx.length ? meanChannelsByTime(enc.data, enc.dims, idx) : null;
}

export function sourceLabel(enc: Encoded, source: MapSource, diffA: string, diffB: string): string {
  if (source === 'all') return `mean of ${enc.items.length} image${enc.items.length === 1 ? '' : 's'}`;
  if (source === 'diff') return `${diffA} − ${diffB}`;
  if (source.startsWith('img:')) return enc.items.find((i) => i.id === source.slice(4))?.name ?? 'image';
  return `condition ${source.slice(5)}`;
}

export function TopomapPanel() {
  const enc = useDeferredValue(useEncoded());
  const { names, t, chMask } = useSelection();
  const s = useApp();
  const tms = useMemo(() => timesMs(times()), [s.model]);
  const [assetReady, setAssetReady] = useState(mneLoaded);
  useEffect(() => {
    if (!assetReady) void mneReady.then(() => setAssetReady(true));
  }, [assetReady]);
  const grid = useMemo(() => topomapGrid(names, s.topoMethod), [names, s.topoMethod, assetReady]);
  const [timesError, setTimesError] = useState<string[] | null>(null);
  const [timesDraft, setTimesDraft] = useState<string | null>(null);
  const joint = s.multiples !== 'off';

  // The [C, T] data and the frames shown, without the cursor: a cursor move only re-slices.
  const base = useMemo(() => {
    const ct = sourceCT(enc, s.mapSource, s.diffA, s.diffB);
    return ct ? { ct, g: gfp(ct, names.length, tms.length) } : null;
  }, [enc, s.mapSource, s.diffA, s.diffB, names, tms]);

  const view = useMemo(() => {
    const t0 = performance.now();
    if (!base) return null;
    const { ct, g } = base;
    const C = names.length;
    const T = tms.length;
    let frames: { idx: number | null; title: string }[];
    let threshold: number | undefined;
    let jointNote = '';
    if (s.multiples === 'peaks') {
      const p = gfpPeaks(g, s.timeMask, s.peakThreshold, 4, 5);
      threshold = p.threshold;
      frames = p.indices.map((i) => ({ idx: i, title: `${tms[i]} ms` }));
      jointNote = frames.length
        ? `${frames.length} GFP peak${frames.length === 1 ? '' : 's'} ≥ ${Math.round(100 * s.peakThreshold)} % of the window's largest GFP (${p.maxGfp.toPrecision(3)} ${EEG_UNIT}; threshold dashed), ≥ 20 ms apart, in ${windowText(s.timeMask, tms)}`
        : `No GFP peak reaches ${Math.round(100 * s.peakThreshold)} % of the largest GFP in ${windowText(s.timeMask, tms)}: lower the threshold`;
    } else if (s.multiples === 'times') {
      const list = parseTimeList(s.multipleTimes, tms[0], tms[T - 1]).times;
      const idx = [...new Set(list.map((ms) => nearestIndex(ms, tms)))];
      frames = idx.map((i) => ({ idx: i, title: `${tms[i]} ms` }));
      jointNote = `Maps at ${frames.map((f) => f.title).join(', ')} (nearest samples)`;
    } else if (s.topoMode === 'window') {
      frames = [{ idx: null, title: t.length ? `mean over ${windowText(s.timeMask, tms)}` : 'no samples selected' }];
    } else {
      frames = [{ idx: s.cursor, title: `${tms[s.cursor]} ms` }];
    }
    const panels: TopoPanel[] = frames.map((f) => ({
      values: f.idx === null ? meanOverTimes(ct, C, T, t) : column(ct, C, T, f.idx),
      title: joint ? f.title : undefined,
    }));
    // MNE's rule (Reds on [0, max] for data >= 0, else ±max|data| on RdBu_r), over the whole epoch
    // ('fixed') or over the maps shown, as evoked.plot_topomap shares limits over its times.
    const lim = s.colorScale === 'fixed' ? mneColorLimits(ct) : mneColorLimits(...panels.map((p) => p.values));
    const label = sourceLabel(enc, s.mapSource, s.diffA, s.diffB);
    const method = grid.method ?? 'v4';
    const methodNote = `Interpolation: ${METHOD_LABEL[method]}${method !== s.topoMethod ? ' (MNE’s matrix is still loading)' : ''}`;
    const title = joint ? `${label} · joint plot` : `${label} · ${frames[0]?.title ?? ''}`;
    const scene: TopomapScene = {
      grid,
      panels: panels.length ? panels : [],
      range: lim.range,
      colormap: lim.colormap,
      selected: chMask,
      names,
      unit: EEG_UNIT_LONG,
      title: joint ? undefined : title,
      note: joint ? undefined : methodNote,
    };
    const jointSpec = joint
      ? {
          prep: prepareScene(scene),
          mapTimes: frames.map((f) => tms[f.idx!]),
          timesMs: tms,
          channels: ct,
          nChannels: C,
          selected: chMask,
          names,
          gfp: g,
          mask: s.timeMask,
          threshold,
          unit: EEG_UNIT,
          title,
          note: `${jointNote}. ${methodNote}.`,
        }
      : null;
    return { scene, jointSpec, frames, ms: performance.now() - t0, values: panels[0]?.values ?? new Float32Array(0) };
    // A joint plot does not depend on the cursor (its line is added below), so moving it prepares no maps.
  }, [base, names, t, chMask, grid, tms, enc, s.mapSource, s.diffA, s.diffB, s.multiples, s.multipleTimes, s.topoMode, joint ? -1 : s.cursor, s.colorScale, s.timeMask, s.peakThreshold, s.topoMethod, joint]);
  const jointSpec = useMemo(() => (view?.jointSpec ? { ...view.jointSpec, cursorMs: tms[s.cursor] } : null), [view, s.cursor, tms]);

  const sources: { value: MapSource; label: string }[] = [
    { value: 'all', label: 'Mean over images' },
    ...s.conditions.map((c) => ({ value: `cond:${c}` as MapSource, label: `Condition: ${c}` })),
    ...(s.conditions.length >= 2 && s.diffA && s.diffB ? [{ value: 'diff' as MapSource, label: `Difference ${s.diffA} − ${s.diffB}` }] : []),
    ...enc.items.map((it, i) => ({ value: `img:${it.id}` as MapSource, label: `Image ${i + 1}: ${it.name}` })),
  ];
  const sum = view ? Array.from(view.values).reduce((a, b) => a + b, 0) : 0;
  const commitTimes = (text: string) => {
    const r = parseTimeList(text, tms[0], tms[tms.length - 1]);
    if (r.errors.length) {
      setTimesError(r.errors);
      return;
    }
    setTimesError(null);
    setTimesDraft(null);
    setMultipleTimes(r.times.join(', '));
  };
  return (
    <section
      className={`panel topomap-panel${joint ? ' joint' : ''}`}
      data-testid="topomap"
      data-has-data={view ? 'true' : 'false'}
      data-method={grid.method ?? 'v4'}
      data-compute-ms={view?.ms.toFixed(2)}
      data-values-sum={sum.toPrecision(8)}
      data-values={view ? Array.from(view.values, (v) => v.toPrecision(9)).join(',') : ''}
      data-range={view ? view.scene.range.map((v) => v.toPrecision(9)).join(',') : ''}
      aria-label="Topomap"
    >
      <div className="panel-head">
        <h2>Topomap</h2>
        <select aria-label="Map of" value={s.mapSource} onChange={(e) => setMapSource(e.target.value as MapSource)}>
          {sources.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        <span className="seg" role="group" aria-label="Map time">
          <button type="button" aria-pressed={s.topoMode === 'cursor' && !joint} className={s.topoMode === 'cursor' && !joint ? 'on' : ''} onClick={() => setTopoMode('cursor')}>
            At cursor
          </button>
          <button type="button" aria-pressed={s.topoMode === 'window' && !joint} className={s.topoMode === 'window' && !joint ? 'on' : ''} data-testid="topo-window" onClick={() => setTopoMode('window')}>
            Window mean
          </button>
          <button type="button" aria-pressed={s.multiples === 'peaks'} className={s.multiples === 'peaks' ? 'on' : ''} title="Joint plot: maps at the largest global-field-power peaks inside the time window" onClick={() => setMultiples('peaks')}>
            GFP peaks
          </button>
          <button type="button" aria-pressed={s.multiples === 'times'} className={s.multiples === 'times' ? 'on' : ''} title="Joint plot: maps at the times you list" onClick={() => setMultiples('times')}>
            At times
          </button>
        </span>
        {s.multiples === 'times' && (
          <span className="number-field">
            <input
              className="times-input"
              aria-label="Times (ms)"
              data-testid="map-times"
              aria-invalid={timesError ? true : undefined}
              aria-describedby={timesError ? 'map-times-error' : undefined}
              value={timesDraft ?? s.multipleTimes}
              onChange={(e) => {
                setTimesDraft(e.target.value);
                setTimesError(null);
              }}
              onKeyDown={(e) => {
                if (e.key === 'Enter') commitTimes(timesDraft ?? s.multipleTimes);
                if (e.key === 'Escape') {
                  setTimesDraft(null);
                  setTimesError(null);
                }
              }}
              onBlur={() => timesDraft !== null && commitTimes(timesDraft)}
            />
            {timesError && (
              <span className="field-error" id="map-times-error" role="alert">
                Times not applied: {timesError.join('; ')}
              </span>
            )}
          </span>
        )}
        {s.multiples === 'peaks' && (
          <label className="small-label">
            Peaks ≥
            <NumberField label="GFP peak threshold (% of max)" testId="peak-threshold" value={Math.round(s.peakThreshold * 100)} min={1} max={100} step={5} unit="%" className="narrow" onCommit={(v) => setPeakThreshold(v / 100)} />% of max GFP
          </label>
        )}
        <label className="small-label">
          Interpolation
          <select aria-label="Interpolation" data-testid="topo-method" value={s.topoMethod} onChange={(e) => setTopoMethod(e.target.value as TopomapMethod)}>
            <option value="mne">MNE default (Clough-Tocher)</option>
            <option value="v4">EEGLAB v4 spline</option>
          </select>
        </label>
        <label className="small-label">
          Colour limits
          <select value={s.colorScale} onChange={(e) => setColorScale(e.target.value as 'fixed' | 'frame')}>
            <option value="fixed">fixed over the epoch</option>
            <option value="frame">{joint ? 'shared by these maps' : 'per map'}</option>
          </select>
        </label>
      </div>
      {view && jointSpec ? (
        <JointView spec={jointSpec} filename="joint" onSensorClick={(k) => toggleChannel(names[k])} onTimeClick={(i) => setCursor(i)} />
      ) : view ? (
        <TopomapView scene={view.scene} height={340} filename="topomap" onSensorClick={(k) => toggleChannel(names[k])} />
      ) : (
        <div className="empty">{enc.items.length ? 'No images in this selection (assign images to both conditions).' : 'Add images to see the scalp map.'}</div>
      )}
      <p className="caption">
        {grid.method === 'mne'
          ? "MNE-Python 1.3's default interpolation (Clough-Tocher with extrapolate='head', border='mean', computed by MNE itself) on MNE's 2-D sensor positions"
          : "Biharmonic-spline interpolation (EEGLAB 'v4') on MNE's 2-D sensor positions"}
        ; colour limits as MNE sets them (±max on RdBu_r, or 0…max on Reds when every value is ≥ 0) taken over {s.colorScale === 'fixed' ? 'the whole epoch, so maps compare across time (MNE takes the plotted times only: choose “shared by these maps” for that)' : 'the maps shown, as MNE does'}; contours as MNE's evoked.plot_topomap places them. Click a sensor to
        (de)select it; filled dots are selected. {EEG_DATA_NOTE}
      </p>
    </section>
  );
}
