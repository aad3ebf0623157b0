// What is selected: channels (scalp map, presets, list), the time window or 0/1 mask, the time
// cursor and its playback.
import { chNames, times } from '../state/selectors.ts';
import { useApp } from '../state/store.ts';

const { getState: get, setState: set } = useApp;

/** Selects exactly these channels (in the model's channel order; unknown names are left out). */
export function setChannels(names: Iterable<string>) {
  const want = new Set(names);
  set({ selectedChannels: chNames().filter((n) => want.has(n)) });
}

export function toggleChannel(name: string) {
  const sel = new Set(get().selectedChannels);
  if (sel.has(name)) sel.delete(name);
  else sel.add(name);
  setChannels(sel);
}

/** Keeps the channel selection valid for the loaded model's ch_names (and in its order). */
export function reconcileChannels() {
  setChannels(get().selectedChannels);
}

/** The window: samples a..b (either order, clamped to the epoch). */
export function setWindow(a: number, b: number) {
  const n = times().length;
  const lo = Math.max(0, Math.min(a, b));
  const hi = Math.min(n - 1, Math.max(a, b));
  set({ timeMask: Array.from({ length: n }, (_, i) => (i >= lo && i <= hi ? 1 : 0)) });
}

/** An arbitrary 0/1 mask over the samples (already checked by the caller). */
export function setTimeMask(timeMask: number[]) {
  set({ timeMask });
}

export function setCursor(cursor: number) {
  set({ cursor });
}

export function togglePlaying() {
  set({ playing: !get().playing });
}

/** One playback step: the cursor moves to the next selected sample (all samples when none is selected), looping. */
export function advanceCursor() {
  const s = get();
  const idx = s.timeMask.flatMap((v, i) => (v ? [i] : []));
  const pool = idx.length ? idx : s.timeMask.map((_, i) => i);
  const k = pool.indexOf(s.cursor);
  set({ cursor: pool[(k + 1) % pool.length] });
}
