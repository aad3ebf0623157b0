// Subject means with no download: three seeded synthetic demo subjects encode the same small
// images; the views show their mean with the between-subject spread, and the exports (per subject
// [S, B, 4, C, T] and the mean [B, 4, C, T]) say which, list the subjects as synthetic, and agree
// with the views. numpy reads the per-subject file as it is.
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { MODEL_ID } from '../src/engine/index.ts';
import { writeFixtures } from './fixtures.ts';
import { exportBoth, screenshotPath, waitForState } from './helpers.ts';

const PATHS = ['demo', 'demo-2', 'demo-3'].map((s) => `${MODEL_ID}/${s}/`);

test('three demo subjects: the mean view and its between-subject spread, equal to the mean of the per-subject export', async ({ page }, info) => {
  test.setTimeout(420_000);
  await page.goto('/?backend=wasm');
  await waitForState(page, 'idle');
  const { images } = writeFixtures(info.outputPath('img'));
  await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles([images[0].path, images[3].path]);
  await waitForState(page, 'done');

  const panel = page.getByTestId('subjects');
  for (const p of PATHS) await panel.locator(`input[value="${p}"]`).check();
  await page.getByTestId('subjects-encode').click();
  await expect(page.getByTestId('subjects-status')).toHaveText(/Encoded for 3 subjects/, { timeout: 300_000 });
  await expect(page.getByTestId('subject-select')).toHaveValue(PATHS[0]); // back on the subject loaded before
  await expect(page.getByTestId('subject-view')).toHaveValue('mean');
  await expect(panel).toHaveAttribute('data-mean', '3');
  await expect(page.getByTestId('subjects-note')).toContainText('all synthetic: synthetic demo weights, not fitted to EEG');
  await expect(page.getByTestId('synthetic-banner')).toBeVisible();
  await expect(page.getByTestId('timecourse-caption')).toContainText('mean over 3 subjects');

  // The time course's band is the SEM across subjects (mean of the selected channels).
  await page.getByTestId('channel-view').selectOption('mean');
  await expect(page.getByTestId('timecourse-caption')).toContainText('±1 SEM across subjects');
  const topo = page.getByTestId('topomap');
  await expect(topo).toHaveAttribute('data-has-data', 'true');
  const spreadMap = page.getByTestId('topomap-subject-spread');
  await expect(spreadMap).toHaveAttribute('data-values', /\d/);
  const shown = (await topo.getAttribute('data-values'))!.split(',').map(Number);
  const sem = (await spreadMap.getAttribute('data-values'))!.split(',').map(Number);
  expect(shown).toHaveLength(63);
  expect(sem).toHaveLength(63);

  // The dissimilarity view draws the mean of the subjects' own matrices, from the responses worker.
  await page.getByTestId('rdm').scrollIntoViewIfNeeded(); // (computed once near the screen)
  await expect(page.getByTestId('rdm-subjects-note')).toBeVisible();
  await expect(page.getByTestId('rdm').locator('.matrix-view')).toHaveAttribute('data-size', '2');
  // The averages export the subject mean; each subject's file has no reduced form.
  await expect(page.getByTestId('export-repetition-mean')).toBeEnabled();
  await page.getByTestId('export-subjects').selectOption('per-subject');
  await expect(page.getByTestId('export-repetition-mean')).toBeDisabled();
  await expect(page.getByTestId('export-shape')).toContainText('[3, 2, 4, 63, 140]');
  const per = await exportBoth(page);
  expect(per.npy.shape).toEqual([3, 2, 4, 63, 140]);
  expect(per.sidecar.shape).toEqual([3, 2, 4, 63, 140]);
  expect(per.sidecar.dims).toEqual(['subject', 'image', 'repetition', 'channel', 'time']);
  expect(per.sidecar.subject).toBe('group');
  expect(per.sidecar.synthetic).toBe(true);
  expect(String(per.sidecar.synthetic_notice)).toContain('synthetic demo weights, not fitted to EEG');
  const list = (per.sidecar.subjects as { reduction: string; list: { subject: string; synthetic: boolean; synthetic_weights: { seed: number } }[] });
  expect(list.reduction).toBe('none');
  expect(list.list.map((l) => [l.subject, l.synthetic])).toEqual([['demo', true], ['demo-2', true], ['demo-3', true]]);
  expect(new Set(list.list.map((l) => l.synthetic_weights.seed)).size).toBe(3);

  await page.getByTestId('export-subjects').selectOption('mean');
  const mean = await exportBoth(page);
  expect(mean.npy.shape).toEqual([2, 4, 63, 140]);
  expect((mean.sidecar.subjects as { reduction: string }).reduction).toBe('mean');

  // The mean export is the mean of the per-subject blocks; the map at the cursor (100 ms) and its
  // SEM follow from the subjects' own maps.
  const S = 3;
  const n = 2 * 4 * 63 * 140;
  const x = per.npy.data;
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(mean.npy.data[i] - Math.fround((x[i] + x[n + i] + x[2 * n + i]) / S)));
  expect(worst).toBe(0);
  const cursor = 40;
  const maps = Array.from({ length: S }, (_, s) =>
    Array.from({ length: 63 }, (_, c) => {
      let v = 0;
      for (let b = 0; b < 2; b++) for (let r = 0; r < 4; r++) v += x[s * n + ((b * 4 + r) * 63 + c) * 140 + cursor];
      return v / 8;
    }),
  );
  let top = 0;
  for (let c = 0; c < 63; c++) {
    const m = (maps[0][c] + maps[1][c] + maps[2][c]) / S;
    const sd = Math.sqrt(maps.reduce((a, mp) => a + (mp[c] - m) ** 2, 0) / (S - 1));
    top = Math.max(top, Math.abs(m));
    expect(Math.abs(shown[c] - m)).toBeLessThan(1e-5 * Math.max(1, Math.abs(m)));
    expect(Math.abs(sem[c] - sd / Math.sqrt(S))).toBeLessThan(1e-5 * Math.max(1, sd));
  }
  console.log(`subject mean at 100 ms: max |map| ${top.toFixed(3)} a.u., SEM across 3 subjects ${Math.min(...sem).toFixed(3)}–${Math.max(...sem).toFixed(3)}`);

  // numpy reads the per-subject file as it is, and its sidecar says the axes.
  const sidecarPath = info.outputPath('per-subject.npy.json');
  writeFileSync(sidecarPath, JSON.stringify(per.sidecar));
  const py = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      [
        'import json, sys, numpy as np',
        'x = np.load(sys.argv[1]); meta = json.load(open(sys.argv[2]))',
        'assert x.dtype == np.float32 and list(x.shape) == meta["shape"], (x.shape, meta["shape"])',
        'assert meta["dims"][0] == "subject" and [s["subject"] for s in meta["subjects"]["list"]] == ["demo", "demo-2", "demo-3"]',
        'print(float(x.mean(axis=(0, 1, 2))[:, 40].max()))',
      ].join('\n'),
      per.npyPath,
      sidecarPath,
    ],
    { encoding: 'utf8' },
  );
  expect(py.stderr).toBe('');
  expect(py.status).toBe(0);
  expect(Number(py.stdout)).toBeCloseTo(Math.max(...shown), 4);
  // Occipital sensors for the pictures: the mean of all 63 average-referenced channels is flat.
  await page.getByRole('button', { name: 'occipital', exact: true }).click();
  await expect(page.getByTestId('channel-picker')).not.toHaveAttribute('data-selected-count', '63');
  await expect(page.getByTestId('timecourse')).not.toHaveAttribute('data-zero-mean', 'true');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshotPath('08-subject-mean.png'), fullPage: false });
  await page.getByTestId('subjects').screenshot({ path: screenshotPath('08-subjects-panel.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByTestId('topomap').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('08-subject-mean-phone.png'), fullPage: false });
  await page.getByTestId('subjects').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('08-subjects-panel-phone.png'), fullPage: false });
  await page.setViewportSize({ width: 1680, height: 1050 });
});
