// Assembling small WebAssembly modules from their instructions, in TypeScript: the SIMD kernels of
// src/analysis (wasm_kernels.ts) and src/lab (fft_kernels.ts) are written with these helpers, so no
// build step or binary file is needed. A kernel is a list of bytes; each helper returns the encoding
// of one instruction (or of a module's part). Only what the kernels use is here.

/** Unsigned LEB128. */
export const uleb = (n: number): number[] => {
  const o: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    o.push(b);
  } while (n);
  return o;
};

/** Signed LEB128. */
export const sleb = (n: number): number[] => {
  const o: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      o.push(b);
      return o;
    }
    o.push(b | 0x80);
  }
};

export const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
export const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
export const name = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

// value types
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

// locals and constants
export const get = (i: number) => [0x20, ...uleb(i)];
export const set = (i: number) => [0x21, ...uleb(i)];
export const tee = (i: number) => [0x22, ...uleb(i)];
export const i32c = (v: number) => [0x41, ...sleb(v)];

// i32 arithmetic and comparisons
export const ADD = 0x6a;
export const SUB = 0x6b;
export const MUL = 0x6c;
export const DIV_U = 0x6e;
export const AND = 0x71;
export const SHL = 0x74;
export const SHR_U = 0x76;
export const CTZ = 0x68;
export const EQZ = 0x45;
export const EQ = 0x46;
export const NE = 0x47;
export const LT_S = 0x48;
export const LT_U = 0x49;
export const GT_U = 0x4b;
export const LE_U = 0x4d;
export const GE_U = 0x4f;
export const F64_FROM_I32 = 0xb7;

// f64 arithmetic (IEEE double, round to nearest: the same operations as JavaScript's numbers)
export const F64_ADD = 0xa0;
export const F64_SUB = 0xa1;
export const F64_MUL = 0xa2;
export const F64_NEG = 0x9a;
export const F64_NEAREST = 0x9e;
export const F64_MIN = 0xa4;
/** f64.const v */
export const f64c = (v: number) => {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v, true);
  return [0x44, ...new Uint8Array(b.buffer)];
};
/** i32.trunc_sat_f64_u: NaN and negatives to 0, too large to 2^32 - 1 */
export const I32_TRUNC_SAT_F64_U = [0xfc, 0x03];

// control
export const BLOCK = [0x02, 0x40];
export const LOOP = [0x03, 0x40];
export const IF = [0x04, 0x40];
export const ELSE = 0x05;
export const END = 0x0b;
export const br = (d: number) => [0x0c, d];
export const brIf = (d: number) => [0x0d, d];
export const SELECT = 0x1b;

// memory (memarg: alignment exponent, then the constant offset)
export const i32load = [0x28, 2, 0];
export const i32loadByte = [0x2d, 0, 0];
export const f64load = [0x2b, 3, 0];
export const i32storeByte = [0x3a, 0, 0];
export const i32storeByteAt = (off: number) => [0x3a, 0, ...uleb(off)];
export const f64loadAt = (off: number) => [0x2b, 3, ...uleb(off)];
export const f64storeAt = (off: number) => [0x39, 3, ...uleb(off)];

// SIMD: two f64 lanes (v128)
export const v128load = (off: number) => [0xfd, 0x00, 3, ...uleb(off)];
export const v128store = (off: number) => [0xfd, 0x0b, 3, ...uleb(off)];
export const f64x2splat = [0xfd, 0x14];
export const f64x2add = [0xfd, 0xf0, 0x01];
export const f64x2sub = [0xfd, 0xf1, 0x01];
export const f64x2mul = [0xfd, 0xf2, 0x01];
export const f64x2neg = [0xfd, 0xed, 0x01];
export const f64x2nearest = [0xfd, 0x94, 0x01];
export const f64x2min = [0xfd, 0xf4, 0x01];
/** f64x2.pmin(a, b) = b < a ? b : a; pmax(a, b) = a < b ? b : a (lane-wise, as minpd / maxpd) */
export const f64x2pmin = [0xfd, 0xf6, 0x01];
export const f64x2pmax = [0xfd, 0xf7, 0x01];
/** i32x4.trunc_sat_f64x2_u_zero: the two lanes to u32 (NaN and negatives to 0) in lanes 0 and 1, lanes 2 and 3 zero */
export const i32x4truncSatF64x2UZero = [0xfd, 0xfd, 0x01];
/** i8x16.shuffle: byte i of the result is byte lanes[i] of the two operands (0-15 the first, 16-31 the second) */
export const i8x16shuffle = (lanes: number[]) => [0xfd, 0x0d, ...Array.from({ length: 16 }, (_, i) => lanes[i] ?? 0)];
/** v128.store32_lane: lane `lane` (4 bytes) to the address on the stack */
export const v128store32Lane = (lane: number) => [0xfd, 0x5a, 2, 0, lane];

/** A function's body: its locals as [count, type] runs, then its code, closed by END. */
export const body = (locals: [number, number][], code: number[]) => [...vec(locals.map(([n, t]) => [...uleb(n), t])), ...code, END];

/**
 * A module importing one memory (module 'm', field 'mem', at least one page) and exporting its
 * functions by name: types are [params, results] pairs, each function names its type by index and
 * carries its body (see `body`).
 */
export function assemble(types: [number[], number[]][], funcs: { name: string; type: number; body: number[] }[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types.map(([p, r]) => [0x60, ...vec(p.map((t) => [t])), ...vec(r.map((t) => [t]))]))),
    ...section(2, vec([[...name('m'), ...name('mem'), 0x02, 0x00, 0x01]])),
    ...section(3, vec(funcs.map((f) => uleb(f.type)))),
    ...section(7, vec(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(funcs.map((f) => [...uleb(f.body.length), ...f.body]))),
  ]);
}

/** Compiles bytes once, or null where WebAssembly (SIMD included, if the module uses it) is missing. */
export function compileWasm(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module | null {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    return null;
  }
}
