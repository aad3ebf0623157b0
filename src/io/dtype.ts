// numpy dtypes as they appear in .npy headers ('<f4') and pickles (dtype('f4') + byte order),
// and decoding raw array bytes into typed arrays.

import { BergError } from '../core/errors.ts';
import { MAX_ARRAY_BYTES, MAX_ARRAY_ITEMS, MAX_NDIM, MAX_STRING_ITEMS, MAX_STRING_ITEMSIZE } from './limits.ts';

export type ByteOrder = '<' | '>' | '|';

/** A parsed numpy dtype descriptor. Only plain (non-structured) dtypes. */
export interface Dtype {
  /** numpy's dtype.str, e.g. '<f4', '>i8', '|b1', '<U5', '|O' */
  descr: string;
  /** b bool, i signed int, u unsigned int, f float, U unicode (UCS-4), S bytes, O Python objects */
  kind: 'b' | 'i' | 'u' | 'f' | 'U' | 'S' | 'O';
  byteOrder: ByteOrder;
  itemsize: number;
}

/**
 * Typed array for each numeric dtype. b1 -> Uint8Array (0/1); f2 -> Float32Array (widened);
 * i8/u8 -> BigInt64Array/BigUint64Array, chosen because it is exact (a Float64Array would
 * silently round values above 2^53).
 */
export type NumericArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

export class UnsupportedDtypeError extends BergError {
  constructor(message: string) {
    super(message, 'UnsupportedDtypeError');
  }
}

/**
 * Why an array of this shape and dtype cannot be read here, or null when it can: dimensions,
 * item count, byte count and string width within the limits of limits.ts. Checked before any
 * allocation or loop over the items, so a header claiming 10^12 items costs nothing.
 */
export function arrayLimitProblem(shape: readonly number[], dtype: Dtype): string | null {
  if (shape.length > MAX_NDIM) return `${shape.length} dimensions (at most ${MAX_NDIM} are read)`;
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) return `dimension ${d} is not a non-negative integer`;
    n *= d;
  }
  const shown = `shape (${shape.join(', ')})`;
  if (n > MAX_ARRAY_ITEMS) return `${shown} has ${n} items, more than the ${MAX_ARRAY_ITEMS} an array may have here`;
  if (n * dtype.itemsize > MAX_ARRAY_BYTES) {
    return `${shown} of ${dtype.descr} needs ${n * dtype.itemsize} bytes, more than the ${MAX_ARRAY_BYTES} an array may have here`;
  }
  if (dtype.kind === 'U' || dtype.kind === 'S') {
    if (dtype.itemsize > MAX_STRING_ITEMSIZE) return `string dtype ${dtype.descr} is ${dtype.itemsize} bytes wide (at most ${MAX_STRING_ITEMSIZE} are read)`;
    if (n > MAX_STRING_ITEMS) return `${shown} holds ${n} strings, more than the ${MAX_STRING_ITEMS} a string array may hold here`;
  }
  return null;
}

const NUMERIC_SIZES: Record<string, number[]> = {
  b: [1],
  i: [1, 2, 4, 8],
  u: [1, 2, 4, 8],
  f: [2, 4, 8],
};

/**
 * Parses a dtype string: '<f4', '>u2', '|b1', 'f8' (native = little-endian), '?', '<U5', '|S3', '|O'.
 * Complex, datetime, void and structured dtypes are refused with a message naming them.
 */
