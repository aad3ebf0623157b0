// Complex FFT of any length (radix-2 when the length is a power of two, Bluestein's chirp-z
// otherwise: square crops come in every size) and the 2-D transform the spatial-frequency
// filters and phase scrambling use. Unnormalised forward transform, inverse divided by n, as numpy.fft.
import { fftKernels, type FftKernels } from './fft_kernels.ts';

interface Plan {
  n: number;
  /** radix-2 twiddles for the transform length actually run (n, or Bluestein's padded m) */
  m: number;
  cos: Float64Array;
  sin: Float64Array;
  rev: Uint32Array;
  /** Bluestein: chirp w_k = exp(-i pi k^2 / n) and the FFT of its padded conjugate */
  chirpRe?: Float64Array;
  chirpIm?: Float64Array;
  bRe?: Float64Array;
  bIm?: Float64Array;
  workRe?: Float64Array;
  workIm?: Float64Array;
}

const plans = new Map<number, Plan>();

function isPow2(n: number): boolean {
  return (n & (n - 1)) === 0;
}

function radix2Tables(m: number) {
  const cos = new Float64Array(m / 2);
  const sin = new Float64Array(m / 2);
  for (let k = 0; k < m / 2; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / m);
    sin[k] = Math.sin((2 * Math.PI * k) / m);
  }
  const rev = new Uint32Array(m);
  const bits = Math.round(Math.log2(m));
  for (let i = 0; i < m; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
    rev[i] = r;
  }
  return { cos, sin, rev };
}

function plan(n: number): Plan {
  let p = plans.get(n);
  if (p) return p;
  if (isPow2(n)) {
    p = { n, m: n, ...radix2Tables(n) };
  } else {
    let m = 1;
    while (m < 2 * n - 1) m *= 2;
    const chirpRe = new Float64Array(n);
    const chirpIm = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      // k^2 mod 2n keeps the angle small, so large k lose no precision
      const a = (Math.PI * ((k * k) % (2 * n))) / n;
      chirpRe[k] = Math.cos(a);
      chirpIm[k] = -Math.sin(a);
    }
    const t = radix2Tables(m);
    const bRe = new Float64Array(m);
    const bIm = new Float64Array(m);
    bRe[0] = chirpRe[0];
    bIm[0] = -chirpIm[0];
    for (let k = 1; k < n; k++) {
      bRe[k] = bRe[m - k] = chirpRe[k];
      bIm[k] = bIm[m - k] = -chirpIm[k];
    }
    p = { n, m, ...t, chirpRe, chirpIm, bRe, bIm, workRe: new Float64Array(m), workIm: new Float64Array(m) };
    radix2(p, bRe, bIm, 0, 1, false);
  }
  plans.set(n, p);
  return p;
}

// The 2-D transforms of power-of-two sizes, and the steps around them, run their hot loops in
// WebAssembly (fft_kernels.ts, bit-identical to the loops here), on arrays in the kernel's memory:
// the callers' work arrays (fftScratch), the real transforms' half-size rows and a pair of arrays
// that inputs held elsewhere are copied through. One layout at a time, for one size; a new size lays the memory
// out again (growing it, up to ARENA_MAX_BYTES, detaches the old views: they are made anew), so a
// view from fftScratch is valid until a transform of another size. Above that bound, for other
// sizes, without WebAssembly SIMD or with the kernel turned off, the same loops run in JavaScript.
interface Arena {
  k: FftKernels;
  S: number;
  buffer: ArrayBuffer;
  re: Float64Array;
  im: Float64Array;
  real: Float64Array;
  halfRe: Float64Array;
  halfIm: Float64Array;
  ioRe: Float64Array;
  ioIm: Float64Array;
  /** one channel's bytes on their way out (storeScaled, fromMakhoulOrder) */
  bytes: Uint8ClampedArray;
  /** byte addresses of radix2Tables(n) for n = S and S / 2 */
  tables: Map<number, { cos: number; sin: number; rev: number }>;
  /** byte addresses of half(S)'s twiddles and of inverseMakhoulOrder(S) */
  halfCos: number;
  halfSin: number;
  inOrder: number;
  /** byte addresses of twiddles(S), and the blur's filter g (S + 1 values) */
  dctCos: number;
  dctSin: number;
  g: Float64Array;
  /** a 0/1 mask on its way into maskSpectrum */
  mask: Uint8Array;
}

// 50 S^2 bytes a layout (and tables): every power of two up to 1024
const ARENA_MAX_BYTES = 64 << 20;
let arena: Arena | null = null;
let kernelOn = true;

/** Turns the WebAssembly kernel off (the JavaScript loops run, on ordinary arrays) or back on; for comparing the two. */
export function useFftKernel(on: boolean): void {
  kernelOn = on;
  arena = null;
}

