import { describe, expect, it, vi } from 'vitest';
import type { Manipulation } from '../../src/lab/manipulations.ts';

// The WebAssembly butterflies and transposes must give exactly the numbers of the JavaScript loops:
// each path runs in its own fresh copy of the modules (empty caches of spectra, DCTs and noise
// phases), one with the kernel and one with it turned off, and the outputs are compared bit for bit.
async function modules(kernel: boolean) {
  vi.resetModules();
  const fft = await import('../../src/lab/fft.ts');
  const kernels = await import('../../src/lab/fft_kernels.ts');
  fft.useFftKernel(kernel);
  const man = await import('../../src/lab/manipulations.ts');
  return { fft, kernels, man };
}

/** Index of the first value whose bits differ (-1: none), so a failure says where. */
function firstDifference(a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }, b: typeof a): number {
  if (a.byteLength !== b.byteLength) return -2;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return Math.floor(i / (a.byteLength / a.length));
  return -1;
}

function seeded(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
}

function image(S: number, seed: number) {
  const data = new Uint8Array(3 * S * S);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1664525 + 1013904223) >>> 0) >>> 24;
  // a smooth part too, so the filters keep more than noise
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) data[y * S + x] = (data[y * S + x] >> 2) + Math.round(150 * (0.5 + 0.5 * Math.sin((x + 2 * y) / 5)));
  return { data, size: S };
}

type Fft = Awaited<ReturnType<typeof modules>>['fft'];

/** Every transform of fft.ts on seeded data of size S, on the module's own work arrays and on ordinary ones. */
function transforms(fft: Fft, S: number): Float64Array[] {
  const P = S * S;
  const out: Float64Array[] = [];
  const keep = (...a: Float64Array[]) => out.push(...a.map((x) => x.slice(0, P)));
  // ordinary arrays (copied through the kernel's memory where it serves S)
  const re = seeded(P, S);
  const im = seeded(P, S + 1);
  fft.fft2t(re, im, S);
  keep(re, im);
  fft.ifft2t(re, im, S, [[0, Math.max(1, S >> 3)], [S - (S >> 3), S]]);
  keep(re, im);
  const x = seeded(P, S + 2);
  const sRe = new Float64Array(P);
  const sIm = new Float64Array(P);
  fft.fft2tReal(x, S, sRe, sIm);
  keep(sRe, sIm);
  const y = new Float64Array(P);
  fft.ifft2tReal(sRe, sIm, S, y);
  keep(y);
  // the module's work arrays, as the manipulations use them
  const w = fft.fftScratch(S);
  w.re.set(seeded(P, S + 3));
  w.im.set(seeded(P, S + 4));
  fft.fft2t(w.re, w.im, S);
  keep(w.re, w.im);
  fft.ifft2t(w.re, w.im, S);
  keep(w.re, w.im);
  w.real.set(seeded(P, S + 5));
  fft.fft2tReal(w.real, S, w.re, w.im);
  keep(w.re, w.im);
  fft.ifft2tReal(w.re, w.im, S, w.real, [[1, 3]]);
  keep(w.real);
  // the blur's DCT steps: DCT of a spectrum in the work arrays, and a filtered spectrum back
  w.re.set(seeded(P, S + 10));
  w.im.set(seeded(P, S + 11));
  const dRe = new Float64Array(P);
  const dIm = new Float64Array(P);
  const dB = new Float64Array(P);
  fft.dct2FromSpectrum(w.re, w.im, S, dRe, dIm);
  fft.dct2FromSpectrum(w.re, w.im, S, dB);
  keep(dRe, dIm, dB);
  const g = seeded(S + 1, S + 12);
  g[S] = 0;
  fft.spectrumFromDct2(dRe, dIm, S, g, S, w.re, w.im);
  keep(w.re, w.im);
  fft.spectrumFromDct2(dB, undefined, S, g, fft.realBins(S), w.re, w.im);
  keep(w.re, w.im);
  // axis 0 alone: an odd number of columns, rows wider than the block
  const n = Math.max(4, S >> 1);
  const a = seeded(n * (S + 3), S + 6);
  const b = seeded(n * (S + 3), S + 7);
  const wa = fft.fftScratch(S);
  if (n * (S + 3) <= P) {
    wa.re.set(a);
    wa.im.set(b);
    fft.fftAxis0(wa.re, wa.im, n, S + 1, true, S + 3);
    keep(wa.re, wa.im);
  }
  return out;
}

const SIZES = [4, 8, 16, 32, 64, 128, 12, 18, 7];

