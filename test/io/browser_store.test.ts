// The browser model store (OPFS) against a stand-in file system: it writes the same folder the
// Node converter writes, lists, deletes and sweeps, and a failed or cancelled import leaves
// nothing visible and nothing behind.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, openAsBlob, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../src/core/errors.ts';
import { MODEL_ID } from '../../src/core/types.ts';
import { deleteStoredModel, listStoredModels, opfsSource, StorageQuotaError, sweepStore, writeStoredModel } from '../../src/io/browser_store.ts';
import { readBergMetadata } from '../../src/io/berg.ts';
import { blobByteSource } from '../../src/io/byte_source.ts';
import { convertBergSubject } from '../../src/convert/convert.ts';
import { MODEL_FORMAT, readModelFolder, type ManifestFields } from '../../src/io/model_folder.ts';
import { writeModelFolder } from '../../src/io/model_folder_node.ts';
import { Sha256 } from '../../src/io/sha256.ts';
import { FakeFs } from './fake_opfs.ts';
import { BAD_DIR, BERG_DIR, metadataFile, weightsFile } from './helpers.ts';
import { importBergSubject, importConvertedFolder, type ImportProgress } from '../../src/convert/import_browser.ts';
import type { WeightToWrite } from '../../src/io/model_folder_write.ts';
import { readModelMetadata } from '../../src/io/model_metadata.ts';
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'insilico-store-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const src = async (file: string) => blobByteSource(await openAsBlob(file), path.basename(file));
const subFolder = (s: number) => `sub-${String(s).padStart(2, '0')}`;

function randomF32(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    a[i] = x / 2 ** 32 - 0.5;
  }
  return a;
}

function fieldsFor(subject: number): ManifestFields {
  return {
    format: MODEL_FORMAT,
    model_id: MODEL_ID,
    subject,
    synthetic: false,
    ch_names: Array.from({ length: 63 }, (_, i) => `C${i}`),
    times: Array.from({ length: 140 }, (_, i) => (i * 5 - 100) / 1000),
    encoder: { n_features: 205672, n_components: 2, pca_layout: 'shared', scaler_folded: true, dtype: 'float32' },
    metadata: 'metadata.json',
    provenance: { converter: 'test', converted_at: '2020-02-20T00:00:00.000Z', sources: [{ file: 'w.npy', bytes: 1, sha256: 'ab' }] },
  };
}

/**
 * A complete shared-layout subject with K = 2 (the manifest reader refuses partial ones):
 * reg/rep-1/coef stored float16, reg/rep-2/coef the same array stored float32.
 */
function encoderWeights(seed: number): WeightToWrite[] {
  const rows = 63 * 140;
  const coef = randomF32(2 * rows, seed + 2);
  return [
    { name: 'pca/components', shape: [2, 205672], data: randomF32(2 * 205672, seed) },
    { name: 'pca/offset', shape: [2], data: randomF32(2, seed + 1) },
    ...[1, 2, 3, 4].flatMap((r): WeightToWrite[] => [
      { name: `reg/rep-${r}/coef`, shape: [rows, 2], data: r <= 2 ? coef : randomF32(2 * rows, seed + 2 * r), dtype: r === 1 ? 'float16' : 'float32' },
      { name: `reg/rep-${r}/intercept`, shape: [rows], data: randomF32(rows, seed + 2 * r + 1) },
    ]),
  ];
}

/** Bytes the weights take stored. */
const storedSize = (ws: WeightToWrite[]) => ws.reduce((a, w) => a + w.data.length * (w.dtype === 'float16' ? 2 : 4), 0);

/** Node folder files relative to root, '/'-separated. */
function walk(root: string, rel = ''): string[] {
  return readdirSync(path.join(root, rel)).flatMap((n) => {
    const r = rel ? `${rel}/${n}` : n;
    return statSync(path.join(root, r)).isDirectory() ? walk(root, r) : [r];
  });
}

function storeFiles(fs: FakeFs): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of fs.files()) out.set(k, createHash('sha256').update(v).digest('hex'));
  return out;
}

