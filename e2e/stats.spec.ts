// The Statistics panel on the demo subject (wasm): two conditions of 8 generated images each, a
// sensors x time cluster permutation test whose exported table equals the analysis library's result
// in Node on the page's own exported responses, a cancel, decoding and RSA.
import { test, expect, type Page } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { clickForDownloads, fullPageShot, waitForState } from './helpers.ts';
import { parseNpyF32 } from './reference.ts';
import { channelAdjacency } from '../src/analysis/adjacency.ts';
import { permutationClusterTest } from '../src/analysis/cluster_test.ts';
import { imageMaps } from '../src/analysis/spread.ts';

test.describe.configure({ mode: 'serial' });

let page: Page;
const N = 8;

/** 64 x 64 PNGs: smooth bright blobs ('bright_k') or dark high-contrast stripes ('stripes_k'), seeded noise. */
function writeImages(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  let s = 12345;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (const kind of ['bright', 'stripes'])
    for (let k = 0; k < N; k++) {
      const png = new PNG({ width: 64, height: 64 });
      const f = 0.15 + 0.05 * k;
      for (let y = 0; y < 64; y++)
        for (let x = 0; x < 64; x++) {
          const o = (y * 64 + x) * 4;
          const v =
            kind === 'bright'
              ? 170 + 60 * Math.exp(-((x - 32 - k) ** 2 + (y - 30) ** 2) / 300) + 20 * (rand() - 0.5)
              : 40 + 120 * (Math.sin(x * f * 3 + k) > 0 ? 1 : 0) + 30 * (rand() - 0.5);
          png.data[o] = Math.max(0, Math.min(255, v + (kind === 'bright' ? 20 : 0)));
          png.data[o + 1] = Math.max(0, Math.min(255, v));
          png.data[o + 2] = Math.max(0, Math.min(255, v - (kind === 'bright' ? 30 : 0)));
          png.data[o + 3] = 255;
        }
      const p = join(dir, `${kind}_${k}.png`);
      writeFileSync(p, PNG.sync.write(png));
      paths.push(p);
    }
  return paths;
}

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1680, height: 1050 } });
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
});
test.afterAll(async () => {
  await page?.close();
});

