// Encoding: every decoded image without a response for the loaded model (model, subject, backend,
// precision) goes to the engine worker, a chunk at a time; responses already in browser storage
// are taken from there instead. Cancel and resume; the status line while it runs and when it settles.
import type { EncodeItem } from '../protocol.ts';
import { hasResponse, itemKey, loadStoredResponses, modelTag, putResponse, storageChecked } from '../responses.ts';
import { persistent } from '../state/session_sync.ts';
import { turnedByExif } from '../state/selectors.ts';
import { useApp, type AppState, type ImageItem } from '../state/store.ts';
import { errorText, progressText, settledStatus } from '../status_text.ts';
import { currentLoad, engine } from './engine.ts';
import type { SquareImage } from '../../io/image_square.ts';
import { pixelsFor } from './pixels.ts';
import { defaultBatchSize } from '../../engine/pipeline.ts';

const { getState: get, setState: set } = useApp;

// Images go to the worker a chunk at a time: only a chunk's pixels exist at once, a cancel loses at
// most one chunk, and progress spans the whole run.
const CHUNK = 32;

let job: { reqId: number; tag: string } | null = null;
// The next chunk's pixels, decoding while the engine encodes this one (as the CLI reads ahead):
// the engine does not wait for the decoder between chunks. At most one chunk ahead.
let ahead = new Map<string, Promise<SquareImage>>();
let preparing = false;
/** The running run's start and how many images were encoded before it, for images/s and time left. */
let run: { t0: number; before: number } | null = null;
/** The last finished run, with the model tag it ran for (a speed from another backend or subject is not this one's). */
let lastRun: { n: number; ms: number; tag: string } | null = null;

/** Where an image's response is stored: the pixels depend on the EXIF switch only for turned images. */
function storeKey(it: ImageItem, s: AppState = get()): string {
  return turnedByExif(it) ? `${itemKey(it)}|exif-${s.exifOrientation}` : itemKey(it);
}

/** Images per forward pass: the page's `?batch=`, else the engine's default for the backend (the CLI's). */
function batchFor(s: AppState): number {
  return s.batchSize ?? (s.model ? defaultBatchSize(s.model.backend) : 8);
}

/** Sends every ready image that has no response for the current model yet (one chunk now, the rest as chunks finish). */
export function encodeMissing() {
  const s = get();
  if (!s.model) return;
  const tag = modelTag(s.model);
  const ready = s.images.filter((i) => i.status === 'ready' && i.squareMode);
  const missing = ready.filter((i) => !hasResponse(tag, itemKey(i)));
  if (job || preparing) return; // the running job calls again when it ends
  // Responses already in browser storage (a reload, a session import) are found first, all at
  // once and without reading them; only the images still missing then are encoded.
  const unchecked = persistent() ? missing.filter((i) => !storageChecked(tag, storeKey(i, s))) : [];
  if (unchecked.length) {
    preparing = true;
    void loadStoredResponses(tag, unchecked.map((it) => ({ key: itemKey(it), store: storeKey(it, s) })))
      .catch(() => [] as string[])
      .then((found) => {
        preparing = false;
        if (found.length) bumpResponsesNow();
        encodeMissing();
      });
    return;
  }
  if (!missing.length || s.paused) {
    run = null;
    if (s.status.state === 'error' && s.status.text.startsWith('Model')) return;
    set({
      status: settledStatus({
        backend: s.model.backend,
        ready: ready.length,
        missing: missing.length,
        decoding: s.images.some((i) => i.status === 'decoding'),
        errors: s.images.filter((i) => i.status === 'error').length,
        paused: s.paused,
        lastRun: lastRun && lastRun.tag === tag ? lastRun : null,
      }),
    });
    return;
  }
  const before = ready.length - missing.length;
  const total = ready.length;
  if (!run) run = { t0: performance.now(), before };
  const backend = s.model.backend;
  const chunk = missing.slice(0, Math.max(CHUNK, batchFor(s)));
  set({ status: { state: 'encoding', text: progressText(backend, before, total, run, performance.now()), done: before, total } });
  preparing = true;
  const seq = currentLoad();
  const early = ahead;
  ahead = new Map();
  void Promise.all(chunk.map(async (i) => ({ i, q: await (early.get(storeKey(i, s)) ?? pixelsFor(i)) })))
    .then(
      (got) => {
        preparing = false;
        // The model, the mode or the gallery changed while decoding: start over from the new state.
        const now = get();
        const live = new Map(now.images.map((i) => [i.id, i]));
        const still = got.filter(({ i }) => live.get(i.id)?.squareMode === i.squareMode && live.get(i.id)?.status === 'ready');
        if (seq !== currentLoad() || !now.model || modelTag(now.model) !== tag || now.paused || !still.length) return encodeMissing();
        const stored = new Map(still.map(({ i }) => [itemKey(i), storeKey(i, now)]));
        startJob(still.map(({ i, q }) => ({ key: itemKey(i), size: q.size, pixels: q.data.buffer as ArrayBuffer })), tag, before, total, stored);
        for (const i of missing.slice(chunk.length, chunk.length + chunk.length)) {
          const p = pixelsFor(i);
          p.catch(() => undefined); // its own chunk reports a failed decode
          ahead.set(storeKey(i, now), p); // (keyed with the EXIF variant: a switch meanwhile decodes again)
        }
      },
      (e) => {
        preparing = false;
        set({ status: { state: 'error', text: `Encoding failed: ${errorText(e)}` }, paused: true });
      },
    );
}

let soon: ReturnType<typeof setTimeout> | null = null;
/** Decodes that finish close together go to the worker as one request. */
export function encodeMissingSoon() {
  if (soon) clearTimeout(soon);
  soon = setTimeout(() => {
    soon = null;
    encodeMissing();
  }, 40);
}

function startJob(items: EncodeItem[], tag: string, before: number, total: number, stored: Map<string, string>) {
  const backend = get().model!.backend;
  const j = engine().encode(
    items,
    batchFor(get()),
    (key, data) => {
      // to the responses worker, which also writes it to browser storage
      putResponse(tag, key, data, (persistent() && stored.get(key)) || null);
      bumpResponsesSoon();
    },
    (done) => {
      if (job?.reqId === j.reqId) set({ status: { state: 'encoding', text: progressText(backend, before + done, total, run, performance.now()), done: before + done, total } });
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
      encodeMissing();
    },
    (e) => {
      if (job?.reqId !== j.reqId) return;
      job = null;
      set({ status: { state: 'error', text: `Encoding failed: ${errorText(e)}` }, paused: true });
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

/** Asks the worker to stop the running job (a model change, a cleared gallery); the page is not paused. */
export function stopRunningJob() {
  if (job) engine().cancel(job.reqId);
}

/** Forgets the running job without waiting for it (a new model load: its answers are stale). */
export function abandonRunningJob() {
  stopRunningJob();
  job = null;
}

export function cancelEncode() {
  // The stop holds even when the running job ends on its own before the worker sees the cancel
  // (images still decoding would otherwise start the next one).
  set({ paused: true });
  stopRunningJob();
}

export function resumeEncode() {
  set({ paused: false });
  encodeMissing();
}
