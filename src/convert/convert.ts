// BERG files -> our model folder (Node). Streams weights_subject-NN.npy (hashing it on the
// way for provenance), folds the scaler into the PCA, writes content-addressed shards,
// the manifest and metadata.json, and lists the subject in <out>/index.json.

import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { MODEL_ID, N_CHANNELS, N_TIMES } from '../core/types.ts';
import { readBergMetadata, readBergWeights } from '../io/berg.ts';
import { compactEncoder, foldScaler } from './pca.ts';
import { bergManifestFields, bergWeightList, metadataJson } from './berg_folder.ts';
import { observedByteSource, type ByteSource } from '../io/byte_source.ts';
import { float16ToFloat32, float32ToFloat16 } from '../io/dtype.ts';
import { subjectFolderName, type ConvertedManifest, type ManifestFields, type SourceFileInfo, type StoredDtype } from '../io/model_folder.ts';
import { sweepStale, updateModelIndex, withModelsLock, writeModelFolder } from '../io/model_folder_node.ts';
import { fileByteSource } from '../io/source_node.ts';

export { metadataJson } from './berg_folder.ts';

/** Where BERG keeps this model, under the folder `aws s3 sync` fills. */
export const BERG_MODEL_SUBDIR = path.join(
  'encoding_models',
  'modality-eeg',
  'train_dataset-things_eeg_2',
  'model-alexnet_untrained',
);

export type ConvertPhase = 'read-weights' | 'read-metadata' | 'fold' | 'compact' | 'write';

export interface ConvertProgress {
  subject: number;
  phase: ConvertPhase;
  done: number;
  total: number;
}

export interface ConvertOptions {
  /** BERG's root folder, or its model-alexnet_untrained folder directly */
  bergDir: string;
  subject: number;
  /** models root (default public/models) */
  out?: string;
  dtype?: StoredDtype;
  /** also store the compact form (compact.ts: one shared PCA basis, maps folded into the regressions) */
  compact?: boolean;
  /**
   * Runs on the finished folder before it is moved into place (the CLI measures the compact
   * form's error there); returned fields go into the manifest.
   */
  beforeCommit?: (dir: string, manifest: ConvertedManifest) => Promise<Partial<ManifestFields> | void>;
  onProgress?: (p: ConvertProgress) => void;
}

export interface Float16Error {
  /** largest |f16(w) - w| / |w| over weights in float16's normal range (|w| >= 2^-14) */
  maxRelative: number;
  /** largest |f16(w) - w| divided by the largest |w| of the same array */
  maxAbsoluteOfRange: number;
}

export interface ConvertResult {
  subject: number;
  /** the subject folder (holding manifest.json) */
  dir: string;
  nComponents: number;
  pcaLayout: 'shared' | 'per-repetition' | 'per-repetition-sklearn';
  dtype: StoredDtype;
  /** bytes of weights the folder references */
  bytesTotal: number;
  /** bytes newly written (shards already present are reused) */
  bytesWritten: number;
  shardsWritten: number;
  shardsReused: number;
  float16Error?: Float16Error;
  /** the manifest as written */
  manifest: ConvertedManifest;
  seconds: number;
}

/** The model-alexnet_untrained folder for a user-given BERG path, or a clear error. */
export async function resolveBergModelDir(bergDir: string): Promise<string> {
  const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);
  if (!(await isDir(bergDir))) throw new Error(`--berg-dir ${bergDir}: no such folder`);
  for (const candidate of [bergDir, path.join(bergDir, BERG_MODEL_SUBDIR)]) {
    if (await isDir(path.join(candidate, 'encoding_models_weights'))) return candidate;
  }
  throw new Error(
    `--berg-dir ${bergDir}: no BERG ${MODEL_ID} model found; expected ` +
      `${path.join(bergDir, BERG_MODEL_SUBDIR, 'encoding_models_weights', 'weights_subject-NN.npy')} ` +
      `(get it with: aws s3 sync --no-sign-request s3://brain-encoding-response-generator/${BERG_MODEL_SUBDIR.split(path.sep).join('/')}/ <dir>)`,
  );
}

