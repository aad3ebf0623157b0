// A converted (non-synthetic) subject in the playground: the subject select, no synthetic banner,
// the model-quality panel from its metadata, and an export that records the weight hashes.
// The subject is BERG-format test data converted on the fly and served through request routing,
// so public/models stays untouched.
import { test, expect } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertBergSubject } from '../src/convert/convert.ts';
import { encode, getEncodingModel, MODEL_ID } from '../src/engine/index.ts';
import { directorySource } from '../src/io/source_node.ts';
import { measureCompactError } from '../src/convert/compact_error.ts';
import { PNG } from 'pngjs';
import { rgbaToSquareChw } from '../src/io/image_square.ts';
import { writeSmall } from './fixtures.ts';
import { exportBoth, fixturePath, fullPageShot, maxErr, screenshotPath, waitForState } from './helpers.ts';

const SUB_PATH = `${MODEL_ID}/sub-01/`;

test('a converted subject: select it, see its model quality, export with weight hashes', async ({ page }, info) => {
  test.setTimeout(300_000);
  const out = info.outputPath('models');
  const conv = await convertBergSubject({ bergDir: fixturePath('test/fixtures/berg/layout-b'), subject: 1, out });
  const demoCatalog = JSON.parse(readFileSync('public/models/index.json', 'utf8')) as { models: unknown[] };
  const catalog = {
    models: [...demoCatalog.models, { model_id: MODEL_ID, subject: 1, path: SUB_PATH, synthetic: false, label: 'Subject 01 (test fixture)' }],
  };
  await page.route('**/models/index.json', (route) => route.fulfill({ json: catalog }));
  // The converted folder (subject manifest plus shared weight shards) is served from `out`.
  await page.route(`**/models/${MODEL_ID}/**`, (route) => {
    const rel = decodeURIComponent(new URL(route.request().url()).pathname).split('/models/')[1];
    const file = join(out, rel);
    if (rel.includes('..') || !existsSync(file)) return route.continue();
    return route.fulfill({ body: readFileSync(file) });
  });

  await page.goto('/?backend=wasm');
  await waitForState(page, 'idle');
  await expect(page.getByTestId('synthetic-banner')).toBeVisible();
  await page.getByTestId('subject-select').selectOption(SUB_PATH);
  await waitForState(page, 'idle');
  await expect(page.getByTestId('synthetic-banner')).toHaveCount(0);

  const quality = page.getByTestId('quality');
  await expect(quality.locator('.canvas-plot canvas')).toHaveCount(1); // the quality map
  await expect(quality.locator('.js-plotly-plot')).toHaveCount(1); // its time course
  const metrics = await quality.getByLabel('Quality metric').locator('option').allTextContents();
  console.log(`quality metrics: ${metrics.join(' | ')}`);
  expect(metrics.length).toBeGreaterThan(0);

  const f = writeSmall(info.outputPath('img'));
  await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles(f.path);
  await waitForState(page, 'done');
  await quality.scrollIntoViewIfNeeded();
  await fullPageShot(page, screenshotPath('05-converted-subject-quality.png'));

  const { npy, sidecar } = await exportBoth(page);
  expect(sidecar.subject).toBe(1);
  expect(sidecar.synthetic).toBe(false);
  expect(sidecar.synthetic_notice).toBeUndefined();
  expect(Object.keys(sidecar.weights_sha256 as object).length).toBeGreaterThan(0);
  expect(npy.shape).toEqual([1, 4, 63, 140]);

  const model = await getEncodingModel(MODEL_ID, 1, { source: directorySource(conv.dir), device: 'wasm' });
  const png = PNG.sync.read(readFileSync(f.path));
  const sq = rgbaToSquareChw(png.data, png.width, png.height, 'crop');
  const want = await encode(model, { data: sq.data, shape: [1, 3, sq.size, sq.size] });
  model.dispose();
  const m = maxErr(npy.data, want.data);
  expect(m.err).toBeLessThanOrEqual(1e-4 * m.ref);
});

