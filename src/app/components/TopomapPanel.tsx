import { useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { parseTimeList } from '../../viz/joint.ts';
import { EEG_DATA_NOTE, timesMs } from '../../viz/plots.ts';
import { gfp } from '../../viz/stats.ts';
import type { TopomapMethod } from '../../viz/topomap.ts';
import { toggleChannel, setCursor } from '../actions/selection.ts';
import { setColorScale, setMapSource, setMultiples, setMultipleTimes, setPeakThreshold, setTopoMethod, setTopoMode } from '../actions/view.ts';
import { sourceCT, subjectSpreadScene, topomapView } from '../figures/topomap.ts';
import { mneLoaded, mneReady, topomapGrid } from '../figures/topomap_grid.ts';
import { useEncodedShowing, useSelection } from '../state/encoded.ts';
import { times } from '../state/selectors.ts';
import { useApp, type MapSource } from '../state/store.ts';
import { NumberField } from './NumberField.tsx';
import { ImageChoice } from './ImageChoice.tsx';
import { JointView, TopomapView } from './TopomapView.tsx';

export function TopomapPanel() {
  const { names, t, chMask } = useSelection();
  // only what the map reads: the rest of the store (status, images, other panels' settings) changes often
  const s = useApp(
    useShallow((a) => ({
      ...{ model: a.model, topoMethod: a.topoMethod, multiples: a.multiples, multipleTimes: a.multipleTimes, mapSource: a.mapSource, diffA: a.diffA, diffB: a.diffB },
      ...{ topoMode: a.topoMode, cursor: a.cursor, colorScale: a.colorScale, timeMask: a.timeMask, peakThreshold: a.peakThreshold, subjectSpread: a.subjectSpread, conditions: a.conditions },
    })),
  );
  const shownGroups = s.mapSource === 'diff' ? [`cond:${s.diffA}`, `cond:${s.diffB}`] : [s.mapSource];
  const enc = useEncodedShowing(shownGroups);
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

  const fresh = useMemo(() => {
    const t0 = performance.now();
    if (!base) return null;
    const v = topomapView({
      ...{ ct: base.ct, g: base.g, enc, names, t, chMask, grid, tms },
      ...{ mapSource: s.mapSource, diffA: s.diffA, diffB: s.diffB, multiples: s.multiples, multipleTimes: s.multipleTimes, topoMode: s.topoMode, cursor: s.cursor },
      ...{ colorScale: s.colorScale, timeMask: s.timeMask, peakThreshold: s.peakThreshold, topoMethod: s.topoMethod },
    });
    return { ...v, ms: performance.now() - t0 };
    // A joint plot does not depend on the cursor (its line is added below), so moving it prepares no maps.
  }, [base, names, t, chMask, grid, tms, enc, s.mapSource, s.diffA, s.diffB, s.multiples, s.multipleTimes, s.topoMode, joint ? -1 : s.cursor, s.colorScale, s.timeMask, s.peakThreshold, s.topoMethod, joint]);
  const spreadMap = useMemo(() => {
    if (!base || !enc.subjects) return null;
    return subjectSpreadScene(
      {
        ...{ ct: base.ct, g: base.g, enc, names, t, chMask, grid, tms },
        ...{ mapSource: s.mapSource, diffA: s.diffA, diffB: s.diffB, multiples: s.multiples, multipleTimes: s.multipleTimes, topoMode: s.topoMode, cursor: s.cursor },
        ...{ colorScale: s.colorScale, timeMask: s.timeMask, peakThreshold: s.peakThreshold, topoMethod: s.topoMethod },
      },
      s.subjectSpread,
    );
  }, [base, names, t, chMask, grid, tms, enc, s.mapSource, s.diffA, s.diffB, s.multiples, s.multipleTimes, s.topoMode, s.cursor, s.colorScale, s.timeMask, s.peakThreshold, s.topoMethod, s.subjectSpread]);
  // A picked image or condition whose mean the worker has not sent yet: the map shown so far stays,
  // marked pending, rather than a blank panel until the answer's frame.
  const awaited = !fresh && enc.items.length > 0 && shownGroups.some((id) => !enc.groups.has(id));
  const last = useRef<{ view: NonNullable<typeof fresh>; spreadMap: typeof spreadMap; source: string } | null>(null);
  if (fresh) last.current = { view: fresh, spreadMap, source: s.mapSource };
  const kept = !fresh && awaited ? last.current : null;
  const view = fresh ?? kept?.view ?? null;
  const shownSpread = kept ? kept.spreadMap : spreadMap;
  const jointSpec = useMemo(() => (view?.jointSpec ? { ...view.jointSpec, cursorMs: tms[s.cursor] } : null), [view, s.cursor, tms]);

  const sourceGroups = useMemo(
    () => [
      { value: 'all', label: 'Mean over images' },
      ...s.conditions.map((c) => ({ value: `cond:${c}`, label: `Condition: ${c}` })),
      ...(s.conditions.length >= 2 && s.diffA && s.diffB ? [{ value: 'diff', label: `Difference ${s.diffA} − ${s.diffB}` }] : []),
    ],
    [s.conditions, s.diffA, s.diffB],
  );
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
      data-map-source={fresh ? s.mapSource : (kept?.source ?? '')}
      data-plot-pending={awaited ? '' : undefined}
      data-method={grid.method ?? 'v4'}
      data-compute-ms={view?.ms.toFixed(2)}
      data-values-sum={sum.toPrecision(8)}
      data-values={view ? Array.from(view.values, (v) => v.toPrecision(9)).join(',') : ''}
      data-range={view ? view.scene.range.map((v) => v.toPrecision(9)).join(',') : ''}
      aria-label="Topomap"
    >
      <div className="panel-head">
        <h2>Topomap</h2>
        <ImageChoice label="Map of" value={s.mapSource} groups={sourceGroups} items={enc.items} onChange={(v) => setMapSource(v as MapSource)} testId="map-source" />
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
      ) : view && shownSpread ? (
        <div className="topo-subjects">
          <TopomapView scene={view.scene} height={340} filename="topomap" onSensorClick={(k) => toggleChannel(names[k])} />
          <div data-testid="topomap-subject-spread" data-values={Array.from(shownSpread.values, (v) => v.toPrecision(9)).join(',')}>
            <TopomapView scene={shownSpread.scene} height={280} filename="topomap-subject-spread" onSensorClick={(k) => toggleChannel(names[k])} />
          </div>
        </div>
      ) : view ? (
        <TopomapView scene={view.scene} height={340} filename="topomap" onSensorClick={(k) => toggleChannel(names[k])} />
      ) : (
        <div className="empty">{enc.items.length ? 'No images in this selection (assign images to both conditions).' : 'Add images to see the scalp map.'}</div>
      )}
      <p className="caption">
        {enc.subjects
          ? `Subject mean: the map of the mean of ${enc.subjects.paths.length} subjects' responses${shownSpread ? `; below it the between-subject spread at each sensor (${s.subjectSpread === 'ci95' ? 'half-width of the t-based 95% CI' : s.subjectSpread === 'sd' ? 'SD' : 'SEM'} over the subjects’ own maps, n = ${enc.subjects.paths.length})` : joint ? ' (joint plots show no spread)' : ''}. `
          : ''}
        {grid.method === 'mne'
          ? "MNE-Python 1.3's default interpolation (Clough-Tocher with extrapolate='head', border='mean', computed by MNE itself) on MNE's 2-D sensor positions"
          : "Biharmonic-spline interpolation (EEGLAB 'v4') on MNE's 2-D sensor positions"}
        ; colour limits as MNE sets them (±max on RdBu_r, or 0…max on Reds when every value is ≥ 0) taken over {s.colorScale === 'fixed' ? 'the whole epoch, so maps compare across time (MNE takes the plotted times only: choose “shared by these maps” for that)' : 'the maps shown, as MNE does'}; contours as MNE's evoked.plot_topomap places them. Click a sensor to
        (de)select it; filled dots are selected. {EEG_DATA_NOTE}
      </p>
    </section>
  );
}
