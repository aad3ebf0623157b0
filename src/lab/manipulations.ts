// Stimulus manipulations on square uint8 RGB images, channel-major [3, S, S], as the model sees
// them (after the square crop). Pure functions: arrays in, arrays out, no DOM. Every step
// computes in float64 and rounds once, half to even (numpy.rint), then clips to 0..255, so each
// manipulation maps uint8 to uint8 and a chain is a sequence of such steps. docs/lab.md gives
// each formula; tools/reference/make_lab_goldens.py is the numpy/scipy/PIL reference.
import { cyclesPerImage, dct2FromSpectrum, fft2t, fft2tReal, fftScratch, fromMakhoulOrder, ifft2t, ifft2tReal, makhoulOrder, maskSpectrum, multiplySpectrum, realBins, spectrumFromDct2, storeScaled, type ColumnSpans } from './fft.ts';
import { LabRandom } from './rng.ts';

export interface ChwImage {
  /** uint8 [3, size, size], channel-major */
  data: Uint8Array;
  size: number;
}

export type InversionMode = 'upside-down' | 'mirror' | 'negative';

export type Manipulation =
  | { kind: 'contrast'; rms: number }
  | { kind: 'luminance'; mean: number }
  | { kind: 'grayscale'; amount: number }
  | { kind: 'blur'; sigma: number }
  | { kind: 'lowpass'; cutoff: number }
  | { kind: 'highpass'; cutoff: number }
  | { kind: 'bandpass'; low: number; high: number }
  | { kind: 'phase-scramble'; percent: number; seed: number }
  | { kind: 'rotate'; degrees: number }
  | { kind: 'invert'; mode: InversionMode }
  | { kind: 'scale'; factor: number }
  | { kind: 'translate'; dx: number; dy: number }
  | { kind: 'noise'; sd: number; seed: number }
  | { kind: 'aperture'; radius: number }
  | { kind: 'bubbles'; count: number; sigma: number; seed: number };

export type ManipulationKind = Manipulation['kind'];

export interface ParamSpec {
  key: string;
  label: string;
  unit: string;
  min: number;
  max: number;
  step: number;
  /** default value */
  value: number;
  /** a sweep may vary it (seeds and integer counts of bubbles are swept too, but seeds are not offered) */
  sweep: boolean;
  integer?: boolean;
}

export interface KindSpec {
  kind: ManipulationKind;
  label: string;
  params: ParamSpec[];
  /** non-numeric choice (inversion) */
  modes?: InversionMode[];
}

const p = (key: string, label: string, unit: string, min: number, max: number, step: number, value: number, sweep = true, integer = false): ParamSpec => ({
  key,
  label,
  unit,
  min,
  max,
  step,
  value,
  sweep,
  integer,
});

/** The manipulations with their parameters, units and ranges (the Lab panel is built from this). */
export const KINDS: KindSpec[] = [
  { kind: 'contrast', label: 'Contrast (RMS)', params: [p('rms', 'RMS contrast', 'SD of luminance / 255', 0, 0.5, 0.01, 0.1)] },
  { kind: 'luminance', label: 'Mean luminance', params: [p('mean', 'mean luminance', 'uint8 levels', 0, 255, 1, 128)] },
  { kind: 'grayscale', label: 'Grayscale', params: [p('amount', 'amount', 'fraction (0 colour, 1 gray)', 0, 1, 0.05, 1)] },
  { kind: 'blur', label: 'Gaussian blur', params: [p('sigma', 'sigma', 'px', 0, 32, 0.5, 2)] },
  { kind: 'lowpass', label: 'Low-pass', params: [p('cutoff', 'cutoff', 'cycles/image', 0, 128, 1, 16)] },
  { kind: 'highpass', label: 'High-pass', params: [p('cutoff', 'cutoff', 'cycles/image', 0, 128, 1, 16)] },
  {
    kind: 'bandpass',
    label: 'Band-pass',
    params: [p('low', 'low edge', 'cycles/image', 0, 128, 1, 8), p('high', 'high edge', 'cycles/image', 0, 128, 1, 16)],
  },
  {
    kind: 'phase-scramble',
    label: 'Phase scrambling',
    params: [p('percent', 'scrambling', '%', 0, 100, 5, 50), p('seed', 'seed', '', 0, 4294967295, 1, 1, false, true)],
  },
  { kind: 'rotate', label: 'Rotation', params: [p('degrees', 'angle', 'degrees counter-clockwise', -180, 180, 5, 90)] },
  { kind: 'invert', label: 'Inversion', params: [], modes: ['upside-down', 'mirror', 'negative'] },
  { kind: 'scale', label: 'Scale', params: [p('factor', 'factor', '× (about the centre)', 0.1, 4, 0.05, 0.5)] },
  {
    kind: 'translate',
    label: 'Translation',
    params: [p('dx', 'right', 'px', -512, 512, 1, 16), p('dy', 'down', 'px', -512, 512, 1, 0)],
  },
  {
    kind: 'noise',
    label: 'Additive noise',
    params: [p('sd', 'noise SD', 'uint8 levels', 0, 128, 1, 20), p('seed', 'seed', '', 0, 4294967295, 1, 1, false, true)],
  },
  { kind: 'aperture', label: 'Aperture', params: [p('radius', 'radius', 'fraction of half the side', 0, 1.5, 0.05, 0.5)] },
  {
    kind: 'bubbles',
    label: 'Bubbles',
    params: [
      p('count', 'bubbles', 'count', 0, 200, 1, 10, true, true),
      p('sigma', 'bubble SD', 'px', 1, 64, 1, 10),
      p('seed', 'seed', '', 0, 4294967295, 1, 1, false, true),
    ],
  },
];

