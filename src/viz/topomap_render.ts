// Scalp maps drawn directly on a 2-D canvas (and as SVG for export): the interpolated field as an
// image, contour lines, head outline, sensors and a colour bar, one or more panels sharing a scale.
// A map costs a few milliseconds this way, so maps can follow the time cursor while the engine
// works, and playback is smooth; a charting library's heatmap and contour traces cost ~100 ms.
import { type Box, colorbarBox, colorbarSvg, COLORBAR_SPACE, drawColorbar, escapeXml } from './colorbar.ts';
import { colormapLut, type ColormapName } from './colormap.ts';
import { isoSegments } from './contours.ts';
import { contourLevels, headOutline, interpolateTopomap, type HeadOutline, type TopomapGrid } from './topomap.ts';

export interface TopoPanel {
  values: ArrayLike<number>;
  title?: string;
}

export interface TopomapScene {
  grid: TopomapGrid;
  panels: TopoPanel[];
  /** Colour range; diverging maps use [-lim, lim]. */
  range: [number, number];
  colormap?: ColormapName;
  /** One flag per sensor: selected sensors are drawn filled. */
  selected?: ArrayLike<boolean | number>;
  /** Channel names in sensor order (tooltips). */
  names?: readonly string[];
  unit: string;
  title?: string;
  /** Contour lines (MNE draws 6). */
  contours?: number;
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

export function prepareScene(scene: TopomapScene): PreparedScene {
  const { grid } = scene;
  const [lo, hi] = scene.range;
  const fields = scene.panels.map((p) => interpolateTopomap(grid, p.values));
  const n = scene.contours ?? 6;
  const levels = n > 0 && hi > lo ? contourLevels((hi - lo) / 2, n).map((l) => l + (hi + lo) / 2) : [];
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
  return { ...scene, fields, contourSegments, outline: headOutline(grid.headRadius), lut: colormapLut(scene.colormap ?? 'RdBu_r') };
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
}

const PAD = 6;

/** Where each map, its title and the colour bar go on a width x height (CSS px) canvas. */
export function layoutScene(scene: TopomapScene, width: number, height: number): SceneLayout {
  const n = Math.max(1, scene.panels.length);
  const titleH = scene.title ? 26 : PAD;
  const panelTitleH = scene.panels.some((p) => p.title) ? 18 : 0;
  const cellW = (width - 2 * PAD - COLORBAR_SPACE) / n;
  const mapH = Math.max(10, height - titleH - panelTitleH - PAD);
  // The box holds the ears (1.08 x head radius) and the nose (1.15 x).
  const extent = scene.grid.clipRadius * 1.16;
  const side = Math.max(10, Math.min(cellW - 4, mapH));
  const k = side / (2 * extent);
  const cy = titleH + panelTitleH + mapH / 2;
  const panels = scene.panels.map((_, i) => ({ cx: PAD + cellW * (i + 0.5), cy, k, titleY: titleH + panelTitleH - 5 }));
  const barH = Math.min(mapH * 0.8, 260);
  return { width, height, panels, bar: colorbarBox(width, cy, barH), titleY: 17 };
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

/**
 * The coloured field of one panel in device pixels: bilinear between grid points, the colour map
 * looked up per pixel, transparent outside the clip circle with a one-pixel antialiased edge.
 */
export function rasterizePanel(prep: PreparedScene, box: PanelBox, i: number, dpr: number): Raster {
  const { grid, lut } = prep;
  const z = prep.fields[i];
  const [lo, hi] = prep.range;
  const R = grid.clipRadius;
  const rPx = R * box.k * dpr;
  const x = Math.floor(box.cx * dpr - rPx) - 1;
  const y = Math.floor(box.cy * dpr - rPx) - 1;
  const w = Math.ceil(2 * rPx) + 3;
  const h = w;
  const rgba = new Uint8ClampedArray(w * h * 4);
  const nLut = lut.length / 3;
  const scale = hi > lo ? (nLut - 1) / (hi - lo) : 0;
  const perPx = 1 / (box.k * dpr); // metres per device pixel
  const a0 = grid.axis[0];
  const cell = grid.axis[1] - grid.axis[0];
  const res = grid.res;
  for (let py = 0; py < h; py++) {
    const yM = -((y + py + 0.5) / dpr - box.cy) / box.k;
    const gy = (yM - a0) / cell;
    const r = Math.floor(gy);
    const fy = gy - r;
    for (let px = 0; px < w; px++) {
      const xM = ((x + px + 0.5) / dpr - box.cx) / box.k;
      const dist = Math.hypot(xM, yM);
      const alpha = Math.min(1, Math.max(0, (R - dist) / perPx + 0.5));
      if (alpha <= 0) continue;
      const gx = (xM - a0) / cell;
      const c = Math.floor(gx);
      if (c < 0 || r < 0 || c >= res - 1 || r >= res - 1) continue;
      const fx = gx - c;
      const k = r * res + c;
      const t = z[k] + (z[k + 1] - z[k]) * fx;
      const b = z[k + res] + (z[k + res + 1] - z[k + res]) * fx;
      const v = t + (b - t) * fy;
      if (!Number.isFinite(v)) continue;
      const li = scale ? Math.min(nLut - 1, Math.max(0, Math.round((v - lo) * scale))) : (nLut - 1) >> 1;
      const o = (py * w + px) * 4;
      rgba[o] = lut[3 * li];
      rgba[o + 1] = lut[3 * li + 1];
      rgba[o + 2] = lut[3 * li + 2];
      rgba[o + 3] = Math.round(alpha * 255);
    }
  }
  return { x, y, w, h, rgba };
}

const SENSOR_R = 3;
const LABEL_FONT = '12px system-ui, sans-serif';
const TITLE_FONT = '14px system-ui, sans-serif';

function sensorStyle(prep: PreparedScene, k: number): { fill: string; stroke: string; r: number } {
  const off = prep.selected && !prep.selected[k];
  return off ? { fill: 'rgba(255,255,255,0.9)', stroke: '#555', r: SENSOR_R - 0.5 } : { fill: '#111', stroke: '#fff', r: SENSOR_R };
}

/** Paint the scene on a canvas of layout.width x layout.height CSS px at dpr device px each. */
export function drawScene(ctx: CanvasRenderingContext2D, prep: PreparedScene, lay: SceneLayout, dpr: number): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  // putImageData ignores transforms and replaces pixels, so the images go first.
  lay.panels.forEach((box, i) => {
    const r = rasterizePanel(prep, box, i, dpr);
    ctx.putImageData(new ImageData(r.rgba, r.w, r.h), r.x, r.y);
  });
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const { grid, outline } = prep;
  lay.panels.forEach((box, i) => {
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
    grid.sensors.forEach((s, k) => {
      const st = sensorStyle(prep, k);
      ctx.beginPath();
      ctx.arc(X(s.x), Y(s.y), st.r, 0, 2 * Math.PI);
      ctx.fillStyle = st.fill;
      ctx.fill();
      ctx.strokeStyle = st.stroke;
      ctx.lineWidth = 0.8;
      ctx.stroke();
    });
    const title = prep.panels[i].title;
    if (title) {
      ctx.font = LABEL_FONT;
      ctx.fillStyle = '#222';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'alphabetic';
      ctx.fillText(title, box.cx, box.titleY);
    }
  });
  if (prep.title) {
    ctx.font = TITLE_FONT;
    ctx.fillStyle = '#222';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    ctx.fillText(prep.title, PAD + 4, lay.titleY);
  }
  drawColorbar(ctx, prep, lay.bar, lay.width);
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
  const { grid, outline } = prep;
  lay.panels.forEach((box, i) => {
    const X = (m: number) => f2(box.cx + m * box.k);
    const Y = (m: number) => f2(box.cy - m * box.k);
    const R = grid.clipRadius * box.k;
    out.push(`<clipPath id="clip${i}"><circle cx="${f2(box.cx)}" cy="${f2(box.cy)}" r="${f2(R)}"/></clipPath>`);
    const im = images[i];
    if (im) out.push(`<image x="${f2(im.x)}" y="${f2(im.y)}" width="${f2(im.w)}" height="${f2(im.h)}" preserveAspectRatio="none" clip-path="url(#clip${i})" xlink:href="${im.href}"/>`);
    const seg = prep.contourSegments[i];
    if (seg.length) {
      const d: string[] = [];
      for (let s = 0; s < seg.length; s += 4) d.push(`M${X(seg[s])} ${Y(seg[s + 1])}L${X(seg[s + 2])} ${Y(seg[s + 3])}`);
      out.push(`<path class="contours" d="${d.join('')}" fill="none" stroke="#000" stroke-opacity="0.55" stroke-width="0.8" stroke-linecap="round" clip-path="url(#clip${i})"/>`);
    }
    const d = [outline.head, outline.nose, outline.leftEar, outline.rightEar].map((p) => p.x.map((px, j) => `${j ? 'L' : 'M'}${X(px)} ${Y(p.y[j])}`).join('')).join('');
    out.push(`<path class="outline" d="${d}" fill="none" stroke="#222" stroke-width="1.4" stroke-linejoin="round"/>`);
    grid.sensors.forEach((s, k) => {
      const st = sensorStyle(prep, k);
      out.push(`<circle class="sensor" cx="${X(s.x)}" cy="${Y(s.y)}" r="${st.r}" fill="${st.fill}" stroke="${st.stroke}" stroke-width="0.8"><title>${esc(prep.names?.[k] ?? s.name)}</title></circle>`);
    });
    const title = prep.panels[i].title;
    if (title) out.push(`<text x="${f2(box.cx)}" y="${f2(box.titleY)}" font-size="12" text-anchor="middle" fill="#222">${esc(title)}</text>`);
  });
  if (prep.title) out.push(`<text x="${PAD + 4}" y="${lay.titleY}" font-size="14" fill="#222">${esc(prep.title)}</text>`);
  out.push(colorbarSvg(prep, lay.bar, lay.width));
  out.push('</svg>');
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
export function hitTest(prep: PreparedScene, lay: SceneLayout, x: number, y: number): TopomapHit | null {
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
