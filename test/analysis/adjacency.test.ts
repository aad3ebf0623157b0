import { describe, expect, it } from 'vitest';
import golden from '../golden/stats/adjacency.json';
import channels from '../../src/data/channels_10-05_63.json';
import { channelAdjacency, delaunay, subsetAdjacency } from '../../src/analysis/adjacency.ts';

describe('sensor adjacency (mne.channels.find_ch_adjacency, Delaunay)', () => {
  const xy = channels.channels.map((c) => c.topo2d_m);
  it('equals MNE 1.3 for the 63 THINGS EEG2 channels of standard_1005', () => {
    expect(channels.channels.map((c) => c.name)).toEqual(golden.ch_names);
    expect(channelAdjacency(xy)).toEqual(golden.neighbors);
  });
  it('triangulates a square with a centre point into four triangles', () => {
    const t = delaunay([
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
      [0.5, 0.45],
    ]);
    expect(t.length).toBe(4);
    for (const tri of t) expect(tri).toContain(4);
  });
  it('subsets keep only neighbours inside the subset', () => {
    const a = subsetAdjacency(golden.neighbors, [5, 0, 1]);
    expect(a[1]).toContain(1);
    for (const l of a) for (const j of l) expect(j).toBeLessThan(3);
  });
});
