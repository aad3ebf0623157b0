// Stimulus sets at scale, with small N: folders in (picked and dropped), subfolders as conditions,
// stimulus lists, duplicate files, a virtualised gallery whose DOM does not grow with the set.
import { test, expect, type Page } from '@playwright/test';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { PNG } from 'pngjs';
import { chooseImage, clickForDownloads, sidecarSchemaErrors, waitForState } from './helpers.ts';
import { parseNpyF32 } from './reference.ts';

test.describe.configure({ mode: 'serial' });
// Each test encodes up to 60 images on a shared 2-core machine.
test.setTimeout(600_000);

let page: Page;
test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1680, height: 1050 } });
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
});
test.afterAll(async () => {
  await page?.close();
});

/** A small PNG with its own pattern (distinct bytes per seed). */
function png(seed: number, size = 48): Buffer {
  const p = new PNG({ width: size, height: size });
  let s = (seed * 2654435761) >>> 0;
  const r = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 255;
  const base = [r(), r(), r()];
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const stripe = ((x + y * (1 + (seed % 5))) >> 3) % 2;
      for (let c = 0; c < 3; c++) p.data[i + c] = Math.round(stripe ? base[c] : 255 - base[c]);
      p.data[i + 3] = 255;
    }
  return PNG.sync.write(p);
}

/** set/faces/f00..f19.png, set/houses/h00..h19.png, set/more/objects/o00..o19.png, a copy of f03 as set/houses/zz-copy.png. */
function writeSet(root: string, withList: boolean) {
  const paths: string[] = [];
  const groups: [string, string][] = [
    ['faces', 'f'],
    ['houses', 'h'],
    ['more/objects', 'o'],
  ];
  groups.forEach(([dir, p], g) => {
    mkdirSync(join(root, 'set', dir), { recursive: true });
    for (let k = 0; k < 20; k++) {
      const rel = `${dir}/${p}${String(k).padStart(2, '0')}.png`;
      writeFileSync(join(root, 'set', rel), png(g * 100 + k));
      paths.push(rel);
    }
  });
  copyFileSync(join(root, 'set/faces/f03.png'), join(root, 'set/houses/zz-copy.png'));
  if (withList) {
    // objects are relabelled 'tool' by the list; the other columns become metadata
    const rows = ['file,condition,luminance,source'];
    for (let k = 0; k < 20; k++) rows.push(`more/objects/o${String(k).padStart(2, '0')}.png,tool,${(k / 20).toFixed(2)},"lab, 2024"`);
    rows.push('faces/f00.png,,0.50,web');
    writeFileSync(join(root, 'set', 'stimuli.csv'), rows.join('\n') + '\n');
  }
  return paths;
}

/** The export's .npy and sidecar, whichever download lands first. */
async function exportNpy() {
  const dls = await clickForDownloads(page, page.getByTestId('export-npy'), 2);
  const npyDl = dls.find((d) => d.suggestedFilename().endsWith('.npy'))!;
  const jsonDl = dls.find((d) => d.suggestedFilename() === `${npyDl.suggestedFilename()}.json`)!;
  const npy = parseNpyF32(readFileSync((await npyDl.path())!));
  const sidecar = JSON.parse(readFileSync((await jsonDl.path())!, 'utf8')) as { shape: number[]; images: { name: string; condition?: string }[] };
  expect(sidecarSchemaErrors(sidecar)).toEqual([]);
  return { npy, sidecar };
}

async function domCount() {
  return page.evaluate(() => document.getElementsByTagName('*').length);
}
async function heapMb() {
  return page.evaluate(() => {
    const m = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
    return m ? m.usedJSHeapSize / 1e6 : NaN;
  });
}

