// Scalp maps drawn directly on a 2-D canvas (and as SVG for export): the interpolated field as an
// image, contour lines, head outline, sensors and a colour bar, one or more panels sharing a scale.
// Drawn this way a map is cheap enough to follow the time cursor while the engine works, which
// a charting library's heatmap and contour traces are not.
import { type Box, colorbarBox, colorbarSvg, COLORBAR_SPACE, drawColorbar, escapeXml } from './colorbar.ts';
import { colormapLut, type ColormapName } from './colormap.ts';
import { isoSegments } from './contours.ts';
import { contourLevels, headOutline, interpolateTopomap, METHOD_LABEL, type HeadOutline, type TopomapGrid } from './topomap.ts';
import { mneContourLevels } from './topomap_mne.ts';

/** Colour maps a scalp map can use: the shared ones, plus matplotlib's 'Reds' (MNE's map for data >= 0). */
export type TopoColormap = ColormapName | 'Reds';
// matplotlib's Reds (ColorBrewer 9-class Reds), light to dark.
const REDS = ['#fff5f0', '#fee0d2', '#fcbba1', '#fc9272', '#fb6a4a', '#ef3b2c', '#cb181d', '#a50f15', '#67000d'];

const redsLuts = new Map<number, Uint8Array>();
/** The lookup table of a scalp map's colour map (made once per size, as colormapLut's: read it, do not write it). */
export function topoLut(name: TopoColormap, n = 256): Uint8Array {
  if (name !== 'Reds') return colormapLut(name, n);
  const hit = redsLuts.get(n);
  if (hit) return hit;
  const stops = REDS.map((h) => [1, 3, 5].map((o) => parseInt(h.slice(o, o + 2), 16)));
  const lut = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    const x = (i / (n - 1)) * (stops.length - 1);
    const j = Math.min(stops.length - 2, Math.floor(x));
    const f = x - j;
    for (let c = 0; c < 3; c++) lut[3 * i + c] = Math.round(stops[j][c] + (stops[j + 1][c] - stops[j][c]) * f);
  }
  redsLuts.set(n, lut);
  return lut;
}

export interface TopoPanel {
  values: ArrayLike<number>;
  title?: string;
}

export interface TopomapScene {
  grid: TopomapGrid;
  panels: TopoPanel[];
  /** Colour range; diverging maps use [-lim, lim]. */
  range: [number, number];
  colormap?: TopoColormap;
  /** One flag per sensor: selected sensors are drawn filled. */
  selected?: ArrayLike<boolean | number>;
  /** Channel names in sensor order (tooltips). */
  names?: readonly string[];
  unit: string;
  title?: string;
  /** Contour lines (MNE draws 6). */
  contours?: number;
  /** A line under the maps (the interpolation used, what the maps show). */
  note?: string;
}

/** A scene with everything that does not depend on the canvas size computed once. */
export interface PreparedScene extends TopomapScene {
  /** Grid values per panel (res x res, NaN outside the map). */
  fields: Float32Array[];
  /** Contour segments per panel, metres [x0, y0, x1, y1, ...]. */
  contourSegments: Float32Array[];
  outline: HeadOutline;
  lut: Uint8Array;
}

/** The scene's note; by default it names the interpolation, so every exported map says how it was made. */
export function sceneNote(scene: TopomapScene): string {
  return scene.note ?? `Interpolation: ${METHOD_LABEL[scene.grid.method ?? 'v4']}`;
}

// The last scenes' fields and contours, by what they follow from (grid, values, range, contour
// count): a change of the selected sensors alone, or a redraw of the same values, interpolates nothing.
const fieldCache: { grid: TopomapGrid; values: Float64Array[]; range: [number, number]; contours: number; fields: Float32Array[]; contourSegments: Float32Array[] }[] = [];
const FIELD_CACHE = 8;

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

export function prepareScene(scene: TopomapScene): PreparedScene {
  const { grid } = scene;
  const n = scene.contours ?? 6;
  const hit = fieldCache.find((c) => c.grid === grid && c.contours === n && c.range[0] === scene.range[0] && c.range[1] === scene.range[1] && c.values.length === scene.panels.length && c.values.every((v, i) => sameValues(v, scene.panels[i].values)));
  const { fields, contourSegments } = hit ?? fieldsOf(scene, n);
  return { ...scene, note: sceneNote(scene), fields, contourSegments, outline: headOutline(grid.headRadius), lut: topoLut(scene.colormap ?? 'RdBu_r') };
}

