// Importing into the browser's model store: BERG's own files (parsed while streamed, the scaler
// folded) or a converted model folder picked as files, each written as the same model folder
// `npx insilico-eeg convert` writes (io/browser_store.ts keeps it). Runs in the import worker.
import { ModelLoadError } from '../core/errors.ts';
import type { ModelSource } from '../core/source.ts';
import { MODEL_ID } from '../core/types.ts';
import { readBergMetadata, readBergWeights, type BergMetadata } from '../io/berg.ts';
import type { ByteSource } from '../io/byte_source.ts';
import { checkSpace, MAX_SUBJECT, writeStoredModel, type StoredEntry, type StoreOptions } from '../io/browser_store.ts';
import { readModelFolder, readModelManifest, type ManifestFields, type SourceFileInfo } from '../io/model_folder.ts';
import { resolvePath } from '../io/opfs.ts';
import { Sha256 } from '../io/sha256.ts';
import { bergManifestFields, bergWeightList, DEFAULT_CH_NAMES, DEFAULT_TIMES, metadataJson } from './berg_folder.ts';
import { foldScaler } from './pca.ts';
import type { WeightToWrite } from '../io/model_folder_write.ts';
import { readModelMetadata } from '../io/model_metadata.ts';
export type ImportPhase = 'check' | 'read-weights' | 'read-metadata' | 'read-folder' | 'fold' | 'write';

export interface ImportProgress {
  subject: number | null;
  phase: ImportPhase;
  done: number;
  total: number;
  /** the file being read */
  file?: string;
}

export interface ImportCommon extends StoreOptions {
  onProgress?: (p: ImportProgress) => void;
  signal?: AbortSignal;
}

export interface ImportBergOptions extends ImportCommon {
  subject: number;
  /** BERG's weights_subject-NN.npy */
  weights: ByteSource;
  /** BERG's metadata_subject-NN.npy (optional: without it the model encodes but has no quality arrays) */
  metadata?: ByteSource;
  /** converter name and version for the manifest's provenance */
  converter?: string;
  /** sha256 of the source files for provenance, hashed while parsing (default true) */
  hashSources?: boolean;
}

function cancelled(): DOMException {
  return new DOMException('the import was cancelled', 'AbortError');
}

export function checkImportSubject(subject: number): void {
  if (!Number.isInteger(subject) || subject < 1 || subject > MAX_SUBJECT) {
    throw new ModelLoadError(`subject ${subject} is not a THINGS EEG2 subject: ${MODEL_ID} has subjects 1 to ${MAX_SUBJECT}`);
  }
}

const PIECE = 16 << 20;

/**
 * The parser's view of a dropped file: large reads are done in 16 MiB pieces so that progress
 * moves smoothly, a cancel stops within one piece, and the pieces are hashed in file order
 * for the manifest's provenance.
 */
function watchedSource(src: ByteSource, signal: AbortSignal | undefined, hash: boolean, onBytes: (done: number) => void) {
  const h = hash ? new Sha256() : null;
  let next = 0;
  let sequential = true;
  const piece = async (offset: number, length: number) => {
    if (signal?.aborted) throw cancelled();
    const b = await src.read(offset, length);
    if (h) {
      if (offset === next) {
        h.update(b);
        next += b.length;
      } else sequential = false;
    }
    onBytes(offset + b.length);
    return b;
  };
  const source: ByteSource = {
    size: src.size,
    name: src.name,
    async read(offset, length) {
      const end = Math.min(src.size, offset + length);
      if (end - offset <= PIECE) return piece(offset, end - offset);
      const out = new Uint8Array(end - offset);
      for (let o = offset; o < end; ) {
        const b = await piece(o, Math.min(PIECE, end - o));
        if (b.length === 0) return out.slice(0, o - offset); // the file shrank: the reader reports the truncation
        out.set(b, o - offset);
        o += b.length;
      }
      return out;
    },
  };
  return {
    source,
    async info(): Promise<SourceFileInfo> {
      let sha256 = '';
      if (h) {
        let hh = h;
        if (!sequential) {
          hh = new Sha256(); // not expected (the parsers read in order): hash the whole file again
          next = 0;
        }
        for (; next < src.size; ) {
          const b = await src.read(next, PIECE);
          if (b.length === 0) break;
          hh.update(b);
          next += b.length;
        }
        sha256 = hh.digestHex();
      }
      return { file: src.name, bytes: src.size, sha256 };
    },
  };
}

/** A failure while parsing: a cancel stays a cancel; everything else keeps the reader's precise message. */
function parseFailure(e: unknown, signal?: AbortSignal): unknown {
  return signal?.aborted ? cancelled() : e;
}

/**
 * BERG's files -> a stored subject: parses the weights (streaming, never one buffer for the
 * file), folds the scaler, and writes the same model folder `npx insilico-eeg convert` writes.
 */
