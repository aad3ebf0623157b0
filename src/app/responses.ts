// The page's side of the encoded responses. They live in the responses worker
// (responses.worker.ts: browser storage, and a ResponseStore with the index and running sums);
// the main thread keeps only which images have one, so that encoding knows what is missing, and
// asks the worker for what the views draw: group means, one line per image, dissimilarities, or
// the rows of an export or a test. An image's repetition means it may read at once, from the
// memory the worker shares (repMeanNow). The store's responsesVersion says when they changed. Where
// there is no Worker (Node, the unit tests) the same ResponseStore runs here, holding its rows.
import type { LoadedModelInfo } from './protocol.ts';
import type { ComponentPreset, ComponentResult, MeasureSpec } from '../lab/measures.ts';
import { RepMeanReader, type RepMeanSlots } from './rep_means.ts';
import { ResponseStore, rowId, type GroupMean, type GroupRequest, type Tags } from './response_store.ts';

/** Responses differ by model, subject, backend and precision: each combination has its own. */
export function modelTag(m: LoadedModelInfo): string {
  return `${m.modelId}/${m.subject}@${m.backend}:${m.precision}`;
}

export function pixelKey(id: string, mode: string): string {
  return `${id}|${mode}`;
}

const keyOfItem = new WeakMap<object, { mode: string; key: string }>();
/** An image's pixel key, made once per gallery item: each batch asks it of every one of thousands of images. */
export function itemKey(it: { id: string; squareMode?: string }): string {
  const mode = it.squareMode!;
  const c = keyOfItem.get(it);
  if (c && c.mode === mode) return c.key;
  const key = pixelKey(it.id, mode);
  keyOfItem.set(it, { mode, key });
  return key;
}

/** What the views may ask of the store (its methods that answer with arrays). */
type Method = 'groupMeans' | 'eachSeries' | 'imageSeries' | 'gather' | 'imageMeasures' | 'meanSummaries' | 'componentTable' | 'dissimilarityAt' | 'dissimilarityCourse';

export type ResponsesRequest =
  | { type: 'put'; tag: string; key: string; store: string | null; data: Float32Array }
  | { type: 'drop'; id: string; stored: boolean }
  | { type: 'load'; reqId: number; tag: string; items: { key: string; store: string }[] }
  | { type: 'flush' | 'reset'; reqId: number }
  | { type: 'call'; reqId: number; method: Method; args: unknown[] };

export type ResponsesReply =
  | { type: 'value'; reqId: number; value: unknown }
  | { type: 'error'; reqId: number; message: string }
  | { type: 'save-error'; message: string }
  | { type: 'rep-means'; slots: RepMeanSlots };

/** per model tag, the pixel keys with a response (asked once per image on every change of the image list) */
const known = new Map<string, Set<string>>();
function knownOf(tag: string): Set<string> {
  let k = known.get(tag);
  if (!k) known.set(tag, (k = new Set()));
  return k;
}
/** per model tag, the stored keys of the images already looked for in browser storage */
const checked = new Map<string, Set<string>>();
let worker: Worker | null = null;
let local: ResponseStore | null = null;
let nextId = 1;
const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let onSaveError: (message: string) => void = () => undefined;
/** the repetition means the worker keeps in shared memory (none where memory is not shared) */
const shared = new RepMeanReader();

/** Where storage writes fail (a full disk), the page says so. */
export function onResponseSaveError(f: (message: string) => void) {
  onSaveError = f;
}

function channel(): Worker | null {
  if (worker || local) return worker;
  if (typeof Worker === 'undefined') {
    local = new ResponseStore();
    return null;
  }
  worker = new Worker(new URL('./responses.worker.ts', import.meta.url), { type: 'module', name: 'responses' });
  worker.onmessage = (ev: MessageEvent<ResponsesReply>) => {
    const m = ev.data;
    if (m.type === 'save-error') return onSaveError(m.message);
    if (m.type === 'rep-means') return shared.apply(m.slots);
    const w = waiting.get(m.reqId);
    if (!w) return;
    waiting.delete(m.reqId);
    if (m.type === 'value') w.resolve(m.value);
    else w.reject(new Error(m.message));
  };
  return worker;
}

type Asked = Extract<ResponsesRequest, { reqId: number }>;
type WithoutId<T> = T extends unknown ? Omit<T, 'reqId'> : never;

function ask<T>(m: WithoutId<Asked>, transfer: Transferable[] = []): Promise<T> {
  const w = channel()!;
  const reqId = nextId++;
  return new Promise<T>((resolve, reject) => {
    waiting.set(reqId, { resolve: resolve as (v: unknown) => void, reject });
    w.postMessage({ ...m, reqId }, transfer);
  });
}

