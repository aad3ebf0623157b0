// WebAssembly SIMD kernels for fft.ts's hot loops: the radix-2/radix-4 butterfly passes along axis 0
// (every butterfly of a pass applies one twiddle to a whole row of columns, so two columns travel
// in one f64x2), the square transpose between the two passes of a 2-D transform, the real inverse's
// merge step, the blur's dct2FromSpectrum and spectrumFromDct2, the spectral filters' mask and complex products, and the
// stores of the results as bytes. Each lane does the scalar code's IEEE double operations in its
// order (a separate multiply and add, never fused; sgn * x written as x or -x, which is the same
// number), so the results are bit-identical to fft.ts's loops; a last odd column takes the same
// operations on one f64. Addresses and strides are in bytes, in the instance's memory (fft.ts keeps
// its work arrays there).
import {
  ADD, AND, BLOCK, CTZ, DIV_U, ELSE, END, EQ, EQZ, LT_S, NE, F64, F64_ADD, F64_MIN, F64_MUL, F64_NEAREST, F64_NEG, F64_SUB, I32_TRUNC_SAT_F64_U, SHR_U, SUB, GE_U, GT_U, I32, IF, LE_U, LOOP, LT_U, MUL, SELECT, SHL,
  assemble, body, br, brIf, compileWasm, f64c, f64loadAt, i32loadByte, i32storeByteAt, f64x2pmax, f64x2pmin, i32storeByte, i8x16shuffle, v128store32Lane, f64storeAt, f64x2add, f64x2mul, f64x2neg, f64x2splat, f64x2sub, get, i32c, i32load, set, tee,
  v128load, v128store, V128,
} from '../core/wasm.ts';

/** One lane width: two doubles in a v128, or the last odd column's one f64. */
interface Lanes {
  vector: boolean;
  load: number[];
  store: number[];
  add: number[];
  sub: number[];
  mul: number[];
  neg: number[];
}
const VEC: Lanes = { vector: true, load: v128load(0), store: v128store(0), add: f64x2add, sub: f64x2sub, mul: f64x2mul, neg: f64x2neg };
const ONE: Lanes = { vector: false, load: f64loadAt(0), store: f64storeAt(0), add: [F64_ADD], sub: [F64_SUB], mul: [F64_MUL], neg: [F64_NEG] };

/** while (cond) body: cond leaves an i32 on the stack. */
const whileDo = (cond: number[], code: number[]) => [...BLOCK, ...LOOP, ...cond, EQZ, ...brIf(1), ...code, ...br(0), END, END];

// butterfly(re, im, n, w, stride, cosT, sinT, revT): fftAxis0Block on the w columns at re/im
// (rows `stride` bytes apart), with radix2Tables(n)'s cos, sin (n/2 f64 each) and rev (n u32) at cosT, sinT, revT.
const P_RE = 0, P_IM = 1, P_N = 2, P_W = 3, P_STRIDE = 4, P_COS = 5, P_SIN = 6, P_REV = 7;
const I = 8, J = 9, PR = 10, PI = 11, ENDP = 12, WP = 13, Q = 14, S1 = 15, S2 = 16, QW = 17, QW2 = 18, QW3 = 19, START = 20, K = 21, ROW = 22;
const N_I32 = 15;
const VALUES = ['t', 'ra', 'ia', 'rb', 'ib', 'rc', 'ic', 'rd', 'id', 'br', 'bi', 'dr', 'di', 'x0r', 'x0i', 'x1r', 'x1i', 'y0r', 'y0i', 'y1r', 'y1i', 't0r', 't0i', 'ur', 'ui', 'w1r', 'w1i', 'w2r', 'w2i'] as const;
type Value = (typeof VALUES)[number];
const V0 = ROW + 1;
const F0 = V0 + VALUES.length;
const local = (m: Lanes, v: Value) => (m.vector ? V0 : F0) + VALUES.indexOf(v);

/** The columns of one row (pointer PR into re, PI into im, or any two rows): pairs, then the odd last one. */
const columns = (rowA: number[], rowB: number[], step: (m: Lanes) => number[]) => [
  ...rowA, ...set(PR), ...rowB, ...set(PI),
  ...get(PR), ...get(WP), ADD, ...set(ENDP),
  ...whileDo([...get(PR), ...get(ENDP), LT_U], [
    ...step(VEC),
    ...get(PR), ...i32c(16), ADD, ...set(PR),
    ...get(PI), ...i32c(16), ADD, ...set(PI),
  ]),
  ...get(P_W), ...i32c(1), AND, ...IF, ...step(ONE), END,
];

function ops(m: Lanes) {
  const g = (v: Value) => get(local(m, v));
  const s = (v: Value, code: number[]) => [...code, ...set(local(m, v))];
  const at = (p: number, off?: number) => (off === undefined ? get(p) : [...get(p), ...get(off), ADD]);
  const ld = (p: number, off?: number) => [...at(p, off), ...m.load];
  const st = (p: number, off: number | undefined, value: number[]) => [...at(p, off), ...value, ...m.store];
  const add = (a: number[], b: number[]) => [...a, ...b, ...m.add];
  const sub = (a: number[], b: number[]) => [...a, ...b, ...m.sub];
  const mul = (a: number[], b: number[]) => [...a, ...b, ...m.mul];
  return { g, s, ld, st, add, sub, mul };
}

/** A swap of the values at PR and PI (bit reversal). */
const swap = (m: Lanes) => {
  const { g, s, ld, st } = ops(m);
  return [...s('t', ld(PR)), ...st(PR, undefined, ld(PI)), ...st(PI, undefined, g('t'))];
};

