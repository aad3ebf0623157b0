// Page side of model imports: sorts dropped files into BERG subjects, runs the import worker
// (one per import, terminated afterwards so the ~1 GB it parsed is handed back at once),
// and keeps the import's state for the UI (state.modelImport).
import { MAX_SUBJECT, requestPersistence, sweepStore } from '../io/browser_store.ts';
import { refreshStoredModels } from './actions/catalog.ts';
import type { BergImportJob, CatalogEntry, FromImporter, ImportPhaseName, ToImporter } from './protocol.ts';
import { formatBytes } from '../core/wording.ts';
import { useApp, type ImportUi } from './state/store.ts';
/** The import's part of the page's store. */
const importUi = (): ImportUi => useApp.getState().modelImport;
const set = (p: Partial<ImportUi>) => useApp.setState((s) => ({ modelImport: { ...s.modelImport, ...p } }));

const WEIGHTS_RE = /^weights_subject-(\d+)\.npy$/i;
const METADATA_RE = /^metadata_subject-(\d+)\.npy$/i;
const nn = (s: number) => String(s).padStart(2, '0');

export interface BergPlan {
  jobs: BergImportJob[];
  /** set when the subject cannot be told from the names: ask, then import these */
  ask?: { weights: File; metadata?: File };
}

/**
 * Dropped .npy files -> one job per subject. Names follow BERG (weights_subject-NN.npy,
 * metadata_subject-NN.npy); a renamed weights file takes its subject from a metadata file
 * dropped with it, or the user is asked. Throws an Error with the message to show.
 */
export function planBergFiles(files: File[]): BergPlan {
  if (!files.length) throw new Error('No files were dropped.');
  const notNpy = files.filter((f) => !/\.npy$/i.test(f.name));
  if (notNpy.length) {
    throw new Error(
      `${notNpy.map((f) => f.name).join(', ')}: not a .npy file. Drop BERG's weights_subject-NN.npy (and metadata_subject-NN.npy), ` +
        'or use "Converted folder…" for a folder written by npx insilico-eeg convert.',
    );
  }
  const weights = new Map<number, File>();
  const metadata = new Map<number, File>();
  const other: File[] = [];
  for (const f of files) {
    const w = WEIGHTS_RE.exec(f.name);
    const m = METADATA_RE.exec(f.name);
    const map = w ? weights : m ? metadata : null;
    const s = Number((w ?? m)?.[1]);
    if (!map) other.push(f);
    else if (map.has(s)) throw new Error(`Two files for the same subject: ${map.get(s)!.name} and ${f.name}.`);
    else map.set(s, f);
  }
  if (other.length) {
    // A renamed pair: the larger file holds the weights (~860 MB against a few MB of metadata).
    const bySize = [...other].sort((a, b) => b.size - a.size);
    if (weights.size || bySize.length > 2 || (bySize.length === 2 && metadata.size)) {
      throw new Error(
        `Cannot tell what ${other.map((f) => f.name).join(', ')} ${other.length > 1 ? 'are' : 'is'}: name BERG's files as BERG does ` +
          '(weights_subject-NN.npy, metadata_subject-NN.npy), or drop one subject at a time.',
      );
    }
    const w = bySize[0];
    const m = bySize[1] ?? [...metadata.values()][0];
    const known = bySize.length === 1 && metadata.size === 1 ? [...metadata.keys()][0] : undefined;
    if (known !== undefined) return { jobs: [{ subject: known, weights: w, metadata: m }] };
    return { jobs: [], ask: { weights: w, metadata: m } };
  }
  for (const [s, m] of metadata) {
    if (!weights.has(s)) {
      const ws = [...weights.keys()];
      throw new Error(
        ws.length === 1 && metadata.size === 1
          ? `${m.name} is subject ${s}'s metadata, but ${weights.get(ws[0])!.name} holds subject ${ws[0]}'s weights: drop files of the same subject.`
          : `${m.name} has no weights_subject-${nn(s)}.npy with it: the weights file is needed (the metadata alone cannot encode).`,
      );
    }
  }
  const jobs = [...weights.keys()].sort((a, b) => a - b).map((s) => ({ subject: s, weights: weights.get(s)!, metadata: metadata.get(s) }));
  for (const j of jobs) {
    if (j.subject < 1 || j.subject > MAX_SUBJECT) throw new Error(`${j.weights.name}: THINGS EEG2 has subjects 1 to ${MAX_SUBJECT}.`);
  }
  return { jobs };
}

