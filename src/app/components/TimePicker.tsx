// Time window (two-thumb range over the 140 samples), an arbitrary 0/1 mask, and the time cursor with playback.
import { useEffect, useMemo, useState } from 'react';
import { maskSpans, timesMs } from '../../viz/plots.ts';
import { advanceCursor, setCursor, setTimeMask, setWindow, togglePlaying } from '../actions/selection.ts';
import { nearestIndex } from '../figures/time_axis.ts';
import { times } from '../state/selectors.ts';
import { useApp } from '../state/store.ts';
import { NumberField } from './NumberField.tsx';

export function TimePicker() {
  const model = useApp((s) => s.model);
  const mask = useApp((s) => s.timeMask);
  const cursor = useApp((s) => s.cursor);
  const playing = useApp((s) => s.playing);
  const tms = useMemo(() => timesMs(times()), [model]);
  const spans = maskSpans(mask);
  const first = spans.length ? spans[0][0] : 0;
  const last = spans.length ? spans[spans.length - 1][1] : tms.length - 1;
  const count = mask.reduce((a, b) => a + b, 0);
  const [fps, setFps] = useState(20);
  const [maskText, setMaskText] = useState<string | null>(null);
  const [maskError, setMaskError] = useState<string | null>(null);
  const step = tms.length > 1 ? tms[1] - tms[0] : 5;

  // Playback loops the cursor through the selected window (all samples when the window is empty).
  useEffect(() => {
    if (!playing) return;
    const id = setInterval(advanceCursor, 1000 / fps);
    return () => clearInterval(id);
  }, [playing, fps]);

  const pct = (i: number) => (100 * i) / (tms.length - 1);
  return (
    <section className="panel time-picker" data-testid="time-picker" data-window={`${tms[first]},${tms[last]}`} data-count={count} data-cursor-ms={tms[cursor]} aria-label="Time">
      <div className="time-row">
        <span className="label">Window</span>
        <div className="dual-range">
          <div className="track" />
          <div className="fill" style={{ left: `${pct(first)}%`, width: `${pct(last) - pct(first)}%` }} />
          <div className="cursor-mark" style={{ left: `${pct(cursor)}%` }} />
          <input type="range" min={0} max={tms.length - 1} step={1} value={first} aria-label="Window start" data-testid="window-start" onChange={(e) => setWindow(Math.min(Number(e.target.value), last), last)} />
          <input type="range" min={0} max={tms.length - 1} step={1} value={last} aria-label="Window end" data-testid="window-end" onChange={(e) => setWindow(first, Math.max(Number(e.target.value), first))} />
        </div>
        <span className="nums">
          <NumberField
            label="Window start (ms)"
            testId="window-start-ms"
            value={tms[first]}
            step={step}
            min={tms[0]}
            max={tms[tms.length - 1]}
            unit="ms"
            onCommit={(v) => {
              const i = nearestIndex(v, tms);
              if (i > last) return `must not be after the end (${tms[last]} ms)`;
              setWindow(i, last);
            }}
          />
          –
          <NumberField
            label="Window end (ms)"
            testId="window-end-ms"
            value={tms[last]}
            step={step}
            min={tms[0]}
            max={tms[tms.length - 1]}
            unit="ms"
            onCommit={(v) => {
              const i = nearestIndex(v, tms);
              if (i < first) return `must not be before the start (${tms[first]} ms)`;
              setWindow(first, i);
            }}
          />
          ms
        </span>
        <span className="info" data-testid="window-info">
          {count} of {tms.length} samples
          {spans.length > 1 ? ` in ${spans.length} runs: ${spans.map(([a, b]) => (a === b ? `${tms[a]}` : `${tms[a]}–${tms[b]}`)).join(', ')} ms` : ''}
        </span>
        <button type="button" className="small" onClick={() => setWindow(0, tms.length - 1)}>
          All
        </button>
        <button type="button" className="small" onClick={() => setWindow(nearestIndex(0, tms), tms.length - 1)}>
          ≥ 0 ms
        </button>
      </div>
      <div className="time-row">
        <span className="label">Cursor</span>
        <button type="button" className="small" aria-label="Previous sample" onClick={() => setCursor(Math.max(0, cursor - 1))}>
          ◀
        </button>
        <input className="cursor-range" type="range" min={0} max={tms.length - 1} step={1} value={cursor} aria-label="Time cursor" data-testid="cursor" onChange={(e) => setCursor(Number(e.target.value))} />
        <button type="button" className="small" aria-label="Next sample" onClick={() => setCursor(Math.min(tms.length - 1, cursor + 1))}>
          ▶
        </button>
        <strong className="cursor-value">{tms[cursor]} ms</strong>
        <button type="button" className="small" data-testid="play" onClick={togglePlaying}>
          {playing ? '❚❚ Pause' : '► Play'}
        </button>
        <label className="small-label">
          <select value={fps} onChange={(e) => setFps(Number(e.target.value))} aria-label="Playback speed">
            <option value={5}>5 frames/s</option>
            <option value={10}>10 frames/s</option>
            <option value={20}>20 frames/s</option>
            <option value={40}>40 frames/s</option>
          </select>
        </label>
        <details className="mask-edit">
          <summary>0/1 mask</summary>
          <input
            type="text"
            spellCheck={false}
            className="mono"
            aria-label="Timepoint mask (140 characters of 0/1)"
            aria-invalid={maskError ? true : undefined}
            value={maskText ?? mask.join('')}
            onChange={(e) => {
              setMaskText(e.target.value);
              setMaskError(null);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') e.currentTarget.blur();
              if (e.key === 'Escape') {
                setMaskText(null);
                setMaskError(null);
              }
            }}
            onBlur={() => {
              if (maskText === null) return;
              const v = maskText.replace(/\s/g, '');
              const err = v.length !== tms.length ? `needs ${tms.length} characters, got ${v.length}` : !/^[01]+$/.test(v) ? 'only 0 and 1 allowed' : !v.includes('1') ? 'select at least one sample (BERG needs one 1)' : null;
              if (err) return setMaskError(err);
              setTimeMask([...v].map(Number));
              setMaskText(null);
            }}
          />
          {maskError && (
            <div className="field-error" role="alert">
              Mask: {maskError}
            </div>
          )}
          <div className="hint">Same format as the CLI's --timepoints: {tms.length} characters, one per sample; applies on Enter or when you leave the field.</div>
        </details>
      </div>
    </section>
  );
}
