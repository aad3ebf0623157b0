import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNpy } from '../../src/io/npy.ts';
import { applyChain, applyManipulation, defaultManipulation, describe as describeM, KINDS, rmsContrast, withParam, type Manipulation } from '../../src/lab/manipulations.ts';
import { fft1d } from '../../src/lab/fft.ts';

const GOLD = join(import.meta.dirname, '..', 'golden', 'lab');
const manifest = JSON.parse(readFileSync(join(GOLD, 'manifest.json'), 'utf8')) as { cases: Manipulation[]; sizes: number[] };

function load(name: string): Uint8Array {
  return parseNpy(new Uint8Array(readFileSync(join(GOLD, name)))).data as Uint8Array;
}

function maxAbs(a: Uint8Array, b: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('manipulations against the numpy/scipy reference (tools/reference/make_lab_goldens.py)', () => {
  for (const S of manifest.sizes) {
    const input = load(`input_${S}.npy`);
    const out = load(`output_${S}.npy`);
    const P = 3 * S * S;
    manifest.cases.forEach((m, k) => {
      it(`${describeM(m)} on ${S} px: within one uint8 level`, () => {
        const got = applyManipulation({ data: input, size: S }, m);
        const want = out.subarray(k * P, (k + 1) * P);
        expect(got.size).toBe(S);
        expect(maxAbs(got.data, want)).toBeLessThanOrEqual(1);
        // and not identical to the input unless the manipulation is the identity on this image
        expect(maxAbs(got.data, input)).toBeGreaterThan(0);
      });
    });
  }
});

describe('manipulation properties', () => {
  const S = 64;
  const input = load(`input_${S}.npy`);
  const img = { data: input, size: S };

  it('contrast reaches the target RMS contrast where nothing clips', () => {
    const got = applyManipulation(img, { kind: 'contrast', rms: 0.05 });
    expect(rmsContrast(got)).toBeCloseTo(0.05, 2);
  });

  it('the input is never modified', () => {
    const copy = input.slice();
    for (const k of KINDS) applyManipulation(img, defaultManipulation(k.kind));
    expect(maxAbs(copy, input)).toBe(0);
  });

  it('identities: blur sigma 0, rotation 0, scale 1, 0 % scrambling, noise SD 0, a full low-pass', () => {
    const ids: Manipulation[] = [
      { kind: 'blur', sigma: 0 },
      { kind: 'rotate', degrees: 0 },
      { kind: 'scale', factor: 1 },
      { kind: 'translate', dx: 0, dy: 0 },
      { kind: 'phase-scramble', percent: 0, seed: 1 },
      { kind: 'noise', sd: 0, seed: 1 },
      { kind: 'lowpass', cutoff: 100 },
      { kind: 'grayscale', amount: 0 },
    ];
    for (const m of ids) expect(maxAbs(applyManipulation(img, m).data, input), describeM(m)).toBe(0);
  });

  it('seeds change stochastic manipulations, and the same seed gives the same pixels', () => {
    const a = applyManipulation(img, { kind: 'noise', sd: 10, seed: 1 });
    const b = applyManipulation(img, { kind: 'noise', sd: 10, seed: 1 });
    const c = applyManipulation(img, { kind: 'noise', sd: 10, seed: 2 });
    expect(maxAbs(a.data, b.data)).toBe(0);
    expect(maxAbs(a.data, c.data)).toBeGreaterThan(0);
  });

  it('inversion twice is the identity; a chain applies in order', () => {
    const twice = applyChain(img, [
      { kind: 'invert', mode: 'upside-down' },
      { kind: 'invert', mode: 'upside-down' },
    ]);
    expect(maxAbs(twice.data, input)).toBe(0);
  });

  it('withParam rounds integer parameters and refuses unknown ones', () => {
    expect(withParam({ kind: 'bubbles', count: 3, sigma: 4, seed: 1 }, 'count', 4.6)).toMatchObject({ count: 5 });
    expect(() => withParam({ kind: 'blur', sigma: 1 }, 'radius', 2)).toThrow(/no parameter/);
  });

  it('bad parameters are refused', () => {
    expect(() => applyManipulation(img, { kind: 'blur', sigma: -1 })).toThrow(RangeError);
    expect(() => applyManipulation(img, { kind: 'phase-scramble', percent: 150, seed: 1 })).toThrow(RangeError);
    expect(() => applyManipulation({ data: input.subarray(1), size: S }, { kind: 'blur', sigma: 1 })).toThrow(/bytes/);
  });
});

describe('fft1d', () => {
  for (const n of [1, 2, 5, 8, 12, 45, 64]) {
    it(`matches the direct DFT at n=${n} and inverts`, () => {
      const re = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) + i * 0.1);
      const im = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.7));
      const r2 = re.slice();
      const i2 = im.slice();
      fft1d(r2, i2, n);
      for (let k = 0; k < n; k++) {
        let sr = 0;
        let si = 0;
        for (let j = 0; j < n; j++) {
          const a = (-2 * Math.PI * j * k) / n;
          sr += re[j] * Math.cos(a) - im[j] * Math.sin(a);
          si += re[j] * Math.sin(a) + im[j] * Math.cos(a);
        }
        expect(Math.abs(r2[k] - sr) + Math.abs(i2[k] - si)).toBeLessThan(1e-9);
      }
      fft1d(r2, i2, n, 0, 1, true);
      for (let k = 0; k < n; k++) expect(Math.abs(r2[k] / n - re[k]) + Math.abs(i2[k] / n - im[k])).toBeLessThan(1e-12);
    });
  }
});
