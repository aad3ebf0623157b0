import { describe, expect, it } from 'vitest';
import { transposeToHwc } from '../../src/engine/alexnet.ts';

describe('transposeToHwc', () => {
  it('plain transpose across tile edges', () => {
    const R = 70;
    const C = 1500; // more than one 64-row and one 1024-column tile
    const m = Float32Array.from({ length: R * C }, (_, i) => i);
    const t = transposeToHwc((r) => m.subarray(r * C, (r + 1) * C), R, C, null);
    for (const [r, c] of [[0, 0], [69, 1499], [63, 1023], [64, 1024], [5, 777]]) expect(t[c * R + r]).toBe(m[r * C + c]);
  });
  it('(C, H, W) columns land in (H, W, C) order', () => {
    const [c, h, w] = [3, 2, 4];
    const R = 2;
    const m = Float32Array.from({ length: R * c * h * w }, (_, i) => i);
    const t = transposeToHwc((r) => m.subarray(r * c * h * w, (r + 1) * c * h * w), R, c * h * w, [c, h, w]);
    for (let r = 0; r < R; r++)
      for (let ci = 0; ci < c; ci++)
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expect(t[((y * w + x) * c + ci) * R + r]).toBe(m[r * c * h * w + (ci * h + y) * w + x]);
    expect(() => transposeToHwc(() => m, 1, 5, [2, 2, 2])).toThrow(/does not match/);
  });
});
