// A joint plot in the manner of MNE's Evoked.plot_joint: scalp maps at chosen times (or at GFP
// peaks) in a row above a butterfly plot of every channel and the global field power, with lines
// connecting each map to its time. Drawn on a 2-D canvas (and as SVG), arrays in, pixels out.
import { colorbarBox, colorbarSvg, COLORBAR_SPACE, drawColorbar, escapeXml, formatTick, niceTicks } from './colorbar.ts';
import { drawMaps, hitTest, mapColumns, mapsSvg, MIN_MAP_SIDE, type PanelBox, type PreparedScene, type TopomapHit } from './topomap_render.ts';

export interface JointSpec {
  /** Prepared maps, one panel per time, sharing one colour scale. */
  prep: PreparedScene;
  /** Time (ms) of each map, in panel order. */
  mapTimes: number[];
  timesMs: number[];
  /** Butterfly data [C, T]. */
  channels: Float32Array;
  nChannels: number;
  /** Highlighted channels (drawn in colour, the others grey). */
  selected?: ArrayLike<boolean>;
  names: readonly string[];
  gfp: ArrayLike<number>;
  cursorMs?: number;
  /** Runs of the time window, shaded. */
  mask?: ArrayLike<number>;
  /** GFP threshold (a.u.) the peaks had to reach, drawn on the GFP axis. */
  threshold?: number;
  unit: string;
  title: string;
  note?: string;
}

export interface JointLayout {
  width: number;
  height: number;
  titleY: number;
  panels: PanelBox[];
  bar: { x: number; y: number; w: number; h: number };
  /** Bottom of the maps' area: connector lines start below each map. */
  mapsBottom: number;
  /** Butterfly and GFP axes (CSS px). */
  plot: { x0: number; x1: number; y0: number; y1: number };
  gfpAxis: { y0: number; y1: number };
  noteY: number;
}

const PAD = 8;
const TITLE_H = 26;
const PANEL_TITLE_H = 18;
const CONNECT_H = 34;
const BUTTERFLY_H = 190;
const GFP_H = 64;
const AXIS_GAP = 10;
const X_AXIS_H = 38;
const NOTE_H = 16;
const LEFT = 62;

function extentOf(prep: PreparedScene): number {
  return prep.grid.clipRadius * 1.16;
}

function mapGeometry(n: number, width: number) {
  const cols = mapColumns(n, width);
  const rows = Math.ceil(n / cols);
  const cellW = (width - 2 * PAD - COLORBAR_SPACE) / cols;
  const side = Math.max(MIN_MAP_SIDE, Math.min(cellW - 6, 210));
  return { cols, rows, cellW, side };
}

// 11 px system-ui averages under 6 px a character: enough room for the note's wrapped lines.
const NOTE_CHAR_W = 6;

