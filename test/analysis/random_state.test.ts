import { describe, expect, it } from 'vitest';
import golden from '../golden/stats/rng.json';
import { RandomState } from '../../src/analysis/random_state.ts';

describe('RandomState (numpy legacy)', () => {
  it('reproduces numpy 1.24 draws for the same seed, in the same order', () => {
    const rs = new RandomState(golden.seed);
    expect([...rs.permutation(10)]).toEqual(golden.permutation_10);
    expect([...rs.choiceWithoutReplacement(1000, 20)]).toEqual(golden.choice_1000_20);
    const u = rs.uniform(5);
    u.forEach((v, i) => expect(v).toBe(golden.uniform_5[i]));
    expect([...rs.permutation(7)]).toEqual(golden.permutation_7);
  });
  it('refuses seeds numpy refuses', () => {
    expect(() => new RandomState(-1)).toThrow();
    expect(() => new RandomState(2 ** 32)).toThrow();
  });
});
