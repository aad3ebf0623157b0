import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ALEXNET_PARAMS, generateAlexNetWeights } from '../../src/engine/backbone_weights.ts';
import { MT19937 } from '../../src/engine/mt19937.ts';
import { loadJson } from '../helpers.ts';

interface Golden {
  name: string;
  shape: number[];
  sha256: string;
  first: number[];
}

describe('seeded untrained AlexNet', () => {
  it('MT19937 matches the reference generator (init_genrand(5489) first outputs)', () => {
    const rng = new MT19937(5489);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([3499211612, 581869302, 3890346734]);
  });

  it('regenerates every parameter bit for bit (sha256 of float32 bytes in PyTorch layout)', () => {
    const golden = loadJson<Golden[]>('test/golden/weights_sha256.json');
    const weights = generateAlexNetWeights();
    expect(golden.map((g) => g.name)).toEqual(ALEXNET_PARAMS.map((p) => p.name));
    let total = 0;
    for (const g of golden) {
      const w = weights.get(g.name)!;
      expect(w.length).toBe(g.shape.reduce((a, b) => a * b, 1));
      expect(Array.from(w.subarray(0, 4))).toEqual(g.first.map(Math.fround));
      const sha = createHash('sha256').update(new Uint8Array(w.buffer, w.byteOffset, w.byteLength)).digest('hex');
      expect(sha, g.name).toBe(g.sha256);
      total += w.length;
    }
    expect(total).toBe(61_100_840);
  });
});
