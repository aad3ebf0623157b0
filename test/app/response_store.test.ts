// The responses worker's store: group means kept as running sums (a group that grows adds only
// its new images, one that changes starts over), one line per image, repetition means,
// dissimilarities, each equal to the same quantity computed on the stacked [B, 4, 63, 140] array.
import { describe, expect, it } from 'vitest';
import { BATCH, BLOCK, ResponseStore, type RowStorage } from '../../src/app/response_store.ts';
import { SessionStore } from '../../src/app/session_store.ts';
import { FakeFs } from '../io/fake_opfs.ts';
import { dissimilarity, meanChannelsByTime, meanDissimilarityOverTime, patternsAt, repSeries, stack } from '../../src/viz/stats.ts';
import { imageSeries } from '../../src/analysis/spread.ts';
import { subjectMean } from '../../src/analysis/subjects.ts';
import { meanOfSubjects } from '../../src/app/state/encoded.ts';
import { COMPONENT_PRESETS, componentMeasures, groupWaveform, measureImages, windowIndices, windowTopography, type MeasureSpec } from '../../src/lab/measures.ts';
import { DEFAULT_CH_NAMES, DEFAULT_TIMES } from '../../src/app/state/store.ts';

const dims = (B: number) => ({ B, R: 4, C: 63, T: 140 });
const block = (seed: number) => Float32Array.from({ length: BLOCK }, (_, i) => Math.sin(seed * 1.7 + i * 0.013) * (1 + seed));
const close = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  expect(m).toBeLessThan(1e-5);
};

