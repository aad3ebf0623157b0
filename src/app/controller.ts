// Side effects: catalog, model loading, decoding, and incremental encoding in the worker.
// Only images without cached responses for the current model + backend are sent to encode.
import type { Device, Precision } from '../core/types.ts';
import { listStoredModels, OPFS_PREFIX } from '../io/browser_store.ts';
import { EngineClient } from './engine_client.ts';
import { decodeInWorker } from './decode_client.ts';
import type { SquareMode } from '../io/image_square.ts';
import type { CatalogEntry, EncodeItem } from './protocol.ts';
import { dropImage, getResponse, modelTag, pixelKey, putResponse } from './responses.ts';
import type { SquareImage } from '../io/image_square.ts';
import { conditionFromPath, fileHash, type PathedFile } from './folder_input.ts';
import { isStimulusList, matcher, parseStimulusList, type StimulusList } from './stimulus_list.ts';
import { freshView, saveNow, session, startSaving, stopSaving, viewPatch } from './session_sync.ts';
import { packSession, unpackSession } from './session_zip.ts';
import { N_CHANNELS, N_REPETITIONS, N_TIMES } from '../core/types.ts';
import { chNames, get, pixelMode, set, type ImageItem } from './store.ts';
import { wasmSetup } from './wasm_paths.ts';

let client: EngineClient | null = null;
let job: { reqId: number; tag: string } | null = null;
/** The last finished encode request, for the status line. */
/** The last finished run, with the model tag it ran for (a speed from another backend or subject is not this one's). */
let lastRun: { n: number; ms: number; tag: string } | null = null;
let loadSeq = 0;
let nextImageId = 1;

function engine(): EngineClient {
  client ??= new EngineClient();
  return client;
}

/** Encode requests sent to the worker so far. */
export function encodeRequestCount(): number {
  return client?.encodeRequests ?? 0;
}

/** Images sent to the worker for encoding so far. */
export function imagesSentCount(): number {
  return client?.imagesSent ?? 0;
}

function modelsBase(): string {
  return new URL(`${import.meta.env.BASE_URL}models/`, location.href).href;
}

