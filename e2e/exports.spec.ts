// The reduced exports through the page: a folder of 30 images (three subfolders as conditions,
// three loose images without one), a channel and time selection, then the full export, the
// repetition mean and the condition means downloaded; numpy (Debian's /usr/bin/python3) takes the
// means of the full export and compares them with the page's files, and every sidecar is valid.
import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { clickForDownloads, sidecarSchemaErrors, waitForState } from './helpers.ts';

test.setTimeout(600_000);

function png(seed: number, size = 40): Buffer {
  const p = new PNG({ width: size, height: size });
  let s = (seed * 2654435761) >>> 0;
  const r = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 255;
  for (let i = 0; i < size * size; i++) {
    const v = r();
    p.data[i * 4] = v;
    p.data[i * 4 + 1] = (v + seed * 37) % 256;
    p.data[i * 4 + 2] = 255 - v;
    p.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(p);
}

/** set/{faces,houses,tools}/<x>NN.png (9 each) and set/loose-N.png (3, no condition). */
function writeSet(root: string) {
  ['faces', 'houses', 'tools'].forEach((c, g) => {
    mkdirSync(join(root, 'set', c), { recursive: true });
    for (let k = 0; k < 9; k++) writeFileSync(join(root, 'set', c, `${c[0]}${k}.png`), png(g * 50 + k + 1));
  });
  for (let k = 0; k < 3; k++) writeFileSync(join(root, 'set', `loose-${k}.png`), png(900 + k));
}

/** One export button's .npy and sidecar, saved to `dir`; returns the .npy's path and the sidecar. */
async function download(page: Page, testId: string, dir: string) {
  const dls = await clickForDownloads(page, page.getByTestId(testId), 2);
  const npy = dls.find((d) => d.suggestedFilename().endsWith('.npy'))!;
  const json = dls.find((d) => d.suggestedFilename() === `${npy.suggestedFilename()}.json`)!;
  const path = join(dir, npy.suggestedFilename());
  await npy.saveAs(path);
  await json.saveAs(`${path}.json`);
  const sidecar = JSON.parse(readFileSync(`${path}.json`, 'utf8'));
  expect(sidecarSchemaErrors(sidecar)).toEqual([]);
  return { path, sidecar };
}

test('repetition mean and condition means download with their sidecars and equal numpy means of the full export', async ({ page }, info) => {
  const root = info.outputPath('in');
  writeSet(root);
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto('/?backend=wasm');
  await waitForState(page, 'idle');
  await page.getByTestId('folder-input').setInputFiles(join(root, 'set'));
  await expect(page.getByTestId('gallery')).toHaveAttribute('data-count', '30');
  await waitForState(page, 'done');
  // 8 occipital channels, 0..300 ms: the reduced files follow the same selection
  await page.locator('[data-preset=occipital]').click();
  await page.getByLabel('Window start (ms)').fill('0');
  await page.getByLabel('Window start (ms)').press('Enter');
  await page.getByLabel('Window end (ms)').fill('300');
  await page.getByLabel('Window end (ms)').press('Enter');
  await expect(page.getByTestId('time-picker')).toHaveAttribute('data-count', '61');

  const out = info.outputPath('out');
  mkdirSync(out, { recursive: true });
  const full = await download(page, 'export-npy', out);
  const rep = await download(page, 'export-repetition-mean', out);
  const cond = await download(page, 'export-condition-mean', out);
  expect(full.sidecar.shape).toEqual([30, 4, 8, 61]);
  expect(rep.sidecar.shape).toEqual([30, 8, 61]);
  expect(rep.sidecar.dims).toEqual(['image', 'channel', 'time']);
  expect(rep.sidecar.ch_names).toEqual(full.sidecar.ch_names);
  expect(rep.sidecar.times).toEqual(full.sidecar.times);
  expect(rep.sidecar.reduction).toMatchObject({ kind: 'repetition_mean', averaged: ['repetition'], source_shape: [30, 4, 8, 61] });
  expect(cond.sidecar.shape).toEqual([3, 4, 8, 61]);
  expect(cond.sidecar.dims).toEqual(['condition', 'repetition', 'channel', 'time']);
  expect(cond.sidecar.reduction.conditions.map((c: { name: string }) => c.name).sort()).toEqual(['faces', 'houses', 'tools']);
  expect(cond.sidecar.reduction.conditions.map((c: { n_images: number }) => c.n_images)).toEqual([9, 9, 9]);
  expect(cond.sidecar.images).toHaveLength(27);
  expect(cond.sidecar.synthetic).toBe(true);

  const check = JSON.parse(execFileSync('/usr/bin/python3', ['tools/reference/check_reduced_exports.py', full.path, rep.path, cond.path], { encoding: 'utf8' }));
  console.log(`[exports] numpy check: ${JSON.stringify(check)}`);
  expect(check.repetition_mean).toMatchObject({ shape: [30, 8, 61], dtype: 'float32', equal: true });
  expect(check.condition_mean).toMatchObject({ shape: [3, 4, 8, 61], dtype: 'float32', equal: true, counts: [9, 9, 9] });
  expect(check.repetition_mean.scale).toBeGreaterThan(0);
});
