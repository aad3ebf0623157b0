// Line figures (the plotly specs of plots.ts: time courses with bands, a lower panel, shapes,
// annotations, a legend) laid out and painted on a 2-D canvas. A panel that follows the cursor,
// the window or the channel selection repaints in a few ms this way, where any plotly update
// recomputes the whole figure; downloads still go through plotly from the same spec. Only what
// plots.ts writes is read: scatter lines (NaN gaps), fills to the previous trace or to zero, a
// second y axis on its own domain, rect and line shapes, paper-positioned annotations.
import type { Figure } from './plots.ts';

export const FONT_FAMILY = '"Open Sans", verdana, arial, sans-serif';
const TEXT = '#444';
const GRID = '#eee';
const MINUS = '\u2212';

type Num = ArrayLike<number>;
type Any = Record<string, unknown>;

export interface SceneTrace {
  x: Num;
  y: Num;
  axis: number;
  color: string;
  width: number;
  dash: number[];
  /** fill to the trace before it on the same axis, or to zero */
  fill: 'tonexty' | 'tozeroy' | null;
  fillcolor: string;
  name: string;
  legend: boolean;
  /** per point (a faint group's line names, plotly's markup kept), else null */
  text: readonly unknown[] | null;
  /** what follows the value in its hover text */
  unit: string;
  hover: boolean;
}

export interface SceneAxis {
  /** CSS px: top and bottom of the axis's domain */
  top: number;
  bottom: number;
  range: [number, number];
  ticks: number[];
  labels: string[];
  title: string;
  zeroline: string | null;
}

export interface SceneText {
  x: number;
  y: number;
  lines: string[];
  size: number;
  color: string;
  align: CanvasTextAlign;
  /** vertical anchor of the block */
  anchor: 'top' | 'middle' | 'bottom';
  bg: string | null;
}

export interface LineScene {
  width: number;
  height: number;
  /** plot area, CSS px */
  left: number;
  right: number;
  top: number;
  bottom: number;
  x: { range: [number, number]; ticks: number[]; labels: string[]; title: string };
  axes: SceneAxis[];
  traces: SceneTrace[];
  shapes: { kind: 'rect' | 'line'; x0: number; x1: number; y0: number; y1: number; below: boolean; fill: string; stroke: string; width: number; dash: number[] }[];
  texts: SceneText[];
  title: string;
  titleSize: number;
  legend: { name: string; color: string; width: number; dash: number[] }[];
  legendBelow: boolean;
  /** the plot area's colour (transparent: something drawn under the canvas shows through) */
  background: string;
}

/** Rows of a legend under the plot, four entries each. */
export const LEGEND_ROWS = 3;

/** Type size (px) of a title's later lines: the parameters line the figure specs add after a <br>. */
const SUBTITLE_SIZE = 11;

/** Plotly's text subset as plain text: entities back to characters, <br> to line breaks, other tags dropped. */
export function plainText(s: string): string {
  // most names have no markup (a butterfly's text array holds 63 x 141 of them)
  if (!/[<&]/.test(s)) return s;
  return s
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

const titleOf = (t: unknown): string => (typeof t === 'string' ? t : t && typeof t === 'object' ? String((t as Any).text ?? '') : '');

/** A plotly dash style as canvas dash segments (plotly scales them with the line width, at least 3 px). */
function dashOf(dash: unknown, width: number): number[] {
  const d = Math.max(width, 3);
  if (dash === 'dot') return [d, d];
  if (dash === 'dash') return [3 * d, 3 * d];
  return [];
}

/** A step of 1, 2 or 5 times a power of ten near raw. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const e = Math.floor(Math.log10(raw));
  const f = raw / 10 ** e;
  const m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return m * 10 ** e;
}

/** Ticks at multiples of a nice step, about one per `spacing` px of an axis `px` long. */
export function axisTicks(lo: number, hi: number, px: number, spacing: number): { ticks: number[]; labels: string[] } {
  if (!(hi > lo)) return { ticks: [], labels: [] };
  const step = niceStep((hi - lo) / Math.max(1, Math.floor(px / spacing)));
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(Math.abs(k * step) < step * 1e-9 ? 0 : k * step);
  const top = Math.max(Math.abs(lo), Math.abs(hi));
  const exp = step < 1e-4 || top >= 1e5;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const labels = ticks.map((v) => {
    if (v === 0) return '0';
    let s: string;
    if (exp) {
      const e = Math.floor(Math.log10(Math.abs(v)) + 1e-9);
      const m = Number((v / 10 ** e).toPrecision(3));
      s = `${m}e${e}`;
    } else s = v.toFixed(decimals);
    return s.replace(/-/g, MINUS);
  });
  return { ticks, labels };
}

/** An axis's range from its values as plotly's autorange makes it for lines: 5 % padding, none on a side held at zero. */
function autoRange(lo: number, hi: number, toZero: boolean): [number, number] {
  if (!(lo <= hi)) return [-1, 1];
  if (toZero) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (hi === lo) return lo === 0 ? [-1, 1] : [lo - Math.abs(lo) * 0.5, hi + Math.abs(hi) * 0.5];
  const pad = 0.05 * (hi - lo);
  return [toZero && lo === 0 ? 0 : lo - pad, toZero && hi === 0 ? 0 : hi + pad];
}

/** The hover text's unit: what a plots.ts hovertemplate writes after the value. */
function unitOf(template: unknown): string {
  const m = /%\{y[^}]*\}\s*([^<]*)<extra>/.exec(String(template ?? ''));
  return m ? plainText(m[1]).trim() : '';
}

