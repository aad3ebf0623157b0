// The topomap interpolation grid for a montage, made once per montage and method. MNE's matrix
// loads with the page (its own chunk); until then, and for montages it does not cover, maps use
// the v4 spline and say so.
import { sensorsFor } from '../../viz/channels.ts';
import { makeTopomapGrid, type TopomapGrid, type TopomapMethod } from '../../viz/topomap.ts';
import { loadMneAsset, mneCovers, mneGridFromAsset, type MneAsset } from '../../viz/topomap_mne.ts';

let mneAsset: MneAsset | null = null;
/** Resolves once MNE's matrix has loaded. */
export const mneReady = loadMneAsset().then((a) => (mneAsset = a));

/** Whether MNE's matrix has loaded. */
export const mneLoaded = () => Boolean(mneAsset);

const gridCache = new Map<string, TopomapGrid>();
/** The grid for a montage under an interpolation; falls back to v4 where MNE's matrix cannot serve. */
export function topomapGrid(names: string[], method: TopomapMethod): TopomapGrid {
  const use: TopomapMethod = method === 'mne' && mneAsset && mneCovers(mneAsset, names) ? 'mne' : 'v4';
  const key = `${use}|${names.join(',')}`;
  let g = gridCache.get(key);
  if (!g) {
    g = use === 'mne' ? mneGridFromAsset(mneAsset!, names) : makeTopomapGrid(sensorsFor(names), 72);
    gridCache.set(key, g);
  }
  return g;
}
