// A vertical colour bar with round ticks and a unit label, for canvas and SVG figures.
export interface ColorbarSpec {
  /** RGB lookup table of the colour map (colormapLut). */
  lut: Uint8Array;
  range: [number, number];
  unit: string;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Room a colour bar with its tick labels and unit needs at a figure's right edge (CSS px). */
export const COLORBAR_SPACE = 78;

/** The bar's box inside a figure of the given width, centred on cy. */
export function colorbarBox(width: number, cy: number, h: number): Box {
  return { x: width - COLORBAR_SPACE + 10, y: cy - h / 2, w: 12, h };
}

/** Round tick values covering [lo, hi] with about `target` intervals. */
export function niceTicks(lo: number, hi: number, target = 5): { ticks: number[]; step: number } {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return { ticks: [lo], step: 1 };
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(Math.abs(k) < 1e-9 ? 0 : k * step);
  return { ticks, step };
}

export function formatTick(v: number, step: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return v.toFixed(Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
}

/** CSS colour at t in [0, 1] of a lookup table. */
export function lutCss(lut: Uint8Array, t: number): string {
  const n = lut.length / 3;
  const i = Math.min(n - 1, Math.max(0, Math.round(t * (n - 1))));
  return `rgb(${lut[3 * i]},${lut[3 * i + 1]},${lut[3 * i + 2]})`;
}

/** CSS colour of value v on a [lo, hi] scale (clamped; the middle colour when the range is empty). */
export function colorOf(lut: Uint8Array, range: [number, number], v: number): string {
  const [lo, hi] = range;
  return lutCss(lut, hi > lo ? (v - lo) / (hi - lo) : 0.5);
}

function tickY(bar: Box, range: [number, number], t: number): number {
  return bar.y + bar.h - ((t - range[0]) / (range[1] - range[0] || 1)) * bar.h;
}

/** Paint the bar (high values on top), its ticks and the unit (rotated, at the figure's right edge). */
export function drawColorbar(ctx: CanvasRenderingContext2D, spec: ColorbarSpec, bar: Box, figureWidth: number): void {
  const grad = ctx.createLinearGradient(0, bar.y + bar.h, 0, bar.y);
  for (let s = 0; s <= 16; s++) grad.addColorStop(s / 16, lutCss(spec.lut, s / 16));
  ctx.fillStyle = grad;
  ctx.fillRect(bar.x, bar.y, bar.w, bar.h);
  const { ticks, step } = niceTicks(spec.range[0], spec.range[1]);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#333';
  ctx.strokeStyle = '#333';
  ctx.lineWidth = 1;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  for (const t of ticks) {
    const ty = tickY(bar, spec.range, t);
    ctx.beginPath();
    ctx.moveTo(bar.x + bar.w, ty);
    ctx.lineTo(bar.x + bar.w + 3, ty);
    ctx.stroke();
    ctx.fillText(formatTick(t, step), bar.x + bar.w + 5, ty);
  }
  ctx.save();
  ctx.translate(figureWidth - 8, bar.y + bar.h / 2);
  ctx.rotate(Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(spec.unit, 0, 0);
  ctx.restore();
}

export const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f2 = (v: number) => v.toFixed(2);

/** The same colour bar as SVG elements. */
export function colorbarSvg(spec: ColorbarSpec, bar: Box, figureWidth: number, id = 'cbar'): string {
  const out: string[] = [`<defs><linearGradient id="${id}" x1="0" y1="1" x2="0" y2="0">`];
  for (let s = 0; s <= 16; s++) out.push(`<stop offset="${(s / 16).toFixed(4)}" stop-color="${lutCss(spec.lut, s / 16)}"/>`);
  out.push('</linearGradient></defs>');
  out.push(`<rect class="colorbar" x="${f2(bar.x)}" y="${f2(bar.y)}" width="${bar.w}" height="${f2(bar.h)}" fill="url(#${id})"/>`);
  const { ticks, step } = niceTicks(spec.range[0], spec.range[1]);
  for (const t of ticks) {
    const ty = tickY(bar, spec.range, t);
    out.push(`<line x1="${f2(bar.x + bar.w)}" y1="${f2(ty)}" x2="${f2(bar.x + bar.w + 3)}" y2="${f2(ty)}" stroke="#333"/>`);
    out.push(`<text class="tick" x="${f2(bar.x + bar.w + 5)}" y="${f2(ty)}" font-size="11" dominant-baseline="middle" fill="#333">${formatTick(t, step)}</text>`);
  }
  out.push(`<text class="unit" transform="translate(${f2(figureWidth - 8)},${f2(bar.y + bar.h / 2)}) rotate(90)" font-size="11" text-anchor="middle" fill="#333">${escapeXml(spec.unit)}</text>`);
  return out.join('\n');
}
