// The dissimilarity matrix's cells drawn as one bitmap (past 64 rows): one pixel per cell, or one
// per device pixel when the cells are smaller, with the colours the per-cell fills would have.
import { afterEach, describe, expect, it } from 'vitest';
import { colorOf } from '../../src/viz/colorbar.ts';
import { colormapLut } from '../../src/viz/colormap.ts';
import { drawMatrix, layoutMatrix, type MatrixScene } from '../../src/viz/matrix_render.ts';

/** A canvas context that records the bitmap put on an OffscreenCanvas and where it is drawn. */
function recorder() {
  const put: { img: { data: Uint8ClampedArray; width: number; height: number } | null; drawn: number[] } = { img: null, drawn: [] };
  class FakeImageData {
    data: Uint8ClampedArray;
    constructor(
      public width: number,
      public height: number,
    ) {
      this.data = new Uint8ClampedArray(width * height * 4);
    }
  }
  class FakeOffscreen {
    constructor(
      public width: number,
      public height: number,
    ) {}
    getContext() {
      return { putImageData: (img: FakeImageData) => (put.img = img) };
    }
  }
  const g = globalThis as Record<string, unknown>;
  g.ImageData = FakeImageData;
  g.OffscreenCanvas = FakeOffscreen;
  const noop = () => undefined;
  const ctx = new Proxy({ canvas: { width: 800, height: 800 }, createLinearGradient: () => ({ addColorStop: noop }), measureText: () => ({ width: 10 }), drawImage: (_: unknown, x: number, y: number, w: number, h: number) => (put.drawn = [x, y, w, h]) } as Record<string, unknown>, {
    get: (t, k) => (k in t ? t[k as string] : noop),
    set: (t, k, v) => ((t[k as string] = v), true),
  }) as unknown as CanvasRenderingContext2D;
  return { ctx, put };
}

afterEach(() => {
  const g = globalThis as Record<string, unknown>;
  delete g.ImageData;
  delete g.OffscreenCanvas;
});

const css = (d: Uint8ClampedArray, p: number) => (d[4 * p + 3] === 255 ? `rgb(${d[4 * p]},${d[4 * p + 1]},${d[4 * p + 2]})` : 'transparent');

describe('drawMatrix as a bitmap', () => {
  const n = 100;
  const values = Float32Array.from({ length: n * n }, (_, c) => ((c % n) * 7 + Math.floor(c / n) * 3) % 50);
  values[5 * n + 7] = NaN;
  const scene: MatrixScene = { values, labels: new Array(n).fill(''), range: [0, 49], colormap: 'viridis', unit: '1 − r' };
  const lut = colormapLut('viridis');

  it('one pixel per cell when the cells are a device pixel or more, in the per-cell colours', () => {
    const { ctx, put } = recorder();
    const lay = layoutMatrix(scene, 400, 400);
    drawMatrix(ctx, scene, lay, 2);
    expect(lay.cell * 2).toBeGreaterThanOrEqual(1);
    expect([put.img!.width, put.img!.height]).toEqual([n, n]);
    for (const c of [0, 1, 5 * n + 7, 42 * n + 99, n * n - 1]) expect(css(put.img!.data, c)).toBe(Number.isFinite(values[c]) ? colorOf(lut, scene.range, values[c]) : 'rgb(232,232,232)');
    expect(put.drawn).toEqual([lay.x, lay.y, n * lay.cell, n * lay.cell]);
  });

  it('smaller cells: one pixel per device pixel, the cell under its centre', () => {
    const { ctx, put } = recorder();
    const lay = layoutMatrix(scene, 200, 120);
    drawMatrix(ctx, scene, lay, 1);
    const m = Math.round(n * lay.cell);
    expect(m).toBeLessThan(n);
    expect([put.img!.width, put.img!.height]).toEqual([m, m]);
    for (const [r, c] of [[0, 0], [3, 5], [m - 1, m - 1], [Math.floor(m / 2), 1]]) {
      const i = Math.floor(((r + 0.5) * n) / m);
      const j = Math.floor(((c + 0.5) * n) / m);
      const v = values[i * n + j];
      expect(css(put.img!.data, r * m + c)).toBe(Number.isFinite(v) ? colorOf(lut, scene.range, v) : 'rgb(232,232,232)');
    }
    // drawn over the same square as the cells would be
    expect(put.drawn).toEqual([lay.x, lay.y, n * lay.cell, n * lay.cell]);
  });
});