test('two conditions of 8 images: spread bands, a cluster test, its export, cancel, decoding and RSA', async ({}, info) => {
  const paths = writeImages(info.outputPath('images'));
  await page.goto('/?backend=wasm');
  await waitForState(page, 'idle');
  await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles(paths);
  await waitForState(page, 'done');
  for (const c of ['bright', 'stripes']) {
    await page.getByTestId('condition-name').fill(c);
    await page.getByTestId('add-condition').click();
  }
  const cond = page.getByTestId('conditions');
  for (const c of ['bright', 'stripes']) {
    await cond.getByLabel('File name contains').fill(c);
    await cond.getByLabel('Assign to').selectOption(c);
    await cond.getByRole('button', { name: 'Assign' }).click();
  }
  await expect(cond).toContainText(`bright · ${N} images`);
  const stats = page.getByTestId('stats');
  // spread across images, computed in the worker, drawn as a line canvas: the band is named on the figure
  await expect(stats.locator('.line-plot canvas')).toHaveCount(1);
  await expect(stats.locator('.line-plot')).not.toHaveAttribute('data-points', '0');
  await expect(stats).toContainText('95% CI across images (t-based');

  // sensors x time, independent (F), 200 permutations, seed 3
  await stats.getByTestId('stats-space').selectOption('sensors_time');
  await stats.getByTestId('stats-permutations').fill('200');
  await stats.getByTestId('stats-seed').fill('3');
  await stats.getByTestId('stats-run').click();
  await expect(stats.getByTestId('stats-table')).toBeVisible({ timeout: 120_000 });
  await expect(stats.getByTestId('stats-params')).toContainText('spatio_temporal_cluster_test (f_oneway)');
  await expect(stats.getByTestId('stats-params')).toContainText('200 permutations');
  await expect(stats.getByTestId('stats-params')).toContainText('seed 3');
  await expect(stats.locator('.topomap-view canvas')).toHaveCount(1); // the F map with the cluster's sensors

  const [jsonDl] = await clickForDownloads(page, stats.getByTestId('stats-export'), 1);
  const table = JSON.parse(readFileSync((await jsonDl.path())!, 'utf8'));
  expect(table.test).toBe('spatio_temporal_cluster_test');
  expect(table.n_permutations).toBe(200);
  expect(table.seed).toBe(3);
  expect(Array.isArray(table.clusters)).toBe(true);
  for (const c of table.clusters) {
    expect(Object.keys(c).sort()).toEqual(['ch_names', 'mass', 'p', 'tmax_s', 'tmin_s']);
    expect(c.tmin_s).toBeLessThanOrEqual(c.tmax_s);
    expect(c.p).toBeGreaterThan(0);
    expect(c.p).toBeLessThanOrEqual(1);
  }
  const [csvDl] = await clickForDownloads(page, stats.getByTestId('stats-export-csv'), 1);
  const csv = readFileSync((await csvDl.path())!, 'utf8').trim().split('\n');
  expect(csv[0]).toContain('test=spatio_temporal_cluster_test');
  expect(csv[1]).toBe('tmin_s,tmax_s,ch_names,mass,p');
  expect(csv.length - 2).toBe(table.clusters.length);

  // The same test in Node on the page's exported responses: the same clusters, masses and p-values.
  const npyDl = (await clickForDownloads(page, page.getByTestId('export-npy'), 2)).find((x) => x.suggestedFilename().endsWith('.npy'))!;
  const npy = parseNpyF32(readFileSync((await npyDl.path())!));
  expect(npy.shape).toEqual([2 * N, 4, 63, 140]);
  const montage = JSON.parse(readFileSync('src/data/channels_10-05_63.json', 'utf8')) as { channels: { name: string; topo2d_m: number[] }[] };
  const names = montage.channels.map((c) => c.name);
  const d = { B: 2 * N, R: 4, C: 63, T: 140 };
  const all = Array.from({ length: 63 }, (_, i) => i);
  const toTC = (idx: number[]) => {
    const m = imageMaps(npy.data, d, idx, all);
    const out = new Float64Array(m.length);
    for (let i = 0; i < idx.length; i++) for (let c = 0; c < 63; c++) for (let t = 0; t < 140; t++) out[(i * 140 + t) * 63 + c] = m[(i * 63 + c) * 140 + t];
    return out;
  };
  const idx = (k: number) => Array.from({ length: N }, (_, i) => k * N + i);
  const r = permutationClusterTest([toTC(idx(0)), toTC(idx(1))], [N, N], 140 * 63, { nPermutations: 200, seed: 3, adjacency: channelAdjacency(montage.channels.map((c) => c.topo2d_m)) });
  expect(table.clusters.length).toBe(r.clusters.length);
  r.clusters.forEach((cl, k) => {
    const ts = Array.from(cl, (i) => Math.floor(i / 63));
    expect(table.clusters[k].tmin_s).toBeCloseTo(-0.1 + Math.min(...ts) * 0.005, 9);
    expect(table.clusters[k].tmax_s).toBeCloseTo(-0.1 + Math.max(...ts) * 0.005, 9);
    expect(new Set(table.clusters[k].ch_names)).toEqual(new Set(Array.from(cl, (i) => names[i % 63])));
    expect(Math.abs(table.clusters[k].mass - r.mass[k]) / Math.abs(r.mass[k])).toBeLessThan(1e-9);
    expect(table.clusters[k].p).toBe(r.p[k]);
  });

  // Cancel: a long run stops and the previous result comes back.
  await stats.getByTestId('stats-permutations').fill('100000');
  await stats.getByTestId('stats-run').click();
  await expect(stats.getByTestId('stats-status')).toHaveAttribute('data-state', 'running');
  await stats.getByTestId('stats-status').getByRole('button', { name: 'Cancel' }).click();
  await expect(stats.getByTestId('stats-status')).toHaveAttribute('data-state', 'done');
  await expect(stats.getByTestId('stats-table')).toBeVisible();
  await expect(stats.getByTestId('stats-params')).toContainText('200 permutations');

  // Decoding: 4 folds, the time course with its chance level and parameters on the figure.
  await stats.getByTestId('decode-folds').fill('4');
  await stats.getByTestId('decode-generalize').check();
  await stats.getByTestId('decode-run').click();
  await expect(stats.getByTestId('decode-export')).toBeVisible({ timeout: 120_000 });
  await expect(stats).toContainText('StratifiedKFold(4, shuffle, seed 3)');
  const [decDl] = await clickForDownloads(page, stats.getByTestId('decode-export'), 1);
  const dec = JSON.parse(readFileSync((await decDl.path())!, 'utf8'));
  expect(dec.sliding.mean.length).toBe(140);
  expect(dec.generalizing.mean.length).toBe(140 * 140);
  expect(dec.sliding.chance).toBe(0.5);
  expect(dec.n_splits).toBe(4);

  // RSA over images against the categorical model.
  await stats.getByTestId('stats-permutations').fill('200');
  await stats.getByTestId('rsa-run').click();
  await expect(stats.getByTestId('rsa-export')).toBeVisible({ timeout: 120_000 });
  await expect(stats).toContainText('Spearman rho');
  const [rsaDl] = await clickForDownloads(page, stats.getByTestId('rsa-export'), 1);
  const rsa = JSON.parse(readFileSync((await rsaDl.path())!, 'utf8'));
  expect(rsa.rho.length).toBe(140);
  expect(rsa.rdms_condensed.length).toBe(140);
  expect(rsa.rdms_condensed[0].length).toBe((2 * N * (2 * N - 1)) / 2);
  expect(rsa.n_permutations).toBe(200);
  await stats.scrollIntoViewIfNeeded();
  await fullPageShot(page, info.outputPath('stats-panel.png'));
});