/** The size-2 butterfly with twiddle 1, rows a (PR, PI) and b = a + stride. */
const radix2 = (m: Lanes) => {
  const { g, s, ld, st, add, sub } = ops(m);
  return [
    ...s('rb', ld(PR, P_STRIDE)), ...s('ib', ld(PI, P_STRIDE)),
    ...st(PR, P_STRIDE, sub(ld(PR), g('rb'))), ...st(PI, P_STRIDE, sub(ld(PI), g('ib'))),
    ...st(PR, undefined, add(ld(PR), g('rb'))), ...st(PI, undefined, add(ld(PI), g('ib'))),
  ];
};

/** Two radix-2 stages in one (fftAxis0Block's loop body; radix4Untwiddled's where twiddled is false). */
const radix4 = (m: Lanes, inverse: boolean, twiddled: boolean) => {
  const { g, s, ld, st, add, sub, mul } = ops(m);
  // (outR, outI) = (xr, xi) * (w r, w i): the complex product in the plain loop's order
  const cmul = (outR: Value, outI: Value, xr: Value, xi: Value, w: 'w1' | 'w2') => [
    ...s(outR, sub(mul(g(xr), g(`${w}r`)), mul(g(xi), g(`${w}i`)))),
    ...s(outI, add(mul(g(xr), g(`${w}i`)), mul(g(xi), g(`${w}r`)))),
  ];
  const code = [
    ...s('ra', ld(PR)), ...s('ia', ld(PI)),
    ...s('rb', ld(PR, QW)), ...s('ib', ld(PI, QW)),
    ...s('rc', ld(PR, QW2)), ...s('ic', ld(PI, QW2)),
    ...s('rd', ld(PR, QW3)), ...s('id', ld(PI, QW3)),
  ];
  let [br, bi, dr, di]: Value[] = ['rb', 'ib', 'rd', 'id'];
  if (twiddled) {
    code.push(...cmul('br', 'bi', 'rb', 'ib', 'w1'), ...cmul('dr', 'di', 'rd', 'id', 'w1'));
    [br, bi, dr, di] = ['br', 'bi', 'dr', 'di'];
  }
  code.push(
    ...s('x0r', add(g('ra'), g(br))), ...s('x0i', add(g('ia'), g(bi))),
    ...s('x1r', sub(g('ra'), g(br))), ...s('x1i', sub(g('ia'), g(bi))),
    ...s('y0r', add(g('rc'), g(dr))), ...s('y0i', add(g('ic'), g(di))),
    ...s('y1r', sub(g('rc'), g(dr))), ...s('y1i', sub(g('ic'), g(di))),
  );
  let [t0r, t0i, ur, ui]: Value[] = ['y0r', 'y0i', 'y1r', 'y1i'];
  if (twiddled) {
    code.push(...cmul('t0r', 't0i', 'y0r', 'y0i', 'w2'), ...cmul('ur', 'ui', 'y1r', 'y1i', 'w2'));
    [t0r, t0i, ur, ui] = ['t0r', 't0i', 'ur', 'ui'];
  }
  // t1 = (-sgn ui, sgn ur): sgn = -1 forward, +1 inverse
  const t1r = inverse ? [...g(ui), ...m.neg] : g(ui);
  const t1i = inverse ? g(ur) : [...g(ur), ...m.neg];
  code.push(
    ...st(PR, undefined, add(g('x0r'), g(t0r))), ...st(PI, undefined, add(g('x0i'), g(t0i))),
    ...st(PR, QW2, sub(g('x0r'), g(t0r))), ...st(PI, QW2, sub(g('x0i'), g(t0i))),
    ...st(PR, QW, add(g('x1r'), t1r)), ...st(PI, QW, add(g('x1i'), t1i)),
    ...st(PR, QW3, sub(g('x1r'), t1r)), ...st(PI, QW3, sub(g('x1i'), t1i)),
  );
  return code;
};

/** f64 twiddle table entry idx (i32 code) of table `tab`, into the f64 and v128 locals of v (negated: sgn = -1). */
const twiddle = (v: Value, tab: number, idx: number[], negate: boolean) => [
  ...get(tab), ...idx, ...i32c(3), SHL, ADD, ...f64loadAt(0), ...(negate ? [F64_NEG] : []),
  ...tee(local(ONE, v)), ...f64x2splat, ...set(local(VEC, v)),
];

const rowAt = (p: number, row: number[]) => [...get(p), ...row, ADD];