function fieldsOf(scene: TopomapScene, n: number): { fields: Float32Array[]; contourSegments: Float32Array[] } {
  const { grid } = scene;
  const [lo, hi] = scene.range;
  const fields = scene.panels.map((p) => interpolateTopomap(grid, p.values));
  // MNE's figures put contours at round values from the colour limits (evoked.plot_topomap);
  // the v4 view keeps EEGLAB-like even spacing.
  const levels = n <= 0 || !(hi > lo) ? [] : grid.method === 'mne' ? mneContourLevels(lo, hi, n) : contourLevels((hi - lo) / 2, n).map((l) => l + (hi + lo) / 2);
  const a0 = grid.axis[0];
  const dx = grid.axis[1] - grid.axis[0];
  const contourSegments = fields.map((z) => {
    const parts = levels.map((l) => isoSegments(z, grid.res, l));
    const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      for (let i = 0; i < p.length; i++) all[o + i] = a0 + p[i] * dx;
      o += p.length;
    }
    return all;
  });
  fieldCache.unshift({ grid, values: scene.panels.map((p) => Float64Array.from(p.values)), range: [lo, hi], contours: n, fields, contourSegments });
  fieldCache.length = Math.min(fieldCache.length, FIELD_CACHE);
  return { fields, contourSegments };
}

export interface PanelBox {
  /** Head centre, CSS px. */
  cx: number;
  cy: number;
  /** CSS px per metre. */
  k: number;
  titleY: number;
}
export interface SceneLayout {
  width: number;
  height: number;
  panels: PanelBox[];
  bar: Box;
  titleY: number;
  /** Baseline of the note line. */
  noteY?: number;
}

const PAD = 6;
/** Smallest head (CSS px across the clip circle's box) a map is drawn at: below it, maps wrap to more rows. */
export const MIN_MAP_SIDE = 120;
const PANEL_TITLE_H = 18;
const NOTE_H = 16;
const ROW_GAP = 6;

function mapExtent(scene: TopomapScene): number {
  // The box holds the ears (1.08 x head radius) and the nose (1.15 x).
  return scene.grid.clipRadius * 1.16;
}

/** Columns for n maps in a width: as many as keep each map at least MIN_MAP_SIDE wide. */
export function mapColumns(n: number, width: number): number {
  const avail = width - 2 * PAD - COLORBAR_SPACE;
  let cols = Math.max(1, n);
  while (cols > 1 && avail / cols - 4 < MIN_MAP_SIDE) cols--;
  return cols;
}

/** The height a scene needs at a width: single maps keep `single`; small multiples get square cells. */
export function sceneHeight(scene: TopomapScene, width: number, single = 340): number {
  const n = Math.max(1, scene.panels.length);
  if (n === 1) return single;
  const cols = mapColumns(n, width);
  const rows = Math.ceil(n / cols);
  const side = Math.min(Math.max(MIN_MAP_SIDE, (width - 2 * PAD - COLORBAR_SPACE) / cols - 4), 220);
  return Math.round((scene.title ? 26 : PAD) + rows * (PANEL_TITLE_H + side + ROW_GAP) + (sceneNote(scene) ? NOTE_H : 0) + PAD);
}

/** Where each map, its title and the colour bar go on a width x height (CSS px) canvas. */
export function layoutScene(scene: TopomapScene, width: number, height: number): SceneLayout {
  const n = Math.max(1, scene.panels.length);
  const titleH = scene.title ? 26 : PAD;
  const panelTitleH = scene.panels.some((p) => p.title) ? PANEL_TITLE_H : 0;
  const noteH = sceneNote(scene) ? NOTE_H : 0;
  const cols = mapColumns(n, width);
  const rows = Math.ceil(n / cols);
  const cellW = (width - 2 * PAD - COLORBAR_SPACE) / cols;
  const areaH = Math.max(10, height - titleH - noteH - PAD);
  const rowH = areaH / rows;
  const mapH = Math.max(10, rowH - panelTitleH - (rows > 1 ? ROW_GAP : 0));
  const side = Math.max(10, Math.min(cellW - 4, mapH));
  const k = side / (2 * mapExtent(scene));
  const panels = scene.panels.map((_, i) => {
    const r = Math.floor(i / cols);
    const c = i % cols;
    // a short last row is centred under the others
    const inRow = r === rows - 1 ? n - r * cols : cols;
    const x0 = PAD + (cellW * (cols - inRow)) / 2;
    const top = titleH + r * rowH;
    return { cx: x0 + cellW * (c + 0.5), cy: top + panelTitleH + mapH / 2, k, titleY: top + panelTitleH - 5 };
  });
  const barH = Math.min(areaH * 0.8, 260);
  const cy = titleH + areaH / 2;
  return { width, height, panels, bar: colorbarBox(width, cy, barH), titleY: 17, noteY: height - PAD - 3 };
}

