// Parity in the browser: the engine in headless Chromium on WebGPU, WebGL (both on SwiftShader
// here) and wasm reproduces PyTorch's taps and the BERG fixture's responses within
// 1e-4 x max|ref|. Runs against Vite's dev server (the harness page is not part of the build).
import { test, expect, type Page } from '@playwright/test';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type ViteDevServer } from 'vite';
import { convertBergSubject } from '../src/convert/convert.ts';
import { fixturePath } from './helpers.ts';

const PORT = 5174;
const BASE = `http://localhost:${PORT}`;
const MODEL_ROOT = '.cache/parity-models';
let server: ViteDevServer;

test.beforeAll(async () => {
  rmSync(MODEL_ROOT, { recursive: true, force: true });
  mkdirSync(MODEL_ROOT, { recursive: true });
  await convertBergSubject({ bergDir: fixturePath('test/fixtures/berg/layout-b'), subject: 1, out: MODEL_ROOT });
  server = await createServer({ server: { port: PORT, strictPort: true }, logLevel: 'error' });
  await server.listen();
});
test.afterAll(async () => {
  await server?.close();
});

async function openHarness(page: Page) {
  await page.goto(`${BASE}/e2e/parity/index.html`);
  await page.waitForFunction(() => (window as unknown as { parityReady?: boolean }).parityReady === true, null, { timeout: 120_000 });
}

interface ParityResult {
  backend: string;
  note: string;
  taps: { err: number; ref: number };
  responses: { err: number; ref: number };
  /** The same model with BERG's selection: channels shuffled, one listed twice, an irregular mask. */
  selected: { err: number; ref: number; chNames: string[]; shape: number[] };
  tensorsLeaked: number;
}

/** Runs taps + a converted fixture model's responses on one image in the page. */
async function runParity(page: Page, device: string, nImages: number): Promise<ParityResult> {
  return page.evaluate(
    async ({ device, nImages, modelUrl }) => {
      const P = (window as unknown as { parity: any }).parity;
      const { engine, tf } = P;
      const choice = await P.selectBackend(device, { wasmPaths: P.wasmPaths });
      const input = await P.npy('/test/golden/taps/input.npy');
      const taps = await P.npy('/test/golden/taps/taps.npy');
      const ref = await P.npy('/test/golden/responses/layout-b_sub-01_all.npy');
      const refSel = await P.npy('/test/golden/responses/layout-b_sub-01_sel.npy');
      const selection = await (await fetch('/test/golden/responses/selection.json')).json();
      const per = 3 * 300 * 300;
      const images = { data: input.data.subarray(0, nImages * per), shape: [nImages, 3, 300, 300] };
      const cmp = (got: Float32Array, want: Float32Array) => {
        let err = 0, mx = 0;
        for (let i = 0; i < want.length; i++) {
          err = Math.max(err, Math.abs(got[i] - want[i]));
          mx = Math.max(mx, Math.abs(want[i]));
        }
        return { err, ref: mx };
      };
      const net = P.uploadAlexNet(P.generateAlexNetWeights());
      const x = P.preprocess(images);
      const f = P.alexnetFeaturesChannelMajor(net, tf.tensor4d(x, [nImages, 224, 224, 3]));
      const feats = await f.data();
      f.dispose();
      net.dispose();
      const tapErr = cmp(feats, taps.data.subarray(0, nImages * 205672));

      const model = await engine.getEncodingModel(engine.MODEL_ID, 1, { source: engine.urlSource(modelUrl), device });
      const before = tf.memory().numTensors;
      const y = await engine.encode(model, images);
      const leaked = tf.memory().numTensors - before;
      model.dispose();
      const respErr = cmp(y.data, ref.data.subarray(0, nImages * 4 * 63 * 140));
      const timepoints = Array.from(selection.timepoints as string, Number);
      const selModel = await engine.getEncodingModel(engine.MODEL_ID, 1, { source: engine.urlSource(modelUrl), device, selection: { channels: selection.channels, timepoints } });
      const ys = await engine.encode(selModel, images);
      selModel.dispose();
      const perSel = refSel.data.length / 2;
      const selected = { ...cmp(ys.data, refSel.data.subarray(0, nImages * perSel)), chNames: selModel.chNames, shape: ys.shape };
      return { backend: choice.backend, note: choice.note, taps: tapErr, responses: respErr, selected, tensorsLeaked: leaked };
    },
    { device, nImages, modelUrl: `/${MODEL_ROOT}/eeg-things_eeg_2-alexnet_untrained/sub-01/` },
  );
}

