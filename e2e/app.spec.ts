// The playground end to end on the wasm backend: images in, encoding in the worker, plots that
// follow channel and time selections without re-encoding, and an .npy export equal to the engine's
// output in Node on the same pixels.
import { test, expect, type Browser, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { writeFixtures, type Fixture } from './fixtures.ts';
import { referenceResponse } from './reference.ts';
import { clickForDownloads, encodeRequests, exportBoth, fullPageShot, imagesSent, maxErr, screenshotPath, sliceRef, waitForState } from './helpers.ts';

// The tests from the fresh page to paste-and-drop go on with one page (a browser context of its
// own, so no stored session at first), in file order, as a person goes from one step to the next:
// each sets the selections it needs over what the one before left. One model load and one encode
// of the images for them all; any one still runs alone with -g (the first that needs the page, or
// the images in it, makes them), and after a failure the next test starts over on a new page.
// The address test opens its own page.
let page: Page;
let browser: Browser;
let shared: { page: Page; withImages: boolean } | undefined;
let fx: { images: Fixture[]; broken: string };
const ref = new Map<string, Float32Array>(); // `${name}|${mode}` -> [4, 63, 140]
let chNames: string[];

async function refFor(f: Fixture, mode: 'crop' | 'pad-black' = 'crop') {
  const key = `${f.name}|${mode}`;
  if (!ref.has(key)) ref.set(key, await referenceResponse(f.path, mode));
  return ref.get(key)!;
}

test.beforeAll(async ({}, info) => {
  fx = writeFixtures(info.outputPath('images'));
  chNames = JSON.parse(readFileSync('public/models/eeg-things_eeg_2-alexnet_untrained/demo/manifest.json', 'utf8')).ch_names;
});
test.beforeEach(async ({ browser: b }) => {
  browser = b;
});
test.afterAll(async () => {
  await shared?.page.close();
});

/** The shared page on the wasm backend, the demo subject loaded (opened by the first test that needs it). */
async function openPage() {
  if (!shared) {
    const p = await browser.newPage({ viewport: { width: 1680, height: 1050 } });
    p.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
    await p.goto('/?backend=wasm');
    await waitForState(p, 'idle');
    shared = { page: p, withImages: false };
  }
  page = shared.page;
}

/** The shared page with the four fixture images and the broken file in, encoded (as the second test leaves it). */
async function openWithImages() {
  await openPage();
  if (!shared!.withImages) {
    await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles([...fx.images.map((i) => i.path), fx.broken]);
    await waitForState(page, 'done');
    shared!.withImages = true;
  }
  await expect(page.locator('[data-testid=thumb][data-encoded=true]')).toHaveCount(4);
}

/** Where the app draws the (single) topomap's head, and the screen position of a sensor on it. */
async function topomapLayout() {
  const topo = page.getByTestId('topomap');
  const box = (await topo.locator('canvas').boundingBox())!;
  const [cx, cy, k] = (await topo.locator('.canvas-plot').getAttribute('data-heads'))!.split(';')[0].split(',').map(Number);
  const montage = JSON.parse(readFileSync('src/data/channels_10-05_63.json', 'utf8')) as { channels: { name: string; topo2d_m: number[] }[] };
  const sensorAt = (name: string) => {
    const [x, y] = montage.channels.find((c) => c.name === name)!.topo2d_m;
    return [box.x + cx + x * k, box.y + cy - y * k] as const;
  };
  return { cx, cy, sensorAt };
}

test('a fresh page: demo subject, synthetic banner, all 63 channels and 140 samples selected', async () => {
  await openPage();
  await expect(page.getByTestId('encode-status')).toContainText('Model ready on wasm');
  const subject = page.getByTestId('subject-select');
  await expect(subject).toHaveValue('eeg-things_eeg_2-alexnet_untrained/demo/');
  await expect(page.getByTestId('synthetic-banner')).toContainText('synthetic demo weights, not fitted to EEG');
  await expect(page.getByTestId('synthetic-banner')).toContainText('Real BERG weights');
  await expect(page.getByTestId('channel-picker')).toHaveAttribute('data-selected-count', '63');
  await expect(page.getByTestId('time-picker')).toHaveAttribute('data-count', '140');
  await expect(page.getByTestId('time-picker')).toHaveAttribute('data-window', '-100,595');
  await expect(page.getByTestId('backend-used')).toHaveText('using wasm');
  await expect(page.getByTestId('export-npy')).toBeDisabled();
  // What the values are, as BERG's model card states it (never "noise-normalised").
  await expect(page.locator('footer')).toContainText('current-source-density transformed');
  expect(await page.locator('body').innerText()).not.toMatch(/noise[- ]normali[sz]ed/i);
  const input = page.getByTestId('dropzone').locator('input[type=file]');
  await expect(input).toHaveAttribute('multiple', '');
  await expect(input).toHaveAttribute('accept', 'image/*');
  await fullPageShot(page, screenshotPath('01-fresh-page.png'));
});

test('images in: encoded in order, the broken file gets an error chip, non-square ones a notice', async () => {
  await openPage();
  const before = await encodeRequests(page);
  await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles([...fx.images.map((i) => i.path), fx.broken]);
  await waitForState(page, 'done');
  shared!.withImages = true;
  await expect(page.getByTestId('encode-status')).toContainText('4 images encoded on wasm; 1 file could not be read');
  console.log(`status: ${await page.getByTestId('encode-status').textContent()}`);
  expect(await encodeRequests(page)).toBeGreaterThan(before);
  await expect(page.getByTestId('error-chip')).toHaveCount(1);
  await expect(page.getByTestId('error-chip')).toContainText('notes_not_an_image.png');
  await expect(page.getByTestId('error-chip')).toContainText('not a decodable image');
  const thumbs = page.getByTestId('thumb');
  await expect(thumbs).toHaveCount(4);
  expect(await thumbs.evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))).toEqual(fx.images.map((i) => i.name));
  await expect(page.locator('[data-testid=thumb][data-encoded=true]')).toHaveCount(4);
  await expect(page.getByTestId('square-notice')).toHaveText(['centre-cropped to 240×240', 'centre-cropped to 200×200']);
  await expect(page.getByTestId('topomap')).toHaveAttribute('data-has-data', 'true');
  await expect(page.getByTestId('timecourse')).toHaveAttribute('data-has-data', 'true');
  await expect(page.getByTestId('topomap').locator('.canvas-plot[data-panels="1"] canvas')).toHaveCount(1);
  // The map is painted: opaque, coloured pixels at the head centre.
  const { cx, cy } = await topomapLayout();
  const centre = await page
    .getByTestId('topomap')
    .locator('canvas')
    .evaluate((c: HTMLCanvasElement, [x, y]) => Array.from(c.getContext('2d')!.getImageData(x, y, 1, 1).data), [Math.round(cx + 5), Math.round(cy + 5)]);
  expect(centre[3]).toBe(255);
  expect(centre.slice(0, 3)).not.toEqual([0, 0, 0]);
  await expect(page.getByTestId('timecourse').locator('.line-plot')).not.toHaveAttribute('data-points', '0');
  await fullPageShot(page, screenshotPath('02-encoded-butterfly.png'));
  await page.getByTestId('topomap').screenshot({ path: screenshotPath('topomap-panel.png') });
});