test('number fields apply typed values on Enter or blur and refuse bad ones with a message', async ({ browser }) => {
  const p = await browser.newPage({ viewport: { width: 1680, height: 1050 } });
  await p.goto('/?backend=wasm');
  await waitForState(p, 'idle');
  for (const c of ['a', 'b']) {
    await p.getByTestId('condition-name').fill(c);
    await p.getByTestId('add-condition').click();
  }
  const stats = p.getByTestId('stats');
  const cases: { id: string; label: string; start: string; good: string; bad: [string, string][] }[] = [
    { id: 'stats-permutations', label: 'Permutations', start: '1000', good: '250', bad: [['abc', '“abc” is not a number'], ['100001', 'must be within 10…100000'], ['12.5', 'must be a whole number']] },
    { id: 'stats-seed', label: 'Seed', start: '0', good: '7', bad: [['-1', 'must be within 0…4294967295']] },
    { id: 'decode-folds', label: 'Folds', start: '5', good: '3', bad: [['1', 'must be within 2…20'], ['', 'enter a number']] },
  ];
  for (const c of cases) {
    const field = stats.getByTestId(c.id);
    await expect(field).toHaveValue(c.start);
    // typing alone applies nothing; Enter does (the field then shows the panel's value)
    await field.fill(c.good);
    await field.press('Enter');
    await expect(field).not.toHaveAttribute('aria-invalid', 'true');
    await field.press('Escape');
    await expect(field).toHaveValue(c.good);
    for (const [text, why] of c.bad) {
      await field.fill(text);
      await field.press('Enter');
      await expect(field).toHaveAttribute('aria-invalid', 'true');
      await expect(stats.getByRole('alert')).toHaveText(`${c.label}: ${why}`);
      // Escape drops the refused text: the applied value is unchanged
      await field.press('Escape');
      await expect(stats.getByRole('alert')).toHaveCount(0);
      await expect(field).toHaveValue(c.good);
    }
    // leaving the field applies too
    await field.fill(c.start);
    await stats.getByRole('heading', { name: 'Statistics' }).click();
    await expect(field).toHaveValue(c.start);
  }
  await p.close();
});
