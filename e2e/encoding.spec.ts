// Encoding control and image formats: cancel and resume; BMP, GIF (first frame) and WebP decode to
// the same pixels as PNG; EXIF orientation is applied.
import { test, expect, type Page } from '@playwright/test';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { writeFixtures } from './fixtures.ts';
import { chooseImage, imagesSent, waitForState } from './helpers.ts';

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
  // Enough images that the cancel lands while encoding: the click follows the first finished
  // image, and each image is a batch of its own.
  const N = 24;
  for (let k = 0; k < N / fx.images.length; k++)
    for (const f of fx.images) {
      const p = info.outputPath('images', `copy${k}_${f.name}`);
      copyFileSync(f.path, p);
      files.push(p);
    }
  await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles(files);
  const status = page.getByTestId('encode-status');
  await expect(status).toContainText(/Encoding on wasm: [1-9]\d* of \d+ images/, { timeout: 120_000 });
  // the time course follows the batches while encoding
  await expect(page.getByTestId('timecourse')).toHaveAttribute('data-has-data', 'true');
  await expect(page.getByTestId('timecourse').locator('.line-plot')).not.toHaveAttribute('data-points', '0');
  await page.getByTestId('cancel-encode').click({ timeout: 10_000 });
  await waitForState(page, 'idle');
  const text = (await status.textContent())!;
  console.log(`status after the cancel: ${text}`);
  const m = new RegExp(`Cancelled: (\\d+) of ${N} images encoded`).exec(text);
  expect(m, text).not.toBeNull();
  const done = Number(m![1]);
  expect(done).toBeGreaterThan(0);
  expect(done).toBeLessThan(N);
  await expect(page.locator('[data-testid=thumb][data-encoded=true]')).toHaveCount(done);
  // Plots already show what is encoded.
  await expect(page.getByTestId('timecourse')).toHaveAttribute('data-has-data', 'true');
  await expect(page.getByTestId('timecourse').locator('.line-plot')).not.toHaveAttribute('data-points', '0');
  await expect(page.getByTestId('export-npy')).toBeDisabled();
  await page.getByRole('button', { name: 'Resume' }).click();
  await waitForState(page, 'done');
  await expect(page.locator('[data-testid=thumb][data-encoded=true]')).toHaveCount(N);
  // Nothing is left to encode: no Resume button.
  await expect(page.getByRole('button', { name: 'Resume' })).toHaveCount(0);
  // Images sent but not finished when the cancel arrived are sent again; finished ones are not.
  const sent = await imagesSent(page);
  expect(sent).toBeGreaterThanOrEqual(N);
  expect(sent).toBeLessThanOrEqual(N + (N - done));
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

test('BMP gives the same responses as the PNG; EXIF orientation 6 is marked, ignored as PIL does, and applied when asked', async ({}, info) => {
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
  // Ignored by default, as PIL's Image.open: pixels as stored, and the thumbnail says so.
  await expect(thumbs.nth(2)).toContainText('320×240');
  await expect(thumbs.nth(2).getByTestId('exif-badge')).toHaveText('EXIF 6: ignored');
  await expect(thumbs.nth(0).getByTestId('exif-badge')).toHaveCount(0);
  // 240 px after the crop: the model's resize to 256 px enlarges it, and the thumbnail says so.
  await expect(thumbs.nth(0).getByTestId('upscale-notice')).toHaveText('upscaled ×1.07 to 256 px by the model');
  // PNG and BMP carry identical pixels, so their rows of the export are identical.
  const a = await mapValues(page, 1, 'house_red.png');
  expect(await mapValues(page, 2, 'house_red.bmp')).toBe(a);
  // Applied on request: the JPEG is turned upright, as ImageOps.exif_transpose turns it.
  await page.getByTestId('exif-orientation').selectOption('apply');
  await expect(thumbs.nth(2)).toContainText('240×320');
  await expect(thumbs.nth(2).getByTestId('exif-badge')).toHaveText('EXIF 6: applied');
  await waitForState(page, 'done');
  await page.getByTestId('exif-orientation').selectOption('ignore');
  await expect(thumbs.nth(2)).toContainText('320×240');
  await waitForState(page, 'done');
});

/**
 * A GIF89a of indexed frames over one 256-colour palette. The LZW stream sends a clear code every
 * 250 literals, so every code stays 9 bits wide: valid, just not compressed.
 */
