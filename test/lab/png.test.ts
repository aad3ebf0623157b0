import { describe, expect, it } from 'vitest';
import { decodeImageFile } from '../../src/io/image_decode.ts';
import { encodePngChw } from '../../src/lab/png.ts';

describe('derived-stimulus PNG writer', () => {
  for (const level of [0, 1] as const) {
    it(`the project's decoder (PIL's pixels) gives back exactly the pixels, deflate level ${level}`, async () => {
      const S = 37;
      const chw = new Uint8Array(3 * S * S);
      for (let i = 0; i < chw.length; i++) chw[i] = (i * 131 + ((i * i) >> 3)) & 255;
      const d = await decodeImageFile(encodePngChw(chw, S, level));
      expect([d.width, d.height]).toEqual([S, S]);
      const P = S * S;
      let diff = 0;
      for (let p = 0; p < P; p++) for (let c = 0; c < 3; c++) diff += Number(d.rgb[3 * p + c] !== chw[c * P + p]);
      expect(diff).toBe(0);
    });
  }
  it('refuses a buffer of the wrong size', () => {
    expect(() => encodePngChw(new Uint8Array(10), 4)).toThrow(/bytes/);
  });
});