describe('response store', async () => {
  it('group means follow their images: grown groups add the new ones, changed groups start over', async () => {
    const st = new ResponseStore();
    const blocks = [0, 1, 2, 3, 4].map(block);
    blocks.forEach((b, i) => st.put('t', `i${i}|crop`, b));
    const keys = (idx: number[]) => idx.map((i) => `i${i}|crop`);
    const want = (idx: number[]) => meanChannelsByTime(stack(idx.map((i) => blocks[i]), BLOCK), dims(idx.length), idx.map((_, k) => k));
    const ct = (m: Float32Array) => meanChannelsByTime(m, dims(1), [0]);
    const [a] = await st.groupMeans('t', [{ id: 'all', keys: keys([0, 1]) }]);
    expect(a.n).toBe(2);
    close(ct(a.mean), want([0, 1]));
    const [b] = await st.groupMeans('t', [{ id: 'all', keys: keys([0, 1, 2, 3]) }]);
    close(ct(b.mean), want([0, 1, 2, 3]));
    // a different order or membership is not an extension
    const [c] = await st.groupMeans('t', [{ id: 'all', keys: keys([4, 1]) }]);
    close(ct(c.mean), want([4, 1]));
    // a replaced response is not kept in a running sum
    st.put('t', 'i1|crop', block(9));
    blocks[1] = block(9);
    const [d] = await st.groupMeans('t', [{ id: 'all', keys: keys([4, 1]) }]);
    close(ct(d.mean), want([4, 1]));
    // the mean keeps repetitions: per-repetition series equal the stacked array's
    close(repSeries(d.mean, dims(1), [0], [3, 7]), repSeries(stack([blocks[4], blocks[1]], BLOCK), dims(2), [0, 1], [3, 7]));
    const [e] = await st.groupMeans('t', [{ id: 'none', keys: [] }]);
    expect(e.n).toBe(0);
    expect(Number.isNaN(e.mean[0])).toBe(true);
  });

  it('answers per image lines, repetition means and dissimilarities like the stacked array', async () => {
    const st = new ResponseStore();
    const blocks = [3, 5, 7, 11].map(block);
    const keys = blocks.map((b, i) => {
      st.put('t', `k${i}|crop`, b);
      return `k${i}|crop`;
    });
    const all = stack(blocks, BLOCK);
    const ch = Int32Array.from([0, 5, 20, 40]);
    const each = await st.eachSeries('t', keys, ch);
    blocks.forEach((_, i) => close(each.subarray(i * 4 * 140, (i + 1) * 4 * 140), repSeries(all, dims(4), [i], ch)));
    const rm = await st.repetitionMeans('t', keys);
    close(rm.subarray(63 * 140, 2 * 63 * 140), meanChannelsByTime(all, dims(4), [1]));
    const order = keys.slice().reverse();
    close(await st.dissimilarityAt('t', order, ch, 60), dissimilarity(patternsAt(all, dims(4), [3, 2, 1, 0], ch, 60), 4, ch.length));
    close(await st.dissimilarityCourse('t', keys, ch), meanDissimilarityOverTime(all, dims(4), [0, 1, 2, 3], ch));
    close(await st.gather('t', [keys[2]]), blocks[2]);
    // the statistics' spread reads each image's mean over channels and repetitions: analysis/spread's, to the bit
    expect(await st.imageSeries('t', order, ch)).toEqual(imageSeries(all, dims(4), [3, 2, 1, 0], ch));
  });

  it("computes the Lab's measures image by image, as lab/measures does on the repetition means (one tag, and a subject mean)", async () => {
    const st = new ResponseStore();
    const n = BATCH + 6; // more than one batch of blocks per measure
    const names = DEFAULT_CH_NAMES;
    const times = DEFAULT_TIMES;
    const keys = Array.from({ length: n }, (_, i) => `m${i}|crop`);
    keys.forEach((k, i) => {
      st.put('s0', k, block(i));
      st.put('s1', k, block(i + 100));
    });
    const topo = Float64Array.from({ length: 63 }, (_, c) => Math.cos(c));
    const specs: MeasureSpec[] = [
      { kind: 'mean', channels: ['O1', 'Oz', 'O2'], tmin: 0.08, tmax: 0.13 },
      { kind: 'peak-latency', channels: ['Pz'], tmin: 0.05, tmax: 0.2, polarity: 'negative' },
      { kind: 'group-contrast', channels: ['O1'], channelsB: ['Fp1', 'Fp2'], tmin: 0.1, tmax: 0.2 },
      { kind: 'topography-similarity', channels: names, tmin: 0.1, tmax: 0.15, target: topo },
    ];
    for (const tags of ['s0', ['s0', 's1']]) {
      const rm = await st.repetitionMeans(tags, keys);
      const blocks = keys.map((_, i) => rm.subarray(i * 63 * 140, (i + 1) * 63 * 140));
      const one = { R: 1, C: 63, T: 140 };
      const got = await st.imageMeasures(tags, keys, names, times, specs);
      specs.forEach((m, k) => expect(Array.from(got[k])).toEqual(Array.from(measureImages(blocks, one, names, times, m))));
      // the mean over a set of images of their topographies and of their time courses
      const sets = [keys.slice(0, 3), [keys[5]], keys.slice(60)];
      const ts = windowIndices(times, 0.1, 0.15);
      const rows = names.map((_, c) => c);
      const tops = await st.meanSummaries(tags, sets, names, times, { kind: 'topography', channels: names, tmin: 0.1, tmax: 0.15 });
      const waves = await st.meanSummaries(tags, sets, names, times, { kind: 'waveform', channels: ['Oz', 'POz'], tmin: 0.1, tmax: 0.15 });
      sets.forEach((set, j) => {
        const idx = set.map((key) => keys.indexOf(key));
        const mean = (f: (b: Float32Array) => Float64Array) => {
          const sum = new Float64Array(f(blocks[0]).length);
          for (const i of idx) f(blocks[i]).forEach((v, c) => (sum[c] += v));
          return Array.from(sum, (v) => v / idx.length);
        };
        expect(Array.from(tops[j])).toEqual(mean((b) => windowTopography(b, one, rows, ts)));
        expect(Array.from(waves[j])).toEqual(mean((b) => groupWaveform(b, one, [names.indexOf('Oz'), names.indexOf('POz')], ts)));
      });
      const table = await st.componentTable(tags, keys, names, times, COMPONENT_PRESETS);
      expect(table[n - 1]).toEqual(COMPONENT_PRESETS.map((c) => componentMeasures(blocks[n - 1], one, names, times, c)));
    }
    // a measure of an unknown channel is refused before any row is read
    await expect(st.imageMeasures('s0', keys, names, times, [{ kind: 'mean', channels: ['Xz'], tmin: 0.1, tmax: 0.2 }])).rejects.toThrow(/unknown channel 'Xz'/);
  });

  it('keeps no running sum for a picked image: picking every image in turn leaves only the large groups kept', async () => {
    const st = new ResponseStore();
    const keys = Array.from({ length: 12 }, (_, i) => `p${i}|crop`);
    keys.forEach((k, i) => st.put('t', k, block(i)));
    await st.groupMeans('t', [{ id: 'all', keys }, { id: 'cond:a', keys: keys.slice(0, 2) }]);
    for (const k of keys) {
      const [g] = await st.groupMeans('t', [{ id: `img:${k}`, keys: [k] }]);
      expect(Array.from(g.mean.subarray(0, 5))).toEqual(Array.from(block(keys.indexOf(k)).subarray(0, 5)));
    }
    expect(st.keptSums()).toBe(1);
  });

  it('forgets a removed image in every mode and tag, and says which image is missing', async () => {
    const st = new ResponseStore();
    st.put('t', 'a|crop', block(1));
    st.put('t', 'a|pad-black', block(2));
    st.put('u', 'a|crop', block(3));
    st.put('t', 'b|crop', block(4));
    await st.groupMeans('t', [{ id: 'all', keys: ['a|crop', 'b|crop'] }]);
    st.dropImage('a');
    expect(st.has('t', 'a|crop') || st.has('t', 'a|pad-black') || st.has('u', 'a|crop')).toBe(false);
    expect(st.has('t', 'b|crop')).toBe(true);
    await expect(st.groupMeans('t', [{ id: 'all', keys: ['a|crop', 'b|crop'] }])).rejects.toThrow(/no response for a/);
    expect(() => st.put('t', 'c|crop', new Float32Array(3))).toThrow(/3 values/);
  });

  it('several subjects: group means per tag whose mean is the subject mean, and the subject-mean rows, per-subject lines and courses, the mean of their matrices', async () => {
    const st = new ResponseStore();
    const tags = ['s0', 's1', 's2'];
    const keys = ['a|crop', 'b|crop', 'c|crop'];
    const data = tags.map((_, s) => keys.map((_, b) => block(10 * s + b)));
    tags.forEach((tag, s) => keys.forEach((k, b) => st.put(tag, k, data[s][b])));
    const stacks = data.map((bs) => stack(bs, BLOCK));
    const mean = subjectMean(stacks);
    // the views' group mean: each subject's (running sums under its tag), then their mean
    const per = await Promise.all(tags.map(async (tag) => new Map((await st.groupMeans(tag, [{ id: 'all', keys }])).map((g) => [g.id, g]))));
    const all = meanOfSubjects(per).get('all')!;
    expect(all.n).toBe(3);
    close(meanChannelsByTime(all.mean, dims(1), [0]), meanChannelsByTime(mean, dims(3), [0, 1, 2]));
    // a statistics run's rows are the subject-mean responses, element for element
    expect(await st.gather(tags, keys)).toEqual(mean);
    close(await st.repetitionMeans(tags, keys), (await st.repetitionMeans('s0', keys)).map((_, i) => {
      const n = 63 * 140;
      const b = Math.floor(i / n);
      const j = i % n;
      return (mean[b * BLOCK + j] + mean[b * BLOCK + n + j] + mean[b * BLOCK + 2 * n + j] + mean[b * BLOCK + 3 * n + j]) / 4;
    }));
    expect(await st.imageSeries(tags, keys, [3, 7])).toEqual(imageSeries(mean, dims(3), [0, 1, 2], [3, 7]));
    // one line per image, per subject: [S, B, 4, 140]
    const lines = await st.eachSeries(tags, keys, [3, 7]);
    expect(lines.length).toBe(3 * 3 * 4 * 140);
    for (let s = 0; s < 3; s++) for (let b = 0; b < 3; b++) close(lines.subarray((s * 3 + b) * 4 * 140, (s * 3 + b + 1) * 4 * 140), repSeries(stacks[s], dims(3), [b], [3, 7]));
    // each subject's own course, [S, 140]
    const courses = await st.dissimilarityCourse(tags, keys, [3, 7, 11]);
    stacks.forEach((x, s) => close(courses.subarray(s * 140, (s + 1) * 140), meanDissimilarityOverTime(x, dims(3), [0, 1, 2], [3, 7, 11])));
    // the matrix at a time: the mean of the subjects' own matrices
    const m = await st.dissimilarityAt(tags, keys, [3, 7, 11], 50);
    const own = stacks.map((x) => dissimilarity(patternsAt(x, dims(3), [0, 1, 2], [3, 7, 11], 50), 3, 3));
    close(m, own[0].map((v, i) => (v + own[1][i] + own[2][i]) / 3));
  });

  it('with storage: rows live in storage, memory holds a bounded cache; answers read them back in batches, equal to what was written', async () => {
    const fs = new FakeFs();
    const session = new SessionStore(async () => fs.handle());
    let reads = 0;
    const storage: RowStorage = {
      saveResponse: (t, k, d) => session.saveResponse(t, k, d),
      response: (t, k) => (reads++, session.response(t, k)),
      responseKeys: (t) => session.responseKeys(t),
    };
    const st = new ResponseStore(storage, 4);
    const n = BATCH + 6;
    const blocks = Array.from({ length: n }, (_, i) => block(i));
    const keys = blocks.map((_, i) => `i${i}|crop`);
    // each is kept until its write lands: the group mean asked for meanwhile is right
    const saves = blocks.map((b, i) => st.put('t', keys[i], b, `${keys[i]}|exif-ignore`));
    const [early] = await st.groupMeans('t', [{ id: 'all', keys: keys.slice(0, 3) }]);
    close(meanChannelsByTime(early.mean, dims(1), [0]), meanChannelsByTime(stack(blocks.slice(0, 3), BLOCK), dims(3), [0, 1, 2]));
    await Promise.all(saves);
    expect(st.residentRows()).toBeLessThanOrEqual(4);
    expect(fs.files().size).toBe(n);
    // a grown group adds only the new images; the rest come from storage in batches
    const [all] = await st.groupMeans('t', [{ id: 'all', keys }]);
    close(meanChannelsByTime(all.mean, dims(1), [0]), meanChannelsByTime(stack(blocks, BLOCK), dims(n), keys.map((_, i) => i)));
    expect(st.residentRows()).toBeLessThanOrEqual(4);
    const rows = await st.gather('t', keys);
    expect(rows).toEqual(stack(blocks, BLOCK));
    expect(st.residentRows()).toBeLessThanOrEqual(4);

    // a reload: a new store finds the stored responses by one listing, reading none of them
    const again = new ResponseStore(storage, 4);
    reads = 0;
    const items = keys.map((k) => ({ key: k, store: `${k}|exif-ignore` }));
    expect(await again.load('t', [...items, { key: 'gone|crop', store: 'gone|crop' }])).toEqual(keys);
    expect(reads).toBe(0);
    expect(again.has('t', keys[5])).toBe(true);
    expect(again.has('t', 'gone|crop')).toBe(false);
    const [back] = await again.groupMeans('t', [{ id: 'all', keys }, { id: 'cond:a', keys: keys.slice(0, 10) }]);
    expect(back.mean).toEqual(all.mean);
    expect(reads).toBe(n); // each image once, for both groups
    expect(await again.repetitionMeans('t', keys.slice(10, 12))).toEqual(await st.repetitionMeans('t', keys.slice(10, 12)));
    // a stored file that went missing (not cached: i0 was read first) is said by name
    const dir = await (await (await (await fs.handle().getDirectoryHandle('sessions')).getDirectoryHandle('current')).getDirectoryHandle('responses')).getDirectoryHandle('t');
    await dir.removeEntry(`${encodeURIComponent('i0|crop|exif-ignore')}.f32`);
    await expect(again.gather('t', ['i0|crop'])).rejects.toThrow(/stored response of i0 is missing/);
  });

  it("a picked image's mean is answered between the reads of an answer over many images, which stays exact", async () => {
    const stored = new Map<string, Float32Array>();
    // reads that land only when let go, in the order asked
    const pending: { key: string; go: () => void }[] = [];
    const storage: RowStorage = {
      saveResponse: async (_t, k, d) => void stored.set(k, d.slice()),
      response: (_t, k) => new Promise((resolve) => pending.push({ key: k, go: () => resolve(stored.get(k)!) })),
      responseKeys: async () => new Set(stored.keys()),
    };
    const st = new ResponseStore(storage, 0, null, 0);
    const n = 3 * BATCH;
    const blocks = Array.from({ length: n }, (_, i) => block(i));
    const keys = blocks.map((_, i) => `i${i}|crop`);
    await Promise.all(blocks.map((b, i) => st.put('t', keys[i], b, keys[i])));
    const letGo = async (k: number) => {
      for (let i = 0; i < k; i++) {
        await new Promise((r) => setTimeout(r, 0));
        pending.shift()?.go();
      }
    };
    let scanned = false;
    const scan = st.gather('t', keys).then((rows) => ((scanned = true), rows));
    await letGo(3);
    const pick = st.groupMeans('t', [{ id: `img:i${n - 1}`, keys: [keys[n - 1]] }]);
    // the scan's reads already asked for land; then the pick's own read goes first
    while (!pending.some((p) => p.key === keys[n - 1])) await letGo(1);
    const before = pending.length;
    pending.splice(pending.findIndex((p) => p.key === keys[n - 1]), 1)[0].go();
    const [picked] = await pick;
    expect(picked.mean).toEqual(blocks[n - 1]);
    expect(scanned).toBe(false);
    expect(before).toBeLessThanOrEqual(8); // the scan had few reads in flight
    while (!scanned) await letGo(1);
    expect(await scan).toEqual(stack(blocks, BLOCK));
  });

  it("removed images' stored responses are removed in one pass; a pixel change (EXIF) leaves them in storage", async () => {
    const fs = new FakeFs();
    const session = new SessionStore(async () => fs.handle());
    const st = new ResponseStore(session, 4, null);
    const row = new Float32Array(BLOCK);
    await Promise.all(['i1', 'i2', 'i3'].map((id) => st.put('t', `${id}|crop`, row, `${id}|crop`)));
    st.dropImage('i3');
    st.dropImage('i1', true);
    st.dropImage('i2', true);
    await Promise.resolve();
    await session.flush();
    expect(await session.responseKeys('t')).toEqual(new Set(['i3|crop']));
    expect(st.has('t', 'i1|crop')).toBe(false);
  });
});
