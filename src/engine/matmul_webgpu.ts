// Products of a few rows of activations with a tall weight matrix, on WebGPU: x [M, K] @ W [K, N]
// with M = the batch (1-128) and K up to 64,896 (the PCA projections, fc6-fc8).
// TF.js's matMul gives such products more parallel work by splitting K into chunks of 128 and
// adding every chunk's result into the output with atomic compare-exchange loops: on an H200 the
// batch-1 projection of 64,896 features then reads its 260 MB of weights at ~0.3 TB/s. Here each
// workgroup sums one chunk of K for up to 16 rows and 256 columns into its own slot of a
// partial-sum buffer (no atomics), and one more pass adds the slots up, with the bias and ReLU.
// Several products can share the buffer, so the PCA's eight taps are summed in that same pass.
// W may be float16, two values to an int32 word (packFloat16Matrix): half the memory and half the
// bytes read, decoded in the shader (unpack2x16float is exact, so the products see the same
// values as float32 copies of the float16 weights would give).

import * as tf from '@tensorflow/tfjs-core';
import { webgpuBackend, webgpuProgram } from './webgpu_backend.ts';

/** Set to false to use TF.js's own matMul on WebGPU (for comparisons). */
export const WEBGPU_SPLIT_K_FLAG = 'INSILICO_WEBGPU_SPLIT_K';
tf.env().registerFlag(WEBGPU_SPLIT_K_FLAG, () => true);
/** Workgroups aimed at per product (tuning; see TARGET_WORKGROUPS). */
tf.env().registerFlag('INSILICO_WEBGPU_SPLIT_K_WORKGROUPS', () => 512);
/** Most rows per workgroup (1, 2, 4, 8 or 16; tuning). */
tf.env().registerFlag('INSILICO_WEBGPU_SPLIT_K_ROWS', () => 16);

const COLS_PER_THREAD = 4; // one vec4 of W per row of K
const THREADS = 64; // a workgroup covers THREADS * 4 = 256 columns
const K_TILE = 32; // values of K staged in workgroup memory per step

/** Whether splitKMatMul can take x [M, K] @ w [K, N] on the active backend. */
export function splitKApplies(k: number, n: number): boolean {
  return tf.getBackend() === 'webgpu' && tf.env().getBool(WEBGPU_SPLIT_K_FLAG) && k % 4 === 0 && n % 4 === 0;
}

/** Columns of W: an int32 W holds two float16 values per element (packFloat16Matrix). */
export function matrixColumns(w: tf.Tensor2D): number {
  return w.dtype === 'int32' ? w.shape[1] * 2 : w.shape[1];
}

/**
 * A [K, N] matrix of float16 bits (row-major, N even) as the int32 [K, N / 2] tensor splitKMatMul
 * reads: each word holds columns 2j (low half) and 2j + 1 (high half).
 */
export function packFloat16Matrix(bits: Uint16Array, k: number, n: number): tf.Tensor2D {
  if (n % 2 !== 0 || bits.length !== k * n) throw new Error(`packFloat16Matrix: ${bits.length} values are not a [${k}, ${n}] matrix with N even`);
  const words = new Int32Array(bits.buffer, bits.byteOffset, bits.length / 2);
  return tf.tensor2d(words, [k, n / 2], 'int32');
}

/** Rows per workgroup: every row costs a vec4 accumulator per thread; each group of rows reads W once. */
function rowsPerWorkgroup(m: number): number {
  const most = tf.env().getNumber('INSILICO_WEBGPU_SPLIT_K_ROWS');
  let rows = 1;
  while (rows < m && rows * 2 <= most) rows *= 2;
  return rows;
}

export interface Plan {
  rows: number; // rows per workgroup
  kChunk: number; // K per workgroup, a multiple of K_TILE
  slots: number; // chunks of K
}

