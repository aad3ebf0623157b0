import { describe, expect, it } from 'vitest';
import { dct2FromSpectrum, fft2t, fft2tReal, fftAxis0, ifft2t, ifft2tReal, makhoulOrder, realBins, spectrumFromDct2 } from '../../src/lab/fft.ts';

/** Direct 2-D DFT (forward, unnormalised) of an S x S complex array, row-major. */
function dft2(re: Float64Array, im: Float64Array, S: number) {
  const oRe = new Float64Array(S * S);
  const oIm = new Float64Array(S * S);
  for (let ky = 0; ky < S; ky++) {
    for (let kx = 0; kx < S; kx++) {
      let sr = 0;
      let si = 0;
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          const a = (-2 * Math.PI * (((ky * y) % S) * S + ((kx * x) % S) * S)) / (S * S);
          const c = Math.cos(a);
          const s = Math.sin(a);
          sr += re[y * S + x] * c - im[y * S + x] * s;
          si += re[y * S + x] * s + im[y * S + x] * c;
        }
      }
      oRe[ky * S + kx] = sr;
      oIm[ky * S + kx] = si;
    }
  }
  return { re: oRe, im: oIm };
}

describe('fft2t (rows of butterflies, transposed spectrum)', () => {
  for (const S of [1, 2, 4, 8, 16, 32, 12]) {
    it(`matches the direct 2-D DFT at ${S} x ${S} (bin (ky, kx) at kx * S + ky) and inverts`, () => {
      const re = Float64Array.from({ length: S * S }, (_, i) => Math.sin(i * 1.3) + (i % 7) * 0.1);
      const im = Float64Array.from({ length: S * S }, (_, i) => Math.cos(i * 0.7));
      const want = dft2(re, im, S);
      const r2 = re.slice();
      const i2 = im.slice();
      fft2t(r2, i2, S);
      let err = 0;
      for (let ky = 0; ky < S; ky++) {
        for (let kx = 0; kx < S; kx++) {
          err = Math.max(err, Math.abs(r2[kx * S + ky] - want.re[ky * S + kx]) + Math.abs(i2[kx * S + ky] - want.im[ky * S + kx]));
        }
      }
      expect(err).toBeLessThan(1e-9);
      ifft2t(r2, i2, S);
      let back = 0;
      for (let i = 0; i < S * S; i++) back = Math.max(back, Math.abs(r2[i] / (S * S) - re[i]) + Math.abs(i2[i] / (S * S) - im[i]));
      expect(back).toBeLessThan(1e-12);
    });
  }

  it('fftAxis0 transforms every column of a non-square array', () => {
    const n = 8;
    const w = 3;
    const re = Float64Array.from({ length: n * w }, (_, i) => Math.sin(i));
    const im = new Float64Array(n * w);
    const r2 = re.slice();
    const i2 = im.slice();
    fftAxis0(r2, i2, n, w);
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < n; k++) {
        let sr = 0;
        let si = 0;
        for (let y = 0; y < n; y++) {
          const a = (-2 * Math.PI * k * y) / n;
          sr += re[y * w + x] * Math.cos(a);
          si += re[y * w + x] * Math.sin(a);
        }
        expect(Math.abs(r2[k * w + x] - sr) + Math.abs(i2[k * w + x] - si)).toBeLessThan(1e-12);
      }
    }
  });

  it('fftAxis0 on the first columns of a wider array leaves the others alone', () => {
    const n = 16;
    const stride = 7;
    const re = Float64Array.from({ length: n * stride }, (_, i) => Math.sin(i * 0.9));
    const im = Float64Array.from({ length: n * stride }, (_, i) => Math.cos(i * 0.4));
    const want = { re: new Float64Array(n * 4), im: new Float64Array(n * 4) };
    for (let y = 0; y < n; y++) for (let x = 0; x < 4; x++) {
      want.re[y * 4 + x] = re[y * stride + x];
      want.im[y * 4 + x] = im[y * stride + x];
    }
    fftAxis0(want.re, want.im, n, 4);
    const r2 = re.slice();
    const i2 = im.slice();
    fftAxis0(r2, i2, n, 4, false, stride);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < stride; x++) {
        const k = y * stride + x;
        expect([r2[k], i2[k]]).toEqual(x < 4 ? [want.re[y * 4 + x], want.im[y * 4 + x]] : [re[k], im[k]]);
      }
    }
  });
});

