// The Lab end to end on the demo subject (wasm): a live preview equal to the manipulation in
// Node, a contrast sweep over three generated images whose derived stimuli are encoded and give
// a tuning curve, a ranking of every image (and a condition from its top k), and the exported
// stimuli, re-encoded by the CLI, equal to the page's export of the responses.
import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { parseNpy } from '../src/io/npy.ts';
import { applyManipulation } from '../src/lab/manipulations.ts';
import { COMPONENT_PRESETS, measureImages, rankImages } from '../src/lab/measures.ts';
import { tuningCurve } from '../src/lab/sweep.ts';
import { chooseImage, clickForDownloads, maxErr, sidecarSchemaErrors, waitForState } from './helpers.ts';
import { parseNpyF32 } from './reference.ts';

test.describe.configure({ mode: 'serial' });

const S = 64;
let page: Page;
let dir: string;
const sources: { name: string; path: string; chw: Uint8Array }[] = [];
const RMS = [0.02, 0.12, 0.22];

/** A seeded 64 px scene: gradient background, a disk and bars of a given colour and contrast. */
function scene(seed: number, fg: [number, number, number]): Uint8Array {
  const rgba = new Uint8Array(S * S * 4);
  let s = seed >>> 0;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++) {
      const i = 4 * (y * S + x);
      const inDisk = (x - 32 - seed * 3) ** 2 + (y - 30) ** 2 < 15 ** 2;
      const bar = Math.floor(x / (4 + seed)) % 2 === 0 && y > 48;
      for (let c = 0; c < 3; c++) rgba[i + c] = inDisk || bar ? fg[c] : Math.round(60 + (y * 120) / S + rand() * 30);
      rgba[i + 3] = 255;
    }
  return rgba;
}

function toChw(rgba: Uint8Array): Uint8Array {
  const P = S * S;
  const out = new Uint8Array(3 * P);
  for (let p = 0; p < P; p++) for (let c = 0; c < 3; c++) out[c * P + p] = rgba[4 * p + c];
  return out;
}

test.beforeAll(async ({ browser }, info) => {
  dir = info.outputPath('lab');
  mkdirSync(dir, { recursive: true });
  const colours: [number, number, number][] = [
    [240, 200, 60],
    [30, 60, 200],
    [200, 40, 40],
  ];
  colours.forEach((fg, k) => {
    const rgba = scene(k + 1, fg);
    const png = new PNG({ width: S, height: S });
    png.data = Buffer.from(rgba);
    const name = `scene_${k + 1}.png`;
    const path = join(dir, name);
    writeFileSync(path, PNG.sync.write(png, { colorType: 6 }));
    sources.push({ name, path, chw: toChw(rgba) });
  });
  page = await browser.newPage({ viewport: { width: 1680, height: 1050 } });
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
});
test.afterAll(async () => {
  await page?.close();
});

/** The responses' export (.npy and its sidecar, in whichever order they download). */
async function exportResponses() {
  const dls = await clickForDownloads(page, page.getByTestId('export-npy'), 2);
  const npyDl = dls.find((d) => d.suggestedFilename().endsWith('.npy'))!;
  const jsonDl = dls.find((d) => d.suggestedFilename() === `${npyDl.suggestedFilename()}.json`)!;
  const npy = parseNpyF32(readFileSync((await npyDl.path())!));
  const sidecar = JSON.parse(readFileSync((await jsonDl.path())!, 'utf8')) as { times: number[]; ch_names: string[]; images: { name: string; condition?: string }[] };
  expect(sidecarSchemaErrors(sidecar)).toEqual([]);
  return { npy, sidecar };
}

/** Types a number into a field and applies it (the fields apply on Enter or blur). */
async function setNumber(testId: string, v: number) {
  const f = page.getByTestId(testId);
  await f.fill(String(v));
  await f.press('Enter');
}

test('preview: the worker shows exactly the manipulation computed in Node', async () => {
  await page.goto('/?backend=wasm');
  await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles(sources.map((s) => s.path));
  await waitForState(page, 'done');
  const lab = page.getByTestId('lab-panel');
  await lab.scrollIntoViewIfNeeded();
  await page.getByTestId('lab-kind').selectOption('contrast');
  await setNumber('lab-param-rms', 0.15);
  await expect(page.getByTestId('lab-preview-ms')).toContainText('rms=0.15');
  await expect(page.getByTestId('lab-preview-ms')).toContainText('ms in the worker');
  const pixels = await page.getByTestId('lab-preview').evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
  const want = applyManipulation({ data: sources[0].chw, size: S }, { kind: 'contrast', rms: 0.15 }).data;
  const P = S * S;
  let diff = 0;
  for (let p = 0; p < P; p++) for (let c = 0; c < 3; c++) diff = Math.max(diff, Math.abs(pixels[4 * p + c] - want[c * P + p]));
  expect(pixels.length).toBe(4 * P);
  expect(diff).toBe(0);
});