const DEVICES: Device[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

/**
 * Called before the first render: the engine worker starts on the backend and the backbone (the
 * same for every subject) while the page renders and the catalog loads.
 */
export function startEngine() {
  const q = new URLSearchParams(location.search);
  const dev = q.get('backend') as Device | null;
  if (dev && DEVICES.includes(dev)) set({ device: dev });
  engine().prepare(get().device, wasmSetup());
}

export async function init() {
  const q = new URLSearchParams(location.search);
  const bs = Number(q.get('batch'));
  if (Number.isInteger(bs) && bs > 0) set({ batchSize: bs });
  let catalog: CatalogEntry[];
  try {
    const res = await fetch(modelsBase() + 'index.json');
    if (!res.ok) throw new Error(`models/index.json: HTTP ${res.status}`);
    catalog = ((await res.json()) as { models: CatalogEntry[] }).models ?? [];
    if (!catalog.length) throw new Error('models/index.json lists no models');
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    set({ catalogError: msg, status: { state: 'error', text: `No model catalog: ${msg}` } });
    return;
  }
  catalog = [...catalog, ...(await storedCatalog())];
  await restoreSession();
  // ?subject=3 or ?subject=demo picks a catalog entry; else the session's model; the demo subject is the default.
  const want = q.get('subject');
  const pick =
    catalog.find((m) => want !== null && String(m.subject) === want) ??
    catalog.find((m) => want === null && m.path === get().modelPath) ??
    catalog.find((m) => m.subject === 'demo') ??
    catalog[0];
  set({ catalog, modelPath: pick.path });
  await loadModel();
}

export async function loadModel() {
  const { catalog, modelPath, device } = get();
  const entry = catalog.find((m) => m.path === modelPath);
  if (!entry) return;
  const precision = entry.compact ? get().precision : 'exact';
  const seq = ++loadSeq;
  if (job) engine().cancel(job.reqId);
  job = null;
  set({ model: null, quality: null, qualityNote: undefined, status: { state: 'loading', text: `Loading ${entry.label ?? entry.path}…` } });
  try {
    const where = entry.storage === 'opfs' ? entry.path : new URL(entry.path, modelsBase()).href;
    const r = await engine().load(entry, where, device, precision, wasmSetup(), (stage, done, total) => {
      if (seq === loadSeq) set({ status: { state: 'loading', text: `Loading model: ${stage}`, done, total } });
    });
    if (seq !== loadSeq) return;
    set({ model: r.info, quality: r.quality, qualityNote: r.qualityNote, responsesVersion: get().responsesVersion + 1 });
    reconcileChannels();
    schedule();
  } catch (e) {
    if (seq !== loadSeq) return;
    set({ status: { state: 'error', text: `Model failed to load: ${message(e)}` } });
  }
}

function message(e: unknown): string {
  // Engine errors carry their class name (e.g. ModelLoadError); bundling may mangle it, so show only real names.
  if (e instanceof Error) return /^[A-Z]\w+Error$/.test(e.name) && e.name !== 'WorkerError' ? `${e.message} (${e.name})` : e.message;
  return String(e);
}

/** Keep the channel selection valid for the loaded model's ch_names (and in its order). */
function reconcileChannels() {
  const names = chNames();
  const sel = new Set(get().selectedChannels);
  set({ selectedChannels: names.filter((n) => sel.has(n)) });
}

/** Models imported into this browser's storage, as catalog entries (none where OPFS is unavailable). */
async function storedCatalog(): Promise<CatalogEntry[]> {
  try {
    return (await listStoredModels()).map((e) => ({ ...e, path: OPFS_PREFIX + e.path }));
  } catch {
    return [];
  }
}

/**
 * Re-reads the stored models into the catalog after an import or a removal, then selects
 * `select` (a new import) or, when the current model is gone, the demo subject.
 */
export async function refreshStoredModels(select?: string) {
  const catalog = [...get().catalog.filter((m) => m.storage !== 'opfs'), ...(await storedCatalog())];
  set({ catalog });
  if (select && catalog.some((m) => m.path === select)) selectModel(select);
  else if (!catalog.some((m) => m.path === get().modelPath) && catalog.length) {
    selectModel((catalog.find((m) => m.subject === 'demo') ?? catalog[0]).path);
  }
}

export function selectModel(path: string) {
  set({ modelPath: path });
  void loadModel();
}

export function setPrecision(precision: Precision) {
  set({ precision });
  void loadModel();
}

export function setDevice(device: Device) {
  set({ device });
  void loadModel();
}

// ---------- session ----------

const persistent = () => typeof navigator !== 'undefined' && typeof navigator.storage?.getDirectory === 'function';
const sessionError = (e: unknown) => set({ intakeNote: `This session is not being saved: ${message(e)}` });

/** The stored session (gallery, conditions, metadata, view) comes back; its images decode for thumbnails, their responses come from storage when scheduled. */
async function restoreSession() {
  if (!persistent()) return;
  try {
    const st = await session.loadState();
    if (st) {
      const items: ImageItem[] = [];
      let lost = 0;
      for (const r of st.images) {
        const file = await session.image(r.hash, r.type);
        if (!file) {
          lost++;
          continue;
        }
        items.push({ id: r.id, name: r.name, path: r.path, hash: r.hash, file, status: 'decoding', condition: r.condition, meta: r.meta, mode: r.mode as SquareMode | undefined });
        nextImageId = Math.max(nextImageId, Number(r.id.replace(/^\D+/, '')) + 1 || nextImageId);
      }
      set({ ...viewPatch(st.view), images: items, intakeNote: lost ? `${lost} stored image${lost > 1 ? 's are' : ' is'} missing from browser storage` : null });
      for (const it of items) void decode(it.id);
    }
  } catch (e) {
    set({ intakeNote: `The stored session could not be read: ${message(e)}` });
  }
  startSaving(sessionError);
}

/** 'New session': no images, no conditions, all channels and time points; the stored session is removed. */
export async function newSession() {
  stopSaving();
  clearImages();
  stimulusList = null;
  set({ ...freshView(), intakeNote: null, paused: false });
  reconcileChannels();
  if (!persistent()) return;
  try {
    await session.clear();
  } catch (e) {
    sessionError(e);
  }
  startSaving(sessionError);
}

/** The session as one .zip: stored images, state and every stored response (all subjects and backends). */
export async function exportSession(): Promise<Blob> {
  if (!persistent()) throw new Error('This browser has no origin-private file system: sessions cannot be saved or exported');
  await saveNow();
  const parts: Uint8Array[] = [];
  await packSession(await session.files(), (c) => parts.push(c));
  return new Blob(parts as Uint8Array<ArrayBuffer>[], { type: 'application/zip' });
}

/** Opens an exported session in place of this one: the same images, conditions, view and responses. */
export async function importSession(archive: Blob) {
  if (!persistent()) throw new Error('This browser has no origin-private file system: sessions cannot be imported');
  stopSaving();
  clearImages();
  stimulusList = null;
  const before = get().modelPath;
  try {
    await session.clear();
    await unpackSession(archive, (path, data) => session.put(path, data));
  } catch (e) {
    await session.clear().catch(() => undefined);
    set({ ...freshView() });
    startSaving(sessionError);
    throw e;
  }
  set({ ...freshView() });
  await restoreSession();
  if (get().catalog.some((m) => m.path === get().modelPath) && get().modelPath !== before) return loadModel();
  set({ modelPath: before });
  reconcileChannels();
  schedule();
}

/** Where an image's response is stored: the pixels depend on the EXIF switch only for turned images. */
function storeKey(it: ImageItem, s = get()): string {
  const turned = it.exifOrientation != null && it.exifOrientation !== 1;
  return pixelKey(it.id, it.squareMode!) + (turned ? `|exif-${s.exifOrientation}` : '');
}

const BLOCK = N_REPETITIONS * N_CHANNELS * N_TIMES;

/** Responses of this chunk already in browser storage go to the cache; returns the images still to encode. */
async function fromStorage(tag: string, chunk: ImageItem[]): Promise<ImageItem[]> {
  if (!persistent()) return chunk;
  const rest: ImageItem[] = [];
  for (const it of chunk) {
    const r = await session.response(tag, storeKey(it)).catch(() => null);
    if (r && r.length === BLOCK) putResponse(tag, pixelKey(it.id, it.squareMode!), r);
    else rest.push(it);
  }
  if (rest.length < chunk.length) bumpResponsesSoon();
  return rest;
}

// ---------- images ----------

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

export function addFiles(files: Iterable<File>, opts: AddOptions = {}): Promise<void> {
  return addPathed([...files].map((file) => ({ file, path: file.name })), opts);
}

/** Files with their folder paths (a folder drop or pick), stimulus lists among them applied first. */
export function addPathed(files: PathedFile[], opts: AddOptions = {}): Promise<void> {
  intake = intake.then(() => addNow(files, opts)).catch((e) => set({ intakeNote: message(e) }));
  return intake;
}

/** The name an image goes by (gallery, sidecar): its path below the picked folder, else the file name. */
function displayName(path: string, file: File): string {
  const parts = path.split('/').filter(Boolean);
  return parts.length >= 2 ? parts.slice(1).join('/') : file.name || `pasted-${nextImageId}.png`;
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
    items.push({ id: `i${nextImageId++}`, name, path: f.path, file: f.file, hash, status: 'decoding', condition });
  }
  const listed = stimulusList ? applyList(items, stimulusList) : 0;
  if (stimulusList && items.length) notes.push(`${stimulusList.name}: ${listed} of ${items.length} new images listed`);
  if (skipped.length) notes.push(`${skipped.length} duplicate file${skipped.length > 1 ? 's' : ''} skipped: ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', …' : ''}`);
  if (notes.length) set({ intakeNote: notes.join(' · ') });
  if (!items.length) return;
  if (persistent()) for (const it of items) if (it.hash) session.saveImage(it.hash, it.file).catch(sessionError);
  // Placeholders go in now, so the gallery (and export) order is the order of adding.
  set({ images: [...get().images, ...items], paused: false });
  addConditions(items.map((i) => i.condition));
  for (const it of items) void decode(it.id);
}

