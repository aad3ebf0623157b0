// The words of the status line and of error notes: pure functions of what happened, no store.
import type { Status } from './state/store.ts';

/** An error as the page shows it. Engine errors carry their class name (e.g. ModelLoadError); bundling may mangle it, so only real names are shown. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return /^[A-Z]\w+Error$/.test(e.name) && e.name !== 'WorkerError' ? `${e.message} (${e.name})` : e.message;
  return String(e);
}

/** A duration as "12 s" or "2 min 05 s". */
export function clock(s: number): string {
  const m = Math.floor(s / 60);
  return m ? `${m} min ${String(Math.round(s % 60)).padStart(2, '0')} s` : `${Math.max(1, Math.round(s))} s`;
}

/**
 * "Encoding on wasm: 12 of 48 images · 3.1 images/s · 12 s left" (rate and time left once something
 * of this run has finished). run: the run's start (performance.now() ms) and how many images were
 * encoded before it; now: the time of this report.
 */
export function progressText(backend: string, done: number, total: number, run: { t0: number; before: number } | null, now: number): string {
  let rate = '';
  if (run && done > run.before) {
    const per = (done - run.before) / ((now - run.t0) / 1000);
    rate = ` · ${per >= 10 ? per.toFixed(0) : per.toFixed(1)} images/s · ${clock((total - done) / per)} left`;
  }
  return `Encoding on ${backend}: ${done} of ${total} images${rate}`;
}

/** Where the gallery stands when nothing is being sent to encode. */
export interface Settled {
  backend: string;
  /** decoded images, and how many of them still have no response */
  ready: number;
  missing: number;
  /** images still decoding, and files that could not be read */
  decoding: boolean;
  errors: number;
  paused: boolean;
  /** the last finished run for this model, if any */
  lastRun: { n: number; ms: number } | null;
}

/** The status line when no encode is running: cancelled, decoding, waiting for images, or done. */
export function settledStatus(g: Settled): Status {
  const skipped = g.errors ? `; ${g.errors} file${g.errors > 1 ? 's' : ''} could not be read` : '';
  if (g.paused && g.missing) return { state: 'idle', text: `Cancelled: ${g.ready - g.missing} of ${g.ready} images encoded` };
  if (g.decoding) return { state: 'encoding', text: 'Decoding images…' };
  if (!g.ready) return { state: 'idle', text: `Model ready on ${g.backend}. Add images to encode${skipped}.` };
  const speed = g.lastRun ? ` (last ${g.lastRun.n} in ${(g.lastRun.ms / 1000).toFixed(1)} s)` : '';
  return { state: 'done', text: `${g.ready} image${g.ready > 1 ? 's' : ''} encoded on ${g.backend}${skipped}${speed}` };
}

/** What the last folder or list intake skipped as duplicates: "2 duplicate files skipped: b.png (= a.png), …". */
export function duplicatesNote(skipped: string[]): string {
  return `${skipped.length} duplicate file${skipped.length > 1 ? 's' : ''} skipped: ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', …' : ''}`;
}

/** "3 stored images are missing from browser storage". */
export function missingImagesNote(lost: number): string {
  return `${lost} stored image${lost > 1 ? 's are' : ' is'} missing from browser storage`;
}
