// The views with a subject mean: lines of the mean over subjects, bands of the spread across
// subjects (hand-checkable: two subjects that differ by a constant), the spread map, and the
// dissimilarity course as the mean of the subjects' own courses.
import { describe, expect, it } from 'vitest';
import { conditionsView } from '../../src/app/figures/conditions.ts';
import { courseValues, dissimilarityCourse } from '../../src/app/figures/rdm.ts';
import type { GroupMean } from '../../src/app/response_store.ts';
import { meanOfSubjects } from '../../src/app/state/encoded.ts';
import { timecourseView } from '../../src/app/figures/timecourse.ts';
import { sourceCT, sourceLabel, subjectSpreadScene, topomapView, type TopomapArgs } from '../../src/app/figures/topomap.ts';
import type { Encoded } from '../../src/app/state/encoded.ts';
import type { ImageItem } from '../../src/app/state/store.ts';
import { meanDissimilarityOverTime } from '../../src/viz/stats.ts';
import { makeTopomapGrid } from '../../src/viz/topomap.ts';
import { sensorsFor } from '../../src/viz/channels.ts';

const R = 2;
const C = 3;
const T = 4;
const B = 2;
const names = ['O1', 'Oz', 'O2'];
const tms = [-5, 0, 5, 10];

/** Subject s's response: image, channel and time pattern, plus 2·s everywhere (a subject offset). */
function subject(s: number): Float32Array {
  const d = new Float32Array(B * R * C * T);
  for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) for (let t = 0; t < T; t++) d[((b * R + r) * C + c) * T + t] = 100 * b + 10 * c + t + r + 2 * s + (b === 1 ? s * c : 0);
  return d;
}

/** What the views get with a subject mean: each subject's group means (as the responses worker sends them, here averaged in the test) and their mean. */
function encoded(S: number): Encoded & { data: Float32Array[] } {
  const data = Array.from({ length: S }, (_, s) => subject(s));
  const items = ['a', 'b'].map((condition, i) => ({ id: `i${i}`, name: `img${i}.png`, file: new Blob(), status: 'ready', condition }) as ImageItem);
  const n = R * C * T;
  const groupsOf = (d: Float32Array) => {
    const g = new Map<string, GroupMean>();
    const add = (id: string, idx: number[]) => {
      const m = new Float32Array(n);
      for (const b of idx) for (let k = 0; k < n; k++) m[k] += d[b * n + k] / idx.length;
      g.set(id, { id, n: idx.length, mean: m });
    };
    add('all', [0, 1]);
    add('cond:a', [0]);
    add('cond:b', [1]);
    add('conditioned', [0, 1]);
    return g;
  };
  const per = data.map(groupsOf);
  const tags = data.map((_, s) => `t${s}`);
  return {
    items,
    keys: items.map((it) => `${it.id}|crop`),
    tag: '',
    tags,
    data,
    dims: { B, R, C, T },
    pending: 0,
    groups: meanOfSubjects(per),
    subjects: { paths: data.map((_, s) => `p${s}`), labels: data.map((_, s) => `S${s}`), subjects: ['demo', 'demo-2', 'demo-3'].slice(0, S) as never, synthetic: data.map(() => true), models: [], tags, groups: per },
  };
}

const base = { names, ch: [0], chMask: [true, false, false], tms, imageView: 'mean' as const, channelView: 'mean' as const, band: 'minmax' as const, timeMask: [1, 1, 1, 1], conditions: ['a', 'b'], title: 't' };

