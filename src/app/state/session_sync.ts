// Keeps the store and the stored session (../session_store.ts) in step: the gallery and view state
// are written shortly after they change, and read back on start. Which store fields make up the
// view state is decided here, once.
import { SESSION_SCHEMA, SessionStore, type SessionState, type StoredImage } from '../session_store.ts';
import { onResponseSaveError } from '../responses.ts';
import { errorText } from '../status_text.ts';
import type { SquareMode } from '../../io/image_square.ts';
import { pixelMode, turnedByExif } from './selectors.ts';
import { useApp, type AppState, type ImageItem } from './store.ts';

const get = () => useApp.getState();

export const session = new SessionStore();

/** Whether this browser can keep a session (an origin-private file system). */
export const persistent = () => typeof navigator !== 'undefined' && typeof navigator.storage?.getDirectory === 'function';

/** A failed session write: said in the image panel's note. */
export const sessionError = (e: unknown) => useApp.setState({ intakeNote: `This session is not being saved: ${errorText(e)}` });
// the responses worker writes the responses: its failures are said the same way
onResponseSaveError((message) => sessionError(new Error(message)));

/** What a session restores besides the gallery: selections, window, cursor, modes, conditions, model. */
export const VIEW_KEYS = [
  'conditions',
  'selectedChannels',
  'timeMask',
  'cursor',
  'topoMode',
  'colorScale',
  'mapSource',
  'multiples',
  'multipleTimes',
  'topoMethod',
  'peakThreshold',
  'imageView',
  'channelView',
  'band',
  'diffA',
  'diffB',
  'globalMode',
  'exifOrientation',
  'modelPath',
  'precision',
  // the chosen subjects and their band; the mean itself comes back with "Encode for these
  // subjects", which reads each subject's stored responses
  'subjectPaths',
  'subjectSpread',
] as const satisfies readonly (keyof AppState)[];

export function storedImage(i: ImageItem): StoredImage | null {
  if (!i.hash || i.status === 'error') return null;
  const out: StoredImage = { id: i.id, name: i.name, path: i.path, hash: i.hash, type: i.file.type, condition: i.condition, meta: i.meta, mode: i.mode };
  // what decoding found: a reload then knows the image's response key without decoding it
  if (i.status === 'ready' && i.squareMode && i.width !== undefined && i.height !== undefined)
    Object.assign(out, { width: i.width, height: i.height, squareMode: i.squareMode, exifOrientation: i.exifOrientation ?? null, orientationApplied: i.orientationApplied ?? false, transparent: i.transparent ?? false });
  return out;
}

/**
 * A stored image back in the gallery. With what decoding found (and pixels this session's modes
 * would make the same way) it is ready at once: its response key is known, its thumbnail and
 * pixel summary follow from a decode in the background. Else (a session saved before these were
 * kept, or a mode that no longer matches) it is decoded first, as a new image.
 */
export function restoredImage(r: StoredImage, file: Blob, s: AppState): ImageItem {
  const base: ImageItem = { id: r.id, name: r.name, path: r.path, hash: r.hash, file, status: 'decoding', condition: r.condition, meta: r.meta, mode: r.mode as SquareMode | undefined };
  if (typeof r.width !== 'number' || typeof r.height !== 'number' || !r.squareMode || r.exifOrientation === undefined) return base;
  const it: ImageItem = { ...base, status: 'ready', width: r.width, height: r.height, squareMode: r.squareMode as SquareMode, exifOrientation: r.exifOrientation, orientationApplied: Boolean(r.orientationApplied), transparent: Boolean(r.transparent) };
  const sameSquare = pixelMode(it, s) === it.squareMode;
  const sameTurn = !turnedByExif(it) || it.orientationApplied === (s.exifOrientation === 'apply');
  return sameSquare && sameTurn ? it : base;
}

function viewState(s: AppState): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const k of VIEW_KEYS) view[k] = s[k];
  return view;
}

export function snapshot(s: AppState = get(), now = new Date()): SessionState {
  return { schema: SESSION_SCHEMA, version: 1, saved: now.toISOString(), images: s.images.map(storedImage).filter((x): x is StoredImage => x !== null), view: viewState(s), next_image_id: nextImageId };
}