/** The note's lines at a width, wrapped at spaces. */
export function wrapNote(note: string | undefined, width: number): string[] {
  if (!note) return [];
  const per = Math.max(20, Math.floor((width - 2 * PAD) / NOTE_CHAR_W));
  const lines: string[] = [];
  let line = '';
  for (const word of note.split(' ')) {
    if (line && line.length + 1 + word.length > per) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The figure's height at a width (maps wrap into rows so that each stays >= MIN_MAP_SIDE). */
export function jointHeight(nMaps: number, width: number, note?: string): number {
  const g = mapGeometry(Math.max(1, nMaps), width);
  return Math.round(TITLE_H + g.rows * (PANEL_TITLE_H + g.side) + CONNECT_H + BUTTERFLY_H + AXIS_GAP + GFP_H + X_AXIS_H + wrapNote(note, width).length * NOTE_H + PAD);
}

export function layoutJoint(spec: JointSpec, width: number, height: number): JointLayout {
  const n = Math.max(1, spec.prep.panels.length);
  const g = mapGeometry(n, width);
  const k = g.side / (2 * extentOf(spec.prep));
  const panels: PanelBox[] = spec.prep.panels.map((_, i) => {
    const r = Math.floor(i / g.cols);
    const c = i % g.cols;
    const inRow = r === g.rows - 1 ? n - r * g.cols : g.cols;
    const x0 = PAD + (g.cellW * (g.cols - inRow)) / 2;
    const top = TITLE_H + r * (PANEL_TITLE_H + g.side);
    return { cx: x0 + g.cellW * (c + 0.5), cy: top + PANEL_TITLE_H + g.side / 2, k, titleY: top + PANEL_TITLE_H - 5 };
  });
  const mapsBottom = TITLE_H + g.rows * (PANEL_TITLE_H + g.side);
  const mapsTop = TITLE_H + PANEL_TITLE_H;
  const barH = Math.min(mapsBottom - mapsTop - 8, 200);
  const bar = colorbarBox(width, (mapsTop + mapsBottom) / 2, barH);
  const y0 = mapsBottom + CONNECT_H;
  const y1 = y0 + BUTTERFLY_H;
  const gy0 = y1 + AXIS_GAP;
  const gy1 = gy0 + GFP_H;
  const noteY = gy1 + X_AXIS_H + NOTE_H - 4;
  return { width, height, titleY: 17, panels, bar, mapsBottom, plot: { x0: LEFT, x1: width - 18, y0, y1 }, gfpAxis: { y0: gy0, y1: gy1 }, noteY };
}

function xScale(spec: JointSpec, lay: JointLayout) {
  const t = spec.timesMs;
  const half = t.length > 1 ? (t[1] - t[0]) / 2 : 1;
  const lo = t[0] - half;
  const hi = t[t.length - 1] + half;
  return (ms: number) => lay.plot.x0 + ((ms - lo) / (hi - lo)) * (lay.plot.x1 - lay.plot.x0);
}

function butterflyRange(spec: JointSpec): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of spec.channels) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return [-1, 1];
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}

function gfpMax(spec: JointSpec): number {
  let m = 0;
  for (let i = 0; i < spec.gfp.length; i++) if (spec.gfp[i] > m) m = spec.gfp[i];
  return m > 0 ? m * 1.08 : 1;
}

interface Geometry {
  X: (ms: number) => number;
  Y: (v: number) => number;
  G: (v: number) => number;
  yr: [number, number];
  gmax: number;
}

function geometry(spec: JointSpec, lay: JointLayout): Geometry {
  const X = xScale(spec, lay);
  const yr = butterflyRange(spec);
  const { y0, y1 } = lay.plot;
  const Y = (v: number) => y1 - ((v - yr[0]) / (yr[1] - yr[0])) * (y1 - y0);
  const gmax = gfpMax(spec);
  const G = (v: number) => lay.gfpAxis.y1 - (v / gmax) * (lay.gfpAxis.y1 - lay.gfpAxis.y0);
  return { X, Y, G, yr, gmax };
}

const SEL = 'rgba(31,78,153,0.62)';
const UNSEL = 'rgba(120,120,120,0.42)';
const INK = '#222';
const MUTED = '#4a5563';

