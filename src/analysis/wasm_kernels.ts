// WebAssembly SIMD kernels for the hot loops of src/analysis: the subset sums of the permutation tests
// (cluster_test.ts's subsetSums), and the cross-products of the decoders' fits and the decision values of the
// temporal generalisation (decoding.ts),
// assembled here from their instructions (src/core/wasm.ts encodes them) so no build step or binary file is needed. f64x2 lanes add and
// multiply in IEEE double precision exactly as scalar code does (a separate multiply and add, never fused),
// in the same order, so the results are bit-identical to the plain loops; the kernels only do two operations
// per instruction and skip the bounds checks of typed-array access. Where WebAssembly SIMD is missing,
// wasmKernels() returns null and the callers keep their loops.

import {
  ADD, AND, BLOCK, CTZ, END, F64, F64_FROM_I32, GE_U, I32, LOOP, LT_U, MUL, SHL, SHR_U, SUB,
  assemble, br, brIf, compileWasm, f64load, f64x2add, f64x2mul, f64x2splat, get, i32c, i32load, set, tee, v128load, v128store, vec,
} from '../core/wasm.ts';

/** mem[d + j + off .. +16] = mem[a + j + off ..] + mem[b + j + off ..] (two doubles), j in local `j`. */
const addLanes = (d: number, a: number, b: number, j: number, off: number) => [
  ...get(d), ...get(j), ADD,
  ...get(a), ...get(j), ADD, ...v128load(off),
  ...get(b), ...get(j), ADD, ...v128load(off),
  ...f64x2add, ...v128store(off),
];
/** for (j = 0; j < bytes; j += 64) four addLanes (bytes: a positive multiple of 64) */
const rowLoop = (d: number, a: number, b: number, j: number, bytes: number) => [
  ...i32c(0), ...set(j),
  ...LOOP,
  ...addLanes(d, a, b, j, 0), ...addLanes(d, a, b, j, 16), ...addLanes(d, a, b, j, 32), ...addLanes(d, a, b, j, 48),
  ...get(j), ...i32c(64), ADD, ...tee(j), ...get(bytes), LT_U, ...brIf(0),
  END,
];

// accumulate(acc, table, codes, P, rowBytes): for q < P: acc row q += table row at byte offset codes[q]
// params 0 acc, 1 table, 2 codes, 3 P, 4 rowBytes; locals 5 q, 6 dst, 7 src, 8 j
const accumulate = [
  ...vec([[4, 0x7f]]),
  ...get(0), ...set(6),
  ...BLOCK, ...LOOP,
  ...get(5), ...get(3), GE_U, ...brIf(1),
  ...get(1), ...get(2), ...get(5), ...i32c(2), SHL, ADD, ...i32load, ADD, ...set(7),
  ...rowLoop(6, 6, 7, 8, 4),
  ...get(6), ...get(4), ADD, ...set(6),
  ...get(5), ...i32c(1), ADD, ...set(5),
  ...br(0),
  END, END,
  END,
];

// subsetTable(table, rows, nMasks, rowBytes): for 0 < mask < nMasks:
//   table row mask = table row (mask & (mask - 1)) + rows row ctz(mask)  (table row 0 stays 0)
// params 0 table, 1 rows, 2 nMasks, 3 rowBytes; locals 4 mask, 5 dst, 6 src, 7 x, 8 j
const subsetTable = [
  ...vec([[5, 0x7f]]),
  ...i32c(1), ...set(4),
  ...BLOCK, ...LOOP,
  ...get(4), ...get(2), GE_U, ...brIf(1),
  ...get(0), ...get(4), ...get(3), MUL, ADD, ...set(5),
  ...get(0), ...get(4), ...get(4), ...i32c(1), SUB, AND, ...get(3), MUL, ADD, ...set(6),
  ...get(1), ...get(4), CTZ, ...get(3), MUL, ADD, ...set(7),
  ...rowLoop(5, 6, 7, 8, 3),
  ...get(4), ...i32c(1), ADD, ...set(4),
  ...br(0),
  END, END,
  END,
];

// decisions(x, coef, C, rowBytes, nOctets, out, intercept): for te < 8 nOctets,
//   out[te] = intercept + x[0][te] coef[0] + x[1][te] coef[1] + ... (left to right), x rows rowBytes apart
// params 0 x, 1 coef, 2 C, 3 rowBytes, 4 nOctets, 5 out, 6 intercept (f64);
// locals 7 q, 8 a, 9 xp, 10 cp, 11-14 four accumulators (v128), 15 w (v128)
const mulAdd = (accLocal: number, off: number) => [...get(accLocal), ...get(9), ...v128load(off), ...get(15), ...f64x2mul, ...f64x2add, ...set(accLocal)];
const decisions = [
  ...vec([
    [4, 0x7f],
    [5, 0x7b],
  ]),
  ...BLOCK, ...LOOP,
  ...get(7), ...get(4), GE_U, ...brIf(1),
  ...get(6), ...f64x2splat, ...tee(11), ...tee(12), ...tee(13), ...set(14),
  ...get(0), ...get(7), ...i32c(64), MUL, ADD, ...set(9),
  ...get(1), ...set(10),
  ...i32c(0), ...set(8),
  ...LOOP,
  ...get(10), ...f64load, ...f64x2splat, ...set(15),
  ...mulAdd(11, 0), ...mulAdd(12, 16), ...mulAdd(13, 32), ...mulAdd(14, 48),
  ...get(9), ...get(3), ADD, ...set(9),
  ...get(10), ...i32c(8), ADD, ...set(10),
  ...get(8), ...i32c(1), ADD, ...tee(8), ...get(2), LT_U, ...brIf(0),
  END,
  ...get(5), ...get(7), ...i32c(64), MUL, ADD, ...set(9),
  ...get(9), ...get(11), ...v128store(0),
  ...get(9), ...get(12), ...v128store(16),
  ...get(9), ...get(13), ...v128store(32),
  ...get(9), ...get(14), ...v128store(48),
  ...get(7), ...i32c(1), ADD, ...set(7),
  ...br(0),
  END, END,
  END,
];

