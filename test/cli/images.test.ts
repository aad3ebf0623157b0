// The CLI's stimulus reader over the shared decoder: folder mode reads every format the page does,
// names what it skips and why, carries the EXIF fields, refuses oversized files by name; .npy
// batches read in chunks.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStimuli, PIXEL_POLICY, decodeFile } from '../../src/cli/images.ts';
import { rgbToSquareChw } from '../../src/io/image_square.ts';
import { writeNpy } from '../../src/io/npy.ts';
import { loadNpy, ROOT } from '../helpers.ts';

const IMAGES = join(ROOT, 'test/fixtures/images');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'insilico-stimuli-'));
  for (const f of ['png_rgba.png', 'jpeg_cmyk.jpg', 'webp_lossy.webp', 'gif_anim.gif', 'bmp_8.bmp', 'jpeg_exif6.jpg']) copyFileSync(join(IMAGES, f), join(dir, f));
  copyFileSync(join(IMAGES, 'jpeg_444.jpg'), join(dir, 'UPPER.JPEG'));
  copyFileSync(join(IMAGES, 'webp_lossless_alpha.webp'), join(dir, 'Mixed.WebP'));
  writeFileSync(join(dir, 'notes.txt'), 'not an image');
  writeFileSync(join(dir, '.DS_Store'), '');
  mkdirSync(join(dir, 'sub'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('folder mode', () => {
  it('reads .png .jpg .jpeg .webp .gif .bmp in any case, and lists each skipped entry with its reason', async () => {
    const set = await openStimuli(dir);
    expect(set.names(0, set.count)).toEqual(['Mixed.WebP', 'UPPER.JPEG', 'bmp_8.bmp', 'gif_anim.gif', 'jpeg_cmyk.jpg', 'jpeg_exif6.jpg', 'png_rgba.png', 'webp_lossy.webp']);
    expect(set.skipped).toEqual([
      { name: '.DS_Store', reason: 'hidden file' },
      { name: 'notes.txt', reason: 'not an image file name (.png .jpg .jpeg .webp .gif .bmp)' },
      { name: 'sub', reason: 'folder (subfolders are not read)' },
    ]);
    const all = await set.read(0, set.count);
    // Every pixel is PIL's: compare the centre crop of each golden.
    for (const s of all) {
      const stem = { 'UPPER.JPEG': 'jpeg_444', 'Mixed.WebP': 'webp_lossless_alpha' }[s.name] ?? s.name.replace(/\.\w+$/, '');
      const g = loadNpy(`test/golden/pixels/${stem}.npy`);
      const want = rgbToSquareChw(g.data as Uint8Array, g.shape[1], g.shape[0], 'crop');
      expect(Buffer.compare(Buffer.from(s.data), Buffer.from(want.data)), s.name).toBe(0);
      expect(s.cropped).toBe(true);
      expect(s.exifOrientation).toBe(s.name === 'jpeg_exif6.jpg' ? 6 : null);
      expect(s.orientationApplied).toBe(false);
    }
    await set.close();
  });

  it("exifOrientation 'apply' turns tagged files and says so", async () => {
    const set = await openStimuli(dir, { exifOrientation: 'apply' });
    const i = set.names(0, set.count).indexOf('jpeg_exif6.jpg');
    const [s] = await set.read(i, 1);
    expect([s.width, s.height, s.exifOrientation, s.orientationApplied]).toEqual([40, 48, 6, true]);
    const g = loadNpy('test/golden/pixels/jpeg_exif6_applied.npy');
    expect(Buffer.compare(Buffer.from(s.data), Buffer.from(rgbToSquareChw(g.data as Uint8Array, 40, 48, 'crop').data))).toBe(0);
  });

  it('maxPixels refuses a file by name, from its header', async () => {
    const set = await openStimuli(dir, { maxPixels: 1000 });
    await expect(set.read(0, 1)).rejects.toThrow(/Mixed\.WebP: 48 x 40 = 0\.0 megapixels is over the 0\.0-megapixel limit/);
    await expect(openStimuli(dir, { maxPixels: 0 })).rejects.toThrow(/maxPixels must be a positive integer/);
    await expect(openStimuli(dir, { exifOrientation: 'rotate' as 'apply' })).rejects.toThrow(/exifOrientation must be 'ignore' or 'apply'/);
  });

  it('a JPEG whose frame header declares 20000 x 20000 is refused before decoding', async () => {
    const b = new Uint8Array(readFileSync(join(IMAGES, 'jpeg_420.jpg')));
    for (let o = 2; o < b.length; ) {
      const marker = b[o + 1];
      if (marker === 0xc0 || marker === 0xc2) {
        b[o + 5] = 20000 >> 8;
        b[o + 6] = 20000 & 255;
        b[o + 7] = 20000 >> 8;
        b[o + 8] = 20000 & 255;
        break;
      }
      o += 2 + ((b[o + 2] << 8) | b[o + 3]);
    }
    await expect(decodeFile(b, 'huge.jpg')).rejects.toThrow(/^huge\.jpg: 20000 x 20000 = 400\.0 megapixels is over the 50\.0-megapixel limit/);
  });

  it('an unreadable file names itself and its format, never [object Object]', async () => {
    const bad = new Uint8Array(readFileSync(join(IMAGES, 'webp_lossy.webp'))).slice(0, 60);
    const e = await decodeFile(bad, 'cut.webp').catch((x: Error) => x);
    expect(String((e as Error).message)).toMatch(/^cut\.webp: not a readable WEBP/);
    expect(String((e as Error).message)).not.toMatch(/object Object/);
    await expect(decodeFile(new Uint8Array([0, 1, 2, 3]), 'x.png')).rejects.toThrow(/^x\.png: not a decodable image: its bytes are not PNG, JPEG, WebP, GIF or BMP$/);
  });

  it('names the policy', () => {
    expect(PIXEL_POLICY).toBe('PIL.Image.open(f).convert("RGB")');
  });
});

describe('.npy stimuli', () => {
  it('reads batches (each read under 1 GiB) with the EXIF fields empty', async () => {
    const data = new Uint8Array(5 * 3 * 4 * 4).map((_, i) => i % 251);
    const p = join(dir, 'x.npy');
    writeFileSync(p, writeNpy([5, 3, 4, 4], data));
    const set = await openStimuli(p);
    const got = await set.read(1, 3);
    expect(got.map((s) => s.name)).toEqual(['x.npy[1]', 'x.npy[2]', 'x.npy[3]']);
    expect(Array.from(got[2].data)).toEqual(Array.from(data.subarray(3 * 48, 4 * 48)));
    expect(got[0].exifOrientation).toBe(null);
    expect(set.skipped).toEqual([]);
    await set.close();
  });
});
