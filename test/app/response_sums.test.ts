// Stored group sums: a reloaded store takes its group means from the sums written beside the rows,
// reading no row, and answers bit for bit what a store that reads every row answers; a stored sum
// that is torn, stale (a row replaced since) or of another set of images is not used.
import { describe, expect, it } from 'vitest';
import { BLOCK, MIN_STORED_SUM, ResponseStore, addOrder, type GroupRequest, type RowStorage } from '../../src/app/response_store.ts';
import { SessionStore } from '../../src/app/session_store.ts';
import { decodeSum, encodeSum } from '../../src/app/sum_file.ts';
import { FakeFs } from '../io/fake_opfs.ts';

const TAG = 'demo/demo@wasm:exact';

/** Rows with a wide range of magnitudes, so that a float64 sum depends on the order it adds them in. */
function row(seed: number): Float32Array {
  let s = (seed * 2654435761 + 7) >>> 0;
  const rnd = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  return Float32Array.from({ length: BLOCK }, () => (rnd() - 0.5) * 2 ** Math.floor(rnd() * 40 - 20));
}

/** The mean as summing the rows in the given order from scratch gives it (what a store without stored sums answers). */
function foldMean(rows: Float32Array[]): Float32Array {
  const sum = new Float64Array(BLOCK);
  for (const r of rows) for (let i = 0; i < BLOCK; i++) sum[i] += r[i];
  const out = new Float32Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) out[i] = sum[i] / rows.length;
  return out;
}

/** SessionStore on a stand-in file system, counting row and sum reads. */
function storage(fs = new FakeFs()) {
  const session = new SessionStore(async () => fs.handle());
  const count = { rows: 0, sums: 0 };
  const s: RowStorage = {
    saveResponse: (t, k, d) => session.saveResponse(t, k, d),
    response: (t, k) => (count.rows++, session.response(t, k)),
    responseKeys: (t) => session.responseKeys(t),
    sum: (t, id) => (count.sums++, session.sum(t, id)),
    saveSum: (t, id, b) => session.saveSum(t, id, b),
    dropSums: (t, keep) => session.dropSums(t, keep),
  };
  return { fs, session, count, s };
}

const sumFiles = (fs: FakeFs) => [...fs.files().keys()].filter((p) => p.includes('/sums/'));
const keyOf = (i: number) => `i${i}|crop`;
const itemsOf = (keys: string[]) => keys.map((k) => ({ key: k, store: k }));

/** 2 conditions over n images: even ones 'a', odd ones 'b'; the groups the views ask for. */
function groupsOf(keys: string[]): GroupRequest[] {
  return [
    { id: 'all', keys },
    { id: 'cond:a', keys: keys.filter((_, i) => i % 2 === 0) },
    { id: 'cond:b', keys: keys.filter((_, i) => i % 2 === 1) },
    { id: 'conditioned', keys },
    { id: 'img:i1', keys: keys.slice(1, 2) },
  ];
}

/** A session encoded the way the page does: responses arrive in batches, group means asked after each; then the sums are written. */
async function encodeSession(n: number, st = storage()) {
  const rows = Array.from({ length: n }, (_, i) => row(i));
  const keys = rows.map((_, i) => keyOf(i));
  const store = new ResponseStore(st.s, 8, null);
  await store.load(TAG, itemsOf(keys)); // nothing stored yet: one listing
  const writes: Promise<void>[] = [];
  for (let i = 0; i < n; i += 7) {
    for (let j = i; j < Math.min(n, i + 7); j++) writes.push(store.put(TAG, keys[j], rows[j].slice(), keys[j])!);
    await store.groupMeans(TAG, groupsOf(keys.slice(0, Math.min(n, i + 7))));
  }
  await Promise.all(writes);
  await store.saveSums();
  await st.session.flush();
  return { rows, keys, store, st };
}