const PHASE: Record<ImportPhaseName, string> = {
  check: 'checking browser storage',
  'read-weights': 'reading',
  'read-metadata': 'reading',
  'read-folder': 'reading and checking',
  fold: 'folding the scaler into the PCA',
  write: 'storing in this browser',
};

let worker: Worker | null = null;
let current = 0;
let nextId = 1;
let cancelTimer: ReturnType<typeof setTimeout> | null = null;

function stopWorker() {
  worker?.terminate();
  worker = null;
  if (cancelTimer) clearTimeout(cancelTimer);
  cancelTimer = null;
}

function busy(): boolean {
  const s = importUi().state;
  return s === 'running' || importUi().removing !== undefined;
}

/** Starts the worker for one request; resolves with its last message. */
function runWorker(msg: ToImporter, onProgress?: (m: Extract<FromImporter, { type: 'progress' }>) => void): Promise<FromImporter> {
  stopWorker();
  const w = new Worker(new URL('./import.worker.ts', import.meta.url), { type: 'module', name: 'import' });
  worker = w;
  current = msg.reqId;
  return new Promise((resolve) => {
    w.onmessage = (ev: MessageEvent<FromImporter>) => {
      const m = ev.data;
      if (m.reqId !== current) return;
      if (m.type === 'progress') onProgress?.(m);
      else {
        stopWorker();
        resolve(m);
      }
    };
    w.onerror = (ev) => {
      stopWorker();
      resolve({ type: 'error', reqId: msg.reqId, name: 'WorkerError', message: ev.message || 'the import worker failed to start', entries: [] });
    };
    w.postMessage(msg);
  });
}

function progressText(m: Extract<FromImporter, { type: 'progress' }>): string {
  const who = m.subject !== null ? `Subject ${m.subject}` : 'Model folder';
  const of = m.count > 1 ? ` (${m.index + 1} of ${m.count})` : '';
  const file = m.file && (m.phase === 'read-weights' || m.phase === 'read-metadata' || m.phase === 'read-folder') ? ` ${m.file.split('/').pop()}` : '';
  const bytes = m.phase === 'fold' || m.phase === 'check' ? '' : `: ${formatBytes(m.done)} of ${formatBytes(m.total)}`;
  return `${who}${of}: ${PHASE[m.phase]}${file}${bytes}`;
}

async function finish(res: FromImporter) {
  if (res.type === 'imported' || res.type === 'error') {
    const entries = res.entries;
    // a new import is selected (the first of several); after a failure, nothing changes selection
    if (entries.length) await refreshStoredModels(res.type === 'imported' ? entries[0].path : undefined);
    if (res.type === 'imported') set({ state: 'done', text: doneText(entries, res.notes), done: undefined, total: undefined });
    else {
      const kept = entries.length ? ` (${listSubjects(entries)} ${entries.length > 1 ? 'were' : 'was'} stored before it)` : '';
      set({ state: 'error', text: `Import failed: ${res.message}${kept}`, done: undefined, total: undefined });
    }
  } else if (res.type === 'cancelled') {
    set({ state: 'cancelled', text: 'Import cancelled; nothing was stored.', done: undefined, total: undefined });
  }
}

const listSubjects = (entries: CatalogEntry[]) =>
  (entries.length > 1 ? 'Subjects ' : 'Subject ') + entries.map((e) => String(e.subject)).join(', ');

function doneText(entries: CatalogEntry[], notes: string[]): string {
  const bytes = entries.reduce((a, e) => a + (e.bytes ?? 0), 0);
  let t = `${listSubjects(entries)} stored in this browser (${formatBytes(bytes)}) and ${entries.length > 1 ? 'listed' : 'selected'}; a reload will not parse again.`;
  const noMeta = entries.filter((e) => e.metadata === false);
  if (noMeta.length) {
    t += ` No metadata for ${noMeta.map((e) => `subject ${e.subject}`).join(', ')}: encoding works, but the quality panel needs metadata_subject-${nn(Number(noMeta[0].subject))}.npy (import it with the weights).`;
  }
  if (notes.length) t += ` ${notes.join('; ')}.`;
  return t;
}

