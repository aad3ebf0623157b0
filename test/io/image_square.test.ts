import { describe, expect, it } from 'vitest';
import { chwToRgba, hasTransparency, PAD_RGB, rgbaToSquareChw, roundHalfEven, squareGeometry } from '../../src/io/image_square.ts';

/** RGBA image whose R = x, G = y, B = 7, A = 255. */
function ramp(w: number, h: number): Uint8Array {
  const a = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      a[i] = x;
      a[i + 1] = y;
      a[i + 2] = 7;
      a[i + 3] = 255;
    }
  return a;
}

describe('roundHalfEven', () => {
  it('matches Python round()', () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4, 2.6, 3].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3, 3]);
  });
});

describe('square geometry', () => {
  it('crop follows torchvision center_crop offsets', () => {
    expect(squareGeometry(10, 4, 'crop')).toMatchObject({ size: 4, srcX: 3, srcY: 0 });
    expect(squareGeometry(5, 4, 'crop')).toMatchObject({ size: 4, srcX: 0 }); // round(0.5) = 0
    expect(squareGeometry(7, 4, 'crop')).toMatchObject({ size: 4, srcX: 2 }); // round(1.5) = 2
    expect(squareGeometry(4, 4, 'crop')).toMatchObject({ size: 4, srcX: 0, srcY: 0 });
  });
  it('pad centres the image, odd pixel right/bottom', () => {
    expect(squareGeometry(3, 6, 'pad-black')).toMatchObject({ size: 6, dstX: 1, dstY: 0, srcW: 3, srcH: 6 });
    expect(() => squareGeometry(0, 3, 'crop')).toThrow();
  });
});

describe('rgbaToSquareChw', () => {
  it('square input: plain RGBA -> CHW', () => {
    const img = rgbaToSquareChw(ramp(3, 3), 3, 3, 'crop');
    expect(img.size).toBe(3);
    expect([...img.data.subarray(0, 9)]).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]); // R = x
    expect([...img.data.subarray(9, 18)]).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]); // G = y
    expect([...img.data.subarray(18, 27)]).toEqual(new Array(9).fill(7));
  });
  it('landscape crop keeps the central columns', () => {
    const img = rgbaToSquareChw(ramp(8, 4), 8, 4, 'crop');
    expect(img.size).toBe(4);
    expect([...img.data.subarray(0, 4)]).toEqual([2, 3, 4, 5]);
  });
  it('portrait crop keeps the central rows', () => {
    const img = rgbaToSquareChw(ramp(2, 6), 2, 6, 'crop');
    expect(img.size).toBe(2);
    expect([...img.data.subarray(4, 8)]).toEqual([2, 2, 3, 3]); // G plane = y in 2..3
  });
  it('pad fills with the chosen colour around the centred image', () => {
    const img = rgbaToSquareChw(ramp(2, 4), 2, 4, 'pad-mean');
    expect(img.size).toBe(4);
    const S = 4;
    const [pr, pg, pb] = PAD_RGB['pad-mean'];
    // column 0 and 3 are padding, 1..2 image
    for (let y = 0; y < 4; y++) {
      expect(img.data[y * S]).toBe(pr);
      expect(img.data[S * S + y * S + 3]).toBe(pg);
      expect(img.data[2 * S * S + y * S]).toBe(pb);
      expect(img.data[y * S + 1]).toBe(0);
      expect(img.data[y * S + 2]).toBe(1);
      expect(img.data[S * S + y * S + 1]).toBe(y);
    }
    const black = rgbaToSquareChw(ramp(4, 2), 4, 2, 'pad-black');
    expect(black.data[0]).toBe(0);
    expect(black.data[2 * 16 + 1 * 4]).toBe(7); // row 1 holds image row 0
  });
  it('checks the buffer size; round-trips through RGBA; detects transparency', () => {
    expect(() => rgbaToSquareChw(new Uint8Array(5), 1, 1, 'crop')).toThrow();
    const img = rgbaToSquareChw(ramp(3, 3), 3, 3, 'crop');
    const back = chwToRgba(img);
    expect([...back]).toEqual([...ramp(3, 3)]);
    expect(hasTransparency(ramp(2, 2))).toBe(false);
    const t = ramp(2, 2);
    t[7] = 0;
    expect(hasTransparency(t)).toBe(true);
  });
});