describe('real 2-D transforms (one colour channel)', () => {
  for (const S of [1, 2, 3, 4, 6, 8, 12, 15, 16, 32, 45, 64]) {
    it(`${S} x ${S}: fft2tReal is fft2t of the real image, and ifft2tReal inverts a Hermitian spectrum`, () => {
      const P = S * S;
      const x = Float64Array.from({ length: P }, (_, i) => Math.floor(Math.abs(Math.sin(i * 12.9898) * 43758.5453) % 256));
      const re = x.slice();
      const im = new Float64Array(P);
      fft2t(re, im, S);
      const r2 = new Float64Array(P);
      const i2 = new Float64Array(P);
      fft2tReal(x, S, r2, i2);
      let err = 0;
      for (let i = 0; i < P; i++) err = Math.max(err, Math.abs(r2[i] - re[i]) + Math.abs(i2[i] - im[i]));
      expect(err).toBeLessThan(1e-9 * P);
      // a Hermitian filter (keep the bins with |ky| + |kx| <= S/3) against the real part of the complex inverse
      for (let kx = 0; kx < S; kx++) {
        for (let ky = 0; ky < S; ky++) {
          const f = Math.abs(ky < S - ky ? ky : ky - S) + Math.abs(kx < S - kx ? kx : kx - S);
          if (f > S / 3) re[kx * S + ky] = im[kx * S + ky] = 0;
        }
      }
      const want = re.slice();
      const wantIm = im.slice();
      ifft2t(want, wantIm, S);
      const out = new Float64Array(P);
      ifft2tReal(re, im, S, out);
      let diff = 0;
      for (let i = 0; i < P; i++) diff = Math.max(diff, Math.abs(out[i] - want[i]) / P);
      expect(diff).toBeLessThan(1e-11);
    });
  }

  it('column spans: zero columns skipped in the first inverse pass give the same values as the full pass', () => {
    for (const S of [16, 12]) {
      const P = S * S;
      const re = Float64Array.from({ length: P }, (_, i) => Math.sin(i * 0.37));
      const im = Float64Array.from({ length: P }, (_, i) => Math.cos(i * 0.21));
      const spans = [
        [0, 3],
        [S - 2, S],
      ] as const;
      for (let i = 0; i < P; i++) {
        const c = i % S;
        if (!spans.some(([a, b]) => c >= a && c < b)) re[i] = im[i] = 0;
      }
      const full = [re.slice(), im.slice()];
      ifft2t(full[0], full[1], S);
      const part = [re.slice(), im.slice()];
      ifft2t(part[0], part[1], S, spans);
      expect(part).toEqual(full);
      const realFull = new Float64Array(P);
      const realPart = new Float64Array(P);
      ifft2tReal(re.slice(), im.slice(), S, realFull);
      ifft2tReal(re.slice(), im.slice(), S, realPart, spans);
      expect(realPart).toEqual(realFull);
    }
  });
});

describe('fftAxis0 in column blocks', () => {
  it('a wide array (transformed in blocks of columns) equals each column transformed alone, bit for bit', () => {
    const n = 64;
    const w = 300; // above one block (8192 / 64 = 128 columns)
    const re = Float64Array.from({ length: n * w }, (_, i) => Math.sin(i * 0.37) * 100);
    const im = Float64Array.from({ length: n * w }, (_, i) => Math.cos(i * 0.11) * 50);
    const r1 = re.slice();
    const i1 = im.slice();
    fftAxis0(r1, i1, n, w, true);
    const r2 = re.slice();
    const i2 = im.slice();
    for (let x = 0; x < w; x++) fftAxis0(r2.subarray(x), i2.subarray(x), n, 1, true, w);
    expect(r1).toEqual(r2);
    expect(i1).toEqual(i2);
  });
});