// crossProducts(z, cnt, rowBytes, p, g): for a < p and the octets of b up to a's,
//   g[a][b] = z[0][a] z[0][b] + z[1][a] z[1][b] + ... (rows in order), rows of z and g rowBytes apart
//   (rowBytes a multiple of 64 with zero padding; cnt >= 1)
// params 0 z, 1 cnt, 2 rowBytes, 3 p, 4 g; locals 5 a, 6 o, 7 r, 8 zp, 9 oEnd, 10 w (v128), 11-14 accumulators
const crossAdd = (accLocal: number, off: number) => [...get(accLocal), ...get(10), ...get(8), ...get(6), ADD, ...v128load(off), ...f64x2mul, ...f64x2add, ...set(accLocal)];
const crossProducts = [
  ...vec([
    [5, 0x7f],
    [5, 0x7b],
  ]),
  ...BLOCK, ...LOOP,
  ...get(5), ...get(3), GE_U, ...brIf(1),
  ...get(5), ...i32c(3), SHR_U, ...i32c(64), MUL, ...i32c(64), ADD, ...set(9),
  ...i32c(0), ...set(6),
  ...LOOP,
  ...i32c(0), F64_FROM_I32, ...f64x2splat, ...tee(11), ...tee(12), ...tee(13), ...set(14),
  ...get(0), ...set(8),
  ...i32c(0), ...set(7),
  ...LOOP,
  ...get(8), ...get(5), ...i32c(3), SHL, ADD, ...f64load, ...f64x2splat, ...set(10),
  ...crossAdd(11, 0), ...crossAdd(12, 16), ...crossAdd(13, 32), ...crossAdd(14, 48),
  ...get(8), ...get(2), ADD, ...set(8),
  ...get(7), ...i32c(1), ADD, ...tee(7), ...get(1), LT_U, ...brIf(0),
  END,
  ...get(4), ...get(5), ...get(2), MUL, ADD, ...get(6), ADD, ...set(8),
  ...get(8), ...get(11), ...v128store(0),
  ...get(8), ...get(12), ...v128store(16),
  ...get(8), ...get(13), ...v128store(32),
  ...get(8), ...get(14), ...v128store(48),
  ...get(6), ...i32c(64), ADD, ...tee(6), ...get(9), LT_U, ...brIf(0),
  END,
  ...get(5), ...i32c(1), ADD, ...set(5),
  ...br(0),
  END, END,
  END,
];

const moduleBytes = assemble(
  [
    [[I32, I32, I32, I32, I32], []],
    [[I32, I32, I32, I32], []],
    [[I32, I32, I32, I32, I32, I32, F64], []],
  ],
  [
    { name: 'accumulate', type: 0, body: accumulate },
    { name: 'subsetTable', type: 1, body: subsetTable },
    { name: 'decisions', type: 2, body: decisions },
    { name: 'crossProducts', type: 0, body: crossProducts },
  ],
);

export interface Kernels {
  memory: WebAssembly.Memory;
  /** acc row q (rowBytes) += the table row at byte offset codes[q] from `table`, for q < P (addresses in bytes) */
  accumulate: (acc: number, table: number, codes: number, P: number, rowBytes: number) => void;
  /** builds the subset-sum table of 2**bits rows from `bits` rows (rowBytes a multiple of 64) */
  subsetTable: (table: number, rows: number, nMasks: number, rowBytes: number) => void;
  /** out[te] = intercept + sum over a < C of x[a][te] * coef[a], in that order, for te < 8 nOctets (x rows rowBytes apart) */
  decisions: (x: number, coef: number, C: number, rowBytes: number, nOctets: number, out: number, intercept: number) => void;
  /** g[a][b] = sum over the cnt rows of z (in order) of z[r][a] z[r][b], for a < p and b in a's octet or below */
  crossProducts: (z: number, cnt: number, rowBytes: number, p: number, g: number) => void;
}

let compiled: WebAssembly.Module | null | undefined;
let enabled = true;

/** Turns the kernels off (the callers' scalar loops run) or back on; for comparing the two paths. */
export function useWasmKernels(on: boolean): void {
  enabled = on;
}

/** A fresh instance with `bytes` of memory, or null without WebAssembly SIMD (or when turned off). */
export function wasmKernels(bytes: number): Kernels | null {
  if (!enabled) return null;
  if (compiled === undefined) {
    compiled = compileWasm(moduleBytes);
  }
  if (!compiled) return null;
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const ex = new WebAssembly.Instance(compiled, { m: { mem: memory } }).exports as unknown as Omit<Kernels, 'memory'>;
  return { memory, accumulate: ex.accumulate, subsetTable: ex.subsetTable, decisions: ex.decisions, crossProducts: ex.crossProducts };
}