test('scalp map and dissimilarity matrix download as PNG and SVG', async () => {
  await openWithImages();
  const topo = page.getByTestId('topomap');
  await topo.hover();
  const [svgDl] = await clickForDownloads(page, topo.getByRole('button', { name: 'SVG' }), 1);
  expect(svgDl.suggestedFilename()).toBe('topomap.svg');
  const svg = readFileSync((await svgDl.path())!, 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.match(/class="sensor"/g)).toHaveLength(63);
  expect(svg).toContain('<image ');
  expect(svg).toContain('a.u. (CSD-transformed EEG)');
  expect(svg).not.toMatch(/noise-normali[sz]ed/);
  const [pngDl] = await clickForDownloads(page, topo.getByRole('button', { name: 'PNG' }), 1);
  expect(pngDl.suggestedFilename()).toBe('topomap.png');
  const png = readFileSync((await pngDl.path())!);
  expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const rdm = page.getByTestId('rdm');
  // (a panel far off screen computes when it comes near)
  await rdm.scrollIntoViewIfNeeded();
  await rdm.locator('.matrix-view').hover();
  const [matDl] = await clickForDownloads(page, rdm.locator('.matrix-view').getByRole('button', { name: 'SVG' }), 1);
  const mat = readFileSync((await matDl.path())!, 'utf8');
  expect(mat.match(/class="cell"/g)).toHaveLength(16); // 4 x 4 images
});

