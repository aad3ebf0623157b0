// Thin React wrapper over plotly: Plotly.react on every new figure; the time cursor drawn over the
// plot and the selected window's shading under it (a figure that differs only in those redraws
// nothing); events through refs; PNG and SVG export of the whole figure in a modebar that is one
// Tab stop and offers nothing that leaves the machine.
import { useEffect, useRef } from 'react';
import type { Config, PlotMouseEvent, PlotSelectionEvent, PlotlyHTMLElement } from 'plotly.js-dist-min';
import type { Figure } from '../../viz/plots.ts';

export interface PlotProps {
  figure: Figure;
  /** File name stem for PNG/SVG export. */
  filename: string;
  onClick?: (e: PlotMouseEvent) => void;
  onSelected?: (e: PlotSelectionEvent | undefined) => void;
  className?: string;
  style?: React.CSSProperties;
}

// plotly is most of the page's code (a 4.6 MB chunk): it loads on its own after the page is up,
// so the shell renders and the engine worker starts without waiting for it to parse.
// Evaluating it takes over a second of main-thread time here, so it waits for startPlotly()
// (called once the model is ready): on a 2-core machine it would otherwise slow the model's start.
type PlotlyModule = typeof import('plotly.js-dist-min');
let plotlyPromise: Promise<PlotlyModule> | null = null;
let openGate: () => void = () => undefined;
const gate = new Promise<void>((resolve) => (openGate = resolve));
export function startPlotly(): void {
  openGate();
}
function loadPlotly(): Promise<PlotlyModule> {
  plotlyPromise ??= gate.then(() => import('plotly.js-dist-min')).then((m) => (m as unknown as { default: PlotlyModule }).default ?? m);
  return plotlyPromise;
}

// Plot updates are queued and drawn one per task: when new responses arrive, every panel
// changes at once, and drawing them all in one task would block the page for the whole batch.
// While images are encoding the queue is held: one plotly draw costs a long main-thread task
// on a small machine whatever the data, so the plots catch up once, when encoding ends,
// and the page stays responsive meanwhile (the canvas topomap follows every batch).
const queue = new Map<HTMLDivElement, () => Promise<unknown>>();
let draining = false;
let held = false;

/** Hold plotly draws (true while encoding); releasing draws the latest figure of each plot. */
export function holdPlots(hold: boolean): void {
  held = hold;
  if (!hold && queue.size && !draining) drain();
}

function queueDraw(el: HTMLDivElement, draw: () => Promise<unknown>) {
  queue.set(el, draw); // a newer figure for the same plot replaces the queued one
  el.dataset.plotPending = ''; // until drawn: what tests and the bench wait for
  if (draining || held) return;
  drain();
}

function drain() {
  draining = true;
  const next = () => {
    const first = queue.entries().next();
    if (first.done || held) {
      draining = false;
      return;
    }
    const [key, job] = first.value;
    queue.delete(key);
    void job().finally(() => {
      if (!queue.has(key)) delete key.dataset.plotPending;
      setTimeout(next, 0);
    });
  };
  setTimeout(next, 0);
}

/**
 * Draw one throw-away figure with every trace type the panels use, off screen, while the page is
 * idle: plotly sets up each trace type on its first use (hundreds of ms), and without this that
 * happens when the first responses arrive, in the middle of encoding.
 */
export function warmUpPlotly(): void {
  const el = document.createElement('div');
  el.style.cssText = 'position:fixed;left:-10000px;top:0;width:320px;height:240px';
  document.body.appendChild(el);
  const data = [
    { type: 'scatter', mode: 'lines+markers', x: [0, 1], y: [0, 1], fill: 'tonexty' },
  ] as Plotly.Data[];
  const layout = { shapes: [{ type: 'path', path: 'M0,0L1,1Z' }], margin: { t: 0, l: 0, r: 0, b: 0 } } as Partial<Plotly.Layout>;
  queueDraw(el, async () => {
    const Plotly = await loadPlotly();
    await Plotly.newPlot(el, data, layout, { staticPlot: false }).finally(() => {
      Plotly.purge(el);
      el.remove();
    });
  });
}

const pngIcon = {
  width: 1000,
  height: 1000,
  // a picture: a frame (its inside cut out by the opposite winding), a mountain and a sun
  path: 'M100 150h800v700H100z M160 210v580h680V210z M220 260L420 560L560 390L780 260z M690 640a60 60 0 1 0 0.1 0z',
  transform: 'matrix(1 0 0 -1 0 1000)',
};