export function kindSpec(kind: ManipulationKind): KindSpec {
  const k = KINDS.find((s) => s.kind === kind);
  if (!k) throw new Error(`unknown manipulation '${kind}'`);
  return k;
}

/** A manipulation of this kind with every parameter at its default. */
export function defaultManipulation(kind: ManipulationKind): Manipulation {
  const spec = kindSpec(kind);
  const m: Record<string, unknown> = { kind };
  for (const q of spec.params) m[q.key] = q.value;
  if (spec.modes) m.mode = spec.modes[0];
  return m as unknown as Manipulation;
}

/** The same manipulation with one numeric parameter replaced (a sweep's step). */
export function withParam(m: Manipulation, key: string, value: number): Manipulation {
  const spec = kindSpec(m.kind);
  const q = spec.params.find((s) => s.key === key);
  if (!q) throw new Error(`${m.kind} has no parameter '${key}'`);
  return { ...m, [key]: q.integer ? Math.round(value) : value } as Manipulation;
}

/** Short human-readable form, e.g. "contrast rms=0.1". */
export function describe(m: Manipulation): string {
  const spec = kindSpec(m.kind);
  const parts = spec.params.map((q) => `${q.key}=${fmt((m as unknown as Record<string, number>)[q.key])}`);
  if (m.kind === 'invert') parts.push(m.mode);
  return [m.kind, ...parts].join(' ');
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

// ---------- helpers ----------

/**
 * A new uint8 image and a Uint8ClampedArray over the same bytes: a number stored into the clamped
 * view is rounded half to even and clipped to 0..255 (NaN to 0), as numpy.rint then clip, without
 * a call per value or a float64 image in between.
 */
function outImage(n: number): { data: Uint8Array; c: Uint8ClampedArray } {
  const data = new Uint8Array(n);
  return { data, c: new Uint8ClampedArray(data.buffer) };
}

/** ITU-R BT.601 luma weights (PIL's convert('L') uses the same, in fixed point). */
export const LUMA = [0.299, 0.587, 0.114] as const;

/** Luminance L = 0.299 R + 0.587 G + 0.114 B per pixel, float64. */
export function luminance(img: ChwImage): Float64Array {
  const P = img.size * img.size;
  const d = img.data;
  const L = new Float64Array(P);
  for (let i = 0; i < P; i++) L[i] = LUMA[0] * d[i] + LUMA[1] * d[P + i] + LUMA[2] * d[2 * P + i];
  return L;
}

/** Mean and population SD of the luminance, in uint8 levels. */
export function luminanceStats(img: ChwImage): { mean: number; sd: number } {
  return statsOf(luminance(img));
}

function statsOf(L: Float64Array): { mean: number; sd: number } {
  let s = 0;
  for (let i = 0; i < L.length; i++) s += L[i];
  const mean = s / L.length;
  let v = 0;
  for (let i = 0; i < L.length; i++) v += (L[i] - mean) * (L[i] - mean);
  return { mean, sd: Math.sqrt(v / L.length) };
}

/** RMS contrast: SD of luminance / 255 (luminance as a fraction of the uint8 range). */
export function rmsContrast(img: ChwImage): number {
  return luminanceStats(img).sd / 255;
}

/** Mean of each colour channel (float64): the fill of occluded or uncovered pixels. */
export function channelMeans(img: ChwImage): [number, number, number] {
  const P = img.size * img.size;
  const m: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let s = 0;
    for (let i = 0; i < P; i++) s += img.data[c * P + i];
    m[c] = s / P;
  }
  return m;
}

/** Least-recently-used cache of at most `cap` values (a sweep cycles through its steps' transfer functions once per source). */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly cap: (v: V) => number) {}
  get(key: string, make: () => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    const v = make();
    this.map.set(key, v);
    while (this.map.size > this.cap(v)) this.map.delete(this.map.keys().next().value!);
    return v;
  }
}

