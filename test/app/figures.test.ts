// The page's figure builders: arrays in, figure specs out (no DOM, no store).
import { describe, expect, it } from 'vitest';
import type { ClusterResult } from '../../src/analysis/cluster_test.ts';
import type { DecodingResult } from '../../src/analysis/decoding.ts';
import { conditionsView } from '../../src/app/figures/conditions.ts';
import { qualityView } from '../../src/app/figures/quality.ts';
import { conditionGroups, conditionOrder, dissimilarityCourse, dissimilarityView, imageMatrixScene, matrixImages, MATRIX_UPTO } from '../../src/app/figures/rdm.ts';
import { ALPHA, decodingFigures, heatmap, shade, significantSpans, spreadFigure, titled } from '../../src/app/figures/stats.ts';
import { nearestIndex, windowText } from '../../src/app/figures/time_axis.ts';
import { timecourseTitle, timecourseView, withCursor, withWindow } from '../../src/app/figures/timecourse.ts';
import { sourceCT, sourceLabel, topomapView } from '../../src/app/figures/topomap.ts';
import type { GroupMean } from '../../src/app/response_store.ts';
import type { Encoded } from '../../src/app/state/encoded.ts';
import { dissimilarity, patternsAt } from '../../src/viz/stats.ts';
import type { ImageItem } from '../../src/app/state/store.ts';
import { timecourseFigure } from '../../src/viz/plots.ts';
import { sensorsFor } from '../../src/viz/channels.ts';
import { makeTopomapGrid, type TopomapGrid } from '../../src/viz/topomap.ts';

// Three images, 2 repetitions, 3 channels, 4 samples: value = 100 * image + 10 * channel + time (+ 1000 for the 2nd repetition).
const R = 2;
const C = 3;
const T = 4;
const tms = [-5, 0, 5, 10];
const names = ['O1', 'Oz', 'O2'];
function encoded(conditions: (string | undefined)[], edit?: (data: Float32Array) => void): Encoded & { data: Float32Array } {
  const B = conditions.length;
  const data = new Float32Array(B * R * C * T);
  for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) for (let t = 0; t < T; t++) data[((b * R + r) * C + c) * T + t] = 100 * b + 10 * c + t + 1000 * r;
  edit?.(data);
  const items = conditions.map((condition, i) => ({ id: `i${i + 1}`, name: `img${i + 1}.png`, file: new Blob(), status: 'ready', condition }) as ImageItem);
  // the group means the responses worker would send: each group's images averaged here
  const n = R * C * T;
  const mean = (idx: number[]) => {
    const m = new Float32Array(n);
    for (const b of idx) for (let k = 0; k < n; k++) m[k] += data[b * n + k] / idx.length;
    return m;
  };
  const groups = new Map<string, GroupMean>();
  const add = (id: string, idx: number[]) => groups.set(id, { id, n: idx.length, mean: mean(idx) });
  add('all', items.map((_, i) => i));
  for (const c of new Set(conditions)) if (c) add(`cond:${c}`, items.flatMap((it, i) => (it.condition === c ? [i] : [])));
  add('conditioned', items.flatMap((it, i) => (it.condition ? [i] : [])));
  items.forEach((it, i) => add(`img:${it.id}`, [i]));
  return { items, keys: items.map((it) => `${it.id}|crop`), tag: 't', tags: ['t'], data, dims: { B, R, C, T }, pending: 0, groups };
}
const fakeGrid = {} as TopomapGrid;
const ys = (fig: { data: unknown[] }, k: number) => Array.from((fig.data[k] as { y: ArrayLike<number> }).y);

describe('time axis', () => {
  it('finds the nearest sample and words a window', () => {
    expect(nearestIndex(3, tms)).toBe(2);
    expect(nearestIndex(-100, tms)).toBe(0);
    expect(windowText([0, 1, 1, 0], tms)).toBe('0…5 ms');
    expect(windowText([1, 0, 0, 1], tms)).toBe('-5, 10 ms (2 runs)');
    expect(windowText([0, 0, 0, 0], tms)).toBe('no samples');
  });
});