test('a contrast sweep gives a tuning curve, a ranking and a condition from the top k; exported stimuli re-encode to the page responses', async () => {
  await page.getByTestId('lab-sweep-param').selectOption('rms');
  await setNumber('lab-sweep-from', RMS[0]);
  await setNumber('lab-sweep-to', RMS[2]);
  await setNumber('lab-sweep-steps', RMS.length);
  await page.getByTestId('lab-sweep-scale').selectOption('linear');
  // the source images: one checkbox each, drawn once the list is opened
  const lab = page.getByTestId('lab-panel');
  await expect(lab.getByTestId('lab-sources')).toHaveCount(0);
  await lab.getByText('Source images: 3 of 3').click();
  const boxes = lab.getByTestId('lab-sources').getByRole('checkbox');
  await expect(boxes).toHaveCount(3);
  await boxes.nth(2).uncheck();
  await expect(lab.getByText('Source images: 2 of 3')).toBeVisible();
  await expect(page.getByTestId('lab-sweep-run')).toHaveText('Generate 6 stimuli');
  await boxes.nth(2).check();
  await expect(page.getByTestId('lab-sweep-run')).toHaveText('Generate 9 stimuli');
  await page.getByTestId('lab-sweep-run').click();
  await expect(page.getByTestId('lab-sweep-status')).toHaveAttribute('data-state', 'done');
  await expect(page.getByTestId('lab-sweep-status')).toContainText('9 stimuli added');
  await waitForState(page, 'done');
  const tuning = page.getByTestId('lab-tuning');
  await expect(tuning).toHaveAttribute('data-encoded', '9');
  await expect(tuning).toHaveAttribute('data-points', '3');
  await expect(tuning).toHaveAttribute('data-values', RMS.join(','));
  await expect(tuning.locator('.js-plotly-plot')).toBeVisible();

  // the page's responses of all 12 images (3 sources, then their 9 derived stimuli)
  const { npy, sidecar } = await exportResponses();
  expect(npy.shape).toEqual([12, 4, 63, 140]);
  const names = sidecar.images.map((i) => i.name);
  expect(names.slice(0, 3)).toEqual(sources.map((s) => s.name));
  expect(names.slice(3)).toEqual(sources.flatMap((s) => RMS.map((v) => `${s.name.replace('.png', '')}_contrast-rms=${v}.png`)));
  const blocks = Array.from({ length: 12 }, (_, i) => npy.data.subarray(i * 35280, (i + 1) * 35280));
  const d = { R: 4, C: 63, T: 140 };
  const times = sidecar.times;
  const p1 = COMPONENT_PRESETS[0];
  const scores = measureImages(blocks, d, sidecar.ch_names, times, { kind: 'mean', channels: p1.channels, tmin: p1.tmin, tmax: p1.tmax });

  // tuning curve: P1 mean amplitude against RMS contrast, mean across the three sources
  const derivedValues = sources.flatMap(() => RMS);
  const curve = tuningCurve(derivedValues, Array.from(scores.subarray(3)));
  const shown = (await tuning.getAttribute('data-means'))!.split(',').map(Number);
  curve.forEach((p, i) => expect(Math.abs(shown[i] - p.mean)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(p.mean))));
  // contrast changes the response: the curve is not flat
  expect(Math.abs(curve[2].mean - curve[0].mean)).toBeGreaterThan(0);

  // ranking of all 12 images by the same measure
  const ranking = page.getByTestId('lab-ranking');
  await expect(ranking).toHaveAttribute('data-n', '12');
  const order = rankImages(scores, 2).order.map((i) => names[i]);
  expect((await ranking.getAttribute('data-order'))!.split('|')).toEqual(order);
  await setNumber('lab-rank-k', 2);
  await expect(page.getByTestId('lab-rank-top').locator('li')).toHaveCount(2);
  await expect(page.getByTestId('lab-rank-bottom').locator('li')).toHaveCount(2);
  expect(await page.getByTestId('lab-rank-top').locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))).toEqual(order.slice(0, 2));
  await expect(page.getByTestId('lab-histogram').locator('.js-plotly-plot')).toBeVisible();
  await page.getByTestId('lab-condition-name').fill('strong P1');
  await page.getByTestId('lab-condition-top').click();
  const after = await exportResponses();
  const inCond = after.sidecar.images.filter((i) => i.condition === 'strong P1').map((i) => i.name);
  expect(inCond.sort()).toEqual(order.slice(0, 2).sort());

  await page.getByTestId('lab-panel').screenshot({ path: join(dir, 'lab-panel.png') });

  // similarity ranking: each image is most similar to itself
  await page.getByTestId('lab-rank-by').selectOption('topography-similarity');
  const target = names[4];
  await chooseImage(page, 'lab-rank-target', 5, target);
  await expect(page.getByTestId('lab-rank-top').locator('li').first()).toHaveAttribute('data-name', target);

  // the measures' CSV: each image's P1 mean as computed here from the exported responses
  const [csvDl] = await clickForDownloads(page, page.getByTestId('lab-csv'), 1);
  const csv = readFileSync((await csvDl.path())!, 'utf8').trim().split('\n').map(csvCells);
  const col = csv[0].findIndex((h) => h.startsWith('P1 ') && h.endsWith(' mean (a.u.)'));
  expect(col).toBeGreaterThan(0);
  expect(csv.slice(1).map((r) => r[1])).toEqual(names);
  csv.slice(1).forEach((r, i) => expect(Math.abs(Number(r[col]) - scores[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(scores[i]))));

  // the stimuli exactly as encoded, re-encoded by the CLI
  const stimDls = await clickForDownloads(page, page.getByTestId('lab-export-stimuli'), 2);
  const stimNpy = stimDls.find((d) => d.suggestedFilename().endsWith('.npy'))!;
  const stimJson = stimDls.find((d) => d.suggestedFilename().endsWith('.npy.json'))!;
  expect(stimJson.suggestedFilename()).toBe(`${stimNpy.suggestedFilename()}.json`);
  expect(stimNpy.suggestedFilename()).toMatch(/^insilico-eeg_stimuli_12x3x64x64_.*\.npy$/);
  const stimPath = join(dir, stimNpy.suggestedFilename());
  writeFileSync(stimPath, readFileSync((await stimNpy.path())!));
  const stim = parseNpy(new Uint8Array(readFileSync(stimPath)));
  expect(stim.shape).toEqual([12, 3, S, S]);
  const meta = JSON.parse(readFileSync((await stimJson.path())!, 'utf8'));
  expect(meta.images.map((i: { name: string }) => i.name)).toEqual(names);
  expect(meta.images[4]).toMatchObject({ source: sources[0].name, param: 'rms', value: RMS[1], manipulations: [{ kind: 'contrast', rms: RMS[1] }] });
  // the derived pixels are the manipulation of the source pixels, bit for bit
  const px = stim.data as Uint8Array;
  const P = 3 * S * S;
  sources.forEach((src, si) => {
    expect(Array.from(px.subarray(si * P, (si + 1) * P))).toEqual(Array.from(src.chw));
    RMS.forEach((rms, k) => {
      const want = applyManipulation({ data: src.chw, size: S }, { kind: 'contrast', rms }).data;
      const i = 3 + si * RMS.length + k;
      expect(maxErr(px.subarray(i * P, (i + 1) * P), want).err).toBe(0);
    });
  });
  const outPath = join(dir, 'cli.npy');
  execFileSync('node', ['bin/insilico-eeg.mjs', 'encode', '--model', 'public/models/eeg-things_eeg_2-alexnet_untrained/demo', '--images', stimPath, '--out', outPath, '--device', 'wasm', '--quiet'], { stdio: 'pipe', timeout: 180_000 });
  const cli = parseNpyF32(readFileSync(outPath));
  expect(cli.shape).toEqual([12, 4, 63, 140]);
  const m = maxErr(cli.data, npy.data);
  expect(m.ref).toBeGreaterThan(0);
  expect(m.err).toBeLessThanOrEqual(1e-4 * m.ref);
});

