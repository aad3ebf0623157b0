// The gallery: files, folders and stimulus lists coming in (in the order given, duplicates found by
// their bytes), decoding each image for its thumbnail and pixels, removing, reordering, and how
// images are squared and turned (EXIF).
import type { SquareMode } from '../../io/image_square.ts';
import { decodeInWorker } from '../decode_client.ts';
import { conditionFromPath, fileHash, type PathedFile } from '../folder_input.ts';
import { dropImage } from '../responses.ts';
import { isStimulusList, matcher, parseStimulusList, type StimulusList } from '../stimulus_list.ts';
import { newImageId, nextImageNumber, persistent, session, sessionError } from '../state/session_sync.ts';
import { imageById, pixelMode, turnedByExif } from '../state/selectors.ts';
import { useApp, type ImageItem } from '../state/store.ts';
import { duplicatesNote, errorText } from '../status_text.ts';
import { addConditions } from './conditions.ts';
import { encodeMissing, encodeMissingSoon, stopRunningJob } from './encoding.ts';
import { dropAllPixels, dropPixels, keepPixels, roomForPixels } from './pixels.ts';

const { getState: get, setState: set } = useApp;


/** How files join the gallery. */
export interface AddOptions {
  /** A file's folder inside the picked folder becomes its condition (folder_input.conditionFromPath). */
  subfolderConditions?: boolean;
  /** Files with the same bytes as one already in (or earlier in the same add) are left out. */
  skipDuplicates?: boolean;
}

// Adds run one after another, so the gallery keeps the order files were given in even though
// hashing is asynchronous.
let intake: Promise<void> = Promise.resolve();
let stimulusList: StimulusList | null = null;

/** The stimulus list stops applying to images added later (a new or imported session). */
export function forgetStimulusList() {
  stimulusList = null;
}

export function addFiles(files: Iterable<File>, opts: AddOptions = {}): Promise<void> {
  return addPathed([...files].map((file) => ({ file, path: file.name })), opts);
}

/** Files with their folder paths (a folder drop or pick), stimulus lists among them applied first. */
export function addPathed(files: PathedFile[], opts: AddOptions = {}): Promise<void> {
  intake = intake.then(() => addNow(files, opts)).catch((e) => set({ intakeNote: errorText(e) }));
  return intake;
}

/** The name an image goes by (gallery, sidecar): its path below the picked folder, else the file name. */
function displayName(path: string, file: File): string {
  const parts = path.split('/').filter(Boolean);
  return parts.length >= 2 ? parts.slice(1).join('/') : file.name || `pasted-${nextImageNumber()}.png`;
}

async function addNow(files: PathedFile[], opts: AddOptions) {
  const notes: string[] = [];
  for (const l of files.filter((f) => isStimulusList(f.path))) notes.push(await loadStimulusListNow(l.file, l.path));
  const seen = new Map<string, string>();
  for (const i of get().images) if (i.hash && i.status !== 'error' && !seen.has(i.hash)) seen.set(i.hash, i.name);
  const items: ImageItem[] = [];
  const skipped: string[] = [];
  for (const f of files) {
    if (isStimulusList(f.path)) continue;
    const name = displayName(f.path, f.file);
    let hash: string | undefined;
    try {
      hash = await fileHash(f.file);
    } catch {
      hash = undefined; // unreadable: the decoder reports it
    }
    const first = hash ? seen.get(hash) : undefined;
    if (first !== undefined && opts.skipDuplicates) {
      skipped.push(`${name} (= ${first})`);
      continue;
    }
    if (hash && first === undefined) seen.set(hash, name);
    const condition = opts.subfolderConditions ? conditionFromPath(f.path) : undefined;
    items.push({ id: newImageId(), name, path: f.path, file: f.file, hash, status: 'decoding', condition });
  }
  const listed = stimulusList ? applyList(items, stimulusList) : 0;
  if (stimulusList && items.length) notes.push(`${stimulusList.name}: ${listed} of ${items.length} new images listed`);
  if (skipped.length) notes.push(duplicatesNote(skipped));
  if (notes.length) set({ intakeNote: notes.join(' · ') });
  if (!items.length) return;
  if (persistent()) for (const it of items) if (it.hash) session.saveImage(it.hash, it.file).catch(sessionError);
  // Placeholders go in now, so the gallery (and export) order is the order of adding.
  set({ images: [...get().images, ...items], paused: false });
  addConditions(items.map((i) => i.condition));
  for (const it of items) void decode(it.id);
}

/** Sets the listed images' condition and metadata (in place: the items are not in the store yet, or are copied by the caller). */
function applyList(items: ImageItem[], list: StimulusList): number {
  const find = matcher(list);
  let n = 0;
  for (const it of items) {
    const row = find(it.path ?? it.name);
    if (!row) continue;
    n++;
    if (row.condition) it.condition = row.condition;
    it.meta = row.meta;
  }
  return n;
}