test('a picked folder: sorted paths, subfolders as conditions, a stimulus list, duplicates reported and skipped, a virtualised gallery', async ({}, info) => {
  const root = info.outputPath('pick');
  writeSet(root, true);
  await page.goto('/?backend=wasm');
  await waitForState(page, 'idle');
  const domEmpty = await domCount();
  const t0 = Date.now();
  await page.getByTestId('folder-input').setInputFiles(join(root, 'set'));
  const gallery = page.getByTestId('gallery');
  await expect(gallery).toHaveAttribute('data-count', '61');
  const tIn = Date.now() - t0;
  await expect(page.getByTestId('intake-note')).toContainText('stimuli.csv: 21 rows by "file", conditions from "condition"');
  await expect(page.getByTestId('intake-note')).toContainText('21 of 61 new images listed');
  const report = page.getByTestId('duplicate-report');
  await expect(report).toHaveAttribute('data-count', '1');
  await expect(report).toContainText('houses/zz-copy.png = faces/f03.png');
  await page.getByTestId('skip-duplicates-now').click();
  await expect(gallery).toHaveAttribute('data-count', '60');
  await expect(report).toHaveCount(0);
  // Only the rows in view are in the DOM.
  const rows = await page.getByTestId('thumb').count();
  expect(rows).toBeGreaterThan(3);
  expect(rows).toBeLessThan(20);
  const first = page.getByTestId('thumb').first();
  await expect(first).toHaveAttribute('data-name', 'faces/f00.png');
  await expect(first).toHaveAttribute('data-condition', 'faces');
  await expect(first.getByTestId('image-meta')).toHaveText('luminance=0.50 · source=web');
  await waitForState(page, 'done');
  console.log(`[scale] folder of 61 files in the gallery after ${tIn} ms; 60 encoded after ${Date.now() - t0} ms: ${await page.getByTestId('encode-status').textContent()}`);
  // Scrolled to the end, the last rows are there instead of the first.
  await gallery.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(page.locator('[data-testid=thumb][data-name="more/objects/o19.png"]')).toHaveAttribute('data-condition', 'tool');
  await expect(page.locator('[data-testid=thumb][data-name="faces/f00.png"]')).toHaveCount(0);
  await expect(page.locator('[data-testid=thumb][data-name="more/objects/o19.png"] [data-testid=image-meta]')).toHaveText('luminance=0.95 · source=lab, 2024');
  const dom = await domCount();
  const heap = await heapMb();
  console.log(`[scale] 60 images: ${dom} DOM elements (empty page ${domEmpty}), JS heap ${heap.toFixed(0)} MB, ${rows} gallery rows in the DOM`);
  // The export follows sorted paths; conditions travel in the sidecar.
  const { npy, sidecar } = await exportNpy();
  expect(npy.shape).toEqual([60, 4, 63, 140]);
  const names = sidecar.images.map((i) => i.name);
  const want = [...Array(20).keys()].map((k) => String(k).padStart(2, '0'));
  expect(names).toEqual([...want.map((k) => `faces/f${k}.png`), ...want.map((k) => `houses/h${k}.png`), ...want.map((k) => `more/objects/o${k}.png`)]);
  const conds = sidecar.images.map((i) => i.condition);
  expect(conds).toEqual([...Array(20).fill('faces'), ...Array(20).fill('houses'), ...Array(20).fill('tool')]);
  // No view lists every image: one is picked by its number in the gallery.
  expect(await page.locator('option[value^="img:"]').count()).toBe(0);
  // Nor does the Lab: its source images' checkboxes are drawn once their list is opened, and then
  // only the rows in view.
  const lab = page.getByTestId('lab-panel');
  await expect(lab.getByTestId('lab-sources')).toHaveCount(0);
  await lab.getByText('Source images: 60 of 60').click();
  await expect(lab.getByTestId('lab-sources')).toHaveAttribute('data-count', '60');
  const boxes = await lab.getByTestId('lab-sources').getByRole('checkbox').count();
  expect(boxes).toBeGreaterThan(3);
  expect(boxes).toBeLessThan(25);
  await lab.getByText('Source images: 60 of 60').click();
  const map = page.getByTestId('topomap');
  await chooseImage(map, 'map-source', 41, 'more/objects/o00.png');
  await expect(map).toHaveAttribute('data-map-source', /^img:/);
  // Another image picked: its map is drawn in the input's own task, from the repetition means the
  // responses worker shares with the page, with the values the worker's answer then gives.
  const picked = await page.evaluate(async () => {
    const field = document.querySelector('[data-testid=map-source-number]') as HTMLInputElement;
    const el = document.querySelector('[data-testid=topomap]')!;
    const before = el.getAttribute('data-map-source');
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(field, '12');
    field.dispatchEvent(new Event('input', { bubbles: true }));
    field.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await Promise.resolve();
    const now = { source: el.getAttribute('data-map-source'), pending: el.hasAttribute('data-plot-pending'), values: el.getAttribute('data-values') };
    return { isolated: self.crossOriginIsolated, before, ...now };
  });
  expect(picked.isolated).toBe(true);
  expect(picked.source).toMatch(/^img:/);
  expect(picked.source).not.toBe(picked.before);
  expect(picked.pending).toBe(false);
  expect(picked.values!.split(',')).toHaveLength(63);
  await expect(map.getByTestId('map-source-number').locator('xpath=../following-sibling::span[contains(@class, "image-choice-name")]')).toContainText('faces/f11.png');
  await page.waitForTimeout(500); // the worker's answer for the image has come
  await expect(map).toHaveAttribute('data-values', picked.values!);
  const course = page.getByTestId('timecourse');
  const meanSum = await course.getAttribute('data-values-sum');
  await chooseImage(course, 'image-view', 60, 'more/objects/o19.png');
  await expect(course).not.toHaveAttribute('data-values-sum', meanSum!);
  await map.getByTestId('map-source').selectOption('all');
  await page.getByTestId('image-view').selectOption('mean');
});