/** A small most-recently-used set of values keyed by an image's pixels (the bytes, not the array). */
class PixelCache<T> {
  private readonly entries: { S: number; pixels: Uint8Array; value: T }[] = [];
  constructor(private readonly cap: (S: number) => number) {}
  find(img: ChwImage): { value: T } | undefined {
    const k = this.entries.findIndex((e) => e.S === img.size && sameBytes(e.pixels, img.data));
    if (k < 0) return undefined;
    const e = this.entries[k];
    if (k > 0) this.entries.unshift(...this.entries.splice(k, 1));
    return e;
  }
  add(img: ChwImage, value: T): { value: T } {
    const e = { S: img.size, pixels: img.data.slice(), value };
    this.entries.unshift(e);
    this.entries.length = Math.min(this.entries.length, this.cap(img.size));
    return e;
  }
}

// ---------- photometric ----------

/** A map of every uint8 level through f, applied to each value (the same number f gives per pixel). */
function mapLevels(img: ChwImage, f: (v: number) => number): ChwImage {
  const lut = new Uint8ClampedArray(256);
  for (let v = 0; v < 256; v++) lut[v] = f(v);
  const d = img.data;
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = lut[d[i]];
  return { data: out, size: img.size };
}

// A sweep over contrast, mean luminance or grayscale amount needs each image's luminance at every
// step: it is computed once per image (the last four images are kept, matched by their pixels).
const lumas = new PixelCache<{ L: Float64Array; mean: number; sd: number }>((S) => (S > 512 ? 1 : 4));

function luma(img: ChwImage): { L: Float64Array; mean: number; sd: number } {
  const hit = lumas.find(img);
  if (hit) return hit.value;
  const L = luminance(img);
  return lumas.add(img, { L, ...statsOf(L) }).value;
}

function contrast(img: ChwImage, rms: number): ChwImage {
  const { mean, sd } = luma(img);
  const k = sd > 0 ? (rms * 255) / sd : 1; // a uniform image has no contrast to scale
  return mapLevels(img, (v) => mean + k * (v - mean));
}

function luminanceShift(img: ChwImage, target: number): ChwImage {
  const { mean } = luma(img);
  return mapLevels(img, (v) => v + (target - mean));
}

function grayscale(img: ChwImage, amount: number): ChwImage {
  const { L } = luma(img);
  const P = L.length;
  const d = img.data;
  const { data, c: out } = outImage(3 * P);
  for (let c = 0; c < 3; c++) for (let i = 0; i < P; i++) out[c * P + i] = (1 - amount) * d[c * P + i] + amount * L[i];
  return { data, size: img.size };
}

function invert(img: ChwImage, mode: InversionMode): ChwImage {
  const S = img.size;
  const P = S * S;
  const out = new Uint8Array(3 * P);
  const d = img.data;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const o = c * P + y * S + x;
        if (mode === 'negative') out[o] = 255 - d[o];
        else if (mode === 'upside-down') out[o] = d[c * P + (S - 1 - y) * S + x];
        else out[o] = d[c * P + y * S + (S - 1 - x)];
      }
    }
  }
  return { data: out, size: S };
}

// ---------- Gaussian blur (scipy.ndimage.gaussian_filter, mode='reflect', truncate=4) ----------

/** scipy's 'reflect' boundary: d c b a | a b c d | d c b a. */
function reflectIndex(i: number, n: number): number {
  const period = 2 * n;
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - 1 - k;
}

export function gaussianKernel(sigma: number, truncate = 4): Float64Array {
  const radius = Math.trunc(truncate * sigma + 0.5);
  const w = new Float64Array(2 * radius + 1);
  let s = 0;
  for (let i = -radius; i <= radius; i++) {
    w[i + radius] = Math.exp((-0.5 * i * i) / (sigma * sigma));
    s += w[i + radius];
  }
  for (let i = 0; i < w.length; i++) w[i] /= s;
  return w;
}

function blur(img: ChwImage, sigma: number): ChwImage {
  const S = img.size;
  if (!(sigma > 0)) return { data: img.data.slice(), size: S };
  const w = gaussianKernel(sigma);
  const r = (w.length - 1) / 2;
  return r > BLUR_DIRECT_MAX_RADIUS ? blurDct(img, sigma, w) : blurDirect(img, w);
}

// Kernels up to this radius are summed directly; wider ones go through the DCT, whose cost does
// not grow with sigma (the crossover on a 256 px image).
const BLUR_DIRECT_MAX_RADIUS = 3;

/**
 * The DCT-II eigenvalues of reflect-mode correlation with a symmetric kernel w (radius r):
 * lam_k = w_0 + 2 sum_j w_j cos(pi k j / S). The half-sample symmetric extension of each DCT-II
 * basis vector is cos(pi k (m + 1/2) / S) for every integer m, so the reflected correlation maps it
 * to lam_k times itself, for any radius (reflections of reflections included).
 */
function dctEigenvalues(S: number, w: Float64Array): Float64Array {
  const r = (w.length - 1) / 2;
  const lam = new Float64Array(S);
  for (let k = 0; k < S; k++) {
    let s = 0;
    for (let j = r; j >= 1; j--) s += w[r + j] * Math.cos((Math.PI * ((k * j) % (2 * S))) / S);
    lam[k] = w[r] + 2 * s;
  }
  return lam;
}