const butterflies = (inverse: boolean) =>
  body(
    [
      [N_I32, I32],
      [VALUES.length, V128],
      [VALUES.length, F64],
    ],
    [
      // bytes of the column pairs
      ...get(P_W), ...i32c(-2), AND, ...i32c(3), SHL, ...set(WP),
      // bit reversal of the rows
      ...i32c(0), ...set(I),
      ...whileDo([...get(I), ...get(P_N), LT_U], [
        ...get(P_REV), ...get(I), ...i32c(2), SHL, ADD, ...i32load, ...set(J),
        ...get(J), ...get(I), GT_U, ...IF,
        ...columns(rowAt(P_RE, [...get(I), ...get(P_STRIDE), MUL]), rowAt(P_RE, [...get(J), ...get(P_STRIDE), MUL]), swap),
        ...columns(rowAt(P_IM, [...get(I), ...get(P_STRIDE), MUL]), rowAt(P_IM, [...get(J), ...get(P_STRIDE), MUL]), swap),
        END,
        ...get(I), ...i32c(1), ADD, ...set(I),
      ]),
      // an odd number of radix-2 stages: the first alone
      ...i32c(1), ...set(Q),
      ...get(P_N), CTZ, ...i32c(1), AND, ...IF,
      ...i32c(0), ...set(ROW),
      ...whileDo([...get(ROW), ...get(P_N), ...get(P_STRIDE), MUL, LT_U], [
        ...columns(rowAt(P_RE, get(ROW)), rowAt(P_IM, get(ROW)), radix2),
        ...get(ROW), ...get(P_STRIDE), ...i32c(1), SHL, ADD, ...set(ROW),
      ]),
      ...i32c(2), ...set(Q),
      END,
      // two radix-2 stages at a time
      ...whileDo([...get(Q), ...i32c(2), SHL, ...get(P_N), LE_U], [
        ...get(P_N), ...get(Q), ...i32c(1), SHL, DIV_U, ...set(S1),
        ...get(P_N), ...get(Q), ...i32c(2), SHL, DIV_U, ...set(S2),
        ...get(Q), ...get(P_STRIDE), MUL, ...tee(QW), ...i32c(1), SHL, ...tee(QW2), ...get(QW), ADD, ...set(QW3),
        ...i32c(0), ...set(START),
        ...whileDo([...get(START), ...get(P_N), LT_U], [
          ...get(START), ...get(P_STRIDE), MUL, ...set(ROW),
          ...columns(rowAt(P_RE, get(ROW)), rowAt(P_IM, get(ROW)), (m) => radix4(m, inverse, false)),
          ...i32c(1), ...set(K),
          ...whileDo([...get(K), ...get(Q), LT_U], [
            ...twiddle('w1r', P_COS, [...get(K), ...get(S1), MUL], false),
            ...twiddle('w1i', P_SIN, [...get(K), ...get(S1), MUL], !inverse),
            ...twiddle('w2r', P_COS, [...get(K), ...get(S2), MUL], false),
            ...twiddle('w2i', P_SIN, [...get(K), ...get(S2), MUL], !inverse),
            ...get(START), ...get(K), ADD, ...get(P_STRIDE), MUL, ...set(ROW),
            ...columns(rowAt(P_RE, get(ROW)), rowAt(P_IM, get(ROW)), (m) => radix4(m, inverse, true)),
            ...get(K), ...i32c(1), ADD, ...set(K),
          ]),
          ...get(START), ...get(Q), ...i32c(2), SHL, ADD, ...set(START),
        ]),
        ...get(Q), ...i32c(2), SHL, ...set(Q),
      ]),
    ],
  );

// transpose(a, S): the S x S f64 array at a transposed in place, in 16 x 16 tiles (transposeSquare)
// params 0 a, 1 S; locals 2 by, 3 bx, 4 y, 5 x, 6 ey, 7 ex, 8 pi, 9 pj, 10 t (f64)
const minS = (v: number[]) => [...v, ...get(1), ...v, ...get(1), LT_U, SELECT];
const transpose = body(
  [
    [8, I32],
    [1, F64],
  ],
  [
    ...i32c(0), ...set(2),
    ...whileDo([...get(2), ...get(1), LT_U], [
      ...minS([...get(2), ...i32c(16), ADD]), ...set(6),
      ...get(2), ...set(3),
      ...whileDo([...get(3), ...get(1), LT_U], [
        ...minS([...get(3), ...i32c(16), ADD]), ...set(7),
        ...get(2), ...set(4),
        ...whileDo([...get(4), ...get(6), LT_U], [
          ...get(4), ...i32c(1), ADD, ...get(3), ...get(3), ...get(2), EQ, SELECT, ...set(5),
          ...whileDo([...get(5), ...get(7), LT_U], [
            ...get(0), ...get(4), ...get(1), MUL, ...get(5), ADD, ...i32c(3), SHL, ADD, ...set(8),
            ...get(0), ...get(5), ...get(1), MUL, ...get(4), ADD, ...i32c(3), SHL, ADD, ...set(9),
            ...get(8), ...f64loadAt(0), ...set(10),
            ...get(8), ...get(9), ...f64loadAt(0), ...f64storeAt(0),
            ...get(9), ...get(10), ...f64storeAt(0),
            ...get(5), ...i32c(1), ADD, ...set(5),
          ]),
          ...get(4), ...i32c(1), ADD, ...set(4),
        ]),
        ...get(3), ...i32c(16), ADD, ...set(3),
      ]),
      ...get(2), ...i32c(16), ADD, ...set(2),
    ]),
  ],
);

// A double to a byte as a Uint8ClampedArray stores it: rounded half to even, clipped to 0..255,
// NaN to 0 (nearest, then min with 255 keeping NaN, then the saturating conversion: NaN and
// negatives to 0).
const toByte = [F64_NEAREST, ...f64c(255), F64_MIN, ...I32_TRUNC_SAT_F64_U];

// The same for two doubles in a v128, without a conversion instruction: pmax(0, x) takes NaN and
// negatives to 0, pmin(., 255) clips, and adding 2^52 rounds to an integer half to even and leaves
// it in the low byte of each lane (bytes 0 and 8). value: the code that leaves the two doubles.
const TWO52 = 2 ** 52;
const toBytes = (zero: number, c255: number, magic: number, value: number[]) => [...get(zero), ...value, ...f64x2pmax, ...get(c255), ...f64x2pmin, ...get(magic), ...f64x2add];
const byteConstants = (zero: number, c255: number, magic: number) => [
  ...f64c(0), ...f64x2splat, ...set(zero), ...f64c(255), ...f64x2splat, ...set(c255), ...f64c(TWO52), ...f64x2splat, ...set(magic),
];

