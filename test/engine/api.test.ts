// The BERG-shaped API end to end in Node: converted BERG-format fixtures reproduce the
// Python reference (all three pca_param layouts), selections, errors, cancellation, disposal.
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelledError,
  disposeBackbone,
  encode,
  getEncodingModel,
  getModelMetadata,
  InvalidParameterError,
  ModelLoadError,
  MODEL_ID,
  prepareBackbone,
  StimulusError,
  type EncodingModel,
} from '../../src/engine/index.ts';
import { directorySource } from '../../src/io/source_node.ts';
import { convertFixtureCases, FIXTURE_CASES, fixtureModelDir, goldenSelection, loadNpy, maxErr, sub, tapImages } from '../helpers.ts';

const images = tapImages();
const selection = goldenSelection();

let out: string;
beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'insilico-api-'));
  await convertFixtureCases(out);
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

const modelDir = (layout: string, subject: number) => fixtureModelDir(out, layout, subject);

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`converted BERG fixtures reproduce the Python reference on ${backend}`, () => {
    for (const [layout, subject] of FIXTURE_CASES) {
      it(`${layout} ${sub(subject)}: all channels and times, and a selection`, async () => {
        const source = directorySource(modelDir(layout, subject));
        const model = await getEncodingModel(MODEL_ID, subject, { source, device: backend });
        expect(model.backend).toBe(backend);
        const baseline = tf.memory().numTensors;
        const y = await encode(model, images);
        expect(tf.memory().numTensors).toBe(baseline);
        expect(y.shape).toEqual([2, 4, 63, 140]);
        const ref = loadNpy(`test/golden/responses/${layout}_${sub(subject)}_all.npy`).data as Float32Array;
        const m = maxErr(y.data, ref);
        expect(m.ref).toBeGreaterThan(0);
        expect(m.err).toBeLessThanOrEqual(1e-4 * m.ref);
        model.dispose();

        const mask = Array.from(selection.timepoints, Number);
        const sel = await getEncodingModel(MODEL_ID, subject, { source, device: backend, selection: { channels: selection.channels, timepoints: mask } });
        expect(sel.chNames).toEqual(selection.channels_out);
        const ys = await encode(sel, images, { batchSize: 1 });
        const refSel = loadNpy(`test/golden/responses/${layout}_${sub(subject)}_sel.npy`);
        expect(ys.shape).toEqual(refSel.shape);
        const ms = maxErr(ys.data, refSel.data as Float32Array);
        expect(ms.err).toBeLessThanOrEqual(1e-4 * ms.ref);
        // The rows are the full array's, in the order listed (BERG's [ch_names.index(c) for c in
        // channels]), up to the float32 rounding of a smaller product.
        const [C, T] = [ys.shape[2], ys.shape[3]];
        const times = mask.flatMap((v, t) => (v ? [t] : []));
        let rowErr = 0;
        selection.channels.forEach((name, c) => {
          const full = y.data.subarray((1 * 4 + 3) * 63 * 140 + sel.manifest.ch_names.indexOf(name) * 140);
          const got = ys.data.subarray(((1 * 4 + 3) * C + c) * T);
          times.forEach((t, j) => (rowErr = Math.max(rowErr, Math.abs(got[j] - full[t]))));
        });
        expect(rowErr).toBeLessThanOrEqual(1e-6 * m.ref);
        sel.dispose();
      });
    }
  });
}