/** How x [M, K] @ w [K, N] is cut up: rows per workgroup and the chunks of K (exported for tests). */
export function plan(m: number, k: number, n: number): Plan {
  const rows = rowsPerWorkgroup(m);
  const tiles = Math.ceil(n / (THREADS * COLS_PER_THREAD)) * Math.ceil(m / rows);
  // about this many workgroups per product, so that a large GPU is busy even at batch 1
  const wanted = Math.max(1, Math.ceil(tf.env().getNumber('INSILICO_WEBGPU_SPLIT_K_WORKGROUPS') / tiles));
  const kChunk = Math.max(K_TILE, Math.ceil(k / wanted / K_TILE) * K_TILE);
  return { rows, kChunk, slots: Math.ceil(k / kChunk) };
}

/** Partial sums of x [M, K] @ w over one chunk of K per workgroup, into slots slotOffset.. of [slots, M, N]. */
function partialProgram(m: number, k: number, n: number, p: Plan, slots: number, slotOffset: number, float16: boolean) {
  const R = p.rows;
  const unrolled = (f: (r: number) => string) => Array.from({ length: R }, (_, r) => f(r)).join('\n');
  const fields = {
      variableNames: ['x', 'w'],
      variableComponents: [4, float16 ? 2 : 4],
      outputComponent: 4,
      outputShape: [slots, m, n], // the whole partial-sum buffer, shared by the products
      shaderKey: `insilicoSplitKPartial_${R}_${float16}`,
      dispatchLayout: { x: [2], y: [1], z: [0] },
      dispatch: [Math.ceil(n / (THREADS * COLS_PER_THREAD)), Math.ceil(m / R), p.slots] as [number, number, number],
      workgroupSize: [THREADS, 1, 1] as [number, number, number],
      uniforms: 'M : i32, K4 : i32, N4 : i32, kChunk : i32, slotOffset : i32,',
      getUserCode: () => `
      // four columns of W in row kRow
      fn wAt(kRow : i32, col : i32) -> vec4<f32> {
        ${float16 ? 'let v = bitcast<vec2<u32>>(w[kRow * uniforms.N4 + col]); return vec4<f32>(unpack2x16float(v.x), unpack2x16float(v.y));' : 'return w[kRow * uniforms.N4 + col];'}
      }
      var<workgroup> xTile : array<vec4<f32>, ${R * (K_TILE / 4)}>;
      fn main() {
        let col = i32(workgroupId.x) * ${THREADS} + i32(localId.x); // vec4 column of W
        let row0 = i32(workgroupId.y) * ${R};
        let slot = i32(workgroupId.z);
        let k4Start = slot * (uniforms.kChunk / 4);
        let k4End = min(k4Start + uniforms.kChunk / 4, uniforms.K4);
        ${unrolled((r) => `var acc${r} = vec4<f32>(0.0);`)}
        for (var t = 0; t < uniforms.kChunk / ${K_TILE}; t = t + 1) {
          let k4Tile = k4Start + t * ${K_TILE / 4};
          // stage x[row0 .. row0 + ${R}, this K tile] (zeros past M or K)
          for (var i = i32(localIndex); i < ${R * (K_TILE / 4)}; i = i + ${THREADS}) {
            let row = row0 + i / ${K_TILE / 4};
            let k4 = k4Tile + i % ${K_TILE / 4};
            var v = vec4<f32>(0.0);
            if (row < uniforms.M && k4 < k4End) { v = x[row * uniforms.K4 + k4]; }
            xTile[i] = v;
          }
          workgroupBarrier();
          if (col < uniforms.N4) {
            let n4 = min(${K_TILE / 4}, k4End - k4Tile);
            for (var j = 0; j < n4; j = j + 1) {
              let kRow = (k4Tile + j) * 4;
              let w0 = wAt(kRow, col);
              let w1 = wAt(kRow + 1, col);
              let w2 = wAt(kRow + 2, col);
              let w3 = wAt(kRow + 3, col);
              ${unrolled((r) => `{ let a = xTile[${r * (K_TILE / 4)} + j]; acc${r} = acc${r} + a.x * w0 + a.y * w1 + a.z * w2 + a.w * w3; }`)}
            }
          }
          workgroupBarrier();
        }
        if (col < uniforms.N4) {
          let base = (uniforms.slotOffset + slot) * uniforms.M;
          ${unrolled((r) => `if (row0 + ${r} < uniforms.M) { result[(base + row0 + ${r}) * uniforms.N4 + col] = acc${r}; }`)}
        }
      }`,
  };
  return {
    program: webgpuProgram('SplitKPartialProgram', fields),
    uniforms: [
      { type: 'int32' as const, data: [m] },
      { type: 'int32' as const, data: [k / 4] },
      { type: 'int32' as const, data: [n / 4] },
      { type: 'int32' as const, data: [p.kChunk] },
      { type: 'int32' as const, data: [slotOffset] },
    ],
  };
}