test('export of all channels and times equals the engine in Node on the same pixels', async () => {
  await openWithImages();
  const { npy, sidecar, npyName } = await exportBoth(page);
  expect(npyName).toMatch(/^insilico-eeg_demo_4x4x63x140_/);
  expect(npy.shape).toEqual([4, 4, 63, 140]);
  const blocks = await Promise.all(fx.images.map((f) => refFor(f)));
  const want = sliceRef(blocks, [...Array(63).keys()], [...Array(140).keys()]);
  const m = maxErr(npy.data, want);
  expect(m.ref).toBeGreaterThan(0);
  expect(m.err).toBeLessThanOrEqual(1e-4 * m.ref);

  expect(sidecar.model_id).toBe('eeg-things_eeg_2-alexnet_untrained');
  expect(sidecar.subject).toBe('demo');
  expect(sidecar.synthetic).toBe(true);
  expect(String(sidecar.synthetic_notice)).toContain('synthetic demo weights, not fitted to EEG');
  expect(sidecar.shape).toEqual([4, 4, 63, 140]);
  expect(sidecar.dtype).toBe('float32');
  expect(sidecar.order).toBe('C');
  expect(sidecar.ch_names).toEqual(chNames);
  expect(sidecar.times).toHaveLength(140);
  expect(sidecar.times[0]).toBeCloseTo(-0.1, 9);
  expect(sidecar.times[139]).toBeCloseTo(0.595, 9);
  expect(sidecar.backend).toBe('wasm');
  expect(sidecar.weights_sha256).toBeUndefined();
  expect(sidecar.synthetic_weights).toEqual({ generator: 'erp-templates/1', seed: 20240607 });
  expect(typeof sidecar.version).toBe('string');
  expect(Date.parse(String(sidecar.created))).not.toBeNaN();
  expect(sidecar.images.map((i) => i.name)).toEqual(fx.images.map((i) => i.name));
  expect(sidecar.images.map((i) => [i.width, i.height])).toEqual(fx.images.map((i) => [i.width, i.height]));
  expect(sidecar.images.map((i) => i.square_mode)).toEqual(['none', 'crop', 'crop', 'none']);
});