/** Bilinear value of a field at (x, y) metres; NaN outside the grid's values. */
export function sampleField(grid: TopomapGrid, z: Float32Array, x: number, y: number): number {
  const dx = grid.axis[1] - grid.axis[0];
  const gx = (x - grid.axis[0]) / dx;
  const gy = (y - grid.axis[0]) / dx;
  const c = Math.floor(gx);
  const r = Math.floor(gy);
  if (c < 0 || r < 0 || c >= grid.res - 1 || r >= grid.res - 1) return NaN;
  const fx = gx - c;
  const fy = gy - r;
  const i = r * grid.res + c;
  const top = z[i] + (z[i + 1] - z[i]) * fx;
  const bottom = z[i + grid.res] + (z[i + grid.res + 1] - z[i + grid.res]) * fx;
  return top + (bottom - top) * fy;
}

export interface Raster {
  /** Device-pixel box. */
  x: number;
  y: number;
  w: number;
  h: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

/** Where each pixel of a panel samples the grid: depends on the layout only, not on the values. */
interface PixelPlan {
  x: number;
  y: number;
  w: number;
  h: number;
  /** Per drawn pixel: its index in the raster, the grid cell, the bilinear fractions, its alpha (as the top byte of an RGBA word). */
  pixel: Int32Array;
  cellIndex: Int32Array;
  fx: Float32Array;
  fy: Float32Array;
  alphaWord: Uint32Array;
}

// Plans per grid and box: a cursor move repaints the same boxes with new values, so each pixel's
// geometry is worked out once.
const plans = new WeakMap<TopomapGrid, Map<string, PixelPlan>>();

function pixelPlan(grid: TopomapGrid, box: PanelBox, dpr: number): PixelPlan {
  const key = `${box.cx},${box.cy},${box.k},${dpr}`;
  let byBox = plans.get(grid);
  if (!byBox) plans.set(grid, (byBox = new Map()));
  const hit = byBox.get(key);
  if (hit) return hit;
  const R = grid.clipRadius;
  const rPx = R * box.k * dpr;
  const x = Math.floor(box.cx * dpr - rPx) - 1;
  const y = Math.floor(box.cy * dpr - rPx) - 1;
  const w = Math.ceil(2 * rPx) + 3;
  const h = w;
  const perPx = 1 / (box.k * dpr); // metres per device pixel
  const a0 = grid.axis[0];
  const cell = grid.axis[1] - grid.axis[0];
  const res = grid.res;
  const pixel: number[] = [];
  const cellIndex: number[] = [];
  const fxs: number[] = [];
  const fys: number[] = [];
  const alphas: number[] = [];
  for (let py = 0; py < h; py++) {
    const yM = -((y + py + 0.5) / dpr - box.cy) / box.k;
    const gy = (yM - a0) / cell;
    const r = Math.floor(gy);
    if (r < 0 || r >= res - 1) continue;
    for (let px = 0; px < w; px++) {
      const xM = ((x + px + 0.5) / dpr - box.cx) / box.k;
      const alpha = Math.min(1, Math.max(0, (R - Math.hypot(xM, yM)) / perPx + 0.5));
      if (alpha <= 0) continue;
      const gx = (xM - a0) / cell;
      const c = Math.floor(gx);
      if (c < 0 || c >= res - 1) continue;
      pixel.push(py * w + px);
      cellIndex.push(r * res + c);
      fxs.push(gx - c);
      fys.push(gy - r);
      alphas.push(Math.round(alpha * 255) * 2 ** 24);
    }
  }
  const plan = { x, y, w, h, pixel: Int32Array.from(pixel), cellIndex: Int32Array.from(cellIndex), fx: Float32Array.from(fxs), fy: Float32Array.from(fys), alphaWord: Uint32Array.from(alphas) };
  if (byBox.size > 64) byBox.clear();
  byBox.set(key, plan);
  return plan;
}

/**
 * The coloured field of one panel in device pixels: bilinear between grid points, the colour map
 * looked up per pixel, transparent outside the clip circle with a one-pixel antialiased edge.
 */
export function rasterizePanel(prep: PreparedScene, box: PanelBox, i: number, dpr: number): Raster {
  const { grid, lut } = prep;
  const z = prep.fields[i];
  // the same field (prepareScene's cache) at the same place, range and colours: the same pixels
  const key = `${box.cx},${box.cy},${box.k},${dpr},${prep.range[0]},${prep.range[1]},${prep.colormap ?? 'RdBu_r'}`;
  const kept = rasters.get(z);
  if (kept?.key === key) return kept.raster;
  const raster = rasterizeField(prep, box, z, dpr);
  rasters.set(z, { key, raster });
  return raster;
}

const rasters = new WeakMap<Float32Array, { key: string; raster: Raster }>();

/** The colour map as little-endian RGBA words with alpha 0: a pixel is one store, its alpha or'd in. */
const lutWords = new WeakMap<Uint8Array, Uint32Array>();
function lutRgb(lut: Uint8Array): Uint32Array {
  let w = lutWords.get(lut);
  if (!w) {
    w = new Uint32Array(lut.length / 3);
    for (let i = 0; i < w.length; i++) w[i] = lut[3 * i] | (lut[3 * i + 1] << 8) | (lut[3 * i + 2] << 16);
    lutWords.set(lut, w);
  }
  return w;
}

function rasterizeField(prep: PreparedScene, box: PanelBox, z: Float32Array, dpr: number): Raster {
  const { grid, lut } = prep;
  const [lo, hi] = prep.range;
  const plan = pixelPlan(grid, box, dpr);
  const { w, h } = plan;
  const rgba = new Uint8ClampedArray(w * h * 4);
  const out = new Uint32Array(rgba.buffer);
  const rgb = lutRgb(lut);
  const nLut = rgb.length;
  const scale = hi > lo ? (nLut - 1) / (hi - lo) : 0;
  const mid = (nLut - 1) >> 1;
  const res = grid.res;
  const { pixel, cellIndex, fx, fy, alphaWord } = plan;
  for (let p = 0; p < pixel.length; p++) {
    const k = cellIndex[p];
    const a = fx[p];
    const t = z[k] + (z[k + 1] - z[k]) * a;
    const b = z[k + res] + (z[k + res + 1] - z[k + res]) * a;
    const v = t + (b - t) * fy[p];
    if (!(v === v)) continue; // NaN: beyond the grid's values
    // the nearest colour (Math.round, clamped to the map), without leaving float arithmetic early
    let li = mid;
    if (scale) {
      const f = (v - lo) * scale + 0.5;
      li = f <= 0 ? 0 : f >= nLut ? nLut - 1 : f | 0;
    }
    out[pixel[p]] = rgb[li] | alphaWord[p];
  }
  return { x: plan.x, y: plan.y, w, h, rgba };
}

const LABEL_FONT = '12px system-ui, sans-serif';
const TITLE_FONT = '14px system-ui, sans-serif';
const NOTE_FONT = '11px system-ui, sans-serif';

/** Sensor dot radius (CSS px) for a map drawn at k px per metre: MNE-like small dots on small maps. */
export function sensorRadius(k: number): number {
  return Math.min(3, Math.max(1.1, k * 0.0021));
}

function sensorStyle(prep: PreparedScene, k: number, scale: number): { fill: string; stroke: string; r: number } {
  const off = prep.selected && !prep.selected[k];
  const r = sensorRadius(scale);
  return off ? { fill: 'rgba(255,255,255,0.9)', stroke: '#555', r: Math.max(1, r - 0.5) } : { fill: '#111', stroke: '#fff', r };
}

/** Paint the scene on a canvas of layout.width x layout.height CSS px at dpr device px each. */
export function drawScene(ctx: CanvasRenderingContext2D, prep: PreparedScene, lay: SceneLayout, dpr: number): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  drawMaps(ctx, prep, lay.panels, dpr);
  if (prep.title) {
    ctx.font = TITLE_FONT;
    ctx.fillStyle = '#222';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    ctx.fillText(prep.title, PAD + 4, lay.titleY);
  }
  if (prep.note && lay.noteY !== undefined) {
    ctx.font = NOTE_FONT;
    ctx.fillStyle = '#4a5563';
    ctx.textAlign = 'left';
    ctx.fillText(prep.note, PAD + 4, lay.noteY);
  }
  drawColorbar(ctx, prep, lay.bar, lay.width);
}