/** The scene of a figure at a size (CSS px). */
export function lineScene(fig: Figure, width: number, height: number): LineScene {
  const layout = fig.layout as Any;
  const margin = { l: 80, r: 80, t: 100, b: 80, ...((layout.margin as Any) ?? {}) } as { l: number; r: number; t: number; b: number };
  const traces: SceneTrace[] = [];
  for (const d of fig.data as Any[]) {
    if (d.visible === false) continue;
    const line = (d.line as Any) ?? {};
    const w = Number(line.width ?? 2);
    const fill = d.fill === 'tonexty' || d.fill === 'tozeroy' ? d.fill : null;
    traces.push({
      x: (d.x as Num) ?? [],
      y: (d.y as Num) ?? [],
      axis: d.yaxis === 'y2' ? 1 : 0,
      color: String(line.color ?? '#444'),
      width: w,
      dash: dashOf(line.dash, w),
      fill,
      fillcolor: String(d.fillcolor ?? 'rgba(0,0,0,0.1)'),
      name: plainText(String(d.name ?? '')),
      legend: d.showlegend !== false && Boolean(d.name),
      // (as plotly has them: made plain when hovered, not for every point on every draw)
      text: Array.isArray(d.text) ? (d.text as unknown[]) : null,
      unit: unitOf(d.hovertemplate),
      hover: d.hoverinfo !== 'skip',
    });
  }
  // as plotly: a legend once there are two traces, listing those that take part
  const legend = traces.length < 2 ? [] : traces.filter((t) => t.legend).map((t) => ({ name: t.name, color: t.color, width: t.width, dash: t.dash }));
  const title = plainText(titleOf(layout.title));
  // two entries or more under a titled plot (or more than fit on one line) go below it, in rows of
  // four, at most LEGEND_ROWS of them: past that the last place says how many more (hover names them)
  const legendBelow = legend.length >= 2 && (Boolean(title) || legend.length > 4);
  if (legendBelow && legend.length > 4 * LEGEND_ROWS) {
    const more = legend.length - (4 * LEGEND_ROWS - 1);
    legend.splice(4 * LEGEND_ROWS - 1, legend.length, { name: `… and ${more} more lines (hover names them)`, color: 'rgba(0,0,0,0)', width: 0, dash: [] });
  }
  const b = margin.b + (legendBelow ? 20 * Math.ceil(legend.length / 4) + 8 : 0);
  const left = margin.l;
  const right = Math.max(left + 10, width - margin.r);
  const top = margin.t;
  const bottom = Math.max(top + 10, height - b);

  const xa = (layout.xaxis as Any) ?? {};
  let xr = xa.range as [number, number] | undefined;
  if (!xr) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of traces) for (let i = 0; i < t.x.length; i++) if (Number.isFinite(t.x[i])) (lo = Math.min(lo, t.x[i])), (hi = Math.max(hi, t.x[i]));
    xr = lo < hi ? [lo, hi] : [0, 1];
  }
  const xt = axisTicks(xr[0], xr[1], right - left, 60);

  const axes: SceneAxis[] = [];
  for (const [k, key] of ['yaxis', 'yaxis2'].entries()) {
    const ya = layout[key] as Any | undefined;
    if (!ya && k > 0) continue;
    const dom = ((ya?.domain as [number, number]) ?? [0, 1]) as [number, number];
    const aTop = bottom - dom[1] * (bottom - top);
    const aBottom = bottom - dom[0] * (bottom - top);
    let range = ya?.range as [number, number] | undefined;
    if (!range || ya?.autorange === true) {
      let lo = Infinity;
      let hi = -Infinity;
      let toZero = ya?.rangemode === 'tozero';
      for (const t of traces) {
        if (t.axis !== k) continue;
        if (t.fill === 'tozeroy') toZero = true;
        for (let i = 0; i < t.y.length; i++) {
          const v = t.y[i];
          if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
        }
      }
      range = autoRange(lo, hi, toZero);
    }
    const tk = axisTicks(range[0], range[1], aBottom - aTop, 30);
    axes.push({ top: aTop, bottom: aBottom, range, ticks: tk.ticks, labels: tk.labels, title: plainText(titleOf(ya?.title)), zeroline: ya?.zeroline ? String(ya.zerolinecolor ?? '#444') : null });
  }

  const X = (v: number) => left + ((v - xr![0]) / (xr![1] - xr![0])) * (right - left);
  const shapes: LineScene['shapes'] = [];
  for (const sh of ((layout.shapes as Any[]) ?? [])) {
    if (sh.type !== 'rect' && sh.type !== 'line') continue;
    if (sh.xref !== 'x') continue;
    const ax = axes[sh.yref === 'y2' ? 1 : 0];
    const Y = (v: number) => (sh.yref === 'paper' ? bottom - v * (bottom - top) : ax ? ax.bottom - ((v - ax.range[0]) / (ax.range[1] - ax.range[0])) * (ax.bottom - ax.top) : NaN);
    const line = (sh.line as Any) ?? {};
    const w = Number(line.width ?? 2);
    shapes.push({
      kind: sh.type,
      x0: X(Number(sh.x0)),
      x1: X(Number(sh.x1)),
      y0: Y(Number(sh.y0)),
      y1: Y(Number(sh.y1)),
      below: sh.layer === 'below',
      fill: String(sh.fillcolor ?? 'rgba(0,0,0,0)'),
      stroke: w > 0 ? String(line.color ?? '#444') : 'rgba(0,0,0,0)',
      width: w,
      dash: dashOf(line.dash, w),
    });
  }
  const texts: SceneText[] = [];
  for (const an of ((layout.annotations as Any[]) ?? [])) {
    if (an.xref !== 'paper' || an.yref !== 'paper') continue;
    const font = (an.font as Any) ?? {};
    const xanchor = String(an.xanchor ?? 'center');
    const yanchor = String(an.yanchor ?? 'middle');
    texts.push({
      x: left + Number(an.x ?? 0.5) * (right - left),
      y: bottom - Number(an.y ?? 0.5) * (bottom - top),
      lines: plainText(String(an.text ?? '')).split('\n'),
      size: Number(font.size ?? 12),
      color: String(font.color ?? TEXT),
      align: xanchor === 'left' ? 'left' : xanchor === 'right' ? 'right' : 'center',
      anchor: yanchor === 'top' ? 'top' : yanchor === 'bottom' ? 'bottom' : 'middle',
      bg: an.bgcolor ? String(an.bgcolor) : null,
    });
  }
  const tfont = (layout.title as Any | undefined)?.font as Any | undefined;
  return { width, height, left, right, top, bottom, x: { range: xr, ...xt, title: plainText(titleOf(xa.title)) }, axes, traces, shapes, texts, title, titleSize: Number(tfont?.size ?? 14), legend, legendBelow, background: String(layout.plot_bgcolor ?? '#fff') };
}

