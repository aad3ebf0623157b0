// Time window (two-thumb range over the 140 samples), an arbitrary 0/1 mask, and the time cursor with playback.
import { useEffect, useMemo, useState } from 'react';
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
          <input type="number" aria-label="Window start (ms)" value={tms[first]} step={step} min={tms[0]} max={tms[tms.length - 1]} onChange={(e) => setWindow(nearestIndex(Number(e.target.value), tms), last)} />
          –
          <input type="number" aria-label="Window end (ms)" value={tms[last]} step={step} min={tms[0]} max={tms[tms.length - 1]} onChange={(e) => setWindow(first, nearestIndex(Number(e.target.value), tms))} />
          ms
        </span>
        <span className="info">
          {count} of {tms.length} samples{spans.length > 1 ? ` in ${spans.length} runs` : ''}
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
            value={maskText ?? mask.join('')}
            onChange={(e) => {
              const v = e.target.value.replace(/\s/g, '');
              setMaskText(v);
              if (v.length === tms.length && /^[01]+$/.test(v)) {
                set({ timeMask: [...v].map(Number) });
                setMaskText(null);
              }
            }}
            onBlur={() => setMaskText(null)}
          />
          <div className="hint">Same format as the CLI's --timepoints: {tms.length} characters, one per sample.</div>
        </details>
      </div>
    </section>
  );
}
