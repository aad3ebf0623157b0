// The threaded wasm build in Node: it starts with the requested threads (TF.js alone would run
// one here), and its AlexNet taps match PyTorch as the single-threaded build's do (taps.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, expect, it } from 'vitest';
import { generateAlexNetWeights } from '../../src/engine/backbone_weights.ts';
import { TAPS, alexnetFeaturesChannelMajor, uploadAlexNet } from '../../src/engine/alexnet.ts';
import { selectBackend } from '../../src/engine/backend.ts';
import { preprocess } from '../../src/engine/preprocess.ts';
import { enableWasmThreads } from '../../src/engine/wasm_threads_node.ts';
import { loadNpy, maxErr, tapValues } from '../helpers.ts';

afterAll(() => tf.removeBackend('wasm'));

it('runs on 2 threads and its taps match PyTorch within 1e-4 x max|ref|', async () => {
  enableWasmThreads();
  const choice = await selectBackend('wasm', { wasmThreads: 2 });
  expect(choice.note).toMatch(/^wasm, 2 threads/);
  expect(getThreadsCount()).toBe(2);

  const input = loadNpy('test/golden/taps/input.npy').data as Uint8Array;
  const ref = loadNpy('test/golden/taps/taps.npy').data as Float32Array;
  const net = uploadAlexNet(generateAlexNetWeights());
  const f = alexnetFeaturesChannelMajor(net, tf.tensor4d(preprocess({ data: input, shape: [2, 3, 300, 300] }), [2, 224, 224, 3]));
  const got = (await f.data()) as Float32Array;
  f.dispose();
  net.dispose();
  for (const tap of TAPS) {
    const m = maxErr(tapValues(got, tap, 2), tapValues(ref, tap, 2));
    expect(m.ref, tap.node).toBeGreaterThan(0);
    expect(m.err, tap.node).toBeLessThanOrEqual(1e-4 * m.ref);
  }
});