test('number fields apply typed values on Enter and refuse bad ones with a message', async ({ browser }) => {
  const p = await browser.newPage({ viewport: { width: 1680, height: 1050 } });
  await p.goto('/?backend=wasm');
  await p.getByTestId('dropzone').locator('input[type=file]').setInputFiles([sources[0].path]);
  await waitForState(p, 'done');
  const lab = p.getByTestId('lab-panel');
  await lab.getByTestId('lab-kind').selectOption('contrast');
  const rms = lab.getByTestId('lab-param-rms');
  await rms.fill('0.15');
  await rms.press('Enter');
  await expect(lab.getByTestId('lab-preview-ms')).toContainText('rms=0.15');
  for (const [text, why] of [
    ['abc', '“abc” is not a number'],
    ['', 'enter a number'],
  ]) {
    await rms.fill(text);
    await rms.press('Enter');
    await expect(rms).toHaveAttribute('aria-invalid', 'true');
    await expect(lab.getByRole('alert')).toHaveText(`RMS contrast (SD of luminance / 255): ${why}`);
    await expect(lab.getByTestId('lab-preview-ms')).toContainText('rms=0.15');
    await rms.press('Escape');
    await expect(rms).toHaveValue('0.15');
  }
  const steps = lab.getByTestId('lab-sweep-steps');
  const before = await steps.inputValue();
  for (const [text, why] of [
    ['2.5', 'must be a whole number'],
    ['101', 'must be within 1…100'],
  ]) {
    await steps.fill(text);
    await steps.press('Enter');
    await expect(lab.getByRole('alert')).toHaveText(`steps: ${why}`);
    await steps.press('Escape');
    await expect(steps).toHaveValue(before);
  }
  await steps.fill('4');
  await steps.press('Enter');
  await expect(lab.getByRole('alert')).toHaveCount(0);
  await expect(steps).toHaveValue('4');
  await p.close();
});

/** One CSV line's cells (RFC 4180 quoting). */
function csvCells(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') out.push(cell), (cell = '');
    else cell += c;
  }
  out.push(cell);
  return out;
}