export function parseDescr(descr: string): Dtype {
  const m = /^([<>|=]?)([a-zA-Z?])(\d*)$/.exec(descr);
  if (!m) throw new UnsupportedDtypeError(`unsupported numpy dtype ${JSON.stringify(descr)}`);
  let [, order, kind, sizeText] = m;
  if (kind === '?') {
    kind = 'b';
    sizeText = '1';
  }
  let size = sizeText === '' ? NaN : Number(sizeText);
  if (kind === 'O') {
    return { descr: '|O', kind: 'O', byteOrder: '|', itemsize: 8 };
  }
  if (kind === 'U' || kind === 'S' || kind === 'a') {
    const k = kind === 'U' ? 'U' : 'S';
    const chars = Number.isNaN(size) ? 0 : size;
    if (chars * (k === 'U' ? 4 : 1) > MAX_STRING_ITEMSIZE) {
      throw new UnsupportedDtypeError(`numpy dtype ${JSON.stringify(descr)} is ${chars} characters wide; at most ${MAX_STRING_ITEMSIZE} bytes per string are read`);
    }
    const bo: ByteOrder = k === 'S' ? '|' : order === '>' ? '>' : '<';
    return { descr: `${bo}${k}${chars}`, kind: k, byteOrder: bo, itemsize: k === 'U' ? chars * 4 : chars };
  }
  if (Number.isNaN(size) && kind === 'b') size = 1;
  const sizes = NUMERIC_SIZES[kind];
  if (!sizes || !sizes.includes(size)) {
    const what: Record<string, string> = { c: 'complex', M: 'datetime', m: 'timedelta', V: 'void/structured' };
    throw new UnsupportedDtypeError(
      `unsupported numpy dtype ${JSON.stringify(descr)}${what[kind] ? ` (${what[kind]})` : ''}: ` +
        `only bool, integer, float16/32/64, unicode, bytes and object arrays can be read`,
    );
  }
  const bo: ByteOrder = size === 1 ? '|' : order === '>' ? '>' : '<';
  return { descr: `${bo}${kind}${size}`, kind: kind as Dtype['kind'], byteOrder: bo, itemsize: size };
}

function swapInPlace(bytes: Uint8Array, itemsize: number): void {
  for (let i = 0; i + itemsize <= bytes.length; i += itemsize) {
    for (let a = i, b = i + itemsize - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

let f16Table: Float32Array | null = null;

/** The float32 value of every float16 bit pattern (built on first use). */
export function float16Table(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      const s = h & 0x8000 ? -1 : 1;
      const e = (h >> 10) & 0x1f;
      const f = h & 0x3ff;
      let v: number;
      if (e === 0) v = f * 2 ** -24;
      else if (e === 31) v = f === 0 ? Infinity : NaN;
      else v = (1 + f / 1024) * 2 ** (e - 15);
      f16Table[h] = s * v;
    }
  }
  return f16Table;
}

/** float16 bits -> float32 values, through float16Table(). */
export function float16ToFloat32(bits: Uint16Array, out: Float32Array = new Float32Array(bits.length)): Float32Array {
  const table = float16Table();
  if (out.length < bits.length) throw new Error('float16ToFloat32: destination too short');
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** One float -> float16 bits, round to nearest even (as numpy's astype(float16)). */
export function float32ToFloat16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00; // overflow -> Inf
  if (e <= 0) {
    // subnormal half (or zero): shift the full mantissa, rounding to nearest even
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  const rest = mant & 0x1fff;
  let h = (e << 10) | (mant >>> 13);
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // may carry into the exponent: correct
  return sign | h;
}

/** float32 values -> float16 bits. */
export function float32ToFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]);
  return out;
}

/**
 * Raw little- or big-endian bytes -> typed array of `count` items. When `owned` the
 * bytes may be byte-swapped in place and viewed without copying (they must start at
 * an aligned byteOffset, which caller-owned fresh buffers do).
 */
export function decodeNumeric(bytes: Uint8Array, dtype: Dtype, count: number, owned = false): NumericArray {
  const need = count * dtype.itemsize;
  if (bytes.length !== need) {
    throw new UnsupportedDtypeError(`array data has ${bytes.length} bytes, dtype ${dtype.descr} x ${count} items needs ${need}`);
  }
  if (!(dtype.kind in NUMERIC_SIZES)) throw new UnsupportedDtypeError(`dtype ${dtype.descr} is not numeric`);
  let b = bytes;
  const aligned = b.byteOffset % dtype.itemsize === 0;
  if (!owned || !aligned) b = b.slice();
  if (dtype.byteOrder === '>' && dtype.itemsize > 1) swapInPlace(b, dtype.itemsize);
  const buf = b.buffer as ArrayBuffer;
  const off = b.byteOffset;
  switch (dtype.kind + dtype.itemsize) {
    case 'b1':
    case 'u1':
      return new Uint8Array(buf, off, count);
    case 'i1':
      return new Int8Array(buf, off, count);
    case 'u2':
      return new Uint16Array(buf, off, count);
    case 'i2':
      return new Int16Array(buf, off, count);
    case 'u4':
      return new Uint32Array(buf, off, count);
    case 'i4':
      return new Int32Array(buf, off, count);
    case 'u8':
      return new BigUint64Array(buf, off, count);
    case 'i8':
      return new BigInt64Array(buf, off, count);
    case 'f2':
      return float16ToFloat32(new Uint16Array(buf, off, count));
    case 'f4':
      return new Float32Array(buf, off, count);
    case 'f8':
      return new Float64Array(buf, off, count);
  }
  throw new UnsupportedDtypeError(`dtype ${dtype.descr} is not numeric`);
}