export async function importBergSubject(o: ImportBergOptions): Promise<StoredEntry> {
  const { subject, signal } = o;
  checkImportSubject(subject);
  const progress = (phase: ImportPhase, done: number, total: number, file?: string) => o.onProgress?.({ subject, phase, done, total, file });
  progress('check', 0, 1);
  // Fail before a long parse when the store obviously cannot hold the model (the stored model is about the weights file's size).
  await checkSpace(o.weights.size + (o.metadata ? o.metadata.size * 4 : 0), `subject ${subject}`, o);
  const hash = o.hashSources ?? true;

  const wname = o.weights.name;
  const ws = watchedSource(o.weights, signal, hash, (d) => progress('read-weights', d, o.weights.size, wname));
  let weights;
  try {
    weights = await readBergWeights(ws.source);
  } catch (e) {
    throw parseFailure(e, signal);
  }
  const sources = [await ws.info()];
  let meta: BergMetadata | undefined;
  if (o.metadata) {
    const mname = o.metadata.name;
    const ms = watchedSource(o.metadata, signal, hash, (d) => progress('read-metadata', d, o.metadata!.size, mname));
    try {
      meta = await readBergMetadata(ms.source);
    } catch (e) {
      throw parseFailure(e, signal);
    }
    sources.push(await ms.info());
  }
  signal?.throwIfAborted();

  progress('fold', 0, 1);
  const folded = foldScaler(weights, { inPlace: true });
  progress('fold', 1, 1);
  signal?.throwIfAborted();

  const manifest = bergManifestFields({ subject, weights, metadata: meta, converter: o.converter ?? 'insilico-eeg (browser import)', sources });
  const metadata = meta
    ? metadataJson(meta, subject)
    : { model_id: MODEL_ID, subject, synthetic: false, eeg: { ch_names: DEFAULT_CH_NAMES, times: DEFAULT_TIMES } };
  return writeStoredModel({
    ...o,
    subject,
    manifest,
    weights: bergWeightList(weights, folded),
    metadata,
    hasMetadata: meta !== undefined,
    onProgress: (d, t) => progress('write', d, t),
  });
}

export interface FolderFile {
  /** path inside the picked folder, '/'-separated (File.webkitRelativePath) */
  path: string;
  file: Blob;
}

export interface ImportFolderResult {
  entries: StoredEntry[];
  /** what was skipped or is missing, one sentence each */
  notes: string[];
}

function folderSource(dir: string, files: Map<string, Blob>, manifestPath: string): ModelSource {
  const get = (name: string): Blob => {
    const parts = resolvePath(dir, name);
    const f = files.get(parts.join('/'));
    if (!f) {
      throw new Error(
        `${parts.join('/')} is not among the picked files (${manifestPath} refers to it): pick the folder that holds both sub-NN/ and shared/, ` +
          `e.g. public/models/${MODEL_ID}`,
      );
    }
    return f;
  };
  return {
    location: dir ? dir + '/' : './',
    readText: async (name) => get(name).text(),
    readBytes: async (name) => new Uint8Array(await get(name).arrayBuffer()),
  };
}

/**
 * A converted model folder picked or dropped as files (sub-NN/manifest.json, metadata.json,
 * ../shared/*.bin): each subject's shards are checked (length, sha256) while read, then
 * stored like an import from BERG's files. The built-in demo subject is skipped.
 */
export async function importConvertedFolder(files: FolderFile[], o: ImportCommon = {}): Promise<ImportFolderResult> {
  const map = new Map<string, Blob>();
  for (const f of files) map.set(f.path.replace(/\\/g, '/').split('/').filter((p) => p && p !== '.').join('/'), f.file);
  const manifests = [...map.keys()].filter((p) => p === 'manifest.json' || p.endsWith('/manifest.json')).sort();
  if (!manifests.length) {
    throw new ModelLoadError(
      `no manifest.json among the ${files.length} picked files: pick a converted model folder (one holding sub-NN/ and shared/, ` +
        `e.g. public/models/${MODEL_ID}), or import BERG's weights_subject-NN.npy with "Import BERG weights"`,
    );
  }
  const entries: StoredEntry[] = [];
  const notes: string[] = [];
  for (const mp of manifests) {
    o.signal?.throwIfAborted();
    const dir = mp.slice(0, Math.max(0, mp.length - 'manifest.json'.length - 1));
    const source = folderSource(dir, map, mp);
    const m = await readModelManifest(source);
    if (typeof m.subject !== 'number' || m.synthetic) {
      notes.push(`${mp}: the demo subjects are built in, skipped`);
      continue;
    }
    const subject = m.subject;
    checkImportSubject(subject);
    const progress = (phase: ImportPhase, done: number, total: number) => o.onProgress?.({ subject, phase, done, total, file: mp });
    let metadata: unknown;
    let hasMetadata = true;
    const metaName = typeof m.metadata === 'string' ? m.metadata : 'metadata.json';
    if (map.has(resolvePath(dir, metaName).join('/'))) {
      await readModelMetadata(source, m); // a corrupt metadata.json is refused here, not when the quality panel opens
      metadata = await source.readText(metaName);
    } else {
      hasMetadata = false;
      metadata = { model_id: MODEL_ID, subject, synthetic: false, eeg: { ch_names: m.ch_names, times: m.times } };
      notes.push(`${mp}: no ${metaName} next to it; subject ${subject} encodes, but the quality panel has nothing to show`);
    }
    let folder;
    try {
      folder = await readModelFolder(source, { onProgress: (d, t) => progress('read-folder', d, t) });
    } catch (e) {
      throw parseFailure(e, o.signal);
    }
    const weights: WeightToWrite[] = [];
    for (const g of m.weightsManifest) {
      for (const e of g.weights) {
        weights.push({ name: e.name, shape: e.shape, data: folder.arrays.get(e.name)!, dtype: e.quantization?.dtype === 'float16' ? 'float16' : 'float32' });
      }
    }
    const { weightsManifest: _w, shards: _s, ...fields } = m;
    entries.push(
      await writeStoredModel({
        ...o,
        subject,
        manifest: fields as ManifestFields,
        weights,
        metadata,
        hasMetadata,
        onProgress: (d, t) => progress('write', d, t),
      }),
    );
  }
  if (!entries.length) throw new ModelLoadError(`the picked folder holds no converted subject to import (${notes.join('; ')})`);
  return { entries, notes };
}