const expected = (rows: Float32Array[], idx: number[]) => foldMean(idx.map((i) => rows[i]));
const even = (n: number) => Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 0);
const odd = (n: number) => Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 1);
const every = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('stored group sums', () => {
  it('a reload answers the group means from the stored sums, reading no row, bit for bit as reading every row does', async () => {
    const n = 40;
    const { rows, keys, st } = await encodeSession(n);
    // the sums of the groups with enough images are stored; single images are not
    expect(sumFiles(st.fs).sort()).toEqual(['all', 'cond%3Aa', 'cond%3Ab', 'conditioned'].map((g) => `sessions/current/sums/${encodeURIComponent(TAG)}/${g}.sum`).sort());
    // and are not part of a session export
    expect((await st.session.files()).some(([p]) => p.startsWith('sums/'))).toBe(false);

    const back = new ResponseStore(st.s, 8, null);
    expect(await back.load(TAG, itemsOf(keys))).toEqual(keys);
    st.count.rows = 0;
    const got = await back.groupMeans(TAG, groupsOf(keys));
    expect(st.count.rows).toBe(1); // the single image only
    // a store that reads every row (no stored sums)
    const plain = storage(st.fs);
    delete plain.s.sum;
    const fresh = new ResponseStore(plain.s, 8, null);
    await fresh.load(TAG, itemsOf(keys));
    const want = await fresh.groupMeans(TAG, groupsOf(keys));
    expect(plain.count.rows).toBe(n);
    for (let g = 0; g < want.length; g++) {
      expect(got[g].n).toBe(want[g].n);
      expect(got[g].mean).toEqual(want[g].mean);
    }
    // which is the sum of each group's rows in gallery order
    expect(got[0].mean).toEqual(expected(rows, every(n)));
    expect(got[1].mean).toEqual(expected(rows, even(n)));
    expect(got[2].mean).toEqual(expected(rows, odd(n)));
    // images added after the reload: only theirs are read
    const more = [n, n + 1].map(row);
    const keys2 = [...keys, keyOf(n), keyOf(n + 1)];
    back.put(TAG, keyOf(n), more[0].slice(), keyOf(n));
    back.put(TAG, keyOf(n + 1), more[1].slice(), keyOf(n + 1));
    st.count.rows = 0;
    const [all2] = await back.groupMeans(TAG, [{ id: 'all', keys: keys2 }]);
    expect(st.count.rows).toBe(0); // still held until their writes land
    expect(all2.mean).toEqual(expected([...rows, ...more], every(n + 2)));
  });

  it('each group adds its rows in its own order, however its sum was built up', async () => {
    // the order matters for these rows: big + tiny - big is not big - big + tiny in float64
    const big = Float32Array.from({ length: BLOCK }, () => 2 ** 30);
    const tiny = Float32Array.from({ length: BLOCK }, () => 2 ** -30);
    const neg = Float32Array.from({ length: BLOCK }, () => -(2 ** 30));
    const other = row(3);
    expect(foldMean([big, neg, tiny])).not.toEqual(foldMean([tiny, big, neg]));
    const store = new ResponseStore();
    const [a, b, c, x] = ['a|crop', 'b|crop', 'c|crop', 'x|crop'];
    [big, neg, other, tiny].forEach((r, i) => store.put(TAG, [a, b, c, x][i], r));
    await store.groupMeans(TAG, [{ id: 'all', keys: [a, b, c] }, { id: 'A', keys: [b] }]);
    // 'all' grows by x while 'A' starts over with a, b, x: A's sum is still a + b + x, in that order
    const [all, A] = await store.groupMeans(TAG, [{ id: 'all', keys: [a, b, c, x] }, { id: 'A', keys: [a, b, x] }]);
    expect(A.mean).toEqual(foldMean([big, neg, tiny]));
    expect(all.mean).toEqual(foldMean([big, neg, other, tiny]));
  });

  it('addOrder keeps every list in its own order', () => {
    expect(addOrder([['a', 'b', 'c'], ['a', 'c']])).toEqual({ order: ['a', 'b', 'c'], apart: new Set() });
    const lists = [['x'], ['a', 'b', 'x'], ['b', 'c', 'd'], ['a', 'd']];
    const got = addOrder(lists);
    expect(got.apart.size).toBe(0);
    expect([...got.order].sort()).toEqual(['a', 'b', 'c', 'd', 'x']);
    for (const l of lists) expect(got.order.filter((k) => l.includes(k))).toEqual(l);
    // conflicting orders: one of them is added apart
    const { order, apart } = addOrder([['a', 'b'], ['b', 'a']]);
    expect(order).toEqual(['a', 'b']);
    expect([...apart]).toEqual([1]);
  });

  it('a torn, foreign or stale stored sum is not used: the rows are read instead', async () => {
    const n = 12;
    const { rows, keys, st } = await encodeSession(n);
    const dir = async () => (await (await (await (await st.fs.handle().getDirectoryHandle('sessions')).getDirectoryHandle('current')).getDirectoryHandle('sums')).getDirectoryHandle(encodeURIComponent(TAG))) as unknown as { getFileHandle(n: string): Promise<{ data: Uint8Array }> };
    const file = await (await dir()).getFileHandle('all.sum');
    const good = file.data.slice();
    const reload = async (groups: GroupRequest[]) => {
      const s = new ResponseStore(st.s, 8, null);
      await s.load(TAG, itemsOf(keys));
      st.count.rows = 0;
      return s.groupMeans(TAG, groups);
    };
    // intact: no row read
    expect((await reload([{ id: 'all', keys }]))[0].mean).toEqual(expected(rows, every(n)));
    expect(st.count.rows).toBe(0);
    // cut short, or one value changed: read from rows, the same answer
    for (const bad of [good.slice(0, good.length - 9), (() => { const b = good.slice(); b[100] ^= 1; return b; })(), (() => { const b = good.slice(); b[9] = 7; return b; })()]) {
      file.data = bad;
      expect((await reload([{ id: 'all', keys }]))[0].mean).toEqual(expected(rows, every(n)));
      expect(st.count.rows).toBe(n);
    }
    file.data = good;
    // another set of images, or another order: not this sum
    const fewer = keys.slice(1);
    expect((await reload([{ id: 'all', keys: fewer }]))[0].mean).toEqual(expected(rows, every(n).slice(1)));
    expect(st.count.rows).toBe(n - 1);
    const turned = [keys[1], keys[0], ...keys.slice(2)];
    expect((await reload([{ id: 'all', keys: turned }]))[0].mean).toEqual(foldMean([rows[1], rows[0], ...rows.slice(2)]));
    expect(st.count.rows).toBe(n);
    // a sum stored under another group's name (or tag) is refused by its header
    expect(await decodeSum(good, TAG, 'cond:a')).toBeNull();
    expect(await decodeSum(good, 'other', 'all')).toBeNull();
    // a longer group that begins with its images reads only the rest
    const s = new ResponseStore(st.s, 8, null);
    await s.load(TAG, itemsOf(keys));
    const extra = row(99);
    s.put(TAG, 'z|crop', extra.slice(), 'z|crop');
    const [grown] = await s.groupMeans(TAG, [{ id: 'all', keys: [...keys, 'z|crop'] }]);
    expect(grown.mean).toEqual(foldMean([...rows, extra]));
  });

  it('a replaced response removes the stored sums that hold it before its new row lands, in this life or the next', async () => {
    const n = 10;
    const { rows, keys, store, st } = await encodeSession(n);
    expect(sumFiles(st.fs).length).toBe(4);
    // replaced in the same life: the sums holding it go (all, cond:b, conditioned), cond:a stays
    const r3 = row(33);
    await store.put(TAG, keys[3], r3.slice(), keys[3]);
    expect(sumFiles(st.fs).map((p) => p.split('/').pop())).toEqual(['cond%3Aa.sum']);
    rows[3] = r3;
    const only = new ResponseStore(st.s, 8, null);
    await only.load(TAG, itemsOf(keys));
    st.count.rows = 0;
    expect((await only.groupMeans(TAG, [groupsOf(keys)[1]]))[0].mean).toEqual(expected(rows, even(n)));
    expect(st.count.rows).toBe(0); // cond:a, without image 3, from its stored sum
    const again = new ResponseStore(st.s, 8, null);
    await again.load(TAG, itemsOf(keys));
    st.count.rows = 0;
    const got = await again.groupMeans(TAG, groupsOf(keys));
    expect(got[0].mean).toEqual(expected(rows, every(n)));
    expect(got[1].mean).toEqual(expected(rows, even(n)));
    expect(got[2].mean).toEqual(expected(rows, odd(n)));
    expect(st.count.rows).toBe(n); // each row once, for every group that needs it
    await again.saveSums();
    await st.session.flush();
    expect(sumFiles(st.fs).length).toBe(4);

    // replaced after a reload, before the group means are asked: the stored sum is not taken up
    const next = new ResponseStore(st.s, 8, null);
    await next.load(TAG, itemsOf(keys));
    const r4 = row(44);
    const landed = next.put(TAG, keys[4], r4.slice(), keys[4]);
    rows[4] = r4;
    const [all] = await next.groupMeans(TAG, [{ id: 'all', keys }]);
    expect(all.mean).toEqual(expected(rows, every(n)));
    await landed;
    // none of them read yet: any could hold it, all go
    expect(sumFiles(st.fs)).toEqual([]);
    await next.groupMeans(TAG, groupsOf(keys));
    await next.saveSums();
    await st.session.flush();
    expect(sumFiles(st.fs).length).toBe(4);
    // replaced while its stored sum is being read (and the writes wait): not taken up either
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const slow: RowStorage = { ...st.s, saveResponse: (t, k, d) => gate.then(() => st.session.saveResponse(t, k, d)), dropSums: (t, keep) => gate.then(() => st.session.dropSums(t, keep)) };
    const held = new ResponseStore(slow, 8, null);
    await held.load(TAG, itemsOf(keys));
    const r5 = row(55);
    st.count.sums = 0;
    const asked = held.groupMeans(TAG, [{ id: 'all', keys }]);
    const pending = held.put(TAG, keys[5], r5.slice(), keys[5]);
    rows[5] = r5;
    const [all5] = await asked;
    expect(st.count.sums).toBe(1);
    expect(all5.mean).toEqual(expected(rows, every(n)));
    release();
    await pending;
    await held.groupMeans(TAG, groupsOf(keys));
    await held.saveSums();
    await st.session.flush();
    expect(sumFiles(st.fs).length).toBe(4);
    // a response stored under the same key by a store that never listed the folder: every sum that may hold it goes
    const blind = new ResponseStore(st.s, 8, null);
    await blind.put(TAG, keys[1], row(11), keys[1]);
    expect(sumFiles(st.fs)).toEqual([]);
  });

  it('a sum is written only after the rows it sums have landed; a removed image and a cleared store leave no sum to use', async () => {
    const st = storage();
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const slow: RowStorage = { ...st.s, saveResponse: (t, k, d) => gate.then(() => st.session.saveResponse(t, k, d)) };
    const store = new ResponseStore(slow, 8, null);
    const rows = Array.from({ length: 6 }, (_, i) => row(i));
    const keys = rows.map((_, i) => keyOf(i));
    await store.load(TAG, itemsOf(keys));
    const writes = rows.map((r, i) => store.put(TAG, keys[i], r.slice(), keys[i])!);
    await store.groupMeans(TAG, [{ id: 'all', keys }]);
    await store.saveSums();
    await st.session.flush();
    expect(sumFiles(st.fs)).toEqual([]); // its rows are not stored yet
    release();
    await Promise.all(writes);
    await store.saveSums();
    await st.session.flush();
    expect(sumFiles(st.fs).length).toBe(1);
    // a removed image: the sums that hold it go
    store.dropImage('i2');
    await st.session.flush();
    expect(sumFiles(st.fs)).toEqual([]);
    const rest = keys.filter((_, i) => i !== 2);
    await store.groupMeans(TAG, [{ id: 'all', keys: rest }]);
    // cleared ("New session") with a write due: nothing is written after it
    const timed = new ResponseStore(st.s, 8, 5);
    await timed.load(TAG, itemsOf(rest));
    await timed.groupMeans(TAG, [{ id: 'all', keys: rest.slice(0, MIN_STORED_SUM) }]);
    timed.clear();
    await new Promise((r) => setTimeout(r, 30));
    await st.session.flush();
    expect(sumFiles(st.fs)).toEqual([]);
    // and without a clear the timer writes it
    await timed.load(TAG, itemsOf(rest));
    await timed.groupMeans(TAG, [{ id: 'all', keys: rest }]);
    await new Promise((r) => setTimeout(r, 30));
    await timed.saveSums();
    await st.session.flush();
    expect(sumFiles(st.fs).length).toBe(1);
    // "New session" removes the whole session, sums included
    await st.session.clear();
    expect(sumFiles(st.fs)).toEqual([]);
  });

  it('the file format round-trips exactly and refuses anything else', async () => {
    const sum = Float64Array.from({ length: BLOCK }, (_, i) => Math.sin(i) * 1e-300 + i * 1e10);
    const bytes = await encodeSum({ tag: TAG, id: 'cond:x', keys: ['a|crop', 'b|crop'], stores: ['a|crop|exif-apply', 'b|crop'], sum });
    const back = (await decodeSum(bytes, TAG, 'cond:x'))!;
    expect(back.sum).toEqual(sum);
    expect(back.keys).toEqual(['a|crop', 'b|crop']);
    expect(back.stores).toEqual(['a|crop|exif-apply', 'b|crop']);
    expect(await decodeSum(bytes.slice(0, 100), TAG, 'cond:x')).toBeNull();
    expect(await decodeSum(new Uint8Array(bytes.length), TAG, 'cond:x')).toBeNull();
  });
});
