// The onnx runtime (ONNX Runtime's CPU kernels through onnxruntime-node) against the Python
// reference: the eight taps, the responses of every pca_param layout, a selection in BERG's
// order (shuffled, with a duplicate), and the compact precision against the wasm backend's.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TAPS } from '../../src/engine/alexnet.ts';
import onnxProto from 'onnx-proto';
import type { onnx } from 'onnx-proto';
import { onnxRuntime } from '../../src/engine/backend.ts';
import { INPUT_NAME, normalisationNodes } from '../../src/engine/onnx_graph.ts';
import { normalisationTable } from '../../src/engine/preprocess.ts';
import { disposeBackbone, encode, getEncodingModel, MODEL_ID } from '../../src/engine/index.ts';
import { directorySource } from '../../src/io/source_node.ts';
import { BIN, convertFixtureCases, FIXTURE_CASES, fixtureModelDir, fixturePath, goldenSelection, loadNpy, maxErr, ROOT, run, sub, tapImages, tapValues } from '../helpers.ts';

const images = tapImages();
const selection = goldenSelection();

let out: string;
let scratch: string; // the runtime's temporary folders go here (os.tmpdir() follows TMPDIR)
const savedTmp = process.env.TMPDIR;
beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'insilico-onnx-'));
  scratch = mkdtempSync(join(tmpdir(), 'insilico-onnx-scratch-'));
  process.env.TMPDIR = scratch;
  await convertFixtureCases(out);
}, 120_000);
afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  disposeBackbone();
  rmSync(out, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});
const modelDir = (layout: string, subject: number) => fixtureModelDir(out, layout, subject);
const onnxTemp = () => readdirSync(scratch).filter((n) => n.startsWith('insilico-eeg-onnx-'));