describe('time-course figure', () => {
  it('titles the view by its channels', () => {
    expect(timecourseTitle('mean', names, [0, 1, 2])).toBe('Mean over all channels');
    expect(timecourseTitle('mean', names, [0, 2])).toBe('Mean over O1, O2');
    expect(timecourseTitle('each', names, [1])).toBe('Selected channels (1)');
  });

  it('draws one line per condition: the mean over repetitions and images of the selected channels', () => {
    const enc = encoded(['a', 'b', 'a']);
    const v = timecourseView({ enc, names, ch: [1], chMask: [false, true, false], tms, imageView: 'conditions', channelView: 'mean', band: 'none', timeMask: [1, 1, 1, 1], conditions: ['a', 'b'], title: 't' })!;
    expect(v.nSeries).toBe(2);
    expect(v.zeroMean).toBe(false);
    // condition a: images 0 and 2, channel 1: 100 * 1 + 10 + t + 500
    expect(ys(v.figure, 0)).toEqual([610, 611, 612, 613]);
    expect(ys(v.figure, 1)).toEqual([610, 611, 612, 613].map((x) => x));
    expect(timecourseView({ enc: encoded([]), names, ch: [1], chMask: [], tms, imageView: 'mean', channelView: 'mean', band: 'none', timeMask: [], conditions: [], title: 't' })).toBeNull();
  });

  it('adds the cursor as one line shape', () => {
    const fig = timecourseFigure({ timesMs: tms, series: [{ name: 'x', mean: [0, 1, 2, 3] }] });
    const n = fig.layout.shapes?.length ?? 0;
    const w = withCursor(fig, 5);
    expect(w.layout.shapes).toHaveLength(n + 1);
    expect(w.layout.shapes![n]).toMatchObject({ type: 'line', x0: 5, x1: 5 });
  });

  it('adds the window as timecourseFigure shades it (none when every sample is selected)', () => {
    const series = [{ name: 'x', mean: [0, 1, 2, 3] }];
    const mask = [0, 1, 1, 0];
    expect(withWindow(timecourseFigure({ timesMs: tms, series }), tms, mask).layout.shapes).toEqual(timecourseFigure({ timesMs: tms, series, mask }).layout.shapes);
    const plain = timecourseFigure({ timesMs: tms, series });
    expect(withWindow(plain, tms, [1, 1, 1, 1])).toBe(plain);
  });
});

describe('conditions figure', () => {
  const base = { names, ch: [0, 1, 2], chMask: [true, true, true], t: [1, 2], tms, cursor: 1, timeMask: [0, 1, 1, 0], band: 'none' as const, topoMode: 'cursor' as const, colorScale: 'fixed' as const, grid: () => fakeGrid };

  it('draws condition means and the difference A - B with its map at the cursor', () => {
    const v = conditionsView({ ...base, enc: encoded(['a', 'b', 'a']), conditions: ['a', 'b'], diffA: 'a', diffB: 'b' })!;
    expect(v.tc.data.map((d) => (d as { name: string }).name)).toEqual(['a (n=2)', 'b (n=1)', 'a − b']);
    // a's images 0 and 2 average to image 1, so A - B is 0 everywhere
    expect(ys(v.tc, 2)).toEqual([0, 0, 0, 0]);
    expect(v.topo!.title).toBe('a − b · 0 ms');
    expect(Array.from(v.topo!.panels[0].values)).toEqual([0, 0, 0]);
  });

  it('has no map when A and B are the same, and nothing without conditions', () => {
    const v = conditionsView({ ...base, enc: encoded(['a', 'b']), conditions: ['a', 'b'], diffA: 'a', diffB: 'a' })!;
    expect(v.topo).toBeNull();
    expect(conditionsView({ ...base, enc: encoded(['a']), conditions: [], diffA: '', diffB: '' })).toBeNull();
  });

  it('maps the window mean when asked', () => {
    const v = conditionsView({ ...base, topoMode: 'window', enc: encoded(['a', 'b']), conditions: ['a', 'b'], diffA: 'b', diffB: 'a' })!;
    expect(v.topo!.title).toBe('b − a · mean 0…5 ms');
    expect(Array.from(v.topo!.panels[0].values)).toEqual([100, 100, 100]);
  });
});

