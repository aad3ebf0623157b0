// MNE mode against MNE 1.3 itself: the images mne.viz.plot_topomap drew for four vectors
// (test/golden/topomap, written by tools/reference/make_topomap_goldens.py with Debian's python3-mne).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MONTAGE_SENSORS } from '../../src/viz/channels.ts';
import { biharmonicMatrix, interpolateTopomap, makeTopomapGrid } from '../../src/viz/topomap.ts';
import { maxNLocatorTicks, mneGridFromAsset, mneContourLevels, type MneAsset } from '../../src/viz/topomap_mne.ts';
import { mneColorLimits } from '../../src/viz/topomap.ts';

const asset = JSON.parse(readFileSync('src/viz/assets/topomap_mne_63.json', 'utf8')) as MneAsset;
const golden = JSON.parse(readFileSync('test/golden/topomap/mne_plot_topomap.json', 'utf8')) as {
  res: number;
  cases: Record<string, { values: number[]; image_f64_b64: string; vlim: [number, number]; cmap: string; levels: number[]; evoked_levels: number[]; extent: number[] }>;
};
const names = MONTAGE_SENSORS.map((s) => s.name);
const f64 = (b64: string) => new Float64Array(Uint8Array.from(Buffer.from(b64, 'base64')).buffer);

/** Our field on plot_topomap's grid (ours without its margin), and that grid's coordinates. */
function onMneGrid(grid: ReturnType<typeof mneGridFromAsset>, values: number[]) {
  const z = interpolateTopomap(grid, values);
  const m = asset.margin_cells;
  const n = golden.res;
  const out = new Float64Array(n * n);
  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      out[i * n + j] = z[(i + m) * grid.res + (j + m)];
      r[i * n + j] = Math.hypot(grid.axis[j + m], grid.axis[i + m]);
    }
  return { out, r };
}

describe('MNE-mode topomap', () => {
  const grid = mneGridFromAsset(asset, names);

  it("shares plot_topomap's grid and clip circle", () => {
    const c = golden.cases.dipolar;
    expect(grid.axis[asset.margin_cells]).toBeCloseTo(c.extent[0], 12);
    expect(grid.axis[asset.margin_cells + golden.res - 1]).toBeCloseTo(c.extent[1], 12);
    expect(grid.clipRadius).toBeCloseTo(c.extent[1], 12);
    // the app's own clip rule gives the same circle
    expect(makeTopomapGrid(MONTAGE_SENSORS.slice(), 40).clipRadius).toBeCloseTo(grid.clipRadius, 5);
  });

  for (const name of ['dipolar', 'random', 'lateral', 'positive']) {
    it(`reproduces plot_topomap's image within 1e-3 of its maximum inside the head: ${name}`, () => {
      const c = golden.cases[name];
      const want = f64(c.image_f64_b64);
      const { out, r } = onMneGrid(grid, c.values);
      let err = 0;
      let max = 0;
      let n = 0;
      for (let k = 0; k < want.length; k++) {
        if (r[k] > grid.clipRadius) continue;
        n++;
        max = Math.max(max, Math.abs(want[k]));
        err = Math.max(err, Math.abs(out[k] - want[k]));
      }
      expect(n).toBeGreaterThan(2500);
      expect(err / max).toBeLessThan(1e-3);
      // float32 matrix: far inside the tolerance
      expect(err / max).toBeLessThan(1e-6);
    });

    it(`colour limits, colour map and contour levels as MNE picks them: ${name}`, () => {
      const c = golden.cases[name];
      const lim = mneColorLimits(c.values);
      expect(lim.range[0]).toBeCloseTo(c.vlim[0], 12);
      expect(lim.range[1]).toBeCloseTo(c.vlim[1], 12);
      expect(lim.colormap).toBe(c.cmap);
      const ours = mneContourLevels(c.vlim[0], c.vlim[1], 6);
      expect(ours.length).toBe(c.evoked_levels.length);
      ours.forEach((l, i) => expect(l).toBeCloseTo(c.evoked_levels[i], 9));
    });
  }

  it('differs from the v4 spline by a few per cent of the maximum near the rim (why the choice is offered)', () => {
    const c = golden.cases.dipolar;
    const want = f64(c.image_f64_b64);
    const m = asset.margin_cells;
    const n = golden.res;
    const scale = 0.5 / 0.095; // v4's head radius convention (topomap.ts)
    const targets: number[] = [];
    const idx: number[] = [];
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const x = grid.axis[j + m];
        const y = grid.axis[i + m];
        if (Math.hypot(x, y) <= grid.clipRadius) {
          targets.push(x * scale, y * scale);
          idx.push(i * n + j);
        }
      }
    const M = biharmonicMatrix(MONTAGE_SENSORS.flatMap((s) => [s.x * scale, s.y * scale]), targets);
    let max = 0;
    let diff = 0;
    idx.forEach((k, p) => {
      let v = 0;
      for (let q = 0; q < 63; q++) v += M[p * 63 + q] * c.values[q];
      max = Math.max(max, Math.abs(want[k]));
      diff = Math.max(diff, Math.abs(v - want[k]));
    });
    console.log(`v4 vs MNE (dipolar case): max difference ${(diff / max).toFixed(3)} of the maximum`);
    expect(diff / max).toBeGreaterThan(0.02);
  });

  it('reorders columns for a permuted channel list and refuses a subset', () => {
    const rev = [...names].reverse();
    const g2 = mneGridFromAsset(asset, rev);
    const v = golden.cases.random.values;
    const a = interpolateTopomap(grid, v);
    const b = interpolateTopomap(g2, [...v].reverse());
    for (let k = 0; k < a.length; k++) if (Number.isFinite(a[k])) expect(b[k]).toBeCloseTo(a[k], 5);
    expect(() => mneGridFromAsset(asset, names.slice(0, 10))).toThrow(/full 63-channel/);
  });

  it("MaxNLocator ticks as matplotlib's", () => {
    expect(maxNLocatorTicks(-2.7, 4.1, 7, 2)).toEqual([-3, -2, -1, 0, 1, 2, 3, 4, 5].map((x) => expect.closeTo(x, 12) as unknown as number));
    expect(maxNLocatorTicks(0, 1, 7, 2).map((x) => +x.toFixed(10))).toEqual([0, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 1.05]);
  });
});
