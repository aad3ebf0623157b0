// Time window (two-thumb range over the 140 samples), an arbitrary 0/1 mask, and the time cursor with playback.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { maskSpans, timesMs } from '../../viz/plots.ts';
import { get, set, times, useApp } from '../store.ts';

export function setWindow(a: number, b: number) {
  const n = times().length;
  const lo = Math.max(0, Math.min(a, b));
  const hi = Math.min(n - 1, Math.max(a, b));
  set({ timeMask: Array.from({ length: n }, (_, i) => (i >= lo && i <= hi ? 1 : 0)) });
}

/** Index of the sample nearest to a time in ms. */
export function nearestIndex(ms: number, tms: number[]): number {
  let best = 0;
  for (let i = 1; i < tms.length; i++) if (Math.abs(tms[i] - ms) < Math.abs(tms[best] - ms)) best = i;
  return best;
}

export interface NumberFieldProps {
  label: string;
  value: number;
  /** Apply a parsed, in-range value; return a message to refuse it (it then stays in the field). */
  onCommit: (v: number) => string | null | void;
  min: number;
  max: number;
  step?: number;
  unit?: string;
  testId?: string;
  className?: string;
}

/**
 * A number field that applies what was typed on Enter or when it loses focus (typing "120" no
 * longer applies "1" and "12" on the way), says why it refuses a value, Escape reverts, and
 * ArrowUp/ArrowDown step and apply at once. It shows `value` again whenever that changes elsewhere.
 */
export function NumberField({ label, value, onCommit, min, max, step = 1, unit = '', testId, className }: NumberFieldProps) {
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const shown = useRef(value);
  if (shown.current !== value) {
    // the value moved (slider, brush, another field): the field follows unless the user is mid-edit
    shown.current = value;
    if (draft !== null && error === null) setDraft(null);
  }
  const commit = (text: string): boolean => {
    const t = text.trim().replace(',', '.');
    if (t === '') return fail(`enter a number${unit ? ` in ${unit}` : ''}`);
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(t)) return fail(`“${text.trim()}” is not a number`);
    const v = Number(t);
    if (v < min || v > max) return fail(`must be within ${min}…${max}${unit ? ` ${unit}` : ''}`);
    const refused = onCommit(v);
    if (refused) return fail(refused);
    setError(null);
    setDraft(null);
    return true;
  };
  const fail = (msg: string) => {
    setError(msg);
    return false;
  };
  return (
    <span className={`number-field ${className ?? ''}`}>
      <input
        type="text"
        inputMode="decimal"
        aria-label={label}
        data-testid={testId}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? id : undefined}
        value={draft ?? String(value)}
        onChange={(e) => {
          setDraft(e.target.value);
          if (error) setError(null);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit(draft ?? String(value));
          } else if (e.key === 'Escape') {
            setDraft(null);
            setError(null);
          } else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
            e.preventDefault();
            const base = Number((draft ?? String(value)).replace(',', '.'));
            const next = Math.min(max, Math.max(min, (Number.isFinite(base) ? base : value) + (e.key === 'ArrowUp' ? step : -step)));
            commit(String(next));
          }
        }}
        onBlur={() => {
          if (draft !== null) commit(draft);
        }}
      />
      {error && (
        <span className="field-error" id={id} role="alert">
          {label}: {error}
        </span>
      )}
    </span>
  );
}

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
    const id = setInterval(() => {
      const s = get();
      const idx = s.timeMask.flatMap((v, i) => (v ? [i] : []));
      const pool = idx.length ? idx : s.timeMask.map((_, i) => i);
      const k = pool.indexOf(s.cursor);
      set({ cursor: pool[(k + 1) % pool.length] });
    }, 1000 / fps);
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
        <button type="button" className="small" aria-label="Previous sample" onClick={() => set({ cursor: Math.max(0, cursor - 1) })}>
          ◀
        </button>
        <input className="cursor-range" type="range" min={0} max={tms.length - 1} step={1} value={cursor} aria-label="Time cursor" data-testid="cursor" onChange={(e) => set({ cursor: Number(e.target.value) })} />
        <button type="button" className="small" aria-label="Next sample" onClick={() => set({ cursor: Math.min(tms.length - 1, cursor + 1) })}>
          ▶
        </button>
        <strong className="cursor-value">{tms[cursor]} ms</strong>
        <button type="button" className="small" data-testid="play" onClick={() => set({ playing: !playing })}>
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
              set({ timeMask: [...v].map(Number) });
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