describe('sha256', () => {
  it('matches node:crypto for any split of the input', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 70_000]) {
      const b = randomBytes(n);
      const h = new Sha256();
      for (let i = 0; i < n; ) {
        const k = Math.min(n - i, 1 + ((i * 7919) % 150));
        h.update(b.subarray(i, i + k));
        i += k;
      }
      expect(h.digestHex()).toBe(createHash('sha256').update(b).digest('hex'));
    }
  });
});

describe('shared manifest builder', () => {
  it('the Node writer and the OPFS writer produce identical manifests, metadata and shards for the same arrays', async () => {
    const weights = encoderWeights(1);
    const metadata = { model_id: MODEL_ID, subject: 3, eeg: { ch_names: ['a'], times: [0] } };
    const out = path.join(tmp, 'same');
    const node = await writeModelFolder({ out, subject: 3, manifest: fieldsFor(3), weights, metadata, shardBytes: 10_000 });
    const fs = new FakeFs();
    const entry = await writeStoredModel({ root: fs.handle(), storage: null, subject: 3, manifest: fieldsFor(3), weights, metadata, hasMetadata: true, shardBytes: 10_000 });
    expect(entry).toMatchObject({ subject: 3, path: `${MODEL_ID}/sub-03/`, storage: 'opfs', metadata: true, bytes: node.bytesTotal });

    const files = fs.files();
    const nodeDir = path.join(out, MODEL_ID);
    const nodeFiles = walk(nodeDir);
    expect(nodeFiles.length).toBeGreaterThan(6); // several shards per weight
    for (const rel of nodeFiles) {
      const browser = files.get(`models/${MODEL_ID}/${rel}`);
      expect(browser, rel).toBeDefined();
      expect(Buffer.from(browser!).equals(readFileSync(path.join(nodeDir, rel))), rel).toBe(true);
    }
    expect([...files.keys()].filter((k) => k.startsWith(`models/${MODEL_ID}/`)).length).toBe(nodeFiles.length);

    // and the engine's reader gets the arrays back from OPFS
    const back = await readModelFolder(opfsSource(entry.path, { root: fs.handle() }));
    expect(back.arrays.get('pca/components')).toEqual(weights[0].data);
    expect(back.arrays.get('reg/rep-2/coef')).toEqual(weights[4].data);
    expect(await listStoredModels({ root: fs.handle() })).toEqual([entry]);
  });
});

