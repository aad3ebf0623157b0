import { useDeferredValue, useMemo } from 'react';
import { sensorsFor } from '../../viz/channels.ts';
import { EEG_DATA_NOTE, EEG_UNIT_LONG, timesMs } from '../../viz/plots.ts';
import type { TopoPanel, TopomapScene } from '../../viz/topomap_render.ts';
import { column, gfp, meanChannelsByTime, meanOverTimes, peaks, subtract } from '../../viz/stats.ts';
import { makeTopomapGrid, symmetricLimit } from '../../viz/topomap.ts';
import { imagesFor, useEncoded, useSelection, type Encoded } from '../derived.ts';
import { set, times, useApp, type MapSource } from '../store.ts';
import { TopomapView } from './TopomapView.tsx';
import { toggleChannel } from './ChannelPicker.tsx';
import { nearestIndex } from './TimePicker.tsx';

const gridCache = new Map<string, ReturnType<typeof makeTopomapGrid>>();
export function topomapGrid(names: string[]) {
  const key = names.join(',');
  let g = gridCache.get(key);
  if (!g) {
    g = makeTopomapGrid(sensorsFor(names), 72);
    gridCache.set(key, g);
  }
  return g;
}

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
  const grid = useMemo(() => topomapGrid(names), [names]);

  const view = useMemo(() => {
    const t0 = performance.now();
    const ct = sourceCT(enc, s.mapSource, s.diffA, s.diffB);
    const C = names.length;
    const T = tms.length;
    if (!ct) return null;
    let frames: { idx: number | null; title: string }[];
    if (s.multiples === 'peaks') {
      const g = gfp(ct, C, T);
      const inWin = Float32Array.from(g, (v, i) => (s.timeMask[i] ? v : NaN));
      frames = peaks(inWin, 5, 4).map((i) => ({ idx: i, title: `${tms[i]} ms (GFP peak)` }));
    } else if (s.multiples === 'times') {
      const list = s.multipleTimes
        .split(/[,;\s]+/)
        .map(Number)
        .filter((v) => Number.isFinite(v))
        .slice(0, 8);
      frames = [...new Set(list.map((ms) => nearestIndex(ms, tms)))].map((i) => ({ idx: i, title: `${tms[i]} ms` }));
    } else if (s.topoMode === 'window') {
      const a = tms[t[0]];
      const b = tms[t[t.length - 1]];
      frames = [{ idx: null, title: t.length ? `mean ${a}…${b} ms` : 'no samples selected' }];
    } else {
      frames = [{ idx: s.cursor, title: `${tms[s.cursor]} ms` }];
    }
    const panels: TopoPanel[] = frames.map((f) => ({
      values: f.idx === null ? meanOverTimes(ct, C, T, t) : column(ct, C, T, f.idx),
      title: frames.length > 1 ? f.title : undefined,
    }));
    const lim = s.colorScale === 'fixed' ? symmetricLimit(ct) : symmetricLimit(...panels.map((p) => p.values));
    const label = sourceLabel(enc, s.mapSource, s.diffA, s.diffB);
    const title = frames.length === 1 ? `${label} · ${frames[0].title}` : label;
    const scene: TopomapScene = { grid, panels, range: [-lim, lim], selected: chMask, names, unit: EEG_UNIT_LONG, title };
    const height = frames.length > 2 ? 240 : frames.length === 2 ? 290 : 340;
    return { scene, height, ms: performance.now() - t0, values: panels[0].values };
  }, [enc, names, t, chMask, grid, tms, s.mapSource, s.diffA, s.diffB, s.multiples, s.multipleTimes, s.topoMode, s.cursor, s.colorScale, s.timeMask]);

  const sources: { value: MapSource; label: string }[] = [
    { value: 'all', label: 'Mean over images' },
    ...s.conditions.map((c) => ({ value: `cond:${c}` as MapSource, label: `Condition: ${c}` })),
    ...(s.conditions.length >= 2 && s.diffA && s.diffB ? [{ value: 'diff' as MapSource, label: `Difference ${s.diffA} − ${s.diffB}` }] : []),
    ...enc.items.map((it, i) => ({ value: `img:${it.id}` as MapSource, label: `Image ${i + 1}: ${it.name}` })),
  ];
  const sum = view ? Array.from(view.values).reduce((a, b) => a + b, 0) : 0;
  return (
    <section className="panel topomap-panel" data-testid="topomap" data-has-data={view ? 'true' : 'false'} data-compute-ms={view?.ms.toFixed(2)} data-values-sum={sum.toPrecision(8)} aria-label="Topomap">
      <div className="panel-head">
        <h2>Topomap</h2>
        <select aria-label="Map of" value={s.mapSource} onChange={(e) => set({ mapSource: e.target.value as MapSource })}>
          {sources.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        <span className="seg" role="radiogroup" aria-label="Map time">
          <button type="button" className={s.topoMode === 'cursor' ? 'on' : ''} onClick={() => set({ topoMode: 'cursor', multiples: 'off' })}>
            At cursor
          </button>
          <button type="button" className={s.topoMode === 'window' && s.multiples === 'off' ? 'on' : ''} data-testid="topo-window" onClick={() => set({ topoMode: 'window', multiples: 'off' })}>
            Window mean
          </button>
          <button type="button" className={s.multiples === 'peaks' ? 'on' : ''} title="Maps at the (up to 5) largest global-field-power peaks inside the time window" onClick={() => set({ multiples: 'peaks' })}>
            GFP peaks
          </button>
          <button type="button" className={s.multiples === 'times' ? 'on' : ''} onClick={() => set({ multiples: 'times' })}>
            At times
          </button>
        </span>
        {s.multiples === 'times' && <input className="times-input" aria-label="Times (ms)" value={s.multipleTimes} onChange={(e) => set({ multipleTimes: e.target.value })} />}
        <label className="small-label">
          Colour limits
          <select value={s.colorScale} onChange={(e) => set({ colorScale: e.target.value as 'fixed' | 'frame' })}>
            <option value="fixed">fixed over time (±max)</option>
            <option value="frame">per map (±max)</option>
          </select>
        </label>
      </div>
      {view ? (
        <TopomapView scene={view.scene} height={view.height} filename="topomap" onSensorClick={(k) => toggleChannel(names[k])} />
      ) : (
        <div className="empty">{enc.items.length ? 'No images in this selection (assign images to both conditions).' : 'Add images to see the scalp map.'}</div>
      )}
      <p className="caption">
        Biharmonic-spline interpolation (EEGLAB 'v4') on MNE's 2-D sensor positions, RdBu_r with symmetric limits, 6 contours. Click a sensor to
        (de)select it; filled dots are selected. {EEG_DATA_NOTE}
      </p>
    </section>
  );
}
