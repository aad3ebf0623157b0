// Conditions: the named groups of images (made by hand, from subfolders, from a stimulus list or
// from the Lab), which image belongs to which, and the pair A - B that differences and statistics use.
import { useApp } from '../state/store.ts';

const { getState: get, setState: set } = useApp;

/** The condition list becomes `conditions`; A and B, when unset, take the first two. */
function setConditionList(conditions: string[]) {
  const s = get();
  set({ conditions, diffA: s.diffA || conditions[0], diffB: s.diffB || (conditions.length > 1 ? conditions[1] : '') });
}

/** A new, empty condition (nothing happens for an empty or known name). */
export function addCondition(name: string) {
  const n = name.trim();
  if (!n || get().conditions.includes(n)) return;
  setConditionList([...get().conditions, n]);
}

/** Conditions that images brought in (folders, lists) join the condition list. */
export function addConditions(names: (string | undefined)[]) {
  const conditions = [...get().conditions];
  for (const n of names) if (n && !conditions.includes(n)) conditions.push(n);
  if (conditions.length === get().conditions.length) return;
  setConditionList(conditions);
}

/** Makes (or extends) a condition from gallery images. */
export function makeCondition(name: string, ids: string[]) {
  const n = name.trim();
  if (!n) throw new Error('a condition needs a name');
  const s = get();
  setConditionList(s.conditions.includes(n) ? s.conditions : [...s.conditions, n]);
  for (const id of ids) setCondition(id, n);
}

/** Deletes a condition: its images have none, and views that showed it go back to all images. */
export function removeCondition(name: string) {
  const s = get();
  for (const it of s.images) if (it.condition === name) setCondition(it.id, undefined);
  const conditions = s.conditions.filter((c) => c !== name);
  set({
    conditions,
    diffA: s.diffA === name ? (conditions[0] ?? '') : s.diffA,
    diffB: s.diffB === name ? (conditions[1] ?? '') : s.diffB,
    mapSource: s.mapSource === `cond:${name}` || s.mapSource === 'diff' ? 'all' : s.mapSource,
  });
}

export function setCondition(id: string, condition: string | undefined) {
  set({ images: get().images.map((i) => (i.id === id ? { ...i, condition } : i)) });
}

/** Every image whose name contains `pattern` (any case) goes to `condition`. */
export function assignByName(pattern: string, condition: string) {
  const p = pattern.trim().toLowerCase();
  if (!p) return;
  for (const it of get().images) if (it.name.toLowerCase().includes(p)) setCondition(it.id, condition);
}

/** Adds conditions to the list as they are (A and B untouched): a Lab sweep's one condition per step. */
export function appendConditions(names: Iterable<string>) {
  set({ conditions: [...new Set([...get().conditions, ...names])] });
}

/** The pair the difference wave, its map and the statistics compare. */
export function setDiffA(diffA: string) {
  set({ diffA });
}
export function setDiffB(diffB: string) {
  set({ diffB });
}