test('channel and time selections re-slice the plots without re-encoding; the export follows them', async () => {
  await openWithImages();
  const requests = await encodeRequests(page);
  const tc = page.getByTestId('timecourse');
  const topo = page.getByTestId('topomap');
  await page.getByTestId('channel-view').selectOption('mean');
  const sum0 = await tc.getAttribute('data-values-sum');

  // Presets, a click on the scalp map, and a box drag.
  await page.locator('[data-preset=occipital]').click();
  await expect(page.getByTestId('channel-picker')).toHaveAttribute('data-selected-count', '8');
  await expect(tc).not.toHaveAttribute('data-values-sum', sum0!);
  await page.locator('.scalp [data-channel=Cz]').click();
  await expect(page.getByTestId('channel-picker')).toHaveAttribute('data-selected-count', '9');
  await page.locator('.scalp [data-channel=Cz]').click();
  await expect(page.getByTestId('channel-picker')).toHaveAttribute('data-selected-count', '8');
  // Clicking a sensor on the topomap toggles it too.
  await page.locator('[data-preset=all]').click();
  await expect(page.getByTestId('channel-picker')).toHaveAttribute('data-selected-count', '63');
  const svg = await page.locator('.scalp').boundingBox();
  await page.mouse.move(svg!.x + svg!.width * 0.2, svg!.y + svg!.height * 0.62);
  await page.mouse.down();
  await page.mouse.move(svg!.x + svg!.width * 0.8, svg!.y + svg!.height * 0.78, { steps: 6 });
  await page.mouse.up();
  const boxed = Number(await page.getByTestId('channel-picker').getAttribute('data-selected-count'));
  expect(boxed).toBeGreaterThan(3);
  expect(boxed).toBeLessThan(40);
  await page.locator('[data-preset=occipital]').click();

  // Time window 0..300 ms (61 samples) through the number fields; the cursor through its slider.
  const topoSum = await topo.getAttribute('data-values-sum');
  await page.getByLabel('Window start (ms)').fill('0');
  await page.getByLabel('Window start (ms)').press('Enter');
  await page.getByLabel('Window end (ms)').fill('300');
  await page.getByLabel('Window end (ms)').press('Enter');
  await expect(page.getByTestId('time-picker')).toHaveAttribute('data-count', '61');
  await page.getByTestId('cursor').fill('54'); // 170 ms
  await expect(page.getByTestId('time-picker')).toHaveAttribute('data-cursor-ms', '170');
  await expect(topo).not.toHaveAttribute('data-values-sum', topoSum!);
  await expect(topo).toContainText('170 ms');
  await page.getByTestId('topo-window').click();
  await expect(topo).toContainText('mean over 0…300 ms');

  // Everything above only re-sliced cached responses.
  expect(await encodeRequests(page)).toBe(requests);
  const ms = Number(await tc.getAttribute('data-compute-ms'));
  console.log(`time-course re-slice: ${ms} ms; topomap: ${await topo.getAttribute('data-compute-ms')} ms`);
  expect(ms).toBeLessThan(16);
  await fullPageShot(page, screenshotPath('03-occipital-selection.png'));

  const { npy, sidecar } = await exportBoth(page);
  const occipital = ['O1', 'Oz', 'O2', 'PO7', 'PO3', 'POz', 'PO4', 'PO8'];
  expect(sidecar.ch_names).toEqual(occipital);
  const chIdx = occipital.map((n) => chNames.indexOf(n));
  const tIdx = Array.from({ length: 61 }, (_, i) => 20 + i);
  expect(npy.shape).toEqual([4, 4, 8, 61]);
  expect(sidecar.times[0]).toBeCloseTo(0, 9);
  expect(sidecar.times[60]).toBeCloseTo(0.3, 9);
  expect((sidecar.selection as { timepoints: string }).timepoints).toBe('0'.repeat(20) + '1'.repeat(61) + '0'.repeat(59));
  const want = sliceRef(await Promise.all(fx.images.map((f) => refFor(f))), chIdx, tIdx);
  const m = maxErr(npy.data, want);
  expect(m.err).toBeLessThanOrEqual(1e-4 * m.ref);
  expect(await encodeRequests(page)).toBe(requests);
});

test('brushing the time course sets the window', async () => {
  await openWithImages();
  await page.getByRole('button', { name: 'All', exact: true }).click();
  await expect(page.getByTestId('time-picker')).toHaveAttribute('data-count', '140');
  // the plot area inside the canvas (CSS px), where a drag over 30 % of the 700 ms is ~ 42 samples
  const plot = page.getByTestId('timecourse').locator('.line-plot');
  const canvas = (await plot.locator('canvas').boundingBox())!;
  const [l, t, r, b] = (await plot.getAttribute('data-plot-box'))!.split(',').map(Number);
  const box = { x: canvas.x + l, y: canvas.y + t, width: r - l, height: b - t };
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.5, { steps: 8 });
  await page.mouse.up();
  await expect.poll(async () => Number(await page.getByTestId('time-picker').getAttribute('data-count'))).toBeLessThan(50);
  expect(Number(await page.getByTestId('time-picker').getAttribute('data-count'))).toBeGreaterThan(30);
});