/** Unnormalised 2-D DCT-II by its sum: X[k1, k2] = sum x[m1, m2] cos(pi k1 (2 m1 + 1) / 2n) cos(pi k2 (2 m2 + 1) / 2n). */
function dct2(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let k1 = 0; k1 < n; k1++) {
    for (let k2 = 0; k2 < n; k2++) {
      let s = 0;
      for (let m1 = 0; m1 < n; m1++) {
        for (let m2 = 0; m2 < n; m2++) s += x[m1 * n + m2] * Math.cos((Math.PI * k1 * (2 * m1 + 1)) / (2 * n)) * Math.cos((Math.PI * k2 * (2 * m2 + 1)) / (2 * n));
      }
      out[k1 * n + k2] = s;
    }
  }
  return out;
}

/** The image with rows and columns in makhoulOrder. */
function reorder(x: Float64Array, n: number): Float64Array {
  const o = makhoulOrder(n);
  const out = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) out[j * n + i] = x[o[j] * n + o[i]];
  return out;
}

describe('the 2-D DCT-II through the FFT of the Makhoul-ordered image (the blur)', () => {
  for (const n of [8, 9, 6, 16]) {
    it(`${n} x ${n}: dct2FromSpectrum is the DCT of two channels at once, and spectrumFromDct2 with g = 1/n is the inverse`, () => {
      const a = Float64Array.from({ length: n * n }, (_, i) => (i * 37) % 251);
      const b = Float64Array.from({ length: n * n }, (_, i) => (i * 101 + 7) % 253);
      const re = reorder(a, n);
      const im = reorder(b, n);
      fft2t(re, im, n);
      const xr = new Float64Array(n * n);
      const xi = new Float64Array(n * n);
      dct2FromSpectrum(re, im, n, xr, xi);
      const wantA = dct2(a, n);
      const wantB = dct2(b, n);
      let err = 0;
      // transposed layout: bin (k1, k2) at k2 * n + k1
      for (let k1 = 0; k1 < n; k1++) for (let k2 = 0; k2 < n; k2++) err = Math.max(err, Math.abs(xr[k2 * n + k1] - wantA[k1 * n + k2]), Math.abs(xi[k2 * n + k1] - wantB[k1 * n + k2]));
      expect(err).toBeLessThan(1e-8);
      // back: the spectrum from the DCT, inverted, gives the Makhoul-ordered images again
      const g = new Float64Array(n + 1).fill(1 / n);
      g[n] = 0;
      const vr = new Float64Array(n * n);
      const vi = new Float64Array(n * n);
      spectrumFromDct2(xr, xi, n, g, n, vr, vi);
      ifft2t(vr, vi, n);
      const ra = reorder(a, n);
      const rb = reorder(b, n);
      err = 0;
      for (let i = 0; i < n * n; i++) err = Math.max(err, Math.abs(vr[i] - ra[i]), Math.abs(vi[i] - rb[i]));
      expect(err).toBeLessThan(1e-9);
      // one real channel: the real part of the DCT, the half spectrum ifft2tReal reads
      const br = reorder(a, n);
      const sr = new Float64Array(n * n);
      const si = new Float64Array(n * n);
      fft2tReal(br, n, sr, si);
      const xa = new Float64Array(n * n);
      dct2FromSpectrum(sr, si, n, xa);
      err = 0;
      for (let i = 0; i < n * n; i++) err = Math.max(err, Math.abs(xa[i] - xr[i]));
      expect(err).toBeLessThan(1e-8);
      spectrumFromDct2(xa, undefined, n, g, realBins(n), vr, vi);
      const back = new Float64Array(n * n);
      ifft2tReal(vr, vi, n, back);
      err = 0;
      for (let i = 0; i < n * n; i++) err = Math.max(err, Math.abs(back[i] - ra[i]));
      expect(err).toBeLessThan(1e-9);
    });
  }
});
