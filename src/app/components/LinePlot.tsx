// A line figure (a plots.ts spec: time courses, bands, a lower panel) painted on a canvas
// (viz/line_canvas.ts): a channel change repaints it in a few ms, where a plotly update
// recomputes the whole figure. The time cursor and the window's shading are elements over and
// under the canvas, as Plot draws them for plotly: moving them repaints nothing. Hover names each
// line's value at the nearest sample; a click moves the cursor, a horizontal drag sets the window;
// the downloads draw the whole spec (cursor and window included) with plotly.
import { useLayoutEffect, useMemo, useRef } from 'react';
import type { Figure } from '../../viz/plots.ts';
import { hoverText, lineScene, paintLineScene, xPixel, xValue, type LineScene } from '../../viz/line_canvas.ts';
import { CanvasPlot, type CanvasFigure } from './CanvasPlot.tsx';
import { downloadFigure, splitOverlays, WINDOW_FILL } from './Plot.tsx';

export interface LinePlotProps {
  figure: Figure;
  /** File name stem for PNG/SVG download. */
  filename: string;
  className?: string;
  /** A click at this x (data units, e.g. ms). */
  onCursor?: (x: number) => void;
  /** A horizontal drag over [x0, x1] (data units, in order). */
  onWindow?: (x0: number, x1: number) => void;
}

/** Trace by trace the same arrays and options, and the same layout: the painted canvas stands. */
function sameFigure(a: Figure, b: Figure): boolean {
  if (a === b) return true;
  if (a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i] as Record<string, unknown>;
    const y = b.data[i] as Record<string, unknown>;
    if (x === y) continue;
    const keys = Object.keys(x);
    if (keys.length !== Object.keys(y).length) return false;
    for (const k of keys) {
      const u = x[k];
      const v = y[k];
      if (u === v) continue;
      // arrays by identity (the panels keep them), small option objects by value
      if (Array.isArray(u) || ArrayBuffer.isView(u) || !u || typeof u !== 'object' || JSON.stringify(u) !== JSON.stringify(v)) return false;
    }
  }
  return JSON.stringify(a.layout) === JSON.stringify(b.layout);
}

export function LinePlot({ figure, filename, className, onCursor, onWindow }: LinePlotProps) {
  const handlers = useRef({ onCursor, onWindow });
  handlers.current = { onCursor, onWindow };
  const whole = useRef(figure);
  whole.current = figure;
  const split = splitOverlays(figure);
  const kept = useRef(split.figure);
  if (!sameFigure(kept.current, split.figure)) kept.current = split.figure;
  const base = kept.current;
  const height = Number(base.layout.height ?? 360);
  const canDrag = Boolean(onWindow);
  const fig = useMemo<CanvasFigure & { scene(w: number, h: number): LineScene }>(() => {
    let last: { w: number; h: number; scene: LineScene } | null = null;
    let attrsOf: { scene: LineScene; attrs: Record<string, string> } | null = null;
    const scene = (w: number, h: number) => (last && last.w === w && last.h === h ? last.scene : (last = { w, h, scene: lineScene(base, w, h) }).scene);
    const inside = (s: LineScene, x: number) => Math.min(s.right, Math.max(s.left, x));
    const s0 = lineScene(base, 600, height);
    const names = s0.traces.filter((t) => t.legend).map((t) => t.name);
    const listed = names.length > 50 ? `${names.slice(0, 50).join('; ')}; … (${names.length} in all)` : names.join('; ');
    return {
      scene,
      label: [s0.title || 'Line plot', names.length ? `lines: ${listed}` : ''].filter(Boolean).join('. '),
      draw: (ctx, w, h, dpr) => paintLineScene(ctx, scene(w, h), dpr),
      hit: (x, y, w, h) => {
        const text = hoverText(scene(w, h), x, y);
        return text ? { text, clickable: Boolean(handlers.current.onCursor) } : null;
      },
      click: (x, _y, w, h) => {
        const s = scene(w, h);
        if (x >= s.left && x <= s.right) handlers.current.onCursor?.(xValue(s, x));
      },
      drag: canDrag
        ? (x0, x1, w, h) => {
            const s = scene(w, h);
            handlers.current.onWindow?.(xValue(s, inside(s, Math.min(x0, x1))), xValue(s, inside(s, Math.max(x0, x1))));
          }
        : undefined,
      download: (format, w, h) => downloadFigure(whole.current, filename, format, w, h),
      // (asked on every render, a cursor move's included: counted once per scene)
      attrs: (w, h) => {
        const s = scene(w, h);
        if (attrsOf?.scene === s) return attrsOf.attrs;
        let points = 0;
        for (const t of s.traces) for (let i = 0; i < t.y.length; i++) if (Number.isFinite(t.y[i]) && Number.isFinite(t.x[i])) points++;
        const attrs = { lines: String(s.traces.length), points: String(points), 'x-range': s.x.range.map((v) => v.toPrecision(6)).join(','), 'plot-box': [s.left, s.top, s.right, s.bottom].map((v) => v.toFixed(1)).join(',') };
        attrsOf = { scene: s, attrs };
        return attrs;
      },
    };
  }, [base, filename, height, canDrag]);

  // the overlays' moves count as draws (tests and the benchmark wait for data-drawn-at)
  const marks = useRef<HTMLDivElement>(null);
  const overlayKey = `${split.cursor}|${split.spans.join(';')}`;
  useLayoutEffect(() => {
    const host = marks.current?.parentElement;
    if (host) host.dataset.drawnAt = String(performance.now());
  }, [overlayKey]);

  const overlay = (w: number, h: number) => {
    const s = fig.scene(w, h);
    const bottom = s.axes.reduce((m, a) => Math.max(m, a.bottom), s.bottom);
    const px = split.cursor === null ? NaN : xPixel(s, split.cursor);
    return (
      <div ref={marks} className="line-marks" aria-hidden="true">
        {split.spans.map(([a, b], i) => {
          const lo = Math.max(s.left, xPixel(s, Math.min(a, b)));
          const hi = Math.min(s.right, xPixel(s, Math.max(a, b)));
          return hi > lo ? <div key={i} className="line-window" style={{ left: lo, width: hi - lo, top: s.top, height: bottom - s.top, background: WINDOW_FILL }} /> : null;
        })}
        {px >= s.left - 0.5 && px <= s.right + 0.5 && <div className="plot-cursor" style={{ display: 'block', transform: `translateX(${px.toFixed(2)}px)`, top: s.top, height: bottom - s.top }} />}
      </div>
    );
  };
  return <CanvasPlot figure={fig} height={height} filename={filename} className={`line-plot ${className ?? ''}`} overlay={overlay} />;
}
