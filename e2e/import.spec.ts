// BERG's own files in the browser: dropped weights + metadata are parsed in a worker, stored in
// OPFS, listed in the model menu, encode exactly like the Node engine on the same converted
// subject, survive a reload without a second parse, and bad files get their own message.
import { test, expect, type Page } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { rgbaToSquareChw } from '../src/io/image_square.ts';
import { encode, getEncodingModel, MODEL_ID } from '../src/engine/index.ts';
import { convertBergSubject } from '../src/convert/convert.ts';
import { directorySource } from '../src/io/source_node.ts';
import { writeFixtures, type Fixture } from './fixtures.ts';
import { BERG_MODEL_SUBDIR as SUB, exportBoth, fixturePath, maxErr, screenshotPath, waitForState } from './helpers.ts';

test.describe.configure({ mode: 'serial' });

const BERG = fixturePath('test/fixtures/berg/layout-b');
const WEIGHTS = `${BERG}/${SUB}/encoding_models_weights/weights_subject-01.npy`;
const METADATA = `${BERG}/${SUB}/metadata/metadata_subject-01.npy`;
const STORED = `opfs:${MODEL_ID}/sub-01/`;
const LABEL = 'Subject 1 (imported, stored in this browser)';

let page: Page;
let image: Fixture;
let ref: Float32Array; // [4, 63, 140] from the Node engine on the same subject, converted by the CLI's converter
let shardsAfterImport: string[];

/** What the page's OPFS holds: listed subjects and shard names. */
async function opfs(p: Page): Promise<{ subjects: number[]; shards: string[] }> {
  return p.evaluate(async (model) => {
    const root = await navigator.storage.getDirectory();
    const out = { subjects: [] as number[], shards: [] as string[] };
    try {
      const models = await root.getDirectoryHandle('models');
      const index = JSON.parse(await (await (await models.getFileHandle('index.json')).getFile()).text());
      out.subjects = index.models.map((m: { subject: number }) => m.subject);
      const shared = await (await models.getDirectoryHandle(model)).getDirectoryHandle('shared');
      for await (const k of (shared as unknown as { keys(): AsyncIterable<string> }).keys()) out.shards.push(k);
    } catch {
      // no store yet
    }
    out.shards.sort();
    return out;
  }, MODEL_ID);
}

// The store's writers take this Web Lock (src/io/browser_store.ts). Holding it from the page
// stops an import just before it writes, so its progress can be looked at (and cancelled).
const STORE_LOCK = 'insilico-eeg-model-store';
type LockWindow = Window & { releaseStore?: () => void };
async function holdStoreLock(p: Page) {
  await p.evaluate(
    (name) =>
      new Promise<void>((held) => {
        void navigator.locks.request(name, () => new Promise<void>((release) => ((window as LockWindow).releaseStore = release, held())));
      }),
    STORE_LOCK,
  );
}
const releaseStoreLock = (p: Page) => p.evaluate(() => (window as LockWindow).releaseStore?.());

async function encodeAndCompare(p: Page) {
  await p.getByTestId('dropzone').locator('input[type=file]').setInputFiles([image.path]);
  await waitForState(p, 'done');
  const { npy } = await exportBoth(p);
  expect(npy.shape).toEqual([1, 4, 63, 140]);
  const { err, ref: m } = maxErr(npy.data, ref);
  console.log(`imported subject 1 in Chromium vs Node: max |diff| ${err.toExponential(2)}, max |ref| ${m.toExponential(2)}`);
  expect(m).toBeGreaterThan(0);
  expect(err).toBeLessThanOrEqual(1e-4 * m);
}

test.beforeAll(async ({ browser }, info) => {
  image = writeFixtures(info.outputPath('images')).images[0]; // 256x256
  // The reference: the same BERG files converted in Node, encoded by the engine in Node.
  const out = info.outputPath('converted');
  await convertBergSubject({ bergDir: BERG, subject: 1, out });
  const model = await getEncodingModel(MODEL_ID, 1, { source: directorySource(join(out, MODEL_ID, 'sub-01')), device: 'wasm' });
  const png = PNG.sync.read(readFileSync(image.path));
  const sq = rgbaToSquareChw(png.data, png.width, png.height, 'crop');
  ref = (await encode(model, { data: sq.data, shape: [1, 3, sq.size, sq.size] })).data;
  model.dispose();
  page = await browser.newPage({ viewport: { width: 1680, height: 1050 } });
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
});
test.afterAll(async () => {
  await page?.close();
});