// Software GPUs are slow (WebGPU ~0.2 img/s on SwiftShader): one image each there, both on wasm.
for (const [device, nImages] of [['webgpu', 1], ['webgl', 1], ['wasm', 2]] as const) {
  test(`engine parity on ${device} in Chromium`, async ({ page }) => {
    test.setTimeout(420_000);
    await openHarness(page);
    const r = await runParity(page, device, nImages);
    console.log(`parity ${device}: ${r.note}; taps max|err| ${r.taps.err.toExponential(2)} (max|ref| ${r.taps.ref.toFixed(3)}), responses max|err| ${r.responses.err.toExponential(2)} (max|ref| ${r.responses.ref.toFixed(3)})`);
    expect(r.backend).toBe(device);
    expect(r.taps.err).toBeLessThanOrEqual(1e-4 * r.taps.ref);
    expect(r.responses.err).toBeLessThanOrEqual(1e-4 * r.responses.ref);
    expect(r.selected.chNames).toEqual(['Oz', 'Cz', 'Fp1', 'PO8', 'O1', 'Oz', 'Pz']);
    expect(r.selected.shape).toEqual([nImages, 4, 7, 47]);
    expect(r.selected.err).toBeLessThanOrEqual(1e-4 * r.selected.ref);
    expect(r.tensorsLeaked).toBe(0);
  });
}

