import { describe, expect, it } from 'vitest';
import { MONTAGE_SENSORS, presetChannels, sensorsFor } from '../../src/viz/channels.ts';

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
