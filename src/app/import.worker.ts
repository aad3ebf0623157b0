// Turns dropped BERG files (or a picked converted folder) into models stored in this browser.
// Parsing an 860 MB weights file and writing ~830 MB of shards takes seconds to minutes: here it
// never blocks the page, and the page may terminate this worker afterwards to hand its memory back.
/// <reference lib="webworker" />
import { name as pkgName, version as pkgVersion } from '../../package.json';
import { deleteStoredModel, OPFS_PREFIX, sweepStore, type StoredEntry } from '../io/browser_store.ts';
import { blobByteSource } from '../io/byte_source.ts';
import type { CatalogEntry, FromImporter, ToImporter } from './protocol.ts';
import { serveInOrder } from './request_queue.ts';
import { importBergSubject, importConvertedFolder, type ImportProgress } from '../convert/import_browser.ts';
const scope = self as unknown as DedicatedWorkerGlobalScope;
const CONVERTER = `${pkgName} ${pkgVersion} (browser import)`;

function post(msg: FromImporter) {
  scope.postMessage(msg);
}

const toCatalog = (e: StoredEntry): CatalogEntry => ({ ...e, path: OPFS_PREFIX + e.path });

function isCancel(e: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (e instanceof Error && e.name === 'AbortError');
}

async function run(msg: Exclude<ToImporter, { type: 'cancel' }>, signal: AbortSignal) {
  const stored: CatalogEntry[] = [];
  const count = msg.type === 'import-berg' ? msg.jobs.length : 1;
  let index = 0;
  // Progress at most every 100 ms (plus phase changes): enough for a smooth bar.
  let last = 0;
  let lastPhase = '';
  const onProgress = (p: ImportProgress) => {
    const now = performance.now();
    if (p.phase === lastPhase && now - last < 100 && p.done < p.total) return;
    last = now;
    lastPhase = p.phase;
    post({ type: 'progress', reqId: msg.reqId, ...p, index, count });
  };
  try {
    if (msg.type === 'delete') {
      await deleteStoredModel(msg.subject);
      post({ type: 'deleted', reqId: msg.reqId });
      return;
    }
    // what an interrupted earlier import (closed tab) left behind
    await sweepStore();
    if (msg.type === 'import-berg') {
      for (const job of msg.jobs) {
        const e = await importBergSubject({
          subject: job.subject,
          weights: blobByteSource(job.weights),
          metadata: job.metadata ? blobByteSource(job.metadata) : undefined,
          converter: CONVERTER,
          onProgress,
          signal,
        });
        stored.push(toCatalog(e));
        index++;
      }
      post({ type: 'imported', reqId: msg.reqId, entries: stored, notes: [] });
    } else {
      const res = await importConvertedFolder(msg.files, { onProgress, signal });
      post({ type: 'imported', reqId: msg.reqId, entries: res.entries.map(toCatalog), notes: res.notes });
    }
  } catch (e) {
    if (isCancel(e, signal)) post({ type: 'cancelled', reqId: msg.reqId });
    else {
      const err = e instanceof Error ? e : new Error(String(e));
      post({ type: 'error', reqId: msg.reqId, name: err.name, message: err.message, entries: stored });
    }
  }
}

serveInOrder<ToImporter>(scope, run);