test('topomap: playback moves the cursor, GFP-peak small multiples, lasso selection', async () => {
  await openWithImages();
  // The occipital channels selected, as the selections test leaves them (the Cz click below adds one).
  await page.locator('[data-preset=occipital]').click();
  await expect(page.getByTestId('channel-picker')).toHaveAttribute('data-selected-count', '8');
  const requests = await encodeRequests(page);
  await page.getByRole('button', { name: 'All', exact: true }).click();
  const picker = page.getByTestId('time-picker');
  const before = Number(await picker.getAttribute('data-cursor-ms'));
  await page.getByTestId('play').click();
  await expect.poll(async () => Number(await picker.getAttribute('data-cursor-ms'))).not.toBe(before);
  await page.getByTestId('play').click();
  const topo = page.getByTestId('topomap');
  await topo.getByRole('button', { name: 'GFP peaks' }).click();
  await expect.poll(async () => Number(await topo.locator('.canvas-plot').getAttribute('data-panels'))).toBeGreaterThan(1);
  await expect(topo).toContainText(/GFP peaks? ≥ 50 % of the window's largest GFP/);
  await topo.getByRole('button', { name: 'At times' }).click();
  await topo.getByLabel('Times (ms)').fill('100, 170');
  await topo.getByLabel('Times (ms)').press('Enter');
  await expect(topo.locator('.canvas-plot')).toHaveAttribute('data-panels', '2');
  await expect(topo).toContainText('170 ms');
  await page.screenshot({ path: screenshotPath('06-small-multiples.png'), fullPage: false });
  await topo.getByRole('button', { name: 'At cursor' }).click();
  await expect(topo.locator('.canvas-plot')).toHaveAttribute('data-panels', '1');

  // Clicking a sensor dot on the topomap toggles that channel.
  const channelCount = async () => Number(await page.getByTestId('channel-picker').getAttribute('data-selected-count'));
  const n0 = await channelCount();
  const cz = (await topomapLayout()).sensorAt('Cz');
  await page.mouse.click(...cz);
  await expect.poll(channelCount).toBe(n0 + 1);
  await expect(page.locator('.scalp .sensor.on[data-channel=Cz]')).toHaveCount(1);
  await page.mouse.click(...cz);
  await expect.poll(channelCount).toBe(n0);

  // Lasso around the back of the head.
  const channels = page.getByTestId('channel-picker');
  await channels.getByRole('button', { name: 'Lasso' }).click();
  const svg = (await page.locator('.scalp').boundingBox())!;
  const pt = (fx: number, fy: number) => [svg.x + svg.width * fx, svg.y + svg.height * fy] as const;
  const path = [pt(0.25, 0.7), pt(0.5, 0.62), pt(0.75, 0.7), pt(0.7, 0.92), pt(0.3, 0.92), pt(0.25, 0.7)];
  await page.mouse.move(...path[0]);
  await page.mouse.down();
  for (const p of path.slice(1)) await page.mouse.move(...p, { steps: 4 });
  await page.mouse.up();
  const n = Number(await channels.getAttribute('data-selected-count'));
  expect(n).toBeGreaterThan(4);
  expect(n).toBeLessThan(30);
  await expect(channels.locator('.sensor.on[data-channel=Oz]')).toHaveCount(1);
  await expect(channels.locator('.sensor.on[data-channel=Fz], .sensor.on[data-channel=Cz]')).toHaveCount(0);
  await channels.getByRole('button', { name: 'Box' }).click();
  expect(await encodeRequests(page)).toBe(requests);
});

test('conditions: means, difference wave and its topomap; dissimilarity matrix', async () => {
  await openWithImages();
  await page.getByRole('button', { name: 'All', exact: true }).click();
  for (const c of ['faces', 'houses']) {
    await page.getByTestId('condition-name').fill(c);
    await page.getByTestId('add-condition').click();
  }
  const cond = page.getByTestId('conditions');
  await cond.getByLabel('File name contains').fill('face');
  await cond.getByLabel('Assign to').selectOption('faces');
  await cond.getByRole('button', { name: 'Assign' }).click();
  await cond.getByLabel('File name contains').fill('house');
  await cond.getByLabel('Assign to').selectOption('houses');
  await cond.getByRole('button', { name: 'Assign' }).click();
  await expect(cond).toContainText('faces · 2 images');
  await expect(cond).toContainText('houses · 2 images');
  await expect(cond.locator('.line-plot canvas')).toHaveCount(1); // the condition means
  await expect(cond.locator('.topomap-view canvas')).toHaveCount(1); // the difference map
  await expect(cond).toContainText('faces − houses');
  await page.getByTestId('topomap').getByLabel('Map of').selectOption('diff');
  await expect(page.getByTestId('topomap')).toContainText('faces − houses');
  await page.getByTestId('rdm').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('rdm').locator('.matrix-view canvas')).toHaveCount(1);
  await expect(page.getByTestId('rdm').locator('.line-plot canvas')).toHaveCount(1);
  await page.getByTestId('cursor').fill('54');
  await page.getByTestId('conditions').scrollIntoViewIfNeeded();
  await fullPageShot(page, screenshotPath('04-conditions-rdm.png'));
  await page.getByTestId('topomap').getByLabel('Map of').selectOption('all');

  // A condition named with markup is shown as text in the legend, never as a live link or bold.
  const hostile = '<a href="https://example.com/">x</a><b>B</b>';
  await page.getByTestId('condition-name').fill(hostile);
  await page.getByTestId('add-condition').click();
  await cond.getByLabel('File name contains').fill('house');
  await cond.getByLabel('Assign to').selectOption(hostile);
  await cond.getByRole('button', { name: 'Assign' }).click();
  // the legend is painted as text; its names are also the plot's accessible label, again as text
  const plot = cond.locator('.line-plot');
  await expect(plot.locator('.sr-only')).toContainText(hostile);
  await expect(plot.locator('a, b')).toHaveCount(0);
  await cond.getByRole('button', { name: `Delete condition ${hostile}` }).click();
});

