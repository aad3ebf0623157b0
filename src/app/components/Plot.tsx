// Thin React wrapper over plotly: Plotly.react on every new figure (or only a relayout of the
// shapes when nothing else changed: a cursor move), events through refs, PNG and SVG export in the
// modebar, nothing that leaves the machine.
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
// While images are encoding the queue is held: one plotly draw costs 60-130 ms of main-thread
// time on a small machine whatever the data, so the plots catch up once, when encoding ends,
// and the page stays responsive meanwhile (the canvas topomap follows every batch).
const queue = new Map<HTMLDivElement, () => Promise<unknown>>();
let draining = false;
let held = false;

/** Hold plotly draws (true while encoding); releasing draws the latest figure of each plot. */
export function holdPlots(hold: boolean): void {
  held = hold;
  if (!hold && queue.size && !draining) drain();
}

function schedule(el: HTMLDivElement, draw: () => Promise<unknown>) {
  queue.set(el, draw); // a newer figure for the same plot replaces the queued one
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
    void job().finally(() => setTimeout(next, 0));
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
  schedule(el, async () => {
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

/**
 * When two figures differ only in shape positions (the time cursor), the relayout edits that
 * turn one into the other; null when anything else differs. plotly redraws only the shapes for
 * these edits (a few ms instead of a full redraw).
 */
export function shapeOnlyEdits(prev: Figure, next: Figure): Record<string, unknown> | null {
  const ps = (prev.layout.shapes ?? []) as Record<string, unknown>[];
  const ns = (next.layout.shapes ?? []) as Record<string, unknown>[];
  if (ps.length !== ns.length) return null;
  const { shapes: _a, ...pl } = prev.layout;
  const { shapes: _b, ...nl } = next.layout;
  if (!same(pl, nl) || !same(prev.data, next.data)) return null;
  const edits: Record<string, unknown> = {};
  ns.forEach((sh, i) => {
    for (const k of Object.keys({ ...sh, ...ps[i] })) if (!same(sh[k], ps[i][k])) edits[`shapes[${i}].${k}`] = sh[k];
  });
  return edits;
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

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const prev = drawn.current;
    // Only over a figure plotly has drawn: a queued draw is simply replaced by the newer figure.
    const ready = !queue.has(el) && Boolean((el as unknown as { _fullLayout?: unknown })._fullLayout);
    const edits = ready && prev && prev.filename === filename && plotlyPromise ? shapeOnlyEdits(prev.figure, figure) : null;
    if (edits) {
      drawn.current = { figure, filename };
      if (!Object.keys(edits).length) return;
      // Straight away, not through the queue: this is what follows the cursor.
      const t0 = performance.now();
      void plotlyPromise!.then((Plotly) => Plotly.relayout(el, edits as Partial<Plotly.Layout>)).then(() => {
        performance.measure(`plot ${filename} (shapes)`, { start: t0 });
        el.dataset.drawnAt = String(performance.now());
      });
      return;
    }
    drawn.current = { figure, filename };
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
    schedule(el, async () => {
      const Plotly = await loadPlotly();
      const t0 = performance.now();
      const gd = await Plotly.react(el, figure.data, figure.layout, config as Partial<Config>);
      // Shows in the browser's performance tools (and bench_playground's timeline).
      performance.measure(`plot ${filename}`, { start: t0 });
      el.dataset.drawnAt = String(performance.now());
      rovingModebar(gd);
      if (bound.current) return;
      bound.current = true;
      gd.on('plotly_click', (e: PlotMouseEvent) => handlers.current.onClick?.(e));
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
  return <div ref={ref} className={className} style={box} />;
}