// Each image's stored JSON and its bytes (with the comma before it), by its item: items are
// replaced, never changed, so a view change or a batch of decodes writes the session without
// serialising or encoding every other image of thousands again.
const imageText = new WeakMap<ImageItem, { json: string; bytes: Uint8Array<ArrayBuffer> } | null>();
// The last text by image id: an item replaced with the same stored facts (a thumbnail landed)
// keeps the same bytes, so that the list compares as unchanged part by part.
let textById = new Map<string, { json: string; bytes: Uint8Array<ArrayBuffer> }>();
const utf8 = new TextEncoder();

/** The image list as the state file holds it: each image's bytes, in order (one object per distinct list). */
export interface ImageListParts {
  images: readonly ImageItem[];
  parts: readonly Uint8Array<ArrayBuffer>[];
}
let listParts: ImageListParts | null = null;

/**
 * The list's parts, or null when `budgetMs` (performance.now() time) ran out first: what was
 * serialised stays cached, and a later call goes on from there (the first write of 10,000 new
 * images is then spread over several tasks).
 */
function imageListParts(images: readonly ImageItem[], budgetMs = Infinity): ImageListParts | null {
  if (listParts?.images === images) return listParts;
  const until = performance.now() + budgetMs;
  const parts: Uint8Array<ArrayBuffer>[] = [];
  const byId = new Map<string, { json: string; bytes: Uint8Array<ArrayBuffer> }>();
  let made = 0;
  for (const it of images) {
    let t = imageText.get(it);
    if (t === undefined) {
      // (64 at least per call, so that every call goes on)
      if (++made % 64 === 0 && performance.now() > until) return null;
      const r = storedImage(it);
      if (r) {
        const json = JSON.stringify(r);
        const old = textById.get(it.id);
        t = old?.json === json ? old : { json, bytes: utf8.encode(',' + json) };
      } else t = null;
      imageText.set(it, t);
    }
    if (!t) continue;
    parts.push(t.bytes);
    byId.set(it.id, t);
  }
  textById = byId;
  // the same parts as the last list (a thumbnail landed): the same object, so nothing to write
  const prev = listParts?.parts;
  listParts = { images, parts: prev && prev.length === parts.length && prev.every((x, i) => x === parts[i]) ? prev : parts };
  return listParts;
}

/**
 * The state file for snapshot(s, now): the bytes of JSON.stringify of it, and what says whether
 * anything kept changed (the time saved aside): the image list's parts, made once per list (each
 * image's bytes once per item), and the rest. Made without serialising, joining or encoding the
 * thousands of images' text again when only the view changed. Null when `budgetMs` ran out
 * before the list was made (see imageListParts).
 */
export function snapshotFile(s: AppState, now: Date): { file: Blob; images: ImageListParts; rest: string };
export function snapshotFile(s: AppState, now: Date, budgetMs: number): { file: Blob; images: ImageListParts; rest: string } | null;
export function snapshotFile(s: AppState, now: Date, budgetMs = Infinity): { file: Blob; images: ImageListParts; rest: string } | null {
  const images = imageListParts(s.images, budgetMs);
  if (!images) return null;
  const rest = `,"view":${JSON.stringify(viewState(s))},"next_image_id":${JSON.stringify(nextImageId)}}`;
  const head = JSON.stringify({ schema: SESSION_SCHEMA, version: 1, saved: now.toISOString() });
  // (each part starts with its comma: the first one's is left out)
  const body = images.parts.length ? [images.parts[0].subarray(1), ...images.parts.slice(1)] : [];
  return { file: new Blob([`${head.slice(0, -1)},"images":[`, ...body, `]${rest}`], { type: 'application/json' }), images, rest };
}

// Image ids never repeat within a session, removed images' included: a response is stored under
// its image's id (and pixel mode), and stays in storage after the image is removed, so a new image
// given an old id would find the old image's response.
let nextImageId = 1;

/** A new image's id. */
export function newImageId(): string {
  return `i${nextImageId++}`;
}

/** The number the next image's id will carry. */
export function nextImageNumber(): number {
  return nextImageId;
}

/** Ids given from now on come after `id` (images restored from a stored session keep theirs). */
export function reserveImageId(id: string) {
  nextImageId = Math.max(nextImageId, Number(id.replace(/^\D+/, '')) + 1 || nextImageId);
}

