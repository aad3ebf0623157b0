// What the page's address can ask for: ?backend=wasm (the engine's device), ?batch=16 (images per
// engine batch), ?subject=3 or ?subject=demo (the catalog entry to load).
import type { Device } from '../core/types.ts';

const DEVICES: Device[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

export interface PageOptions {
  device?: Device;
  batchSize?: number;
  /** the subject asked for, as written (a number or 'demo'); null when none */
  subject: string | null;
}

/** The options in a query string (location.search); unknown or malformed values are left out. */
export function pageOptions(search: string): PageOptions {
  const q = new URLSearchParams(search);
  const dev = q.get('backend') as Device | null;
  const bs = Number(q.get('batch'));
  return {
    device: dev && DEVICES.includes(dev) ? dev : undefined,
    batchSize: Number.isInteger(bs) && bs > 0 ? bs : undefined,
    subject: q.get('subject'),
  };
}

// ---------------- the view in the address ----------------
//
// ?ch=Oz,Cz,PO8 (the selected channels: the page's selection is a set, kept in the model's
// channel order; left out when all 63 are selected), &t=80-130,200-280 (time windows in ms, first and last sample included; left out when
// all 140 are), &at=120 (the cursor, ms), &topo=window (the map shows the cursor or the window),
// &chview=mean|each|butterfly, &view=mean|each|conditions, &map=all|diff|cond:<name>,
// &interp=mne|v4, &scale=fixed|frame. A link or a reload shows the same view; values the page
// cannot use are left out, never guessed.

/** The store fields the address carries. */
export interface UrlView {
  selectedChannels?: string[];
  timeMask?: number[];
  cursor?: number;
  topoMode?: 'cursor' | 'window';
  channelView?: 'mean' | 'each' | 'butterfly';
  imageView?: 'mean' | 'each' | 'conditions';
  mapSource?: 'all' | 'diff' | `cond:${string}`;
  topoMethod?: 'mne' | 'v4';
  colorScale?: 'fixed' | 'frame';
}

export const VIEW_KEYS = ['ch', 't', 'at', 'topo', 'chview', 'view', 'map', 'interp', 'scale'] as const;

const oneOf = <T extends string>(v: string | null, allowed: readonly T[]): T | undefined => (v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : undefined);

/** The view a query string asks for, against the model's channel names and times (seconds). */
export function viewFromQuery(search: string, chNames: readonly string[], times: readonly number[]): UrlView {
  const q = new URLSearchParams(search);
  const out: UrlView = {};
  const ch = q.get('ch');
  if (ch !== null) {
    const names = ch.split(',').filter(Boolean);
    if (names.length && names.every((n) => chNames.includes(n))) out.selectedChannels = chNames.filter((n) => names.includes(n));
  }
  const ms = times.map((t) => Math.round(t * 1000));
  const t = q.get('t');
  if (t !== null) {
    const mask = new Array(times.length).fill(0);
    const ok = t.split(',').every((part) => {
      const m = /^(-?\d+)-(-?\d+)$/.exec(part) ?? /^(-?\d+)$/.exec(part);
      if (!m) return false;
      const a = Number(m[1]);
      const b = Number(m[2] ?? m[1]);
      const i = ms.indexOf(a);
      const j = ms.indexOf(b);
      if (i < 0 || j < i) return false;
      for (let k = i; k <= j; k++) mask[k] = 1;
      return true;
    });
    if (ok && mask.includes(1)) out.timeMask = mask;
  }
  const at = q.get('at');
  if (at !== null && ms.includes(Number(at)) && /^-?\d+$/.test(at)) out.cursor = ms.indexOf(Number(at));
  out.topoMode = oneOf(q.get('topo'), ['cursor', 'window'] as const);
  out.channelView = oneOf(q.get('chview'), ['mean', 'each', 'butterfly'] as const);
  out.imageView = oneOf(q.get('view'), ['mean', 'each', 'conditions'] as const);
  const map = q.get('map');
  if (map === 'all' || map === 'diff' || (map?.startsWith('cond:') && map.length > 5)) out.mapSource = map as UrlView['mapSource'];
  out.topoMethod = oneOf(q.get('interp'), ['mne', 'v4'] as const);
  out.colorScale = oneOf(q.get('scale'), ['fixed', 'frame'] as const);
  for (const k of Object.keys(out) as (keyof UrlView)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/** The query string for a view, keeping the other parameters of `search` (backend, batch, subject). */
export function viewToQuery(
  search: string,
  v: Required<Omit<UrlView, 'mapSource' | 'imageView'>> & { mapSource: string; imageView: string },
  chNames: readonly string[],
  times: readonly number[],
): string {
  const q = new URLSearchParams(search);
  for (const k of VIEW_KEYS) q.delete(k);
  const ms = times.map((t) => Math.round(t * 1000));
  const allChannels = v.selectedChannels.length === chNames.length && v.selectedChannels.every((c, i) => c === chNames[i]);
  if (!allChannels) q.set('ch', v.selectedChannels.join(','));
  if (v.timeMask.includes(0)) {
    const runs: string[] = [];
    for (let i = 0; i < v.timeMask.length; i++) {
      if (!v.timeMask[i]) continue;
      let j = i;
      while (j + 1 < v.timeMask.length && v.timeMask[j + 1]) j++;
      runs.push(i === j ? `${ms[i]}` : `${ms[i]}-${ms[j]}`);
      i = j;
    }
    q.set('t', runs.join(','));
  }
  q.set('at', String(ms[v.cursor]));
  q.set('topo', v.topoMode);
  q.set('chview', v.channelView);
  if (v.imageView === 'mean' || v.imageView === 'each' || v.imageView === 'conditions') q.set('view', v.imageView);
  if (v.mapSource === 'all' || v.mapSource === 'diff' || v.mapSource.startsWith('cond:')) q.set('map', v.mapSource);
  q.set('interp', v.topoMethod);
  q.set('scale', v.colorScale);
  const s = q.toString().replace(/%2C/g, ',').replace(/%3A/g, ':');
  return s ? `?${s}` : '';
}