/** The arena laid out for size S, or null where the kernel does not serve it. */
function arenaFor(S: number): Arena | null {
  if (!kernelOn || S < 4 || !isPow2(S)) return null;
  const k = fftKernels();
  if (!k) return null;
  if (arena && arena.S === S && arena.buffer === k.memory.buffer) return arena;
  const P = S * S;
  const N = S / 2;
  let bytes = 0;
  const at = (n: number) => {
    const a = bytes;
    bytes += Math.ceil(n / 16) * 16;
    return a;
  };
  const tabs = [S, N].map((n) => ({ n, cos: at(4 * n), sin: at(4 * n), rev: at(4 * n) }));
  const halfCos = at(8 * (N + 1));
  const halfSin = at(8 * (N + 1));
  const inOrder = at(4 * S);
  const dctCos = at(16 * S);
  const dctSin = at(16 * S);
  const gAt = at(8 * (S + 1));
  const arrays = [P, P, P, P / 2, P / 2, P, P].map((n) => at(8 * n));
  const out = at(P);
  const maskAt = at(P);
  if (bytes > ARENA_MAX_BYTES) return null;
  const have = k.memory.buffer.byteLength;
  if (bytes > have) {
    try {
      k.memory.grow(Math.ceil((bytes - have) / 65536));
    } catch {
      // no memory to spare: the JavaScript loops, on ordinary arrays
      return (arena = null);
    }
  }
  const buffer = k.memory.buffer;
  const view = (i: number, n: number) => new Float64Array(buffer, arrays[i], n);
  const tables = new Map<number, { cos: number; sin: number; rev: number }>();
  for (const t of tabs) {
    const p = plan(t.n);
    new Float64Array(buffer, t.cos, t.n / 2).set(p.cos);
    new Float64Array(buffer, t.sin, t.n / 2).set(p.sin);
    new Uint32Array(buffer, t.rev, t.n).set(p.rev);
    tables.set(t.n, { cos: t.cos, sin: t.sin, rev: t.rev });
  }
  const h = realTwiddles(S);
  new Float64Array(buffer, halfCos, N + 1).set(h.cos);
  new Float64Array(buffer, halfSin, N + 1).set(h.sin);
  new Int32Array(buffer, inOrder, S).set(inverseMakhoulOrder(S));
  const d = twiddles(S);
  new Float64Array(buffer, dctCos, 2 * S).set(d.cos);
  new Float64Array(buffer, dctSin, 2 * S).set(d.sin);
  arena = {
    k, S, buffer, re: view(0, P), im: view(1, P), real: view(2, P), halfRe: view(3, P / 2), halfIm: view(4, P / 2), ioRe: view(5, P), ioIm: view(6, P),
    bytes: new Uint8ClampedArray(buffer, out, P), tables, halfCos, halfSin, inOrder, dctCos, dctSin, g: new Float64Array(buffer, gAt, S + 1),
    mask: new Uint8Array(buffer, maskAt, P),
  };
  return arena;
}

/** The arena, when a and b are both in its memory (no new layout). */
function arenaHolding(a: Float64Array, b: Float64Array): Arena | null {
  const ar = arena;
  return ar && kernelOn && a.buffer === ar.buffer && b.buffer === ar.buffer && ar.k.memory.buffer === ar.buffer ? ar : null;
}

const plainScratch = { S: -1, re: new Float64Array(0), im: new Float64Array(0), real: new Float64Array(0) };

/**
 * Work arrays of S x S values for the 2-D transforms (a complex pair and one real array): in the
 * kernel's memory where it serves size S, so the transforms run on them without copies. Valid until
 * a transform of another size; their contents are the caller's.
 */
export function fftScratch(S: number): { re: Float64Array; im: Float64Array; real: Float64Array } {
  const ar = arenaFor(S);
  if (ar) return ar;
  if (plainScratch.S !== S) {
    plainScratch.S = S;
    plainScratch.re = new Float64Array(S * S);
    plainScratch.im = new Float64Array(S * S);
    plainScratch.real = new Float64Array(S * S);
  }
  return plainScratch;
}