// storeScaled(dst, src, n, k): byte dst[i] = src[i] * k (f64), i < n; four at a time, then one at a time
// params 0 dst, 1 src, 2 n, 3 k (f64); locals 4 end, 5 end4, 6 k (v128), 7 255, 8 a, 9 0, 10 2^52 (v128)
const storeScaled = body(
  [
    [2, I32],
    [5, V128],
  ],
  [
    ...get(0), ...get(2), ADD, ...set(4),
    ...get(0), ...get(2), ...i32c(-4), AND, ADD, ...set(5),
    ...get(3), ...f64x2splat, ...set(6),
    ...byteConstants(9, 7, 10),
    ...whileDo([...get(0), ...get(5), LT_U], [
      ...get(0),
      ...toBytes(9, 7, 10, [...get(1), ...v128load(0), ...get(6), ...f64x2mul]), ...set(8),
      ...get(8), ...toBytes(9, 7, 10, [...get(1), ...v128load(16), ...get(6), ...f64x2mul]),
      ...i8x16shuffle([0, 8, 16, 24]), ...v128store32Lane(0),
      ...get(0), ...i32c(4), ADD, ...set(0),
      ...get(1), ...i32c(32), ADD, ...set(1),
    ]),
    ...whileDo([...get(0), ...get(4), LT_U], [
      ...get(0), ...get(1), ...f64loadAt(0), ...get(3), F64_MUL, ...toByte, ...i32storeByte,
      ...get(0), ...i32c(1), ADD, ...set(0),
      ...get(1), ...i32c(8), ADD, ...set(1),
    ]),
  ],
);

// unorder(dst, src, inOrder, S): the bytes of an S x S f64 array in Makhoul's order (S a multiple
// of 4) put back: row y from row inOrder[y] (i32), x = 2h from position h, x = 2h + 1 from S - 1 - h;
// two of each at a time
// params 0 dst, 1 src, 2 inOrder, 3 S; locals 4 y, 5 p (front), 6 q (back pair), 7 o, 8 end, 9 255, 10 front, 11 0, 12 2^52 (v128)
const unorder = body(
  [
    [5, I32],
    [4, V128],
  ],
  [
    ...byteConstants(11, 9, 12),
    ...i32c(0), ...set(4),
    ...whileDo([...get(4), ...get(3), LT_U], [
      ...get(1), ...get(2), ...get(4), ...i32c(2), SHL, ADD, ...i32load, ...get(3), MUL, ...i32c(3), SHL, ADD, ...tee(5),
      ...get(3), ...i32c(3), SHL, ADD, ...i32c(16), SUB, ...set(6),
      ...get(0), ...get(4), ...get(3), MUL, ADD, ...tee(7), ...get(3), ADD, ...set(8),
      ...whileDo([...get(7), ...get(8), LT_U], [
        ...get(7),
        ...toBytes(11, 9, 12, [...get(5), ...v128load(0)]), ...set(10),
        // the back pair is [v(last - k - 1), v(last - k)]
        ...get(10), ...toBytes(11, 9, 12, [...get(6), ...v128load(0)]),
        ...i8x16shuffle([0, 24, 8, 16]), ...v128store32Lane(0),
        ...get(7), ...i32c(4), ADD, ...set(7),
        ...get(5), ...i32c(16), ADD, ...set(5),
        ...get(6), ...i32c(16), SUB, ...set(6),
      ]),
      ...get(4), ...i32c(1), ADD, ...set(4),
    ]),
  ],
);

// realMerge(re, im, zr, zi, S, cos, sin): ifft2tReal's step from the columns ky = 0 .. N of Q
// (rows of S, N = S / 2) to the N-point complex rows Y, written transposed:
//   a, b = Q[col][k]; c, d = Q[col][N - k]; dr = a - c; di = b + d
//   zr[k][col] = a + c - cos_k di - sin_k dr; zi[k][col] = b - d + cos_k dr - sin_k di
// in blocks of 8 columns, so each k writes whole cache lines (rows S apart share few cache sets)
// params 0 re, 1 im, 2 zr, 3 zi, 4 S, 5 cos, 6 sin; locals 7 cb, 8 k, 9 N, 10 col, 11 rowBytes, 12 pa, 13 pb, 14 pz, 15 colEnd;
// f64 16 a, 17 b, 18 c, 19 d, 20 cr, 21 si, 22 dr, 23 di
const realMerge = body(
  [
    [9, I32],
    [8, F64],
  ],
  [
    ...get(4), ...i32c(1), SHR_U, ...set(9),
    ...get(4), ...i32c(3), SHL, ...set(11),
    ...i32c(0), ...set(7),
    ...whileDo([...get(7), ...get(4), LT_U], [
      ...get(7), ...i32c(8), ADD, ...get(4), ...get(7), ...i32c(8), ADD, ...get(4), LT_U, SELECT, ...set(15),
      ...i32c(0), ...set(8),
      ...whileDo([...get(8), ...get(9), LT_U], [
        ...get(5), ...get(8), ...i32c(3), SHL, ADD, ...f64loadAt(0), ...set(20),
        ...get(6), ...get(8), ...i32c(3), SHL, ADD, ...f64loadAt(0), ...set(21),
        ...get(7), ...set(10),
        ...get(10), ...get(11), MUL, ...get(8), ...i32c(3), SHL, ADD, ...set(12),
        ...get(10), ...get(11), MUL, ...get(9), ...get(8), SUB, ...i32c(3), SHL, ADD, ...set(13),
        ...get(8), ...get(4), MUL, ...get(10), ADD, ...i32c(3), SHL, ...set(14),
        ...whileDo([...get(10), ...get(15), LT_U], [
          ...get(0), ...get(12), ADD, ...f64loadAt(0), ...set(16),
          ...get(1), ...get(12), ADD, ...f64loadAt(0), ...set(17),
          ...get(0), ...get(13), ADD, ...f64loadAt(0), ...set(18),
          ...get(1), ...get(13), ADD, ...f64loadAt(0), ...set(19),
          ...get(16), ...get(18), F64_SUB, ...set(22),
          ...get(17), ...get(19), F64_ADD, ...set(23),
          ...get(2), ...get(14), ADD,
          ...get(16), ...get(18), F64_ADD, ...get(20), ...get(23), F64_MUL, F64_SUB, ...get(21), ...get(22), F64_MUL, F64_SUB,
          ...f64storeAt(0),
          ...get(3), ...get(14), ADD,
          ...get(17), ...get(19), F64_SUB, ...get(20), ...get(22), F64_MUL, F64_ADD, ...get(21), ...get(23), F64_MUL, F64_SUB,
          ...f64storeAt(0),
          ...get(12), ...get(11), ADD, ...set(12),
          ...get(13), ...get(11), ADD, ...set(13),
          ...get(14), ...i32c(8), ADD, ...set(14),
          ...get(10), ...i32c(1), ADD, ...set(10),
        ]),
        ...get(8), ...i32c(1), ADD, ...set(8),
      ]),
      ...get(7), ...i32c(8), ADD, ...set(7),
    ]),
  ],
);