/**
 * The maps alone (field, contours, outline, sensors, panel titles) at the given boxes. Their
 * rasters are put first, so call this on a cleared area before drawing anything beneath them.
 */
export function drawMaps(ctx: CanvasRenderingContext2D, prep: PreparedScene, boxes: PanelBox[], dpr: number): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  // putImageData ignores transforms and replaces pixels, so the images go first.
  boxes.forEach((box, i) => {
    const r = rasterizePanel(prep, box, i, dpr);
    ctx.putImageData(new ImageData(r.rgba, r.w, r.h), r.x, r.y);
  });
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const { grid, outline } = prep;
  boxes.forEach((box, i) => {
    const X = (m: number) => box.cx + m * box.k;
    const Y = (m: number) => box.cy - m * box.k;
    const seg = prep.contourSegments[i];
    if (seg.length) {
      ctx.save();
      ctx.beginPath();
      ctx.arc(box.cx, box.cy, grid.clipRadius * box.k, 0, 2 * Math.PI);
      ctx.clip();
      ctx.beginPath();
      for (let s = 0; s < seg.length; s += 4) {
        ctx.moveTo(X(seg[s]), Y(seg[s + 1]));
        ctx.lineTo(X(seg[s + 2]), Y(seg[s + 3]));
      }
      ctx.strokeStyle = 'rgba(0,0,0,0.55)';
      ctx.lineWidth = 0.8;
      ctx.lineCap = 'round';
      ctx.stroke();
      ctx.restore();
    }
    ctx.beginPath();
    for (const part of [outline.head, outline.nose, outline.leftEar, outline.rightEar]) {
      part.x.forEach((px, j) => (j ? ctx.lineTo(X(px), Y(part.y[j])) : ctx.moveTo(X(px), Y(part.y[j]))));
    }
    ctx.strokeStyle = '#222';
    ctx.lineWidth = 1.4;
    ctx.lineJoin = 'round';
    ctx.stroke();
    // One path per style (selected, not selected): two fills and two strokes instead of 126 calls.
    for (const on of [false, true]) {
      let st: ReturnType<typeof sensorStyle> | null = null;
      ctx.beginPath();
      grid.sensors.forEach((s, k) => {
        if (Boolean(!prep.selected || prep.selected[k]) !== on) return;
        st = sensorStyle(prep, k, box.k);
        ctx.moveTo(X(s.x) + st.r, Y(s.y));
        ctx.arc(X(s.x), Y(s.y), st.r, 0, 2 * Math.PI);
      });
      if (!st) continue;
      const style: ReturnType<typeof sensorStyle> = st;
      ctx.fillStyle = style.fill;
      ctx.fill();
      ctx.strokeStyle = style.stroke;
      ctx.lineWidth = style.r > 2 ? 0.8 : 0.5;
      ctx.stroke();
    }
    const title = prep.panels[i].title;
    if (title) {
      ctx.font = LABEL_FONT;
      ctx.fillStyle = '#222';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'alphabetic';
      ctx.fillText(title, box.cx, box.titleY);
    }
  });
}