/** Fixed-width numpy strings ('<U5' UCS-4, '|S3' bytes as latin-1) -> JS strings, trailing NULs dropped. */
export function decodeStrings(bytes: Uint8Array, dtype: Dtype, count: number): string[] {
  const n = dtype.itemsize;
  if (bytes.length !== n * count) {
    throw new UnsupportedDtypeError(`array data has ${bytes.length} bytes, dtype ${dtype.descr} x ${count} items needs ${n * count}`);
  }
  // zero-width strings carry no bytes, so the byte check above does not bound their count
  if (count > MAX_STRING_ITEMS) {
    throw new UnsupportedDtypeError(`a string array of ${count} items is more than the ${MAX_STRING_ITEMS} read here`);
  }
  if (n === 0) return new Array<string>(count).fill('');
  const out: string[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    let s = '';
    if (dtype.kind === 'U') {
      const little = dtype.byteOrder !== '>';
      let end = n;
      while (end >= 4 && dv.getUint32(i * n + end - 4, little) === 0) end -= 4; // numpy strips trailing NULs only
      for (let j = 0; j < end; j += 4) {
        const cp = dv.getUint32(i * n + j, little);
        if (cp > 0x10ffff) throw new UnsupportedDtypeError(`string item ${i} holds ${cp}, which is not a Unicode code point`);
        s += String.fromCodePoint(cp);
      }
    } else {
      let end = n;
      while (end > 0 && bytes[i * n + end - 1] === 0) end--;
      for (let j = 0; j < end; j++) s += String.fromCharCode(bytes[i * n + j]);
    }
    out.push(s);
  }
  return out;
}

export function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** An n-dimensional numpy array: flat data plus shape, as stored (see fortranOrder). */
export class NdArray<T extends NumericArray | string[] | unknown[] = NumericArray | string[] | unknown[]> {
  constructor(
    /** numpy dtype string, e.g. '<f4' (see parseDescr) */
    public dtype: string,
    public shape: number[],
    public data: T,
    /** true when data is in Fortran (column-major) order */
    public fortranOrder = false,
  ) {}

  get size(): number {
    return product(this.shape);
  }
}

/** Returns the array with its data in C (row-major) order, transposing Fortran-ordered data. */
export function toCOrder<T extends NumericArray | string[] | unknown[]>(a: NdArray<T>): NdArray<T> {
  if (!a.fortranOrder || a.shape.length < 2) return new NdArray(a.dtype, a.shape, a.data, false);
  const shape = a.shape;
  const nd = shape.length;
  const n = product(shape);
  const src = a.data as unknown as { length: number; [i: number]: unknown };
  const out = (ArrayBuffer.isView(src) ? new (src.constructor as new (n: number) => T)(n) : new Array(n)) as unknown as {
    [i: number]: unknown;
  };
  // Fortran strides: first axis fastest. Walk C order with an index counter.
  const fStride = new Array<number>(nd);
  let s = 1;
  for (let d = 0; d < nd; d++) {
    fStride[d] = s;
    s *= shape[d];
  }
  if (nd === 2) {
    const [r, c] = shape;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[i * c + j] = src[i + j * r];
  } else {
    const idx = new Array<number>(nd).fill(0);
    let f = 0;
    for (let k = 0; k < n; k++) {
      out[k] = src[f];
      for (let d = nd - 1; d >= 0; d--) {
        idx[d]++;
        f += fStride[d];
        if (idx[d] < shape[d]) break;
        f -= fStride[d] * shape[d];
        idx[d] = 0;
      }
    }
  }
  return new NdArray(a.dtype, shape, out as unknown as T, false);
}