function gif(frames: Uint8Array[], w: number, h: number, palette: Uint8Array): Buffer {
  const out: number[] = [...Buffer.from('GIF89a', 'latin1')];
  const u16 = (v: number) => out.push(v & 255, v >> 8);
  u16(w);
  u16(h);
  out.push(0xf7, 0, 0, ...palette); // global colour table of 256 entries
  for (const frame of frames) {
    out.push(0x21, 0xf9, 4, 0x04, 10, 0, 0, 0); // graphic control: keep the frame, 0.1 s
    out.push(0x2c);
    u16(0);
    u16(0);
    u16(w);
    u16(h);
    out.push(0, 8); // no local table; LZW minimum code size 8
    const bytes: number[] = [];
    let cur = 0;
    let bits = 0;
    const put = (code: number) => {
      cur |= code << bits;
      bits += 9;
      while (bits >= 8) {
        bytes.push(cur & 255);
        cur >>= 8;
        bits -= 8;
      }
    };
    for (let i = 0; i < frame.length; i++) {
      if (i % 250 === 0) put(256);
      put(frame[i]);
    }
    put(257);
    if (bits) bytes.push(cur & 255);
    for (let i = 0; i < bytes.length; i += 255) out.push(Math.min(255, bytes.length - i), ...bytes.slice(i, i + 255));
    out.push(0);
  }
  out.push(0x3b);
  return Buffer.from(out);
}

test('GIF gives its first frame and WebP its pixels: the same responses as PNGs of those pixels', async ({}, info) => {
  const dir = info.outputPath('images');
  const fx = writeFixtures(dir);
  const src = fx.images[1]; // 320 x 240
  const png = PNG.sync.read(readFileSync(src.path));
  const { width: w, height: h } = png;
  // The photo on a 6 x 6 x 6 colour cube: frame 1; its complement: frame 2.
  const palette = new Uint8Array(768);
  for (let i = 0; i < 216; i++) palette.set([Math.floor(i / 36) * 51, (Math.floor(i / 6) % 6) * 51, (i % 6) * 51], i * 3);
  const first = new Uint8Array(w * h);
  const quantised = new PNG({ width: w, height: h });
  for (let p = 0; p < w * h; p++) {
    const [r, g, b] = [0, 1, 2].map((c) => Math.round(png.data[p * 4 + c] / 51));
    first[p] = r * 36 + g * 6 + b;
    quantised.data.set([r * 51, g * 51, b * 51, 255], p * 4);
  }
  const gifPath = join(dir, 'frames.gif');
  writeFileSync(gifPath, gif([first, first.map((i) => 215 - i)], w, h, palette));
  const cubePath = join(dir, 'frames_first.png');
  writeFileSync(cubePath, PNG.sync.write(quantised));

  // WebP from the browser's own encoder, and a PNG of the pixels the browser decodes from it
  // (the same as the photo's when the encoder is lossless, as Chromium's is at quality 1).
  const webp = await page.evaluate(async (b64) => {
    // No fetch of a data: URL: the page's CSP allows connections to its own origin only.
    const bmp = await createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'image/png' }));
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    c.getContext('2d')!.drawImage(bmp, 0, 0);
    const blob = await c.convertToBlob({ type: 'image/webp', quality: 1 });
    const back = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    const d = new OffscreenCanvas(back.width, back.height).getContext('2d')!;
    d.drawImage(back, 0, 0);
    const bytes = new Uint8Array(await blob.arrayBuffer());
    return { type: blob.type, webp: Array.from(bytes), pixels: Array.from(d.getImageData(0, 0, back.width, back.height).data) };
  }, readFileSync(src.path).toString('base64'));
  expect(webp.type).toBe('image/webp');
  const webpPath = join(dir, 'house.webp');
  writeFileSync(webpPath, Buffer.from(webp.webp));
  const decoded = new PNG({ width: w, height: h });
  decoded.data.set(webp.pixels);
  const decodedPath = join(dir, 'house_webp_pixels.png');
  writeFileSync(decodedPath, PNG.sync.write(decoded));
  console.log(`WebP at quality 1: ${webp.webp.length} bytes, ${webp.pixels.every((v, i) => v === png.data[i]) ? 'lossless' : 'lossy'}`);

  await page.getByRole('button', { name: 'Clear all' }).click();
  await expect(page.getByTestId('thumb')).toHaveCount(0);
  await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles([cubePath, gifPath, decodedPath, webpPath]);
  await waitForState(page, 'done');
  const thumbs = page.getByTestId('thumb');
  for (let i = 0; i < 4; i++) await expect(thumbs.nth(i)).toContainText('320×240');
  const cube = await mapValues(page, 1, 'frames_first.png');
  expect(await mapValues(page, 2, 'frames.gif')).toBe(cube);
  const pixels = await mapValues(page, 3, 'house_webp_pixels.png');
  expect(pixels).not.toBe(cube);
  expect(await mapValues(page, 4, 'house.webp')).toBe(pixels);
});

/** The topomap of one image (its 63 values at the cursor), once the map is drawn for it: an image's group mean arrives from the responses worker after the choice. */
async function mapValues(page: Page, n: number, name: string): Promise<string> {
  const map = page.getByTestId('topomap');
  const before = await map.getAttribute('data-map-source');
  await chooseImage(map, 'map-source', n, name);
  await expect(map).toHaveAttribute('data-map-source', /^img:/);
  await expect(map).not.toHaveAttribute('data-map-source', before!);
  const values = (await map.getAttribute('data-values'))!;
  expect(values.split(',')).toHaveLength(63);
  return values;
}
