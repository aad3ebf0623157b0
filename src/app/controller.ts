// Side effects: catalog, model loading, decoding, and incremental encoding in the worker.
// Only images without cached responses for the current model + backend are sent to encode.
import type { Device, Precision } from '../engine/types.ts';
import { listStoredModels, OPFS_PREFIX } from '../io/browser_store.ts';
import { EngineClient } from './engine_client.ts';
import { decodeInWorker } from './decode_client.ts';
import type { SquareMode } from '../io/image_square.ts';
import type { CatalogEntry, EncodeItem } from './protocol.ts';
import { dropImage, getResponse, modelTag, pixelKey, putResponse } from './responses.ts';
import { chNames, get, pixelMode, set, type ImageItem } from './store.ts';
import { wasmSetup } from './wasm_paths.ts';

let client: EngineClient | null = null;
let job: { reqId: number; tag: string } | null = null;
/** The last finished encode request, for the status line. */
let lastRun: { n: number; ms: number } | null = null;
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
  // ?subject=3 or ?subject=demo picks a catalog entry; the demo subject is the default.
  const want = q.get('subject');
  const pick =
    catalog.find((m) => want !== null && String(m.subject) === want) ?? catalog.find((m) => m.subject === 'demo') ?? catalog[0];
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

// ---------- images ----------

export function addFiles(files: Iterable<File>) {
  const items: ImageItem[] = [];
  for (const f of files) {
    items.push({ id: `i${nextImageId++}`, name: f.name || `pasted-${nextImageId}.png`, file: f, status: 'decoding' });
  }
  if (!items.length) return;
  // Placeholders go in now, so the gallery (and export) order is the order of adding.
  set({ images: [...get().images, ...items], paused: false });
  for (const it of items) void decode(it.id);
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
    patch(id, { status: 'ready', error: undefined, width: d.width, height: d.height, square: d.square, squareMode, thumb: URL.createObjectURL(d.thumb), transparent: d.transparent, exifOrientation: d.exifOrientation, orientationApplied: d.orientationApplied });
  } catch (e) {
    patch(id, { status: 'error', error: message(e), square: undefined });
  }
  // Mode changed while decoding: decode again with the current one.
  const now = get().images.find((i) => i.id === id);
  if (now && now.status === 'ready' && now.squareMode !== pixelMode(now)) return decode(id);
  scheduleSoon();
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
  set({ images: [], responsesVersion: get().responsesVersion + 1, mapSource: 'all', imageView: 'mean' });
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

/** Send every ready image that has no response for the current model yet. */
export function schedule() {
  const s = get();
  if (!s.model) return;
  const tag = modelTag(s.model);
  const ready = s.images.filter((i) => i.status === 'ready' && i.square);
  const missing = ready.filter((i) => !getResponse(tag, pixelKey(i.id, i.squareMode!)));
  if (job) return; // the running job reschedules when it ends
  const decoding = s.images.some((i) => i.status === 'decoding');
  if (!missing.length || s.paused) {
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
      const speed = lastRun ? ` (last ${lastRun.n} in ${(lastRun.ms / 1000).toFixed(1)} s)` : '';
      set({ status: { state: 'done', text: `${ready.length} image${ready.length > 1 ? 's' : ''} encoded on ${s.model.backend}${skipped}${speed}` } });
    }
    return;
  }
  const items: EncodeItem[] = missing.map((i) => ({
    key: pixelKey(i.id, i.squareMode!),
    size: i.square!.size,
    pixels: i.square!.data.slice().buffer, // a copy: the original stays for later re-encodes
  }));
  const total = items.length;
  set({ status: { state: 'encoding', text: `Encoding ${total} image${total > 1 ? 's' : ''} on ${s.model.backend}…`, done: 0, total } });
  const j = engine().encode(
    items,
    s.batchSize,
    (key, data) => {
      putResponse(tag, key, data);
      bumpResponsesSoon();
    },
    (done, tot) => {
      if (job?.reqId === j.reqId) set({ status: { state: 'encoding', text: `Encoding on ${s.model!.backend}: ${done} of ${tot} images`, done, total: tot } });
    },
  );
  job = { reqId: j.reqId, tag };
  const t0 = performance.now();
  j.done.then(
    (how) => {
      if (job?.reqId !== j.reqId) return;
      job = null;
      bumpResponsesNow();
      if (how === 'finished') lastRun = { n: total, ms: performance.now() - t0 };
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
