import { describe, expect, it } from 'vitest';
import { applyManipulation, gaussianKernel } from '../../src/lab/manipulations.ts';
import { runSweep } from '../../src/lab/sweep.ts';

/** scipy's mode='reflect' (half-sample symmetric): the index into 0 .. S - 1 that position i reads. */
function reflectIndex(i: number, S: number): number {
  const k = ((i % (2 * S)) + 2 * S) % (2 * S);
  return k < S ? k : 2 * S - 1 - k;
}

/** scipy.ndimage.gaussian_filter(x, (0, s, s), mode='reflect', truncate=4) by direct sums, rounded as numpy.rint. */
function reference(data: Uint8Array, S: number, sigma: number): Uint8Array {
  const w = gaussianKernel(sigma);
  const r = (w.length - 1) / 2;
  const refl = (i: number) => reflectIndex(i, S);
  const out = new Uint8Array(data.length);
  const oc = new Uint8ClampedArray(out.buffer);
  const P = S * S;
  for (let c = 0; c < 3; c++) {
    const tmp = new Float64Array(P);
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += w[i + r] * data[c * P + refl(y + i) * S + x];
      tmp[y * S + x] = s;
    }
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += w[i + r] * tmp[y * S + refl(x + i)];
      oc[c * P + y * S + x] = s;
    }
  }
  return out;
}

function image(S: number, seed: number) {
  const data = new Uint8Array(3 * S * S);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1664525 + 1013904223) >>> 0) >>> 24;
  return { data, size: S };
}

describe('blur: the DCT-domain filter (wide kernels) equals the reflected direct sums', () => {
  // sizes even, odd and not a power of two; radii below and far above the image side
  for (const [S, sigma] of [
    [32, 0.5],
    [32, 1],
    [32, 3],
    [33, 2.5],
    [20, 12],
    [15, 32],
  ] as const) {
    it(`${S} px, sigma ${sigma}: within one level, nearly all values identical (first blur of an image and again, from its kept spectrum)`, () => {
      const img = image(S, S + sigma);
      const want = reference(img.data, S, sigma);
      for (let pass = 0; pass < 2; pass++) {
        const got = applyManipulation(img, { kind: 'blur', sigma }).data;
        let max = 0;
        let diff = 0;
        for (let i = 0; i < got.length; i++) {
          const d = Math.abs(got[i] - want[i]);
          if (d) diff++;
          max = Math.max(max, d);
        }
        expect(max).toBeLessThanOrEqual(1);
        expect(diff).toBeLessThanOrEqual(Math.ceil(got.length / 1000));
      }
    });
  }
});

/** scipy's correlate1d order, tap by tap (w0 x then + (x[i + j] + x[i - j]) w_j, j = 1 .. r), axis 0 then 1, float64 between. */
function scipyOrder(data: Uint8Array, S: number, sigma: number): Uint8Array {
  const w = gaussianKernel(sigma);
  const r = (w.length - 1) / 2;
  const refl = (i: number) => reflectIndex(i, S);
  const out = new Uint8Array(data.length);
  const oc = new Uint8ClampedArray(out.buffer);
  const P = S * S;
  for (let c = 0; c < 3; c++) {
    const tmp = new Float64Array(P);
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
      let s = w[r] * data[c * P + y * S + x];
      for (let j = 1; j <= r; j++) s += (data[c * P + refl(y + j) * S + x] + data[c * P + refl(y - j) * S + x]) * w[r + j];
      tmp[y * S + x] = s;
    }
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
      let s = w[r] * tmp[y * S + x];
      for (let j = 1; j <= r; j++) s += (tmp[y * S + refl(x + j)] + tmp[y * S + refl(x - j)]) * w[r + j];
      oc[c * P + y * S + x] = s;
    }
  }
  return out;
}

describe('blur: narrow kernels by direct sums', () => {
  for (const [S, sigma] of [[16, 0.1], [16, 0.3], [17, 0.5], [2, 0.8], [24, 0.85]] as const) {
    it(`${S} px, sigma ${sigma} (radius ${(gaussianKernel(sigma).length - 1) / 2}): bit for bit scipy's order of the sums`, () => {
      const img = image(S, 3 * S + sigma);
      expect(applyManipulation(img, { kind: 'blur', sigma }).data).toEqual(scipyOrder(img.data, S, sigma));
    });
  }
});

describe('blur in a sweep: one DCT per image for every step', () => {
  it('each step of a sigma sweep equals that blur of the image alone (its DCT computed anew), bit for bit', () => {
    const sources = [0, 1, 2].map((i) => ({ id: `s${i}`, name: `s${i}.png`, image: image(32, 90 + i) }));
    const spec = { manipulation: { kind: 'blur', sigma: 1 } as const, param: 'sigma', from: 0.5, to: 9, steps: 6, scale: 'linear' as const };
    const swept = runSweep(sources, spec);
    expect(swept).toHaveLength(18);
    for (const d of swept) {
      // the other sources in between push this one's DCT out of the kept set (the last two images)
      for (const o of sources) if (o.id !== d.sourceId) applyManipulation(o.image, { kind: 'blur', sigma: 5 });
      const src = sources.find((s) => s.id === d.sourceId)!;
      const alone = applyManipulation({ data: src.image.data.slice(), size: 32 }, { kind: 'blur', sigma: d.value });
      expect(d.image.data).toEqual(alone.data);
    }
    // and the steps differ from each other (the sweep varies sigma)
    expect(swept[1].image.data).not.toEqual(swept[5].image.data);
  });
});