describe('API contract', () => {
  let model: EncodingModel;
  beforeAll(async () => {
    model = await getEncodingModel(MODEL_ID, 1, { source: directorySource(modelDir('layout-a', 1)), device: 'wasm' });
  });
  afterAll(() => model.dispose());

  it('reports progress per batch, returns metadata on request, disposes every tensor', async () => {
    const seen: number[] = [];
    const baseline = tf.memory().numTensors;
    const r = await encode(model, images, { batchSize: 1, returnMetadata: true, onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([0, 1, 2]);
    expect(r.responses.shape).toEqual([2, 4, 63, 140]);
    expect(r.metadata.eeg.ch_names).toHaveLength(63);
    expect(r.metadata.eeg.times).toHaveLength(140);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it("encodes in the batches a model was loaded for, unless encode() is told otherwise", async () => {
    const m = await getEncodingModel(MODEL_ID, 1, { source: directorySource(modelDir('layout-a', 1)), device: 'wasm', batchSize: 1 });
    try {
      const seen: number[] = [];
      await encode(m, images, { onProgress: (p) => seen.push(p.done) });
      expect(seen).toEqual([0, 1, 2]);
      seen.length = 0;
      await encode(m, images, { batchSize: 2, onProgress: (p) => seen.push(p.done) });
      expect(seen).toEqual([0, 2]);
    } finally {
      m.dispose();
    }
  });

  it('is cancellable through an AbortSignal, leaving no tensors behind', async () => {
    const baseline = tf.memory().numTensors;
    const ctrl = new AbortController();
    const p = encode(model, images, { batchSize: 1, signal: ctrl.signal, onProgress: (x) => x.done === 1 && ctrl.abort() });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('prepareBackbone builds the backbone ahead of any model, on the chosen backend', async () => {
    disposeBackbone();
    const before = tf.memory().numTensors;
    const choice = await prepareBackbone({ device: 'wasm' });
    expect(choice.backend).toBe('wasm');
    expect(tf.memory().numTensors - before).toBe(16); // 5 convs + 3 dense layers, weight and bias
    const y = await encode(model, images);
    expect(y.shape).toEqual([2, 4, 63, 140]);
  });

  it('getModelMetadata reads metadata without loading weights', async () => {
    const meta = await getModelMetadata(MODEL_ID, 1, { source: directorySource(modelDir('layout-a', 1)) });
    expect(meta.eeg.ch_names[0]).toBe('Fp1');
    expect(meta.eeg.times[0]).toBeCloseTo(-0.1, 12);
    expect(meta.eeg.times[139]).toBeCloseTo(0.595, 12);
    expect(meta.eeg.noise_ceiling?.length).toBe(63 * 140);
  });

  it('gives typed errors that say what to fix', async () => {
    const source = directorySource(modelDir('layout-a', 1));
    await expect(getEncodingModel('eeg-things_eeg_2-vit', 1, { source })).rejects.toThrow(InvalidParameterError);
    await expect(getEncodingModel(MODEL_ID, 11, { source })).rejects.toThrow(/1 to 10/);
    await expect(getEncodingModel(MODEL_ID, 2, { source })).rejects.toThrow(ModelLoadError);
    await expect(getEncodingModel(MODEL_ID, 1, { source, selection: { channels: ['Oz', 'Xy1'] } })).rejects.toThrow(/unknown channel name\(s\) Xy1/);
    await expect(getEncodingModel(MODEL_ID, 1, { source, selection: { timepoints: [1, 0, 1] } })).rejects.toThrow(/length 140/);
    await expect(getEncodingModel(MODEL_ID, 1, { source, selection: { timepoints: new Array(140).fill(0) } })).rejects.toThrow(/no time point/);
    await expect(getEncodingModel(MODEL_ID, 1, { source, selection: { timepoints: new Array(140).fill(2) } })).rejects.toThrow(/only 0 and 1; position 0 holds 2/);
    await expect(getEncodingModel(MODEL_ID, 1, { source, selection: { timepoints: 7 as never } })).rejects.toThrow(/list or array of 140/);
    await expect(getEncodingModel(MODEL_ID, 1, { source, selection: { channels: 'Oz' as never } })).rejects.toThrow(/must be a list/);
    await expect(getEncodingModel(MODEL_ID, 1, { source, selection: { channels: [] } })).rejects.toThrow(/empty/);
    await expect(getEncodingModel(MODEL_ID, 1, { source, selection: { chanels: ['Oz'] } as never })).rejects.toThrow(/invalid selection key 'chanels'; valid keys are: channels, timepoints/);
    await expect(getEncodingModel(MODEL_ID, 1, { source, device: 'tpu' as never })).rejects.toThrow(InvalidParameterError);
    await expect(getEncodingModel(MODEL_ID, 1, { source, batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer/);
    await expect(encode(model, { data: new Uint8Array(0), shape: [0, 3, 8, 8] })).rejects.toThrow(StimulusError);
    await expect(encode(model, { data: new Uint8Array(3 * 8 * 6), shape: [1, 3, 8, 6] })).rejects.toThrow(/square/);
    await expect(encode(model, { data: new Float32Array(3 * 64) as never, shape: [1, 3, 8, 8] })).rejects.toThrow(/uint8/);
    await expect(encode(model, { data: new Uint8Array(3 * 64), shape: [3, 8, 8] as never })).rejects.toThrow(/4 dimensions/);
  });
});

describe('per-repetition files with four identical PCAs', () => {
  it('are projected once and give the same responses as the shared layout', async () => {
    const { readModelFolder } = await import('../../src/io/model_folder.ts');
    const { writeModelFolder } = await import('../../src/io/model_folder_node.ts');
    const shared = await readModelFolder(directorySource(modelDir('layout-a', 1)));
    const K = shared.manifest.encoder.n_components;
    const weights = [];
    for (let r = 1; r <= 4; r++) {
      weights.push({ name: `pca/rep-${r}/components`, shape: [K, 205_672], data: shared.arrays.get('pca/components')! });
      weights.push({ name: `pca/rep-${r}/offset`, shape: [K], data: shared.arrays.get('pca/offset')! });
      weights.push({ name: `reg/rep-${r}/coef`, shape: [63 * 140, K], data: shared.arrays.get(`reg/rep-${r}/coef`)! });
      weights.push({ name: `reg/rep-${r}/intercept`, shape: [63 * 140], data: shared.arrays.get(`reg/rep-${r}/intercept`)! });
    }
    const root = join(out, 'identical');
    const { weightsManifest: _w, shards: _s, ...fields } = shared.manifest;
    await writeModelFolder({ out: root, subject: 1, manifest: { ...fields, encoder: { ...shared.manifest.encoder, pca_layout: 'per-repetition' } }, weights, metadata: {} });
    const perRep = await getEncodingModel(MODEL_ID, 1, { source: directorySource(join(root, MODEL_ID, 'sub-01')), device: 'wasm' });
    const base = await getEncodingModel(MODEL_ID, 1, { source: directorySource(modelDir('layout-a', 1)), device: 'wasm' });
    expect(perRep.sharedPca).toBe(true);
    const a = await encode(perRep, images);
    const b = await encode(base, images);
    expect(Buffer.compare(Buffer.from(a.data.buffer), Buffer.from(b.data.buffer))).toBe(0);
    perRep.dispose();
    base.dispose();
  });
});

describe('concurrency and error names', () => {
  it('concurrent loads are serialised instead of racing on the global backend', async () => {
    const source = directorySource(modelDir('layout-a', 1));
    const models = await Promise.all([1, 2, 3].map(() => getEncodingModel(MODEL_ID, 1, { source, device: 'wasm' })));
    const ys = await Promise.all(models.map((m) => encode(m, images)));
    for (const y of ys.slice(1)) expect(Buffer.compare(Buffer.from(y.data.buffer), Buffer.from(ys[0].data.buffer))).toBe(0);
    models.forEach((m) => m.dispose());
  });

  it('errors carry BERG names that survive minification', () => {
    expect(new InvalidParameterError('x').name).toBe('InvalidParameterError');
    expect(new StimulusError('x').name).toBe('StimulusError');
    expect(new ModelLoadError('x').name).toBe('ModelLoadError');
    expect(new CancelledError('x').name).toBe('CancelledError');
  });
});
