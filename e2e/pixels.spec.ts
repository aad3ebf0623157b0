// The pixel policy in the page: every fixture of test/fixtures/images goes through the page's own
// decode worker (as the app posts to it) and must come back with the pixels of the CLI's decoder
// and of PIL's convert('RGB') (test/golden/pixels), square mode and all. Then the EXIF switch
// and the thumbnail badge.
import { test, expect, type Page, type Worker } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rgbToSquareChw } from '../src/io/image_square.ts';
import { decodeFile } from '../src/cli/images.ts';
import { loadJson, loadNpy, ROOT, waitForState } from './helpers.ts';

const IMAGES = join(ROOT, 'test/fixtures/images');
interface Case {
  file: string;
  golden: string;
  applied?: string;
}
const manifest = loadJson<{ cases: Case[] }>('test/golden/pixels/manifest.json');
const golden = (f: string) => loadNpy(`test/golden/pixels/${f}`);

test.describe.configure({ mode: 'serial' });

let page: Page;
let worker: Worker;
test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto('/?backend=wasm');
  await waitForState(page, 'idle');
  // The decode worker starts with the first image.
  const started = page.waitForEvent('worker', (w) => /decode/.test(w.url()));
  await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles([join(IMAGES, 'png_rgba.png')]);
  worker = page.workers().find((w) => /decode/.test(w.url())) ?? (await started);
  await expect(page.getByTestId('thumb')).toHaveCount(1);
});
test.afterAll(async () => {
  await page?.close();
});

/** Post one file to the page's decode worker as decode_client does; return the square it sends back. */
async function decodeInPage(file: string, mode: string, exifOrientation: string) {
  const b64 = readFileSync(join(IMAGES, file)).toString('base64');
  return worker.evaluate(
    ({ b64, mode, exifOrientation }) =>
      new Promise<{ ok: boolean; message?: string; width?: number; height?: number; size?: number; data?: string; exif?: number | null; applied?: boolean }>((resolve) => {
        const g = self as unknown as { postMessage: (m: unknown, t?: unknown) => void; onmessage: (ev: { data: unknown }) => void };
        const reqId = -1 - Math.floor(Math.random() * 1e9);
        const post = g.postMessage.bind(g);
        g.postMessage = (m: unknown, t?: unknown) => {
          const r = m as { reqId: number; ok: boolean; message?: string; decoded?: { width: number; height: number; square: { size: number; data: Uint8Array }; exifOrientation: number | null; orientationApplied: boolean } };
          if (r.reqId !== reqId) return post(m, t);
          g.postMessage = post;
          if (!r.ok || !r.decoded) return resolve({ ok: false, message: r.message });
          const d = r.decoded;
          let s = '';
          for (let i = 0; i < d.square.data.length; i++) s += String.fromCharCode(d.square.data[i]);
          resolve({ ok: true, width: d.width, height: d.height, size: d.square.size, data: btoa(s), exif: d.exifOrientation, applied: d.orientationApplied });
        };
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        g.onmessage({ data: { reqId, file: new Blob([bytes]), mode, exifOrientation } });
      }),
    { b64, mode, exifOrientation },
  );
}

test("the page's decode worker gives the CLI's pixels and PIL's, for every format and variant", async () => {
  const cases: { c: Case; exif: 'ignore' | 'apply'; ref: string }[] = manifest.cases.map((c) => ({ c, exif: 'ignore', ref: c.golden }));
  for (const c of manifest.cases) if (c.applied) cases.push({ c, exif: 'apply', ref: c.applied });
  for (const { c, exif, ref } of cases) {
    for (const mode of ['pad-black', 'crop'] as const) {
      const got = await decodeInPage(c.file, mode, exif);
      expect(got.ok, `${c.file}: ${got.message}`).toBe(true);
      const pil = golden(ref);
      const [h, w] = pil.shape;
      expect([got.height, got.width], c.file).toEqual([h, w]);
      const want = rgbToSquareChw(pil.data as Uint8Array, w, h, mode);
      const cli = await decodeFile(new Uint8Array(readFileSync(join(IMAGES, c.file))), c.file, { exifOrientation: exif });
      const fromCli = rgbToSquareChw(cli.rgb, cli.width, cli.height, mode);
      const page = new Uint8Array(Buffer.from(got.data!, 'base64'));
      expect(got.size).toBe(want.size);
      expect(Buffer.compare(Buffer.from(fromCli.data), Buffer.from(want.data)), `${c.file} CLI vs PIL (${mode}, ${exif})`).toBe(0);
      expect(Buffer.compare(Buffer.from(page), Buffer.from(want.data)), `${c.file} page vs PIL (${mode}, ${exif})`).toBe(0);
      expect(got.exif).toBe(cli.exifOrientation);
      expect(got.applied).toBe(cli.orientationApplied);
    }
  }
});

test('hostile and unreadable files get a clear message in the page too', async () => {
  const big = await worker.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const g = self as unknown as { postMessage: (m: unknown, t?: unknown) => void; onmessage: (ev: { data: unknown }) => void };
        const post = g.postMessage.bind(g);
        g.postMessage = (m: unknown, t?: unknown) => {
          const r = m as { reqId: number; message?: string };
          if (r.reqId !== -7) return post(m, t);
          g.postMessage = post;
          resolve(r.message ?? 'decoded');
        };
        // IHDR declaring 20000 x 20000: refused from the header, nothing allocated.
        const b = new Uint8Array(33);
        b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
        new DataView(b.buffer).setUint32(16, 20000);
        new DataView(b.buffer).setUint32(20, 20000);
        b.set([8, 2, 0, 0, 0], 24);
        g.onmessage({ data: { reqId: -7, file: new Blob([b]), mode: 'crop', exifOrientation: 'ignore' } });
      }),
  );
  expect(big).toMatch(/400\.0 megapixels is over the 50\.0-megapixel limit/);
});

test('EXIF orientation: ignored by default with a badge saying so; the switch applies it', async () => {
  await page.getByRole('button', { name: 'Clear all' }).click();
  await expect(page.getByTestId('thumb')).toHaveCount(0);
  await expect(page.getByTestId('exif-orientation')).toHaveValue('ignore');
  await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles([join(IMAGES, 'jpeg_exif6.jpg'), join(IMAGES, 'jpeg_cmyk.jpg'), join(IMAGES, 'png_rgba.png')]);
  const thumbs = page.getByTestId('thumb');
  await expect(thumbs).toHaveCount(3);
  await expect(page.getByTestId('error-chip')).toHaveCount(0);
  await expect(thumbs.nth(0)).toContainText('48×40');
  const badge = thumbs.nth(0).getByTestId('exif-badge');
  await expect(badge).toHaveText('EXIF 6: ignored');
  await expect(badge).toHaveAttribute('title', /orientation 6 ignored/);
  await expect(thumbs.nth(1).getByTestId('exif-badge')).toHaveCount(0);
  await expect(thumbs.nth(2)).toContainText('alpha ignored');

  await page.getByTestId('exif-orientation').selectOption('apply');
  await expect(thumbs.nth(0)).toContainText('40×48');
  await expect(badge).toHaveText('EXIF 6: applied');
  await expect(badge).toHaveAttribute('title', /rotated 90° clockwise/);
  await expect(thumbs.nth(1)).toContainText('48×40');
  await page.getByTestId('exif-orientation').selectOption('ignore');
  await expect(thumbs.nth(0)).toContainText('48×40');
});
