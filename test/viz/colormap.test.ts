import { describe, expect, it } from 'vitest';
import { colorAt, colormapLut, colorFor } from '../../src/viz/colormap.ts';

describe('RdBu_r', () => {
  it('runs blue (negative) -> white -> red (positive)', () => {
    expect(colorAt('RdBu_r', 0)).toEqual([0x05, 0x30, 0x61]);
    expect(colorAt('RdBu_r', 0.5)).toEqual([0xf7, 0xf7, 0xf7]);
    expect(colorAt('RdBu_r', 1)).toEqual([0x67, 0x00, 0x1f]);
    expect(colorFor('RdBu_r', 0, -2, 2)).toEqual([0xf7, 0xf7, 0xf7]);
    expect(colorAt('RdBu_r', NaN)).toBeNull();
    expect(colorAt('RdBu_r', 7)).toEqual(colorAt('RdBu_r', 1));
  });
  it('lookup table runs from the first to the last control point', () => {
    const lut = colormapLut('RdBu_r', 256);
    expect(lut).toHaveLength(768);
    expect([...lut.subarray(0, 3)]).toEqual([0x05, 0x30, 0x61]);
    expect([...lut.subarray(765)]).toEqual([0x67, 0x00, 0x1f]);
    expect([...colormapLut('RdBu_r', 3).subarray(3, 6)]).toEqual([0xf7, 0xf7, 0xf7]);
  });
});