const eigenvalues = new Lru<Float64Array>(() => 16);

/**
 * Gaussian blur as the DCT-domain filter of the same reflect-mode correlation (the result differs
 * from the direct sums only by rounding): the 2-D DCT-II of each channel is multiplied by
 * lam[k1] lam[k2] (the 2-D filter is the product of the two 1-D ones) and inverted through the FFT
 * of the image in Makhoul's order (fft.ts).
 */
function blurDct(img: ChwImage, sigma: number, w: Float64Array): ChwImage {
  const S = img.size;
  const g = eigenvalues.get(`${S}|${sigma}`, () => {
    // lam / S (the inverse transform's 1/S per axis), and g[S] = 0
    const lam = dctEigenvalues(S, w);
    const out = new Float64Array(S + 1);
    for (let k = 0; k < S; k++) out[k] = lam[k] / S;
    return out;
  });
  // Each image's DCT is kept: a sweep's other steps or a slider move pay only the inverse
  // transforms. Every call takes the same arithmetic path, so an image and sigma give the same
  // bytes whatever was computed before.
  const x = (blurDcts.find(img) ?? blurDcts.add(img, imageDct(img))).value;
  return blurFromDct(x, S, g);
}

interface ImageDct {
  /** 2-D DCT-II of R + iG (D_R + i D_G) and of B, in fft2t's transposed layout */
  rgRe: Float64Array;
  rgIm: Float64Array;
  b: Float64Array;
}

const blurDcts = new PixelCache<ImageDct>((S) => (S > 512 ? 1 : 2));

/** The 2-D DCT-II of each channel: fft2t of the image in makhoulOrder (R + iG, and B), then dct2FromSpectrum. */
function imageDct(img: ChwImage): ImageDct {
  const S = img.size;
  const P = S * S;
  const order = makhoulOrder(S);
  const d = img.data;
  const { re, im } = complexScratch(S);
  const b = realScratch(S);
  for (let j = 0; j < S; j++) {
    const src = order[j] * S;
    for (let i = 0, o = j * S; i < S; i++, o++) {
      const q = src + order[i];
      re[o] = d[q];
      im[o] = d[P + q];
      b[o] = d[2 * P + q];
    }
  }
  const x = { rgRe: new Float64Array(P), rgIm: new Float64Array(P), b: new Float64Array(P) };
  fft2t(re, im, S);
  dct2FromSpectrum(re, im, S, x.rgRe, x.rgIm);
  fft2tReal(b, S, re, im);
  dct2FromSpectrum(re, im, S, x.b);
  return x;
}

/** The DCT-domain blur from a kept DCT: the filtered spectrum in one pass, inverse transforms, the order undone. */
function blurFromDct(x: ImageDct, S: number, g: Float64Array): ChwImage {
  const P = S * S;
  const { re, im } = complexScratch(S);
  const { data, c: out } = outImage(3 * P);
  spectrumFromDct2(x.rgRe, x.rgIm, S, g, S, re, im);
  ifft2t(re, im, S);
  fromMakhoulOrder(out, 0, re, S);
  fromMakhoulOrder(out, P, im, S);
  // the filtered spectrum of a real channel is Hermitian: its real inverse costs half
  spectrumFromDct2(x.b, undefined, S, g, realBins(S), re, im);
  const b = realScratch(S);
  ifft2tReal(re, im, S, b);
  fromMakhoulOrder(out, 2 * P, b, S);
  return { data, size: S };
}

/**
 * Gaussian blur by direct sums (scipy's order), for radii up to BLUR_DIRECT_MAX_RADIUS = 3. The
 * kernel is padded to radius 3 with zero weights (adding 0 to a sum changes no bit), so all taps
 * of a pixel are summed in one expression instead of one pass over the row per tap.
 */
function blurDirect(img: ChwImage, w: Float64Array): ChwImage {
  const S = img.size;
  const r = (w.length - 1) / 2;
  const R = BLUR_DIRECT_MAX_RADIUS;
  const w0 = w[r];
  const [w1, w2, w3] = [1, 2, 3].map((j) => (j <= r ? w[r + j] : 0));
  const P = S * S;
  const idx = new Int32Array(S + 2 * R);
  for (let i = -R; i < S + R; i++) idx[i + R] = reflectIndex(i, S);
  const tmp = new Float64Array(P);
  const pad = new Float64Array(S + 2 * R);
  const d = img.data;
  const { data, c: out } = outImage(3 * P);
  // scipy's correlate1d with a symmetric kernel: w[0] x[i] + sum_j w[j] (x[i + j] + x[i - j]),
  // j = 1 .. r in that order; axis 0 (rows) first, then axis 1.
  for (let c = 0; c < 3; c++) {
    const base = c * P;
    for (let y = 0; y < S; y++) {
      const row = y * S;
      const at = (j: number) => base + idx[y + R + j] * S;
      blurRows(tmp, row, d, base + row, at(1), at(-1), at(2), at(-2), at(3), at(-3), S, w0, w1, w2, w3);
    }
    for (let y = 0; y < S; y++) {
      const row = y * S;
      // the row with its reflected margins, so the taps read consecutive values
      for (let i = 0; i < pad.length; i++) pad[i] = tmp[row + idx[i]];
      blurRow(out, base + row, pad, S, w0, w1, w2, w3);
    }
  }
  return { data, size: S };
}