describe('importing BERG files into the browser store', () => {
  it('writes exactly what npx insilico-eeg convert writes (layout b, subject 1)', async () => {
    const out = path.join(tmp, 'cli');
    await convertBergSubject({ bergDir: path.join(BERG_DIR, 'layout-b'), subject: 1, out });
    const fs = new FakeFs();
    const phases = new Set<string>();
    const entry = await importBergSubject({
      root: fs.handle(),
      storage: fs,
      subject: 1,
      weights: await src(weightsFile('layout-b', 1)),
      metadata: await src(metadataFile('layout-b', 1)),
      onProgress: (p: ImportProgress) => phases.add(p.phase),
    });
    expect([...phases]).toEqual(['check', 'read-weights', 'read-metadata', 'fold', 'write']);
    expect(entry.label).toBe('Subject 1 (imported, stored in this browser)');
    const files = fs.files();
    const cliDir = path.join(out, MODEL_ID);
    const strip = (t: string) => JSON.parse(t, (k, v) => (k === 'converter' || k === 'converted_at' ? undefined : v));
    for (const rel of walk(cliDir)) {
      const b = files.get(`models/${MODEL_ID}/${rel}`);
      expect(b, rel).toBeDefined();
      if (rel.endsWith('manifest.json')) expect(strip(new TextDecoder().decode(b))).toEqual(strip(readFileSync(path.join(cliDir, rel), 'utf8')));
      else expect(Buffer.from(b!).equals(readFileSync(path.join(cliDir, rel))), rel).toBe(true);
    }
    const meta = await readModelMetadata(opfsSource(entry.path, { root: fs.handle() }));
    expect(meta.eeg.noise_ceiling?.length).toBe(63 * 140);
  });

  it('without a metadata file: encodes with the standard channels, says so, lists no quality', async () => {
    const fs = new FakeFs();
    const entry = await importBergSubject({ root: fs.handle(), storage: null, subject: 2, weights: await src(weightsFile('layout-b', 2)), hashSources: false });
    expect(entry.metadata).toBe(false);
    expect(entry.label).toBe('Subject 2 (imported, no metadata, stored in this browser)');
    const s = opfsSource(entry.path, { root: fs.handle() });
    const meta = await readModelMetadata(s);
    // the standard channels and times are BERG's (the fixture's metadata lists the same)
    const berg = await readBergMetadata(await src(metadataFile('layout-b', 2)));
    expect(meta.eeg.ch_names).toEqual(berg.eeg.ch_names);
    expect(meta.eeg.times).toEqual(berg.eeg.times);
    expect(meta.eeg.noise_ceiling).toBeUndefined();
    expect((await readModelFolder(s)).arrays.size).toBe(16);
  });

  it('list, replace and delete: shards shared by two subjects stay until neither uses them', async () => {
    const fs = new FakeFs();
    const o = { root: fs.handle(), storage: null, hashSources: false };
    await importBergSubject({ ...o, subject: 1, weights: await src(weightsFile('layout-b', 1)) });
    await importBergSubject({ ...o, subject: 2, weights: await src(weightsFile('layout-b', 2)) });
    expect((await listStoredModels(o)).map((e) => e.subject)).toEqual([1, 2]);
    const shards = () => [...fs.files().keys()].filter((k) => k.includes('/shared/'));
    const both = shards();

    // replace subject 1 with other weights: its old shards go, the ones subject 2 uses stay
    await importBergSubject({ ...o, subject: 1, weights: await src(weightsFile('layout-a', 1)) });
    expect((await listStoredModels(o)).map((e) => e.subject)).toEqual([1, 2]);
    await readModelFolder(opfsSource(`${MODEL_ID}/sub-02/`, o)); // subject 2 still complete
    const m1 = JSON.parse(new TextDecoder().decode(fs.files().get(`models/${MODEL_ID}/sub-01/manifest.json`)));
    expect(m1.encoder.pca_layout).toBe('shared');

    await deleteStoredModel(1, o);
    expect((await listStoredModels(o)).map((e) => e.subject)).toEqual([2]);
    expect(fs.dirs()).not.toContain(`models/${MODEL_ID}/sub-01/`);
    await readModelFolder(opfsSource(`${MODEL_ID}/sub-02/`, o));
    expect(shards().every((s) => both.includes(s))).toBe(true);
    await deleteStoredModel(2, o);
    expect(await listStoredModels(o)).toEqual([]);
    expect(shards()).toEqual([]);
  });

  it('too little space up front: a clear message naming what is needed and available, nothing written', async () => {
    const fs = new FakeFs();
    fs.reportedQuota = 5_000_000;
    const err = await importBergSubject({ root: fs.handle(), storage: fs, subject: 1, weights: await src(weightsFile('layout-b', 1)) }).catch((e) => e);
    expect(err).toBeInstanceOf(StorageQuotaError);
    expect(err.message).toMatch(/^Not enough browser storage for subject 1: it needs about 3\d\.\d MB, but this browser lets this site store only 5\.0 MB more \(quota 5\.0 MB, 0 bytes in use\)/);
    expect(err.message).toContain('Remove stored subjects');
    expect(fs.files().size).toBe(0);
  });

  it('QuotaExceededError while writing: the same kind of message, and only the earlier model is left', async () => {
    const fs = new FakeFs();
    const o = { root: fs.handle(), storage: fs, hashSources: false };
    await importBergSubject({ ...o, subject: 2, weights: await src(weightsFile('layout-b', 2)), metadata: await src(metadataFile('layout-b', 2)) });
    const before = storeFiles(fs);
    fs.quota = fs.usage() + 1_500_000; // room for a few shards, not the model (~4 MB)
    fs.reportedQuota = 1e12; // the up-front estimate says yes
    // layout-a subject 1 shares no shards with layout-b subject 2
    const err = await importBergSubject({ ...o, subject: 1, weights: await src(weightsFile('layout-a', 1)) }).catch((e) => e);
    expect(err).toBeInstanceOf(StorageQuotaError);
    expect(err.message).toMatch(/^Not enough browser storage for subject 1: it needs about .* MB, but this browser lets this site store only/);
    expect(storeFiles(fs)).toEqual(before);
    expect((await listStoredModels(o)).map((e) => e.subject)).toEqual([2]);
  });

  it('a cancel while writing removes what was written', async () => {
    const fs = new FakeFs();
    const ctl = new AbortController();
    const err = await importBergSubject({
      root: fs.handle(),
      storage: null,
      subject: 1,
      weights: await src(weightsFile('layout-b', 1)),
      signal: ctl.signal,
      onProgress: (p) => {
        if (p.phase === 'write' && p.done > 0) ctl.abort();
      },
    }).catch((e) => e);
    expect(err.name).toBe('AbortError');
    expect([...fs.files().keys()].filter((k) => k !== 'models/index.json')).toEqual([]);
    expect(fs.dirs().filter((d) => d.includes('sub-') || d.includes('.tmp'))).toEqual([]);
  });

  it('a cancel while parsing stops the read', async () => {
    const fs = new FakeFs();
    const ctl = new AbortController();
    let reads = 0;
    const err = await importBergSubject({
      root: fs.handle(),
      storage: null,
      subject: 1,
      weights: await src(weightsFile('layout-b', 1)),
      signal: ctl.signal,
      onProgress: (p) => {
        if (p.phase === 'read-weights' && ++reads === 2) ctl.abort();
      },
    }).catch((e) => e);
    expect(err.name).toBe('AbortError');
    expect(fs.files().size).toBe(0);
  });

  it('bad files keep their own ModelLoadError and add nothing', async () => {
    const fs = new FakeFs();
    const o = { root: fs.handle(), storage: null };
    const sys = await importBergSubject({ ...o, subject: 1, weights: await src(path.join(BAD_DIR, 'os_system.npy')) }).catch((e) => e);
    expect(sys).toBeInstanceOf(ModelLoadError);
    expect(sys.message).toMatch(/^os_system\.npy: refusing to load pickle global posix\.system/);
    const cut = path.join(tmp, 'weights_subject-01.npy');
    writeFileSync(cut, readFileSync(weightsFile('layout-b', 1)).subarray(0, 9_000_000));
    const trunc = await importBergSubject({ ...o, subject: 1, weights: await src(cut) }).catch((e) => e);
    expect(trunc.message).toMatch(/^weights_subject-01\.npy: the file ends inside the pickle .* the file is truncated, download it again$/);
    const other = await importBergSubject({ ...o, subject: 1, weights: await src(path.join(BAD_DIR, 'other_model_weights.npy')) }).catch((e) => e);
    expect(other.message).toMatch(/this is not an eeg-things_eeg_2-alexnet_untrained weights file/);
    const swapped = await importBergSubject({ ...o, subject: 1, weights: await src(metadataFile('layout-b', 1)) }).catch((e) => e);
    expect(swapped.message).toMatch(/has no scaler_param: it is not a complete BERG encoding-model weights file/);
    const subj = await importBergSubject({ ...o, subject: 11, weights: await src(weightsFile('layout-b', 1)) }).catch((e) => e);
    expect(subj.message).toMatch(/subject 11 is not a THINGS EEG2 subject/);
    expect(fs.files().size).toBe(0);
    expect(await listStoredModels(o)).toEqual([]);
  });

  it('sweepStore clears what an interrupted write left: temporary and unlisted folders, orphan shards', async () => {
    const fs = new FakeFs();
    const o = { root: fs.handle(), storage: null, hashSources: false };
    await importBergSubject({ ...o, subject: 2, weights: await src(weightsFile('layout-b', 2)) });
    const good = storeFiles(fs);
    const modelDir = await (await fs.handle().getDirectoryHandle('models')).getDirectoryHandle(MODEL_ID);
    await (await modelDir.getDirectoryHandle('.sub-01.tmp-x', { create: true })).getFileHandle('manifest.json', { create: true });
    await (await modelDir.getDirectoryHandle('sub-05', { create: true })).getFileHandle('manifest.json', { create: true });
    await (await modelDir.getDirectoryHandle('shared')).getFileHandle('0123-shard1of1.bin', { create: true });
    await sweepStore(o);
    expect(storeFiles(fs)).toEqual(good);
    expect(fs.dirs().sort()).toEqual([`models/`, `models/${MODEL_ID}/`, `models/${MODEL_ID}/shared/`, `models/${MODEL_ID}/sub-02/`]);
  });
});

