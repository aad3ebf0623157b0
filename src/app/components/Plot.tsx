// Thin React wrapper over plotly: Plotly.react on every new figure, events through refs,
// PNG and SVG export in the modebar.
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

export function Plot({ figure, filename, onClick, onSelected, className, style }: PlotProps) {
  const ref = useRef<HTMLDivElement>(null);
  const handlers = useRef({ onClick, onSelected });
  handlers.current = { onClick, onSelected };
  const bound = useRef(false);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const config: Partial<Config> = {
      responsive: true,
      displaylogo: false,
      scrollZoom: false,
      toImageButtonOptions: { format: 'png', filename, scale: 2 },
      modeBarButtonsToRemove: ['lasso2d', 'autoScale2d'],
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
      const gd = await Plotly.react(el, figure.data, figure.layout, config);
      // Shows in the browser's performance tools (and bench_playground's timeline).
      performance.measure(`plot ${filename}`, { start: t0 });
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
    };
  }, []);

  // Strict containment with the figure's own height: plotly measures text many times per draw,
  // and each measurement after a change would otherwise lay out the whole page again.
  const box: React.CSSProperties = { contain: 'strict', height: figure.layout.height ?? 450, ...style };
  return <div ref={ref} className={className} style={box} />;
}