/** One row of the pass along axis 0: the centre row and the rows j below (dn) and above (up). */
function blurRows(
  tmp: Float64Array, o: number, d: Uint8Array, c0: number, dn1: number, up1: number, dn2: number, up2: number, dn3: number, up3: number,
  S: number, w0: number, w1: number, w2: number, w3: number,
) {
  for (let x = 0; x < S; x++) tmp[o + x] = w0 * d[c0 + x] + (d[dn1 + x] + d[up1 + x]) * w1 + (d[dn2 + x] + d[up2 + x]) * w2 + (d[dn3 + x] + d[up3 + x]) * w3;
}

/** One row of the pass along axis 1, from the row padded by 3 reflected values each side. */
function blurRow(out: Uint8ClampedArray, o: number, p: Float64Array, S: number, w0: number, w1: number, w2: number, w3: number) {
  for (let x = 0; x < S; x++) out[o + x] = w0 * p[x + 3] + (p[x + 4] + p[x + 2]) * w1 + (p[x + 5] + p[x + 1]) * w2 + (p[x + 6] + p[x]) * w3;
}

// ---------- Fourier-domain manipulations ----------
// Spectra and transfer functions are held in fft2t's transposed layout: index kx * S + ky is bin
// (ky, kx). The radial masks are symmetric in (ky, kx), so their layout is the image's too.

// A sweep filters each source at every step, and a preview refilters one image as a slider moves:
// the forward transforms of the last images are kept (two; one above 512 px, 32 MB a spectrum set).
interface ComplexPair {
  /** fft2t(R + iG) */
  rgRe: Float64Array;
  rgIm: Float64Array;
  /** fft2t(B) */
  bRe: Float64Array;
  bIm: Float64Array;
}

