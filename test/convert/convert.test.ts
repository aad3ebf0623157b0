import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runConvert } from '../../src/cli/convert.ts';
import { ModelLoadError } from '../../src/core/errors.ts';
import type { ModelSource } from '../../src/core/source.ts';
import { memorySource } from '../../src/io/source.ts';
import { MODEL_ID, N_FEATURES } from '../../src/core/types.ts';
import { readBergMetadata, readBergWeights, type BergWeights } from '../../src/io/berg.ts';
import { convertBergSubject } from '../../src/convert/convert.ts';
import { float16ToFloat32, float32ToFloat16 } from '../../src/io/dtype.ts';
import { readModelFolder, readModelManifest, weightNames, type ConvertedManifest } from '../../src/io/model_folder.ts';
import { writeModelFolder } from '../../src/io/model_folder_node.ts';
import { directorySource, withFileByteSource } from '../../src/io/source_node.ts';
import { BERG_MODEL_SUBDIR as MODEL_SUB } from '../helpers.ts';
import { BERG_DIR, metadataFile, weightsFile } from '../io/helpers.ts';
import { readModelMetadata } from '../../src/io/model_metadata.ts';
let tmp: string;
const subDir = (out: string, s: number) => path.join(out, MODEL_ID, `sub-${String(s).padStart(2, '0')}`);
const readWeights = (layout: string, s: number) => withFileByteSource(weightsFile(layout, s), (src) => readBergWeights(src));
const quiet = { onProgress: () => {} };

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'insilico-convert-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The fold done independently here, in float64: components/scale and the offset. */
function foldReference(w: BergWeights, rep: number) {
  const p = w.pca.reps[w.pca.layout === 'shared' ? 0 : rep];
  const K = w.nComponents;
  const comps = new Float64Array(K * N_FEATURES);
  const offset = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let acc = 0;
    for (let f = 0; f < N_FEATURES; f++) {
      const c = p.components[k * N_FEATURES + f];
      comps[k * N_FEATURES + f] = c / w.scaler.scale[f];
      acc += (w.scaler.mean[f] / w.scaler.scale[f] + p.mean[f]) * c;
    }
    offset[k] = -acc;
  }
  return { comps, offset };
}

/** max |got - want| relative to max |want|, and the worst element-wise error in float32 ulps */
function compare(got: Float32Array, want: ArrayLike<number>) {
  let maxUlp = 0;
  for (let i = 0; i < got.length; i++) {
    const w = want[i];
    const ulp = Math.max(Math.abs(Math.fround(w)) * 2 ** -23, 2 ** -149);
    maxUlp = Math.max(maxUlp, Math.abs(got[i] - w) / ulp);
  }
  return maxUlp;
}