/** In-place radix-2 FFT of length p.m on re/im[off + i*stride]. */
function radix2(p: Plan, re: Float64Array, im: Float64Array, off: number, stride: number, inverse: boolean) {
  const m = p.m;
  const { rev, cos, sin } = p;
  for (let i = 0; i < m; i++) {
    const j = rev[i];
    if (j > i) {
      const a = off + i * stride;
      const b = off + j * stride;
      let t = re[a];
      re[a] = re[b];
      re[b] = t;
      t = im[a];
      im[a] = im[b];
      im[b] = t;
    }
  }
  const sgn = inverse ? 1 : -1;
  for (let size = 2; size <= m; size *= 2) {
    const half = size / 2;
    const step = m / size;
    for (let start = 0; start < m; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step];
        const wi = sgn * sin[k * step];
        const a = off + (start + k) * stride;
        const b = a + half * stride;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

/** Unnormalised DFT (inverse: exp(+i...), also unnormalised) of n values at off + i*stride. */
export function fft1d(re: Float64Array, im: Float64Array, n: number, off = 0, stride = 1, inverse = false) {
  const p = plan(n);
  if (p.m === n) return radix2(p, re, im, off, stride, inverse);
  // Bluestein: X_k = conj-chirp... X = w * ((x * w) conv conj(w)); inverse = conj(forward(conj(x)))
  const wRe = p.workRe!;
  const wIm = p.workIm!;
  const cRe = p.chirpRe!;
  const cIm = p.chirpIm!;
  const s = inverse ? -1 : 1;
  wRe.fill(0);
  wIm.fill(0);
  for (let k = 0; k < n; k++) {
    const xr = re[off + k * stride];
    const xi = s * im[off + k * stride];
    wRe[k] = xr * cRe[k] - xi * cIm[k];
    wIm[k] = xr * cIm[k] + xi * cRe[k];
  }
  radix2(p, wRe, wIm, 0, 1, false);
  const bRe = p.bRe!;
  const bIm = p.bIm!;
  for (let k = 0; k < p.m; k++) {
    const r = wRe[k] * bRe[k] - wIm[k] * bIm[k];
    wIm[k] = wRe[k] * bIm[k] + wIm[k] * bRe[k];
    wRe[k] = r;
  }
  radix2(p, wRe, wIm, 0, 1, true);
  const inv = 1 / p.m;
  for (let k = 0; k < n; k++) {
    const yr = wRe[k] * inv;
    const yi = wIm[k] * inv;
    re[off + k * stride] = yr * cRe[k] - yi * cIm[k];
    im[off + k * stride] = s * (yr * cIm[k] + yi * cRe[k]);
  }
}

/**
 * In-place unnormalised DFT along axis 0 of an n x w complex array stored row-major (n rows of w
 * values, `stride` apart: the first w columns of a wider array): each butterfly combines whole
 * rows under one twiddle, so every inner loop runs over w contiguous values. Lengths that are not
 * powers of two go column by column through fft1d (Bluestein).
 */
export function fftAxis0(re: Float64Array, im: Float64Array, n: number, w: number, inverse = false, stride = w) {
  const p = plan(n);
  if (p.m !== n) return fftColumns(re, im, n, w, inverse, stride);
  // in blocks of columns whose n rows fit in the core's cache, so that every radix-4 pass after
  // the first reads from there, not from memory; each column's arithmetic is the same
  const block = Math.max(8, Math.floor(AXIS0_BLOCK_VALUES / n / 8) * 8);
  const t = arenaHolding(re, im)?.tables.get(n);
  if (t) {
    const k = arena!.k;
    const f = inverse ? k.inverse : k.forward;
    for (let a = 0; a < w; a += block) f(re.byteOffset + 8 * a, im.byteOffset + 8 * a, n, Math.min(block, w - a), 8 * stride, t.cos, t.sin, t.rev);
    return;
  }
  if (w <= block) return fftAxis0Block(p, re, im, n, w, inverse, stride);
  for (let a = 0; a < w; a += block) fftAxis0Block(p, re.subarray(a), im.subarray(a), n, Math.min(block, w - a), inverse, stride);
}

// complex values of one block (16 bytes each): 128 KB
const AXIS0_BLOCK_VALUES = 8192;

function fftAxis0Block(p: Plan, re: Float64Array, im: Float64Array, n: number, w: number, inverse: boolean, stride: number) {
  const { rev, cos, sin } = p;
  for (let i = 0; i < n; i++) {
    const j = rev[i];
    if (j > i) {
      for (let a = i * stride, b = j * stride, e = a + w; a < e; a++, b++) {
        let t = re[a];
        re[a] = re[b];
        re[b] = t;
        t = im[a];
        im[a] = im[b];
        im[b] = t;
      }
    }
  }
  const sgn = inverse ? 1 : -1;
  let q = 1;
  if (Math.round(Math.log2(n)) % 2 === 1) {
    // an odd number of radix-2 stages: the first (size 2, twiddle 1) alone
    for (let a = 0; a < n * stride; a += 2 * stride) {
      for (let i = a, e = a + w; i < e; i++) {
        const b = i + stride;
        const xr = re[b];
        const xi = im[b];
        re[b] = re[i] - xr;
        im[b] = im[i] - xi;
        re[i] += xr;
        im[i] += xi;
      }
    }
    q = 2;
  }
  // two radix-2 stages at a time (sub-transforms of size q to 2q to 4q): one pass over the data
  // instead of two. With A, B, C, D the four size-q transforms, k < q, w1 = W_2q^k, w2 = W_4q^k:
  // X = A + w1 B, X' = A - w1 B, Y = C + w1 D, Y' = C - w1 D, then X +- w2 Y and X' +- (sgn i) w2 Y',
  // since W_4q^(k+q) = W_4q^k W_4 = sgn i w2.
  for (; 4 * q <= n; q *= 4) {
    const s1 = n / (2 * q);
    const s2 = n / (4 * q);
    const qw = q * stride;
    for (let start = 0; start < n; start += 4 * q) {
      // k = 0: both twiddles are 1 (the whole first pass, where q = 1)
      radix4Untwiddled(re, im, start * stride, w, qw, sgn);
      for (let k = 1; k < q; k++) {
        const w1r = cos[k * s1];
        const w1i = sgn * sin[k * s1];
        const w2r = cos[k * s2];
        const w2i = sgn * sin[k * s2];
        for (let a = (start + k) * stride, e = a + w; a < e; a++) {
          const b = a + qw;
          const c = b + qw;
          const d = c + qw;
          const rb = re[b];
          const ib = im[b];
          const rd = re[d];
          const id = im[d];
          const br = rb * w1r - ib * w1i;
          const bi = rb * w1i + ib * w1r;
          const dr = rd * w1r - id * w1i;
          const di = rd * w1i + id * w1r;
          const ra = re[a];
          const ia = im[a];
          const rc = re[c];
          const ic = im[c];
          const x0r = ra + br;
          const x0i = ia + bi;
          const x1r = ra - br;
          const x1i = ia - bi;
          const y0r = rc + dr;
          const y0i = ic + di;
          const y1r = rc - dr;
          const y1i = ic - di;
          const t0r = y0r * w2r - y0i * w2i;
          const t0i = y0r * w2i + y0i * w2r;
          const ur = y1r * w2r - y1i * w2i;
          const ui = y1r * w2i + y1i * w2r;
          const t1r = -sgn * ui;
          const t1i = sgn * ur;
          re[a] = x0r + t0r;
          im[a] = x0i + t0i;
          re[c] = x0r - t0r;
          im[c] = x0i - t0i;
          re[b] = x1r + t1r;
          im[b] = x1i + t1i;
          re[d] = x1r - t1r;
          im[d] = x1i - t1i;
        }
      }
    }
  }
}

/** fftAxis0's radix-4 butterflies for k = 0 (twiddles 1, the products left out: the same values). */
function radix4Untwiddled(re: Float64Array, im: Float64Array, a0: number, w: number, qw: number, sgn: number) {
  for (let a = a0, e = a0 + w; a < e; a++) {
    const b = a + qw;
    const c = b + qw;
    const d = c + qw;
    const ra = re[a];
    const ia = im[a];
    const rb = re[b];
    const ib = im[b];
    const rc = re[c];
    const ic = im[c];
    const rd = re[d];
    const id = im[d];
    const x0r = ra + rb;
    const x0i = ia + ib;
    const x1r = ra - rb;
    const x1i = ia - ib;
    const y0r = rc + rd;
    const y0i = ic + id;
    const ur = rc - rd;
    const ui = ic - id;
    const t1r = -sgn * ui;
    const t1i = sgn * ur;
    re[a] = x0r + y0r;
    im[a] = x0i + y0i;
    re[c] = x0r - y0r;
    im[c] = x0i - y0i;
    re[b] = x1r + t1r;
    im[b] = x1i + t1i;
    re[d] = x1r - t1r;
    im[d] = x1i - t1i;
  }
}

/** fftAxis0 for any n: each column through a contiguous buffer and fft1d. */
function fftColumns(re: Float64Array, im: Float64Array, n: number, w: number, inverse: boolean, stride: number) {
  const cr = new Float64Array(n);
  const ci = new Float64Array(n);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < n; y++) {
      cr[y] = re[y * stride + x];
      ci[y] = im[y * stride + x];
    }
    fft1d(cr, ci, n, 0, 1, inverse);
    for (let y = 0; y < n; y++) {
      re[y * stride + x] = cr[y];
      im[y * stride + x] = ci[y];
    }
  }
}