async function start(msg: ToImporter) {
  set({ state: 'running', text: 'Starting the import…', done: undefined, total: undefined, pending: undefined, runs: importUi().runs + 1 });
  void requestPersistence(); // ask the browser to keep the store under storage pressure
  const res = await runWorker(msg, (m) => set({ text: progressText(m), done: m.done, total: m.total }));
  await finish(res);
}

/** Dropped or chosen .npy files. `subject` answers the question asked for renamed files. */
export async function importBergFiles(files: File[], subject?: number): Promise<void> {
  if (busy()) return;
  let plan: BergPlan;
  try {
    plan = planBergFiles(files);
  } catch (e) {
    set({ state: 'error', text: `Import failed: ${(e as Error).message}` });
    return;
  }
  if (plan.ask) {
    if (subject === undefined) {
      set({ state: 'asking', text: `Which subject's weights are in ${plan.ask.weights.name}?`, pending: plan.ask });
      return;
    }
    plan.jobs = [{ subject, ...plan.ask }];
  }
  await start({ type: 'import-berg', reqId: nextId++, jobs: plan.jobs });
}

/** The answer to "which subject?" for renamed files. */
export async function importPending(subject: number): Promise<void> {
  const p = importUi().pending;
  if (!p) return;
  if (!Number.isInteger(subject) || subject < 1 || subject > MAX_SUBJECT) {
    set({ text: `Which subject's weights are in ${p.weights.name}? (a number from 1 to ${MAX_SUBJECT})` });
    return;
  }
  await start({ type: 'import-berg', reqId: nextId++, jobs: [{ subject, ...p }] });
}

/** Files of a converted model folder (picked with a folder input, or dropped). */
export async function importFolderFiles(files: { path: string; file: File }[]): Promise<void> {
  if (busy()) return;
  if (!files.length) {
    set({ state: 'error', text: 'Import failed: the picked folder is empty.' });
    return;
  }
  await start({ type: 'import-folder', reqId: nextId++, files });
}

export function cancelImport() {
  const s = importUi();
  if (s.state === 'asking') {
    set({ state: 'idle', text: '', pending: undefined });
    return;
  }
  if (s.state !== 'running' || !worker) return;
  worker.postMessage({ type: 'cancel', reqId: current } satisfies ToImporter);
  set({ text: 'Cancelling…' });
  // A cancel is seen between reads and shards; folding the PCA cannot be interrupted. If the
  // worker does not answer soon, stop it and clear what it wrote.
  const id = current;
  cancelTimer = setTimeout(async () => {
    if (current !== id || !worker) return;
    stopWorker();
    await sweepStore().catch(() => {});
    set({ state: 'cancelled', text: 'Import cancelled; nothing was stored.', done: undefined, total: undefined });
  }, 20_000);
}

export function dismissImport() {
  if (busy()) return;
  set({ state: 'idle', text: '', pending: undefined });
}

/** Removes a stored subject (in the worker: writes to OPFS are serialised there). */
export async function removeStored(entry: CatalogEntry): Promise<void> {
  if (busy() || typeof entry.subject !== 'number') return;
  set({ removing: entry.subject });
  const res = await runWorker({ type: 'delete', reqId: nextId++, subject: entry.subject });
  set({ removing: undefined });
  await refreshStoredModels();
  if (res.type === 'error') set({ state: 'error', text: `Could not remove subject ${entry.subject}: ${res.message}` });
  else set({ state: 'done', text: `Subject ${entry.subject} removed from this browser's storage.` });
}

/** Files under dropped folders (DataTransfer entries), with their paths. */
export async function droppedFolderFiles(items: DataTransferItemList): Promise<{ path: string; file: File }[] | null> {
  const entries = [...items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (!entries.some((e) => e.isDirectory)) return null;
  const out: { path: string; file: File }[] = [];
  const walk = async (e: FileSystemEntry, prefix: string): Promise<void> => {
    if (e.isFile) {
      const file = await new Promise<File>((res, rej) => (e as FileSystemFileEntry).file(res, rej));
      out.push({ path: prefix + e.name, file });
    } else if (e.isDirectory) {
      const reader = (e as FileSystemDirectoryEntry).createReader();
      // readEntries returns at most ~100 entries per call: read until it returns none
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const c of batch) await walk(c, `${prefix}${e.name}/`);
      }
    }
  };
  for (const e of entries) await walk(e, '');
  return out;
}