const svgIcon = {
  width: 1000,
  height: 1000,
  // "SVG" letters drawn as a simple document glyph.
  path: 'M200 50h450l150 150v750H200z M620 90v140h140 M300 520h400v60H300z M300 660h400v60H300z M300 380h250v60H300z',
  transform: 'matrix(1 0 0 -1 0 1000)',
};

/** Values equal as plotly would draw them: arrays element by element, objects key by key. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return false;
  if (ArrayBuffer.isView(a) || Array.isArray(a)) {
    const x = a as ArrayLike<unknown>;
    const y = b as ArrayLike<unknown>;
    if (!(ArrayBuffer.isView(b) || Array.isArray(b)) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!same(x[i], y[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The time cursor as timecourseFigure draws it: a red vertical line across the paper. */
function isCursor(sh: Record<string, unknown>): boolean {
  const line = sh.line as { color?: string } | undefined;
  return sh.name === 'cursor' || (sh.type === 'line' && sh.yref === 'paper' && sh.xref === 'x' && sh.x0 === sh.x1 && line?.color === '#c00');
}

/** The selected window as timecourseFigure shades it: amber rects across the paper, below the grid. */
function isWindowShade(sh: Record<string, unknown>): boolean {
  return sh.type === 'rect' && sh.xref === 'x' && sh.yref === 'paper' && sh.y0 === 0 && sh.y1 === 1 && sh.layer === 'below' && sh.fillcolor === WINDOW_FILL;
}
export const WINDOW_FILL = 'rgba(255,190,0,0.14)';

export interface Overlays {
  /** the figure plotly draws: without the cursor line and the window shading */
  figure: Figure;
  /** the cursor's x (data units), or null */
  cursor: number | null;
  /** the shaded window's runs [x0, x1] (data units) */
  spans: [number, number][];
}

/**
 * The figure without its cursor line and window shading, and where they are. Both are drawn as
 * positioned elements instead (the line over the plot, the shading under it, through a
 * transparent plot background, so that it stays below the grid and the traces as plotly draws
 * it): moving the cursor or the window then costs a few style changes, where any plotly update
 * (even a relayout of one shape) recomputes the whole figure's defaults. The shading moves out
 * only over a white plot background, which the page's white panel then stands in for.
 */
export function splitOverlays(fig: Figure): Overlays {
  const shapes = (fig.layout.shapes ?? []) as Record<string, unknown>[];
  const k = shapes.findIndex(isCursor);
  const white = fig.layout.plot_bgcolor === '#fff' || fig.layout.plot_bgcolor === '#ffffff' || fig.layout.plot_bgcolor === 'white';
  const shade = (sh: Record<string, unknown>) => white && isWindowShade(sh);
  const spans = shapes.filter(shade).map((sh) => [Number(sh.x0), Number(sh.x1)] as [number, number]);
  if (k < 0 && !white) return { figure: fig, cursor: null, spans };
  const layout = { ...fig.layout, shapes: shapes.filter((sh, i) => i !== k && !shade(sh)) } as Figure['layout'];
  if (white) layout.plot_bgcolor = 'rgba(0,0,0,0)';
  return { figure: { data: fig.data, layout }, cursor: k < 0 ? null : Number(shapes[k].x0), spans };
}

/**
 * What plotly gets: its own copy of every object it may write into (autorange writes axis ranges
 * back into the layout, traces gain fields), so the figure kept for comparison stays as built.
 * Data arrays are shared: plotly reads them only.
 */
function plotlyCopy(fig: Figure): Figure {
  const data = fig.data.map((t) =>
    Object.fromEntries(Object.entries(t as Record<string, unknown>).map(([k, v]) => [k, v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v) ? structuredClone(v) : v])),
  ) as Figure['data'];
  return { data, layout: structuredClone(fig.layout) };
}

/**
 * A legend of two or more entries goes under the plot, left-aligned: at the top right (where the
 * figure specs put it) a long one runs into the title. It is anchored to the figure's bottom edge
 * in the extra margin made for it: a position in plot fractions moves with the plot's height and
 * met the x axis's title on short plots.
 */
export function legendBelow(fig: Figure): Figure {
  const n = fig.data.filter((d) => (d as { showlegend?: boolean }).showlegend !== false && (d as { name?: string }).name).length;
  const legend = fig.layout.legend as { y?: number; yanchor?: string } | undefined;
  if (n < 2 || !fig.layout.title || !legend || legend.y !== 1 || legend.yanchor !== 'bottom') return fig;
  const rows = Math.ceil(n / 4);
  const margin = { ...(fig.layout.margin ?? {}), b: ((fig.layout.margin as { b?: number } | undefined)?.b ?? 44) + 20 * rows + 8 };
  return {
    data: fig.data,
    layout: { ...fig.layout, margin, legend: { ...legend, orientation: 'h', x: 0, xanchor: 'left', y: 0, yanchor: 'bottom', yref: 'container', bgcolor: 'rgba(255,255,255,0)' } as Figure['layout']['legend'] },
  };
}