/** Conditions that images brought in (folders, lists) join the condition list. */
function addConditions(names: (string | undefined)[]) {
  const s = get();
  const conditions = [...s.conditions];
  for (const n of names) if (n && !conditions.includes(n)) conditions.push(n);
  if (conditions.length === s.conditions.length) return;
  set({ conditions, diffA: s.diffA || conditions[0], diffB: s.diffB || (conditions.length > 1 ? conditions[1] : '') });
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
  intake = intake.then(async () => set({ intakeNote: await loadStimulusListNow(file, file.name) })).catch((e) => set({ intakeNote: message(e) }));
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

// Decoded pixels are big (a 1000-px photo is 3 MB) and needed once, when the image is encoded:
// decodes keep them only while few are waiting, and encoding decodes the file again otherwise.
const PIXEL_CACHE = 48;
const pixelCache = new Map<string, SquareImage>();

/** A 32×32 block mean of the square, by the statistics panel's block rule, for pixel-model RDMs. */
function pixelSummary(q: SquareImage, side = 32): SquareImage {
  const sum = new Float64Array(3 * side * side);
  const cnt = new Float64Array(side * side);
  const S = q.size;
  for (let y = 0; y < S; y++) {
    const by = Math.min(side - 1, Math.floor((y * side) / S));
    for (let x = 0; x < S; x++) {
      const k = by * side + Math.min(side - 1, Math.floor((x * side) / S));
      cnt[k]++;
      for (let c = 0; c < 3; c++) sum[c * side * side + k] += q.data[(c * S + y) * S + x];
    }
  }
  const data = new Uint8Array(3 * side * side);
  for (let c = 0; c < 3; c++) for (let k = 0; k < side * side; k++) data[c * side * side + k] = Math.round(sum[c * side * side + k] / cnt[k]);
  return { ...q, data, size: side };
}

async function decode(id: string) {
  const it = get().images.find((i) => i.id === id);
  if (!it) return;
  const mode = pixelMode(it);
  try {
    const d = await decodeInWorker(it.file, mode);
    const squareMode = d.width === d.height ? 'crop' : mode;
    const old = get().images.find((i) => i.id === id);
    if (!old) return; // removed while decoding
    if (old.thumb) URL.revokeObjectURL(old.thumb);
    if (pixelCache.size < PIXEL_CACHE) pixelCache.set(pixelKey(id, squareMode), d.square);
    patch(id, { status: 'ready', error: undefined, width: d.width, height: d.height, square: pixelSummary(d.square), squareMode, thumb: URL.createObjectURL(d.thumb), transparent: d.transparent, exifOrientation: d.exifOrientation, orientationApplied: d.orientationApplied });
  } catch (e) {
    patch(id, { status: 'error', error: message(e), square: undefined });
  }
  // Mode changed while decoding: decode again with the current one.
  const now = get().images.find((i) => i.id === id);
  if (now && now.status === 'ready' && now.squareMode !== pixelMode(now)) return decode(id);
  scheduleSoon();
}

/** The pixels to encode: kept from the gallery's decode, or decoded again (same decoder, same mode). */
async function pixelsFor(it: ImageItem): Promise<SquareImage> {
  const key = pixelKey(it.id, it.squareMode!);
  const kept = pixelCache.get(key);
  if (kept) {
    pixelCache.delete(key);
    return kept;
  }
  const d = await decodeInWorker(it.file, it.squareMode!);
  return d.square;
}

function dropPixels(id: string) {
  for (const k of pixelCache.keys()) if (k.startsWith(`${id}|`)) pixelCache.delete(k);
}

let soon: ReturnType<typeof setTimeout> | null = null;
/** Decodes that finish close together go to the worker as one request. */
function scheduleSoon() {
  if (soon) clearTimeout(soon);
  soon = setTimeout(() => {
    soon = null;
    schedule();
  }, 40);
}

function patch(id: string, p: Partial<ImageItem>) {
  set({ images: get().images.map((i) => (i.id === id ? { ...i, ...p } : i)) });
}

function releaseThumb(id: string) {
  const t = get().images.find((i) => i.id === id)?.thumb;
  if (t) URL.revokeObjectURL(t);
}

export function removeImage(id: string) {
  releaseThumb(id);
  dropPixels(id);
  set({ images: get().images.filter((i) => i.id !== id), responsesVersion: get().responsesVersion + 1 });
  dropImage(id);
  const s = get();
  if (s.mapSource === `img:${id}`) set({ mapSource: 'all' });
  if (s.imageView === `img:${id}`) set({ imageView: 'mean' });
  schedule();
}

export function clearImages() {
  for (const i of get().images) {
    releaseThumb(i.id);
    dropImage(i.id);
  }
  pixelCache.clear();
  set({ intakeNote: null, images: [], responsesVersion: get().responsesVersion + 1, mapSource: 'all', imageView: 'mean' });
  if (job) engine().cancel(job.reqId);
  schedule();
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

export function setCondition(id: string, condition: string | undefined) {
  patch(id, { condition });
}

// ---------- encoding ----------

// Images go to the worker a chunk at a time: only a chunk's pixels exist at once, a cancel loses at
// most one chunk, and progress spans the whole run.
const CHUNK = 32;
let preparing = false;
/** The running run's start and how many images were encoded before it, for images/s and time left. */
let run: { t0: number; before: number } | null = null;

function clock(s: number): string {
  const m = Math.floor(s / 60);
  return m ? `${m} min ${String(Math.round(s % 60)).padStart(2, '0')} s` : `${Math.max(1, Math.round(s))} s`;
}

/** "12 of 48 images · 3.1 images/s · 12 s left" (rate and time left once something has finished). */
function progressText(backend: string, done: number, total: number): string {
  let rate = '';
  if (run && done > run.before) {
    const per = (done - run.before) / ((performance.now() - run.t0) / 1000);
    rate = ` · ${per >= 10 ? per.toFixed(0) : per.toFixed(1)} images/s · ${clock((total - done) / per)} left`;
  }
  return `Encoding on ${backend}: ${done} of ${total} images${rate}`;
}

/** Send every ready image that has no response for the current model yet. */
export function schedule() {
  const s = get();
  if (!s.model) return;
  const tag = modelTag(s.model);
  const ready = s.images.filter((i) => i.status === 'ready' && i.squareMode);
  const missing = ready.filter((i) => !getResponse(tag, pixelKey(i.id, i.squareMode!)));
  if (job || preparing) return; // the running job reschedules when it ends
  const decoding = s.images.some((i) => i.status === 'decoding');
  if (!missing.length || s.paused) {
    run = null;
    if (s.status.state === 'error' && s.status.text.startsWith('Model')) return;
    const errors = s.images.filter((i) => i.status === 'error').length;
    const skipped = errors ? `; ${errors} file${errors > 1 ? 's' : ''} could not be read` : '';
    if (s.paused && missing.length) {
      set({ status: { state: 'idle', text: `Cancelled: ${ready.length - missing.length} of ${ready.length} images encoded` } });
    } else if (decoding) {
      set({ status: { state: 'encoding', text: 'Decoding images…' } });
    } else if (!ready.length) {
      set({ status: { state: 'idle', text: `Model ready on ${s.model.backend}. Add images to encode${skipped}.` } });
    } else {
      const speed = lastRun && lastRun.tag === tag ? ` (last ${lastRun.n} in ${(lastRun.ms / 1000).toFixed(1)} s)` : '';
      set({ status: { state: 'done', text: `${ready.length} image${ready.length > 1 ? 's' : ''} encoded on ${s.model.backend}${skipped}${speed}` } });
    }
    return;
  }
  const before = ready.length - missing.length;
  const total = ready.length;
  if (!run) run = { t0: performance.now(), before };
  const backend = s.model.backend;
  const chunk = missing.slice(0, Math.max(CHUNK, s.batchSize));
  set({ status: { state: 'encoding', text: progressText(backend, before, total), done: before, total } });
  preparing = true;
  const seq = loadSeq;
  void fromStorage(tag, chunk)
    .then(async (rest) => (rest.length ? Promise.all(rest.map(async (i) => ({ i, q: await pixelsFor(i) }))) : null))
    .then(
    (got) => {
      preparing = false;
      if (!got) return schedule(); // all of the chunk came from storage
      // The model, the mode or the gallery changed while decoding: start over from the new state.
      const now = get();
      const live = new Map(now.images.map((i) => [i.id, i]));
      const still = got.filter(({ i }) => live.get(i.id)?.squareMode === i.squareMode && live.get(i.id)?.status === 'ready');
      if (seq !== loadSeq || !now.model || modelTag(now.model) !== tag || now.paused || !still.length) return schedule();
      const stored = new Map(still.map(({ i }) => [pixelKey(i.id, i.squareMode!), storeKey(i, now)]));
      startJob(still.map(({ i, q }) => ({ key: pixelKey(i.id, i.squareMode!), size: q.size, pixels: q.data.buffer as ArrayBuffer })), tag, before, total, stored);
    },
    (e) => {
      preparing = false;
      set({ status: { state: 'error', text: `Encoding failed: ${message(e)}` }, paused: true });
    },
  );
}

function startJob(items: EncodeItem[], tag: string, before: number, total: number, stored: Map<string, string>) {
  const backend = get().model!.backend;
  const j = engine().encode(
    items,
    get().batchSize,
    (key, data) => {
      putResponse(tag, key, data);
      const at = stored.get(key);
      if (at && persistent()) session.saveResponse(tag, at, data).catch(sessionError);
      bumpResponsesSoon();
    },
    (done) => {
      if (job?.reqId === j.reqId) set({ status: { state: 'encoding', text: progressText(backend, before + done, total), done: before + done, total } });
    },
  );
  job = { reqId: j.reqId, tag };
  const t0 = performance.now();
  j.done.then(
    (how) => {
      if (job?.reqId !== j.reqId) return;
      job = null;
      bumpResponsesNow();
      if (how === 'finished') lastRun = { n: total - (run?.before ?? before), ms: performance.now() - (run?.t0 ?? t0), tag };
      if (how === 'cancelled') set({ paused: true });
      schedule();
    },
    (e) => {
      if (job?.reqId !== j.reqId) return;
      job = null;
      set({ status: { state: 'error', text: `Encoding failed: ${message(e)}` }, paused: true });
    },
  );
}

// Re-rendering every plot after each batch competes with the worker for the CPU: while encoding,
// new responses reach the plots at most every 400 ms.
let bumpTimer: ReturnType<typeof setTimeout> | null = null;
function bumpResponsesSoon() {
  bumpTimer ??= setTimeout(bumpResponsesNow, 400);
}
function bumpResponsesNow() {
  if (bumpTimer) clearTimeout(bumpTimer);
  bumpTimer = null;
  set({ responsesVersion: get().responsesVersion + 1 });
}

export function cancelEncode() {
  // The stop holds even when the running job ends on its own before the worker sees the cancel
  // (images still decoding would otherwise start the next one).
  set({ paused: true });
  if (job) engine().cancel(job.reqId);
}

export function resumeEncode() {
  set({ paused: false });
  schedule();
}