const fourierSpectra = new PixelCache<ComplexPair>((S) => (S > 512 ? 1 : 2));

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  let i = 0;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const a4 = new Int32Array(a.buffer, a.byteOffset, n >>> 2);
    const b4 = new Int32Array(b.buffer, b.byteOffset, n >>> 2);
    for (let j = 0; j < a4.length; j++) if (a4[j] !== b4[j]) return false;
    i = a4.length * 4;
  }
  for (; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** fft2t of the image as it is: R + iG (two real channels as one complex signal), and B. */
function sourceSpectrum(img: ChwImage): ComplexPair {
  const hit = fourierSpectra.find(img);
  if (hit) return hit.value;
  const P = img.size * img.size;
  const d = img.data;
  const rgRe = new Float64Array(P);
  const rgIm = new Float64Array(P);
  const bRe = new Float64Array(P);
  const bIm = new Float64Array(P);
  const b = realScratch(img.size);
  for (let i = 0; i < P; i++) {
    rgRe[i] = d[i];
    rgIm[i] = d[P + i];
    b[i] = d[2 * P + i];
  }
  fft2t(rgRe, rgIm, img.size);
  fft2tReal(b, img.size, bRe, bIm);
  return fourierSpectra.add(img, { rgRe, rgIm, bRe, bIm }).value;
}

/** One complex S x S work array (the inverse transforms' input, overwritten by them), where fft.ts's kernel works on it. */
function complexScratch(S: number): { re: Float64Array; im: Float64Array } {
  return fftScratch(S);
}

/** One real channel, S x S: the blue channel on its way into fft2tReal or out of ifft2tReal. */
function realScratch(S: number): Float64Array {
  return fftScratch(S).real;
}

/**
 * Multiplies each channel's 2-D spectrum by a Hermitian transfer function H and takes the real
 * part of the inverse transform. Two real channels share one complex transform (R + iG): with H
 * Hermitian, the real and imaginary parts of the result are the two filtered channels. H is a
 * 0/1 mask (`mask`) or complex (`hRe`, `hIm`), in the transposed layout.
 */
function spectralFilter(img: ChwImage, h: { mask: Uint8Array; spans: ColumnSpans } | { re: Float64Array; im: Float64Array }): ChwImage {
  const S = img.size;
  const P = S * S;
  const sp = sourceSpectrum(img);
  const { re, im } = complexScratch(S);
  const { data, c: out } = outImage(3 * P);
  const k = 1 / P;
  // one small function per loop: each stays monomorphic and is optimised on its own
  const spans = 'mask' in h ? h.spans : undefined;
  if ('mask' in h) maskSpectrum(sp.rgRe, sp.rgIm, h.mask, re, im, S, S, spans);
  else multiplySpectrum(sp.rgRe, sp.rgIm, h.re, h.im, re, im, S, S);
  ifft2t(re, im, S, spans);
  storeScaled(out, 0, re, k);
  storeScaled(out, P, im, k);
  const cols = realBins(S);
  if ('mask' in h) maskSpectrum(sp.bRe, sp.bIm, h.mask, re, im, S, cols, spans);
  else multiplySpectrum(sp.bRe, sp.bIm, h.re, h.im, re, im, S, cols);
  // B's filtered spectrum is Hermitian (H is): its real inverse costs half a complex one
  const b = realScratch(S);
  ifft2tReal(re, im, S, b, spans);
  storeScaled(out, 2 * P, b, k);
  return { data, size: S };
}

/** Ideal radial mask in cycles per image: 1 where low^2 <= fx^2 + fy^2 <= high^2 (and at DC when keepDc). */
export function radialMask(S: number, low: number, high: number, keepDc: boolean): Float64Array {
  return Float64Array.from(radialMask8(S, low, high, keepDc));
}

function radialMask8(S: number, low: number, high: number, keepDc: boolean): Uint8Array {
  const m = new Uint8Array(S * S);
  const lo2 = low * low;
  const hi2 = high * high;
  for (let y = 0; y < S; y++) {
    const fy = cyclesPerImage(y, S);
    for (let x = 0; x < S; x++) {
      const fx = cyclesPerImage(x, S);
      const f2 = fx * fx + fy * fy;
      m[y * S + x] = f2 >= lo2 && f2 <= hi2 ? 1 : 0;
    }
  }
  if (keepDc) m[0] = 1;
  return m;
}

// 64 KB a mask at 256 px
const masks = new Lru<{ mask: Uint8Array; spans: ColumnSpans }>((m) => (m.mask.length > 512 * 512 ? 8 : 32));

function maskFor(S: number, low: number, high: number): { mask: Uint8Array; spans: ColumnSpans } {
  return masks.get(`${S}|${low}|${high}`, () => {
    const mask = radialMask8(S, low, high, true);
    return { mask, spans: nonzeroColumns(mask, S) };
  });
}

/** The runs of columns (ky, transposed layout) holding a kept bin: a low-pass keeps |ky| <= cutoff only. */
function nonzeroColumns(mask: Uint8Array, S: number): ColumnSpans {
  const used = new Uint8Array(S);
  for (let i = 0; i < mask.length; i++) if (mask[i]) used[i % S] = 1;
  const spans: [number, number][] = [];
  for (let c = 0; c < S; c++) {
    if (!used[c]) continue;
    if (spans.length && spans[spans.length - 1][1] === c) spans[spans.length - 1][1] = c + 1;
    else spans.push([c, c + 1]);
  }
  return spans;
}

/**
 * Phase-scrambling transfer function exp(i * a * phi): phi is the phase spectrum of seeded
 * uniform noise (RandomState(seed).random_sample((S, S))), which is antisymmetric, so H is
 * Hermitian and the result real. Self-conjugate bins (DC, and the Nyquist bins of even S) keep
 * their phase: their noise phase is 0 or pi only up to rounding. Transposed layout (fft2t).
 */
function scrambleTransfer(S: number, fraction: number, seed: number): { re: Float64Array; im: Float64Array } {
  // 1 MB a transfer function at 256 px: room for a 16-step sweep, 64 MB at most
  return transfers.get(`${S}|${seed}|${fraction}`, () => {
    const phi = noisePhase(S, seed);
    const P = S * S;
    const re = new Float64Array(P);
    const im = new Float64Array(P);
    for (let i = 0; i < P; i++) {
      re[i] = Math.cos(fraction * phi[i]);
      im[i] = Math.sin(fraction * phi[i]);
    }
    return { re, im };
  });
}

const transfers = new Lru<{ re: Float64Array; im: Float64Array }>((h) => Math.max(1, Math.min(16, Math.floor((64 << 20) / (16 * h.re.length)))));

// A sweep scrambles every image with the same noise: its phase is computed once per size and seed.
const phases = new Lru<Float64Array>((phi) => (phi.length > 512 * 512 ? 1 : 4));

/** The noise's phase spectrum, transposed layout (index kx * S + ky; the self-conjugate set is symmetric). */
function noisePhase(S: number, seed: number): Float64Array {
  return phases.get(`${S}|${seed}`, () => {
    const rng = new LabRandom(seed);
    const P = S * S;
    const nr = new Float64Array(P);
    const ni = new Float64Array(P);
    for (let i = 0; i < P; i++) nr[i] = rng.uniform();
    fft2t(nr, ni, S);
    const phi = new Float64Array(P);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const i = y * S + x;
        const selfConjugate = (2 * y) % S === 0 && (2 * x) % S === 0;
        phi[i] = selfConjugate ? 0 : Math.atan2(ni[i], nr[i]);
      }
    }
    return phi;
  });
}

