// How the WebGPU split-K products cut up their work (the shader itself is checked against TF.js's
// matMul in e2e/parity.spec.ts, on Chromium's WebGPU).
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { plan, splitKApplies } from '../../src/engine/matmul_webgpu.ts';

describe('split-K plan', () => {
  // the engine's products: PCA taps at K = 250 (N = 4K), fc6-fc8
  const shapes: Array<[number, number]> = [
    [46656, 1000], [32448, 1000], [64896, 1000], [43264, 1000], [9216, 1000], [4096, 1000], [1000, 1000],
    [9216, 4096], [4096, 4096], [4096, 1000], [12, 12],
  ];
  for (const m of [1, 3, 8, 32, 128]) {
    it(`covers K exactly in chunks of whole tiles at batch ${m}`, () => {
      for (const [k, n] of shapes) {
        const p = plan(m, k, n);
        expect(p.kChunk % 32).toBe(0);
        expect(p.slots).toBe(Math.ceil(k / p.kChunk));
        expect((p.slots - 1) * p.kChunk).toBeLessThan(k); // no empty slot
        expect(p.slots * p.kChunk).toBeGreaterThanOrEqual(k);
        // rows per workgroup: a power of two, no more than 16, and no more than M needs
        expect([1, 2, 4, 8, 16]).toContain(p.rows);
        expect(p.rows === 1 || p.rows / 2 < m).toBe(true);
        // about 512 workgroups (the default aim) where K allows it: chunks are rounded up to
        // whole tiles of 32, which can halve the count at most
        const tiles = Math.ceil(n / 256) * Math.ceil(m / p.rows);
        const workgroups = tiles * p.slots;
        if (p.kChunk > 32) expect(workgroups).toBeGreaterThanOrEqual(256);
        expect(workgroups).toBeLessThanOrEqual(Math.max(512 + tiles, tiles * Math.ceil(k / 32)));
      }
    });
  }

  it('follows the tuning flags', () => {
    const before = [tf.env().getNumber('INSILICO_WEBGPU_SPLIT_K_WORKGROUPS'), tf.env().getNumber('INSILICO_WEBGPU_SPLIT_K_ROWS')];
    try {
      tf.env().set('INSILICO_WEBGPU_SPLIT_K_ROWS', 4);
      expect(plan(32, 64896, 1000).rows).toBe(4);
      tf.env().set('INSILICO_WEBGPU_SPLIT_K_WORKGROUPS', 2048);
      const more = plan(1, 64896, 1000).slots;
      tf.env().set('INSILICO_WEBGPU_SPLIT_K_WORKGROUPS', 256);
      expect(plan(1, 64896, 1000).slots).toBeLessThan(more);
    } finally {
      tf.env().set('INSILICO_WEBGPU_SPLIT_K_WORKGROUPS', before[0]);
      tf.env().set('INSILICO_WEBGPU_SPLIT_K_ROWS', before[1]);
    }
  });

  it('applies only on webgpu, to K and N that are multiples of 4', () => {
    // this test runs on the cpu backend
    expect(tf.getBackend()).not.toBe('webgpu');
    expect(splitKApplies(64896, 1000)).toBe(false);
  });
});
