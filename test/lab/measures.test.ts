import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import montage from '../../src/data/channels_10-05_63.json';
import { LabRandom } from '../../src/lab/rng.ts';
import { COMPONENT_PRESETS, componentMeasures, histogram, measureImages, rankImages, windowIndices, windowTopography, channelRows } from '../../src/lab/measures.ts';

const gold = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'golden', 'lab', 'measures.json'), 'utf8'));
const ch = montage.channels.map((c) => c.name);
const times = Array.from({ length: 140 }, (_, i) => Math.round(-100 + 5 * i) / 1000);
const d = { R: 4, C: 63, T: 140 };
// float32(RandomState(42).standard_normal((6, 4, 63, 140))), as the reference draws them
const rng = new LabRandom(42);
const blocks = Array.from({ length: 6 }, () => {
  const b = new Float32Array(4 * 63 * 140);
  for (let i = 0; i < b.length; i++) b[i] = rng.normal();
  return b;
});

function close(got: ArrayLike<number>, want: number[], tol = 1e-9) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `index ${i}`).toBeLessThan(tol);
}

describe('component measures against numpy (tools/reference/make_lab_goldens.py)', () => {
  it('the presets are P1, N1/N170 and P2 as docs/lab.md defines them, each with its numpy golden', () => {
    expect(COMPONENT_PRESETS.map(({ id, channels, tmin, tmax, polarity }) => ({ id, channels, tmin, tmax, polarity }))).toEqual([
      { id: 'P1', channels: ['O1', 'Oz', 'O2'], tmin: 0.08, tmax: 0.13, polarity: 'positive' },
      { id: 'N1', channels: ['P7', 'P8', 'PO7', 'PO8'], tmin: 0.14, tmax: 0.2, polarity: 'negative' },
      { id: 'P2', channels: ['O1', 'Oz', 'O2', 'PO3', 'POz', 'PO4'], tmin: 0.2, tmax: 0.28, polarity: 'positive' },
    ]);
    expect(Object.keys(gold.presets).sort()).toEqual(['N1', 'P1', 'P2']);
    // every preset channel is a THINGS EEG2 channel, and each window holds samples
    for (const p of COMPONENT_PRESETS) {
      for (const c of p.channels) expect(ch).toContain(c);
      expect(windowIndices(times, p.tmin, p.tmax).length).toBeGreaterThan(0);
    }
  });
  for (const p of COMPONENT_PRESETS) {
    it(`${p.id}: mean amplitude, peak amplitude and latency`, () => {
      const r = blocks.map((b) => componentMeasures(b, d, ch, times, p));
      close(r.map((x) => x.mean), gold.presets[p.id].mean);
      close(r.map((x) => x.peakAmplitude), gold.presets[p.id].peak_amplitude);
      close(r.map((x) => x.peakLatency), gold.presets[p.id].peak_latency, 1e-12);
      const m = measureImages(blocks, d, ch, times, { kind: 'peak-latency', channels: p.channels, tmin: p.tmin, tmax: p.tmax, polarity: p.polarity });
      close(m, gold.presets[p.id].peak_latency, 1e-12);
    });
  }

  it('contrast between channel groups', () => {
    close(measureImages(blocks, d, ch, times, { kind: 'group-contrast', channels: ['O1', 'Oz', 'O2'], channelsB: ['Fp1', 'Fp2'], tmin: 0.08, tmax: 0.13 }), gold.group_contrast);
  });

  it('similarity to a target topography (image 1 as the target) and to a target time course', () => {
    const ts = windowIndices(times, 0.1, 0.2);
    const target = windowTopography(blocks[0], d, channelRows(ch, ch), ts);
    const r = measureImages(blocks, d, ch, times, { kind: 'topography-similarity', channels: ch, tmin: 0.1, tmax: 0.2, target });
    close(r, gold.topography_similarity);
    expect(r[0]).toBeCloseTo(1, 12);
    const tc = times.map((t) => Math.sin(2 * Math.PI * 5 * t));
    close(measureImages(blocks, d, ch, times, { kind: 'timecourse-similarity', channels: ['Oz'], tmin: -0.1, tmax: 0.595, target: tc }), gold.timecourse_similarity);
  });

  it('ranking and histogram', () => {
    const p1 = measureImages(blocks, d, ch, times, { kind: 'mean', channels: ['O1', 'Oz', 'O2'], tmin: 0.08, tmax: 0.13 });
    const r = rankImages(p1, 2);
    expect(r.order).toEqual(gold.rank_p1_mean);
    expect(r.top).toEqual(gold.rank_p1_mean.slice(0, 2));
    expect(r.bottom).toEqual(gold.rank_p1_mean.slice(-2).reverse());
    const h = histogram(p1, 4);
    expect(h.counts).toEqual(gold.histogram_p1_mean.counts);
    close(h.edges, gold.histogram_p1_mean.edges, 1e-12);
  });
});

describe('measure edge cases', () => {
  it('NaN scores rank last and join neither end', () => {
    const r = rankImages([1, NaN, 3, 2], 2);
    expect(r.order).toEqual([2, 3, 0, 1]);
    expect(r.top).toEqual([2, 3]);
    expect(r.bottom).toEqual([0, 3]);
  });
  it('unknown channels and empty windows are refused', () => {
    expect(() => measureImages(blocks, d, ch, times, { kind: 'mean', channels: ['Xz'], tmin: 0.1, tmax: 0.2 })).toThrow(/unknown channel/);
    expect(() => windowIndices(times, 0.7, 0.8)).toThrow(/no time point/);
  });
});