describe('importing a converted model folder', () => {
  let out: string;
  beforeAll(async () => {
    out = path.join(tmp, 'folder');
    for (const s of [1, 2]) await convertBergSubject({ bergDir: path.join(BERG_DIR, 'layout-b'), subject: s, out });
  });
  const picked = async (root: string, prefix: string) =>
    Promise.all(walk(root).map(async (rel) => ({ path: `${prefix}/${rel}`, file: await openAsBlob(path.join(root, rel)) })));

  it('stores every subject of the picked folder, byte for byte as converted', async () => {
    const fs = new FakeFs();
    const files = await picked(path.join(out, MODEL_ID), MODEL_ID);
    const res = await importConvertedFolder(files, { root: fs.handle(), storage: fs });
    expect(res.entries.map((e) => [e.subject, e.metadata])).toEqual([
      [1, true],
      [2, true],
    ]);
    const stored = fs.files();
    for (const rel of walk(path.join(out, MODEL_ID))) {
      expect(Buffer.from(stored.get(`models/${MODEL_ID}/${rel}`)!).equals(readFileSync(path.join(out, MODEL_ID, rel))), rel).toBe(true);
    }
  });

  it('a subject folder without ../shared, a corrupt shard, or no manifest: clear errors, nothing stored', async () => {
    const fs = new FakeFs();
    const o = { root: fs.handle(), storage: null };
    const only = await picked(path.join(out, MODEL_ID, subFolder(1)), subFolder(1));
    const e1 = await importConvertedFolder(only, o).catch((e) => e);
    expect(e1.message).toMatch(/is not among the picked files .*pick the folder that holds both sub-NN\/ and shared\//);
    const all = await picked(path.join(out, MODEL_ID), MODEL_ID);
    const bad = all.map((f) => (f.path.includes('/shared/') && f.path.endsWith('shard1of1.bin') ? { ...f, file: new Blob([new Uint8Array(f.file.size)]) } : f));
    const e2 = await importConvertedFolder(bad, o).catch((e) => e);
    expect(e2.message).toMatch(/has sha256 .*, manifest says/);
    const e3 = await importConvertedFolder([{ path: 'x/readme.txt', file: new Blob(['hi']) }], o).catch((e) => e);
    expect(e3.message).toMatch(/^no manifest.json among the 1 picked files/);
    expect(fs.files().size).toBe(0);
  });
});

describe('reading a stored model', () => {
  const weights = encoderWeights(11);
  const stored = async () => {
    const fs = new FakeFs();
    const entry = await writeStoredModel({ root: fs.handle(), storage: null, subject: 4, manifest: fieldsFor(4), weights, metadata: {}, hasMetadata: false, shardBytes: 10_000 });
    fs.syncReads = true;
    fs.syncReadLimit = 4096; // several reads per shard
    return { fs, path: entry.path };
  };
  /** the source with its per-shard reads counted */
  const counted = (s: ReturnType<typeof opfsSource>) => {
    const calls = { readBytes: 0, readFiles: 0 };
    return {
      calls,
      source: {
        ...s,
        readBytes: (name: string) => (calls.readBytes++, s.readBytes(name)),
        readFiles: s.readFiles && ((names: string[], sizes: number[], onBytes?: (n: number) => void) => (calls.readFiles++, s.readFiles!(names, sizes, onBytes))),
      },
    };
  };

  it('through sync access handles: each weight read whole, read-only, the same arrays as file by file', async () => {
    const { fs, path: p } = await stored();
    const keepFloat16 = (n: string) => n === 'reg/rep-1/coef';
    const byFile = counted(opfsSource(p, { root: fs.handle() }));
    expect(byFile.source.readFiles).toBeUndefined(); // a stand-in root reads file by file unless asked
    const a = await readModelFolder(byFile.source, { keepFloat16 });
    expect(byFile.calls.readBytes).toBeGreaterThan(4);
    const sync = counted(opfsSource(p, { root: fs.handle(), read: 'sync' }));
    const progress: number[] = [];
    const b = await readModelFolder(sync.source, { keepFloat16, onProgress: (d) => progress.push(d) });
    expect(sync.calls).toEqual({ readBytes: 0, readFiles: weights.length });
    expect(b.arrays).toEqual(a.arrays);
    expect(b.float16).toEqual(a.float16);
    expect(b.arrays.get('pca/components')).toEqual(weights[0].data);
    expect(b.float16.get('reg/rep-1/coef')!.length).toBe(17640);
    expect(fs.syncOpen).toBe(0);
    expect(new Set(fs.syncModes)).toEqual(new Set(['read-only']));
    const total = storedSize(weights);
    expect(progress.at(-1)).toBe(total);
    expect(progress.every((d, i) => i === 0 || d >= progress[i - 1])).toBe(true);
  });

  it('a shard cut short or missing: the file-by-file read that follows names it', async () => {
    const { fs, path: p } = await stored();
    const shard = [...fs.files().keys()].find((k) => k.includes('/shared/') && k.includes('shard2of'))!;
    const parts = shard.split('/');
    let dir = fs.handle();
    for (const d of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(d);
    const file = (await dir.getFileHandle(parts.at(-1)!)) as unknown as { data: Uint8Array };
    const keep = file.data;
    file.data = keep.slice(0, 100);
    const s = opfsSource(p, { root: fs.handle(), read: 'sync' });
    await expect(readModelFolder(s)).rejects.toThrow(/has 100 bytes, manifest says 10000: the model folder is corrupt/);
    file.data = keep;
    await dir.removeEntry(parts.at(-1)!);
    await expect(readModelFolder(s)).rejects.toThrow(/is missing from this browser's storage/);
    expect(fs.syncOpen).toBe(0);
  });

  it('a source that reads whole weights: its buffers become the arrays; null or a throw falls back to shards', async () => {
    const { fs, path: p } = await stored();
    const base = opfsSource(p, { root: fs.handle(), read: 'sync' });
    const given: Uint8Array[] = [];
    const keeping = { ...base, readFiles: async (n: string[], s: number[], on?: (b: number) => void) => given[given.push((await base.readFiles!(n, s, on))!) - 1] };
    const kept = await readModelFolder(keeping);
    expect(kept.arrays.get('pca/components')!.buffer).toBe(given.find((g) => g.length === 4 * 2 * 205672)!.buffer); // no copy
    expect(kept.arrays.get('pca/components')).toEqual(weights[0].data);

    for (const fail of ['null', 'throw'] as const) {
      const progress: number[] = [];
      const failing = {
        ...base,
        readFiles: async (_n: string[], s: number[], on?: (b: number) => void) => {
          on?.(s[0]); // progress reported before giving up is taken back
          if (fail === 'throw') throw new Error('no');
          return null;
        },
      };
      const back = await readModelFolder(failing, { onProgress: (d, t) => progress.push(d / t) });
      expect(back.arrays).toEqual(kept.arrays);
      expect(progress.at(-1)).toBe(1);
      expect(Math.max(...progress)).toBe(1);
    }

    // checked when asked: a changed byte in a whole-weight read is caught
    const flipped = {
      ...base,
      readFiles: async (n: string[], s: number[]) => {
        const b = (await base.readFiles!(n, s))!;
        b[b.length - 1] ^= 1;
        return b;
      },
    };
    await expect(readModelFolder(flipped, { verify: true })).rejects.toThrow(/has sha256 .*, manifest says/);
  });
});
