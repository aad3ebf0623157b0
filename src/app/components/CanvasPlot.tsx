// A figure painted on a canvas: redrawn in a few ms on every change (cheap enough to follow the
// time cursor while the engine works), with tooltips, clicks and PNG/SVG download.
import { useEffect, useRef, useState } from 'react';
import { download } from '../export.ts';

export interface CanvasFigure {
  /** Paint at width x height CSS px with dpr device pixels per CSS px. */
  draw(ctx: CanvasRenderingContext2D, width: number, height: number, dpr: number): void;
  /** The same figure as a standalone SVG document. */
  svg(width: number, height: number): string;
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
}

export function CanvasPlot({ figure, height, filename, className, data }: CanvasPlotProps) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [tip, setTip] = useState<{ x: number; y: number; text: string; clickable?: boolean } | null>(null);

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.floor(el.clientWidth)));
    ro.observe(el);
    setWidth(Math.floor(el.clientWidth));
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const c = canvas.current;
    if (!c || width <= 0) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(width * dpr);
    c.height = Math.round(height * dpr);
    c.style.width = `${width}px`;
    c.style.height = `${height}px`;
    figure.draw(c.getContext('2d')!, width, height, dpr);
  }, [figure, width, height]);

  const local = (e: React.MouseEvent) => {
    const r = canvas.current!.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top] as const;
  };
  const exportPng = () => {
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
  const exportSvg = () => download(`${filename}.svg`, new Blob([figure.svg(width, height)], { type: 'image/svg+xml' }));
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
          const h = figure.hit(x, y, width, height);
          setTip(h ? { x, y, ...h } : null);
        }}
        onMouseLeave={() => setTip(null)}
        onClick={(e) => figure.click?.(...local(e), width, height)}
      />
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