/** The whole figure (cursor and window included) as a PNG (twice the pixels) or SVG file of that size, drawn by plotly. */
export function downloadFigure(fig: Figure, filename: string, format: 'png' | 'svg', width: number, height: number): void {
  void loadPlotly().then((Plotly) => {
    const own = plotlyCopy(legendBelow(fig));
    return Plotly.downloadImage(own as unknown as PlotlyHTMLElement, { format, filename, width, height, ...(format === 'png' ? { scale: 2 } : {}) } as Plotly.DownloadImgopts);
  });
}

type Axis = { _offset: number; _length: number; r2p: (v: number) => number };
type Drawn = { xaxis?: Axis; _size?: { t: number; h: number } };

/** Put the cursor line at x and the window's shading at spans (data units) on a drawn plot; the line is hidden outside the x range. */
function placeOverlays(gd: HTMLElement, line: HTMLElement | null, shade: HTMLElement | null, o: { cursor: number | null; spans: [number, number][] }) {
  const fl = (gd as unknown as { _fullLayout?: Drawn })._fullLayout;
  const xa = fl?.xaxis;
  const size = fl?._size;
  if (line) {
    const px = xa && size && o.cursor !== null ? xa._offset + xa.r2p(o.cursor) : NaN;
    if (!xa || !size || !(px >= xa._offset - 0.5 && px <= xa._offset + xa._length + 0.5)) line.style.display = 'none';
    else {
      line.style.display = 'block';
      line.style.transform = `translateX(${px.toFixed(2)}px)`;
      line.style.top = `${size.t}px`;
      line.style.height = `${size.h}px`;
    }
  }
  if (shade) {
    const rects: string[] = [];
    if (xa && size) {
      for (const [a, b] of o.spans) {
        const lo = Math.max(xa._offset, xa._offset + xa.r2p(Math.min(a, b)));
        const hi = Math.min(xa._offset + xa._length, xa._offset + xa.r2p(Math.max(a, b)));
        if (hi > lo) rects.push(`${lo.toFixed(2)},${(hi - lo).toFixed(2)}`);
      }
    }
    // one element per run, reused: a window drag changes two styles
    while (shade.children.length > rects.length) shade.lastElementChild!.remove();
    while (shade.children.length < rects.length) {
      const r = document.createElement('div');
      r.style.cssText = `position:absolute;background:${WINDOW_FILL};pointer-events:none`;
      shade.appendChild(r);
    }
    rects.forEach((r, i) => {
      const [left, width] = r.split(',');
      const st = (shade.children[i] as HTMLElement).style;
      st.left = `${left}px`;
      st.width = `${width}px`;
      st.top = `${size!.t}px`;
      st.height = `${size!.h}px`;
    });
  }
}

/** Plotly's modebar as one Tab stop: the first button is tabbable, arrow keys move between them. */
function rovingModebar(gd: HTMLElement) {
  const buttons = Array.from(gd.querySelectorAll<HTMLElement>('.modebar-btn'));
  buttons.forEach((b, i) => {
    b.setAttribute('tabindex', i === 0 ? '0' : '-1');
    b.setAttribute('role', 'button');
    if (!b.getAttribute('aria-label')) b.setAttribute('aria-label', b.getAttribute('data-title') ?? 'plot tool');
  });
  const bar = gd.querySelector<HTMLElement>('.modebar');
  if (!bar || bar.dataset.roving) return;
  bar.dataset.roving = '1';
  bar.setAttribute('role', 'toolbar');
  bar.setAttribute('aria-label', 'Plot tools (arrow keys move, Enter activates)');
  bar.addEventListener('keydown', (e) => {
    const all = Array.from(bar.querySelectorAll<HTMLElement>('.modebar-btn'));
    const i = all.indexOf(document.activeElement as HTMLElement);
    if (i < 0) return;
    let j = -1;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') j = (i + 1) % all.length;
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') j = (i - 1 + all.length) % all.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = all.length - 1;
    else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      all[i].dispatchEvent(new MouseEvent('click', { bubbles: true }));
      return;
    }
    if (j < 0) return;
    e.preventDefault();
    all.forEach((b, k) => b.setAttribute('tabindex', k === j ? '0' : '-1'));
    all[j].focus();
  });
}

