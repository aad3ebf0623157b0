// Sensor positions for plots. The montage file (src/data/channels_10-05_63.json) carries
// MNE's 2-D topomap projection of the standard_1005 positions; its provenance is recorded inside.
import montage from '../data/channels_10-05_63.json';

export interface Sensor {
  name: string;
  /** MNE topomap coordinates, metres; +x right ear, +y nose. */
  x: number;
  y: number;
}

/** MNE's default head sphere radius (m): the head circle of the topomap. */
export const HEAD_RADIUS_M: number = montage.mne_default_sphere_m[3];

/** The 63 THINGS EEG2 channels in BERG's order. */
export const MONTAGE_SENSORS: readonly Sensor[] = montage.channels.map((c) => ({
  name: c.name,
  x: c.topo2d_m[0],
  y: c.topo2d_m[1],
}));

const byName = new Map(MONTAGE_SENSORS.map((s) => [s.name.toLowerCase(), s]));

/** Positions for a model's ch_names, in that order; throws on a name the montage lacks. */
export function sensorsFor(chNames: readonly string[]): Sensor[] {
  return chNames.map((n) => {
    const s = byName.get(n.toLowerCase());
    if (!s) throw new Error(`Channel ${n} has no position in the 10-05 montage`);
    return { ...s, name: n };
  });
}

export type RegionPreset =
  | 'all'
  | 'none'
  | 'occipital'
  | 'parietal'
  | 'central'
  | 'frontal'
  | 'temporal'
  | 'left'
  | 'right'
  | 'midline';

export const REGION_PRESETS: readonly RegionPreset[] = [
  'all',
  'none',
  'occipital',
  'parietal',
  'central',
  'frontal',
  'temporal',
  'left',
  'right',
  'midline',
];

// 10-05 names: a letter prefix for the region, then 'z' (midline), an odd (left) or even (right) number.
function prefixOf(name: string): string {
  return name.replace(/(z|\d+)$/i, '');
}
function sideOf(name: string): 'left' | 'right' | 'midline' {
  const m = /(\d+)$/.exec(name);
  if (!m) return 'midline';
  return Number(m[1]) % 2 === 1 ? 'left' : 'right';
}

const REGION_PREFIXES: Record<string, string[]> = {
  occipital: ['O', 'PO', 'I'],
  parietal: ['P', 'CP'],
  central: ['C', 'FC'],
  frontal: ['Fp', 'AF', 'F'],
  // Temporal includes the fronto-/temporo-parietal temporal rows (FT, TP).
  temporal: ['T', 'FT', 'TP'],
};

/** Channel names (in chNames order) that belong to a region preset. */
export function presetChannels(preset: RegionPreset, chNames: readonly string[]): string[] {
  switch (preset) {
    case 'all':
      return [...chNames];
    case 'none':
      return [];
    case 'left':
    case 'right':
    case 'midline':
      return chNames.filter((n) => sideOf(n) === preset);
    default: {
      const prefixes = REGION_PREFIXES[preset].map((p) => p.toLowerCase());
      return chNames.filter((n) => prefixes.includes(prefixOf(n).toLowerCase()));
    }
  }
}