function call<T>(method: Method, ...args: unknown[]): Promise<T> {
  if (!channel()) {
    try {
      return Promise.resolve((local![method] as (...a: unknown[]) => Promise<T>).apply(local, args));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  return ask<T>({ type: 'call', method, args });
}

/** images removed from the gallery (their ids are never given again) */
const removed = new Set<string>();

/**
 * A new response: handed to the worker (its buffer moves there; `data` is empty afterwards) and,
 * with `store`, written to browser storage under that key.
 */
export function putResponse(tag: string, key: string, data: Float32Array, store: string | null = null) {
  // an encode that was under way when its image was removed: not kept, nor written
  if (removed.has(key.slice(0, key.indexOf('|')))) return;
  knownOf(tag).add(key);
  const w = channel();
  if (!w) return void local!.put(tag, key, data);
  const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
  w.postMessage({ type: 'put', tag, key, store, data: own } satisfies ResponsesRequest, [own.buffer]);
}

/** Whether the image (by its stored key) was already looked for in browser storage under this tag. */
export function storageChecked(tag: string, store: string): boolean {
  return checked.get(tag)?.has(store) ?? false;
}

export function hasResponse(tag: string, key: string): boolean {
  return known.get(tag)?.has(key) ?? false;
}

/** Which of the images have a response in browser storage (a reload): the worker takes them into its index, reading none; returns their keys. */
export async function loadStoredResponses(tag: string, items: { key: string; store: string }[]): Promise<string[]> {
  const w = channel();
  // looked for once (a failed look is not repeated for every chunk either)
  let c = checked.get(tag);
  if (!c) checked.set(tag, (c = new Set()));
  for (const it of items) c.add(it.store);
  // no worker: no storage either, only what was put here
  const found = w ? await ask<string[]>({ type: 'load', tag, items }) : await local!.load(tag, items);
  const k = knownOf(tag);
  for (const key of found) k.add(key);
  return found;
}

/** Starts the responses worker ahead of its first request (a reload: it is asked for the stored responses once the model is loaded). */
export function warmResponses() {
  channel();
}

/**
 * Forget an image's responses. `stored`: the image left the gallery, so its stored responses go
 * too (every subject, mode and EXIF variant); else (its pixels changed) they stay in storage.
 */
export function dropImage(id: string, stored = false) {
  if (stored) removed.add(id);
  for (const keys of known.values()) for (const k of [...keys]) if (k.startsWith(`${id}|`)) keys.delete(k);
  for (const c of checked.values()) for (const k of [...c]) if (k.startsWith(`${id}|`)) c.delete(k);
  const w = channel();
  if (w) w.postMessage({ type: 'drop', id, stored } satisfies ResponsesRequest);
  else local!.dropImage(id, stored);
}

/** Resolves when every response handed over so far (and the group sums due) is in browser storage (a session export). */
export function flushResponses(): Promise<void> {
  return channel() ? ask<void>({ type: 'flush' }) : Promise.resolve();
}

/** Forgets every response once the storage writes have landed ("New session", an import). */
export function resetResponses(): Promise<void> {
  known.clear();
  checked.clear();
  if (!channel()) {
    local!.clear();
    return Promise.resolve();
  }
  return ask<void>({ type: 'reset' });
}

/**
 * The image's mean over repetitions [63, 140] now, where the responses worker keeps it in memory
 * shared with the page (or the store runs here); null otherwise: then groupMeans answers it.
 */
export function repMeanNow(tag: string, key: string): Float32Array | null {
  if (!channel()) return local!.keptRepMean(tag, key);
  return hasResponse(tag, key) ? shared.read(rowId(tag, key)) : null;
}

export const groupMeans = (tag: string, groups: GroupRequest[]) => call<GroupMean[]>('groupMeans', tag, groups);
// several tags (a subject mean): see ResponseStore for what each answers then
export const eachSeries = (tags: Tags, keys: string[], ch: Int32Array) => call<Float32Array>('eachSeries', tags, keys, ch);
export const gatherResponses = (tags: Tags, keys: string[]) => call<Float32Array>('gather', tags, keys);
/** Each image's mean over the channels ch and the repetitions, float64 [B, 140] (ResponseStore.imageSeries). */
export const imageSeriesOf = (tags: Tags, keys: string[], ch: Int32Array) => call<Float64Array>('imageSeries', tags, keys, ch);
export const imageMeasures = (tags: Tags, keys: string[], chNames: readonly string[], times: readonly number[], specs: MeasureSpec[]) => call<Float64Array[]>('imageMeasures', tags, keys, chNames, times, specs);
export const meanSummaries = (tags: Tags, sets: string[][], chNames: readonly string[], times: readonly number[], what: { kind: 'topography' | 'waveform'; channels: string[]; tmin: number; tmax: number }) =>
  call<Float64Array[]>('meanSummaries', tags, sets, chNames, times, what);
export const componentTable = (tags: Tags, keys: string[], chNames: readonly string[], times: readonly number[], components: Omit<ComponentPreset, 'id' | 'label'>[]) => call<ComponentResult[][]>('componentTable', tags, keys, chNames, times, components);
export const dissimilarityAt = (tags: Tags, keys: string[], ch: Int32Array, t: number) => call<Float32Array>('dissimilarityAt', tags, keys, ch, t);
export const dissimilarityCourse = (tags: Tags, keys: string[], ch: Int32Array) => call<Float32Array>('dissimilarityCourse', tags, keys, ch);
