// Colour maps as control points, linearly interpolated in sRGB (as matplotlib's
// LinearSegmentedColormap does). RdBu_r is ColorBrewer's 11-class RdBu, reversed: blue = negative.

export type Rgb = [number, number, number];

const RDBU_11 = ['#67001f', '#b2182b', '#d6604d', '#f4a582', '#fddbc7', '#f7f7f7', '#d1e5f0', '#92c5de', '#4393c3', '#2166ac', '#053061'];

function hex(h: string): Rgb {
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
}

export const COLORMAPS = {
  RdBu_r: [...RDBU_11].reverse().map(hex),
  // matplotlib viridis sampled at 9 points: sequential, for non-negative quantities (noise ceiling).
  viridis: ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'].map(hex),
} satisfies Record<string, Rgb[]>;

export type ColormapName = keyof typeof COLORMAPS;

/** Colour at t in [0, 1] (clamped); NaN gives null. */
export function colorAt(name: ColormapName, t: number): Rgb | null {
  if (Number.isNaN(t)) return null;
  const stops = COLORMAPS[name];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as Rgb;
}

/** Colour for value v on a [vmin, vmax] scale. */
export function colorFor(name: ColormapName, v: number, vmin: number, vmax: number): Rgb | null {
  return colorAt(name, vmax > vmin ? (v - vmin) / (vmax - vmin) : 0.5);
}

const luts = new Map<string, Uint8Array>();
/**
 * n colours sampled evenly over the map, RGB packed [r0, g0, b0, r1, ...]: a lookup table for
 * rasters. Made once per map and size (every redrawn figure asks for one): read it, do not write it.
 */
export function colormapLut(name: ColormapName, n = 256): Uint8Array {
  const key = `${name}|${n}`;
  let lut = luts.get(key);
  if (!lut) {
    lut = new Uint8Array(3 * n);
    for (let i = 0; i < n; i++) lut.set(colorAt(name, i / (n - 1))!, 3 * i);
    luts.set(key, lut);
  }
  return lut;
}
