// User-named conditions: condition means, the difference wave and its topomap.
import { useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { PALETTE, timesMs } from '../../viz/plots.ts';
import { addCondition, assignByName, removeCondition, setDiffA, setDiffB } from '../actions/conditions.ts';
import { setCursor, toggleChannel } from '../actions/selection.ts';
import { conditionsAt, conditionsBase } from '../figures/conditions.ts';
import { nearestIndex } from '../figures/time_axis.ts';
import { topomapGrid } from '../figures/topomap_grid.ts';
import { useEncodedFor, useEncodedForPlots, useImagesNearScreen, useSelection } from '../state/encoded.ts';
import { times } from '../state/selectors.ts';
import { useApp, type ImageItem } from '../state/store.ts';
import { LinePlot } from './LinePlot.tsx';
import { SUBJECT_SPREAD_LABEL } from './SubjectsPanel.tsx';
import { TopomapView } from './TopomapView.tsx';

export function ConditionsPanel() {
  const enc = useEncodedForPlots();
  const panel = useRef<HTMLElement>(null);
  const images = useImagesNearScreen(panel);
  const { names, ch, chMask, t } = useSelection();
  // only what the panel reads (see TopomapPanel)
  const s = useApp(
    useShallow((a) => ({
      ...{ model: a.model, cursor: a.cursor, timeMask: a.timeMask, conditions: a.conditions, diffA: a.diffA, diffB: a.diffB },
      ...{ band: a.band, topoMode: a.topoMode, colorScale: a.colorScale, subjectSpread: a.subjectSpread },
    })),
  );
  const [draft, setDraft] = useState('');
  const [pattern, setPattern] = useState('');
  const [target, setTarget] = useState('');
  const tms = useMemo(() => timesMs(times()), [s.model]);
  // (what the condition means read: another map source's image mean leaves them as they are)
  const condEnc = useEncodedFor(enc, [...s.conditions, s.diffA, s.diffB].map((c) => `cond:${c}`));

  // the condition means once per change of the data or the choices; a cursor move only re-slices the difference
  const base = useMemo(
    () => conditionsBase({ enc: condEnc, ch, conditions: s.conditions, diffA: s.diffA, diffB: s.diffB, band: s.band, subjectSpread: s.subjectSpread }),
    [condEnc, ch, s.conditions, s.diffA, s.diffB, s.band, s.subjectSpread],
  );
  const view = useMemo(
    () =>
      conditionsAt(base, {
        ...{ enc: condEnc, names, ch, chMask, t, tms },
        ...{ cursor: s.cursor, timeMask: s.timeMask, conditions: s.conditions, diffA: s.diffA, diffB: s.diffB, band: s.band, topoMode: s.topoMode, colorScale: s.colorScale },
        grid: () => topomapGrid(names, useApp.getState().topoMethod),
        subjectSpread: s.subjectSpread,
      }),
    [base, condEnc, names, ch, chMask, t, tms, s.conditions, s.diffA, s.diffB, s.band, s.cursor, s.timeMask, s.topoMode, s.colorScale, s.subjectSpread],
  );

  const counts = useMemo(() => conditionCounts(images, s.conditions), [s.conditions, images]);
  return (
    <section ref={panel} className="panel conditions-panel" data-testid="conditions" aria-label="Conditions">
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
              <LinePlot figure={view.tc} filename="conditions" className="plot" onCursor={(x) => setCursor(nearestIndex(x, tms))} />
              {view.topo ? <TopomapView scene={view.topo} height={320} filename="difference-topomap" onSensorClick={(k) => toggleChannel(names[k])} /> : <div className="empty">Pick two different conditions that both have images for a difference map.</div>}
            </div>
          ) : null}
          {view && enc.subjects ? (
            <p className="caption" data-testid="conditions-subjects-note">
              Mean of {enc.subjects.paths.length} subjects; bands: {SUBJECT_SPREAD_LABEL[s.subjectSpread]}, on each subject's condition mean (n = {enc.subjects.paths.length}); the
              difference is formed within each subject before its spread is taken. The map is the subject mean's difference.
            </p>
          ) : null}
          {view ? null : (
            <div className="empty">{ch.length ? 'Assign encoded images to conditions to see their means.' : 'No channels selected.'}</div>
          )}
        </>
      )}
    </section>
  );
}

/** The images (not failed) of each condition, in the list's order: one pass over the gallery. */
function conditionCounts(images: readonly ImageItem[], conditions: readonly string[]): number[] {
  const byName = new Map<string, number>();
  for (const it of images) if (it.condition !== undefined && it.status !== 'error') byName.set(it.condition, (byName.get(it.condition) ?? 0) + 1);
  return conditions.map((c) => byName.get(c) ?? 0);
}