// The GPU backends build the network input on the device: from crops (WebGL) or from the image
// bytes themselves (WebGPU's shader crops 256 px images, reading them at any byte offset).
for (const device of ['webgpu', 'webgl'] as const) {
  test(`network input made on ${device} equals the CPU's bit for bit`, async ({ page }) => {
    await openHarness(page);
    const differing = await page.evaluate(async (device) => {
      const P = (window as unknown as { parity: any }).parity;
      const { tf } = P;
      await P.selectBackend(device, {});
      const bytes = (n: number, seed: number) => {
        const a = new Uint8Array(n);
        let s = seed;
        for (let i = 0; i < n; i++) a[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
        return a;
      };
      const per256 = 3 * 256 * 256;
      const unaligned = new Uint8Array(2 * per256 + 1).subarray(1);
      unaligned.set(bytes(2 * per256, 2));
      const cases: Record<string, { data: Uint8Array; shape: number[] }> = {
        '256 px': { data: bytes(2 * per256, 1), shape: [2, 3, 256, 256] },
        '256 px at an odd byte offset': { data: unaligned, shape: [2, 3, 256, 256] },
        '300 px': { data: bytes(3 * 300 * 300, 3), shape: [1, 3, 300, 300] },
      };
      const table = tf.tensor1d(P.normalisationTable());
      const out: Record<string, number> = {};
      for (const [name, images] of Object.entries(cases)) {
        const x = tf.tidy(() => P.networkInput(images, table));
        const got = await x.data();
        x.dispose();
        const want = P.preprocess(images);
        let d = Math.abs(got.length - want.length);
        for (let i = 0; i < Math.min(got.length, want.length); i++) if (got[i] !== want[i]) d++;
        out[name] = d;
      }
      table.dispose();
      out.tensorsLeft = tf.memory().numTensors;
      return out;
    }, device);
    console.log(`network input on ${device}, values differing: ${JSON.stringify(differing)}`);
    expect(differing).toEqual({ '256 px': 0, '256 px at an odd byte offset': 0, '300 px': 0, tensorsLeft: 0 });
  });
}

// The engine's own WebGPU products (PCA projections, fc6-fc8) against TF.js's matMul, on shapes
// that leave partial tiles in every direction, several products into one sum, with bias and ReLU.
test('split-K products on webgpu equal TF.js matMul, with float32 and float16-pair weights', async ({ page }) => {
  await openHarness(page);
  const results = await page.evaluate(async () => {
    const P = (window as unknown as { parity: any }).parity;
    const { tf } = P;
    await P.selectBackend('webgpu', {});
    const rnd = (n: number, seed: number) => {
      const a = new Float32Array(n);
      let s = seed;
      for (let i = 0; i < n; i++) a[i] = ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
      return a;
    };
    const shapes: Array<[number, number[], number, boolean, boolean]> = [
      [1, [1000, 64], 1000, true, false],
      [3, [4100], 8, false, false],
      [17, [2048, 96], 260, true, true],
      [33, [64], 4096, false, true],
    ];
    const out = [];
    for (const [m, ks, n, hasBias, relu] of shapes) for (const float16 of [false, true]) {
      const xs = ks.map((k, i) => tf.tensor2d(rnd(m * k, 1 + i), [m, k]));
      // float16: the kernel reads the packed bits; the reference multiplies their float32 values
      const bits = ks.map((k, i) => P.float32ToFloat16(rnd(k * n, 100 + i)));
      const ws = ks.map((k, i) => tf.tensor2d(float16 ? P.float16ToFloat32(bits[i]) : rnd(k * n, 100 + i), [k, n]));
      const packed = float16 ? ks.map((k, i) => P.packFloat16Matrix(bits[i], k, n)) : ws;
      const bias = hasBias ? tf.tensor1d(rnd(n, 7)) : null;
      const got = tf.tidy(() => P.splitKMatMul(xs.map((x: unknown, i: number) => [x, packed[i]]), bias, relu));
      const want = tf.tidy(() => {
        let y = tf.addN(xs.map((x: unknown, i: number) => tf.matMul(x, ws[i])));
        if (bias) y = tf.add(y, bias);
        return relu ? tf.relu(y) : y;
      });
      const g = await got.data();
      const w = await want.data();
      let err = 0;
      let ref = 0;
      for (let i = 0; i < w.length; i++) {
        err = Math.max(err, Math.abs(g[i] - w[i]));
        ref = Math.max(ref, Math.abs(w[i]));
      }
      out.push({ shape: `M = ${m}, K = ${ks.join(' + ')}, N = ${n}${float16 ? ', float16' : ''}`, outShape: got.shape, err, ref, negatives: relu ? Array.from(g as Float32Array).filter((v) => v < 0).length : 0 });
      tf.dispose([...xs, ...ws, got, want]);
      if (float16) tf.dispose(packed);
      bias?.dispose();
    }
    return { out, tensorsLeft: tf.memory().numTensors };
  });
  for (const r of results.out) {
    console.log(`split-K ${r.shape}: max|err| ${r.err.toExponential(2)} (max|ref| ${r.ref.toFixed(2)})`);
    expect(r.err).toBeLessThanOrEqual(1e-5 * r.ref);
    expect(r.negatives).toBe(0);
  }
  expect(results.out.map((r) => r.outShape)).toEqual([[1, 1000], [1, 1000], [3, 8], [3, 8], [17, 260], [17, 260], [33, 4096], [33, 4096]]);
  expect(results.tensorsLeft).toBe(0);
});

test('device auto never picks a software GPU over wasm', async ({ page }) => {
  await openHarness(page);
  const choice = await page.evaluate(async () => {
    const P = (window as unknown as { parity: any }).parity;
    return P.selectBackend('auto', { wasmPaths: P.wasmPaths });
  });
  console.log(`auto chose: ${choice.note}`);
  expect(choice.backend).toBe('wasm');
  expect(choice.note).toMatch(/software|swiftshader/i);
});