/** In-place transpose of an S x S array, in 16 x 16 tiles (both sides of a swap stay in cache). */
export function transposeSquare(a: Float64Array, S: number) {
  const ar = arenaHolding(a, a);
  if (ar) return ar.k.transpose(a.byteOffset, S);
  const B = 16;
  for (let by = 0; by < S; by += B) {
    const ey = Math.min(by + B, S);
    for (let bx = by; bx < S; bx += B) {
      const ex = Math.min(bx + B, S);
      for (let y = by; y < ey; y++) {
        for (let x = bx === by ? y + 1 : bx; x < ex; x++) {
          const i = y * S + x;
          const j = x * S + y;
          const t = a[i];
          a[i] = a[j];
          a[j] = t;
        }
      }
    }
  }
}

/**
 * 2-D DFT of an S x S complex array in place, leaving the spectrum TRANSPOSED: afterwards
 * re/im[kx * S + ky] hold bin (ky, kx). Both passes run along axis 0 (contiguous butterflies)
 * with one transpose between them; ifft2t takes that layout back to the image's. Transfer
 * functions multiplied in between must use the same layout.
 */
export function fft2t(re: Float64Array, im: Float64Array, S: number) {
  const ar = arenaFor(S);
  if (ar && !arenaHolding(re, im)) return throughArena(ar, re, im, S, (r, i) => fft2t(r, i, S));
  fftAxis0(re, im, S, S);
  transposeSquare(re, S);
  transposeSquare(im, S);
  fftAxis0(re, im, S, S);
}

/** f on the arena's io pair holding a copy of re/im's first S^2 values, copied back after. */
function throughArena(ar: Arena, re: Float64Array, im: Float64Array, S: number, f: (re: Float64Array, im: Float64Array) => void) {
  const P = S * S;
  ar.ioRe.set(re.subarray(0, P));
  ar.ioIm.set(im.subarray(0, P));
  f(ar.ioRe, ar.ioIm);
  re.set(ar.ioRe);
  im.set(ar.ioIm);
}

/**
 * Column ranges [start, end) of a transposed spectrum outside which every bin is 0 (a low-pass or
 * band-pass mask): the first inverse pass skips the other columns, whose transform is 0. Each
 * column's butterflies are its own, so the values are those of the full pass.
 */
export type ColumnSpans = readonly (readonly [number, number])[];

/** fftAxis0 (stride S) on the columns in spans, or on the first w columns. */
function firstPass(re: Float64Array, im: Float64Array, S: number, w: number, spans: ColumnSpans | undefined) {
  if (!spans) return fftAxis0(re, im, S, w, true, S);
  for (const [a, b] of spans) {
    const e = Math.min(b, w);
    if (e > a) fftAxis0(re.subarray(a), im.subarray(a), S, e - a, true, S);
  }
}

/** Inverse of fft2t, unnormalised: a transposed spectrum in, S^2 times the S x S array out (the caller divides, as numpy.fft.ifft2). */
export function ifft2t(re: Float64Array, im: Float64Array, S: number, spans?: ColumnSpans) {
  const ar = arenaFor(S);
  if (ar && !arenaHolding(re, im)) return throughArena(ar, re, im, S, (r, i) => ifft2t(r, i, S, spans));
  firstPass(re, im, S, S, spans);
  transposeSquare(re, S);
  transposeSquare(im, S);
  fftAxis0(re, im, S, S, true);
}

// Real images (one colour channel alone) in half the work of a complex transform, for even S:
// along axis 0, rows 2m and 2m + 1 travel as one complex row of an S/2-point transform, and of a
// spectrum of a real image only the bins ky = 0 .. S/2 are computed (the others are conjugates).
// Odd sizes take the complex transform. The same transforms up to float64 rounding.
const halves = new Map<number, { cos: Float64Array; sin: Float64Array; re?: Float64Array; im?: Float64Array }>();

/** cos and sin of 2 pi k / S, k = 0 .. S/2. */
function realTwiddles(S: number) {
  let h = halves.get(S);
  if (!h) {
    const N = S / 2;
    const cos = new Float64Array(N + 1);
    const sin = new Float64Array(N + 1);
    for (let k = 0; k <= N; k++) {
      cos[k] = Math.cos((2 * Math.PI * k) / S);
      sin[k] = Math.sin((2 * Math.PI * k) / S);
    }
    h = { cos, sin };
    halves.set(S, h);
  }
  return h;
}

