import { describe, expect, it } from 'vitest';
import { MONTAGE_SENSORS, HEAD_RADIUS_M, sensorsFor } from '../../src/viz/channels.ts';
import {
  biharmonicMatrix,
  contourLevels,
  headOutline,
  interpolateTopomap,
  invert,
  makeTopomapGrid,
  symmetricLimit,
} from '../../src/viz/topomap.ts';
import { rng } from '../helpers.ts';

describe('invert', () => {
  it('inverts a well-conditioned matrix', () => {
    const r = rng(1);
    const n = 7;
    const a = Array.from({ length: n * n }, (_, k) => r() + (k % (n + 1) === 0 ? 3 : 0));
    const inv = invert(a, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k] * inv[k * n + j];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
  });
  it('rejects a singular matrix', () => {
    expect(() => invert([1, 2, 2, 4], 2)).toThrow(/singular/);
  });
});

describe('biharmonic interpolation', () => {
  const sensors = sensorsFor(MONTAGE_SENSORS.map((s) => s.name));
  const src = sensors.flatMap((s) => [s.x / HEAD_RADIUS_M / 2, s.y / HEAD_RADIUS_M / 2]);

  it('reproduces the sensor values at the sensor positions', () => {
    const m = biharmonicMatrix(src, src);
    const n = sensors.length;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) expect(m[i * n + j]).toBeCloseTo(i === j ? 1 : 0, 6);
    }
  });

  it('is linear in the data', () => {
    const grid = makeTopomapGrid(sensors, 24);
    const r = rng(2);
    const a = Float32Array.from(sensors, () => r());
    const b = Float32Array.from(sensors, () => r());
    const ab = a.map((v, i) => 2 * v - 3 * b[i]);
    const za = interpolateTopomap(grid, a);
    const zb = interpolateTopomap(grid, b);
    const zab = interpolateTopomap(grid, ab);
    for (let k = 0; k < zab.length; k++) {
      if (Number.isNaN(zab[k])) {
        expect(Number.isNaN(za[k])).toBe(true);
        continue;
      }
      expect(zab[k]).toBeCloseTo(2 * za[k] - 3 * zb[k], 4);
    }
  });

  it('is mirror-symmetric when the data are (left-right flip of the montage)', () => {
    // Symmetric data on a symmetric point set give a symmetric map. Use the 10-05 names: X1 <-> X2.
    const grid = makeTopomapGrid(sensors, 33);
    const val = sensors.map((s) => Math.cos(8 * s.y) + 0.3 * Math.abs(s.x) * 10);
    const z = interpolateTopomap(grid, val);
    // The montage is only approximately symmetric, so expect approximate symmetry.
    const res = grid.res;
    let maxDiff = 0;
    let maxAbs = 0;
    for (let r = 0; r < res; r++) {
      for (let c = 0; c < res; c++) {
        const v = z[r * res + c];
        const w = z[r * res + (res - 1 - c)];
        if (Number.isFinite(v) && Number.isFinite(w)) {
          maxDiff = Math.max(maxDiff, Math.abs(v - w));
          maxAbs = Math.max(maxAbs, Math.abs(v));
        }
      }
    }
    expect(maxDiff / maxAbs).toBeLessThan(0.05);
  });

  it('clips the grid at max(head radius, 1.01 x outermost sensor)', () => {
    const grid = makeTopomapGrid(sensors, 40);
    const rMax = Math.max(...sensors.map((s) => Math.hypot(s.x, s.y)));
    expect(grid.clipRadius).toBeCloseTo(Math.max(HEAD_RADIUS_M, 1.01 * rMax), 12);
    expect(rMax).toBeGreaterThan(HEAD_RADIUS_M); // Fp1/Fp2, FT9/FT10... lie outside the head circle
    const z = interpolateTopomap(grid, new Float32Array(sensors.length).fill(1));
    expect(Number.isNaN(z[0])).toBe(true); // corner
    const centre = Math.floor(grid.res / 2) * grid.res + Math.floor(grid.res / 2);
    expect(z[centre]).toBeCloseTo(1, 3); // constants: close to the constant inside the montage
  });

  it('rejects a wrong number of values', () => {
    const grid = makeTopomapGrid(sensors, 8);
    expect(() => interpolateTopomap(grid, [1, 2, 3])).toThrow(/63/);
  });
});

describe('limits, contours, outline', () => {
  it('symmetric limit is the largest absolute finite value', () => {
    expect(symmetricLimit([1, -3, NaN, 2], [0.5])).toBe(3);
    expect(symmetricLimit([0, 0])).toBe(1);
  });
  it('six contour levels strictly inside and symmetric about 0', () => {
    const levels = contourLevels(2, 6);
    expect(levels).toHaveLength(6);
    expect(levels[0]).toBeGreaterThan(-2);
    expect(levels[5]).toBeLessThan(2);
    for (let i = 0; i < 6; i++) expect(levels[i]).toBeCloseTo(-levels[5 - i], 12);
    // evenly spaced, one step (4 / 7) apart, the outermost one step inside the limits
    for (let i = 0; i < 6; i++) expect(levels[i]).toBeCloseTo(-2 + (4 / 7) * (i + 1), 12);
  });
  it('head outline: circle of the head radius, nose up, ears mirrored', () => {
    const o = headOutline(0.095);
    for (let i = 0; i < o.head.x.length; i++) expect(Math.hypot(o.head.x[i], o.head.y[i])).toBeCloseTo(0.095, 12);
    expect(Math.max(...o.nose.y)).toBeGreaterThan(0.095);
    expect(o.leftEar.x.every((x, i) => x === -o.rightEar.x[i])).toBe(true);
  });
});