async function loadStimulusListNow(file: Blob, name: string): Promise<string> {
  const list = parseStimulusList(await file.text(), name.slice(name.lastIndexOf('/') + 1));
  stimulusList = list;
  const images = get().images.map((i) => ({ ...i }));
  const n = applyList(images, list);
  set({ images });
  addConditions(images.map((i) => i.condition));
  const cond = list.conditionColumn ? `conditions from "${list.conditionColumn}"` : 'no condition column';
  return `${list.name}: ${list.rows.length} rows by "${list.fileColumn}", ${cond}${images.length ? `; ${n} of ${images.length} images in the gallery listed` : '; applied to images as they are added'}`;
}

/** A stimulus list picked on its own: applied to the gallery now and to images added later. */
export function loadStimulusList(file: File): Promise<void> {
  intake = intake.then(async () => set({ intakeNote: await loadStimulusListNow(file, file.name) })).catch((e) => set({ intakeNote: errorText(e) }));
  return intake;
}

/** Later copies of the same bytes, each with the name of the first. */
export function duplicateGroups(images: ImageItem[]): { id: string; name: string; of: string }[] {
  const first = new Map<string, string>();
  const out: { id: string; name: string; of: string }[] = [];
  for (const i of images) {
    if (!i.hash || i.status === 'error') continue;
    const f = first.get(i.hash);
    if (f === undefined) first.set(i.hash, i.name);
    else out.push({ id: i.id, name: i.name, of: f });
  }
  return out;
}

export function removeDuplicates() {
  const ids = new Set(duplicateGroups(get().images).map((d) => d.id));
  for (const id of ids) removeImage(id);
}

/** Decodes an image (thumbnail, size, pixel summary) with the mode it needs, then sends what is ready to encode. */
export async function decode(id: string): Promise<void> {
  const it = imageById(id);
  if (!it) return;
  const mode = pixelMode(it);
  try {
    const d = await decodeInWorker(it.file, mode, { thumb: true, pixels: roomForPixels });
    const squareMode = d.width === d.height ? 'crop' : mode;
    let old = imageById(id);
    if (!old) return; // removed while decoding
    // bytes that could not be read for their hash on the way in are hashed now: an image without
    // its hash is not kept in the session, and would be gone after a reload
    let hash = old.hash;
    if (!hash) {
      hash = await fileHash(it.file).catch(() => undefined);
      if (!hash) throw new Error('its bytes could not be read again to keep it in the session');
      if (persistent()) session.saveImage(hash, it.file).catch(sessionError);
      old = imageById(id);
      if (!old) return;
    }
    if (old.thumb) URL.revokeObjectURL(old.thumb);
    keepPixels(id, squareMode, d.square);
    stage(id, { status: 'ready', error: undefined, hash, width: d.width, height: d.height, square: d.summary, squareMode, thumb: URL.createObjectURL(d.thumb!), transparent: d.transparent, exifOrientation: d.exifOrientation, orientationApplied: d.orientationApplied });
  } catch (e) {
    stage(id, { status: 'error', error: errorText(e), square: undefined });
  }
}

// Decodes land in the gallery together, a while after the first of a batch: one gallery update
// (and one render of what follows from it) per batch, not one per image, which at 10,000 images
// made the intake quadratic. What a landing costs grows with the gallery (panels count and look
// through it), so a large one lands less often: every 60 ms up to 2,400 images, every N/40 ms above.
const stageMs = () => Math.max(60, get().images.length / 40);
const staged = new Map<string, Partial<ImageItem>>();
let stageTimer: ReturnType<typeof setTimeout> | null = null;

function stage(id: string, p: Partial<ImageItem>) {
  const before = staged.get(id);
  if (before?.thumb && p.thumb && before.thumb !== p.thumb) URL.revokeObjectURL(before.thumb);
  staged.set(id, { ...before, ...p });
  stageTimer ??= setTimeout(landStaged, stageMs());
}

function landStaged() {
  stageTimer = null;
  const got = new Map(staged);
  staged.clear();
  const byId = new Set(get().images.map((i) => i.id));
  for (const [id, p] of got) if (!byId.has(id) && p.thumb) URL.revokeObjectURL(p.thumb); // removed meanwhile
  set({ images: get().images.map((i) => (got.has(i.id) ? { ...i, ...got.get(i.id) } : i)) });
  // Mode changed while decoding: decode again with the current one.
  for (const it of get().images) if (got.has(it.id) && it.status === 'ready' && it.squareMode !== pixelMode(it)) void decode(it.id);
  encodeMissingSoon();
}

/**
 * Resolves once the views have had their first answer from the responses worker (or the model
 * failed, or 5 s passed: a view that asks nothing): thumbnails then do not compete with it for the CPU.
 */
function viewsFirst(): Promise<void> {
  const v = get().aggregatesVersion;
  const done = () => get().aggregatesVersion !== v || get().status.state === 'error';
  if (done()) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const timer = setTimeout(stop, 5000);
    const unsubscribe = useApp.subscribe(() => {
      if (done()) stop();
    });
  });
}

