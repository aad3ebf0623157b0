// The responses worker's store: group means kept as running sums (a group that grows adds only
// its new images, one that changes starts over), one line per image, repetition means,
// dissimilarities, each equal to the same quantity computed on the stacked [B, 4, 63, 140] array.
import { describe, expect, it } from 'vitest';
import { BLOCK, ResponseStore } from '../../src/app/response_store.ts';
import { dissimilarity, meanChannelsByTime, meanDissimilarityOverTime, patternsAt, repSeries, stack } from '../../src/viz/stats.ts';

const dims = (B: number) => ({ B, R: 4, C: 63, T: 140 });
const block = (seed: number) => Float32Array.from({ length: BLOCK }, (_, i) => Math.sin(seed * 1.7 + i * 0.013) * (1 + seed));
const close = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  expect(m).toBeLessThan(1e-5);
};

describe('response store', () => {
  it('group means follow their images: grown groups add the new ones, changed groups start over', () => {
    const st = new ResponseStore();
    const blocks = [0, 1, 2, 3, 4].map(block);
    blocks.forEach((b, i) => st.put('t', `i${i}|crop`, b));
    const keys = (idx: number[]) => idx.map((i) => `i${i}|crop`);
    const want = (idx: number[]) => meanChannelsByTime(stack(idx.map((i) => blocks[i]), BLOCK), dims(idx.length), idx.map((_, k) => k));
    const ct = (m: Float32Array) => meanChannelsByTime(m, dims(1), [0]);
    const [a] = st.groupMeans('t', [{ id: 'all', keys: keys([0, 1]) }]);
    expect(a.n).toBe(2);
    close(ct(a.mean), want([0, 1]));
    const [b] = st.groupMeans('t', [{ id: 'all', keys: keys([0, 1, 2, 3]) }]);
    close(ct(b.mean), want([0, 1, 2, 3]));
    // a different order or membership is not an extension
    const [c] = st.groupMeans('t', [{ id: 'all', keys: keys([4, 1]) }]);
    close(ct(c.mean), want([4, 1]));
    // a replaced response is not kept in a running sum
    st.put('t', 'i1|crop', block(9));
    blocks[1] = block(9);
    const [d] = st.groupMeans('t', [{ id: 'all', keys: keys([4, 1]) }]);
    close(ct(d.mean), want([4, 1]));
    // the mean keeps repetitions: per-repetition series equal the stacked array's
    close(repSeries(d.mean, dims(1), [0], [3, 7]), repSeries(stack([blocks[4], blocks[1]], BLOCK), dims(2), [0, 1], [3, 7]));
    const [e] = st.groupMeans('t', [{ id: 'none', keys: [] }]);
    expect(e.n).toBe(0);
    expect(Number.isNaN(e.mean[0])).toBe(true);
  });

  it('answers per image lines, repetition means and dissimilarities like the stacked array', () => {
    const st = new ResponseStore();
    const blocks = [3, 5, 7, 11].map(block);
    const keys = blocks.map((b, i) => {
      st.put('t', `k${i}|crop`, b);
      return `k${i}|crop`;
    });
    const all = stack(blocks, BLOCK);
    const ch = Int32Array.from([0, 5, 20, 40]);
    const each = st.eachSeries('t', keys, ch);
    blocks.forEach((_, i) => close(each.subarray(i * 4 * 140, (i + 1) * 4 * 140), repSeries(all, dims(4), [i], ch)));
    const rm = st.repetitionMeans('t', keys);
    close(rm.subarray(63 * 140, 2 * 63 * 140), meanChannelsByTime(all, dims(4), [1]));
    const order = keys.slice().reverse();
    close(st.dissimilarityAt('t', order, ch, 60), dissimilarity(patternsAt(all, dims(4), [3, 2, 1, 0], ch, 60), 4, ch.length));
    close(st.dissimilarityCourse('t', keys, ch), meanDissimilarityOverTime(all, dims(4), [0, 1, 2, 3], ch));
    close(st.gather('t', [keys[2]]), blocks[2]);
  });

  it('forgets a removed image in every mode and tag, and says which image is missing', () => {
    const st = new ResponseStore();
    st.put('t', 'a|crop', block(1));
    st.put('t', 'a|pad-black', block(2));
    st.put('u', 'a|crop', block(3));
    st.put('t', 'b|crop', block(4));
    st.groupMeans('t', [{ id: 'all', keys: ['a|crop', 'b|crop'] }]);
    st.dropImage('a');
    expect(st.has('t', 'a|crop') || st.has('t', 'a|pad-black') || st.has('u', 'a|crop')).toBe(false);
    expect(st.has('t', 'b|crop')).toBe(true);
    expect(() => st.groupMeans('t', [{ id: 'all', keys: ['a|crop', 'b|crop'] }])).toThrow(/no response for a/);
    expect(() => st.put('t', 'c|crop', new Float32Array(3))).toThrow(/3 values/);
  });
});
