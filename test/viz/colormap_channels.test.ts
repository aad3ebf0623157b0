import { describe, expect, it } from 'vitest';
import { colorAt, colormapLut, colorFor } from '../../src/viz/colormap.ts';
import { MONTAGE_SENSORS, presetChannels, sensorsFor } from '../../src/viz/channels.ts';

describe('RdBu_r', () => {
  it('runs blue (negative) -> white -> red (positive)', () => {
    expect(colorAt('RdBu_r', 0)).toEqual([0x05, 0x30, 0x61]);
    expect(colorAt('RdBu_r', 0.5)).toEqual([0xf7, 0xf7, 0xf7]);
    expect(colorAt('RdBu_r', 1)).toEqual([0x67, 0x00, 0x1f]);
    expect(colorFor('RdBu_r', 0, -2, 2)).toEqual([0xf7, 0xf7, 0xf7]);
    expect(colorAt('RdBu_r', NaN)).toBeNull();
    expect(colorAt('RdBu_r', 7)).toEqual(colorAt('RdBu_r', 1));
  });
  it('lookup table runs from the first to the last control point', () => {
    const lut = colormapLut('RdBu_r', 256);
    expect(lut).toHaveLength(768);
    expect([...lut.subarray(0, 3)]).toEqual([0x05, 0x30, 0x61]);
    expect([...lut.subarray(765)]).toEqual([0x67, 0x00, 0x1f]);
    expect([...colormapLut('RdBu_r', 3).subarray(3, 6)]).toEqual([0xf7, 0xf7, 0xf7]);
  });
});

describe('montage and presets', () => {
  const names = MONTAGE_SENSORS.map((s) => s.name);
  it('has the 63 channels in BERG order', () => {
    expect(names).toHaveLength(63);
    expect(names.slice(0, 3)).toEqual(['Fp1', 'F3', 'F7']);
    expect(names[62]).toBe('AF8');
    expect(() => sensorsFor(['Fp1', 'Nope'])).toThrow(/Nope/);
  });
  it('presets pick the expected channels, in ch_names order', () => {
    expect(presetChannels('all', names)).toEqual(names);
    expect(presetChannels('none', names)).toEqual([]);
    expect(presetChannels('occipital', names)).toEqual(['O1', 'Oz', 'O2', 'PO7', 'PO3', 'POz', 'PO4', 'PO8']);
    expect(presetChannels('midline', names)).toEqual(['Pz', 'Oz', 'Cz', 'AFz', 'FCz', 'POz', 'CPz']);
    const left = presetChannels('left', names);
    const right = presetChannels('right', names);
    expect(left.length).toBe(right.length);
    expect(left.length + right.length + 7).toBe(63);
    expect(presetChannels('temporal', names)).toEqual(['FT9', 'T7', 'TP9', 'TP10', 'T8', 'FT10', 'FT7', 'TP7', 'TP8', 'FT8']);
    expect(presetChannels('frontal', names)).toContain('Fp1');
    expect(presetChannels('frontal', names)).not.toContain('FC1');
    expect(presetChannels('central', names)).toContain('FC1');
    expect(presetChannels('parietal', names)).toContain('CP1');
    // Left-side channels sit left of the midline in the topomap.
    const pos = new Map(MONTAGE_SENSORS.map((s) => [s.name, s]));
    expect(left.every((n) => pos.get(n)!.x < 0)).toBe(true);
  });
});
