// MNE-Python's default EEG topomap (plot_topomap in MNE 1.3: scipy's Clough-Tocher interpolator
// over a Delaunay triangulation of the sensors plus points on a circle outside the head,
// extrapolate='head', whose values are the mean of their sensor neighbours, border='mean').
// All of it is linear in the data, so it ships as one grid-by-63 matrix that MNE itself computed
// (tools/reference/make_topomap_goldens.py interpolates the 63 unit vectors with MNE's _GridData);
// reproducing qhull's triangulation and scipy's gradient estimation here would be a second,
// unverifiable implementation. The grid is plot_topomap's 64 x 64 grid over the clip circle's box
// plus two cells on every side, so MNE's image points are grid points here.
import { HEAD_RADIUS_M, sensorsFor } from './channels.ts';
import type { TopomapGrid } from './topomap.ts';

export interface MneAsset {
  source: string;
  method: 'mne-ct';
  ch_names: string[];
  res: number;
  margin_cells: number;
  mne_res: number;
  clip_radius: number;
  axis0: number;
  cell: number;
  inside: number[];
  matrix_f32_b64: string;
}

function decodeF32(b64: string): Float32Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

/** A TopomapGrid from the asset, columns reordered to `names` (any order of the 63, duplicates allowed). */
export function mneGridFromAsset(asset: MneAsset, names: readonly string[]): TopomapGrid {
  const n0 = asset.ch_names.length;
  const full = decodeF32(asset.matrix_f32_b64);
  if (full.length !== asset.inside.length * n0) throw new Error('MNE topomap asset: matrix size does not match its grid');
  const lower = asset.ch_names.map((c) => c.toLowerCase());
  const cols = names.map((n) => {
    const j = lower.indexOf(n.toLowerCase());
    if (j < 0) throw new Error(`MNE topomap asset has no channel ${n}`);
    return j;
  });
  const n = names.length;
  const P = asset.inside.length;
  let matrix: Float32Array;
  if (n === n0 && cols.every((c, i) => c === i)) matrix = full;
  else {
    // A subset of sensors would need a new triangulation: only permutations are exact.
    if (new Set(cols).size !== n0) throw new Error('MNE topomap asset covers the full 63-channel montage only');
    matrix = new Float32Array(P * n);
    for (let p = 0; p < P; p++) for (let k = 0; k < n; k++) matrix[p * n + k] = full[p * n0 + cols[k]];
  }
  const axis = Float64Array.from({ length: asset.res }, (_, i) => asset.axis0 + i * asset.cell);
  return {
    sensors: sensorsFor(names),
    method: 'mne',
    res: asset.res,
    axis,
    headRadius: HEAD_RADIUS_M,
    clipRadius: asset.clip_radius,
    inside: Int32Array.from(asset.inside),
    matrix,
  };
}

let assetPromise: Promise<MneAsset> | null = null;
/** The asset (1.2 MB of JSON) loads on first use, in its own chunk. */
export function loadMneAsset(): Promise<MneAsset> {
  assetPromise ??= import('./assets/topomap_mne_63.json').then((m) => ((m as { default?: MneAsset }).default ?? m) as MneAsset);
  return assetPromise;
}

/** Whether MNE's matrix can serve these channel names (the full montage, in any order). */
export function mneCovers(asset: MneAsset, names: readonly string[]): boolean {
  const have = new Set(asset.ch_names.map((c) => c.toLowerCase()));
  const want = new Set(names.map((c) => c.toLowerCase()));
  return want.size === have.size && [...want].every((c) => have.has(c));
}

/**
 * Contour levels as evoked.plot_topomap and plot_joint set them (mne/viz/topomap.py
 * _set_contour_locator): MaxNLocator(nbins=contours + 1).tick_values(vmin, vmax); matplotlib draws
 * the ones the image reaches.
 */
export function mneContourLevels(vmin: number, vmax: number, contours = 6): number[] {
  return maxNLocatorTicks(vmin, vmax, contours + 1, 2);
}

// matplotlib.ticker.MaxNLocator(nbins).tick_values with its default steps (steps=None).
function scaleRange(vmin: number, vmax: number, n: number): { scale: number; offset: number } {
  const dv = Math.abs(vmax - vmin);
  const meanv = (vmax + vmin) / 2;
  const offset = Math.abs(meanv) / dv < 100 ? 0 : Math.sign(meanv) * 10 ** Math.floor(Math.log10(Math.abs(meanv)));
  return { scale: 10 ** Math.floor(Math.log10(dv / n)), offset };
}

export function maxNLocatorTicks(vmin: number, vmax: number, nbins: number, minTicks = 1): number[] {
  if (!(vmax > vmin) || !Number.isFinite(vmax - vmin)) return Number.isFinite(vmin) ? [vmin] : [];
  const { scale, offset } = scaleRange(vmin, vmax, nbins);
  const v0 = vmin - offset;
  const v1 = vmax - offset;
  const raw = (v1 - v0) / nbins;
  const base = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];
  const steps = [...base.slice(0, -1).map((s) => 0.1 * s), ...base, 10 * base[1]].map((s) => s * scale);
  let istep = steps.findIndex((s) => s >= raw);
  if (istep < 0) istep = steps.length - 1;
  let ticks: number[] = [];
  for (let i = istep; i >= 0; i--) {
    const step = steps[i];
    const best = Math.floor(v0 / step) * step;
    // _Edge_integer: a remainder within tol of a step counts as a whole step.
    let tol = 1e-10;
    if (offset !== 0) tol = Math.min(0.4999, Math.max(1e-10, 10 ** (Math.log10(Math.abs(offset) / step) - 12)));
    const divmod = (x: number) => {
      const d = Math.floor(x / step);
      return [d, x - d * step] as const;
    };
    const le = (x: number) => {
      const [d, m] = divmod(x);
      return Math.abs(m / step - 1) < tol ? d + 1 : d;
    };
    const ge = (x: number) => {
      const [d, m] = divmod(x);
      return Math.abs(m / step) < tol ? d : d + 1;
    };
    const low = le(v0 - best);
    const high = ge(v1 - best);
    ticks = [];
    for (let k = low; k <= high; k++) ticks.push(k * step + best);
    if (ticks.filter((x) => x <= v1 && x >= v0).length >= minTicks) break;
  }
  return ticks.map((x) => x + offset);
}