describe('topomap view', () => {
  const enc = encoded(['a', 'b']);
  const grid = makeTopomapGrid(sensorsFor(names), 16);
  const args = (ct: Float32Array) => ({
    ct, g: new Float32Array(T), enc, names, t: [1, 2], chMask: [true, false, true], grid, tms,
    mapSource: 'all' as const, diffA: 'a', diffB: 'b', multiples: 'off' as const, multipleTimes: '0, 10', topoMode: 'cursor' as const, cursor: 2,
    colorScale: 'frame' as const, timeMask: [0, 1, 1, 0], peakThreshold: 0.5, topoMethod: 'v4' as const,
  });

  it('averages a source over its images and repetitions', () => {
    const ct = sourceCT(enc, 'all', 'a', 'b')!;
    expect(Array.from(ct.subarray(0, T))).toEqual([550, 551, 552, 553]);
    expect(Array.from(sourceCT(enc, 'diff', 'b', 'a')!.subarray(0, T))).toEqual([100, 100, 100, 100]);
    expect(sourceCT(enc, 'cond:none', 'a', 'b')).toBeNull();
    expect(sourceLabel(enc, 'all', 'a', 'b')).toBe('mean of 2 images');
    expect(sourceLabel(enc, 'diff', 'a', 'b')).toBe('a − b');
    expect(sourceLabel(enc, 'img:i2', 'a', 'b')).toBe('img2.png');
  });

  it('maps the cursor, or a joint plot at listed times', () => {
    const ct = sourceCT(enc, 'all', 'a', 'b')!;
    const one = topomapView(args(ct));
    expect(one.jointSpec).toBeNull();
    expect(one.scene.title).toBe('mean of 2 images · 5 ms');
    expect(Array.from(one.values)).toEqual([552, 562, 572]);
    const joint = topomapView({ ...args(ct), multiples: 'times' });
    expect(joint.frames.map((f) => f.title)).toEqual(['0 ms', '10 ms']);
    expect(joint.jointSpec!.mapTimes).toEqual([0, 10]);
    expect(joint.scene.title).toBeUndefined();
  });
});