const esc = escapeXml;
const f2 = (v: number) => v.toFixed(2);

/**
 * The same scene as a standalone SVG document: vector outline, contours, sensors, text and colour
 * bar; each panel's field embedded as an image (one PNG per panel with its box in CSS px, as
 * rasterizePanel placed it).
 */
export function sceneSvg(prep: PreparedScene, lay: SceneLayout, images: { href: string; x: number; y: number; w: number; h: number }[]): string {
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${lay.width}" height="${lay.height}" viewBox="0 0 ${lay.width} ${lay.height}" font-family="system-ui, sans-serif">`);
  out.push(mapsSvg(prep, lay.panels, images));
  if (prep.title) out.push(`<text x="${PAD + 4}" y="${lay.titleY}" font-size="14" fill="#222">${esc(prep.title)}</text>`);
  if (prep.note && lay.noteY !== undefined) out.push(`<text class="note" x="${PAD + 4}" y="${f2(lay.noteY)}" font-size="11" fill="#4a5563">${esc(prep.note)}</text>`);
  out.push(colorbarSvg(prep, lay.bar, lay.width));
  out.push('</svg>');
  return out.join('\n');
}

/** SVG elements of the maps at the given boxes (images as rasterizePanel placed them, in CSS px). */
export function mapsSvg(prep: PreparedScene, boxes: PanelBox[], images: { href: string; x: number; y: number; w: number; h: number }[], idPrefix = 'clip'): string {
  const out: string[] = [];
  const { grid, outline } = prep;
  boxes.forEach((box, i) => {
    const X = (m: number) => f2(box.cx + m * box.k);
    const Y = (m: number) => f2(box.cy - m * box.k);
    const R = grid.clipRadius * box.k;
    out.push(`<clipPath id="${idPrefix}${i}"><circle cx="${f2(box.cx)}" cy="${f2(box.cy)}" r="${f2(R)}"/></clipPath>`);
    const im = images[i];
    if (im) out.push(`<image x="${f2(im.x)}" y="${f2(im.y)}" width="${f2(im.w)}" height="${f2(im.h)}" preserveAspectRatio="none" clip-path="url(#${idPrefix}${i})" xlink:href="${im.href}"/>`);
    const seg = prep.contourSegments[i];
    if (seg.length) {
      const d: string[] = [];
      for (let s = 0; s < seg.length; s += 4) d.push(`M${X(seg[s])} ${Y(seg[s + 1])}L${X(seg[s + 2])} ${Y(seg[s + 3])}`);
      out.push(`<path class="contours" d="${d.join('')}" fill="none" stroke="#000" stroke-opacity="0.55" stroke-width="0.8" stroke-linecap="round" clip-path="url(#${idPrefix}${i})"/>`);
    }
    const d = [outline.head, outline.nose, outline.leftEar, outline.rightEar].map((p) => p.x.map((px, j) => `${j ? 'L' : 'M'}${X(px)} ${Y(p.y[j])}`).join('')).join('');
    out.push(`<path class="outline" d="${d}" fill="none" stroke="#222" stroke-width="1.4" stroke-linejoin="round"/>`);
    grid.sensors.forEach((s, k) => {
      const st = sensorStyle(prep, k, box.k);
      out.push(`<circle class="sensor" cx="${X(s.x)}" cy="${Y(s.y)}" r="${st.r}" fill="${st.fill}" stroke="${st.stroke}" stroke-width="0.8"><title>${esc(prep.names?.[k] ?? s.name)}</title></circle>`);
    });
    const title = prep.panels[i].title;
    if (title) out.push(`<text x="${f2(box.cx)}" y="${f2(box.titleY)}" font-size="12" text-anchor="middle" fill="#222">${esc(title)}</text>`);
  });
  return out.join('\n');
}

