// User-named conditions: condition means, the difference wave and its topomap.
import { useMemo, useState } from 'react';
import { EEG_UNIT_LONG, PALETTE, timecourseFigure, timesMs, type Series } from '../../viz/plots.ts';
import type { TopomapScene } from '../../viz/topomap_render.ts';
import { band, column, meanChannelsByTime, meanOverTimes, repSeries, subtract } from '../../viz/stats.ts';
import { symmetricLimit } from '../../viz/topomap.ts';
import { addCondition, assignByName, removeCondition, setDiffA, setDiffB } from '../actions/conditions.ts';
import { setCursor, toggleChannel } from '../actions/selection.ts';
import { nearestIndex } from '../figures/time_axis.ts';
import { topomapGrid } from '../figures/topomap_grid.ts';
import { imagesFor, useEncodedForPlots, useSelection } from '../state/encoded.ts';
import { times } from '../state/selectors.ts';
import { useApp } from '../state/store.ts';
import { Plot } from './Plot.tsx';
import { TopomapView } from './TopomapView.tsx';

export function ConditionsPanel() {
  const enc = useEncodedForPlots();
  const { names, ch, chMask, t } = useSelection();
  const s = useApp();
  const [draft, setDraft] = useState('');
  const [pattern, setPattern] = useState('');
  const [target, setTarget] = useState('');
  const tms = useMemo(() => timesMs(times()), [s.model]);

  const view = useMemo(() => {
    if (!enc.dims.B || !s.conditions.length || !ch.length) return null;
    const T = enc.dims.T;
    const series: Series[] = [];
    s.conditions.forEach((c, k) => {
      const idx = imagesFor(enc, `cond:${c}`);
      if (!idx.length) return;
      const b = band(repSeries(enc.data, enc.dims, idx, ch), enc.dims.R, T, s.band);
      series.push({ name: `${c} (n=${idx.length})`, mean: b.mean, lo: s.band === 'none' ? undefined : b.lo, hi: s.band === 'none' ? undefined : b.hi, color: PALETTE[k % PALETTE.length] });
    });
    const a = imagesFor(enc, `cond:${s.diffA}`);
    const b = imagesFor(enc, `cond:${s.diffB}`);
    let topo: TopomapScene | null = null;
    if (a.length && b.length && s.diffA !== s.diffB) {
      // Difference wave: A - B per repetition, so the band reflects repetition spread of the difference.
      const ra = repSeries(enc.data, enc.dims, a, ch);
      const rb = repSeries(enc.data, enc.dims, b, ch);
      const d = band(subtract(ra, rb), enc.dims.R, T, 'none');
      series.push({ name: `${s.diffA} − ${s.diffB}`, mean: d.mean, color: '#000000', width: 2.4, dash: 'dash' });
      const ct = subtract(meanChannelsByTime(enc.data, enc.dims, a), meanChannelsByTime(enc.data, enc.dims, b));
      const C = names.length;
      const values = s.topoMode === 'window' ? meanOverTimes(ct, C, T, t) : column(ct, C, T, s.cursor);
      const lim = s.colorScale === 'fixed' ? symmetricLimit(ct) : symmetricLimit(values);
      const when = s.topoMode === 'window' && t.length ? `mean ${tms[t[0]]}…${tms[t[t.length - 1]]} ms` : `${tms[s.cursor]} ms`;
      topo = { grid: topomapGrid(names, s.topoMethod), panels: [{ values }], range: [-lim, lim], selected: chMask, names, unit: EEG_UNIT_LONG, title: `${s.diffA} − ${s.diffB} · ${when}` };
    }
    if (!series.length) return null;
    const chLabel = ch.length === names.length ? 'all channels' : `${ch.length} selected channel${ch.length > 1 ? 's' : ''}`;
    const tc = timecourseFigure({ timesMs: tms, series, cursorMs: tms[s.cursor], mask: s.timeMask, title: `Condition means over ${chLabel}`, height: 320 });
    return { tc, topo };
  }, [enc, names, ch, chMask, t, tms, s.conditions, s.diffA, s.diffB, s.band, s.cursor, s.timeMask, s.topoMode, s.colorScale, s.images]);

  const counts = s.conditions.map((c) => s.images.filter((i) => i.condition === c && i.status !== 'error').length);
  return (
    <section className="panel conditions-panel" data-testid="conditions" aria-label="Conditions">
      <div className="panel-head">
        <h2>Conditions</h2>
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            addCondition(draft);
            setDraft('');
          }}
        >
          <input aria-label="New condition name" placeholder="e.g. faces" value={draft} onChange={(e) => setDraft(e.target.value)} data-testid="condition-name" />
          <button type="submit" className="small" data-testid="add-condition">
            Add condition
          </button>
        </form>
        {s.conditions.length > 0 && (
          <form
            className="inline"
            onSubmit={(e) => {
              e.preventDefault();
              assignByName(pattern, target || s.conditions[0]);
            }}
          >
            <span className="small-label">Names containing</span>
            <input aria-label="File name contains" value={pattern} onChange={(e) => setPattern(e.target.value)} placeholder="face" />
            <span className="small-label">→</span>
            <select aria-label="Assign to" value={target || s.conditions[0]} onChange={(e) => setTarget(e.target.value)}>
              {s.conditions.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
            <button type="submit" className="small">
              Assign
            </button>
          </form>
        )}
      </div>
      {s.conditions.length === 0 ? (
        <div className="empty">Name conditions (e.g. faces, houses), then assign each image with its selector in the gallery or by file name.</div>
      ) : (
        <>
          <div className="row cond-list">
            {s.conditions.map((c, k) => (
              <span key={c} className="chip" style={{ borderColor: PALETTE[k % PALETTE.length] }}>
                {c} · {counts[k]} image{counts[k] === 1 ? '' : 's'}
                <button type="button" aria-label={`Delete condition ${c}`} onClick={() => removeCondition(c)}>
                  ×
                </button>
              </span>
            ))}
            {s.conditions.length >= 2 && (
              <span className="small-label">
                Difference
                <select aria-label="Condition A" value={s.diffA} onChange={(e) => setDiffA(e.target.value)}>
                  {s.conditions.map((c) => (
                    <option key={c}>{c}</option>
                  ))}
                </select>
                −
                <select aria-label="Condition B" value={s.diffB} onChange={(e) => setDiffB(e.target.value)}>
                  {s.conditions.map((c) => (
                    <option key={c}>{c}</option>
                  ))}
                </select>
              </span>
            )}
          </div>
          {view ? (
            <div className="two-col">
              <Plot figure={view.tc} filename="conditions" className="plot" onClick={(e) => typeof e.points?.[0]?.x === 'number' && setCursor(nearestIndex(e.points[0].x as number, tms))} />
              {view.topo ? <TopomapView scene={view.topo} height={320} filename="difference-topomap" onSensorClick={(k) => toggleChannel(names[k])} /> : <div className="empty">Pick two different conditions that both have images for a difference map.</div>}
            </div>
          ) : (
            <div className="empty">{ch.length ? 'Assign encoded images to conditions to see their means.' : 'No channels selected.'}</div>
          )}
        </>
      )}
    </section>
  );
}