export function Plot({ figure, filename, onClick, onSelected, className, style }: PlotProps) {
  const ref = useRef<HTMLDivElement>(null);
  const handlers = useRef({ onClick, onSelected });
  handlers.current = { onClick, onSelected };
  const bound = useRef(false);
  const drawn = useRef<{ figure: Figure; filename: string } | null>(null);
  const cursorLine = useRef<HTMLDivElement>(null);
  const shade = useRef<HTMLDivElement>(null);
  const overlays = useRef<Pick<Overlays, 'cursor' | 'spans'>>({ cursor: null, spans: [] });
  // the figure as given (cursor and window in it): what the PNG and SVG downloads draw
  const whole = useRef(figure);
  const split = splitOverlays(figure);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    overlays.current = split;
    whole.current = figure;
    const place = () => placeOverlays(el, cursorLine.current, shade.current, overlays.current);
    const prev = drawn.current;
    // A figure equal to the one drawn (or queued) but for the cursor and the window: only they move.
    if (prev && prev.filename === filename && same(prev.figure, legendBelow(split.figure))) {
      if (!queue.has(el)) {
        place();
        el.dataset.drawnAt = String(performance.now());
      }
      return;
    }
    const stripped = legendBelow(split.figure);
    drawn.current = { figure: stripped, filename };
    const download = (gd: PlotlyHTMLElement, format: 'png' | 'svg') => downloadFigure(whole.current, filename, format, gd.clientWidth, gd.clientHeight);
    const config: Partial<Config> & Record<string, unknown> = {
      responsive: true,
      displaylogo: false,
      scrollZoom: false,
      // Nothing leaves the machine: plotly 4's 'Send to Plotly Cloud' button is on by default and
      // uploads the figure's data; the server URL is emptied too, so no code path can reach it.
      showSendToCloud: false,
      showLink: false,
      showEditInChartStudio: false,
      plotlyServerURL: '',
      // plotly's own PNG button draws what is on screen, which lacks the cursor and the window
      modeBarButtonsToRemove: ['toImage', 'lasso2d', 'autoScale2d', 'sendChartToCloud', 'sendDataToCloud', 'editInChartStudio'],
      modeBarButtonsToAdd: [
        { name: 'downloadPng', title: 'Download plot as PNG', icon: pngIcon, click: (gd: PlotlyHTMLElement) => download(gd, 'png') },
        { name: 'downloadSvg', title: 'Download plot as SVG', icon: svgIcon, click: (gd: PlotlyHTMLElement) => download(gd, 'svg') },
      ],
    } as Partial<Config>;
    queueDraw(el, async () => {
      const Plotly = await loadPlotly();
      const t0 = performance.now();
      const own = plotlyCopy(stripped);
      const gd = await Plotly.react(el, own.data, own.layout, config as Partial<Config>);
      place();
      // Shows in the browser's performance tools (and bench_playground's timeline).
      performance.measure(`plot ${filename}`, { start: t0 });
      el.dataset.drawnAt = String(performance.now());
      rovingModebar(gd);
      if (bound.current) return;
      bound.current = true;
      gd.on('plotly_click', (e: PlotMouseEvent) => handlers.current.onClick?.(e));
      // zoom, pan, resize: the axis moved under the cursor line and the window
      gd.on('plotly_relayout', () => placeOverlays(el, cursorLine.current, shade.current, overlays.current));
      gd.on('plotly_afterplot', () => {
        placeOverlays(el, cursorLine.current, shade.current, overlays.current);
        rovingModebar(gd); // plotly rebuilds the modebar on some redraws (resize)
      });
      gd.on('plotly_selected', (e: PlotSelectionEvent) => handlers.current.onSelected?.(e));
    });
  }, [figure, filename]);

  useEffect(() => {
    const el = ref.current;
    return () => {
      if (el) {
        queue.delete(el);
        if (plotlyPromise) void plotlyPromise.then((Plotly) => Plotly.purge(el));
      }
      bound.current = false;
      drawn.current = null;
    };
  }, []);

  // Strict containment with the figure's own height: plotly measures text many times per draw,
  // and each measurement after a change would otherwise lay out the whole page again.
  const box: React.CSSProperties = { contain: 'strict', height: figure.layout.height ?? 450, ...style };
  // The host is its own stacking context, so the shading (z-index -1) lies on it, under the plot.
  return (
    <div className="plot-host" style={{ isolation: 'isolate' }}>
      <div ref={shade} className="plot-window" aria-hidden="true" style={{ position: 'absolute', inset: 0, zIndex: -1, pointerEvents: 'none' }} />
      <div ref={ref} className={className} style={box} />
      <div ref={cursorLine} className="plot-cursor" aria-hidden="true" style={{ display: 'none' }} />
    </div>
  );
}