export interface TopomapHit {
  panel: number;
  /** Sensor index within a few pixels of the point, else null. */
  sensor: number | null;
  /** The sensor's value, or the interpolated field at the point; NaN outside the map. */
  value: number;
}

/** What lies under (x, y) CSS px: a sensor (within 7 px), a point of the map, or nothing. */
export function hitTest(prep: PreparedScene, lay: { panels: PanelBox[] }, x: number, y: number): TopomapHit | null {
  for (let i = 0; i < lay.panels.length; i++) {
    const box = lay.panels[i];
    const xm = (x - box.cx) / box.k;
    const ym = -(y - box.cy) / box.k;
    if (Math.hypot(xm, ym) > prep.grid.clipRadius * 1.16) continue;
    let best = -1;
    let bestD = 7;
    prep.grid.sensors.forEach((s, k) => {
      const d = Math.hypot((s.x - xm) * box.k, (s.y - ym) * box.k);
      if (d <= bestD) {
        bestD = d;
        best = k;
      }
    });
    if (best >= 0) return { panel: i, sensor: best, value: Number(prep.panels[i].values[best]) };
    const inside = Math.hypot(xm, ym) <= prep.grid.clipRadius;
    return { panel: i, sensor: null, value: inside ? sampleField(prep.grid, prep.fields[i], xm, ym) : NaN };
  }
  return null;
}