/**
 * out[m, n] = act(bias[n] + sum over slots of partial[slot, m, n]). A workgroup takes 16 outputs,
 * its 16 lanes a 16th of the slots each: at batch 1 there are ~1,000 outputs and ~1,000 slots.
 */
function sumSlotsProgram(m: number, n: number, hasBias: boolean, relu: boolean): object {
  return webgpuProgram('SumSlotsProgram', {
    variableNames: hasBias ? ['partial', 'bias'] : ['partial'],
    outputShape: [m, n],
    shaderKey: `insilicoSumSlots_${hasBias}_${relu}`,
    dispatchLayout: { x: [1], y: [0] },
    dispatch: [Math.ceil((m * n) / 16), 1, 1] as [number, number, number],
    workgroupSize: [16, 16, 1] as [number, number, number],
    size: true,
    uniforms: 'slots : i32,',
    getUserCode: () => `
      var<workgroup> lanes : array<f32, 256>;
      fn main() {
        let o = i32(workgroupId.x) * 16 + i32(localId.x);
        let lane = i32(localId.y);
        var v = 0.0;
        if (o < uniforms.size) {
          for (var s = lane; s < uniforms.slots; s = s + 16) { v = v + partial[s * uniforms.size + o]; }
        }
        lanes[lane * 16 + i32(localId.x)] = v;
        workgroupBarrier();
        if (lane == 0 && o < uniforms.size) {
          var total = ${hasBias ? 'bias[o % uniforms.outShape[1]]' : '0.0'};
          for (var l = 0; l < 16; l = l + 1) { total = total + lanes[l * 16 + i32(localId.x)]; }
          setOutputAtIndex(o, ${relu ? 'max(total, 0.0)' : 'total'});
        }
      }`,
  });
}

/**
 * sum_i x_i @ w_i (+ bias) (ReLU if asked), for x_i [M, K_i] and w_i [K_i, N] on the WebGPU
 * backend (every K_i and N a multiple of 4: see splitKApplies); w_i float32, or float16 packed by
 * packFloat16Matrix. Call inside tf.tidy.
 */
export function splitKMatMul(products: Array<[tf.Tensor2D, tf.Tensor2D]>, bias: tf.Tensor1D | null = null, relu = false): tf.Tensor2D {
  const backend = webgpuBackend();
  const m = products[0][0].shape[0];
  const n = matrixColumns(products[0][1]);
  const plans = products.map(([x, w]) => {
    const k = x.shape[1];
    if (x.shape[0] !== m || w.shape[0] !== k || matrixColumns(w) !== n || !splitKApplies(k, n)) {
      throw new Error(`splitKMatMul: cannot take [${x.shape}] @ [${w.shape}] with M = ${m}, N = ${n}`);
    }
    return plan(m, k, n);
  });
  const slots = plans.reduce((a, p) => a + p.slots, 0);
  const partial = backend.makeTensorInfo([slots, m, n], 'float32');
  let slotOffset = 0;
  products.forEach(([x, w], i) => {
    const { program, uniforms } = partialProgram(m, x.shape[1], n, plans[i], slots, slotOffset, w.dtype === 'int32');
    backend.runWebGPUProgram(program, [x, w], 'float32', uniforms, partial);
    slotOffset += plans[i].slots;
  });
  const partialTensor = tf.engine().makeTensorFromTensorInfo(partial);
  const sum = sumSlotsProgram(m, n, bias !== null, relu);
  const out = backend.runWebGPUProgram(sum, bias ? [partial, bias] : [partial], 'float32', [{ type: 'int32', data: [slots] }]);
  partialTensor.dispose();
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor2D;
}