/** CSS px of a data x, and back. */
export function xPixel(s: LineScene, v: number): number {
  return s.left + ((v - s.x.range[0]) / (s.x.range[1] - s.x.range[0])) * (s.right - s.left);
}
export function xValue(s: LineScene, px: number): number {
  return s.x.range[0] + ((px - s.left) / (s.right - s.left)) * (s.x.range[1] - s.x.range[0]);
}
function yPixel(a: SceneAxis, v: number): number {
  return a.bottom - ((v - a.range[0]) / (a.range[1] - a.range[0])) * (a.bottom - a.top);
}

/** The trace's line as canvas path segments (NaN breaks it). */
function tracePath(ctx: CanvasRenderingContext2D, s: LineScene, t: SceneTrace, a: SceneAxis) {
  let pen = false;
  for (let i = 0; i < t.x.length; i++) {
    const x = t.x[i];
    const y = t.y[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    const px = xPixel(s, x);
    const py = yPixel(a, y);
    if (pen) ctx.lineTo(px, py);
    else ctx.moveTo(px, py);
    pen = true;
  }
}

/** Paint the scene at dpr device pixels per CSS px. */
export function paintLineScene(ctx: CanvasRenderingContext2D, s: LineScene, dpr: number): void {
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, s.width, s.height);
  const font = (px: number, bold = false) => `${bold ? 'bold ' : ''}${px}px ${FONT_FAMILY}`;
  const w = s.right - s.left;
  const drawShape = (sh: LineScene['shapes'][number]) => {
    ctx.save();
    ctx.setLineDash(sh.dash);
    ctx.lineWidth = sh.width;
    ctx.strokeStyle = sh.stroke;
    if (sh.kind === 'rect') {
      ctx.fillStyle = sh.fill;
      const x = Math.max(s.left, Math.min(sh.x0, sh.x1));
      const x1 = Math.min(s.right, Math.max(sh.x0, sh.x1));
      if (x1 > x) ctx.fillRect(x, Math.min(sh.y0, sh.y1), x1 - x, Math.abs(sh.y1 - sh.y0));
    } else if (sh.x0 >= s.left - 0.5 && sh.x0 <= s.right + 0.5) {
      ctx.beginPath();
      ctx.moveTo(sh.x0, sh.y0);
      ctx.lineTo(sh.x1, sh.y1);
      ctx.stroke();
    }
    ctx.restore();
  };
  // the plot area's white, the shading under the grid, then grid and zero lines
  ctx.fillStyle = s.background;
  for (const a of s.axes) ctx.fillRect(s.left, a.top, w, a.bottom - a.top);
  for (const sh of s.shapes) if (sh.below) drawShape(sh);
  ctx.lineWidth = 1;
  for (const a of s.axes) {
    ctx.strokeStyle = GRID;
    ctx.beginPath();
    for (const v of s.x.ticks) {
      const x = Math.round(xPixel(s, v)) + 0.5;
      ctx.moveTo(x, a.top);
      ctx.lineTo(x, a.bottom);
    }
    for (const v of a.ticks) {
      const y = Math.round(yPixel(a, v)) + 0.5;
      ctx.moveTo(s.left, y);
      ctx.lineTo(s.right, y);
    }
    ctx.stroke();
    if (a.zeroline && a.range[0] < 0 && a.range[1] > 0) {
      ctx.strokeStyle = a.zeroline;
      ctx.beginPath();
      const y = Math.round(yPixel(a, 0)) + 0.5;
      ctx.moveTo(s.left, y);
      ctx.lineTo(s.right, y);
      ctx.stroke();
    }
  }
  // traces, clipped to each axis's domain
  for (const [k, t] of s.traces.entries()) {
    const a = s.axes[t.axis] ?? s.axes[0];
    ctx.save();
    ctx.beginPath();
    ctx.rect(s.left, a.top, w, a.bottom - a.top);
    ctx.clip();
    if (t.fill) {
      ctx.beginPath();
      if (t.fill === 'tonexty') {
        const prev = s.traces.slice(0, k).reverse().find((p) => p.axis === t.axis);
        if (prev) {
          fillBetween(ctx, s, a, t, prev);
          ctx.fillStyle = t.fillcolor;
          ctx.fill();
        }
      } else {
        fillBetween(ctx, s, a, t, null);
        ctx.fillStyle = t.fillcolor;
        ctx.fill();
      }
    }
    if (t.width > 0) {
      ctx.beginPath();
      tracePath(ctx, s, t, a);
      ctx.setLineDash(t.dash);
      ctx.lineWidth = t.width;
      ctx.lineJoin = 'round';
      ctx.strokeStyle = t.color;
      ctx.stroke();
    }
    ctx.restore();
  }
  for (const sh of s.shapes) if (!sh.below) drawShape(sh);

  // tick labels and axis titles
  ctx.fillStyle = TEXT;
  ctx.font = font(12);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const last = s.axes.reduce((m, a) => Math.max(m, a.bottom), s.bottom);
  s.x.ticks.forEach((v, i) => ctx.fillText(s.x.labels[i], xPixel(s, v), last + 5));
  if (s.x.title) {
    ctx.font = font(14);
    ctx.fillText(s.x.title, s.left + w / 2, last + 22);
  }
  for (const a of s.axes) {
    ctx.font = font(12);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    let widest = 0;
    a.ticks.forEach((v, i) => {
      ctx.fillText(a.labels[i], s.left - 4, yPixel(a, v));
      widest = Math.max(widest, ctx.measureText(a.labels[i]).width);
    });
    if (a.title) {
      ctx.save();
      ctx.font = font(14);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.translate(Math.max(16, s.left - widest - 10), (a.top + a.bottom) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(a.title, 0, 0);
      ctx.restore();
    }
  }
  if (s.title) {
    // A title's later lines (after a <br>) are its parameters, in small type as the figure specs
    // set them; one that is wider than the figure is set smaller, not cut.
    const [head, ...rest] = s.title.split('\n');
    const x = 0.02 * s.width;
    const room = s.width - 2 * x;
    const step = SUBTITLE_SIZE + 3;
    let y = s.top / 2 - (rest.length * step) / 2;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = TEXT;
    ctx.font = font(s.titleSize);
    ctx.fillText(head, x, y);
    y += (s.titleSize + SUBTITLE_SIZE) / 2 + 3;
    for (const line of rest) {
      ctx.font = font(SUBTITLE_SIZE);
      const w = ctx.measureText(line).width;
      if (w > room) ctx.font = font(Math.max(7, Math.floor((SUBTITLE_SIZE * room) / w)));
      ctx.fillText(line, x, y);
      y += step;
    }
  }
  paintLegend(ctx, s, font);
  for (const t of s.texts) {
    ctx.font = font(t.size);
    const lh = t.size * 1.3;
    const widths = t.lines.map((l) => ctx.measureText(l).width);
    const bw = Math.max(...widths) + 8;
    const bh = lh * t.lines.length + 4;
    const y0 = t.anchor === 'top' ? t.y : t.anchor === 'bottom' ? t.y - bh : t.y - bh / 2;
    const x0 = t.align === 'left' ? t.x : t.align === 'right' ? t.x - bw : t.x - bw / 2;
    if (t.bg) {
      ctx.fillStyle = t.bg;
      ctx.fillRect(x0, y0, bw, bh);
    }
    ctx.fillStyle = t.color;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    t.lines.forEach((l, i) => ctx.fillText(l, x0 + bw / 2, y0 + 2 + lh * (i + 0.5)));
  }
}

/** The region between a trace and another (or zero), as one closed path. */
function fillBetween(ctx: CanvasRenderingContext2D, s: LineScene, a: SceneAxis, t: SceneTrace, other: SceneTrace | null) {
  const n = t.x.length;
  let started = false;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(t.x[i]) || !Number.isFinite(t.y[i])) continue;
    const px = xPixel(s, t.x[i]);
    const py = yPixel(a, t.y[i]);
    if (started) ctx.lineTo(px, py);
    else ctx.moveTo(px, py);
    started = true;
  }
  if (!started) return;
  if (other) {
    for (let i = other.x.length - 1; i >= 0; i--) {
      if (!Number.isFinite(other.x[i]) || !Number.isFinite(other.y[i])) continue;
      ctx.lineTo(xPixel(s, other.x[i]), yPixel(a, other.y[i]));
    }
  } else {
    const z = yPixel(a, Math.min(Math.max(0, a.range[0]), a.range[1]));
    let lastX = NaN;
    let firstX = NaN;
    for (let i = n - 1; i >= 0; i--) if (Number.isFinite(t.x[i]) && Number.isFinite(t.y[i])) (lastX = Number.isNaN(lastX) ? xPixel(s, t.x[i]) : lastX), (firstX = xPixel(s, t.x[i]));
    ctx.lineTo(lastX, z);
    ctx.lineTo(firstX, z);
  }
  ctx.closePath();
}

