// Thin React wrapper over plotly: Plotly.react on every new figure; the time cursor drawn over the
// plot (a figure that differs only in the cursor redraws nothing); events through refs; PNG and
// SVG export in a modebar that is one Tab stop and offers nothing that leaves the machine.
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

/**
 * The figure without its cursor line, and where that line is. The cursor is drawn over the plot
 * as a positioned element instead: moving it then costs one style change, where any plotly update
 * (even a relayout of one shape) recomputes the whole figure's defaults.
 */
export function splitCursor(fig: Figure): { figure: Figure; cursor: number | null } {
  const shapes = (fig.layout.shapes ?? []) as Record<string, unknown>[];
  const k = shapes.findIndex(isCursor);
  if (k < 0) return { figure: fig, cursor: null };
  return { figure: { data: fig.data, layout: { ...fig.layout, shapes: shapes.filter((_, i) => i !== k) } as Figure['layout'] }, cursor: Number(shapes[k].x0) };
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
 * figure specs put it) a long one runs into the title.
 */
export function legendBelow(fig: Figure): Figure {
  const n = fig.data.filter((d) => (d as { showlegend?: boolean }).showlegend !== false && (d as { name?: string }).name).length;
  const legend = fig.layout.legend as { y?: number; yanchor?: string } | undefined;
  if (n < 2 || !fig.layout.title || !legend || legend.y !== 1 || legend.yanchor !== 'bottom') return fig;
  const rows = Math.ceil(n / 4);
  const margin = { ...(fig.layout.margin ?? {}), b: ((fig.layout.margin as { b?: number } | undefined)?.b ?? 44) + 20 * rows + 8 };
  return {
    data: fig.data,
    layout: { ...fig.layout, margin, legend: { ...legend, orientation: 'h', x: 0, xanchor: 'left', y: -0.16, yanchor: 'top', yref: 'paper', bgcolor: 'rgba(255,255,255,0)' } as Figure['layout']['legend'] },
  };
}

type Axis = { _offset: number; _length: number; r2p: (v: number) => number };
/** Put the cursor line at x (data units) on a drawn plot; hidden when outside the x range. */
function placeCursor(gd: HTMLElement, line: HTMLElement | null, x: number | null) {
  if (!line) return;
  const fl = (gd as unknown as { _fullLayout?: { xaxis?: Axis; _size?: { t: number; h: number } } })._fullLayout;
  const xa = fl?.xaxis;
  if (x === null || !xa || !fl?._size) {
    line.style.display = 'none';
    return;
  }
  const px = xa._offset + xa.r2p(x);
  if (!(px >= xa._offset - 0.5 && px <= xa._offset + xa._length + 0.5)) {
    line.style.display = 'none';
    return;
  }
  line.style.display = 'block';
  line.style.transform = `translateX(${px.toFixed(2)}px)`;
  line.style.top = `${fl._size.t}px`;
  line.style.height = `${fl._size.h}px`;
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
  const cursorX = useRef<number | null>(null);
  const split = splitCursor(figure);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    cursorX.current = split.cursor;
    const prev = drawn.current;
    // A figure equal to the one drawn (or queued) but for the cursor: only the line moves.
    if (prev && prev.filename === filename && same(prev.figure, legendBelow(split.figure))) {
      if (!queue.has(el)) {
        placeCursor(el, cursorLine.current, split.cursor);
        el.dataset.drawnAt = String(performance.now());
      }
      return;
    }
    const stripped = legendBelow(split.figure);
    drawn.current = { figure: stripped, filename };
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
      toImageButtonOptions: { format: 'png', filename, scale: 2 },
      modeBarButtonsToRemove: ['lasso2d', 'autoScale2d', 'sendChartToCloud', 'sendDataToCloud', 'editInChartStudio'],
      modeBarButtonsToAdd: [
        {
          name: 'downloadSvg',
          title: 'Download plot as SVG',
          icon: svgIcon,
          click: (gd: PlotlyHTMLElement) => void loadPlotly().then((Plotly) => Plotly.downloadImage(gd, { format: 'svg', filename, width: gd.clientWidth, height: gd.clientHeight })),
        },
      ],
    } as Partial<Config>;
    queueDraw(el, async () => {
      const Plotly = await loadPlotly();
      const t0 = performance.now();
      const own = plotlyCopy(stripped);
      const gd = await Plotly.react(el, own.data, own.layout, config as Partial<Config>);
      placeCursor(el, cursorLine.current, cursorX.current);
      // Shows in the browser's performance tools (and bench_playground's timeline).
      performance.measure(`plot ${filename}`, { start: t0 });
      el.dataset.drawnAt = String(performance.now());
      rovingModebar(gd);
      if (bound.current) return;
      bound.current = true;
      gd.on('plotly_click', (e: PlotMouseEvent) => handlers.current.onClick?.(e));
      // zoom, pan, resize: the axis moved under the cursor line
      gd.on('plotly_relayout', () => placeCursor(el, cursorLine.current, cursorX.current));
      gd.on('plotly_afterplot', () => {
        placeCursor(el, cursorLine.current, cursorX.current);
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
  return (
    <div className="plot-host">
      <div ref={ref} className={className} style={box} />
      <div ref={cursorLine} className="plot-cursor" aria-hidden="true" style={{ display: 'none' }} />
    </div>
  );
}