/** The half-size rows (N x S, N = S/2, in the arena where it serves S) and realTwiddles(S). */
function half(S: number): { re: Float64Array; im: Float64Array; cos: Float64Array; sin: Float64Array } {
  const h = realTwiddles(S);
  const ar = arenaFor(S);
  if (ar) return { re: ar.halfRe, im: ar.halfIm, cos: h.cos, sin: h.sin };
  h.re ??= new Float64Array((S / 2) * S);
  h.im ??= new Float64Array((S / 2) * S);
  return { re: h.re, im: h.im, cos: h.cos, sin: h.sin };
}

/** The columns ky = 0 .. realBins(S) - 1 of a transposed spectrum are all that ifft2tReal reads. */
export function realBins(S: number): number {
  return S % 2 === 1 || S < 4 ? S : S / 2 + 1;
}

/**
 * fft2t of a real S x S image x (row-major): the transposed spectrum in re/im (bin (ky, kx) at
 * kx * S + ky), as fft2t(x, 0) gives.
 */
export function fft2tReal(x: Float64Array, S: number, re: Float64Array, im: Float64Array) {
  if (S % 2 === 1 || S < 4) {
    re.set(x);
    im.fill(0);
    return fft2t(re, im, S);
  }
  const ar = arenaFor(S);
  if (ar && !arenaHolding(re, im)) {
    fft2tReal(x, S, ar.ioRe, ar.ioIm);
    re.set(ar.ioRe);
    im.set(ar.ioIm);
    return;
  }
  const N = S / 2;
  const h = half(S);
  const zr = h.re;
  const zi = h.im;
  // z[m] = x[2m] + i x[2m + 1], an N-point transform along axis 0 of N rows
  for (let m = 0; m < N; m++) {
    zr.set(x.subarray(2 * m * S, (2 * m + 1) * S), m * S);
    zi.set(x.subarray((2 * m + 1) * S, (2 * m + 2) * S), m * S);
  }
  fftAxis0(zr, zi, N, S);
  // X[k] = E[k] + W^k O[k] (W = e^(-2 pi i / S)), E = (Z[k] + conj Z[N-k]) / 2, O = (Z[k] - conj Z[N-k]) / 2i,
  // for k = 0 .. N, written transposed: X[k][x] to x * S + k
  for (let k = 0; k <= N; k++) {
    const a = (k % N) * S;
    const b = ((N - k) % N) * S;
    const c = h.cos[k];
    const s = -h.sin[k];
    for (let col = 0, o = k; col < S; col++, o += S) {
      const zr1 = zr[a + col];
      const zi1 = zi[a + col];
      const zr2 = zr[b + col];
      const zi2 = zi[b + col];
      const er = 0.5 * (zr1 + zr2);
      const ei = 0.5 * (zi1 - zi2);
      const or = 0.5 * (zi1 + zi2);
      const oi = -0.5 * (zr1 - zr2);
      re[o] = er + c * or - s * oi;
      im[o] = ei + c * oi + s * or;
    }
  }
  // along x for the columns ky = 0 .. N, then ky > N as conjugates: X[kx][ky] = conj X[-kx][-ky]
  fftAxis0(re, im, S, N + 1, false, S);
  for (let kx = 0; kx < S; kx++) {
    const o = kx * S;
    const m = ((S - kx) % S) * S;
    for (let ky = N + 1; ky < S; ky++) {
      re[o + ky] = re[m + S - ky];
      im[o + ky] = -im[m + S - ky];
    }
  }
}

/**
 * The real part of ifft2t for a Hermitian transposed spectrum (the spectrum of a real image times
 * a Hermitian transfer function), unnormalised as ifft2t: S^2 times the real S x S image, row-major,
 * into out. Reads only the bins ky = 0 .. S/2; re and im are overwritten.
 */
export function ifft2tReal(re: Float64Array, im: Float64Array, S: number, out: Float64Array, spans?: ColumnSpans) {
  if (S % 2 === 1 || S < 4) {
    ifft2t(re, im, S, spans);
    return out.set(re);
  }
  const ar = arenaFor(S);
  if (ar && !arenaHolding(re, im)) {
    const P = S * S;
    ar.ioRe.set(re.subarray(0, P));
    ar.ioIm.set(im.subarray(0, P));
    return ifft2tReal(ar.ioRe, ar.ioIm, S, out, spans);
  }
  const N = S / 2;
  const h = half(S);
  const zr = h.re;
  const zi = h.im;
  // along kx for the columns ky = 0 .. N: Q[x][ky]
  firstPass(re, im, S, N + 1, spans);
  // the real inverse along ky as an N-point complex one: Y[k] = (X[k] + conj X[N-k]) + i W^k (X[k] - conj X[N-k]),
  // W = e^(2 pi i / S), whose inverse transform is x[2m] + i x[2m + 1]; written transposed, Y[k][x] to k * S + x
  const held = arenaHolding(re, im);
  if (held) held.k.realMerge(re.byteOffset, im.byteOffset, zr.byteOffset, zi.byteOffset, S, held.halfCos, held.halfSin);
  else for (let col = 0; col < S; col++) {
    const row = col * S;
    for (let k = 0; k < N; k++) {
      const a = re[row + k];
      const b = im[row + k];
      const c = re[row + N - k];
      const d = im[row + N - k];
      const cr = h.cos[k];
      const si = h.sin[k];
      const dr = a - c;
      const di = b + d;
      zr[k * S + col] = a + c - cr * di - si * dr;
      zi[k * S + col] = b - d + cr * dr - si * di;
    }
  }
  fftAxis0(zr, zi, N, S, true);
  for (let m = 0; m < N; m++) {
    out.set(zr.subarray(m * S, (m + 1) * S), 2 * m * S);
    out.set(zi.subarray(m * S, (m + 1) * S), (2 * m + 1) * S);
  }
}