describe('converter: all three layouts', () => {
  const cases: [string, number, 'shared' | 'per-repetition'][] = [
    ['layout-a', 1, 'shared'],
    ['layout-b', 1, 'per-repetition'],
    ['layout-c', 1, 'per-repetition'],
  ];
  it.each(cases)('%s subject %i: folder contract and folded weights equal the float64 math', async (layout, s, stored) => {
    const out = path.join(tmp, `all-${layout}`);
    // an existing catalog with the demo entry must be kept
    mkdirSync(out, { recursive: true });
    const demo = { model_id: MODEL_ID, subject: 'demo', path: `${MODEL_ID}/demo/`, synthetic: true, label: 'Demo' };
    writeFileSync(path.join(out, 'index.json'), JSON.stringify({ models: [demo] }));

    const res = await convertBergSubject({ bergDir: path.join(BERG_DIR, layout), subject: s, out, ...quiet });
    expect(res.dir).toBe(subDir(out, s));
    const src = directorySource(res.dir);
    const m = await readModelManifest(src);
    expect(m.format).toBe('insilico-eeg-model/1');
    expect(m.model_id).toBe(MODEL_ID);
    expect(m.subject).toBe(s);
    expect(m.synthetic).toBe(false);
    expect(m.ch_names.length).toBe(63);
    expect(m.times.length).toBe(140);
    expect(m.metadata).toBe('metadata.json');
    expect(m.encoder).toEqual({ n_features: N_FEATURES, n_components: res.nComponents, pca_layout: stored, scaler_folded: true, dtype: 'float32' });
    expect(m.provenance.converter).toBe(`insilico-eeg ${JSON.parse(readFileSync('package.json', 'utf8')).version}`);
    expect(new Date(m.provenance.converted_at).toISOString()).toBe(m.provenance.converted_at);
    for (const [i, f] of [weightsFile(layout, s), metadataFile(layout, s)].entries()) {
      const b = readFileSync(f);
      expect(m.provenance.sources[i]).toEqual({
        file: path.basename(f),
        bytes: b.length,
        sha256: createHash('sha256').update(b).digest('hex'),
      });
    }
    // one group per array, shards <= 4 MiB, every shard listed with its size and hash
    expect(m.weightsManifest.map((g) => g.weights.map((w) => w.name))).toEqual(weightNames(stored).map((n) => [n]));
    for (const g of m.weightsManifest) {
      for (const p of g.paths) {
        expect(p).toMatch(/^\.\.\/shared\/[0-9a-f]{16}-shard\d+of\d+\.bin$/);
        const bytes = readFileSync(path.join(res.dir, p));
        expect(bytes.length).toBeLessThanOrEqual(4 << 20);
        expect(m.shards[p]).toEqual({ bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
      }
    }
    const index = JSON.parse(readFileSync(path.join(out, 'index.json'), 'utf8'));
    expect(index.models).toEqual([
      demo,
      { model_id: MODEL_ID, subject: s, path: `${MODEL_ID}/sub-0${s}/`, synthetic: false, label: expect.stringContaining(`Subject ${s}`) },
    ]);

    const { arrays } = await readModelFolder(src);
    expect([...arrays.keys()].sort()).toEqual(weightNames(stored).slice().sort());
    const w = await readWeights(layout, s);
    const K = w.nComponents;
    for (let r = 0; r < 4; r++) {
      const ref = foldReference(w, r);
      const base = stored === 'shared' ? 'pca' : `pca/rep-${r + 1}`;
      const comps = arrays.get(`${base}/components`)!;
      expect(comps.length).toBe(K * N_FEATURES);
      expect(compare(comps, ref.comps)).toBeLessThanOrEqual(0.5); // correctly rounded float32
      expect(compare(arrays.get(`${base}/offset`)!, ref.offset)).toBeLessThanOrEqual(0.5);
      expect(compare(arrays.get(`reg/rep-${r + 1}/coef`)!, w.reg[r].coef)).toBeLessThanOrEqual(0.5);
      expect(compare(arrays.get(`reg/rep-${r + 1}/intercept`)!, w.reg[r].intercept)).toBeLessThanOrEqual(0.5);
    }
    // the folded projection reproduces scaler + PCA on a random feature vector
    const x = Float64Array.from({ length: N_FEATURES }, (_, i) => Math.sin(i * 0.37) * 3 + 1);
    const p0 = w.pca.reps[0];
    const comps = arrays.get(stored === 'shared' ? 'pca/components' : 'pca/rep-1/components')!;
    const off = arrays.get(stored === 'shared' ? 'pca/offset' : 'pca/rep-1/offset')!;
    for (let k = 0; k < K; k++) {
      let direct = 0;
      let folded = off[k];
      for (let f = 0; f < N_FEATURES; f++) {
        direct += ((x[f] - w.scaler.mean[f]) / w.scaler.scale[f] - p0.mean[f]) * p0.components[k * N_FEATURES + f];
        folded += x[f] * comps[k * N_FEATURES + f];
      }
      expect(Math.abs(folded - direct)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(direct)));
    }
  });

  it('metadata.json holds BERG metadata; manifest and metadata load without touching weights', async () => {
    const out = path.join(tmp, 'all-layout-a');
    const files = new Map<string, string | Uint8Array>();
    const dir = subDir(out, 1);
    for (const f of ['manifest.json', 'metadata.json']) files.set(f, readFileSync(path.join(dir, f), 'utf8'));
    const noWeights: ModelSource = { ...memorySource(dir, files), readBytes: () => Promise.reject(new Error('weights were read')) };
    const meta = await readModelMetadata(noWeights);
    const berg = await withFileByteSource(metadataFile('layout-a', 1), (s) => readBergMetadata(s));
    expect(meta.model_id).toBe(MODEL_ID);
    expect(meta.subject).toBe(1);
    expect(meta.synthetic).toBe(false);
    expect(meta.eeg.ch_names).toEqual(berg.eeg.ch_names);
    expect(meta.eeg.times).toEqual(berg.eeg.times);
    for (const [a, b] of [
      [meta.eeg.ncsnr, berg.eeg.ncsnr],
      [meta.eeg.noise_ceiling, berg.eeg.noise_ceiling],
      [meta.encoding_models?.correlation_averaged_repetitions, berg.encoding_models?.correlation_averaged_repetitions],
      [meta.encoding_models?.correlation_single_repetitions, berg.encoding_models?.correlation_single_repetitions],
    ]) {
      expect(a).toBeInstanceOf(Float32Array);
      expect(Array.from(a!)).toEqual(Array.from(b!)); // exact float32 round trip through JSON (NaN as null)
    }
    expect(meta.train_img_info).toEqual(berg.train_img_info);
    expect(meta.test_img_info).toEqual(berg.test_img_info);
    await expect(readModelFolder(noWeights)).rejects.toThrow(/weights were read/);
  });
});

describe('converter: shared shards, reuse, corruption, failures', () => {
  it('layout-b subjects 01 and 02 store their identical PCA once', async () => {
    const out = path.join(tmp, 'shared-b');
    const r1 = await convertBergSubject({ bergDir: path.join(BERG_DIR, 'layout-b'), subject: 1, out, ...quiet });
    const r2 = await convertBergSubject({ bergDir: path.join(BERG_DIR, 'layout-b'), subject: 2, out, ...quiet });
    const m1 = await readModelManifest(directorySource(r1.dir));
    const m2 = await readModelManifest(directorySource(r2.dir));
    const paths = (m: ConvertedManifest, prefix: string) =>
      m.weightsManifest.filter((g) => g.weights[0].name.startsWith(prefix)).flatMap((g) => g.paths);
    expect(paths(m2, 'pca/')).toEqual(paths(m1, 'pca/'));
    expect(paths(m2, 'reg/')).not.toEqual(paths(m1, 'reg/'));
    expect(r2.shardsReused).toBe(paths(m1, 'pca/').length);
    const all = new Set([...Object.keys(m1.shards), ...Object.keys(m2.shards)].map((p) => path.basename(p)));
    expect(readdirSync(path.join(out, MODEL_ID, 'shared')).sort()).toEqual([...all].sort());
    expect(readdirSync(path.join(out, MODEL_ID)).sort()).toEqual(['shared', 'sub-01', 'sub-02']);
    // converting again replaces the folder and writes nothing new
    const again = await convertBergSubject({ bergDir: path.join(BERG_DIR, 'layout-b'), subject: 1, out, ...quiet });
    expect(again.shardsWritten).toBe(0);
    expect(readdirSync(path.join(out, MODEL_ID)).sort()).toEqual(['shared', 'sub-01', 'sub-02']);
  });

  it('a flipped byte in a shard is named on load', async () => {
    const out = path.join(tmp, 'corrupt');
    cpSync(path.join(tmp, 'all-layout-c'), out, { recursive: true });
    const dir = subDir(out, 1);
    const m = await readModelManifest(directorySource(dir));
    const victim = m.weightsManifest.find((g) => g.weights[0].name === 'reg/rep-3/coef')!.paths[0];
    const file = path.join(dir, victim);
    const bytes = readFileSync(file);
    bytes[1234] ^= 0x01;
    writeFileSync(file, bytes);
    const err = await readModelFolder(directorySource(dir)).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(err.message).toContain(`shard ${victim} has sha256 ${sha}, manifest says ${m.shards[victim].sha256}: the model folder is corrupt; convert again`);
    // a folder checked when it was stored (the browser's store) is not hashed again on load
    const stored = { ...directorySource(dir), checkedWhenStored: true };
    expect((await readModelFolder(stored)).arrays.get('reg/rep-3/coef')).toBeDefined();
    // a shorter shard: its length is named
    writeFileSync(file, bytes.subarray(0, 100));
    await expect(readModelFolder(directorySource(dir))).rejects.toThrow(`shard ${victim} has 100 bytes, manifest says ${m.shards[victim].bytes}`);
    await expect(readModelFolder(stored)).rejects.toThrow(`shard ${victim} has 100 bytes`);
    // a missing shard
    rmSync(file);
    await expect(readModelFolder(directorySource(dir))).rejects.toThrow(/cannot read shard .*: .*convert again/);
  });

  it('a truncated weights file leaves no sub-NN, temp folder or shard behind', async () => {
    const berg = path.join(tmp, 'berg-truncated');
    const model = path.join(berg, MODEL_SUB);
    cpSync(path.join(BERG_DIR, 'layout-a', MODEL_SUB), model, { recursive: true });
    const wf = path.join(model, 'encoding_models_weights', 'weights_subject-01.npy');
    const whole = readFileSync(wf);
    const out = path.join(tmp, 'out-truncated');
    for (const cut of [100, Math.floor(whole.length / 2), whole.length - 1]) {
      writeFileSync(wf, whole.subarray(0, cut));
      await expect(convertBergSubject({ bergDir: berg, subject: 1, out, ...quiet })).rejects.toThrow(
        /weights_subject-01\.npy: the file ends inside .*the file is truncated, download it again/,
      );
      expect(existsSync(out) ? readdirSync(out, { recursive: true }) : []).toEqual([]);
    }
  });

  it('a failure while writing shards removes what it wrote', async () => {
    const out = path.join(tmp, 'out-write-fail');
    const ok = await readModelManifest(directorySource(subDir(path.join(tmp, 'all-layout-a'), 1)));
    // block the 3rd weight's shard name with a directory: rename onto it fails midway
    const blocker = path.basename(ok.weightsManifest[2].paths[0]);
    mkdirSync(path.join(out, MODEL_ID, 'shared', blocker), { recursive: true });
    await expect(convertBergSubject({ bergDir: path.join(BERG_DIR, 'layout-a'), subject: 1, out, ...quiet })).rejects.toThrow();
    expect(readdirSync(path.join(out, MODEL_ID)).sort()).toEqual(['shared']);
    expect(readdirSync(path.join(out, MODEL_ID, 'shared'))).toEqual([blocker]);
    expect(existsSync(path.join(out, 'index.json'))).toBe(false);
  });

  it('float16: half the bytes, decoded on load, rounding error measured', async () => {
    const out = path.join(tmp, 'f16');
    const r = await convertBergSubject({ bergDir: path.join(BERG_DIR, 'layout-b'), subject: 1, out, dtype: 'float16', ...quiet });
    const f32 = await readModelFolder(directorySource(subDir(path.join(tmp, 'shared-b'), 1)));
    const f16 = await readModelFolder(directorySource(r.dir));
    const m = f16.manifest;
    expect(m.encoder.dtype).toBe('float16');
    const comps = m.weightsManifest.find((g) => g.weights[0].name === 'pca/rep-1/components')!.weights[0];
    expect(comps.quantization).toEqual({ dtype: 'float16', original_dtype: 'float32' });
    expect(m.weightsManifest.find((g) => g.weights[0].name === 'pca/rep-1/offset')!.weights[0].quantization).toBeUndefined();
    let maxRel = 0;
    for (const [name, a] of f32.arrays) {
      const b = f16.arrays.get(name)!;
      if (name.endsWith('offset') || name.endsWith('intercept')) {
        expect(b).toEqual(a);
        continue;
      }
      expect(b).toEqual(float16ToFloat32(float32ToFloat16(a)));
      for (let i = 0; i < a.length; i++) if (Math.abs(a[i]) >= 2 ** -14) maxRel = Math.max(maxRel, Math.abs(b[i] - a[i]) / Math.abs(a[i]));
    }
    expect(r.float16Error!.maxRelative).toBeCloseTo(maxRel, 12);
    // Asked to, the reader hands float16 weights over as their bits, undecoded.
    const kept = await readModelFolder(directorySource(r.dir), { keepFloat16: (n) => n.endsWith('/components') });
    for (const [name, a] of f32.arrays) {
      if (!name.endsWith('/components')) continue;
      expect(kept.arrays.has(name)).toBe(false);
      expect(kept.float16.get(name)).toEqual(float32ToFloat16(a));
    }
    expect(kept.float16.size).toBe(4);
    expect(maxRel).toBeGreaterThan(0);
    expect(maxRel).toBeLessThanOrEqual(2 ** -11);
    expect(r.bytesTotal).toBeLessThan(0.55 * (await convertBergSubject({ bergDir: path.join(BERG_DIR, 'layout-b'), subject: 1, out: path.join(tmp, 'f32-size'), ...quiet })).bytesTotal);
    console.log(`float16 storage: max relative error ${maxRel.toExponential(3)}, ${r.float16Error!.maxAbsoluteOfRange.toExponential(3)} of each array's range`);
  });
});

describe('model folder reader and writer', () => {
  it('splits weights across small shards and reassembles them; a manifest without its shards table is refused', async () => {
    const out = path.join(tmp, 'small-shards');
    const fields = JSON.parse(readFileSync(path.join(subDir(path.join(tmp, 'all-layout-a'), 1), 'manifest.json'), 'utf8'));
    delete fields.weightsManifest;
    delete fields.shards;
    const rows = 63 * 140;
    const comps = Float32Array.from({ length: N_FEATURES }, (_, i) => (i % 1000) / 7);
    const weights = [
      { name: 'pca/components', shape: [1, N_FEATURES], data: comps },
      { name: 'pca/offset', shape: [1], data: Float32Array.of(0.5) },
      ...[1, 2, 3, 4].flatMap((r) => [
        { name: `reg/rep-${r}/coef`, shape: [rows, 1], data: Float32Array.from({ length: rows }, (_, i) => -i / r), dtype: 'float16' as const },
        { name: `reg/rep-${r}/intercept`, shape: [rows], data: new Float32Array(rows).fill(r) },
      ]),
    ];
    const res = await writeModelFolder({
      out,
      subject: 7,
      manifest: { ...fields, subject: 7, encoder: { ...fields.encoder, n_components: 1 } },
      weights,
      metadata: {},
      shardBytes: 99_999,
    });
    expect(res.manifest.weightsManifest[0].paths.length).toBe(Math.ceil((4 * N_FEATURES) / 99_999));
    expect(res.manifest.weightsManifest[1].paths.length).toBe(1);
    const progress: number[] = [];
    const got = await readModelFolder(directorySource(res.dir), { onProgress: (d) => progress.push(d), concurrency: 3 });
    expect(got.arrays.get('pca/components')).toEqual(comps);
    expect(Array.from(got.arrays.get('reg/rep-2/coef')!.subarray(0, 3))).toEqual([-0, -0.5, -1]);
    expect(progress.at(-1)).toBe(4 * N_FEATURES + 4 + 4 * (2 * rows + 4 * rows));
    // TF.js-style manifest without a shards table: nothing would check a shard's length or hash
    const files = new Map<string, string | Uint8Array>();
    files.set('manifest.json', JSON.stringify({ ...res.manifest, shards: undefined }));
    for (const g of res.manifest.weightsManifest) for (const p of g.paths) files.set(p, new Uint8Array(readFileSync(path.join(res.dir, p))));
    await expect(readModelFolder(memorySource('mem', files))).rejects.toThrow(/manifest\.json: it has no shards table/);
    // only some weights
    const some = await readModelFolder(directorySource(res.dir), { names: ['reg/rep-1/intercept'] });
    expect([...some.arrays.keys()]).toEqual(['reg/rep-1/intercept']);
  });

  it('rejects manifests of other models and broken JSON', async () => {
    const good = readFileSync(path.join(subDir(path.join(tmp, 'all-layout-a'), 1), 'manifest.json'), 'utf8');
    const src = (text: string) => memorySource('m', new Map([['manifest.json', text]]));
    await expect(readModelManifest(src('{'))).rejects.toThrow(/manifest\.json is not valid JSON/);
    await expect(readModelManifest(src(good.replace(MODEL_ID, 'fmri-nsd-alexnet')))).rejects.toThrow(/is for model "fmri-nsd-alexnet"/);
    await expect(readModelManifest(src(good.replace('insilico-eeg-model/1', 'insilico-eeg-model/2')))).rejects.toThrow(/format/);
    await expect(readModelManifest(memorySource('m', new Map()))).rejects.toThrow(ModelLoadError);
  });
});

describe('convert CLI', () => {
  it('converts --subject all and prints one summary line per subject', async () => {
    const out = path.join(tmp, 'cli');
    const lines: string[] = [];
    const spyOut = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (lines.push(String(s)), true));
    const spyErr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await runConvert(['--berg-dir', path.join(BERG_DIR, 'layout-b', MODEL_SUB), '--subject', 'all', '--out', out]);
      expect(code).toBe(0);
      const f16 = await runConvert(['--berg-dir', path.join(BERG_DIR, 'layout-a'), '--subject=1', '--out', out + '16', '--dtype', 'float16']);
      expect(f16).toBe(0);
    } finally {
      spyOut.mockRestore();
      spyErr.mockRestore();
    }
    expect(lines.length).toBe(3);
    expect(lines[0]).toMatch(/^sub-01: K=3, per-repetition PCA, float32, .* -> .*sub-01 in .* s\n$/);
    expect(lines[1]).toMatch(/^sub-02: K=3, .*reused/);
    expect(lines[2]).toMatch(/^sub-01: K=4, shared PCA, float16, .*float16 max relative error \d\.\d\de-4/);
    expect(JSON.parse(readFileSync(path.join(out, 'index.json'), 'utf8')).models.map((m: { subject: number }) => m.subject)).toEqual([1, 2]);
  });

  it('bad input: one clear line each', async () => {
    const cases: [string[], RegExp][] = [
      [['--subject', '1'], /--berg-dir DIR is required/],
      [['--berg-dir', BERG_DIR], /--subject N\|all is required/],
      [['--berg-dir', BERG_DIR, '--subject', 'x'], /--subject x: give a subject number/],
      [['--berg-dir', BERG_DIR, '--subject', '1', '--dtype', 'int8'], /--dtype int8: use float32 or float16/],
      [['--berg-dir', BERG_DIR, '--subject', '1', '--frobnicate'], /unknown argument "--frobnicate"/],
      [['--berg-dir', path.join(tmp, 'nope'), '--subject', '1'], /no such folder/],
      [['--berg-dir', BERG_DIR, '--subject', '1'], /no BERG eeg-things_eeg_2-alexnet_untrained model found; expected .*aws s3 sync/],
      [['--berg-dir', path.join(BERG_DIR, 'layout-a'), '--subject', '3', '--out', path.join(tmp, 'x')], /BERG weights file .*weights_subject-03\.npy not found/],
    ];
    for (const [argv, re] of cases) {
      const err = await runConvert(argv).then(() => null, (e) => e);
      expect(err, argv.join(' ')).toBeInstanceOf(Error);
      expect(err.message).toMatch(re);
      expect(err.message).not.toContain('\n');
    }
    expect(existsSync(path.join(tmp, 'x'))).toBe(false);
  });
});