/**
 * Thumbnails and pixel summaries of images that are ready without them (restored with their
 * response keys): decoded a few at a time, so that images added meanwhile do not wait behind the
 * whole gallery, and patched in together every quarter second (every N/4 ms at N images). Stops
 * when `live` turns false (a new or imported session).
 */
export async function decodeInBackground(ids: string[], live: () => boolean): Promise<void> {
  await viewsFirst();
  const staged = new Map<string, Partial<ImageItem>>();
  const apply = () => {
    if (!live()) for (const p of staged.values()) if (p.thumb) URL.revokeObjectURL(p.thumb);
    if (!staged.size || !live()) return staged.clear();
    const got = new Map(staged);
    staged.clear();
    set({
      images: get().images.map((i) => {
        const p = got.get(i.id);
        if (!p) return i;
        // an image decoded meanwhile with another mode keeps its own
        if (i.thumb || i.status !== 'ready' || i.squareMode !== p.squareMode) {
          if (p.thumb) URL.revokeObjectURL(p.thumb);
          return i;
        }
        return { ...i, ...p };
      }),
    });
  };
  // Each patch is a new image list, which the views' deferred renders start again from: at
  // thousands of images a render takes longer than a quarter second, so patches come further apart.
  const timer = setInterval(apply, Math.max(250, get().images.length / 4));
  let next = 0;
  const lane = async () => {
    while (next < ids.length && live()) {
      const it = imageById(ids[next]);
      next++;
      if (!it || it.thumb || it.status !== 'ready' || !it.squareMode) continue;
      const squareMode = it.squareMode;
      try {
        const d = await decodeInWorker(it.file, squareMode, { thumb: true });
        staged.set(it.id, { thumb: URL.createObjectURL(d.thumb!), square: d.summary, squareMode });
      } catch (e) {
        if (live()) patch(it.id, { status: 'error', error: errorText(e), square: undefined });
      }
    }
  };
  try {
    await Promise.all([lane(), lane()]);
  } finally {
    clearInterval(timer);
    apply();
  }
}

function patch(id: string, p: Partial<ImageItem>) {
  set({ images: get().images.map((i) => (i.id === id ? { ...i, ...p } : i)) });
}

function releaseThumb(id: string) {
  const t = imageById(id)?.thumb;
  if (t) URL.revokeObjectURL(t);
}

export function removeImage(id: string) {
  releaseThumb(id);
  dropPixels(id);
  set({ images: get().images.filter((i) => i.id !== id), responsesVersion: get().responsesVersion + 1 });
  dropImage(id, true);
  const s = get();
  if (s.mapSource === `img:${id}`) set({ mapSource: 'all' });
  if (s.imageView === `img:${id}`) set({ imageView: 'mean' });
  encodeMissing();
}

export function clearImages() {
  for (const i of get().images) {
    releaseThumb(i.id);
    dropImage(i.id);
  }
  dropAllPixels();
  set({ intakeNote: null, images: [], responsesVersion: get().responsesVersion + 1, mapSource: 'all', imageView: 'mean' });
  stopRunningJob();
  encodeMissing();
}

/** Move an image to position `to` among the readable images (error chips keep no place in the order). */
export function moveImage(id: string, to: number) {
  const all = get().images;
  const good = all.filter((i) => i.status !== 'error');
  const from = good.findIndex((i) => i.id === id);
  if (from < 0) return;
  const [it] = good.splice(from, 1);
  good.splice(Math.max(0, Math.min(good.length, to)), 0, it);
  set({ images: [...good, ...all.filter((i) => i.status === 'error')], responsesVersion: get().responsesVersion + 1 });
}

export function setImageMode(id: string, mode: SquareMode | undefined) {
  patch(id, { mode });
  resquare();
}

export function setGlobalMode(mode: SquareMode) {
  set({ globalMode: mode });
  resquare();
}

function resquare() {
  for (const it of get().images) {
    if (it.status === 'ready' && it.squareMode !== pixelMode(it)) {
      patch(it.id, { status: 'decoding' });
      void decode(it.id);
    }
  }
}

/**
 * Switches EXIF handling: images whose tag turns them are decoded again (their square mode is
 * cleared, so re-squaring decodes them) and their responses dropped.
 */
export function setExifOrientation(exifOrientation: 'ignore' | 'apply') {
  set({ exifOrientation });
  const affected = get().images.filter((i) => i.status === 'ready' && turnedByExif(i));
  if (!affected.length) return;
  for (const it of affected) dropImage(it.id);
  const ids = new Set(affected.map((i) => i.id));
  set({ images: get().images.map((i) => (ids.has(i.id) ? { ...i, squareMode: undefined } : i)), responsesVersion: get().responsesVersion + 1 });
  for (const it of affected) setImageMode(it.id, it.mode);
}

