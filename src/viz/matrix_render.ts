// A labelled square matrix (image-by-image dissimilarity) drawn on a 2-D canvas or as SVG, with a
// colour bar. Row i is drawn top to bottom, column j left to right, as in an RDM figure.
import { type Box, COLORBAR_SPACE, colorbarBox, colorbarSvg, drawColorbar, escapeXml, colorOf } from './colorbar.ts';
import { colormapLut, type ColormapName } from './colormap.ts';

export interface MatrixScene {
  /** n x n, row-major. */
  values: ArrayLike<number>;
  labels: string[];
  range: [number, number];
  colormap?: ColormapName;
  unit: string;
  title?: string;
}

export interface MatrixLayout {
  width: number;
  height: number;
  /** Top-left corner and cell size (CSS px). */
  x: number;
  y: number;
  cell: number;
  bar: Box;
}

const NAN_FILL = '#e8e8e8';

function cellFill(lut: Uint8Array, range: [number, number], v: number): string {
  return Number.isFinite(v) ? colorOf(lut, range, v) : NAN_FILL;
}

/** Room for the labels from their length (about 6.5 px per character of a 12 px font). */
export function layoutMatrix(scene: MatrixScene, width: number, height: number): MatrixLayout {
  const n = Math.max(1, scene.labels.length);
  const longest = Math.max(1, ...scene.labels.map((l) => l.length));
  const labelW = Math.min(150, longest * 6.5 + 8);
  const top = scene.title ? 30 : 8;
  const left = labelW + 6;
  const bottom = labelW * 0.72 + 12; // x labels at 45 degrees
  const side = Math.max(10, Math.min(width - left - COLORBAR_SPACE - 8, height - top - bottom));
  const cell = side / n;
  return { width, height, x: left, y: top, cell, bar: colorbarBox(width, top + side / 2, Math.min(side, 260)) };
}

/** The cell under (x, y) CSS px, or null. */
export function matrixCellAt(scene: MatrixScene, lay: MatrixLayout, x: number, y: number): { i: number; j: number } | null {
  const n = scene.labels.length;
  const j = Math.floor((x - lay.x) / lay.cell);
  const i = Math.floor((y - lay.y) / lay.cell);
  return i >= 0 && j >= 0 && i < n && j < n ? { i, j } : null;
}

/**
 * The cells as an image, scaled up without smoothing: one pixel per cell, or, when the cells are
 * smaller than a device pixel (a thousand images in a few hundred pixels), one pixel per device
 * pixel showing the cell under its centre, as nearest-neighbour scaling would: the work follows
 * the drawn size, not the million cells.
 */
function drawCellsAsBitmap(ctx: CanvasRenderingContext2D, scene: MatrixScene, lay: MatrixLayout, lut: Uint8Array, dpr: number) {
  const n = scene.labels.length;
  const side = Math.max(1, Math.round(n * lay.cell * dpr));
  const m = Math.min(n, side);
  // cell index of each image row/column
  const at = new Int32Array(m);
  for (let p = 0; p < m; p++) at[p] = m === n ? p : Math.min(n - 1, Math.floor(((p + 0.5) * n) / m));
  const img = new ImageData(m, m);
  // one 32-bit write per pixel (RGBA bytes in memory order)
  const px = new Uint32Array(img.data.buffer);
  const k = lut.length / 3;
  const little = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  const rgba = (r: number, g: number, b: number) => (little ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0);
  const colours = new Uint32Array(k);
  for (let i = 0; i < k; i++) colours[i] = rgba(lut[3 * i], lut[3 * i + 1], lut[3 * i + 2]);
  const nan = rgba(0xe8, 0xe8, 0xe8); // NAN_FILL
  const [lo, hi] = scene.range;
  const span = hi - lo;
  const values = scene.values;
  for (let r = 0; r < m; r++) {
    const row = at[r] * n;
    for (let c = 0; c < m; c++) {
      const v = values[row + at[c]];
      if (!(v - v === 0)) {
        px[r * m + c] = nan; // NaN or infinite
        continue;
      }
      let i = Math.round((hi > lo ? (v - lo) / span : 0.5) * (k - 1));
      if (i < 0) i = 0;
      else if (i > k - 1) i = k - 1;
      px[r * m + c] = colours[i];
    }
  }
  const off = new OffscreenCanvas(m, m);
  off.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, lay.x, lay.y, n * lay.cell, n * lay.cell);
  ctx.imageSmoothingEnabled = true;
}