test('a dropped folder (nested), duplicates skipped on the way in, and a TSV list applied afterwards', async ({}, info) => {
  const root = info.outputPath('drop');
  const paths = writeSet(root, false);
  await page.goto('/?backend=wasm');
  // the previous test's session came back; start a new one
  await expect(page.getByTestId('gallery')).toHaveAttribute('data-count', '60');
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('session-new').click();
  await expect(page.getByTestId('gallery')).toHaveAttribute('data-count', '0');
  await waitForState(page, 'idle');
  await page.getByTestId('skip-duplicates').check();
  const files = [...paths, 'houses/zz-copy.png'].map((p) => ({ path: p, bytes: [...readFileSync(join(root, 'set', p))] }));
  // A drop of the folder "set" as the browser hands it over: directory entries read in pieces.
  await page.evaluate((files) => {
    type E = Record<string, unknown>;
    const dir = (fullPath: string): E & { kids: E[] } => {
      const kids: E[] = [];
      return {
        isFile: false,
        isDirectory: true,
        name: fullPath.split('/').pop(),
        fullPath,
        kids,
        createReader: () => {
          let given = false;
          return { readEntries: (ok: (e: E[]) => void) => setTimeout(() => ok(given ? [] : ((given = true), kids))) };
        },
      };
    };
    const root = dir('/set');
    const dirs = new Map<string, ReturnType<typeof dir>>([['/set', root]]);
    const dirOf = (p: string): ReturnType<typeof dir> => {
      if (!dirs.has(p)) {
        const d = dir(p);
        dirs.set(p, d);
        dirOf(p.slice(0, p.lastIndexOf('/'))).kids.push(d);
      }
      return dirs.get(p)!;
    };
    // handed out in reverse: the page sorts
    for (const f of [...files].reverse()) {
      const full = `/set/${f.path}`;
      const name = full.split('/').pop()!;
      const file = new File([new Uint8Array(f.bytes)], name, { type: 'image/png' });
      dirOf(full.slice(0, full.lastIndexOf('/'))).kids.push({ isFile: true, isDirectory: false, name, fullPath: full, file: (ok: (f: File) => void) => ok(file) });
    }
    const ev = new DragEvent('drop', { bubbles: true, cancelable: true });
    Object.defineProperty(ev, 'dataTransfer', { value: { items: [{ kind: 'file', webkitGetAsEntry: () => root, getAsFile: () => null }], files: [], types: ['Files'] } });
    document.querySelector('[data-testid=dropzone]')!.dispatchEvent(ev);
  }, files);
  const gallery = page.getByTestId('gallery');
  await expect(gallery).toHaveAttribute('data-count', '60');
  await expect(page.getByTestId('intake-note')).toContainText('1 duplicate file skipped: houses/zz-copy.png (= faces/f03.png)');
  await expect(page.getByTestId('duplicate-report')).toHaveCount(0);
  await expect(page.getByTestId('thumb').first()).toHaveAttribute('data-name', 'faces/f00.png');
  await expect(page.getByTestId('thumb').first()).toHaveAttribute('data-condition', 'faces');
  // a TSV afterwards relabels the listed images in place
  const tsv = info.outputPath('drop', 'relabel.tsv');
  writeFileSync(tsv, 'stimulus\tcategory\tset\nfaces/f00.png\tanimate\tA\nf01.png\tanimate\tA\n');
  await page.getByTestId('stimulus-list-input').setInputFiles(tsv);
  await expect(page.getByTestId('intake-note')).toContainText('relabel.tsv: 2 rows by "stimulus", conditions from "category"; 2 of 60 images in the gallery listed');
  await expect(page.getByTestId('thumb').nth(0)).toHaveAttribute('data-condition', 'animate');
  await expect(page.getByTestId('thumb').nth(1)).toHaveAttribute('data-condition', 'animate');
  await expect(page.getByTestId('thumb').nth(2)).toHaveAttribute('data-condition', 'faces');
  await expect(page.getByTestId('conditions')).toContainText('animate');
  await waitForState(page, 'done');
  await expect(page.getByTestId('encode-status')).toContainText('60 images encoded on wasm');
  // Dissimilarity at this size: ordered by condition, names on hover instead of 60 tick labels, a condition-level matrix.
  await page.getByTestId('rdm').scrollIntoViewIfNeeded(); // (computed once near the screen)
  const mat = page.getByTestId('rdm').locator('.matrix-view').first();
  await expect(mat).toHaveAttribute('data-size', '60');
  await expect(mat).toHaveAttribute('data-ticks', 'hover');
  await expect(mat).toHaveAttribute('data-order', 'condition');
  // (hover: scrolled to, and the pointer placed once the page below has settled)
  await mat.locator('canvas').hover();
  await expect(mat.locator('.canvas-tip')).toHaveText(/^\d+: \S+\.png \(\w+\) vs \d+: \S+\.png \(\w+\): \d\.\d{3} 1 − r$/);
  const cond = page.getByTestId('rdm-conditions').locator('.canvas-plot');
  await expect(cond).toHaveAttribute('data-size', '4'); // animate, faces, houses, objects
  await expect(cond.locator('[role=img]')).toHaveAttribute('aria-label', /Condition means at \d+ ms \(4 x 4\)/);
});