export function bergFiles(modelDir: string, subject: number): { weights: string; metadata: string } {
  const nn = subjectFolderName(subject).slice(4);
  return {
    weights: path.join(modelDir, 'encoding_models_weights', `weights_subject-${nn}.npy`),
    metadata: path.join(modelDir, 'metadata', `metadata_subject-${nn}.npy`),
  };
}

/** Subjects with a weights file, ascending. */
export async function findBergSubjects(bergDir: string): Promise<number[]> {
  const modelDir = await resolveBergModelDir(bergDir);
  const names = await readdir(path.join(modelDir, 'encoding_models_weights'));
  return names
    .map((n) => /^weights_subject-(\d+)\.npy$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .filter((n) => n >= 1 && n <= 99)
    .sort((a, b) => a - b);
}

/** A source that hashes every byte as the parser reads it (reads are sequential), finishing the tail on digest(). */
function hashingSource(src: ByteSource) {
  const h = createHash('sha256');
  let next = 0;
  let sequential = true;
  const source = observedByteSource(src, (offset, bytes) => {
    if (offset === next) {
      h.update(bytes);
      next += bytes.length;
    } else sequential = false;
  });
  return {
    source,
    async digest(): Promise<string> {
      if (!sequential) {
        // not expected: hash the whole file again
        const again = createHash('sha256');
        for (let o = 0; o < src.size; o += 16 << 20) again.update(await src.read(o, 16 << 20));
        return again.digest('hex');
      }
      for (; next < src.size; ) {
        const b = await src.read(next, 16 << 20);
        if (b.length === 0) break;
        h.update(b);
        next += b.length;
      }
      return h.digest('hex');
    },
  };
}

let versionCache: string | null = null;
async function converterVersion(): Promise<string> {
  if (versionCache === null) {
    try {
      const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
      versionCache = `${pkg.name ?? 'insilico-eeg'} ${pkg.version ?? '?'}`;
    } catch {
      versionCache = 'insilico-eeg (unknown version)';
    }
  }
  return versionCache;
}

/** float16 bytes for w, measuring the rounding error; refuses values beyond float16's range. */
function encodeFloat16(name: string, data: Float32Array, err: Float16Error): Uint8Array {
  const bits = float32ToFloat16(data);
  const back = float16ToFloat32(bits);
  let maxMag = 0;
  let maxAbs = 0;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    const ax = Math.abs(x);
    if (ax > 65504) {
      throw new Error(`${name} holds ${x}, beyond float16's range (65504): convert with --dtype float32`);
    }
    const e = Math.abs(back[i] - x);
    if (ax > maxMag) maxMag = ax;
    if (e > maxAbs) maxAbs = e;
    if (ax >= 2 ** -14 && e / ax > err.maxRelative) err.maxRelative = e / ax;
  }
  if (maxMag > 0) err.maxAbsoluteOfRange = Math.max(err.maxAbsoluteOfRange, maxAbs / maxMag);
  return new Uint8Array(bits.buffer);
}