/** Paint the joint figure on a canvas of lay.width x lay.height CSS px at dpr device px each. */
export function drawJoint(ctx: CanvasRenderingContext2D, spec: JointSpec, lay: JointLayout, dpr: number): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  drawMaps(ctx, spec.prep, lay.panels, dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const g = geometry(spec, lay);
  const { x0, x1, y0, y1 } = lay.plot;
  const T = spec.timesMs.length;
  const half = T > 1 ? (spec.timesMs[1] - spec.timesMs[0]) / 2 : 0;

  // window shading over both axes
  if (spec.mask) {
    ctx.fillStyle = 'rgba(255,190,0,0.16)';
    let a = -1;
    for (let i = 0; i <= T; i++) {
      const on = i < T && spec.mask[i];
      if (on && a < 0) a = i;
      if (!on && a >= 0) {
        if (!(a === 0 && i === T)) ctx.fillRect(g.X(spec.timesMs[a] - half), y0, g.X(spec.timesMs[i - 1] + half) - g.X(spec.timesMs[a] - half), lay.gfpAxis.y1 - y0);
        a = -1;
      }
    }
  }
  // frames, zero lines, stimulus onset
  ctx.strokeStyle = '#888';
  ctx.lineWidth = 1;
  ctx.strokeRect(x0 + 0.5, y0 + 0.5, x1 - x0, y1 - y0);
  ctx.strokeRect(x0 + 0.5, lay.gfpAxis.y0 + 0.5, x1 - x0, lay.gfpAxis.y1 - lay.gfpAxis.y0);
  ctx.strokeStyle = '#bbb';
  ctx.beginPath();
  if (g.yr[0] < 0 && g.yr[1] > 0) {
    ctx.moveTo(x0, g.Y(0));
    ctx.lineTo(x1, g.Y(0));
  }
  ctx.stroke();
  ctx.setLineDash([2, 3]);
  ctx.beginPath();
  ctx.moveTo(g.X(0), y0);
  ctx.lineTo(g.X(0), lay.gfpAxis.y1);
  ctx.stroke();
  ctx.setLineDash([]);

  // butterfly: unselected channels first, selected on top
  ctx.save();
  ctx.beginPath();
  ctx.rect(x0, y0, x1 - x0, y1 - y0);
  ctx.clip();
  for (const pass of [false, true]) {
    ctx.beginPath();
    for (let c = 0; c < spec.nChannels; c++) {
      const sel = spec.selected ? Boolean(spec.selected[c]) : true;
      if (sel !== pass) continue;
      for (let t = 0; t < T; t++) {
        const x = g.X(spec.timesMs[t]);
        const y = g.Y(spec.channels[c * T + t]);
        if (t) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
      }
    }
    ctx.strokeStyle = pass ? SEL : UNSEL;
    ctx.lineWidth = pass ? 1 : 0.7;
    ctx.stroke();
  }
  ctx.restore();

  // GFP
  ctx.beginPath();
  ctx.moveTo(g.X(spec.timesMs[0]), g.G(0));
  for (let t = 0; t < T; t++) ctx.lineTo(g.X(spec.timesMs[t]), g.G(spec.gfp[t]));
  ctx.lineTo(g.X(spec.timesMs[T - 1]), g.G(0));
  ctx.closePath();
  ctx.fillStyle = 'rgba(51,51,51,0.14)';
  ctx.fill();
  ctx.beginPath();
  for (let t = 0; t < T; t++) (t ? ctx.lineTo : ctx.moveTo).call(ctx, g.X(spec.timesMs[t]), g.G(spec.gfp[t]));
  ctx.strokeStyle = '#333';
  ctx.lineWidth = 1.2;
  ctx.stroke();
  if (spec.threshold !== undefined && spec.threshold > 0) {
    ctx.setLineDash([5, 3]);
    ctx.strokeStyle = '#b35900';
    ctx.beginPath();
    ctx.moveTo(x0, g.G(spec.threshold));
    ctx.lineTo(x1, g.G(spec.threshold));
    ctx.stroke();
    ctx.setLineDash([]);
  }

  // map times: connectors from each map down to its time, and a marker line through both axes
  ctx.strokeStyle = '#555';
  ctx.lineWidth = 0.9;
  const lastRow = Math.max(...lay.panels.map((b) => b.cy));
  spec.mapTimes.forEach((ms, i) => {
    const box = lay.panels[i];
    if (!box) return;
    const x = g.X(ms);
    const bottom = box.cy + spec.prep.grid.clipRadius * 1.05 * box.k;
    if (box.cy === lastRow) {
      ctx.beginPath();
      ctx.moveTo(box.cx, bottom);
      ctx.lineTo(x, y0);
      ctx.stroke();
    } else {
      // maps in upper rows: a line would cross the maps below, so the marker names its time
      ctx.save();
      ctx.font = '10px system-ui, sans-serif';
      ctx.fillStyle = '#333';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.fillText(String(ms), x, y0 - 2);
      ctx.restore();
    }
    ctx.setLineDash([3, 2]);
    ctx.beginPath();
    ctx.moveTo(x, y0);
    ctx.lineTo(x, lay.gfpAxis.y1);
    ctx.stroke();
    ctx.setLineDash([]);
  });
  if (spec.cursorMs !== undefined) {
    ctx.strokeStyle = '#c00';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(g.X(spec.cursorMs), y0);
    ctx.lineTo(g.X(spec.cursorMs), lay.gfpAxis.y1);
    ctx.stroke();
  }

  // ticks and labels
  ctx.fillStyle = INK;
  ctx.strokeStyle = '#555';
  ctx.font = '11px system-ui, sans-serif';
  const yt = niceTicks(g.yr[0], g.yr[1], 5);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const v of yt.ticks) {
    if (v < g.yr[0] || v > g.yr[1]) continue;
    ctx.fillText(formatTick(v, yt.step), x0 - 5, g.Y(v));
    ctx.beginPath();
    ctx.moveTo(x0 - 3, g.Y(v));
    ctx.lineTo(x0, g.Y(v));
    ctx.stroke();
  }
  const gt = niceTicks(0, g.gmax, 2);
  for (const v of gt.ticks) {
    if (v > g.gmax) continue;
    ctx.fillText(formatTick(v, gt.step), x0 - 5, g.G(v));
  }
  const xt = niceTicks(spec.timesMs[0], spec.timesMs[T - 1], Math.max(3, Math.floor((x1 - x0) / 70)));
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const v of xt.ticks) {
    ctx.fillText(formatTick(v, xt.step), g.X(v), lay.gfpAxis.y1 + 4);
    ctx.beginPath();
    ctx.moveTo(g.X(v), lay.gfpAxis.y1);
    ctx.lineTo(g.X(v), lay.gfpAxis.y1 + 3);
    ctx.stroke();
  }
  ctx.fillText('Time (ms)', (x0 + x1) / 2, lay.gfpAxis.y1 + 19);
  ctx.save();
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.translate(8, (y0 + y1) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(`EEG (${spec.unit})`, 0, 0);
  ctx.restore();
  ctx.save();
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.translate(8, (lay.gfpAxis.y0 + lay.gfpAxis.y1) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText('GFP', 0, 0);
  ctx.restore();

  ctx.font = '14px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.fillStyle = INK;
  ctx.fillText(spec.title, PAD + 2, lay.titleY);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = MUTED;
  wrapNote(spec.note, lay.width).forEach((l, i) => ctx.fillText(l, PAD + 2, lay.noteY + i * NOTE_H));
  drawColorbar(ctx, spec.prep, lay.bar, lay.width);
}

export type JointHit = (TopomapHit & { kind: 'map' }) | { kind: 'time'; index: number; channel: number | null; text: string };

/** What lies under (x, y): a map point or sensor, or a time (and the nearest channel line) on the axes. */
export function jointHit(spec: JointSpec, lay: JointLayout, x: number, y: number): JointHit | null {
  if (y < lay.mapsBottom) {
    const h = hitTest(spec.prep, lay, x, y);
    return h ? { ...h, kind: 'map' } : null;
  }
  const { x0, x1, y0, y1 } = lay.plot;
  if (x < x0 || x > x1 || y < y0 || y > lay.gfpAxis.y1) return null;
  const g = geometry(spec, lay);
  const T = spec.timesMs.length;
  let best = 0;
  for (let t = 1; t < T; t++) if (Math.abs(g.X(spec.timesMs[t]) - x) < Math.abs(g.X(spec.timesMs[best]) - x)) best = t;
  const ms = spec.timesMs[best];
  if (y > y1) return { kind: 'time', index: best, channel: null, text: `${ms} ms · GFP ${Number(spec.gfp[best]).toPrecision(3)} ${spec.unit}` };
  let ch: number | null = null;
  let d = 6;
  for (let c = 0; c < spec.nChannels; c++) {
    const dy = Math.abs(g.Y(spec.channels[c * T + best]) - y);
    if (dy < d) {
      d = dy;
      ch = c;
    }
  }
  const text = ch === null ? `${ms} ms` : `${spec.names[ch]} · ${ms} ms: ${spec.channels[ch * T + best].toPrecision(3)} ${spec.unit}`;
  return { kind: 'time', index: best, channel: ch, text };
}

const f2 = (v: number) => v.toFixed(2);

/** The joint figure as a standalone SVG document (map fields embedded as PNG images). */
export function jointSvg(spec: JointSpec, lay: JointLayout, images: { href: string; x: number; y: number; w: number; h: number }[]): string {
  const out: string[] = [];
  const esc = escapeXml;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${lay.width}" height="${lay.height}" viewBox="0 0 ${lay.width} ${lay.height}" font-family="system-ui, sans-serif">`);
  out.push(mapsSvg(spec.prep, lay.panels, images));
  const g = geometry(spec, lay);
  const { x0, x1, y0, y1 } = lay.plot;
  const T = spec.timesMs.length;
  out.push(`<rect x="${x0}" y="${f2(y0)}" width="${f2(x1 - x0)}" height="${f2(y1 - y0)}" fill="none" stroke="#888"/>`);
  out.push(`<rect x="${x0}" y="${f2(lay.gfpAxis.y0)}" width="${f2(x1 - x0)}" height="${f2(lay.gfpAxis.y1 - lay.gfpAxis.y0)}" fill="none" stroke="#888"/>`);
  for (const pass of [false, true]) {
    const d: string[] = [];
    for (let c = 0; c < spec.nChannels; c++) {
      const sel = spec.selected ? Boolean(spec.selected[c]) : true;
      if (sel !== pass) continue;
      for (let t = 0; t < T; t++) d.push(`${t ? 'L' : 'M'}${f2(g.X(spec.timesMs[t]))} ${f2(g.Y(spec.channels[c * T + t]))}`);
    }
    if (d.length) out.push(`<path class="${pass ? 'channels-selected' : 'channels'}" d="${d.join('')}" fill="none" stroke="${pass ? SEL : UNSEL}" stroke-width="${pass ? 1 : 0.7}"/>`);
  }
  const gd = Array.from({ length: T }, (_, t) => `${t ? 'L' : 'M'}${f2(g.X(spec.timesMs[t]))} ${f2(g.G(spec.gfp[t]))}`).join('');
  out.push(`<path class="gfp" d="${gd}" fill="none" stroke="#333" stroke-width="1.2"/>`);
  if (spec.threshold) out.push(`<line class="threshold" x1="${x0}" x2="${x1}" y1="${f2(g.G(spec.threshold))}" y2="${f2(g.G(spec.threshold))}" stroke="#b35900" stroke-dasharray="5 3"/>`);
  spec.mapTimes.forEach((ms, i) => {
    const box = lay.panels[i];
    if (!box) return;
    const bottom = box.cy + spec.prep.grid.clipRadius * 1.05 * box.k;
    if (box.cy === Math.max(...lay.panels.map((b) => b.cy))) out.push(`<line class="connector" x1="${f2(box.cx)}" y1="${f2(bottom)}" x2="${f2(g.X(ms))}" y2="${f2(y0)}" stroke="#555" stroke-width="0.9"/>`);
    else out.push(`<text x="${f2(g.X(ms))}" y="${f2(y0 - 2)}" font-size="10" text-anchor="middle" fill="#333">${ms}</text>`);
    out.push(`<line x1="${f2(g.X(ms))}" y1="${f2(y0)}" x2="${f2(g.X(ms))}" y2="${f2(lay.gfpAxis.y1)}" stroke="#555" stroke-width="0.9" stroke-dasharray="3 2"/>`);
  });
  const xt = niceTicks(spec.timesMs[0], spec.timesMs[T - 1], Math.max(3, Math.floor((x1 - x0) / 70)));
  for (const v of xt.ticks) out.push(`<text x="${f2(g.X(v))}" y="${f2(lay.gfpAxis.y1 + 14)}" font-size="11" text-anchor="middle" fill="${INK}">${formatTick(v, xt.step)}</text>`);
  const yt = niceTicks(g.yr[0], g.yr[1], 5);
  for (const v of yt.ticks) if (v >= g.yr[0] && v <= g.yr[1]) out.push(`<text x="${x0 - 5}" y="${f2(g.Y(v))}" font-size="11" text-anchor="end" dominant-baseline="middle" fill="${INK}">${formatTick(v, yt.step)}</text>`);
  out.push(`<text x="${f2((x0 + x1) / 2)}" y="${f2(lay.gfpAxis.y1 + 30)}" font-size="11" text-anchor="middle" fill="${INK}">Time (ms)</text>`);
  out.push(`<text transform="translate(14,${f2((y0 + y1) / 2)}) rotate(-90)" font-size="11" text-anchor="middle" fill="${INK}">EEG (${esc(spec.unit)})</text>`);
  out.push(`<text x="${PAD + 2}" y="${lay.titleY}" font-size="14" fill="${INK}">${esc(spec.title)}</text>`);
  wrapNote(spec.note, lay.width).forEach((l, i) => out.push(`<text class="note" x="${PAD + 2}" y="${f2(lay.noteY + i * NOTE_H)}" font-size="11" fill="${MUTED}">${esc(l)}</text>`));
  out.push(colorbarSvg(spec.prep, lay.bar, lay.width, 'jcbar'));
  out.push('</svg>');
  return out.join('\n');
}

/**
 * Peaks of the global field power for a joint plot: local maxima inside the mask that reach
 * `fraction` of the largest GFP inside it, at least `minSeparation` samples apart (the higher
 * one wins), at most `max` of them, in time order. A baseline ripple stays below the threshold.
 */
export function gfpPeaks(gfp: ArrayLike<number>, mask: ArrayLike<number> | null, fraction: number, minSeparation = 4, max = 5): { indices: number[]; threshold: number; maxGfp: number } {
  const T = gfp.length;
  const inMask = (i: number) => !mask || Boolean(mask[i]);
  let maxGfp = 0;
  for (let i = 0; i < T; i++) if (inMask(i) && gfp[i] > maxGfp) maxGfp = gfp[i];
  const threshold = fraction * maxGfp;
  const cand: number[] = [];
  for (let i = 0; i < T; i++) {
    if (!inMask(i) || !(gfp[i] > 0) || gfp[i] < threshold) continue;
    const left = i > 0 && inMask(i - 1) ? gfp[i - 1] : -Infinity;
    const right = i < T - 1 && inMask(i + 1) ? gfp[i + 1] : -Infinity;
    if (gfp[i] > left && gfp[i] >= right) cand.push(i);
  }
  cand.sort((a, b) => gfp[b] - gfp[a]);
  const kept: number[] = [];
  for (const i of cand) {
    if (kept.length >= max) break;
    if (kept.every((k) => Math.abs(k - i) >= minSeparation)) kept.push(i);
  }
  return { indices: kept.sort((a, b) => a - b), threshold, maxGfp };
}

export interface TimeListResult {
  /** Valid times (ms, as typed), in the order given, duplicates removed. */
  times: number[];
  /** One message per rejected entry. */
  errors: string[];
}

/**
 * A user's list of map times ("100, 170 250"): every entry must be a number inside the epoch;
 * bad entries are reported, never clamped into range.
 */
export function parseTimeList(text: string, firstMs: number, lastMs: number, max = 8): TimeListResult {
  const tokens = text.split(/[,;\s]+/).filter(Boolean);
  const times: number[] = [];
  const errors: string[] = [];
  if (!tokens.length) errors.push('enter at least one time in ms');
  for (const tok of tokens) {
    const v = /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(tok) ? Number(tok) : NaN;
    if (!Number.isFinite(v)) errors.push(`“${tok}” is not a number`);
    else if (v < firstMs || v > lastMs) errors.push(`${tok} ms is outside ${firstMs}…${lastMs} ms`);
    else if (!times.includes(v)) times.push(v);
  }
  if (times.length > max) errors.push(`at most ${max} times (got ${times.length})`);
  return { times, errors };
}
