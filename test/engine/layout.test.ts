import { describe, expect, it } from 'vitest';
import { permuteColumnsToHwc, transposeToHwc } from '../../src/engine/alexnet.ts';

describe('transposeToHwc', () => {
  it('plain transpose across tile edges', () => {
    const R = 70;
    const C = 1500; // more than one 64-row and one 1024-column tile
    const m = Float32Array.from({ length: R * C }, (_, i) => i);
    const t = transposeToHwc(m, R, C, null);
    for (const [r, c] of [[0, 0], [69, 1499], [63, 1023], [64, 1024], [5, 777]]) expect(t[c * R + r]).toBe(m[r * C + c]);
  });
  it('(C, H, W) columns land in (H, W, C) order', () => {
    const [c, h, w] = [3, 2, 4];
    const R = 2;
    const m = Float32Array.from({ length: R * c * h * w }, (_, i) => i);
    const t = transposeToHwc(m, R, c * h * w, [c, h, w]);
    for (let r = 0; r < R; r++)
      for (let ci = 0; ci < c; ci++)
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expect(t[((y * w + x) * c + ci) * R + r]).toBe(m[r * c * h * w + (ci * h + y) * w + x]);
    expect(() => transposeToHwc(m, 1, 5, [2, 2, 2])).toThrow(/does not match/);
  });
  it('strided sources stack side by side in one destination', () => {
    // Two 2 x 3 blocks inside rows of length 5 (offset 1), stacked as columns 0-1 and 2-3.
    const a = Float32Array.from({ length: 10 }, (_, i) => i);
    const b = Float32Array.from({ length: 10 }, (_, i) => 100 + i);
    const out = new Float32Array(3 * 4);
    transposeToHwc(a, 2, 3, null, { srcOffset: 1, srcStride: 5, out, outStride: 4, outOffset: 0 });
    transposeToHwc(b, 2, 3, null, { srcOffset: 1, srcStride: 5, out, outStride: 4, outOffset: 2 });
    expect(Array.from(out)).toEqual([1, 6, 101, 106, 2, 7, 102, 107, 3, 8, 103, 108]);
    expect(() => transposeToHwc(a, 2, 3, null, { srcOffset: 5, srcStride: 5 })).toThrow(/too short/);
  });
});

describe('permuteColumnsToHwc', () => {
  it('keeps rows and moves (C, H, W) columns to (H, W, C) positions, from a strided block into a stacked one', () => {
    const [c, h, w] = [3, 2, 4];
    const n = c * h * w;
    const R = 2;
    const stride = n + 5; // rows of a wider matrix, block starting at column 2
    const src = Float32Array.from({ length: R * stride }, (_, i) => i);
    const out = new Float32Array(3 * R * n).fill(-1);
    permuteColumnsToHwc(src, R, n, [c, h, w], { srcOffset: 2, srcStride: stride, out, outOffset: R * n });
    expect(Array.from(out.subarray(0, R * n)).every((v) => v === -1)).toBe(true);
    for (let r = 0; r < R; r++)
      for (let ci = 0; ci < c; ci++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) expect(out[R * n + r * n + (y * w + x) * c + ci]).toBe(src[2 + r * stride + (ci * h + y) * w + x]);
    const plain = permuteColumnsToHwc(src, R, 4, null, { srcOffset: 1, srcStride: stride });
    expect(Array.from(plain)).toEqual([1, 2, 3, 4, 1 + stride, 2 + stride, 3 + stride, 4 + stride]);
    expect(() => permuteColumnsToHwc(src, R, n, [c, h, w], { srcOffset: 10, srcStride: stride })).toThrow(/too short/);
    expect(() => permuteColumnsToHwc(src, 1, 5, [2, 2, 2])).toThrow(/does not match/);
  });
});