/** Where the title's widest line ends (CSS px; 0 without a title), as paintScene sets it. */
function titleRight(ctx: CanvasRenderingContext2D, s: LineScene, font: (px: number) => string): number {
  if (!s.title) return 0;
  const [head, ...rest] = s.title.split('\n');
  const x = 0.02 * s.width;
  ctx.font = font(s.titleSize);
  let w = ctx.measureText(head).width;
  ctx.font = font(SUBTITLE_SIZE);
  for (const line of rest) w = Math.max(w, Math.min(s.width - 2 * x, ctx.measureText(line).width));
  return x + w;
}

function paintLegend(ctx: CanvasRenderingContext2D, s: LineScene, font: (px: number) => string) {
  if (!s.legend.length) return;
  ctx.font = font(11);
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  const sample = (x: number, y: number, e: LineScene['legend'][number]) => {
    ctx.save();
    ctx.setLineDash(e.dash);
    ctx.lineWidth = Math.min(e.width, 3);
    ctx.strokeStyle = e.color;
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 28, y);
    ctx.stroke();
    ctx.restore();
  };
  const fit = (text: string, room: number) => {
    if (ctx.measureText(text).width <= room) return text;
    let n = text.length;
    while (n > 1 && ctx.measureText(`${text.slice(0, n)}…`).width > room) n--;
    return `${text.slice(0, n)}…`;
  };
  ctx.fillStyle = TEXT;
  if (s.legendBelow) {
    const col = (s.width - 16) / 4;
    s.legend.forEach((e, i) => {
      const x = 8 + (i % 4) * col;
      const y = s.height - 20 * Math.ceil(s.legend.length / 4) - 4 + 20 * Math.floor(i / 4) + 10;
      sample(x, y, e);
      ctx.fillStyle = TEXT;
      ctx.fillText(fit(e.name, col - 40), x + 33, y);
    });
    return;
  }
  // one row at the top right, above the plot; where the title leaves no room for it there (a
  // narrow figure), inside the plot's top right corner on a white ground
  const widths = s.legend.map((e) => 33 + ctx.measureText(e.name).width + 12);
  const total = widths.reduce((a, b) => a + b, 0);
  let x = s.right - total;
  let y = s.top - 10;
  if (x < titleRight(ctx, s, font) + 12) {
    x = s.right - total - 2;
    y = s.top + 12;
    ctx.fillStyle = 'rgba(255,255,255,0.85)';
    ctx.fillRect(x - 4, y - 9, total + 4, 18);
  }
  ctx.font = font(11);
  s.legend.forEach((e, i) => {
    sample(x, y, e);
    ctx.fillStyle = TEXT;
    ctx.fillText(e.name, x + 33, y);
    x += widths[i];
  });
}

