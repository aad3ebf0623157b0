// A converted (non-synthetic) subject in the playground: the subject select, no synthetic banner,
// the model-quality panel from its metadata, and an export that records the weight hashes.
// The subject is BERG-format test data converted on the fly and served through request routing,
// so public/models stays untouched.
import { test, expect } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertBergSubject } from '../src/io/convert.ts';
import { encode, getEncodingModel, MODEL_ID } from '../src/engine/index.ts';
import { directorySource } from '../src/io/source_node.ts';
import { PNG } from 'pngjs';
import { rgbaToSquareChw } from '../src/io/image_square.ts';
import { writeSmall } from './fixtures.ts';
import { exportBoth, maxErr, SCREENSHOTS, waitForState } from './helpers.ts';

const SUB_PATH = `${MODEL_ID}/sub-01/`;

test('a converted subject: select it, see its model quality, export with weight hashes', async ({ page }, info) => {
  test.setTimeout(300_000);
  const out = info.outputPath('models');
  const conv = await convertBergSubject({ bergDir: 'test/fixtures/berg/layout-b', subject: 1, out });
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
  await page.screenshot({ path: join(SCREENSHOTS, '05-converted-subject-quality.png'), fullPage: true });

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