// ---------- geometric (bilinear, input extended by the fill colour) ----------

/**
 * Output pixel (y, x) samples the input at (yin, xin) = A (y - c, x - c) + c + t, c = (S - 1) / 2,
 * bilinearly; neighbours outside the image take the fill colour (scipy.ndimage.affine_transform,
 * order=1, mode='grid-constant').
 */
function affine(img: ChwImage, a00: number, a01: number, a10: number, a11: number, ty: number, tx: number): ChwImage {
  const S = img.size;
  const P = S * S;
  const c0 = (S - 1) / 2;
  const [f0, f1, f2] = channelMeans(img);
  const d = img.data;
  const { data, c: f } = outImage(3 * P);
  // the column terms of both coordinates, once (the same products as per pixel)
  const cy = new Float64Array(S);
  const cx = new Float64Array(S);
  for (let x = 0; x < S; x++) {
    cy[x] = a01 * (x - c0);
    cx[x] = a11 * (x - c0);
  }
  for (let y = 0; y < S; y++) {
    const ry = a00 * (y - c0);
    const rx = a10 * (y - c0);
    for (let x = 0; x < S; x++) {
      const yi = ry + cy[x] + c0 + ty;
      const xi = rx + cx[x] + c0 + tx;
      const y0 = Math.floor(yi);
      const x0 = Math.floor(xi);
      const wy = yi - y0;
      const wx = xi - x0;
      const o = y * S + x;
      if (y0 < -1 || y0 >= S || x0 < -1 || x0 >= S) {
        f[o] = f0;
        f[P + o] = f1;
        f[2 * P + o] = f2;
        continue;
      }
      if (y0 >= 0 && y0 + 1 < S && x0 >= 0 && x0 + 1 < S) {
        // all four neighbours inside (most pixels): no fill to choose
        const p00 = y0 * S + x0;
        const vy = 1 - wy;
        const vx = 1 - wx;
        for (let q = p00, e = p00 + 3 * P, t = o; q < e; q += P, t += P) {
          f[t] = vy * (vx * d[q] + wx * d[q + 1]) + wy * (vx * d[q + S] + wx * d[q + S + 1]);
        }
        continue;
      }
      const iy0 = y0 >= 0;
      const iy1 = y0 + 1 < S;
      const ix0 = x0 >= 0;
      const ix1 = x0 + 1 < S;
      const p00 = y0 * S + x0;
      for (let c = 0; c < 3; c++) {
        const base = c * P;
        const fill = c === 0 ? f0 : c === 1 ? f1 : f2;
        const v00 = iy0 && ix0 ? d[base + p00] : fill;
        const v01 = iy0 && ix1 ? d[base + p00 + 1] : fill;
        const v10 = iy1 && ix0 ? d[base + p00 + S] : fill;
        const v11 = iy1 && ix1 ? d[base + p00 + S + 1] : fill;
        // the reference's association: (1 - wy) * ((1 - wx) v00 + wx v01) + wy * (...)
        f[base + o] = (1 - wy) * ((1 - wx) * v00 + wx * v01) + wy * ((1 - wx) * v10 + wx * v11);
      }
    }
  }
  return { data, size: S };
}

function rotate(img: ChwImage, degrees: number): ChwImage {
  // counter-clockwise on screen (rows run down): the inverse map turns the output back clockwise
  const t = (degrees * Math.PI) / 180;
  const c = Math.cos(t);
  const s = Math.sin(t);
  return affine(img, c, s, -s, c, 0, 0);
}

// ---------- occlusion and noise ----------

function aperture(img: ChwImage, radius: number): ChwImage {
  const S = img.size;
  const P = S * S;
  const c0 = (S - 1) / 2;
  const r = (radius * S) / 2;
  const fill = channelMeans(img);
  const { data, c: f } = outImage(3 * P);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const inside = (y - c0) * (y - c0) + (x - c0) * (x - c0) <= r * r;
      for (let c = 0; c < 3; c++) f[c * P + y * S + x] = inside ? img.data[c * P + y * S + x] : fill[c];
    }
  }
  return { data, size: S };
}

/** Bubbles mask M = min(1, sum_k exp(-d_k^2 / (2 sigma^2))), centres drawn from RandomState(seed). */
export function bubblesMask(S: number, count: number, sigma: number, seed: number): Float64Array {
  const rng = new LabRandom(seed);
  const m = new Float64Array(S * S);
  // beyond 6 sigma a bubble adds below 1.6e-8 (far below a uint8 level): skip it
  const reach = Math.ceil(6 * sigma);
  for (let k = 0; k < count; k++) {
    const cy = rng.uniform() * S - 0.5;
    const cx = rng.uniform() * S - 0.5;
    const y0 = Math.max(0, Math.floor(cy - reach));
    const y1 = Math.min(S - 1, Math.ceil(cy + reach));
    const x0 = Math.max(0, Math.floor(cx - reach));
    const x1 = Math.min(S - 1, Math.ceil(cx + reach));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        m[y * S + x] += Math.exp(-((y - cy) * (y - cy) + (x - cx) * (x - cx)) / (2 * sigma * sigma));
      }
    }
  }
  for (let i = 0; i < m.length; i++) if (m[i] > 1) m[i] = 1;
  return m;
}