describe('the FFT kernel (fft_kernels.ts) against the JavaScript loops', () => {
  it('is available in this engine, and the work arrays of powers of two live in its memory', async () => {
    const { fft, kernels } = await modules(true);
    const k = kernels.fftKernels();
    expect(k).not.toBeNull();
    expect(fft.fftScratch(64).re.buffer).toBe(k!.memory.buffer);
    expect(fft.fftScratch(12).re.buffer).not.toBe(k!.memory.buffer);
    const off = await modules(false);
    expect(off.fft.fftScratch(64).re.buffer).not.toBe(off.kernels.fftKernels()!.memory.buffer);
  });

  it('every transform, bit for bit, at sizes 4 to 128 and not powers of two', async () => {
    const { fft } = await modules(true);
    const fast = SIZES.map((S) => transforms(fft, S));
    const off = await modules(false);
    const plain = SIZES.map((S) => transforms(off.fft, S));
    SIZES.forEach((S, i) => {
      expect(fast[i].length).toBe(plain[i].length);
      fast[i].forEach((a, j) => expect(firstDifference(a, plain[i][j]), `size ${S}, output ${j}`).toBe(-1));
    });
  });

  it('growing memory for a larger size leaves the results of the smaller one as they were', async () => {
    const { fft } = await modules(true);
    const before = transforms(fft, 16);
    transforms(fft, 256);
    const again = transforms(fft, 16);
    before.forEach((a, j) => expect(firstDifference(a, again[j]), `output ${j}`).toBe(-1));
  });

  it('doubles to bytes as a Uint8ClampedArray stores them: halves to even, clipped, NaN to 0 (scaled, and out of Makhoul order)', async () => {
    const special = [NaN, Infinity, -Infinity, -0, -0.5, 0.5, 1.5, 2.5, 254.5, 255.49, 255.5, 256, 1e300, -1e300, 127.50000000000001, 3.4999999999999996];
    const run = async (kernel: boolean) => {
      const { fft } = await modules(kernel);
      const out: Uint8Array[] = [];
      for (const S of [4, 16, 64, 12]) {
        const P = S * S;
        const v = fft.fftScratch(S).real;
        const x = seeded(P, S + 9);
        for (let i = 0; i < P; i++) v[i] = i < special.length ? special[i] : 300 * x[i];
        const o = new Uint8ClampedArray(2 * P + 3);
        fft.storeScaled(o, 3, v, 1);
        fft.storeScaled(o, P + 3, v, 0.75);
        const u = new Uint8ClampedArray(P + 1);
        fft.fromMakhoulOrder(u, 1, v, S);
        out.push(new Uint8Array(o.buffer), new Uint8Array(u.buffer));
      }
      return out;
    };
    const fast = await run(true);
    const plain = await run(false);
    fast.forEach((a, j) => expect(firstDifference(a, plain[j]), `output ${j}`).toBe(-1));
    // and the stores are what a clamped array makes of them
    const want = Uint8ClampedArray.from(special);
    expect(Array.from(fast[2].subarray(3, 3 + special.length))).toEqual(Array.from(want));
    // every half-integer from -2.5 to 257.5 and its neighbours one ulp away
    const { fft } = await modules(true);
    const v = fft.fftScratch(32).real;
    const near: number[] = [];
    for (let h = -2.5; h <= 257.5; h += 1) {
      const b = new Float64Array([h]);
      const u = new BigInt64Array(b.buffer);
      u[0] += 1n;
      near.push(b[0], h);
      u[0] -= 2n;
      near.push(b[0]);
    }
    v.set(near);
    const o = new Uint8ClampedArray(near.length);
    fft.storeScaled(o, 0, v.subarray(0, near.length), 1);
    expect(Array.from(o)).toEqual(Array.from(Uint8ClampedArray.from(near)));
  });

  const sweeps: [Manipulation, string, number[]][] = [
    [{ kind: 'blur', sigma: 2 }, 'sigma', [0.9, 2, 5.5, 12]],
    [{ kind: 'lowpass', cutoff: 8 }, 'cutoff', [1, 4, 9, 40]],
    [{ kind: 'highpass', cutoff: 8 }, 'cutoff', [1, 4, 9, 40]],
    [{ kind: 'bandpass', low: 2, high: 16 }, 'high', [3, 8, 30]],
    [{ kind: 'phase-scramble', percent: 50, seed: 3 }, 'percent', [0, 35, 100]],
  ];
  for (const [m, param, values] of sweeps) {
    it(`${m.kind}: the same bytes with and without the kernel (sizes 8 to 256, 12, 30, 33; each step of a sweep)`, async () => {
      const run = async (kernel: boolean) => {
        const { man } = await modules(kernel);
        const out: Uint8Array[] = [];
        for (const S of [8, 16, 64, 256, 12, 30, 33]) {
          for (const seed of [1, 2]) {
            const img = image(S, seed + S);
            for (const v of values) out.push(man.applyManipulation(img, man.withParam(m, param, v)).data);
          }
        }
        return out;
      };
      const fast = await run(true);
      const plain = await run(false);
      expect(fast.length).toBe(plain.length);
      fast.forEach((a, j) => expect(firstDifference(a, plain[j]), `stimulus ${j}`).toBe(-1));
    });
  }
});