const colRe = new Map<number, Float64Array>();
const colIm = new Map<number, Float64Array>();

/** 2-D DFT of an S x S complex array (row-major) in place; the inverse divides by S^2 (numpy.fft.ifft2). */
export function fft2(re: Float64Array, im: Float64Array, S: number, inverse = false) {
  for (let y = 0; y < S; y++) fft1d(re, im, S, y * S, 1, inverse);
  // columns through a contiguous buffer: strided butterflies would miss the cache on every access
  let cr = colRe.get(S);
  let ci = colIm.get(S);
  if (!cr || !ci) {
    cr = new Float64Array(S);
    ci = new Float64Array(S);
    colRe.set(S, cr);
    colIm.set(S, ci);
  }
  for (let x = 0; x < S; x++) {
    for (let y = 0; y < S; y++) {
      cr[y] = re[y * S + x];
      ci[y] = im[y * S + x];
    }
    fft1d(cr, ci, S, 0, 1, inverse);
    for (let y = 0; y < S; y++) {
      re[y * S + x] = cr[y];
      im[y * S + x] = ci[y];
    }
  }
  if (inverse) {
    const k = 1 / (S * S);
    for (let i = 0; i < S * S; i++) {
      re[i] *= k;
      im[i] *= k;
    }
  }
}

/** numpy.fft.fftfreq(S) * S: the signed frequency index in cycles per image. */
export function cyclesPerImage(k: number, S: number): number {
  return k < Math.ceil(S / 2) ? k : k - S;
}

/**
 * Makhoul's reordering for a DCT-II through an FFT of the same length: position j holds element
 * order[j] (the even elements ascending, then the odd ones descending).
 */
export function makhoulOrder(n: number): Int32Array {
  const order = new Int32Array(n);
  const h = Math.ceil(n / 2);
  for (let j = 0; j < n; j++) order[j] = j < h ? 2 * j : 2 * (n - 1 - j) + 1;
  return order;
}

/**
 * out[off + i] = v[i] * k for i < v.length, as a Uint8ClampedArray stores it (rounded half to even,
 * clipped to 0..255: numpy.rint then clip): the last step of an inverse transform to a uint8 channel.
 */
export function storeScaled(out: Uint8ClampedArray, off: number, v: Float64Array, k: number) {
  const ar = arenaHolding(v, v);
  if (ar && v.length <= ar.bytes.length) {
    ar.k.storeScaled(ar.bytes.byteOffset, v.byteOffset, v.length, k);
    out.set(ar.bytes.subarray(0, v.length), off);
    return;
  }
  for (let i = 0; i < v.length; i++) out[off + i] = v[i] * k;
}

/**
 * A 0/1 transfer function on a spectrum: re/im[i] = sRe/sIm[i] where m[i] is 1, else 0, for the
 * first `cols` values of each of the S rows (all of them for R + iG, the half ifft2tReal reads for B).
 * spans: the mask's nonzero columns (ColumnSpans), which let a narrow one skip the others.
 */
export function maskSpectrum(sRe: Float64Array, sIm: Float64Array, m: Uint8Array, re: Float64Array, im: Float64Array, S: number, cols: number, spans?: ColumnSpans) {
  const ar = arenaHolding(re, im);
  if (ar && ar.S === S && spans && spans.reduce((w, [a, b]) => w + b - a, 0) <= S / 2) {
    // a narrow mask (a low-pass): zeros, then the kept bins of its columns (every other column's bins are 0)
    const P = S * S;
    re.fill(0, 0, P);
    im.fill(0, 0, P);
    for (const [a, b] of spans) {
      const e = Math.min(b, cols);
      for (let r = 0; r < P; r += S) {
        for (let i = r + a, end = r + e; i < end; i++) {
          if (m[i]) {
            re[i] = sRe[i];
            im[i] = sIm[i];
          }
        }
      }
    }
    return;
  }
  if (ar && ar.S === S) {
    const P = S * S;
    re.set(sRe.subarray(0, P));
    im.set(sIm.subarray(0, P));
    ar.mask.set(m.subarray(0, P));
    ar.k.maskRows(re.byteOffset, im.byteOffset, ar.mask.byteOffset, S, cols);
    return;
  }
  for (let r = 0; r < S * S; r += S) {
    for (let i = r, e = r + cols; i < e; i++) {
      if (m[i]) {
        re[i] = sRe[i];
        im[i] = sIm[i];
      } else {
        re[i] = 0;
        im[i] = 0;
      }
    }
  }
}

/** A complex transfer function on a spectrum: re + i im = (sRe + i sIm)(hRe + i hIm), first `cols` values of each of the S rows. */
export function multiplySpectrum(sRe: Float64Array, sIm: Float64Array, hRe: Float64Array, hIm: Float64Array, re: Float64Array, im: Float64Array, S: number, cols: number) {
  const ar = arenaHolding(re, im);
  if (ar && ar.S === S) {
    const P = S * S;
    re.set(sRe.subarray(0, P));
    im.set(sIm.subarray(0, P));
    ar.ioRe.set(hRe.subarray(0, P));
    ar.ioIm.set(hIm.subarray(0, P));
    ar.k.mulRows(re.byteOffset, im.byteOffset, ar.ioRe.byteOffset, ar.ioIm.byteOffset, S, cols);
    return;
  }
  for (let r = 0; r < S * S; r += S) {
    for (let i = r, e = r + cols; i < e; i++) {
      const hr = hRe[i];
      const hi = hIm[i];
      const a = sRe[i];
      const b = sIm[i];
      re[i] = a * hr - b * hi;
      im[i] = a * hi + b * hr;
    }
  }
}

