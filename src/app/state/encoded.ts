// The encoded images of the gallery and what the views draw from them. The responses live in the
// responses worker (../responses.ts); here are the images that have one (gallery order), and the
// group means the worker sends for them: all images, each condition, the images with a condition,
// and the single images a view shows, each [4, 63, 140]. They are asked for again only when images,
// responses or conditions change; a cursor, window or channel change re-slices them here. With a
// subject mean (state/subjects.ts) they are asked for under each chosen subject's model tag, and
// the views get both each subject's group means (for the between-subject spread) and their mean.
import { useDeferredValue, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { useHeldWhile, useNearScreen } from '../near_screen.ts';
import { N_CHANNELS, N_REPETITIONS, N_TIMES } from '../../core/types.ts';
import { subjectMean } from '../../analysis/subjects.ts';
import { channelIndices, maskIndices, meanChannelsByTime, repSeries, type Dims } from '../../viz/stats.ts';
import type { GroupMean, GroupRequest } from '../response_store.ts';
import { groupMeans, hasResponse, itemKey, modelTag, repMeanNow } from '../responses.ts';
import { chNames, indexById } from './selectors.ts';
import { useApp, type ImageItem } from './store.ts';
import { collectSubjects, subjectMeanOn, type SubjectsEncoded } from './subjects.ts';

export interface Encoded {
  /** Encoded images, gallery order. */
  items: ImageItem[];
  /** their pixel keys in the responses worker */
  keys: string[];
  /** the model tag the responses are for ('' without a model, and with a subject mean) */
  tag: string;
  /** the tags the worker is asked with: the model's, or the chosen subjects' in order (none without a model) */
  tags: string[];
  dims: Dims;
  /** Ready images (decoded) still without a response for this model (every chosen subject's). */
  pending: number;
  /** group means by id ('all', 'cond:<name>', 'conditioned', 'img:<id>'), as the worker last sent them; with a subject mean, the subjects' mean of them */
  groups: ReadonlyMap<string, GroupMean>;
  /** Subject means (state/subjects.ts): who, and each subject's own group means. */
  subjects?: SubjectsEncoded;
}

export const NO_GROUPS: ReadonlyMap<string, GroupMean> = new Map();

export function collectEncoded(images: ImageItem[], model: ReturnType<typeof useApp.getState>['model'], groups: ReadonlyMap<string, GroupMean> = NO_GROUPS): Encoded {
  const items: ImageItem[] = [];
  const keys: string[] = [];
  let pending = 0;
  const tag = model ? modelTag(model) : '';
  if (model) {
    for (const it of images) {
      if (it.status !== 'ready' || !it.squareMode) continue;
      const key = itemKey(it);
      if (hasResponse(tag, key)) {
        items.push(it);
        keys.push(key);
      } else pending++;
    }
  }
  return { items, keys, tag, tags: tag ? [tag] : [], dims: { B: items.length, R: N_REPETITIONS, C: N_CHANNELS, T: N_TIMES }, pending, groups };
}

/** The groups that follow from the image list and conditions: all images, each condition, the conditioned images. */
function listRequests(enc: Encoded, conditions: string[]): GroupRequest[] {
  const out: GroupRequest[] = [{ id: 'all', keys: enc.keys }];
  const inCond = new Set(conditions);
  for (const c of conditions) out.push({ id: `cond:${c}`, keys: enc.keys.filter((_, i) => enc.items[i].condition === c) });
  out.push({ id: 'conditioned', keys: enc.keys.filter((_, i) => inCond.has(enc.items[i].condition ?? '\u0000')) });
  return out;
}

/** The single images picked (map source, image view) as one-image groups. */
function pickedRequests(enc: Encoded, picked: string[]): GroupRequest[] {
  const out: GroupRequest[] = [];
  for (const p of picked) {
    const i = p.startsWith('img:') ? indexById(enc.items, p.slice(4)) : -1;
    if (i >= 0) out.push({ id: p, keys: [enc.keys[i]] });
  }
  return out;
}

/** The subjects' mean of their group means (each group has the same images for every subject). */
export function meanOfSubjects(perSubject: readonly ReadonlyMap<string, GroupMean>[]): ReadonlyMap<string, GroupMean> {
  const out = new Map<string, GroupMean>();
  if (!perSubject.length) return out;
  for (const [id, g] of perSubject[0]) {
    const all = perSubject.map((m) => m.get(id));
    if (all.some((x) => !x || x.n !== g.n)) continue;
    out.set(id, { id, n: g.n, mean: g.n ? subjectMean(all.map((x) => x!.mean)) : g.mean });
  }
  return out;
}

// One Encoded for every panel, and the one request for its group means in flight.
let shared: { images: ImageItem[]; model: unknown; version: number; aggregates: number; group: unknown[] | null; encoded: Encoded } | null = null;
// the last answer: one map per tag asked (one subject, or each chosen subject in order)
let answered: ReadonlyMap<string, GroupMean>[] = [];
let answeredFor = '';

/** The last answer when it was for these tags (in this order), else none. */
export function answersFor(tags: readonly string[]): ReadonlyMap<string, GroupMean>[] {
  return tags.length && answeredFor === tags.join('\n') ? answered : [];
}

// What was last asked: the list groups (made again only when the image list, the tags or the
// conditions change, and then compared by their keys) and the picked images. A new pick alone
// asks for that image only, and its answer joins the list groups' last one.
let list: { items: ImageItem[]; keys: string[]; tags: string; conditions: string[]; req: GroupRequest[]; sig: string } | null = null;
let asked: { list: string; picked: string } | null = null;
/** the list groups' signature that `answered` holds */
let answeredList = '';

// the last call's input: every panel's useEncoded makes the same call after a render
let lastCall: { enc: Encoded; conditions: string[]; picked: string } | null = null;

function askGroups(enc: Encoded, conditions: string[], picked: string[]) {
  if (!enc.tags.length) return;
  const pickedSig = picked.join('\n');
  if (lastCall && lastCall.enc === enc && lastCall.conditions === conditions && lastCall.picked === pickedSig && asked) return;
  lastCall = { enc, conditions, picked: pickedSig };
  const tags = enc.tags.join('\n');
  if (!list || list.items !== enc.items || list.keys !== enc.keys || list.tags !== tags || list.conditions !== conditions) {
    const req = listRequests(enc, conditions);
    list = { items: enc.items, keys: enc.keys, tags, conditions, req, sig: `${tags}\n${req.map((g) => `${g.id}:${g.keys.join(',')}`).join('\n')}` };
  }
  const pickedReq = pickedRequests(enc, picked);
  // (the list's signature and the picks' apart: a new pick compares, and copies, none of the list's keys)
  const sig = { list: list.sig, picked: pickedReq.map((g) => `${g.id}:${g.keys[0]}`).join('\n') };
  if (asked && sig.list === asked.list && sig.picked === asked.picked) return;
  asked = sig;
  const listSig = list.sig;
  // the list groups as last answered: only the picks are asked for
  const reuse = answeredList === listSig && answeredFor === tags;
  const req = reuse ? pickedReq : [...list.req, ...pickedReq];
  const before = answered;
  const listReq = list.req;
  Promise.all(enc.tags.map((tag) => groupMeans(tag, req))).then(
    (got) => {
      if (asked !== sig) return; // a newer request is on its way
      answered = got.map((gs, k) => {
        const out = new Map<string, GroupMean>();
        if (reuse) for (const g of listReq) out.set(g.id, before[k].get(g.id)!);
        for (const g of gs) out.set(g.id, g);
        return out;
      });
      answeredFor = tags;
      answeredList = listSig;
      useApp.setState({ aggregatesVersion: useApp.getState().aggregatesVersion + 1 });
    },
    () => {
      // an image went away meanwhile: the change that removed it asks again
      if (asked === sig) asked = null;
    },
  );
}

/**
 * The gallery's images for what a panel works out from the whole list (counts, duplicates, option
 * lists, the encoded images): deferred, so that a batch of decodes landing re-renders those panels
 * in React's background render, which yields to input between components, and not in the task
 * that lands it (thousands of images made that task long).
 */
export function useImages(): ImageItem[] {
  return useDeferredValue(useApp((s) => s.images));
}

/**
 * Whether a panel may hold what it last drew: images decode and encode, and it is not on screen.
 * Each landing of thousands of images would otherwise re-render it (its option lists, counts and
 * blockers) for nobody to see; it catches up once it comes near the screen or the run ends.
 */
export function useOffScreenDuringRun(panel: RefObject<Element | null>): boolean {
  // (on screen itself: a count a frame late as it scrolls in costs nothing)
  const near = useNearScreen(panel, '0px');
  const running = useApp((s) => s.status.state === 'encoding');
  return running && !near;
}

/** useImages for a panel that holds its images while off screen during a run (useOffScreenDuringRun). */
export function useImagesNearScreen(panel: RefObject<Element | null>): ImageItem[] {
  return useHeldWhile(useImages(), useOffScreenDuringRun(panel));
}

/** The responses' version (a batch encoded, an image removed), deferred as useImages is and for the same reason. */
export function useResponsesVersion(): number {
  return useDeferredValue(useApp((s) => s.responsesVersion));
}

const sameList = <T,>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The encoded images and their group means. Panels that draw pass them through React's
 * useDeferredValue: a new batch then redraws them in a background render that yields to the
 * page between panels, rather than in one long task with the status and the thumbnails.
 */
export function useEncoded(): Encoded {
  const images = useImages();
  const model = useApp((s) => s.model);
  const version = useResponsesVersion();
  const aggregates = useApp((s) => s.aggregatesVersion);
  const conditions = useApp((s) => s.conditions);
  const mapSource = useApp((s) => s.mapSource);
  const imageView = useApp((s) => s.imageView);
  // A subject mean follows the chosen subjects and their models, not the loaded one.
  const mean = useApp(subjectMeanOn);
  const subjectModels = useApp((s) => s.subjectModels);
  const paths = useApp((s) => s.subjectPaths);
  const group = mean ? [subjectModels, paths] : null;
  const sameGroup = group ? shared?.group?.[0] === group[0] && shared?.group?.[1] === group[1] : !shared?.group;
  const sameInput = shared && shared.images === images && shared.version === version && sameGroup && (group || shared.model === model);
  if (sameInput && shared!.aggregates !== aggregates && !group) {
    // a new answer alone: the same images, new group means
    const e = shared!.encoded;
    shared = { ...shared!, aggregates, encoded: { ...e, groups: e.tag ? (answersFor([e.tag])[0] ?? NO_GROUPS) : NO_GROUPS } };
  } else if (!sameInput || shared!.aggregates !== aggregates) {
    let encoded = group ? collectSubjects({ ...useApp.getState(), images }, answersFor) : collectEncoded(images, model, model ? (answersFor([modelTag(model)])[0] ?? NO_GROUPS) : NO_GROUPS);
    // The same images as before (new group means, a response version for another subject): the
    // same arrays, so that what follows from the image list alone (option lists, the
    // dissimilarity matrix's order and labels) is not made again.
    const prev = shared?.encoded;
    if (prev && sameList(prev.items, encoded.items) && sameList(prev.keys, encoded.keys)) encoded = { ...encoded, items: prev.items, keys: prev.keys };
    shared = { images, model, version, aggregates, group, encoded };
  }
  const enc = shared!.encoded;
  const picked = [mapSource, imageView].filter((v) => v.startsWith('img:'));
  useEffect(() => askGroups(enc, conditions, picked), [enc, conditions, picked.join('\n')]); // eslint-disable-line react-hooks/exhaustive-deps
  return enc;
}

/**
 * `enc` as it was when the inputs of these groups last changed (the images, the subjects, each
 * group's mean): a figure built from these groups only is not made again when another group's
 * mean comes (a new map source's image).
 */
export function useEncodedFor(enc: Encoded, ids: readonly string[]): Encoded {
  const kept = useRef<{ enc: Encoded; inputs: unknown[] } | null>(null);
  const inputs: unknown[] = [enc.items, enc.keys, enc.tags.join('+'), enc.subjects, ...ids.map((id) => enc.groups.get(id))];
  const k = kept.current;
  if (!k || k.inputs.length !== inputs.length || k.inputs.some((x, i) => x !== inputs[i])) kept.current = { enc, inputs };
  return kept.current!.enc;
}

/**
 * useEncoded deferred (see there), except that a group the panel shows (a picked image or
 * condition) whose mean has just come is drawn from the live value at once, rather than after the
 * deferred render of every panel that follows the new answer.
 */
export function useEncodedShowing(ids: readonly string[]): Encoded {
  const live = useEncoded();
  const deferred = useDeferredValue(live);
  const has = (e: Encoded) => ids.every((id) => e.groups.has(id));
  return !has(deferred) && has(live) ? live : deferred;
}

/**
 * The responses as the plotly panels use them: deferred (see useEncoded), and held while images
 * encode, when their draws wait anyway (Plot.tsx), so that no batch recomputes figures that
 * would not be drawn. They follow again once encoding ends.
 */
export function useEncodedForPlots(): Encoded {
  const live = useEncoded();
  const encoding = useApp((s) => s.status.state === 'encoding');
  const kept = useRef(live);
  if (!encoding) kept.current = live;
  return useDeferredValue(kept.current);
}

/**
 * A value the responses worker computes for the current images (one line per image, a
 * dissimilarity matrix): asked for when `key` changes, the last answer kept meanwhile; null
 * before the first. One question at a time: keys that pass while one is being answered (a cursor
 * dragged over many samples) are not asked for, only the latest once the answer is in, so the
 * worker never works through a backlog that the views' other questions would wait behind.
 * With `exact`, null until the answer for this very key is in.
 */
export function useWorkerValue<T>(key: string | null, ask: () => Promise<T>, opts: { exact?: boolean } = {}): T | null {
  const [got, setGot] = useState<{ key: string; value: T } | null>(null);
  const latest = useRef<{ key: string | null; ask: () => Promise<T> }>({ key, ask });
  const busy = useRef(false);
  useEffect(() => {
    latest.current = { key, ask };
    if (key === null || got?.key === key || busy.current) return;
    const go = (k: string, question: () => Promise<T>) => {
      busy.current = true;
      const next = () => {
        busy.current = false;
        const l = latest.current;
        if (l.key !== null && l.key !== k) go(l.key, l.ask);
      };
      question().then(
        (value) => {
          if (latest.current.key === k) setGot({ key: k, value });
          next();
        },
        next, // the images changed meanwhile: the latest key asks again
      );
    };
    go(key, ask);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  // exact: nothing until this key's answer (a view whose values must not outlive their question)
  if (key === null || (opts.exact && got?.key !== key)) return null;
  return got?.value ?? null;
}

export function useSelection() {
  const model = useApp((s) => s.model);
  const selected = useApp((s) => s.selectedChannels);
  const mask = useApp((s) => s.timeMask);
  // the channel arrays do not follow the window: a window change leaves the views that read only them as they are
  const channels = useMemo(() => {
    const names = chNames();
    return { names, ch: channelIndices(names, selected), chMask: names.map((n) => selected.includes(n)) };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model, selected]);
  return useMemo(() => ({ ...channels, t: maskIndices(mask) }), [channels, mask]);
}

// imagesFor's answers per image list: the list stays the same array while its images do (useEncoded),
// and every panel asks for its groups on each render, an O(N) walk each at thousands of images
const imagesForCache = new WeakMap<readonly ImageItem[], Map<string, readonly number[]>>();

/** Indices (into Encoded.items) of the images a view refers to (shared: not to be changed). */
export function imagesFor(enc: Encoded, which: 'all' | `img:${string}` | `cond:${string}`): readonly number[] {
  let known = imagesForCache.get(enc.items);
  if (!known) imagesForCache.set(enc.items, (known = new Map()));
  let idx = known.get(which);
  if (idx) return idx;
  if (which === 'all') idx = enc.items.map((_, i) => i);
  else if (which.startsWith('img:')) {
    const i = indexById(enc.items, which.slice(4));
    idx = i >= 0 ? [i] : [];
  } else {
    const cond = which.slice(5);
    idx = enc.items.flatMap((it, i) => (it.condition === cond ? [i] : []));
  }
  known.set(which, idx);
  return idx;
}

/** A group's mean [4, 63, 140] as the worker last sent it, or null (no images, or not here yet). */
export function groupMean(enc: Encoded, which: string): Float32Array | null {
  const g = enc.groups.get(which);
  return g && g.n > 0 ? g.mean : null;
}

/**
 * A group's [C, T] mean over its images and repetitions, or null. A picked image's, before the
 * worker's answer comes, is read at once where the worker shares its repetition means (the same
 * float64 sums over the repetitions, so the same values the answer gives).
 */
export function groupCT(enc: Encoded, which: string): Float32Array | null {
  const m = groupMean(enc, which);
  if (m) return meanChannelsByTime(m, { ...enc.dims, B: 1 }, [0]);
  if (!which.startsWith('img:') || !enc.tag) return null; // (no tag: no model, or a subject mean)
  const i = indexById(enc.items, which.slice(4));
  return i < 0 ? null : repMeanNow(enc.tag, enc.keys[i]);
}

/** A group's [R, T] mean over its images and the channels ch, one row per repetition, or null. */
export function groupReps(enc: Encoded, which: string, ch: ArrayLike<number>): Float32Array | null {
  const m = groupMean(enc, which);
  return m ? repSeries(m, { ...enc.dims, B: 1 }, [0], ch) : null;
}

/** Each subject's mean [4, 63, 140] of a group, in subject order, or null (no subject mean, no images, or not here yet). */
export function subjectGroupMeans(enc: Encoded, which: string): Float32Array[] | null {
  if (!enc.subjects) return null;
  const per = enc.subjects.groups.map((m) => m.get(which));
  return per.every((g) => g && g.n > 0) ? per.map((g) => g!.mean) : null;
}

/** The dims of one group mean, [1, 4, 63, 140]: the subject-level functions of analysis/subjects.ts take it with images [0]. */
export function groupDims(enc: Encoded): Dims {
  return { ...enc.dims, B: 1 };
}