test('the session survives a reload with nothing encoded again; New session starts empty; an exported session opens in a fresh browser profile', async ({ browser }, info) => {
  // a view to come back to: 8 occipital channels, 0..300 ms, cursor at 170 ms
  await page.locator('[data-preset=occipital]').click();
  await expect(page.getByTestId('channel-picker')).toHaveAttribute('data-selected-count', '8');
  await page.getByLabel('Window start (ms)').fill('0');
  await page.getByLabel('Window start (ms)').press('Enter');
  await page.getByLabel('Window end (ms)').fill('300');
  await page.getByLabel('Window end (ms)').press('Enter');
  await page.getByTestId('cursor').fill('54');
  await expect(page.getByTestId('time-picker')).toHaveAttribute('data-cursor-ms', '170');
  await page.waitForTimeout(1500); // the state is written half a second after the last change
  // The reload decodes no image before it is back: the decode worker's requests are held (counted,
  // not delivered) until the session is restored and every image counted as encoded.
  await page.addInitScript(() => {
    if (sessionStorage.getItem('hold-decodes') !== '1') return;
    sessionStorage.removeItem('hold-decodes');
    const Base = window.Worker;
    const held: [Worker, unknown][] = [];
    let released = false;
    const w = window as unknown as { __decodesAsked: () => number; __releaseDecodes: () => void };
    w.__decodesAsked = () => held.length;
    w.__releaseDecodes = () => {
      released = true;
      for (const [worker, m] of held.splice(0)) Base.prototype.postMessage.call(worker, m);
    };
    window.Worker = class extends Base {
      constructor(url: string | URL, opts?: WorkerOptions) {
        super(url, opts);
        if (opts?.name === 'decode') this.postMessage = (m: unknown) => (released ? Base.prototype.postMessage.call(this, m) : void held.push([this, m]));
      }
    };
  });
  await page.evaluate(() => sessionStorage.setItem('hold-decodes', '1'));
  const t0 = Date.now();
  await page.reload();
  await expect(page.getByTestId('gallery')).toHaveAttribute('data-count', '60');
  await waitForState(page, 'done');
  const reloadMs = Date.now() - t0;
  const status = page.getByTestId('encode-status');
  await expect(status).toHaveAttribute('data-images-sent', '0');
  await expect(status).toContainText('60 images encoded on wasm');
  const first = page.getByTestId('thumb').first();
  await expect(first).toContainText('48×48');
  await expect(first).toContainText('encoded');
  await expect(first.locator('img')).toHaveCount(0);
  // the group means came back from storage too: the topomap and the time course are drawn
  await expect(page.getByTestId('topomap')).toHaveAttribute('data-has-data', 'true');
  await expect(page.getByTestId('timecourse')).toHaveAttribute('data-has-data', 'true');
  // the thumbnails are asked for after the views are drawn, and follow once the decodes are let through
  await expect.poll(() => page.evaluate(() => (window as unknown as { __decodesAsked: () => number }).__decodesAsked())).toBeGreaterThan(0);
  // the pixel model RDM needs every image's pixels: RSA against it waits for the decodes, saying so
  const stats = page.getByTestId('stats');
  await stats.getByTestId('rsa-model').selectOption('pixels');
  await expect(stats.getByTestId('rsa-run')).toBeDisabled();
  await expect(stats.getByTestId('rsa-pixels-pending')).toHaveText(/^the pixel model waits for 60 images still being decoded$/);
  await page.evaluate(() => (window as unknown as { __releaseDecodes: () => void }).__releaseDecodes());
  await expect(first.locator('img')).toHaveCount(1);
  await expect(stats.getByTestId('rsa-pixels-pending')).toHaveCount(0, { timeout: 60_000 });
  await expect(stats.getByTestId('rsa-run')).toBeEnabled();
  await stats.getByTestId('rsa-model').selectOption('categorical');
  await expect(page.getByTestId('channel-picker')).toHaveAttribute('data-selected-count', '8');
  await expect(page.getByTestId('time-picker')).toHaveAttribute('data-count', '61');
  await expect(page.getByTestId('time-picker')).toHaveAttribute('data-cursor-ms', '170');
  await expect(page.getByTestId('thumb').nth(0)).toHaveAttribute('data-condition', 'animate');
  await expect(page.getByTestId('thumb').nth(2)).toHaveAttribute('data-condition', 'faces');
  await expect(page.getByTestId('export-shape')).toContainText('[60, 4, 8, 61]');
  console.log(`[scale] reload to interactive with 60 stored images and responses: ${reloadMs} ms, JS heap ${(await heapMb()).toFixed(0)} MB`);

  // one file for the whole session
  const [zipDl] = await clickForDownloads(page, page.getByTestId('session-export'), 1);
  expect(zipDl.suggestedFilename()).toMatch(/^insilico-eeg-session_.*\.zip$/);
  const zipPath = info.outputPath('session.zip');
  await zipDl.saveAs(zipPath);
  const before = await exportNpy();

  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('session-new').click();
  await expect(page.getByTestId('gallery')).toHaveAttribute('data-count', '0');
  await expect(page.getByTestId('channel-picker')).toHaveAttribute('data-selected-count', '63');
  await expect(page.getByTestId('time-picker')).toHaveAttribute('data-count', '140');
  await expect(page.getByTestId('conditions')).not.toContainText('animate');
  await page.reload();
  await waitForState(page, 'idle');
  await expect(page.getByTestId('gallery')).toHaveAttribute('data-count', '0');

  // "another machine": a fresh profile opens the file with the same state and encodes nothing
  const other = await browser.newPage({ viewport: { width: 1680, height: 1050 } });
  try {
    await other.goto('/?backend=wasm');
    await waitForState(other, 'idle');
    await other.getByTestId('session-import').setInputFiles(zipPath);
    await expect(other.getByTestId('gallery')).toHaveAttribute('data-count', '60');
    await waitForState(other, 'done');
    await expect(other.getByTestId('encode-status')).toHaveAttribute('data-images-sent', '0');
    await expect(other.getByTestId('channel-picker')).toHaveAttribute('data-selected-count', '8');
    await expect(other.getByTestId('time-picker')).toHaveAttribute('data-cursor-ms', '170');
    await expect(other.getByTestId('thumb').nth(0)).toHaveAttribute('data-condition', 'animate');
    const dls = await clickForDownloads(other, other.getByTestId('export-npy'), 2);
    const npyDl = dls.find((d) => d.suggestedFilename().endsWith('.npy'))!;
    const after = parseNpyF32(readFileSync((await npyDl.path())!));
    expect(after.shape).toEqual([60, 4, 8, 61]);
    expect(Buffer.from(after.data.buffer).equals(Buffer.from(before.npy.data.buffer))).toBe(true);

    // a session saved before the images' decode facts were kept: its images are decoded on the way in, nothing encoded again
    const files = unzipSync(new Uint8Array(readFileSync(zipPath)));
    const st = JSON.parse(strFromU8(files['state.json'])) as { images: Record<string, unknown>[] };
    for (const im of st.images) for (const k of ['width', 'height', 'squareMode', 'exifOrientation', 'orientationApplied', 'transparent']) delete im[k];
    files['state.json'] = strToU8(JSON.stringify(st));
    const oldZip = info.outputPath('session-old.zip');
    writeFileSync(oldZip, zipSync(files));
    await other.getByTestId('session-import').setInputFiles(oldZip);
    await expect(other.getByTestId('gallery')).toHaveAttribute('data-count', '60');
    await waitForState(other, 'done');
    await expect(other.getByTestId('encode-status')).toHaveAttribute('data-images-sent', '0');
    await expect(other.getByTestId('thumb').nth(0).locator('img')).toHaveCount(1);
    const dlsOld = await clickForDownloads(other, other.getByTestId('export-npy'), 2);
    const fromOld = parseNpyF32(readFileSync((await dlsOld.find((d) => d.suggestedFilename().endsWith('.npy'))!.path())!));
    expect(Buffer.from(fromOld.data.buffer).equals(Buffer.from(before.npy.data.buffer))).toBe(true);
  } finally {
    await other.close();
  }
});