const inverseOrders = new Map<number, Int32Array>();

/** Position of each element in makhoulOrder. */
export function inverseMakhoulOrder(S: number): Int32Array {
  let inv = inverseOrders.get(S);
  if (!inv) {
    const order = makhoulOrder(S);
    inv = new Int32Array(S);
    for (let j = 0; j < S; j++) inv[order[j]] = j;
    inverseOrders.set(S, inv);
  }
  return inv;
}

/**
 * An S x S channel in makhoulOrder (rows and columns) back in order, into out at off as a
 * Uint8ClampedArray stores it (rounded half to even and clipped): row y is row inOrder[y], and
 * within it x = 2h comes from position h and x = 2h + 1 from S - 1 - h.
 */
export function fromMakhoulOrder(out: Uint8ClampedArray, off: number, v: Float64Array, S: number) {
  const ar = arenaHolding(v, v);
  if (ar && ar.S === S) {
    ar.k.unorder(ar.bytes.byteOffset, v.byteOffset, ar.inOrder, S);
    out.set(ar.bytes, off);
    return;
  }
  const inOrder = inverseMakhoulOrder(S);
  const h = S >> 1;
  for (let y = 0; y < S; y++) {
    const src = inOrder[y] * S;
    const o = off + y * S;
    const last = src + S - 1;
    for (let k = 0; k < h; k++) {
      out[o + 2 * k] = v[src + k];
      out[o + 2 * k + 1] = v[last - k];
    }
    if (S & 1) out[o + S - 1] = v[src + h];
  }
}

// The DCT-domain blur. With v the image with rows and columns in makhoulOrder and V = fft2(v), the
// unnormalised 2-D DCT-II X[k1, k2] = sum x[m1, m2] cos(pi k1 (2 m1 + 1) / 2n) cos(pi k2 (2 m2 + 1) / 2n)
// is, along one axis, Re(e^(-i pi k / 2n) V[k]) = (e^(-i pi k / 2n) V[k] + e^(i pi k / 2n) V[-k]) / 2
// (V[-k] = conj V[k] for a real signal), and back, V[k] = e^(i pi k / 2n) (X[k] - i X[n - k]) with
// X[n] = 0. Both forms are complex-linear, so two real channels travel as one complex image (R + iG)
// and come out as D_R + i D_G. A separable filter lam (x) lam is then a product per DCT bin, and one
// pass builds the inverse transform's spectrum from the kept DCT. Both directions are symmetric in
// the two axes, so they apply unchanged to fft2t's transposed layout.
const halfTwiddles = new Map<number, { cos: Float64Array; sin: Float64Array }>();

/** cos and sin of pi j / 2n, j = 0 .. 2n - 1. */
function twiddles(n: number) {
  let t = halfTwiddles.get(n);
  if (!t) {
    const cos = new Float64Array(2 * n);
    const sin = new Float64Array(2 * n);
    for (let j = 0; j < 2 * n; j++) {
      cos[j] = Math.cos((Math.PI * j) / (2 * n));
      sin[j] = Math.sin((Math.PI * j) / (2 * n));
    }
    t = { cos, sin };
    halfTwiddles.set(n, t);
  }
  return t;
}

/**
 * The 2-D DCT-II of the makhoulOrder image whose fft2t spectrum is (vRe, vIm), n x n, both in the
 * transposed layout: X = (1/4) sum over s1, s2 = +-1 of e^(-i pi (s1 k1 + s2 k2) / 2n) V[s1 k1, s2 k2]
 * (indices mod n). Complex out (xIm given: R + iG in, D_R + i D_G out) or its real part (one real channel).
 */
export function dct2FromSpectrum(vRe: Float64Array, vIm: Float64Array, n: number, xRe: Float64Array, xIm?: Float64Array) {
  const ar = arenaHolding(vRe, vIm);
  if (ar && ar.S === n) {
    // into the io pair, then out to xRe, xIm wherever they are
    const P = n * n;
    (xIm ? ar.k.dct2Complex : ar.k.dct2Real)(vRe.byteOffset, vIm.byteOffset, ar.ioRe.byteOffset, ar.ioIm.byteOffset, n, ar.dctCos, ar.dctSin);
    xRe.set(ar.ioRe.subarray(0, P));
    if (xIm) xIm.set(ar.ioIm.subarray(0, P));
    return;
  }
  const { cos, sin } = twiddles(n);
  for (let r = 0; r < n; r++) {
    const rowP = r * n;
    const rowM = ((n - r) % n) * n;
    for (let c = 0; c < n; c++) {
      const cm = (n - c) % n;
      // e^(-i(a + b)) V[r, c] + e^(-i(a - b)) V[r, -c] + e^(i(a - b)) V[-r, c] + e^(i(a + b)) V[-r, -c]
      const cp = cos[r + c];
      const sp = sin[r + c];
      const d = r - c;
      const cd = cos[d < 0 ? -d : d];
      const sd = d < 0 ? -sin[-d] : sin[d];
      const ar = vRe[rowP + c];
      const ai = vIm[rowP + c];
      const br = vRe[rowP + cm];
      const bi = vIm[rowP + cm];
      const er = vRe[rowM + c];
      const ei = vIm[rowM + c];
      const fr = vRe[rowM + cm];
      const fi = vIm[rowM + cm];
      const re = cp * (ar + fr) + sp * (ai - fi) + cd * (br + er) + sd * (bi - ei);
      xRe[rowP + c] = 0.25 * re;
      if (xIm) xIm[rowP + c] = 0.25 * (cp * (ai + fi) - sp * (ar - fr) + cd * (bi + ei) - sd * (br - er));
    }
  }
}

