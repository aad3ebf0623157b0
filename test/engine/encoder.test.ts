// float16-stored PCA components, decoded while permuted into place, give the same tensors as
// components decoded first, with the weights on either side.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend.ts';
import { selectionRows, uploadEncoder, type EncoderArrays } from '../../src/engine/encoder.ts';
import { N_CHANNELS, N_FEATURES, N_TIMES } from '../../src/core/types.ts';
import { float16ToFloat32, float32ToFloat16 } from '../../src/io/dtype.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

function arrays(K: number, components: (r: number) => Float32Array | Uint16Array): EncoderArrays {
  const a: EncoderArrays = new Map();
  let seed = 7;
  const rand = (n: number) => Float32Array.from({ length: n }, () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5);
  for (let r = 1; r <= 4; r++) {
    a.set(`pca/rep-${r}/components`, components(r));
    a.set(`pca/rep-${r}/offset`, rand(K));
    a.set(`reg/rep-${r}/coef`, rand(N_CHANNELS * N_TIMES * K));
    a.set(`reg/rep-${r}/intercept`, rand(N_CHANNELS * N_TIMES));
  }
  return a;
}

it('float16 bits decode on the way into the heap exactly as when decoded first', async () => {
  const K = 2;
  const bits = [1, 2, 3, 4].map((r) => float32ToFloat16(Float32Array.from({ length: K * N_FEATURES }, (_, i) => Math.sin(i * 0.37 + r))));
  const rows = selectionRows([0, 5, 62], [0, 70, 139]);
  for (const side of ['left', 'right'] as const) {
    const halves = uploadEncoder(arrays(K, (r) => bits[r - 1]), K, false, rows, side);
    const decoded = uploadEncoder(arrays(K, (r) => float16ToFloat32(bits[r - 1])), K, false, rows, side);
    expect(halves.components.map((t) => t.shape)).toEqual(decoded.components.map((t) => t.shape));
    for (let i = 0; i < halves.components.length; i++) {
      expect(await halves.components[i].data(), `${side} tap ${i}`).toEqual(await decoded.components[i].data());
    }
    halves.dispose();
    decoded.dispose();
  }
  expect(tf.memory().numTensors).toBe(0);
});
