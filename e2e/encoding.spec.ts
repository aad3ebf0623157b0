// Encoding control and image formats: cancel and resume; BMP decodes to the same pixels as PNG;
// EXIF orientation is applied.
import { test, expect, type Page } from '@playwright/test';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { writeFixtures } from './fixtures.ts';
import { imagesSent, waitForState } from './helpers.ts';

test.describe.configure({ mode: 'serial' });

// One page (one model load) for both tests; batches of one image make cancelling easy.
let page: Page;
test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto('/?backend=wasm&batch=1');
  await waitForState(page, 'idle');
});
test.afterAll(async () => {
  await page?.close();
});

test('cancel stops between batches, keeps what is done, and resume encodes only the rest', async ({}, info) => {
  const fx = writeFixtures(info.outputPath('images'));
  const files: string[] = [];
  for (let k = 0; k < 6; k++)
    for (const f of fx.images) {
      const p = info.outputPath('images', `copy${k}_${f.name}`);
      copyFileSync(f.path, p);
      files.push(p);
    }
  await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles(files);
  const status = page.getByTestId('encode-status');
  await expect(status).toContainText(/Encoding on wasm: [1-9]\d* of \d+ images/, { timeout: 120_000 });
  await page.getByTestId('cancel-encode').click({ timeout: 10_000 });
  await waitForState(page, 'idle');
  const text = (await status.textContent())!;
  const m = /Cancelled: (\d+) of 24 images encoded/.exec(text);
  expect(m, text).not.toBeNull();
  const done = Number(m![1]);
  expect(done).toBeGreaterThan(0);
  expect(done).toBeLessThan(24);
  await expect(page.locator('[data-testid=thumb][data-encoded=true]')).toHaveCount(done);
  // Plots already show what is encoded.
  await expect(page.getByTestId('timecourse')).toHaveAttribute('data-has-data', 'true');
  await expect(page.getByTestId('export-npy')).toBeDisabled();
  await page.getByRole('button', { name: 'Resume' }).click();
  await waitForState(page, 'done');
  await expect(page.locator('[data-testid=thumb][data-encoded=true]')).toHaveCount(24);
  // Images sent but not finished when the cancel arrived are sent again; finished ones are not.
  const sent = await imagesSent(page);
  expect(sent).toBeGreaterThanOrEqual(24);
  expect(sent).toBeLessThanOrEqual(24 + (24 - done));
  await expect(page.getByTestId('export-npy')).toBeEnabled();
});

/** A 24-bit bottom-up BMP of an RGBA image. */
function bmp(rgba: Uint8Array, w: number, h: number): Buffer {
  const row = Math.ceil((w * 3) / 4) * 4;
  const buf = Buffer.alloc(54 + row * h);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(w, 18);
  buf.writeInt32LE(h, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  buf.writeUInt32LE(row * h, 34);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 4;
      const d = 54 + (h - 1 - y) * row + x * 3;
      buf[d] = rgba[s + 2];
      buf[d + 1] = rgba[s + 1];
      buf[d + 2] = rgba[s];
    }
  return buf;
}

/** JPEG with an EXIF APP1 segment holding one tag: Orientation. */
function jpegWithOrientation(rgba: Uint8Array, w: number, h: number, orientation: number): Buffer {
  const jpg = jpeg.encode({ data: Buffer.from(rgba), width: w, height: h }, 95).data;
  const tiff = Buffer.alloc(26);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  tiff.writeUInt16LE(1, 8); // one IFD entry
  tiff.writeUInt16LE(0x0112, 10); // Orientation
  tiff.writeUInt16LE(3, 12); // SHORT
  tiff.writeUInt32LE(1, 14);
  tiff.writeUInt16LE(orientation, 18);
  tiff.writeUInt32LE(0, 22); // no next IFD
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(payload.length + 2, 2);
  // After SOI and the JFIF APP0 segment.
  const app0Len = jpg.readUInt16BE(4);
  const cut = 4 + app0Len;
  return Buffer.concat([jpg.subarray(0, cut), app1, payload, jpg.subarray(cut)]);
}

test('BMP gives the same responses as the PNG; EXIF orientation 6 turns a landscape JPEG upright', async ({}, info) => {
  const fx = writeFixtures(info.outputPath('images'));
  const src = fx.images[1]; // 320 x 240
  const png = PNG.sync.read(readFileSync(src.path));
  const bmpPath = join(info.outputPath('images'), 'house_red.bmp');
  writeFileSync(bmpPath, bmp(png.data, png.width, png.height));
  const jpgPath = join(info.outputPath('images'), 'rotated.jpg');
  writeFileSync(jpgPath, jpegWithOrientation(png.data, png.width, png.height, 6));

  await page.getByRole('button', { name: 'Clear all' }).click();
  await expect(page.getByTestId('thumb')).toHaveCount(0);
  await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles([src.path, bmpPath, jpgPath]);
  await waitForState(page, 'done');
  const thumbs = page.getByTestId('thumb');
  await expect(thumbs.nth(0)).toContainText('320×240');
  await expect(thumbs.nth(1)).toContainText('320×240');
  await expect(thumbs.nth(2)).toContainText('240×320'); // rotated by the EXIF tag
  // PNG and BMP carry identical pixels, so their rows of the export are identical.
  await page.getByTestId('topomap').getByLabel('Map of').selectOption({ label: 'Image 1: house_red.png' });
  const a = await page.getByTestId('topomap').getAttribute('data-values-sum');
  await page.getByTestId('topomap').getByLabel('Map of').selectOption({ label: 'Image 2: house_red.bmp' });
  await expect(page.getByTestId('topomap')).toHaveAttribute('data-values-sum', a!);
});