test("BERG's weights and metadata in: parsed in a worker with progress, stored, listed and selected", async () => {
  await page.goto('/?backend=wasm');
  await waitForState(page, 'idle');
  expect((await opfs(page)).subjects).toEqual([]);
  const input = page.getByTestId('berg-import');
  await expect(input).toHaveAttribute('multiple', '');
  await expect(input).toHaveAttribute('accept', '.npy');

  await holdStoreLock(page);
  await input.setInputFiles([WEIGHTS, METADATA]);
  const status = page.getByTestId('import-status');
  await expect(status).toHaveAttribute('data-state', 'running');
  // parsed (18.7 MB file), folded, and waiting to store the 10.4 MB of weights
  await expect(status).toContainText('Subject 1: storing in this browser: 0 bytes of 10.4 MB', { timeout: 120_000 });
  await expect(status.locator('progress')).toBeVisible();
  await expect(page.getByTestId('import-cancel')).toBeVisible();
  await expect(page.getByTestId('model-import').getByRole('button', { name: /Import BERG weights/ })).toContainText('0%');
  await page.screenshot({ path: screenshotPath('import-progress.png') });
  await releaseStoreLock(page);

  await expect(status).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  await expect(status).toContainText('Subject 1 stored in this browser (10.4 MB) and selected; a reload will not parse again.');
  const select = page.getByTestId('subject-select');
  await expect(select.locator('option', { hasText: LABEL })).toHaveCount(1);
  await expect(select).toHaveValue(STORED);
  await expect(page.getByTestId('stored-model')).toHaveText([/Subject 1 \(imported, stored in this browser\)\s*10\.4 MB/]);
  await waitForState(page, 'idle');
  await expect(page.getByTestId('encode-status')).toContainText('Model ready on wasm');
  await page.screenshot({ path: screenshotPath('import-done.png') });
  await expect(page.getByTestId('synthetic-banner')).toHaveCount(0);
  await expect(page.getByTestId('model-import')).toHaveAttribute('data-runs', '1');
  const store = await opfs(page);
  expect(store.subjects).toEqual([1]);
  expect(store.shards.length).toBeGreaterThan(4);
  shardsAfterImport = store.shards;
});

test('the imported subject encodes like the Node engine on the same pixels; its metadata feeds the quality panel', async () => {
  await encodeAndCompare(page);
  await expect(page.getByTestId('quality').getByRole('combobox', { name: 'Quality metric' })).toBeVisible();
});

test('a reload lists the stored subject, which loads without parsing again', async () => {
  await page.reload();
  // The session came back with its encoded image (responses restored, nothing encoded again).
  await waitForState(page, 'done');
  await expect(page.getByTestId('thumb')).toHaveCount(1);
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('session-new').click();
  await expect(page.getByTestId('thumb')).toHaveCount(0);
  await waitForState(page, 'idle');
  const select = page.getByTestId('subject-select');
  await expect(select.locator('option', { hasText: LABEL })).toHaveCount(1);
  await select.selectOption(STORED);
  await waitForState(page, 'idle');
  await expect(page.getByTestId('encode-status')).toContainText('Model ready on wasm');
  // no import ran on this page: no parse, no import worker
  await expect(page.getByTestId('model-import')).toHaveAttribute('data-runs', '0');
  expect(page.workers().map((w) => w.url()).filter((u) => u.includes('import.worker'))).toEqual([]);
  await encodeAndCompare(page);
});