/** Ids given from now on are numbered from n on at least (a stored session's counter). */
export function reserveImageNumber(n: unknown) {
  if (Number.isSafeInteger(n) && (n as number) > nextImageId) nextImageId = n as number;
}

/** The stored view fields that fit this store (unknown keys and wrong types are left out). */
export function viewPatch(view: Record<string, unknown>): Partial<AppState> {
  const init = useApp.getInitialState();
  const out: Record<string, unknown> = {};
  for (const k of VIEW_KEYS) {
    const v = view[k];
    const d = init[k];
    if (v === undefined) continue;
    if (Array.isArray(d) ? Array.isArray(v) : d === null || typeof v === typeof d) out[k] = v;
  }
  if (Array.isArray(out.timeMask) && (out.timeMask as unknown[]).length !== init.timeMask.length) delete out.timeMask;
  return out as Partial<AppState>;
}

/** The view as a new session has it (all channels and time points, as BERG without a selection). */
export function freshView(): Partial<AppState> {
  const init = useApp.getInitialState();
  const out: Record<string, unknown> = {};
  for (const k of VIEW_KEYS) if (k !== 'modelPath' && k !== 'precision') out[k] = structuredClone(init[k]);
  return out as Partial<AppState>;
}

let saving: ReturnType<typeof setTimeout> | null = null;
/** when the oldest change not yet written was made (performance.now()) */
let unsavedSince = 0;
/** a gallery whose decodes land every few tenths of a second is written at least this often */
const SAVE_MAX_WAIT_MS = 3000;
let unsubscribe: (() => void) | null = null;
let lastImages: unknown = null;
let lastView: unknown[] = [];
/** the last state written, without its time */
let lastWritten: { images: ImageListParts; rest: string } | null = null;
const sameAsWritten = (w: { images: ImageListParts; rest: string }) => lastWritten !== null && lastWritten.images.parts === w.images.parts && lastWritten.rest === w.rest;
/** the longest a save's serialising of new images may hold the main thread before it yields (ms) */
const SAVE_SLICE_MS = 12;

/**
 * From now on, changes to the gallery or the view are written (coalesced, half a second after the
 * last, and at most three seconds after the first: an intake of thousands keeps changing it). `pending`: the state already differs from what is stored (a restore under an address that
 * carries another view), so it is written once too, even if nothing changes again.
 */
export function startSaving(onError: (e: unknown) => void, pending = false) {
  unsubscribe?.();
  lastWritten = null;
  const changed = (s: AppState) => s.images !== lastImages || VIEW_KEYS.some((k, n) => s[k] !== lastView[n]);
  const remember = (s: AppState) => {
    lastImages = s.images;
    lastView = VIEW_KEYS.map((k) => s[k]);
  };
  remember(get());
  const schedule = () => {
    const now = performance.now();
    if (saving) clearTimeout(saving);
    else unsavedSince = now;
    const write = () => {
      // thousands of new images are serialised a slice at a time, the page running between slices
      const snap = snapshotFile(get(), new Date(), SAVE_SLICE_MS);
      if (!snap) {
        saving = setTimeout(write, 0);
        return;
      }
      saving = null;
      // a change the state does not keep (a thumbnail decoded in the background) writes nothing
      if (sameAsWritten(snap)) return;
      lastWritten = snap;
      session.saveState(snap.file).catch((e) => {
        lastWritten = null;
        onError(e);
      });
    };
    saving = setTimeout(write, Math.max(0, Math.min(500, unsavedSince + SAVE_MAX_WAIT_MS - now)));
  };
  unsubscribe = useApp.subscribe((s) => {
    if (!changed(s)) return;
    remember(s);
    schedule();
  });
  if (pending) schedule();
}

/** Writes the state now (before an export, or when the page is hidden). */
export async function saveNow(): Promise<void> {
  if (saving) clearTimeout(saving);
  saving = null;
  const snap = snapshotFile(get(), new Date());
  lastWritten = snap;
  await session.saveState(snap.file);
  await session.flush();
}

export function stopSaving() {
  unsubscribe?.();
  unsubscribe = null;
  if (saving) clearTimeout(saving);
  saving = null;
}
