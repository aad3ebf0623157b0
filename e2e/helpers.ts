import { expect, test, type Download, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseNpyF32 } from './reference.ts';

import { maxErr as maxErrOf } from '../test/helpers.ts';

// Shared with the unit tests: the repository root, fixtures (large ones are kept gzipped in the tree).
export { BERG_MODEL_SUBDIR, fixturePath, loadJson, loadNpy, ROOT } from '../test/helpers.ts';

/**
 * Where a test writes its screenshot `name`: docs/screenshots (the images the README and docs
 * show, tracked in git) when the run asks for them with SCREENSHOTS=1, otherwise the test's own
 * output folder (test-results/...), so that a test run leaves the tree as it was.
 */
export function screenshotPath(name: string): string {
  return process.env.SCREENSHOTS === '1' ? join('docs/screenshots', name) : test.info().outputPath(name);
}

/**
 * The whole page as one PNG. Panels off screen are skipped by the browser (content-visibility:
 * auto, as a user scrolling never notices): for the capture they are laid out and painted.
 */
export async function fullPageShot(page: Page, path: string): Promise<void> {
  const style = await page.addStyleTag({ content: '.panel { content-visibility: visible !important; }' });
  // figures far off screen are drawn once they come near: the page is scrolled through first
  await page.evaluate(async () => {
    const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const back = window.scrollY;
    for (let y = 0; y < document.documentElement.scrollHeight; y += window.innerHeight) {
      window.scrollTo(0, y);
      await frames();
    }
    window.scrollTo(0, back);
    await frames();
  });
  await page.screenshot({ path, fullPage: true });
  await style.evaluate((el) => (el as Element).remove());
}

/** Click and collect n downloads (the export writes the .npy and then its .json sidecar). */
export async function clickForDownloads(page: Page, target: Locator, n: number): Promise<Download[]> {
  const got: Download[] = [];
  const all = new Promise<void>((resolve) => {
    const onDownload = (d: Download) => {
      got.push(d);
      if (got.length === n) {
        page.off('download', onDownload);
        resolve();
      }
    };
    page.on('download', onDownload);
  });
  await target.click();
  await all;
  return got;
}

const validateSidecar = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync('docs/sidecar.schema.json', 'utf8')));

/** Errors of a sidecar against docs/sidecar.schema.json ([] when valid). */
export function sidecarSchemaErrors(sidecar: unknown): string[] {
  return validateSidecar(sidecar) ? [] : (validateSidecar.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

export async function exportBoth(page: Page) {
  // The .npy streams from storage, so the sidecar's download may start first: find each by name.
  const downloads = await clickForDownloads(page, page.getByTestId('export-npy'), 2);
  const npyDl = downloads.find((d) => d.suggestedFilename().endsWith('.npy'))!;
  const jsonDl = downloads.find((d) => d.suggestedFilename().endsWith('.npy.json'))!;
  expect(npyDl, downloads.map((d) => d.suggestedFilename()).join(', ')).toBeDefined();
  // the CLI's naming: OUT.npy beside OUT.npy.json
  expect(jsonDl.suggestedFilename()).toBe(`${npyDl.suggestedFilename()}.json`);
  const npyPath = (await npyDl.path())!;
  const npy = parseNpyF32(readFileSync(npyPath));
  const sidecar = JSON.parse(readFileSync((await jsonDl.path())!, 'utf8')) as Record<string, unknown> & {
    shape: number[];
    ch_names: string[];
    times: number[];
    images: { name: string; width: number; height: number; cropped: boolean; square_mode: string; square_size: number }[];
  };
  expect(sidecarSchemaErrors(sidecar)).toEqual([]);
  return { npy, sidecar, npyName: npyDl.suggestedFilename(), npyPath };
}

/** Largest absolute difference and largest |ref| (the unit tests' maxErr, the lengths checked as an expectation). */
export function maxErr(a: ArrayLike<number>, ref: ArrayLike<number>): { err: number; ref: number } {
  expect(a.length).toBe(ref.length);
  const m = maxErrOf(a, ref);
  return { err: m.err, ref: m.ref };
}

/** Reference [B, 4, C, T] from per-image [4, 63, 140] blocks, sliced like the export. */
export function sliceRef(blocks: Float32Array[], chIdx: number[], tIdx: number[]): Float32Array {
  const out = new Float32Array(blocks.length * 4 * chIdx.length * tIdx.length);
  let o = 0;
  for (const b of blocks)
    for (let r = 0; r < 4; r++)
      for (const c of chIdx)
        for (const t of tIdx) out[o++] = b[(r * 63 + c) * 140 + t];
  return out;
}

export async function encodeRequests(page: Page): Promise<number> {
  return Number(await page.getByTestId('encode-status').getAttribute('data-encode-requests'));
}

/** Wait for encode-status to reach a state; an unexpected 'error' fails at once with its text. */
export async function waitForState(page: Page, state: string, timeout = 180_000) {
  const status = page.getByTestId('encode-status');
  await expect
    .poll(
      async () => {
        const s = await status.getAttribute('data-state');
        if (s === 'error' && state !== 'error') throw new Error(`encode-status: ${await status.textContent()}`);
        return s;
      },
      { timeout, intervals: [100, 250, 500] },
    )
    .toBe(state);
}

export async function imagesSent(page: Page): Promise<number> {
  return Number(await page.getByTestId('encode-status').getAttribute('data-images-sent'));
}

/**
 * Picks image `n` (its number in the gallery's order, from 1) in an image choice: "one image, by
 * number" in its select where it has one, then the number. Resolves once the choice shows `name`.
 */
export async function chooseImage(scope: Page | Locator, testId: string, n: number, name: string) {
  const select = scope.getByTestId(testId);
  if (await select.count()) await select.selectOption({ label: 'one image, by number' });
  const field = scope.getByTestId(`${testId}-number`);
  await field.fill(String(n));
  await field.press('Enter');
  await expect(field.locator('xpath=../following-sibling::span[contains(@class, "image-choice-name")]')).toContainText(name);
}