test('bad files: each gets its own clear error, and nothing is added', async ({}, info) => {
  const options = await page.getByTestId('subject-select').locator('option').count();
  const input = page.getByTestId('berg-import');
  const status = page.getByTestId('import-status');

  // A file whose name does not tell the subject: asked first, then refused by the safe unpickler.
  await input.setInputFiles([fixturePath('test/fixtures/bad/os_system.npy')]);
  await expect(status).toHaveAttribute('data-state', 'asking');
  await expect(status).toContainText("Which subject's weights are in os_system.npy?");
  await page.getByTestId('import-subject').fill('4');
  await status.getByRole('button', { name: 'Import' }).click();
  await expect(status).toHaveAttribute('data-state', 'error', { timeout: 60_000 });
  await expect(status).toContainText(
    'Import failed: os_system.npy: refusing to load pickle global posix.system: only numpy arrays, numpy scalars, dicts, lists, strings and known sklearn estimators are allowed',
  );

  // A truncated download.
  const cut = info.outputPath('weights_subject-03.npy');
  writeFileSync(cut, readFileSync(WEIGHTS).subarray(0, 9_000_000));
  await input.setInputFiles([cut]);
  await expect(status).toHaveAttribute('data-state', 'error', { timeout: 60_000 });
  await expect(status).toContainText(/Import failed: weights_subject-03\.npy: the file ends inside the pickle .* the file is truncated, download it again/);

  // The same file given to the image zone goes to the import too, not into the gallery as a bad image.
  await status.getByRole('button', { name: 'OK' }).click();
  await expect(status).toHaveCount(0);
  const chips = await page.getByTestId('error-chip').count();
  const thumbs = await page.getByTestId('thumb').count();
  await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles([cut]);
  await expect(status).toHaveAttribute('data-state', 'error', { timeout: 60_000 });
  await expect(status).toContainText(/Import failed: weights_subject-03\.npy: the file ends inside the pickle/);
  await expect(page.getByTestId('error-chip')).toHaveCount(chips);
  await expect(page.getByTestId('thumb')).toHaveCount(thumbs);

  // Two files of different subjects.
  await input.setInputFiles([WEIGHTS, `${BERG}/${SUB}/metadata/metadata_subject-02.npy`]);
  await expect(status).toHaveAttribute('data-state', 'error');
  await expect(status).toContainText("metadata_subject-02.npy is subject 2's metadata, but weights_subject-01.npy holds subject 1's weights");

  await expect(page.getByTestId('subject-select').locator('option')).toHaveCount(options);
  expect(await opfs(page)).toEqual({ subjects: [1], shards: shardsAfterImport });
  await page.getByTestId('import-status').getByRole('button', { name: 'OK' }).click();
  await expect(status).toHaveCount(0);
});

test('an import cancelled before it stores anything leaves the store as it was', async () => {
  const before = await opfs(page);
  await holdStoreLock(page);
  await page.getByTestId('berg-import').setInputFiles([`${BERG}/${SUB}/encoding_models_weights/weights_subject-02.npy`]);
  const status = page.getByTestId('import-status');
  await expect(status).toContainText('Subject 2: storing in this browser: 0 bytes of 10.4 MB', { timeout: 120_000 });
  await page.getByTestId('import-cancel').click();
  await expect(status).toHaveAttribute('data-state', 'cancelled');
  await expect(status).toContainText('Import cancelled; nothing was stored.');
  await releaseStoreLock(page);
  expect(await opfs(page)).toEqual(before);
  await expect(page.getByTestId('subject-select').locator('option', { hasText: /^Subject 2 \(/ })).toHaveCount(0);
});

test('a stored subject can be removed: unlisted, its shards gone, the demo subject selected', async () => {
  if (!(await page.getByTestId('berg-import-drop').isVisible())) await page.getByRole('button', { name: /Import BERG weights/ }).click();
  const remove = page.getByTestId('remove-stored-1');
  await remove.click();
  await expect(remove).toHaveText('Click again to remove');
  await remove.click();
  await expect(page.getByTestId('stored-model')).toHaveCount(0);
  await expect(page.getByTestId('subject-select').locator('option', { hasText: LABEL })).toHaveCount(0);
  await expect(page.getByTestId('subject-select')).toHaveValue(`${MODEL_ID}/demo/`);
  expect(await opfs(page)).toEqual({ subjects: [], shards: [] });
});

test('the subject field applies a typed number on Enter and refuses bad ones with a message', async ({ browser }) => {
  const p = await browser.newPage({ viewport: { width: 1680, height: 1050 } });
  await p.goto('/?backend=wasm');
  await waitForState(p, 'idle');
  const status = p.getByTestId('import-status');
  await p.getByTestId('berg-import').setInputFiles(['test/fixtures/bad/os_system.npy']);
  await expect(status).toHaveAttribute('data-state', 'asking');
  const field = p.getByTestId('import-subject');
  await expect(field).toHaveValue('1');
  for (const [text, why] of [
    ['abc', '“abc” is not a number'],
    ['11', 'must be within 1…10'],
    ['2.5', 'must be a whole number'],
  ]) {
    await field.fill(text);
    await field.press('Enter');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(status.getByRole('alert')).toHaveText(`Subject: ${why}`);
    await expect(status).toHaveAttribute('data-state', 'asking');
  }
  // a refused value is not imported by the Import button either
  await status.getByRole('button', { name: 'Import' }).click();
  await expect(status.getByRole('alert')).toHaveText('Subject: must be a whole number');
  await expect(status).toHaveAttribute('data-state', 'asking');
  // a valid one applies, and Enter imports it: the file is then refused by the safe unpickler
  await field.fill('4');
  await field.press('Enter');
  await expect(status).toHaveAttribute('data-state', 'error', { timeout: 60_000 });
  await expect(status).toContainText('Import failed: os_system.npy: refusing to load pickle global posix.system');
  await p.close();
});
