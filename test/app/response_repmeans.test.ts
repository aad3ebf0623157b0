// Each image's repetition means are kept beside the row cache: the dissimilarity answers and the
// Lab's repetition means read no rows for images whose means are kept, and answer what the rows do.
import { describe, expect, it } from 'vitest';
import { BLOCK, ResponseStore, type RowStorage } from '../../src/app/response_store.ts';
import { SessionStore } from '../../src/app/session_store.ts';
import { dissimilarity, meanChannelsByTime, meanDissimilarityOverTime, patternsAt, stack } from '../../src/viz/stats.ts';
import { FakeFs } from '../io/fake_opfs.ts';

const TAG = 't';
const dims = (B: number) => ({ B, R: 4, C: 63, T: 140 });
const block = (seed: number) => Float32Array.from({ length: BLOCK }, (_, i) => Math.sin(seed * 1.3 + i * 0.021) * (2 + seed) + Math.cos(i * 0.0007 * (seed + 1)));

function counted() {
  const fs = new FakeFs();
  const session = new SessionStore(async () => fs.handle());
  const count = { rows: 0 };
  const s: RowStorage = {
    saveResponse: (t, k, d) => session.saveResponse(t, k, d),
    response: (t, k) => (count.rows++, session.response(t, k)),
    responseKeys: (t) => session.responseKeys(t),
  };
  return { s, count };
}

describe('kept repetition means', () => {
  it('a cursor move reads no rows: the dissimilarities and repetition means equal those of the rows, before and after a reload', async () => {
    const { s, count } = counted();
    const n = 12;
    const blocks = Array.from({ length: n }, (_, i) => block(i));
    const keys = blocks.map((_, i) => `i${i}|crop`);
    // a row cache of 4: most rows are only in storage
    const st = new ResponseStore(s, 4, null);
    await Promise.all(blocks.map((b, i) => st.put(TAG, keys[i], b.slice(), keys[i])));
    const all = stack(blocks, BLOCK);
    const idx = keys.map((_, i) => i);
    const ch = Int32Array.from([0, 4, 9, 20, 33, 62]);
    const order = [5, 1, 0, 11, 2, 3, 4, 6, 7, 8, 9, 10];
    const at = async (store: ResponseStore, t: number) => store.dissimilarityAt(TAG, order.map((i) => keys[i]), ch, t);
    const want = (t: number) => dissimilarity(patternsAt(all, dims(n), order, ch, t), n, ch.length);
    count.rows = 0;
    for (const t of [20, 21, 90]) expect(await at(st, t)).toEqual(want(t));
    expect(await st.dissimilarityCourse(TAG, keys, ch)).toEqual(meanDissimilarityOverTime(all, dims(n), idx, ch));
    const rm = await st.repetitionMeans(TAG, keys);
    expect(rm.subarray(3 * 63 * 140, 4 * 63 * 140)).toEqual(meanChannelsByTime(all, dims(n), [3]));
    expect(count.rows).toBe(0);

    // a reload: the first answer reads each row once, the next cursor moves none
    const back = new ResponseStore(s, 4, null);
    await back.load(TAG, keys.map((k) => ({ key: k, store: k })));
    count.rows = 0;
    expect(await at(back, 40)).toEqual(want(40));
    expect(count.rows).toBe(n);
    expect(await at(back, 41)).toEqual(want(41));
    expect(await back.dissimilarityCourse(TAG, keys, ch)).toEqual(meanDissimilarityOverTime(all, dims(n), idx, ch));
    expect(count.rows).toBe(n);

    // a replaced response: its new means
    const b7 = block(70);
    await back.put(TAG, keys[7], b7.slice(), keys[7]);
    blocks[7] = b7;
    const all2 = stack(blocks, BLOCK);
    expect(await at(back, 41)).toEqual(dissimilarity(patternsAt(all2, dims(n), order, ch, 41), n, ch.length));
    // a removed image is not answered from kept means
    back.dropImage('i2');
    await expect(at(back, 41)).rejects.toThrow(/no response for i2/);
  });

  it('keeps at most its bound of images, and answers the same past it', async () => {
    const { s, count } = counted();
    const n = 9;
    const blocks = Array.from({ length: n }, (_, i) => block(i + 20));
    const keys = blocks.map((_, i) => `i${i}|crop`);
    const st = new ResponseStore(s, 2, null, 3);
    await Promise.all(blocks.map((b, i) => st.put(TAG, keys[i], b.slice(), keys[i])));
    const all = stack(blocks, BLOCK);
    const ch = [1, 2, 3, 40];
    count.rows = 0;
    expect(await st.dissimilarityAt(TAG, keys, ch, 70)).toEqual(dissimilarity(patternsAt(all, dims(n), keys.map((_, i) => i), ch, 70), n, ch.length));
    expect(count.rows).toBe(n - 3); // the means of the last 3 put are kept
    expect(await st.repetitionMeans(TAG, keys.slice(0, 2))).toEqual(new Float32Array([...meanChannelsByTime(all, dims(n), [0]), ...meanChannelsByTime(all, dims(n), [1])]));
  });
});