/** Converts one subject's BERG files into <out>/<model_id>/sub-NN/ and lists it in <out>/index.json. */
export async function convertBergSubject(opts: ConvertOptions): Promise<ConvertResult> {
  const t0 = Date.now();
  const subject = opts.subject;
  const out = opts.out ?? path.join('public', 'models');
  const dtype = opts.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float16') throw new Error(`--dtype ${String(dtype)}: use float32 or float16`);
  const folder = subjectFolderName(subject);
  const modelDir = await resolveBergModelDir(opts.bergDir);
  const files = bergFiles(modelDir, subject);
  for (const [what, f] of Object.entries(files)) {
    const st = await stat(f).catch(() => null);
    if (!st) throw new Error(`subject ${subject}: BERG ${what} file ${f} not found`);
    if (!st.isFile()) throw new Error(`subject ${subject}: BERG ${what} file ${f} is not a regular file`);
  }
  const progress = (phase: ConvertPhase, done: number, total: number) => opts.onProgress?.({ subject, phase, done, total });

  const readHashed = async <T>(file: string, phase: ConvertPhase, read: (s: ByteSource) => Promise<T>) => {
    const src = await fileByteSource(file);
    try {
      const hs = hashingSource(src);
      const value = await read(hs.source);
      const info: SourceFileInfo = { file: path.basename(file), bytes: src.size, sha256: await hs.digest() };
      progress(phase, src.size, src.size);
      return { value, info };
    } finally {
      await src.close();
    }
  };

  const weights = await readHashed(files.weights, 'read-weights', (s) =>
    readBergWeights(s, { onProgress: (d, t) => progress('read-weights', d, t) }),
  );
  const meta = await readHashed(files.metadata, 'read-metadata', (s) =>
    readBergMetadata(s, { onProgress: (d, t) => progress('read-metadata', d, t) }),
  );
  const w = weights.value;

  progress('fold', 0, 1);
  const folded = foldScaler(w, { inPlace: true });
  progress('fold', 1, 1);

  const K = w.nComponents;
  const f16err: Float16Error = { maxRelative: 0, maxAbsoluteOfRange: 0 };
  // big matrices may be float16; the small offset/intercept vectors stay float32
  const big = (name: string, shape: number[], data: Float32Array) =>
    dtype === 'float16' ? { name, shape, data, dtype, bytes: encodeFloat16(name, data, f16err) } : { name, shape, data };
  const list = bergWeightList(w, folded, big);
  let compact: ManifestFields['compact'];
  if (opts.compact) {
    progress('compact', 0, w.reg.length);
    const c = compactEncoder(w, folded, (d, t) => progress('compact', d, t));
    c.coef.forEach((coef, i) => {
      list.push(big(`compact/rep-${i + 1}/coef`, [N_CHANNELS * N_TIMES, K], coef));
      list.push({ name: `compact/rep-${i + 1}/intercept`, shape: [N_CHANNELS * N_TIMES], data: c.intercept[i] });
    });
    const basis = w.pca.layout === 'shared' ? 'pca' : 'pca/rep-1';
    compact = { components: `${basis}/components`, offset: `${basis}/offset`, residual: c.residual };
  }
  const fields = bergManifestFields({
    subject,
    weights: w,
    metadata: meta.value,
    dtype,
    converter: await converterVersion(),
    sources: [weights.info, meta.info],
  });
  if (compact) fields.compact = compact;
  // Writing and listing hold the models root's lock: a concurrent convert neither loses this
  // index entry nor has its shards swept; what killed runs left is removed first.
  const written = await withModelsLock(out, async () => {
    await sweepStale(out);
    const w = await writeModelFolder({
      out,
      subject,
      manifest: fields,
      weights: list,
      metadata: metadataJson(meta.value, subject),
      onProgress: (d, t) => progress('write', d, t),
      beforeCommit: opts.beforeCommit,
    });
    await updateModelIndex(
      out,
      [
        {
          model_id: MODEL_ID,
          subject,
          path: `${MODEL_ID}/${folder}/`,
          synthetic: false,
          label: `Subject ${subject} (BERG fitted weights${dtype === 'float16' ? ', float16' : ''})`,
          // the app offers precision 'compact' for entries that have it (undefined drops a stale one)
          compact: w.manifest.compact ? { relative: w.manifest.compact.error?.relative ?? null } : undefined,
        },
      ],
      { locked: true },
    );
    return w;
  });
  return {
    subject,
    dir: written.dir,
    nComponents: K,
    pcaLayout: w.pca.layout,
    dtype,
    bytesTotal: written.bytesTotal,
    bytesWritten: written.bytesWritten,
    shardsWritten: written.shardsWritten,
    shardsReused: written.shardsReused,
    float16Error: dtype === 'float16' ? f16err : undefined,
    manifest: written.manifest,
    seconds: (Date.now() - t0) / 1000,
  };
}