// spectrumComplex / spectrumReal(xRe, xIm, vRe, vIm, n, g, cos, sin, cols): fft.ts's
// spectrumFromDct2 (its row pairs r, n - r and their loops spectrumRowsComplex / spectrumRowsReal),
// with twiddles(n)'s cos and sin (2n f64 each) and g (n + 1 f64). Column 0 (whose mirror is 0) alone,
// then columns in pairs, the mirrored ones n - c read as a reversed pair, then an odd last one.
// params 0 xRe, 1 xIm, 2 vRe, 3 vIm, 4 n, 5 g, 6 cos, 7 sin, 8 cols;
// locals 9 r, 10 m, 11 rowR, 12 rowM, 13 both, 14 c, 15 ci, 16 pairEnd, 17 n bytes, 18 cols bytes
const DCT_VALUES = ['t', 'gr', 'gm', 'gc', 'gn', 'prc', 'pmn', 'prn', 'pmc', 'ar', 'ai', 'br', 'bi', 'er', 'ei', 'dr', 'di', 'ur', 'ui', 'tc', 'ts', 'a', 'b', 'e', 'd'] as const;
type DctValue = (typeof DCT_VALUES)[number];
const D_R = 9, D_M = 10, D_ROWR = 11, D_ROWM = 12, D_BOTH = 13, D_C = 14, D_CI = 15, D_PEND = 16, D_NB = 17, D_COLSB = 18;
const DV0 = 19;
const DF0 = DV0 + DCT_VALUES.length;
const SWAP = i8x16shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]);

/** One column (or a pair) of a row pair; gnAt: the byte address of g[n - c]. */
function dctColumn(m: Lanes, complex: boolean, gnAt: number[]) {
  const l = (v: DctValue) => (m.vector ? DV0 : DF0) + DCT_VALUES.indexOf(v);
  const g = (v: DctValue) => get(l(v));
  const s = (v: DctValue, code: number[]) => [...code, ...set(l(v))];
  const add = (a: number[], b: number[]) => [...a, ...b, ...m.add];
  const sub = (a: number[], b: number[]) => [...a, ...b, ...m.sub];
  const mul = (a: number[], b: number[]) => [...a, ...b, ...m.mul];
  // x[row + c] and x[row + ci] (the latter reversed: [x[ci], x[ci - 1]] for a pair)
  const fwd = (base: number, row: number) => [...get(base), ...get(row), ADD, ...get(D_C), ADD, ...m.load];
  const rev = (base: number, row: number) =>
    m.vector
      ? [...get(base), ...get(row), ADD, ...get(D_CI), ADD, ...i32c(8), SUB, ...m.load, ...tee(l('t')), ...get(l('t')), ...SWAP]
      : [...get(base), ...get(row), ADD, ...get(D_CI), ADD, ...m.load];
  const tw = (tab: number, row: number) => [...get(tab), ...get(row), ...i32c(3), SHL, ADD, ...get(D_C), ADD, ...m.load];
  const store = (base: number, row: number, value: number[]) => [...get(base), ...get(row), ADD, ...get(D_C), ADD, ...value, ...m.store];
  const rotate = (row: number, a: number) => [
    ...s('tc', tw(6, a)), ...s('ts', tw(7, a)),
    ...store(2, row, sub(mul(g('tc'), g('ur')), mul(g('ts'), g('ui')))),
    ...store(3, row, add(mul(g('tc'), g('ui')), mul(g('ts'), g('ur')))),
  ];
  const code = [
    ...s('gc', [...get(5), ...get(D_C), ADD, ...m.load]),
    ...s('gn', m.vector ? [...gnAt, ...i32c(8), SUB, ...m.load, ...tee(l('t')), ...get(l('t')), ...SWAP] : [...gnAt, ...m.load]),
  ];
  if (complex) {
    code.push(
      ...s('prc', mul(g('gr'), g('gc'))), ...s('pmn', mul(g('gm'), g('gn'))),
      ...s('prn', mul(g('gr'), g('gn'))), ...s('pmc', mul(g('gm'), g('gc'))),
      ...s('ar', fwd(0, D_ROWR)), ...s('ai', fwd(1, D_ROWR)),
      ...s('br', rev(0, D_ROWM)), ...s('bi', rev(1, D_ROWM)),
      ...s('er', rev(0, D_ROWR)), ...s('ei', rev(1, D_ROWR)),
      ...s('dr', fwd(0, D_ROWM)), ...s('di', fwd(1, D_ROWM)),
      ...s('ur', add(add(sub(mul(g('prc'), g('ar')), mul(g('pmn'), g('br'))), mul(g('prn'), g('ei'))), mul(g('pmc'), g('di')))),
      ...s('ui', sub(sub(sub(mul(g('prc'), g('ai')), mul(g('pmn'), g('bi'))), mul(g('prn'), g('er'))), mul(g('pmc'), g('dr')))),
      ...rotate(D_ROWR, D_R),
      ...get(D_BOTH), ...IF,
      ...s('ur', add(add(sub(mul(g('pmc'), g('dr')), mul(g('prn'), g('er'))), mul(g('pmn'), g('bi'))), mul(g('prc'), g('ai')))),
      ...s('ui', sub(sub(sub(mul(g('pmc'), g('di')), mul(g('prn'), g('ei'))), mul(g('pmn'), g('br'))), mul(g('prc'), g('ar')))),
      ...rotate(D_ROWM, D_M),
      END,
    );
  } else {
    code.push(
      ...s('a', mul(mul(g('gr'), g('gc')), fwd(0, D_ROWR))),
      ...s('b', mul(mul(g('gm'), g('gn')), rev(0, D_ROWM))),
      ...s('e', mul(mul(g('gr'), g('gn')), rev(0, D_ROWR))),
      ...s('d', mul(mul(g('gm'), g('gc')), fwd(0, D_ROWM))),
      ...s('ur', sub(g('a'), g('b'))), ...s('ui', [...add(g('e'), g('d')), ...m.neg]),
      ...rotate(D_ROWR, D_R),
      ...get(D_BOTH), ...IF,
      ...s('ur', sub(g('d'), g('e'))), ...s('ui', [...add(g('b'), g('a')), ...m.neg]),
      ...rotate(D_ROWM, D_M),
      END,
    );
  }
  return code;
}