test('reorder and pad: the export follows the gallery; padding re-encodes only the changed images', async () => {
  await openWithImages();
  await page.locator('[data-preset=all]').click();
  await page.getByRole('button', { name: 'All', exact: true }).click();
  // Move the first image down one place: order becomes 2, 1, 3, 4.
  await page.getByTestId('thumb').first().getByRole('button', { name: 'Move down' }).click();
  await expect(page.getByTestId('thumb').first()).toHaveAttribute('data-name', fx.images[1].name);
  const sent = await imagesSent(page);
  await page.getByTestId('global-mode').selectOption('pad-black');
  await expect(page.getByTestId('square-notice')).toHaveText(['padded to 320×320 with black', 'padded to 300×300 with black']);
  // The padded images are decoded one by one, and each may start an encode of its own: 'done'
  // can show between the two, so wait for both to be sent before waiting for the end.
  await expect.poll(() => imagesSent(page)).toBe(sent + 2);
  await waitForState(page, 'done');
  const { npy, sidecar } = await exportBoth(page);
  const order = [fx.images[1], fx.images[0], fx.images[2], fx.images[3]];
  expect(sidecar.images.map((i) => i.name)).toEqual(order.map((f) => f.name));
  expect(sidecar.images.map((i) => i.square_mode)).toEqual(['pad-black', 'none', 'pad-black', 'none']);
  expect(sidecar.images.map((i) => i.square_size)).toEqual([320, 256, 300, 224]);
  const blocks = await Promise.all(order.map((f) => refFor(f, f.width === f.height ? 'crop' : 'pad-black')));
  const m = maxErr(npy.data, sliceRef(blocks, [...Array(63).keys()], [...Array(140).keys()]));
  expect(m.err).toBeLessThanOrEqual(1e-4 * m.ref);
  // Back to cropping: those responses are cached, nothing is encoded again.
  const requests = await encodeRequests(page);
  await page.getByTestId('global-mode').selectOption('crop');
  await expect(page.getByTestId('square-notice')).toHaveText(['centre-cropped to 240×240', 'centre-cropped to 200×200']);
  await waitForState(page, 'done');
  expect(await encodeRequests(page)).toBe(requests);
  expect(await imagesSent(page)).toBe(sent + 2);
});

