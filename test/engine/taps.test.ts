import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAlexNetWeights } from '../../src/engine/backbone_weights.ts';
import { TAPS, alexnetFeaturesChannelMajor, uploadAlexNet, type AlexNet } from '../../src/engine/alexnet.ts';
import { selectBackend } from '../../src/engine/backend.ts';
import { preprocess } from '../../src/engine/preprocess.ts';
import { loadJson, loadNpy, maxErr, tapValues } from '../helpers.ts';

const weights = generateAlexNetWeights();
const input = loadNpy('test/golden/taps/input.npy').data as Uint8Array;
const ref = loadNpy('test/golden/taps/taps.npy').data as Float32Array;
const x = preprocess({ data: input, shape: [2, 3, 300, 300] });

// wasm and cpu put the weights on the left of their products; 'right' is the GPU backends' layout.
for (const [backend, side] of [['wasm', 'left'], ['cpu', 'left'], ['wasm', 'right']] as const) {
  describe(`AlexNet taps on ${backend}, weights on the ${side}`, () => {
    let net: AlexNet;
    let got: Float32Array;
    beforeAll(async () => {
      await selectBackend(backend);
      net = uploadAlexNet(weights, side);
      const before = tf.memory().numTensors;
      const f = alexnetFeaturesChannelMajor(net, tf.tensor4d(x, [2, 224, 224, 3]));
      got = (await f.data()) as Float32Array;
      f.dispose();
      // the input tensor above is the only one left behind by this call
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 1);
    });
    afterAll(() => net.dispose());

    it('tap layout equals torchvision nodes', () => {
      const layout = loadJson<{ taps: Array<{ node: string; shape: number[]; offset: number }> }>('test/golden/taps/layout.json');
      expect(TAPS.map((t) => [t.node, t.shape, t.offset])).toEqual(layout.taps.map((t) => [t.node, t.shape, t.offset]));
    });

    for (const tap of TAPS) {
      it(`${tap.node} within 1e-4 x max|ref| of PyTorch`, () => {
        const m = maxErr(tapValues(got, tap, 2), tapValues(ref, tap, 2));
        expect(m.ref).toBeGreaterThan(0);
        expect(m.err).toBeLessThanOrEqual(1e-4 * m.ref);
      });
    }
  });
}