/** g[k] (k: i32 code) into the f64 and v128 locals of v. */
const gAt = (v: DctValue, k: number[]) => [...get(5), ...k, ...i32c(3), SHL, ADD, ...f64loadAt(0), ...tee(DF0 + DCT_VALUES.indexOf(v)), ...f64x2splat, ...set(DV0 + DCT_VALUES.indexOf(v))];

const spectrum = (complex: boolean) =>
  body(
    [
      [10, I32],
      [DCT_VALUES.length, V128],
      [DCT_VALUES.length, F64],
    ],
    [
      ...get(4), ...i32c(3), SHL, ...set(D_NB),
      ...get(8), ...i32c(3), SHL, ...set(D_COLSB),
      ...i32c(0), ...set(D_R),
      ...whileDo([...get(D_R), ...i32c(1), SHL, ...get(4), LE_U], [
        ...get(4), ...get(D_R), SUB, ...set(D_M),
        ...gAt('gr', get(D_R)), ...gAt('gm', get(D_M)),
        ...get(D_R), ...get(D_NB), MUL, ...set(D_ROWR),
        // row n (r = 0) is zero (gm = 0): it is read from row 0 and not written
        ...get(D_M), ...get(D_NB), MUL, ...i32c(0), ...get(D_M), ...get(4), LT_U, SELECT, ...set(D_ROWM),
        ...get(D_M), ...get(4), LT_U, ...get(D_M), ...get(D_R), NE, AND, ...set(D_BOTH),
        // c = 0: its mirror column is 0 and g[n - c] is g[n]
        ...i32c(0), ...set(D_C), ...i32c(0), ...set(D_CI),
        ...dctColumn(ONE, complex, [...get(5), ...get(D_NB), ADD]),
        ...i32c(8), ...set(D_C), ...get(D_NB), ...i32c(8), SUB, ...set(D_CI),
        ...whileDo([...get(D_C), ...i32c(16), ADD, ...get(D_COLSB), LE_U], [
          ...dctColumn(VEC, complex, [...get(5), ...get(D_CI), ADD]),
          ...get(D_C), ...i32c(16), ADD, ...set(D_C),
          ...get(D_CI), ...i32c(16), SUB, ...set(D_CI),
        ]),
        ...get(D_C), ...get(D_COLSB), LT_U, ...IF,
        ...dctColumn(ONE, complex, [...get(5), ...get(D_CI), ADD]),
        END,
        ...get(D_R), ...i32c(1), ADD, ...set(D_R),
      ]),
    ],
  );

