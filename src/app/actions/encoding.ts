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
import { pixelsFor } from './pixels.ts';
import { defaultBatchSize } from '../../engine/pipeline.ts';

const { getState: get, setState: set } = useApp;

// Images go to the worker a chunk at a time: only a few chunks' pixels exist at once, a cancel
// stops within a batch, and progress spans the whole run.
const CHUNK = 32;

/**
 * Jobs sent to the engine worker, oldest first. The worker runs them in order; the next one is
 * sent (its images decoded) while the one before it encodes, so that the engine starts it the
 * moment it is free instead of after a round trip through this thread, which may be busy
 * drawing the batch just received. At most two (and a third decoding).
 */
let jobs: { reqId: number; tag: string }[] = [];
const IN_FLIGHT = 2;
/** Images (itemKey) sent, or being decoded to be sent, and not yet answered. */
const inFlight = new Set<string>();
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

/** The images that can be encoded: decoded, with their square mode. */
function readyImages(s: AppState): ImageItem[] {
  return s.images.filter((i) => i.status === 'ready' && i.squareMode);
}

/** How many of these images have a response for the model. */
function encodedCount(tag: string, ready: ImageItem[]): number {
  let n = 0;
  for (const i of ready) if (hasResponse(tag, itemKey(i))) n++;
  return n;
}

/** The progress line: images with a response out of those ready. */
function showProgress(tag: string) {
  const s = get();
  if (!s.model || !run) return;
  const ready = readyImages(s);
  const done = encodedCount(tag, ready);
  set({ status: { state: 'encoding', text: progressText(s.model.backend, done, ready.length, run, performance.now()), done, total: ready.length } });
}

/** Sends every ready image that has no response for the current model yet (a chunk at a time, the next while one encodes). */
export function encodeMissing() {
  const s = get();
  if (!s.model) return;
  const tag = modelTag(s.model);
  const ready = readyImages(s);
  if (preparing || jobs.length >= IN_FLIGHT) return; // a job's end calls again
  if (jobs.some((j) => j.tag !== tag)) return; // (a job for another model: its end calls again)
  const missing = ready.filter((i) => !hasResponse(tag, itemKey(i)) && !inFlight.has(itemKey(i)));
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
    if (jobs.length) return; // the last job's end settles the status
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
  if (!run) run = { t0: performance.now(), before: encodedCount(tag, ready) };
  const chunk = missing.slice(0, Math.max(CHUNK, batchFor(s)));
  if (!jobs.length) showProgress(tag);
  preparing = true;
  for (const i of chunk) inFlight.add(itemKey(i));
  const seq = currentLoad();
  const release = () => {
    for (const i of chunk) inFlight.delete(itemKey(i));
  };
  void Promise.all(chunk.map(async (i) => ({ i, q: await pixelsFor(i) })))
    .then(
      (got) => {
        preparing = false;
        // The model, the mode or the gallery changed while decoding: start over from the new state.
        const now = get();
        const live = new Map(now.images.map((i) => [i.id, i]));
        const still = got.filter(({ i }) => live.get(i.id)?.squareMode === i.squareMode && live.get(i.id)?.status === 'ready');
        if (seq !== currentLoad() || !now.model || modelTag(now.model) !== tag || now.paused || !still.length) {
          release();
          return encodeMissing();
        }
        const sent = new Set(still.map(({ i }) => i));
        for (const { i } of got) if (!sent.has(i)) inFlight.delete(itemKey(i));
        const stored = new Map(still.map(({ i }) => [itemKey(i), storeKey(i, now)]));
        startJob(still.map(({ i, q }) => ({ key: itemKey(i), size: q.size, pixels: q.data.buffer as ArrayBuffer })), tag, stored);
        encodeMissing(); // the next chunk, decoded and queued while this one encodes
      },
      (e) => {
        preparing = false;
        release();
        set({ status: { state: 'error', text: `Encoding failed: ${errorText(e)}` }, paused: true });
        stopRunningJob();
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

function startJob(items: EncodeItem[], tag: string, stored: Map<string, string>) {
  const j = engine().encode(
    items,
    batchFor(get()),
    (key, data) => {
      // to the responses worker, which also writes it to browser storage
      putResponse(tag, key, data, (persistent() && stored.get(key)) || null);
      bumpResponsesSoon();
    },
    (done) => {
      if (done > 0 && jobs[0]?.reqId === j.reqId) showProgress(tag);
    },
  );
  jobs.push({ reqId: j.reqId, tag });
  const t0 = performance.now();
  // false for a job forgotten meanwhile (abandonRunningJob): what it held is no longer its own
  const end = () => {
    if (!jobs.some((x) => x.reqId === j.reqId)) return false;
    for (const it of items) inFlight.delete(it.key);
    jobs = jobs.filter((x) => x.reqId !== j.reqId);
    return true;
  };
  j.done.then(
    (how) => {
      if (!end()) return;
      if (how === 'finished' && !jobs.length) lastRun = { n: encodedCount(tag, readyImages(get())) - (run?.before ?? 0), ms: performance.now() - (run?.t0 ?? t0), tag };
      if (how === 'cancelled') set({ paused: true });
      // the next chunk goes out before the views catch up with this one's responses
      encodeMissing();
      bumpResponsesNow();
    },
    (e) => {
      if (!end()) return;
      set({ status: { state: 'error', text: `Encoding failed: ${errorText(e)}` }, paused: true });
      stopRunningJob();
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

/** Asks the worker to stop the running jobs (a model change, a cleared gallery); the page is not paused. */
export function stopRunningJob() {
  for (const j of jobs) engine().cancel(j.reqId);
}

/** Forgets the running jobs without waiting for them (a new model load: their answers are stale). */
export function abandonRunningJob() {
  stopRunningJob();
  jobs = [];
  inFlight.clear();
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