describe('subject-mean figures', () => {
  it('time course: the mean over subjects, with a ±1 SEM band of the subject offsets', () => {
    // two subjects at channel 0: offsets 0 and 2 -> mean +1, SD sqrt(2), SEM 1
    const v = timecourseView({ ...base, enc: encoded(2), subjectSpread: 'sem' })!;
    const tr = v.figure.data as Array<{ y?: number[]; name?: string }>;
    const line = tr.find((d) => d.name?.includes('2 subjects'))!;
    const one = Array.from({ length: T }, (_, t) => (0 + 100) / 2 + t + 0.5 + 1);
    expect(line.y!.map((y) => Number(y.toFixed(9)))).toEqual(one);
    const all = tr.flatMap((d) => d.y ?? []);
    for (let t = 0; t < T; t++) {
      expect(all).toContainEqual(one[t] + 1);
      expect(all).toContainEqual(one[t] - 1);
    }
  });

  it('time course without a subject band draws no band, and never the repetition band', () => {
    const v = timecourseView({ ...base, enc: encoded(2), subjectSpread: 'off' })!;
    expect((v.figure.data as Array<{ fill?: string }>).some((d) => d.fill)).toBe(false);
  });

  it('conditions: the difference is formed within each subject (b − a = 100 + s·c), its SEM over subjects', () => {
    const v = conditionsView({ ...base, enc: encoded(3), ch: [2], t: [0, 1, 2, 3], cursor: 1, diffA: 'b', diffB: 'a', topoMode: 'cursor', colorScale: 'fixed', grid: () => makeTopomapGrid(sensorsFor(names), 16), subjectSpread: 'sem' })!;
    const tr = v.tc.data as Array<{ y?: number[]; name?: string }>;
    const diff = tr.find((d) => d.name === 'b − a')!;
    // channel 2: differences 100, 102, 104 -> mean 102, SD 2, SEM 2/sqrt(3)
    expect(diff.y![0]).toBeCloseTo(102, 5);
    const all = tr.flatMap((d) => d.y ?? []);
    expect(all.some((y) => Math.abs(y - (102 + 2 / Math.sqrt(3))) < 1e-5)).toBe(true);
  });

  it('the spread map: SEM per sensor over the subjects\u2019 maps at the cursor', () => {
    const enc = encoded(3);
    const args = { enc, names, t: [0, 1], chMask: [true, true, true], grid: makeTopomapGrid(sensorsFor(names), 16), tms, mapSource: 'all', diffA: '', diffB: '', multiples: 'off', multipleTimes: '', topoMode: 'cursor', cursor: 2, colorScale: 'fixed', timeMask: [1, 1, 1, 1], peakThreshold: 0.5, topoMethod: 'v4' } as unknown as TopomapArgs;
    const r = subjectSpreadScene(args, 'sem')!;
    // subject s, channel c: offset 2s + (image 1) s·c / 2 -> values s·(2 + c/2): SD |2 + c/2|, SEM that / sqrt(3)
    for (let c = 0; c < C; c++) expect(r.values[c]).toBeCloseTo((2 + c / 2) / Math.sqrt(3), 5);
    expect(r.scene.title).toMatch(/SEM across 3 subjects/);
    // the map above it names the subjects it is the mean over, not only the images
    const map = topomapView({ ...args, ct: sourceCT(enc, 'all', '', '')!, g: new Float32Array(T) });
    expect(map.scene.title).toBe(`mean of ${enc.items.length} images, 3 subjects · ${tms[2]} ms`);
    expect(sourceLabel(encoded(2), 'all', '', '')).toBe(`mean of ${enc.items.length} images, 2 subjects`);
    expect(subjectSpreadScene({ ...args, multiples: 'peaks' }, 'sem')).toBeNull();
    expect(subjectSpreadScene(args, 'off')).toBeNull();
  });

  it('dissimilarity course: the mean of each subject\u2019s own course', () => {
    const enc = encoded(3);
    const plan = dissimilarityCourse(enc, [0, 1], [0, 1, 2])!;
    // the responses worker answers each subject's own course, [S, T] (ResponseStore.dissimilarityCourse)
    const own = enc.data.map((d) => meanDissimilarityOverTime(d, enc.dims, plan.idx, [0, 1, 2]));
    const raw = new Float32Array(3 * T);
    own.forEach((o, s) => raw.set(o, s * T));
    const got = courseValues(raw, 3, T, 'sem')!;
    for (let t = 0; t < T; t++) expect(got.values[t]).toBeCloseTo((own[0][t] + own[1][t] + own[2][t]) / 3, 6);
    expect(got.lo).toBeDefined();
    expect(plan.title).toMatch(/mean of 3 subjects/);
  });
});
