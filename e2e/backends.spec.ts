// The GPU backends in headless Chromium. Here they run on SwiftShader (software), which is
// correct but slow (~0.2-0.6 images/s), so each test encodes one small image.
import { test, expect } from '@playwright/test';
import { writeSmall } from './fixtures.ts';
import { referenceResponse } from './reference.ts';
import { exportBoth, maxErr, waitForState } from './helpers.ts';

test.describe.configure({ mode: 'serial' });

// WebGPU on SwiftShader needs ~2-4 minutes for one image (pipeline compilation); E2E_SKIP_WEBGPU=1
// skips it in quick local runs (the full suite, and CI, run it).
const SKIP_WEBGPU = process.env.E2E_SKIP_WEBGPU === '1';

for (const backend of ['webgl', 'webgpu'] as const) {
  test(`${backend}: one image encodes in the worker and matches the engine in Node`, async ({ page }, info) => {
    test.skip(backend === 'webgpu' && SKIP_WEBGPU, 'E2E_SKIP_WEBGPU=1');
    test.setTimeout(420_000);
    const f = writeSmall(info.outputPath('img'));
    if (backend === 'webgl') {
      // 'auto' first: here the GPUs are software, so it must choose wasm and say why.
      await page.goto('/');
      await waitForState(page, 'idle');
      await expect(page.getByTestId('backend-select')).toHaveValue('auto');
      const used = (await page.getByTestId('backend-used').textContent())!.replace('using ', '');
      const note = (await page.getByTestId('backend-used').getAttribute('title')) ?? '';
      console.log(`auto chose ${used}: ${note}`);
      expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(used);
      if (used === 'webgpu' || used === 'webgl') expect(note).not.toMatch(/swiftshader|llvmpipe|software/i);
      // Then switch through the header's override select.
      await page.getByTestId('backend-select').selectOption('webgl');
    } else {
      await page.goto(`/?backend=${backend}`);
    }
    await waitForState(page, 'idle', 300_000);
    await expect(page.getByTestId('backend-used')).toHaveText(`using ${backend}`);
    const t0 = Date.now();
    await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles(f.path);
    await waitForState(page, 'done', 300_000);
    console.log(`${backend}: 1 image (${f.width}x${f.height}) encoded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await expect(page.getByTestId('topomap')).toHaveAttribute('data-has-data', 'true');
    const { npy, sidecar } = await exportBoth(page);
    expect(sidecar.backend).toBe(backend);
    expect(npy.shape).toEqual([1, 4, 63, 140]);
    const m = maxErr(npy.data, await referenceResponse(f.path));
    console.log(`${backend}: max |browser - node wasm| = ${m.err.toExponential(2)} (max |ref| ${m.ref.toExponential(2)})`);
    expect(m.err).toBeLessThanOrEqual(1e-4 * m.ref);
  });
}

test('wasm with 2 threads: the threaded build starts in the bundled worker and matches the engine in Node', async ({ page }, info) => {
  test.setTimeout(240_000);
  const f = writeSmall(info.outputPath('img'));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?backend=wasm&threads=2');
  await waitForState(page, 'idle', 120_000);
  await expect(page.getByTestId('backend-used')).toHaveText('using wasm');
  await expect(page.getByTestId('backend-used')).toHaveAttribute('title', /wasm, 2 threads/);
  await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles(f.path);
  await waitForState(page, 'done', 120_000);
  const { npy, sidecar } = await exportBoth(page);
  expect(sidecar.backend).toBe('wasm');
  const m = maxErr(npy.data, await referenceResponse(f.path));
  console.log(`wasm, 2 threads: max |browser - node wasm| = ${m.err.toExponential(2)} (max |ref| ${m.ref.toExponential(2)})`);
  expect(m.err).toBeLessThanOrEqual(1e-4 * m.ref);
  expect(errors).toEqual([]);
});
