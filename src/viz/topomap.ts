// Scalp-map interpolation as one precomputed matrix: every frame is then a matrix-vector product.
//
// Method: EEGLAB topoplot's default, MATLAB griddata 'v4' = biharmonic spline (Sandwell 1987)
// on the 2-D topomap positions. Green's function g(d) = d^2 (ln d - 1), g(0) = 0, weights w solve
// G w = v (no polynomial term, as in griddata 'v4'). Because the interpolant is linear in v,
// values on the grid are M v with M = G_grid,sensors * G_sensors,sensors^-1.
// v4 is not scale invariant (no polynomial term), so positions are scaled like EEGLAB's:
// the head circle (MNE radius 0.095 m) maps to radius 0.5.
import { HEAD_RADIUS_M, type Sensor } from './channels.ts';

const EEGLAB_HEAD_RADIUS = 0.5;

function green(d2: number): number {
  // d^2 (ln d - 1) written with d^2 to avoid a sqrt: ln d = 0.5 ln d^2.
  return d2 > 0 ? d2 * (0.5 * Math.log(d2) - 1) : 0;
}

/** Inverse of a dense n x n matrix (row-major) by Gauss-Jordan with partial pivoting. */
export function invert(a: ArrayLike<number>, n: number): Float64Array {
  const m = Float64Array.from(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let piv = col;
    let best = Math.abs(m[col * n + col]);
    for (let r = col + 1; r < n; r++) {
      const v = Math.abs(m[r * n + col]);
      if (v > best) {
        best = v;
        piv = r;
      }
    }
    if (best === 0) throw new Error('Interpolation matrix is singular (duplicate sensor positions?)');
    if (piv !== col) {
      for (let k = 0; k < n; k++) {
        let t = m[col * n + k];
        m[col * n + k] = m[piv * n + k];
        m[piv * n + k] = t;
        t = inv[col * n + k];
        inv[col * n + k] = inv[piv * n + k];
        inv[piv * n + k] = t;
      }
    }
    const d = 1 / m[col * n + col];
    for (let k = 0; k < n; k++) {
      m[col * n + k] *= d;
      inv[col * n + k] *= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r * n + col];
      if (f === 0) continue;
      for (let k = 0; k < n; k++) {
        m[r * n + k] -= f * m[col * n + k];
        inv[r * n + k] -= f * inv[col * n + k];
      }
    }
  }
  return inv;
}

/**
 * Biharmonic-spline ('v4') interpolation matrix, targets x sources (row-major).
 * sources and targets are flat [x0, y0, x1, y1, ...] in any common unit.
 */
export function biharmonicMatrix(sources: ArrayLike<number>, targets: ArrayLike<number>): Float64Array {
  const n = sources.length / 2;
  const m = targets.length / 2;
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dx = sources[2 * i] - sources[2 * j];
      const dy = sources[2 * i + 1] - sources[2 * j + 1];
      g[i * n + j] = green(dx * dx + dy * dy);
    }
  }
  const gInv = invert(g, n);
  const out = new Float64Array(m * n);
  const row = new Float64Array(n);
  for (let t = 0; t < m; t++) {
    for (let k = 0; k < n; k++) {
      const dx = targets[2 * t] - sources[2 * k];
      const dy = targets[2 * t + 1] - sources[2 * k + 1];
      row[k] = green(dx * dx + dy * dy);
    }
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += row[k] * gInv[k * n + j];
      out[t * n + j] = s;
    }
  }
  return out;
}

/** How a grid's matrix was made: EEGLAB's biharmonic spline, or MNE's Clough-Tocher (plot_topomap's default). */
export type TopomapMethod = 'v4' | 'mne';

export const METHOD_LABEL: Record<TopomapMethod, string> = {
  mne: "MNE 1.3 default: Clough-Tocher, extrapolate='head', border='mean'",
  v4: "EEGLAB 'v4' biharmonic spline",
};

export interface TopomapGrid {
  sensors: Sensor[];
  /** Interpolation the matrix encodes (v4 when absent). */
  method?: TopomapMethod;
  /** Grid points per axis. */
  res: number;
  /** Axis coordinates (m), shared by x and y. */
  axis: Float64Array;
  /** Head circle radius (m). */
  headRadius: number;
  /** Radius (m) beyond which the image is blank: max(head, 1.01 x outermost sensor). */
  clipRadius: number;
  /** Flat grid indices (row = y, col = x) with values: within 1.5 cells of the clip circle. */
  inside: Int32Array;
  /** inside.length x sensors.length, row-major. */
  matrix: Float32Array;
}

