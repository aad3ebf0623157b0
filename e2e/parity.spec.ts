// Parity in the browser: the engine in headless Chromium on WebGPU, WebGL (both on SwiftShader
// here) and wasm reproduces PyTorch's taps and the BERG fixture's responses within
// 1e-4 x max|ref|. Runs against Vite's dev server (the harness page is not part of the build).
import { test, expect, type Page } from '@playwright/test';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { convertBergSubject } from '../src/io/convert.ts';

const PORT = 5174;
const BASE = `http://localhost:${PORT}`;
const MODEL_ROOT = '.cache/parity-models';
let server: ViteDevServer;

test.beforeAll(async () => {
  rmSync(MODEL_ROOT, { recursive: true, force: true });
  mkdirSync(MODEL_ROOT, { recursive: true });
  await convertBergSubject({ bergDir: 'test/fixtures/berg/layout-b', subject: 1, out: MODEL_ROOT });
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
      return { backend: choice.backend, note: choice.note, taps: tapErr, responses: respErr, tensorsLeaked: leaked };
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
    expect(r.tensorsLeaked).toBe(0);
  });
}

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
