import { describe, expect, it } from 'vitest';
import { MONTAGE_SENSORS } from '../../src/viz/channels.ts';
import { gfpPeaks, jointHeight, jointHit, jointSvg, layoutJoint, parseTimeList, type JointSpec } from '../../src/viz/joint.ts';
import { makeTopomapGrid } from '../../src/viz/topomap.ts';
import { MIN_MAP_SIDE, prepareScene } from '../../src/viz/topomap_render.ts';

describe('GFP peaks for the joint plot', () => {
  // a baseline ripple (0.019) before a big peak (1.31) and a second, smaller one
  const T = 140;
  const g = Float32Array.from({ length: T }, (_, i) => 0.01 + 0.009 * Math.sin(i) ** 2 + 1.3 * Math.exp(-(((i - 40) / 4) ** 2)) + 0.8 * Math.exp(-(((i - 55) / 5) ** 2)));
  it('keeps peaks above the threshold only, in time order', () => {
    const p = gfpPeaks(g, null, 0.5);
    expect(p.indices).toEqual([40, 55]);
    expect(p.maxGfp).toBeCloseTo(1.31, 1);
    expect(p.threshold).toBeCloseTo(0.5 * p.maxGfp, 6);
    // a low threshold admits the ripple: the threshold is what keeps it out
    expect(gfpPeaks(g, null, 0.001).indices.length).toBeGreaterThan(2);
  });
  it('respects the window and the separation', () => {
    const mask = Array.from({ length: T }, (_, i) => (i >= 50 ? 1 : 0));
    expect(gfpPeaks(g, mask, 0.5).indices).toEqual([55]);
    expect(gfpPeaks(g, null, 0.3, 30).indices).toEqual([40]);
  });
});

describe('time lists', () => {
  it('flags bad entries instead of clamping them', () => {
    const r = parseTimeList('abc, -500, 9999, 100', -100, 595);
    expect(r.times).toEqual([100]);
    expect(r.errors).toEqual(['“abc” is not a number', '-500 ms is outside -100…595 ms', '9999 ms is outside -100…595 ms']);
    expect(parseTimeList('100 170;250', -100, 595)).toEqual({ times: [100, 170, 250], errors: [] });
    expect(parseTimeList('  ', -100, 595).errors).toHaveLength(1);
    expect(parseTimeList('1,2,3,4,5,6,7,8,9', -100, 595).errors[0]).toMatch(/at most 8/);
  });
});

describe('joint layout', () => {
  const grid = makeTopomapGrid(MONTAGE_SENSORS.slice(), 40);
  const values = Float32Array.from(MONTAGE_SENSORS, (s) => s.y);
  const spec = (n: number): JointSpec => ({
    prep: prepareScene({ grid, panels: Array.from({ length: n }, (_, i) => ({ values, title: `${i} ms` })), range: [-1, 1], unit: 'a.u.' }),
    mapTimes: Array.from({ length: n }, (_, i) => i * 100),
    timesMs: Array.from({ length: 140 }, (_, i) => -100 + 5 * i),
    channels: new Float32Array(63 * 140).map((_, k) => Math.sin(k / 10)),
    nChannels: 63,
    names: MONTAGE_SENSORS.map((s) => s.name),
    gfp: new Float32Array(140).fill(0.5),
    unit: 'a.u.',
    title: 't',
  });
  for (const width of [1200, 700, 360]) {
    it(`maps stay >= ${MIN_MAP_SIDE} px across and do not overlap at ${width} px`, () => {
      const s = spec(6);
      const h = jointHeight(6, width, "a note long enough to wrap onto a second line at the narrowest width of the three tested here");
      const lay = layoutJoint(s, width, h);
      const side = 2 * grid.clipRadius * 1.16 * lay.panels[0].k;
      expect(side).toBeGreaterThanOrEqual(MIN_MAP_SIDE - 0.01);
      for (let i = 0; i < 6; i++)
        for (let j = i + 1; j < 6; j++) {
          const a = lay.panels[i];
          const b = lay.panels[j];
          const apart = Math.abs(a.cx - b.cx) >= side - 0.01 || Math.abs(a.cy - b.cy) >= side - 0.01;
          expect(apart).toBe(true);
        }
      for (const p of lay.panels) expect(p.cx + side / 2).toBeLessThanOrEqual(width);
      expect(lay.plot.y0).toBeGreaterThan(lay.mapsBottom);
      expect(lay.gfpAxis.y1).toBeLessThan(h);
    });
  }
  it('hit test: a sensor on a map, a time on the butterfly', () => {
    const s = spec(2);
    const lay = layoutJoint(s, 900, jointHeight(2, 900));
    const oz = MONTAGE_SENSORS.findIndex((x) => x.name === 'Oz');
    const b = lay.panels[1];
    const hit = jointHit(s, lay, b.cx + MONTAGE_SENSORS[oz].x * b.k, b.cy - MONTAGE_SENSORS[oz].y * b.k);
    expect(hit).toMatchObject({ kind: 'map', panel: 1, sensor: oz });
    const x = lay.plot.x0 + (lay.plot.x1 - lay.plot.x0) * ((100 + 2.5) / 700); // t = 0 ms
    const t = jointHit(s, lay, x, (lay.plot.y0 + lay.plot.y1) / 2);
    expect(t).toMatchObject({ kind: 'time', index: 20 });
  });
});

describe('joint SVG', () => {
  const grid = makeTopomapGrid(MONTAGE_SENSORS.slice(), 40);
  const values = Float32Array.from(MONTAGE_SENSORS, (s) => s.x);
  const mk = (n: number): JointSpec => ({
    prep: prepareScene({ grid, panels: Array.from({ length: n }, (_, i) => ({ values, title: `${i * 50} ms` })), range: [-1, 1], unit: 'a.u.' }),
    mapTimes: Array.from({ length: n }, (_, i) => i * 50),
    timesMs: Array.from({ length: 140 }, (_, i) => -100 + 5 * i),
    channels: new Float32Array(63 * 140).map((_, k) => Math.cos(k / 7)),
    nChannels: 63,
    names: MONTAGE_SENSORS.map((s) => s.name),
    gfp: new Float32Array(140).fill(0.4),
    threshold: 0.2,
    unit: 'a.u.',
    title: 'joint <test>',
    note: 'Interpolation: test',
  });
  it('one connector per map in one row; upper rows of wrapped maps get labelled markers instead', () => {
    const one = mk(3);
    const svg = jointSvg(one, layoutJoint(one, 1000, jointHeight(3, 1000, one.note)), []);
    expect(svg.match(/class="connector"/g)).toHaveLength(3);
    expect(svg).toContain('joint &lt;test&gt;');
    expect(svg).toContain('class="threshold"');
    expect(svg.match(/class="sensor"/g)).toHaveLength(3 * 63);
    const six = mk(6);
    const lay = layoutJoint(six, 360, jointHeight(6, 360, six.note));
    const rows = new Set(lay.panels.map((p) => p.cy)).size;
    expect(rows).toBeGreaterThan(1);
    const lastRow = lay.panels.filter((p) => p.cy === Math.max(...lay.panels.map((b) => b.cy))).length;
    expect(jointSvg(six, lay, []).match(/class="connector"/g)).toHaveLength(lastRow);
  });
});