/** Precompute the interpolation of a montage onto a res x res grid. */
export function makeTopomapGrid(sensors: Sensor[], res = 72): TopomapGrid {
  const headRadius = HEAD_RADIUS_M;
  let rMax = 0;
  for (const s of sensors) rMax = Math.max(rMax, Math.hypot(s.x, s.y));
  // As MNE does: the image reaches the head circle, or just past the outermost sensor when
  // sensors sit outside it (Fp1/Fp2, AF7/AF8, FT9/FT10 here).
  const clipRadius = Math.max(headRadius, rMax * 1.01);
  // The grid reaches two cells past the clip circle, so a plot can draw a smooth circular
  // mask at clipRadius over the image instead of showing the grid's staircase edge.
  const cell = (2 * clipRadius) / (res - 5);
  const half = clipRadius + 2 * cell;
  const reach = clipRadius + 1.5 * cell;
  const axis = new Float64Array(res);
  for (let i = 0; i < res; i++) axis[i] = -half + (2 * half * i) / (res - 1);
  const inside: number[] = [];
  const targets: number[] = [];
  const scale = EEGLAB_HEAD_RADIUS / headRadius;
  for (let r = 0; r < res; r++) {
    for (let c = 0; c < res; c++) {
      if (Math.hypot(axis[c], axis[r]) <= reach) {
        inside.push(r * res + c);
        targets.push(axis[c] * scale, axis[r] * scale);
      }
    }
  }
  const src = sensors.flatMap((s) => [s.x * scale, s.y * scale]);
  const matrix = Float32Array.from(biharmonicMatrix(src, targets));
  return { sensors, method: 'v4', res, axis, headRadius, clipRadius, inside: Int32Array.from(inside), matrix };
}

/** Grid values (res*res, row = y) for one vector of sensor values; NaN beyond the clip circle's margin. */
export function interpolateTopomap(grid: TopomapGrid, values: ArrayLike<number>): Float32Array {
  const n = grid.sensors.length;
  if (values.length !== n) throw new Error(`Expected ${n} sensor values, got ${values.length}`);
  const out = new Float32Array(grid.res * grid.res).fill(NaN);
  const { matrix, inside } = grid;
  for (let p = 0; p < inside.length; p++) {
    let s = 0;
    const o = p * n;
    for (let j = 0; j < n; j++) s += matrix[o + j] * values[j];
    out[inside[p]] = s;
  }
  return out;
}

/** Largest |value| over finite entries; 1 when there is none (keeps a colour scale drawable). */
export function symmetricLimit(...arrays: ArrayLike<number>[]): number {
  let m = 0;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = Math.abs(a[i]);
      if (Number.isFinite(v) && v > m) m = v;
    }
  }
  return m > 0 ? m : 1;
}

/** n contour levels evenly spaced strictly inside (-lim, lim). */
export function contourLevels(lim: number, n = 6): number[] {
  const size = (2 * lim) / (n + 1);
  return Array.from({ length: n }, (_, i) => -lim + size * (i + 1));
}

export interface HeadOutline {
  head: { x: number[]; y: number[] };
  nose: { x: number[]; y: number[] };
  leftEar: { x: number[]; y: number[] };
  rightEar: { x: number[]; y: number[] };
}

/** Head circle, nose (pointing +y) and ears, in metres. */
export function headOutline(radius = HEAD_RADIUS_M, points = 121): HeadOutline {
  const head = { x: [] as number[], y: [] as number[] };
  for (let i = 0; i < points; i++) {
    const a = (2 * Math.PI * i) / (points - 1);
    head.x.push(radius * Math.cos(a));
    head.y.push(radius * Math.sin(a));
  }
  // Nose: a small triangle whose base sits on the circle 12 degrees either side of the midline.
  const bx = radius * Math.sin((12 * Math.PI) / 180);
  const by = radius * Math.cos((12 * Math.PI) / 180);
  const nose = { x: [-bx, 0, bx], y: [by, radius * 1.15, by] };
  // Ears: an outward bulge on the circle from 10% above to 15% below the ear line.
  const rightEar = { x: [] as number[], y: [] as number[] };
  const n = 16;
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    const y = radius * (0.1 - 0.25 * t);
    const base = Math.sqrt(Math.max(0, radius * radius - y * y));
    rightEar.x.push(base + radius * 0.08 * Math.sin(Math.PI * t) ** 0.8);
    rightEar.y.push(y);
  }
  const leftEar = { x: rightEar.x.map((v) => -v), y: [...rightEar.y] };
  return { head, nose, leftEar, rightEar };
}

/**
 * Colour limits as mne.viz.plot_topomap sets them by default (viz/utils.py _setup_vmin_vmax):
 * data that are all >= 0 get [0, max] on 'Reds'; anything else ±max|data| on 'RdBu_r'.
 * Like MNE's evoked.plot_topomap, a caller passes every map of a figure at once to share limits.
 */
export function mneColorLimits(...arrays: ArrayLike<number>[]): { range: [number, number]; colormap: 'RdBu_r' | 'Reds' } {
  let min = Infinity;
  for (const a of arrays) for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]) && a[i] < min) min = a[i];
  const lim = symmetricLimit(...arrays);
  return min >= 0 ? { range: [0, lim], colormap: 'Reds' } : { range: [-lim, lim], colormap: 'RdBu_r' };
}
