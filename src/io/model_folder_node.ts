// Writing a converted model folder (Node). The subject folder is assembled in a temporary
// folder next to the target and renamed into place when complete; shared shards are
// written under temporary names and renamed one by one. On any error everything this
// call created is removed, so a failed conversion leaves nothing partial behind.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { MODEL_ID } from '../engine/types.ts';
import {
  type ConvertedManifest,
  formatJson,
  type ManifestFields,
  manifestFileText,
  metadataFileText,
  type IndexEntry,
  type ModelIndex,
  type ShardInfo,
  type ShardSink,
  subjectFolderName,
  type WeightToWrite,
  type WriteShardsResult,
  writeShardsAndManifest,
} from './model_folder.ts';

export { formatJson, type WeightToWrite } from './model_folder.ts';

export interface WriteModelFolderOptions {
  /** models root, e.g. public/models */
  out: string;
  subject: number;
  /** manifest fields other than weightsManifest and shards (format, ch_names, times, encoder, provenance, ...) */
  manifest: ManifestFields;
  weights: WeightToWrite[];
  /** JSON-ready metadata, written as metadata.json */
  metadata: unknown;
  /** called after each weight is written */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  /** shard size limit (default 4 MiB) */
  shardBytes?: number;
  /**
   * Called with the complete folder (under a temporary name, next to the target, so it loads
   * like the final one) before it is moved into place; fields it returns are merged into the
   * manifest. A throw leaves nothing behind.
   */
  beforeCommit?: (dir: string, manifest: ConvertedManifest) => Promise<Partial<ManifestFields> | void>;
}

export interface WriteModelFolderResult extends WriteShardsResult {
  dir: string;
}

const tmpSuffix = () => `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function fileMatches(file: string, info: ShardInfo): Promise<boolean> {
  try {
    const st = await stat(file);
    if (st.size !== info.bytes) return false;
    return sha256(await readFile(file)) === info.sha256;
  } catch {
    return false;
  }
}

/** Shards as files in <model>/shared/, each written under a temporary name and renamed; `created` lists new ones. */
function directorySink(sharedDir: string, created: string[]): ShardSink {
  return {
    has: (name, info) => fileMatches(path.join(sharedDir, name), info),
    async write(name, chunk) {
      const file = path.join(sharedDir, name);
      const t = file + tmpSuffix();
      const existed = await stat(file).then(() => true, () => false);
      try {
        await writeFile(t, chunk);
        await rename(t, file);
      } catch (e) {
        await unlink(t).catch(() => {});
        throw e;
      }
      if (!existed) created.push(file);
    },
  };
}

/** Writes <out>/<model_id>/sub-NN/ (manifest.json, metadata.json) and its shards in <out>/<model_id>/shared/. */
export async function writeModelFolder(opts: WriteModelFolderOptions): Promise<WriteModelFolderResult> {
  const modelRoot = path.join(opts.out, MODEL_ID);
  const sharedDir = path.join(modelRoot, 'shared');
  const folder = subjectFolderName(opts.subject);
  const target = path.join(modelRoot, folder);
  const tmp = path.join(modelRoot, `.${folder}${tmpSuffix()}`);
  const created: string[] = []; // shared shards this call added

  try {
    await mkdir(sharedDir, { recursive: true });
    await mkdir(tmp);
    const built = await writeShardsAndManifest({
      manifest: opts.manifest,
      weights: opts.weights,
      sink: directorySink(sharedDir, created),
      shardBytes: opts.shardBytes,
      onProgress: opts.onProgress,
    });
    let manifest = built.manifest;
    await writeFile(path.join(tmp, 'manifest.json'), manifestFileText(manifest));
    await writeFile(path.join(tmp, manifest.metadata || 'metadata.json'), metadataFileText(opts.metadata));
    const more = await opts.beforeCommit?.(tmp, manifest);
    if (more) {
      manifest = { ...manifest, ...more };
      await writeFile(path.join(tmp, 'manifest.json'), manifestFileText(manifest));
    }

    // swap into place: an existing folder is moved aside first and removed after
    let old: string | null = null;
    if (await stat(target).then(() => true, () => false)) {
      old = path.join(modelRoot, `.${folder}.old${tmpSuffix()}`);
      await rename(target, old);
    }
    try {
      await rename(tmp, target);
    } catch (e) {
      if (old) await rename(old, target).catch(() => {});
      throw e;
    }
    if (old) await rm(old, { recursive: true, force: true });
    return { dir: target, ...built, manifest };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    for (const f of created) await unlink(f).catch(() => {});
    // folders this call may have created, removed only when empty
    await rmdir(sharedDir).catch(() => {});
    await rmdir(modelRoot).catch(() => {});
    throw e;
  }
}

/** Adds or replaces entries of <out>/index.json (matched by model_id + subject), keeping all others. */
export async function updateModelIndex(out: string, entries: IndexEntry[]): Promise<ModelIndex> {
  const file = path.join(out, 'index.json');
  let index: ModelIndex = { models: [] };
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8'));
    if (parsed && Array.isArray(parsed.models)) index = parsed;
    else throw new Error('no "models" list');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`${file} is not a valid model index (${(e as Error).message}); fix or remove it`);
    }
  }
  for (const entry of entries) {
    const i = index.models.findIndex((m) => m.model_id === entry.model_id && m.subject === entry.subject);
    if (i >= 0) index.models[i] = { ...index.models[i], ...entry };
    else index.models.push(entry);
  }
  // demo first, then subjects in order
  index.models.sort((a, b) => {
    if (a.model_id !== b.model_id) return a.model_id < b.model_id ? -1 : 1;
    const ka = a.subject === 'demo' ? -1 : Number(a.subject);
    const kb = b.subject === 'demo' ? -1 : Number(b.subject);
    return ka - kb;
  });
  await mkdir(out, { recursive: true });
  const t = file + tmpSuffix();
  await writeFile(t, formatJson(index) + '\n');
  await rename(t, file);
  return index;
}