// 512 KB a mask at 256 px: a 16-step sweep's masks
const bubbleMasks = new Lru<Float64Array>((m) => (m.length > 512 * 512 ? 1 : 16));

function bubbles(img: ChwImage, count: number, sigma: number, seed: number): ChwImage {
  const S = img.size;
  const P = S * S;
  const n = Math.round(count);
  // the same mask for every image of a sweep's step
  const m = bubbleMasks.get(`${S}|${n}|${sigma}|${seed}`, () => bubblesMask(S, n, sigma, seed));
  const fill = channelMeans(img);
  const { data, c: f } = outImage(3 * P);
  const d = img.data;
  for (let c = 0; c < 3; c++) {
    const fc = fill[c];
    for (let i = 0; i < P; i++) f[c * P + i] = m[i] * d[c * P + i] + (1 - m[i]) * fc;
  }
  return { data, size: S };
}

// A sweep over the SD (and a preview as its slider moves) draws the same normals every time:
// the last two sets are kept (1.5 MB each at 256 px).
const normalSets = new Lru<Float64Array>((z) => (z.length > 3 * 512 * 512 ? 1 : 2));

function noise(img: ChwImage, sd: number, seed: number): ChwImage {
  const n = img.data.length;
  // RandomState(seed).standard_normal((3, S, S)): channel-major order, as the image
  const z = normalSets.get(`${n}|${seed}`, () => new LabRandom(seed).normals(n));
  const d = img.data;
  const { data, c: f } = outImage(n);
  for (let i = 0; i < n; i++) f[i] = d[i] + sd * z[i];
  return { data, size: img.size };
}

// ---------- entry point ----------

function check(ok: boolean, what: string) {
  if (!ok) throw new RangeError(what);
}

/** Applies one manipulation; the input is left untouched. */
export function applyManipulation(img: ChwImage, m: Manipulation): ChwImage {
  const S = img.size;
  check(img.data.length === 3 * S * S, `image buffer has ${img.data.length} bytes, expected 3 x ${S} x ${S}`);
  switch (m.kind) {
    case 'contrast':
      check(m.rms >= 0, 'RMS contrast must be >= 0');
      return contrast(img, m.rms);
    case 'luminance':
      return luminanceShift(img, m.mean);
    case 'grayscale':
      check(m.amount >= 0 && m.amount <= 1, 'grayscale amount must be in 0..1');
      return grayscale(img, m.amount);
    case 'blur':
      check(m.sigma >= 0, 'blur sigma must be >= 0 px');
      return blur(img, m.sigma);
    case 'lowpass':
      check(m.cutoff >= 0, 'cutoff must be >= 0 cycles/image');
      return spectralFilter(img, maskFor(S, 0, m.cutoff));
    case 'highpass':
      check(m.cutoff >= 0, 'cutoff must be >= 0 cycles/image');
      return spectralFilter(img, maskFor(S, m.cutoff, Infinity));
    case 'bandpass':
      check(m.low >= 0 && m.high >= m.low, 'band-pass needs 0 <= low <= high (cycles/image)');
      return spectralFilter(img, maskFor(S, m.low, m.high));
    case 'phase-scramble': {
      check(m.percent >= 0 && m.percent <= 100, 'phase scrambling must be 0..100 %');
      return spectralFilter(img, scrambleTransfer(S, m.percent / 100, m.seed));
    }
    case 'rotate':
      return rotate(img, m.degrees);
    case 'invert':
      return invert(img, m.mode);
    case 'scale':
      check(m.factor > 0, 'scale factor must be > 0');
      return affine(img, 1 / m.factor, 0, 0, 1 / m.factor, 0, 0);
    case 'translate':
      return affine(img, 1, 0, 0, 1, -m.dy, -m.dx);
    case 'noise':
      check(m.sd >= 0, 'noise SD must be >= 0');
      return noise(img, m.sd, m.seed);
    case 'aperture':
      check(m.radius >= 0, 'aperture radius must be >= 0');
      return aperture(img, m.radius);
    case 'bubbles':
      check(m.count >= 0 && m.sigma > 0, 'bubbles need count >= 0 and sigma > 0 px');
      return bubbles(img, m.count, m.sigma, m.seed);
  }
}

/** Applies a chain of manipulations in order (each step rounds to uint8). */
export function applyChain(img: ChwImage, chain: readonly Manipulation[]): ChwImage {
  let out: ChwImage = { data: img.data, size: img.size };
  for (const m of chain) out = applyManipulation(out, m);
  return out === img ? { data: img.data.slice(), size: img.size } : out;
}