/** The hover text at a CSS px point: the time, and each named line's value there (a faint group: the line nearest the pointer). */
export function hoverText(s: LineScene, px: number, py: number): string | null {
  if (px < s.left || px > s.right || py < s.top || py > s.bottom) return null;
  const ref = s.traces.find((t) => t.hover && t.x.length);
  if (!ref) return null;
  const xv = xValue(s, px);
  // the sample nearest the pointer, in the reference trace's x
  let best = -1;
  let bd = Infinity;
  for (let i = 0; i < ref.x.length; i++) {
    const d = Math.abs(ref.x[i] - xv);
    if (d < bd) (bd = d), (best = i);
  }
  if (best < 0) return null;
  const xAt = ref.x[best];
  const fmt = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(3)).toString().replace(/^-/, MINUS) : 'n/a');
  const rows: string[] = [];
  for (const t of s.traces) {
    if (!t.hover) continue;
    const a = s.axes[t.axis] ?? s.axes[0];
    if (t.text) {
      // a faint group: one line per NaN-separated run; name the nearest one
      let near = -1;
      let nd = Infinity;
      for (let i = 0; i < t.x.length; i++) {
        if (t.x[i] !== xAt || !Number.isFinite(t.y[i])) continue;
        const d = Math.abs(yPixel(a, t.y[i]) - py);
        if (d < nd) (nd = d), (near = i);
      }
      if (near >= 0) rows.push(`${plainText(String(t.text[near]))}: ${fmt(t.y[near])} ${t.unit}`.trim());
    } else if (t.name) {
      let i = best;
      if (t.x[i] !== xAt) {
        i = -1;
        for (let j = 0; j < t.x.length; j++) if (t.x[j] === xAt) i = j;
      }
      if (i >= 0) rows.push(`${t.name}: ${fmt(t.y[i])} ${t.unit}`.trim());
    }
  }
  const shown = rows.slice(0, 12);
  if (rows.length > shown.length) shown.push(`… and ${rows.length - shown.length} more`);
  const unit = /\(([^)]+)\)\s*$/.exec(s.x.title)?.[1] ?? '';
  return [`${fmt(xAt)} ${unit}`.trim(), ...shown].join('\n');
}