/**
 * The fft2t spectrum (transposed layout) of the makhoulOrder image whose 2-D DCT-II, filtered by
 * g[k1] g[k2], is X (complex xRe + i xIm, or real when xIm is absent), for the first `cols` bins of
 * each row (all of them for a complex image, realBins(n) for one real channel, which is all
 * ifft2tReal reads). g has n + 1 values, g[n] = 0 (the X[n - k] = 0 of k = 0), and carries the
 * inverse transform's 1/n. Rows r and n - r read the same four bins, so they are built together.
 */
export function spectrumFromDct2(xRe: Float64Array, xIm: Float64Array | undefined, n: number, g: Float64Array, cols: number, vRe: Float64Array, vIm: Float64Array) {
  const ar = arenaHolding(vRe, vIm);
  if (ar && ar.S === n) {
    // the DCT through the io pair where it is held elsewhere
    const P = n * n;
    let xr = xRe;
    let xi = xIm;
    if (xr.buffer !== ar.buffer) (xr = ar.ioRe).set(xRe.subarray(0, P));
    if (xIm && xIm.buffer !== ar.buffer) (xi = ar.ioIm).set(xIm.subarray(0, P));
    ar.g.set(g.subarray(0, n + 1));
    const f = xi ? ar.k.spectrumComplex : ar.k.spectrumReal;
    f(xr.byteOffset, xi ? xi.byteOffset : 0, vRe.byteOffset, vIm.byteOffset, n, ar.g.byteOffset, ar.dctCos, ar.dctSin, cols);
    return;
  }
  const { cos, sin } = twiddles(n);
  for (let r = 0; 2 * r <= n; r++) {
    const m = n - r;
    const gr = g[r];
    const gm = g[m];
    const rowR = r * n;
    // row n (r = 0) is zero (gm = 0): it is read from row 0 and not written
    const rowM = m < n ? m * n : 0;
    const both = m < n && m !== r;
    if (xIm) spectrumRowsComplex(xRe, xIm, n, g, cols, vRe, vIm, cos, sin, r, gr, gm, rowR, rowM, both);
    else spectrumRowsReal(xRe, n, g, cols, vRe, vIm, cos, sin, r, gr, gm, rowR, rowM, both);
  }
}

// V[r, c] = e^(i pi (r + c) / 2n) (g_r g_c X[r, c] - g_m g_n-c X[m, n-c] - i (g_r g_n-c X[r, n-c] + g_m g_c X[m, c])),
// m = n - r, and V[m, c] the same with r and m exchanged
function spectrumRowsComplex(
  xRe: Float64Array, xIm: Float64Array, n: number, g: Float64Array, cols: number, vRe: Float64Array, vIm: Float64Array,
  cos: Float64Array, sin: Float64Array, r: number, gr: number, gm: number, rowR: number, rowM: number, both: boolean,
) {
  const m = n - r;
  for (let c = 0; c < cols; c++) {
    const nc = n - c;
    const ci = c === 0 ? 0 : nc;
    const gc = g[c];
    const gn = g[nc];
    const prc = gr * gc;
    const pmn = gm * gn;
    const prn = gr * gn;
    const pmc = gm * gc;
    const ar = xRe[rowR + c];
    const ai = xIm[rowR + c];
    const br = xRe[rowM + ci];
    const bi = xIm[rowM + ci];
    const er = xRe[rowR + ci];
    const ei = xIm[rowR + ci];
    const dr = xRe[rowM + c];
    const di = xIm[rowM + c];
    let ur = prc * ar - pmn * br + prn * ei + pmc * di;
    let ui = prc * ai - pmn * bi - prn * er - pmc * dr;
    let tc = cos[r + c];
    let ts = sin[r + c];
    vRe[rowR + c] = tc * ur - ts * ui;
    vIm[rowR + c] = tc * ui + ts * ur;
    if (!both) continue;
    ur = pmc * dr - prn * er + pmn * bi + prc * ai;
    ui = pmc * di - prn * ei - pmn * br - prc * ar;
    tc = cos[m + c];
    ts = sin[m + c];
    vRe[rowM + c] = tc * ur - ts * ui;
    vIm[rowM + c] = tc * ui + ts * ur;
  }
}

function spectrumRowsReal(
  x: Float64Array, n: number, g: Float64Array, cols: number, vRe: Float64Array, vIm: Float64Array,
  cos: Float64Array, sin: Float64Array, r: number, gr: number, gm: number, rowR: number, rowM: number, both: boolean,
) {
  const m = n - r;
  for (let c = 0; c < cols; c++) {
    const nc = n - c;
    const ci = c === 0 ? 0 : nc;
    const gc = g[c];
    const gn = g[nc];
    const a = gr * gc * x[rowR + c];
    const b = gm * gn * x[rowM + ci];
    const e = gr * gn * x[rowR + ci];
    const d = gm * gc * x[rowM + c];
    let ur = a - b;
    let ui = -(e + d);
    let tc = cos[r + c];
    let ts = sin[r + c];
    vRe[rowR + c] = tc * ur - ts * ui;
    vIm[rowR + c] = tc * ui + ts * ur;
    if (!both) continue;
    ur = d - e;
    ui = -(b + a);
    tc = cos[m + c];
    ts = sin[m + c];
    vRe[rowM + c] = tc * ur - ts * ui;
    vIm[rowM + c] = tc * ui + ts * ur;
  }
}
