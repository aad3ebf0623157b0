// The repetition means the responses store shares with the page: the page reads an image's means
// only from the slot the store gave it, never another image's that the slot holds by then, and
// the store's means are the ones the group mean of that one image gives.
import { describe, expect, it } from 'vitest';
import { RepMeanCache, RepMeanReader, type RepMeanSlots } from '../../src/app/rep_means.ts';
import { BLOCK, ResponseStore } from '../../src/app/response_store.ts';
import { meanChannelsByTime } from '../../src/viz/stats.ts';

const CT = 63 * 140;
const means = (seed: number) => Float32Array.from({ length: CT }, (_, i) => Math.sin(seed * 0.7 + i * 0.013) * (1 + seed));
const tick = () => new Promise<void>((r) => setTimeout(r, 0));

function shared(capacity: number) {
  const told: RepMeanSlots[] = [];
  const cache = new RepMeanCache(capacity, (c) => told.push(c));
  const reader = new RepMeanReader();
  const deliver = () => {
    for (const c of told.splice(0)) reader.apply(c);
  };
  return { cache, reader, told, deliver };
}

describe('shared repetition means', () => {
  it('the page reads what the store keeps, in shared memory, one message per task', async () => {
    const { cache, reader, told, deliver } = shared(8);
    for (let i = 0; i < 5; i++) cache.set(`i${i}`, means(i));
    expect(reader.read('i0')).toBeNull(); // not told yet
    await tick();
    expect(told).toHaveLength(1);
    expect(told[0].header).toBeInstanceOf(SharedArrayBuffer);
    expect(told[0].slots.map(([k]) => k)).toEqual([0, 1, 2, 3, 4]);
    expect(told[0].slots[0][1]).toBeInstanceOf(SharedArrayBuffer);
    deliver();
    for (let i = 0; i < 5; i++) expect(reader.read(`i${i}`)).toEqual(means(i));
    expect(reader.read('i9')).toBeNull();
  });

  it('a slot given to another image is not read as the old one, told or not', async () => {
    const { cache, reader, deliver } = shared(2);
    cache.set('a', means(1));
    cache.set('b', means(2));
    await tick();
    deliver();
    cache.get('a'); // b is now the least recently used
    cache.set('c', means(3)); // takes b's slot
    expect(reader.read('b')).toBeNull(); // the page still thinks b is there
    await tick();
    deliver();
    expect(reader.read('b')).toBeNull();
    expect(reader.read('c')).toEqual(means(3));
    expect(reader.read('a')).toEqual(means(1));
    cache.delete('a');
    expect(reader.read('a')).toBeNull();
    // replaced means: the page reads the new ones once told
    cache.set('c', means(30));
    expect(reader.read('c')).toBeNull();
    await tick();
    deliver();
    expect(reader.read('c')).toEqual(means(30));
    cache.clear();
    expect(reader.read('c')).toBeNull();
  });

  it('a slot being written is not read; a slot is made only when none is free', async () => {
    const { cache, reader, told, deliver } = shared(3);
    for (let i = 0; i < 5; i++) cache.set(`i${i}`, means(i));
    await tick();
    expect(told[0].slots).toHaveLength(3); // i3 and i4 took the slots of i0 and i1
    const header = new Int32Array(told[0].header!);
    deliver();
    expect(reader.read('i4')).toEqual(means(4));
    expect(reader.read('i0')).toBeNull();
    // the writer half-way through i4's slot (slot 1): its sequence number is odd
    Atomics.add(header, 1, 1);
    expect(reader.read('i4')).toBeNull();
    Atomics.add(header, 1, 1);
    expect(reader.read('i4')).toEqual(means(4));
  });

  it('without sharing nothing is told, and a capacity of 0 keeps nothing', async () => {
    const plain = new RepMeanCache(4);
    expect(plain.set('a', means(1))).toEqual(means(1));
    expect(plain.get('a')).toEqual(means(1));
    const none = new RepMeanCache(0, () => {
      throw new Error('told');
    });
    none.set('a', means(1));
    await tick();
    expect(none.get('a')).toBeUndefined();
  });

  it("the store's kept means are the bits of its one-image group mean, over the repetitions", async () => {
    const told: RepMeanSlots[] = [];
    const st = new ResponseStore(null, 4, null, 16, (c) => told.push(c));
    const row = Float32Array.from({ length: BLOCK }, (_, i) => Math.cos(i * 0.0031) * 3 + Math.sin(i * 0.7) * 1e-3);
    st.put('t', 'x|crop', row.slice());
    const [g] = await st.groupMeans('t', [{ id: 'img:x', keys: ['x|crop'] }]);
    const want = meanChannelsByTime(g.mean, { B: 1, R: 4, C: 63, T: 140 }, [0]);
    expect(st.keptRepMean('t', 'x|crop')).toEqual(want);
    const reader = new RepMeanReader();
    for (const c of told) reader.apply(c);
    expect(reader.read('t\nx|crop')).toEqual(want);
    st.dropImage('x');
    expect(st.keptRepMean('t', 'x|crop')).toBeNull();
    await tick();
    for (const c of told.splice(0)) reader.apply(c);
    expect(reader.read('t\nx|crop')).toBeNull();
  });
});