test('paste and drop add images after the others; remove takes one out', async () => {
  await openWithImages();
  const bytes = [...readFileSync(fx.images[3].path)];
  await page.evaluate((b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], 'pasted.png', { type: 'image/png' }));
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true }));
  }, bytes);
  const dt = await page.evaluateHandle((b) => {
    const d = new DataTransfer();
    d.items.add(new File([new Uint8Array(b)], 'dropped.png', { type: 'image/png' }));
    return d;
  }, bytes);
  await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer: dt });
  await expect(page.getByTestId('thumb')).toHaveCount(6);
  await waitForState(page, 'done');
  const names = await page.getByTestId('thumb').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
  expect(names.slice(4)).toEqual(['pasted.png', 'dropped.png']);
  await page.getByTestId('thumb').nth(4).getByTestId('remove-image').click();
  await expect(page.getByTestId('thumb')).toHaveCount(5);
  await expect(page.getByTestId('export-shape')).toContainText('[5, 4, 63, 140]');
});

test('the address carries the view: a link opens it, changes follow into the address, a reload keeps it', async ({ page: own }) => {
  page = own;
  await page.goto('/?backend=wasm&ch=Oz,Cz,Oz&t=80-130,200-250&at=120&chview=mean&interp=v4');
  await waitForState(page, 'idle');
  const channels = page.getByTestId('channel-picker');
  const time = page.getByTestId('time-picker');
  await expect(channels).toHaveAttribute('data-selected-count', '2'); // the page's selection is a set
  await expect(time).toHaveAttribute('data-count', String(11 + 11));
  await expect(time).toHaveAttribute('data-cursor-ms', '120');
  await expect(page.locator('#root')).toContainText(/v4/);
  // a channel preset changes the selection: the address follows (without a history entry)
  const before = await page.evaluate(() => history.length);
  await channels.locator('[data-preset=occipital]').click();
  await expect.poll(() => new URL(page.url()).searchParams.get('ch')).not.toBe('Oz,Cz');
  const ch = new URL(page.url()).searchParams.get('ch')!;
  expect(ch.split(',').every((n) => /^(O|PO|I)/.test(n))).toBe(true);
  expect(await page.evaluate(() => history.length)).toBe(before);
  expect(new URL(page.url()).searchParams.get('backend')).toBe('wasm');
  // a reload shows the same view
  await page.reload();
  await waitForState(page, 'idle');
  await expect(channels).toHaveAttribute('data-selected-count', String(ch.split(',').length));
  await expect(time).toHaveAttribute('data-cursor-ms', '120');
  await expect(time).toHaveAttribute('data-count', '22');
  // what the page cannot use is left out, not guessed: the stored session's view stays, and the
  // address is written from it (the view the reload took from the address is stored half a
  // second after it was restored)
  await page.waitForTimeout(1200);
  await page.goto('/?backend=wasm&ch=Oz,NOPE&t=81-130&at=7');
  await waitForState(page, 'idle');
  await expect(channels).toHaveAttribute('data-selected-count', String(ch.split(',').length));
  await expect(time).toHaveAttribute('data-count', '22');
  await expect.poll(() => new URL(page.url()).searchParams.get('at')).toBe('120');
  expect(new URL(page.url()).searchParams.get('ch')).toBe(ch);
});