// dct2Complex / dct2Real(vRe, vIm, xRe, xIm, n, cos, sin): fft.ts's dct2FromSpectrum, one value at a
// time, with twiddles(n)'s cos and sin: for each bin (r, c), with cm = -c and rowM = -r (mod n),
//   x = 0.25 (cp (ar + fr) + sp (ai - fi) + cd (br + er) + sd (bi - ei))            (real part)
//   y = 0.25 (cp (ai + fi) - sp (ar - fr) + cd (bi + ei) - sd (br - er))            (imaginary part)
// cp, sp = cos, sin (r + c); cd, sd = cos, sin (r - c) (sin of a negative d as -sin(-d))
// params 0 vRe, 1 vIm, 2 xRe, 3 xIm, 4 n, 5 cos, 6 sin; locals 7 r, 8 c (bytes), 9 rowP, 10 rowM, 11 cm (bytes), 12 d, 13 n bytes;
// f64 14 cp, 15 sp, 16 cd, 17 sd, 18 ar, 19 ai, 20 br, 21 bi, 22 er, 23 ei, 24 fr, 25 fi
const dct2 = (complex: boolean) => {
  const ld = (p: number, row: number, col: number) => [...get(p), ...get(row), ADD, ...get(col), ADD, ...f64loadAt(0)];
  const tab = (t: number, idx: number[]) => [...get(t), ...idx, ...i32c(3), SHL, ADD, ...f64loadAt(0)];
  const q = 0.25;
  return body(
    [
      [7, I32],
      [12, F64],
    ],
    [
      ...get(4), ...i32c(3), SHL, ...set(13),
      ...i32c(0), ...set(7),
      ...whileDo([...get(7), ...get(4), LT_U], [
        ...get(7), ...get(13), MUL, ...set(9),
        ...i32c(0), ...get(4), ...get(7), SUB, ...get(13), MUL, ...get(7), EQZ, SELECT, ...set(10),
        ...i32c(0), ...set(8),
        ...whileDo([...get(8), ...get(13), LT_U], [
          ...i32c(0), ...get(13), ...get(8), SUB, ...get(8), EQZ, SELECT, ...set(11),
          ...tab(5, [...get(7), ...get(8), ...i32c(3), SHR_U, ADD]), ...set(14),
          ...tab(6, [...get(7), ...get(8), ...i32c(3), SHR_U, ADD]), ...set(15),
          ...get(7), ...get(8), ...i32c(3), SHR_U, SUB, ...tee(12), ...i32c(0), LT_S, ...IF,
          ...tab(5, [...i32c(0), ...get(12), SUB]), ...set(16),
          ...tab(6, [...i32c(0), ...get(12), SUB]), F64_NEG, ...set(17),
          ELSE,
          ...tab(5, get(12)), ...set(16),
          ...tab(6, get(12)), ...set(17),
          END,
          ...ld(0, 9, 8), ...set(18), ...ld(1, 9, 8), ...set(19),
          ...ld(0, 9, 11), ...set(20), ...ld(1, 9, 11), ...set(21),
          ...ld(0, 10, 8), ...set(22), ...ld(1, 10, 8), ...set(23),
          ...ld(0, 10, 11), ...set(24), ...ld(1, 10, 11), ...set(25),
          ...get(2), ...get(9), ADD, ...get(8), ADD,
          ...f64c(q),
          ...get(14), ...get(18), ...get(24), F64_ADD, F64_MUL,
          ...get(15), ...get(19), ...get(25), F64_SUB, F64_MUL, F64_ADD,
          ...get(16), ...get(20), ...get(22), F64_ADD, F64_MUL, F64_ADD,
          ...get(17), ...get(21), ...get(23), F64_SUB, F64_MUL, F64_ADD,
          F64_MUL, ...f64storeAt(0),
          ...(complex
            ? [
                ...get(3), ...get(9), ADD, ...get(8), ADD,
                ...f64c(q),
                ...get(14), ...get(19), ...get(25), F64_ADD, F64_MUL,
                ...get(15), ...get(18), ...get(24), F64_SUB, F64_MUL, F64_SUB,
                ...get(16), ...get(21), ...get(23), F64_ADD, F64_MUL, F64_ADD,
                ...get(17), ...get(20), ...get(22), F64_SUB, F64_MUL, F64_SUB,
                F64_MUL, ...f64storeAt(0),
              ]
            : []),
          ...get(8), ...i32c(8), ADD, ...set(8),
        ]),
        ...get(7), ...i32c(1), ADD, ...set(7),
      ]),
    ],
  );
};

// maskRows(re, im, mask, S, cols): re/im[i] = 0 where the byte mask[i] is 0, for the first cols
// values of each of the S rows (S apart); the others are kept
// params 0 re, 1 im, 2 mask, 3 S, 4 cols; locals 5 row, 6 i, 7 end, 8 rowEnd, 9 address
const maskRows = body(
  [[5, I32]],
  [
    ...i32c(0), ...set(5),
    ...get(3), ...get(3), MUL, ...set(7),
    ...whileDo([...get(5), ...get(7), LT_U], [
      ...get(5), ...set(6),
      ...get(5), ...get(4), ADD, ...set(8),
      ...whileDo([...get(6), ...get(8), LT_U], [
        // value, 0, mask byte: select keeps the value where the byte is not 0
        ...get(0), ...get(6), ...i32c(3), SHL, ADD, ...tee(9), ...get(9), ...f64loadAt(0), ...f64c(0), ...get(2), ...get(6), ADD, ...i32loadByte, SELECT, ...f64storeAt(0),
        ...get(1), ...get(6), ...i32c(3), SHL, ADD, ...tee(9), ...get(9), ...f64loadAt(0), ...f64c(0), ...get(2), ...get(6), ADD, ...i32loadByte, SELECT, ...f64storeAt(0),
        ...get(6), ...i32c(1), ADD, ...set(6),
      ]),
      ...get(5), ...get(3), ADD, ...set(5),
    ]),
  ],
);