describe('statistics figures', () => {
  const cluster = (p: number[], clusters: number[][]): ClusterResult =>
    ({ test: 'permutation_cluster_test', statistic: 'f_oneway', threshold: 4, tail: 0, seed: 0, nPermutations: 100, nPermutationsUsed: 100, exact: false, stat: new Float64Array(T), clusters: clusters.map((c) => Int32Array.from(c)), mass: Float64Array.from(clusters.map(() => 1)), p: Float64Array.from(p) }) as unknown as ClusterResult;

  it('keeps the significant clusters as sample spans', () => {
    expect(significantSpans(cluster([0.01, 0.2, ALPHA / 2], [[1, 2], [3], [0]]), 1, T)).toEqual([[1, 2], [0, 0]]);
    // sensors x time: index = t * nc + c
    expect(significantSpans(cluster([0.001], [[4, 5, 9]]), 3, T)).toEqual([[1, 3]]);
  });

  it('shades spans half a sample wide on each side and titles with parameters', () => {
    const fig = timecourseFigure({ timesMs: tms, series: [{ name: 'x', mean: [0, 1, 2, 3] }] });
    const n = fig.layout.shapes?.length ?? 0;
    const s = shade(fig, [[1, 2]], tms);
    expect(s.layout.shapes![n]).toMatchObject({ type: 'rect', x0: -2.5, x1: 7.5 });
    expect((titled(fig, 'T & U', 'p < 0.05').layout.title as { text: string }).text).toBe('T &amp; U<br><span style="font-size:11px">p &lt; 0.05</span>');
  });

  it('lays a heatmap out row by row', () => {
    const h = heatmap([1, 2, 3, 4, 5, 6], 2, [0, 1, 2], ['a', 'b'], 't', 'p', 'z');
    expect((h.data[0] as { z: number[][] }).z).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('draws spread bands with the difference and the decoding score against chance', () => {
    const g = (m: number) => ({ n: 3, mean: Float64Array.from(tms, () => m), sd: new Float64Array(T), sem: new Float64Array(T), ci95Lo: Float64Array.from(tms, () => m - 1), ci95Hi: Float64Array.from(tms, () => m + 1) });
    const fig = spreadFigure({ out: { kind: 'spread', groups: [g(2), g(5)] } as never, conds: ['a', 'b'], conditions: ['a', 'b'], kind: 'ci95', tms, cursor: 0, A: 'a', B: 'b', chLabel: 'all channels', cluster: null });
    const named = fig.data.map((d) => (d as { name?: string }).name);
    expect(named).toContain('a (n=3)');
    expect(named).toContain('a − b');
    const diff = fig.data[named.indexOf('a − b')] as { y: ArrayLike<number> };
    expect(Array.from(diff.y)).toEqual([-3, -3, -3, -3]);
    const sliding = { estimator: 'SlidingEstimator', scoring: 'roc_auc', nSplits: 4, seed: 1, folds: new Int32Array(), scores: new Float64Array(), mean: Float64Array.from([0.5, 0.6, 0.9, 0.7]), chance: 0.5 } as DecodingResult;
    const d = decodingFigures({ kind: 'decode', sliding, generalizing: null, nA: 4, nB: 4 }, 63, tms, 1, 'a', 'b');
    expect(d.tgm).toBeNull();
    expect((d.fig.layout.title as { text: string }).text).toContain('Decoding a vs b');
    expect(ys(d.fig, 1)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
});

describe('model quality figures', () => {
  const base = { names, ch: [0, 2], chMask: [true, false, true], t: [1, 2], tms, cursor: 1, topoMode: 'cursor' as const, mask: [1, 1, 1, 1], grid: () => fakeGrid };
  // value = 0.1 * channel + 0.01 * time (+ 0.2 for the k-th repetition model)
  const ct = (rep: number) => Float32Array.from({ length: C * T }, (_, k) => 0.1 * Math.floor(k / T) + 0.01 * (k % T) + 0.2 * rep);

  it('maps the noise ceiling on [0, max] and draws its mean over the selected channels', () => {
    const v = qualityView({ ...base, metric: 'noiseCeiling', arr: ct(0) });
    expect(v.topo.colormap).toBe('viridis');
    expect(v.topo.range[0]).toBe(0);
    expect(v.topo.range[1]).toBeCloseTo(0.23, 6);
    expect(v.topo.title).toBe('noise ceiling · 0 ms');
    expect(ys(v.tc, 0).map((x) => Number(x.toFixed(6)))).toEqual([0.1, 0.11, 0.12, 0.13]);
  });

  it('averages the repetition models for the map and draws each over time', () => {
    const arr = new Float32Array(4 * C * T);
    for (let r = 0; r < 4; r++) arr.set(ct(r), r * C * T);
    const v = qualityView({ ...base, metric: 'corrSingle', arr, topoMode: 'window' });
    expect(v.topo.colormap).toBe('RdBu_r');
    expect(v.topo.range[0]).toBeCloseTo(-v.topo.range[1], 9);
    expect(v.topo.title).toBe('r (single reps) · mean 0…5 ms');
    // window mean of samples 1 and 2, averaged over the 4 models: 0.1 c + 0.015 + 0.3
    expect(Array.from(v.topo.panels[0].values, (x) => Number(x.toFixed(6)))).toEqual([0.315, 0.415, 0.515]);
    expect(v.tc.data.map((d) => (d as { name: string }).name).slice(0, 4)).toEqual(['rep 1', 'rep 2', 'rep 3', 'rep 4']);
  });
});

describe('dissimilarity figures', () => {
  it('orders images by condition (in the list order, none last) and keeps the gallery order within', () => {
    const enc = encoded([undefined, 'b', 'a', 'b', 'a']);
    expect(conditionOrder(enc.items, ['a', 'b'])).toEqual([2, 4, 1, 3, 0]);
    // a condition missing from the list goes with the first, as before; none is last
    expect(conditionOrder(encoded(['c', undefined, 'b', 'a']).items, ['a', 'b'])).toEqual([0, 3, 2, 1]);
  });

  it('groups the images of each listed condition in the matrix order, skipping conditions without images', () => {
    const enc = encoded([undefined, 'b', 'a', 'b', 'a', 'x']);
    const order = conditionOrder(enc.items, ['a', 'c', 'b']);
    expect(conditionGroups(enc.items, ['a', 'c', 'b'], order)).toEqual([
      { c: 'a', idx: [2, 4] },
      { c: 'b', idx: [1, 3] },
    ]);
  });

  it('needs 2 images and 2 channels, and titles a full course plainly', () => {
    const enc = encoded(['a', 'b', 'a']);
    expect(dissimilarityCourse(enc, [0, 1, 2], [0])).toBeNull();
    const c = dissimilarityCourse(enc, [0, 1, 2], [0, 1, 2])!;
    expect(c.title).toBe('Mean pairwise dissimilarity over time');
    expect(c.sampled).toBe(false);
    expect(c.idx).toEqual([0, 1, 2]);
  });

  it('builds the image matrix (0 on the diagonal) and the condition matrix for two conditions', () => {
    // image 1's pattern is a reversed copy of the others': 1 - r = 2 against each
    const enc = encoded(['a', 'b', 'a'], (data) => {
      for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) data[((1 * R + r) * C + c) * T + 1] = -10 * c;
    });
    const order = conditionOrder(enc.items, ['a', 'b']);
    const groups = [
      { c: 'a', idx: [0, 2] },
      { c: 'b', idx: [1] },
    ];
    const plan = dissimilarityCourse(enc, order, [0, 1, 2])!;
    // the image matrix as the responses worker computes it
    const matrix = dissimilarity(patternsAt(enc.data, enc.dims, order, [0, 1, 2], 1), order.length, 3);
    const v = dissimilarityView({ enc, order, ch: [0, 1, 2], cursor: 1, labels: ['x', 'y', 'z'], groups, tms, mask: [1, 1, 1, 1], course: { values: new Float32Array(T), title: plan.title }, matrix });
    const m = Array.from(v.mat.values, (x) => Number(x.toFixed(6)));
    expect(m).toEqual([0, 0, 2, 0, 0, 2, 2, 2, 0]);
    expect(v.mat.title).toBe('Dissimilarity at 0 ms (ordered by condition)');
    expect(v.mat.range).toEqual([0, m[2]]);
    expect(v.cond!.labels).toEqual(['a (n=2)', 'b (n=1)']);
    expect(Number(v.cond!.values[1].toFixed(6))).toBe(2);
  });

  it('past MATRIX_UPTO images the image matrix is a fixed sample in the same order, and its title says so', () => {
    const few = Array.from({ length: MATRIX_UPTO }, (_, i) => MATRIX_UPTO - 1 - i);
    expect(matrixImages(few)).toBe(few);
    const order = Array.from({ length: 2500 }, (_, i) => (i * 7) % 2500);
    const a = matrixImages(order);
    expect(a.length).toBe(MATRIX_UPTO);
    expect(new Set(a).size).toBe(MATRIX_UPTO);
    // in `order`'s order, and the same every time
    const pos = new Map(order.map((v, k) => [v, k]));
    for (let k = 1; k < a.length; k++) expect(pos.get(a[k])!).toBeGreaterThan(pos.get(a[k - 1])!);
    expect(matrixImages([...order])).toEqual(a);
    const scene = imageMatrixScene({ enc: { subjects: null } as never, cursor: 2, labels: a.map(() => ''), ordered: false, tms, matrix: new Float32Array(4), of: 2500 });
    expect(scene.title).toBe(`Dissimilarity at ${tms[2]} ms, a fixed random sample of 1000 of 2500 images`);
  });
});
