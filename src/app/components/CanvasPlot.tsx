// A figure painted on a canvas: redrawn in a few ms on every change (cheap enough to follow the
// time cursor while the engine works), with tooltips, clicks, horizontal drags and PNG/SVG download.
import { useEffect, useRef, useState } from 'react';
import { download } from '../export.ts';
import { useNearScreen } from '../near_screen.ts';

export interface CanvasFigure {
  /** Paint at width x height CSS px with dpr device pixels per CSS px. */
  draw(ctx: CanvasRenderingContext2D, width: number, height: number, dpr: number): void;
  /** The same figure as a standalone SVG document (or `download` makes both files). */
  svg?(width: number, height: number): string;
  /** Makes the PNG or SVG download itself (e.g. through plotly from the figure's spec). */
  download?(format: 'png' | 'svg', width: number, height: number): void;
  /** A horizontal drag from x0 to x1 (CSS px; more than a few px, else it is a click). */
  drag?(x0: number, x1: number, width: number, height: number): void;
  /** Tooltip for the point (x, y) CSS px; clickable marks points where click() acts. */
  hit(x: number, y: number, width: number, height: number): { text: string; clickable?: boolean } | null;
  click?(x: number, y: number, width: number, height: number): void;
  /** Accessible description. */
  label: string;
  /** Extra data-* attributes for the drawn size (e.g. where things are, for tests and tools). */
  attrs?(width: number, height: number): Record<string, string>;
}

export interface CanvasPlotProps {
  figure: CanvasFigure;
  height: number;
  /** File name stem for PNG/SVG download. */
  filename: string;
  className?: string;
  data?: Record<string, string>;
  /** Elements laid over the canvas at its drawn size (CSS px), e.g. a cursor line that moves without a repaint. */
  overlay?: (width: number, height: number) => React.ReactNode;
}

/** A press that moves less than this (CSS px) is a click. */
const DRAG_PX = 4;

export function CanvasPlot({ figure, height, filename, className, data, overlay }: CanvasPlotProps) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [tip, setTip] = useState<{ x: number; y: number; text: string; clickable?: boolean } | null>(null);
  // a horizontal drag in progress: where it started and where the pointer is (CSS px)
  const [dragging, setDragging] = useState<{ x0: number; x: number } | null>(null);

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.floor(el.clientWidth)));
    ro.observe(el);
    setWidth(Math.floor(el.clientWidth));
    return () => ro.disconnect();
  }, []);

  // Far off screen it is not drawn: the drawing waits until the figure comes near (a cursor move
  // would otherwise draw every figure down the page for nobody to see).
  const near = useNearScreen(wrap);
  const drawn = useRef<{ figure: CanvasFigure; width: number; height: number } | null>(null);
  useEffect(() => {
    const c = canvas.current;
    if (!c || width <= 0 || !near) return;
    const last = drawn.current;
    if (last && last.figure === figure && last.width === width && last.height === height) return;
    drawn.current = { figure, width, height };
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(width * dpr);
    const h = Math.round(height * dpr);
    // a new size only when it changes: setting it makes a new bitmap (and GPU texture) each draw
    if (c.width !== w || c.height !== h) {
      c.width = w;
      c.height = h;
      c.style.width = `${width}px`;
      c.style.height = `${height}px`;
    }
    const ctx = c.getContext('2d')!;
    // the state and pixels a fresh bitmap has
    if (typeof ctx.reset === 'function') ctx.reset();
    else {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, w, h);
    }
    figure.draw(ctx, width, height, dpr);
    // when the drawing shows the figure: what tests and the benchmark wait for
    wrap.current!.dataset.drawnAt = String(performance.now());
  }, [figure, width, height, near]);

  const local = (e: React.MouseEvent) => {
    const r = canvas.current!.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top] as const;
  };
  const exportPng = () => {
    if (figure.download) return figure.download('png', width, height);
    const c = document.createElement('canvas');
    c.width = width * 2;
    c.height = height * 2;
    const ctx = c.getContext('2d')!;
    figure.draw(ctx, width, height, 2);
    // White behind the drawing: a transparent PNG looks broken in many viewers.
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, c.width, c.height);
    c.toBlob((b) => b && download(`${filename}.png`, b), 'image/png');
  };
  const exportSvg = () => {
    if (figure.download) figure.download('svg', width, height);
    else if (figure.svg) download(`${filename}.svg`, new Blob([figure.svg(width, height)], { type: 'image/svg+xml' }));
  };
  const dataAttrs = Object.fromEntries(Object.entries({ ...data, ...(width > 0 ? figure.attrs?.(width, height) : {}) }).map(([k, v]) => [`data-${k}`, v]));

  return (
    <div ref={wrap} className={`canvas-plot ${className ?? ''}`} style={{ height }} {...dataAttrs}>
      <canvas
        ref={canvas}
        role="img"
        aria-label={figure.label}
        style={{ cursor: tip?.clickable ? 'pointer' : 'default' }}
        onMouseMove={(e) => {
          const [x, y] = local(e);
          if (dragging) {
            setDragging({ ...dragging, x });
            setTip(null);
            return;
          }
          const h = figure.hit(x, y, width, height);
          setTip(h ? { x, y, ...h } : null);
        }}
        onMouseLeave={() => {
          setTip(null);
          setDragging(null);
        }}
        onMouseDown={(e) => {
          if (figure.drag && e.button === 0) setDragging({ x0: local(e)[0], x: local(e)[0] });
        }}
        onMouseUp={(e) => {
          const d = dragging;
          if (!d) return;
          const [x, y] = local(e);
          setDragging(null);
          if (Math.abs(x - d.x0) > DRAG_PX) figure.drag!(d.x0, x, width, height);
          else figure.click?.(x, y, width, height);
        }}
        // with drags, a click is a press released in place (onMouseUp)
        onClick={(e) => !figure.drag && figure.click?.(...local(e), width, height)}
      />
      {dragging && Math.abs(dragging.x - dragging.x0) > DRAG_PX && (
        <div className="canvas-drag" style={{ left: Math.min(dragging.x0, dragging.x), width: Math.abs(dragging.x - dragging.x0) }} />
      )}
      {width > 0 && overlay?.(width, height)}
      {/* The drawn title as text: screen readers, find-in-page and tests read it. */}
      <span className="sr-only">{figure.label}</span>
      {tip && (
        <div className="canvas-tip" style={{ left: tip.x + 12, top: tip.y + 12 }}>
          {tip.text}
        </div>
      )}
      <div className="canvas-tools">
        <button type="button" className="small" title="Download as PNG" onClick={exportPng}>
          PNG
        </button>
        <button type="button" className="small" title="Download as SVG" onClick={exportSvg}>
          SVG
        </button>
      </div>
    </div>
  );
}