// mulRows(re, im, hRe, hIm, S, cols): (re + i im) *= (hRe + i hIm) in place, for the first cols
// values of each of the S rows: a, b = re, im; re = a hr - b hi; im = a hi + b hr
// params 0 re, 1 im, 2 hRe, 3 hIm, 4 S, 5 cols; locals 6 row (bytes), 7 end, 8 o, 9 pairEnd, 10 rowEnd, 11 rowBytes;
// 12-15 a, b, hr, hi (v128), 16-19 the same (f64)
const mulStep = (m: Lanes) => {
  const [a, b, hr, hi] = m.vector ? [12, 13, 14, 15] : [16, 17, 18, 19];
  const at = (p: number) => [...get(p), ...get(8), ADD];
  return [
    ...at(0), ...m.load, ...set(a), ...at(1), ...m.load, ...set(b),
    ...at(2), ...m.load, ...set(hr), ...at(3), ...m.load, ...set(hi),
    ...at(0), ...get(a), ...get(hr), ...m.mul, ...get(b), ...get(hi), ...m.mul, ...m.sub, ...m.store,
    ...at(1), ...get(a), ...get(hi), ...m.mul, ...get(b), ...get(hr), ...m.mul, ...m.add, ...m.store,
  ];
};
const mulRows = body(
  [
    [6, I32],
    [4, V128],
    [4, F64],
  ],
  [
    ...get(4), ...i32c(3), SHL, ...set(11),
    ...get(4), ...get(11), MUL, ...set(7),
    ...i32c(0), ...set(6),
    ...whileDo([...get(6), ...get(7), LT_U], [
      ...get(6), ...set(8),
      ...get(6), ...get(5), ...i32c(3), SHL, ADD, ...set(10),
      ...get(6), ...get(5), ...i32c(-2), AND, ...i32c(3), SHL, ADD, ...set(9),
      ...whileDo([...get(8), ...get(9), LT_U], [...mulStep(VEC), ...get(8), ...i32c(16), ADD, ...set(8)]),
      ...get(8), ...get(10), LT_U, ...IF, ...mulStep(ONE), END,
      ...get(6), ...get(11), ADD, ...set(6),
    ]),
  ],
);

// assembled on first use (the page's main thread imports fft.ts without transforming anything)
const moduleBytes = () =>
  assemble(
  [
    [[I32, I32, I32, I32, I32, I32, I32, I32], []],
    [[I32, I32], []],
    [[I32, I32, I32, F64], []],
    [[I32, I32, I32, I32], []],
    [[I32, I32, I32, I32, I32, I32, I32], []],
    [[I32, I32, I32, I32, I32, I32, I32, I32, I32], []],
    [[I32, I32, I32, I32, I32], []],
    [[I32, I32, I32, I32, I32, I32], []],
    [[I32, I32, I32, I32, I32, I32, I32], []],
  ],
  [
    { name: 'forward', type: 0, body: butterflies(false) },
    { name: 'inverse', type: 0, body: butterflies(true) },
    { name: 'transpose', type: 1, body: transpose },
    { name: 'storeScaled', type: 2, body: storeScaled },
    { name: 'unorder', type: 3, body: unorder },
    { name: 'realMerge', type: 4, body: realMerge },
    { name: 'spectrumComplex', type: 5, body: spectrum(true) },
    { name: 'spectrumReal', type: 5, body: spectrum(false) },
    { name: 'maskRows', type: 6, body: maskRows },
    { name: 'mulRows', type: 7, body: mulRows },
    { name: 'dct2Complex', type: 8, body: dct2(true) },
    { name: 'dct2Real', type: 8, body: dct2(false) },
  ],
);

export interface FftKernels {
  memory: WebAssembly.Memory;
  /** fftAxis0Block, forward or inverse, on w columns at re/im (rows stride bytes apart) with radix2Tables(n) at cos/sin/rev */
  forward: (re: number, im: number, n: number, w: number, stride: number, cos: number, sin: number, rev: number) => void;
  inverse: (re: number, im: number, n: number, w: number, stride: number, cos: number, sin: number, rev: number) => void;
  /** transposeSquare of the S x S array at a */
  transpose: (a: number, S: number) => void;
  /** bytes at dst = the n doubles at src times k, as a Uint8ClampedArray stores them */
  storeScaled: (dst: number, src: number, n: number, k: number) => void;
  /** bytes at dst = the S x S doubles at src (Makhoul's order, S a multiple of 4) back in order, as a Uint8ClampedArray stores them */
  unorder: (dst: number, src: number, inOrder: number, S: number) => void;
  /** ifft2tReal's merge of the half spectrum's columns into the N-point rows (zr, zi) */
  realMerge: (re: number, im: number, zr: number, zi: number, S: number, cos: number, sin: number) => void;
  /** spectrumFromDct2 of a complex (xRe + i xIm) or real (xRe) DCT, n x n, with twiddles(n) at cos/sin and g at g */
  spectrumComplex: (xRe: number, xIm: number, vRe: number, vIm: number, n: number, g: number, cos: number, sin: number, cols: number) => void;
  spectrumReal: (xRe: number, xIm: number, vRe: number, vIm: number, n: number, g: number, cos: number, sin: number, cols: number) => void;
  /** re/im = 0 where the mask byte is 0, first cols values of each of S rows (byte offsets of the mask: the value index) */
  maskRows: (re: number, im: number, mask: number, S: number, cols: number) => void;
  /** dct2FromSpectrum of the n x n spectrum at vRe/vIm into xRe (and xIm), with twiddles(n) at cos/sin */
  dct2Complex: (vRe: number, vIm: number, xRe: number, xIm: number, n: number, cos: number, sin: number) => void;
  dct2Real: (vRe: number, vIm: number, xRe: number, xIm: number, n: number, cos: number, sin: number) => void;
  /** (re + i im) *= (hRe + i hIm), first cols values of each of S rows */
  mulRows: (re: number, im: number, hRe: number, hIm: number, S: number, cols: number) => void;
}

let compiled: WebAssembly.Module | null | undefined;
let instance: FftKernels | null | undefined;

/** This thread's instance (compiled once, with its own memory), or null without WebAssembly SIMD. */
export function fftKernels(): FftKernels | null {
  if (instance !== undefined) return instance;
  if (compiled === undefined) compiled = compileWasm(moduleBytes());
  if (!compiled) return (instance = null);
  const memory = new WebAssembly.Memory({ initial: 1 });
  const ex = new WebAssembly.Instance(compiled, { m: { mem: memory } }).exports as unknown as Omit<FftKernels, 'memory'>;
  return (instance = { memory, ...ex });
}
