import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { cropForDevice, normalisationTable, normaliseOnDevice, preprocess, resizeAndCrop } from '../../src/engine/preprocess.ts';
import { StimulusError } from '../../src/core/errors.ts';
import { loadNpy, maxErr } from '../helpers.ts';

const SIZES = [64, 150, 224, 256, 300, 333, 517, 1024];

describe('torchvision-exact preprocessing', () => {
  for (const size of SIZES) {
    it(`resize(256, antialias) + uint8 rounding + crop equals torchvision bit for bit at ${size}x${size}`, () => {
      const input = loadNpy(`test/golden/preprocess/input_${size}.npy`);
      const ref = loadNpy(`test/golden/preprocess/resized_${size}.npy`);
      const got = resizeAndCrop(input.data as Uint8Array, size);
      let mismatches = 0;
      for (let i = 0; i < got.length; i++) if (got[i] !== (ref.data as Uint8Array)[i]) mismatches++;
      expect(mismatches).toBe(0);
    });
  }

  for (const size of [64, 150, 224, 517, 1024]) {
    it(`normalised tensor within 1e-6 of torchvision at ${size}x${size}`, () => {
      const input = loadNpy(`test/golden/preprocess/input_${size}.npy`);
      const ref = loadNpy(`test/golden/preprocess/normalized_${size}.npy`).data as Float32Array;
      const nhwc = preprocess({ data: input.data as Uint8Array, shape: [1, 3, size, size] });
      const nchw = new Float32Array(ref.length);
      const hw = 224 * 224;
      for (let p = 0; p < hw; p++) for (let c = 0; c < 3; c++) nchw[c * hw + p] = nhwc[p * 3 + c];
      expect(maxErr(nchw, ref).err).toBeLessThanOrEqual(1e-6);
    });
  }

  it('writes into a given array exactly what it returns fresh (an array reused across images)', () => {
    for (const size of [256, 333]) {
      const input = loadNpy(`test/golden/preprocess/input_${size}.npy`).data as Uint8Array;
      const into = new Uint8Array(3 * 224 * 224).fill(7);
      const got = resizeAndCrop(input, size, 0, into);
      expect(got).toBe(into);
      expect(Buffer.from(got).equals(Buffer.from(resizeAndCrop(input, size)))).toBe(true);
    }
  });

  it('the two tap images match their resized goldens', () => {
    const input = loadNpy('test/golden/taps/input.npy').data as Uint8Array;
    const ref = loadNpy('test/golden/taps/resized.npy').data as Uint8Array;
    const n = 3 * 224 * 224;
    for (let b = 0; b < 2; b++) {
      expect(Buffer.compare(Buffer.from(resizeAndCrop(input, 300, b * 3 * 300 * 300)), Buffer.from(ref.subarray(b * n, (b + 1) * n)))).toBe(0);
    }
  });

  it('handles images above 2000 px', () => {
    const size = 2100;
    const data = new Uint8Array(3 * size * size).map((_, i) => (i * 7919) % 251);
    const out = preprocess({ data, shape: [1, 3, size, size] });
    expect(out.length).toBe(224 * 224 * 3);
    expect(out.every(Number.isFinite)).toBe(true);
  });

  it('rejects bad stimuli with StimulusError and a message saying what to fix', () => {
    const ok = new Uint8Array(3 * 8 * 8);
    const cases: Array<[unknown, RegExp]> = [
      [{ data: ok, shape: [3, 8, 8] }, /4 dimensions/],
      [{ data: new Float32Array(3 * 64), shape: [1, 3, 8, 8] }, /uint8/],
      [{ data: ok, shape: [1, 3, 8, 4] }, /square/],
      [{ data: new Uint8Array(0), shape: [0, 3, 8, 8] }, /empty/],
      [{ data: ok, shape: [1, 1, 8, 24] }, /3 channels/],
      [{ data: ok, shape: [2, 3, 8, 8] }, /needs 384/],
    ];
    for (const [images, msg] of cases) {
      expect(() => preprocess(images as never)).toThrow(StimulusError);
      expect(() => preprocess(images as never)).toThrow(msg);
    }
  });
});

describe('normalisation on a GPU backend (crop on the CPU, table lookup on the device)', () => {
  it('gives exactly the values of preprocess(), at 256 px and with a resize', async () => {
    await tf.setBackend('cpu');
    for (const size of [256, 300]) {
      const data = Uint8Array.from({ length: 2 * 3 * size * size }, (_, i) => (i * 2654435761) >>> 24);
      const batch = { data, shape: [2, 3, size, size] as [number, number, number, number] };
      const want = preprocess(batch);
      const got = tf.tidy(() => normaliseOnDevice(tf.tensor4d(cropForDevice(batch), [2, 3, 224, 224]), tf.tensor1d(normalisationTable())).dataSync());
      expect(got.length).toBe(want.length);
      let same = true;
      for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) same = false;
      expect(same).toBe(true);
    }
  });
});