test('compact precision on WebGPU: float16 pairs in the shaders give the wasm engine\'s compact responses, marked with their error', async ({ page }, info) => {
  test.setTimeout(300_000);
  const out = info.outputPath('models');
  // Converted with --compact as the CLI does it: the error is measured (Node, wasm) before the folder is committed.
  const conv = await convertBergSubject({
    bergDir: fixturePath('test/fixtures/berg/layout-b'),
    subject: 1,
    out,
    compact: true,
    beforeCommit: async (dir, manifest) => ({ compact: { ...manifest.compact!, error: await measureCompactError(1, { source: directorySource(dir), device: 'wasm' }) } }),
  });
  const measured = conv.manifest.compact!.error!;
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { models: Array<Record<string, unknown>> };
  expect(index.models[0].compact).toEqual({ relative: measured.relative });
  const demoCatalog = JSON.parse(readFileSync('public/models/index.json', 'utf8')) as { models: unknown[] };
  await page.route('**/models/index.json', (route) => route.fulfill({ json: { models: [...demoCatalog.models, ...index.models] } }));
  await page.route(`**/models/${MODEL_ID}/**`, (route) => {
    const rel = decodeURIComponent(new URL(route.request().url()).pathname).split('/models/')[1];
    const file = join(out, rel);
    if (rel.includes('..') || !existsSync(file)) return route.continue();
    return route.fulfill({ body: readFileSync(file) });
  });

  await page.goto('/?backend=webgpu');
  await waitForState(page, 'idle');
  await expect(page.getByTestId('precision-select')).toBeDisabled(); // the demo subject has no compact form
  await page.getByTestId('subject-select').selectOption(SUB_PATH);
  await waitForState(page, 'idle');
  await expect(page.getByTestId('precision-select')).toBeEnabled();
  await expect(page.getByTestId('compact-badge')).toHaveCount(0);
  await page.getByTestId('precision-select').selectOption('compact');
  await waitForState(page, 'idle');
  await expect(page.getByTestId('backend-used')).toHaveText('using webgpu');
  // The fixture's four PCAs are unrelated, so the compact form is far off: the badge says so, in red.
  const badge = page.getByTestId('compact-badge');
  await expect(badge).toHaveText(`compact · error ≤ ${measured.relative.toExponential(1)} × max`);
  await expect(badge).toHaveClass(/compact-large/);

  const f = writeSmall(info.outputPath('img'));
  await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles(f.path);
  await waitForState(page, 'done');
  await page.screenshot({ path: screenshotPath('07-compact-precision.png') });
  const { npy, sidecar } = await exportBoth(page);
  expect(sidecar.precision).toBe('compact');
  expect((sidecar.compact as { error: unknown }).error).toEqual(measured);
  expect(sidecar.backend).toBe('webgpu');

  const png = PNG.sync.read(readFileSync(f.path));
  const sq = rgbaToSquareChw(png.data, png.width, png.height, 'crop');
  const image = { data: sq.data, shape: [1, 3, sq.size, sq.size] as [number, number, number, number] };
  const run = async (precision: 'exact' | 'compact') => {
    const model = await getEncodingModel(MODEL_ID, 1, { source: directorySource(conv.dir), device: 'wasm', precision });
    try {
      return (await encode(model, image)).data;
    } finally {
      model.dispose();
    }
  };
  const compact = await run('compact');
  const m = maxErr(npy.data, compact);
  console.log(`compact on webgpu vs compact on wasm: max|err| ${m.err.toExponential(2)} (max|ref| ${m.ref.toFixed(2)})`);
  expect(m.err).toBeLessThanOrEqual(1e-4 * m.ref);
  // Repetition 1 is the shared basis: only float16 rounding separates it from the exact model.
  const exact = await run('exact');
  const rep1 = (a: Float32Array) => a.subarray(0, 63 * 140);
  const r1 = maxErr(rep1(npy.data), rep1(exact));
  console.log(`repetition 1, compact vs exact: ${(r1.err / r1.ref).toExponential(2)} of max`);
  expect(r1.err).toBeLessThanOrEqual(1e-3 * r1.ref);
});