describe('the onnx runtime', () => {
  it('loads here (onnxruntime-node ships its CPU binaries in its npm package)', async () => {
    expect(await onnxRuntime()).not.toBeNull();
  });

  it('gives the eight AlexNet taps within 1e-4 x max|ref| of PyTorch', async () => {
    const ort = (await onnxRuntime())!;
    const { generateDemoEncoder } = await import('../../src/engine/demo_weights.ts');
    const { readModelManifest } = await import('../../src/io/model_folder.ts');
    const demo = generateDemoEncoder((await readModelManifest(directorySource(join(ROOT, 'public/models', MODEL_ID, 'demo')))) as never);
    const enc = await ort.createOnnxEncoder({
      nComponents: demo.nComponents,
      sharedPca: true,
      rows: 1,
      selectedRows: Int32Array.of(0),
      fcFloat16: false,
      threads: 2,
      features: true,
      read: async (names) => new Map(names.map((n) => [n, demo.arrays.get(n)!])),
    });
    try {
      const got = await enc.features(images);
      const ref = loadNpy('test/golden/taps/taps.npy').data as Float32Array;
      for (const tap of TAPS) {
        const m = maxErr(tapValues(got, tap, 2), tapValues(ref, tap, 2));
        expect(m.ref, tap.node).toBeGreaterThan(0);
        expect(m.err, tap.node).toBeLessThanOrEqual(1e-4 * m.ref);
      }
    } finally {
      await enc.dispose();
    }
  }, 120_000);

  for (const [layout, subject] of FIXTURE_CASES) {
    it(`${layout} ${sub(subject)}: all channels and times, and a selection, within 1e-4 of the reference`, async () => {
      const source = directorySource(modelDir(layout, subject));
      const model = await getEncodingModel(MODEL_ID, subject, { source, device: 'onnx', threads: 2 });
      expect(model.backend).toBe('onnx');
      expect(model.backendNote).toMatch(/^onnxruntime-node \d+\.\d+\.\d+, CPU, 2 threads/);
      // the data file is unlinked once the session has mapped it
      expect(onnxTemp()).toEqual([]);
      const y = await encode(model, images);
      expect(y.shape).toEqual([2, 4, 63, 140]);
      const ref = loadNpy(`test/golden/responses/${layout}_${sub(subject)}_all.npy`).data as Float32Array;
      const m = maxErr(y.data, ref);
      expect(m.ref).toBeGreaterThan(0);
      expect(m.err).toBeLessThanOrEqual(1e-4 * m.ref);
      console.log(`onnx ${layout} ${sub(subject)}: max err / max ref = ${m.rel.toExponential(2)}`);
      // batches of one give the same numbers
      const y1 = await encode(model, images, { batchSize: 1 });
      expect(maxErr(y1.data, ref).err).toBeLessThanOrEqual(1e-4 * m.ref);
      // six batches of one, the two images in turn: from the third on, each batch is written into
      // an input array the worker handed back, and gives its image's numbers bit for bit
      const per = images.data.length / 2;
      const turns = new Uint8Array(6 * per);
      for (let i = 0; i < 6; i++) turns.set(images.data.subarray((i % 2) * per, (i % 2 + 1) * per), i * per);
      const y6 = await encode(model, { data: turns, shape: [6, ...images.shape.slice(1)] as typeof images.shape }, { batchSize: 1 });
      const row = y6.data.length / 6;
      for (let i = 2; i < 6; i++) expect(y6.data.subarray(i * row, (i + 1) * row)).toEqual(y1.data.subarray((i % 2) * row, (i % 2 + 1) * row));
      model.dispose();

      const mask = Array.from(selection.timepoints, Number);
      const sel = await getEncodingModel(MODEL_ID, subject, { source, device: 'onnx', selection: { channels: selection.channels, timepoints: mask } });
      expect(sel.chNames).toEqual(selection.channels_out);
      const ys = await encode(sel, images);
      const refSel = loadNpy(`test/golden/responses/${layout}_${sub(subject)}_sel.npy`);
      expect(ys.shape).toEqual(refSel.shape);
      const ms = maxErr(ys.data, refSel.data as Float32Array);
      expect(ms.err).toBeLessThanOrEqual(1e-4 * ms.ref);
      sel.dispose();
    }, 120_000);
  }

  it('compact precision: the same numbers as the wasm backend', async () => {
    await run(process.execPath, [BIN, 'convert', '--berg-dir', fixturePath('test/fixtures/berg/layout-b'), '--subject', '1', '--out', join(out, 'compact'), '--compact'], { cwd: ROOT });
    const source = directorySource(join(out, 'compact', MODEL_ID, 'sub-01'));
    const results = [];
    for (const device of ['onnx', 'wasm'] as const) {
      const model = await getEncodingModel(MODEL_ID, 1, { source, device, precision: 'compact' });
      expect(model.sharedPca).toBe(true);
      results.push((await encode(model, images)).data);
      model.dispose();
    }
    const exact = await getEncodingModel(MODEL_ID, 1, { source, device: 'onnx' });
    const yExact = (await encode(exact, images)).data;
    exact.dispose();
    const m = maxErr(results[0], results[1]);
    expect(m.err).toBeLessThanOrEqual(1e-4 * m.ref);
    // and compact is not the exact model (its repetitions 2-4 share repetition 1's basis)
    expect(maxErr(results[0], yExact).rel).toBeGreaterThan(1e-2);
  }, 180_000);

  it("normalises in the graph to the engine's normalisation table, bit for bit", async () => {
    // the graph's first nodes alone, on every uint8 value in each of the three channels, with the
    // session options of the runtime (its graph optimisations among them)
    const ort = createRequire(import.meta.url)('onnxruntime-node');
    const nodes: onnx.INodeProto[] = [];
    const node = (opType: string, input: string[], attribute: onnx.IAttributeProto[] = [], name?: string) => {
      const y = name ?? `${opType}_${nodes.length}`;
      nodes.push({ opType, input, output: [y], attribute, name: y });
      return y;
    };
    const y = normalisationNodes(node, INPUT_NAME);
    const type = (elemType: number) => ({ tensorType: { elemType, shape: { dim: [1, 3, 1, 256].map((dimValue) => ({ dimValue })) } } });
    const model = onnxProto.onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: { name: 'normalise', node: nodes, input: [{ name: INPUT_NAME, type: type(onnxProto.onnx.TensorProto.DataType.UINT8) }], output: [{ name: y, type: type(onnxProto.onnx.TensorProto.DataType.FLOAT) }] },
    }).finish();
    const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
    const values = Uint8Array.from({ length: 3 * 256 }, (_, i) => i % 256);
    const got = (await session.run({ [INPUT_NAME]: new ort.Tensor('uint8', values, [1, 3, 1, 256]) }))[y].data as Float32Array;
    await session.release();
    const table = normalisationTable();
    const differ = [...table].filter((v, i) => !Object.is(v, got[i])).length;
    expect(differ).toBe(0);
  });

  it('an unknown device is refused with the list of runtimes', async () => {
    const source = directorySource(modelDir('layout-a', 1));
    await expect(getEncodingModel(MODEL_ID, 1, { source, device: 'tpu' as never })).rejects.toThrow(/device must be one of auto, webgpu, webgl, onnx, wasm, cpu/);
  });
});