export function drawMatrix(ctx: CanvasRenderingContext2D, scene: MatrixScene, lay: MatrixLayout, dpr: number, lut = colormapLut(scene.colormap ?? 'viridis')): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const n = scene.labels.length;
  // the cells as one bitmap (a fill per cell is a canvas call each: 3,600 of them at 60 images);
  // one fill per cell where there is no OffscreenCanvas
  if (typeof OffscreenCanvas !== 'undefined') drawCellsAsBitmap(ctx, scene, lay, lut, dpr);
  else
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = scene.values[i * n + j];
        ctx.fillStyle = cellFill(lut, scene.range, v);
        // Cells overlap by a hair so no background seams show between them.
        ctx.fillRect(lay.x + j * lay.cell, lay.y + i * lay.cell, lay.cell + 0.5, lay.cell + 0.5);
      }
    }
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillStyle = '#222';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  // (large matrices have empty labels, names on hover: nothing to draw for them)
  scene.labels.forEach((l, i) => l && ctx.fillText(l, lay.x - 6, lay.y + (i + 0.5) * lay.cell));
  const base = lay.y + n * lay.cell + 6;
  scene.labels.forEach((l, j) => {
    if (!l) return;
    ctx.save();
    ctx.translate(lay.x + (j + 0.5) * lay.cell, base);
    ctx.rotate(-Math.PI / 4);
    ctx.textAlign = 'right';
    ctx.fillText(l, 0, 0);
    ctx.restore();
  });
  if (scene.title) {
    ctx.font = '14px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    ctx.fillText(scene.title, 10, 18);
  }
  drawColorbar(ctx, { lut, range: scene.range, unit: scene.unit }, lay.bar, lay.width);
}

export function matrixSvg(scene: MatrixScene, lay: MatrixLayout, lut = colormapLut(scene.colormap ?? 'viridis')): string {
  const n = scene.labels.length;
  const f2 = (v: number) => v.toFixed(2);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${lay.width}" height="${lay.height}" viewBox="0 0 ${lay.width} ${lay.height}" font-family="system-ui, sans-serif">`];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = scene.values[i * n + j];
      const fill = cellFill(lut, scene.range, v);
      out.push(`<rect class="cell" x="${f2(lay.x + j * lay.cell)}" y="${f2(lay.y + i * lay.cell)}" width="${f2(lay.cell)}" height="${f2(lay.cell)}" fill="${fill}"><title>${escapeXml(`${scene.labels[i]} vs ${scene.labels[j]}: ${Number.isFinite(v) ? v.toFixed(3) : 'n/a'}`)}</title></rect>`);
    }
  }
  scene.labels.forEach((l, i) => out.push(`<text x="${f2(lay.x - 6)}" y="${f2(lay.y + (i + 0.5) * lay.cell)}" font-size="12" text-anchor="end" dominant-baseline="middle" fill="#222">${escapeXml(l)}</text>`));
  const base = lay.y + n * lay.cell + 6;
  scene.labels.forEach((l, j) =>
    out.push(`<text transform="translate(${f2(lay.x + (j + 0.5) * lay.cell)},${f2(base)}) rotate(-45)" font-size="12" text-anchor="end" dominant-baseline="middle" fill="#222">${escapeXml(l)}</text>`),
  );
  if (scene.title) out.push(`<text x="10" y="18" font-size="14" fill="#222">${escapeXml(scene.title)}</text>`);
  out.push(colorbarSvg({ lut, range: scene.range, unit: scene.unit }, lay.bar, lay.width));
  out.push('</svg>');
  return out.join('\n');
}
