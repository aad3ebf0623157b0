// The pixel policy: our decoder (src/io/image_decode.ts, as the CLI and the page's worker use it)
// gives exactly PIL.Image.open(f).convert('RGB') for every format and variant in
// test/fixtures/images (goldens by tools/reference/make_pixel_goldens.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { zlibSync } from 'fflate';
import { decodeImageFile, DEFAULT_MAX_PIXELS, ImageDecodeError, sniffFormat } from '../../src/io/image_decode.ts';
import { useNodeWasm } from '../../src/cli/images.ts';
import { reachesEndOfImage } from '../../src/io/image_jpeg.ts';
import { loadJson, loadNpy, ROOT } from '../helpers.ts';

interface Case {
  file: string;
  golden: string;
  shape: [number, number, number];
  pil_mode: string;
  exif_orientation?: number;
  applied?: string;
}
const manifest = loadJson<{ pil: string; cases: Case[]; refused: { file: string; cut: number; pil_error: string }[] }>('test/golden/pixels/manifest.json');
const bytesOf = (f: string) => new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/images', f)));

function mismatches(got: Uint8Array, ref: Uint8Array): { count: number; max: number } {
  let count = 0;
  let max = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i] - ref[i]);
    if (d) {
      count++;
      max = Math.max(max, d);
    }
  }
  return { count, max };
}

beforeAll(() => useNodeWasm());

describe(`decoder = PIL ${manifest.pil} convert('RGB'), bit for bit`, () => {
  for (const c of manifest.cases) {
    it(`${c.file} (PIL mode ${c.pil_mode})`, async () => {
      const d = await decodeImageFile(bytesOf(c.file));
      const ref = loadNpy(`test/golden/pixels/${c.golden}`);
      expect([d.height, d.width, 3]).toEqual(ref.shape);
      expect(d.mode).toBe(c.pil_mode);
      expect(mismatches(d.rgb, ref.data as Uint8Array)).toEqual({ count: 0, max: 0 });
      expect(d.exifOrientation).toBe(c.exif_orientation ?? null);
      expect(d.orientationApplied).toBe(false);
    });
  }

  it('the JPEG golden of the CLI test (photo_420) too', async () => {
    const d = await decodeImageFile(new Uint8Array(readFileSync(join(ROOT, 'test/golden/jpeg/photo_420.jpg'))));
    const ref = loadNpy('test/golden/jpeg/photo_420_pil_rgb.npy');
    expect(mismatches(d.rgb, ref.data as Uint8Array).count).toBe(0);
  });
});

describe('EXIF orientation', () => {
  const c = manifest.cases.find((x) => x.applied)!;
  it("'apply' gives ImageOps.exif_transpose's pixels and says so", async () => {
    const d = await decodeImageFile(bytesOf(c.file), { exifOrientation: 'apply' });
    const ref = loadNpy(`test/golden/pixels/${c.applied}`);
    expect([d.height, d.width, 3]).toEqual(ref.shape);
    expect(mismatches(d.rgb, ref.data as Uint8Array).count).toBe(0);
    expect(d.exifOrientation).toBe(6);
    expect(d.orientationApplied).toBe(true);
  });
  it("'apply' leaves files without a tag alone", async () => {
    const d = await decodeImageFile(bytesOf('jpeg_420.jpg'), { exifOrientation: 'apply' });
    expect(d.exifOrientation).toBe(null);
    expect(d.orientationApplied).toBe(false);
  });
});

/** A PNG whose IHDR declares w x h: no pixel data is needed to be refused. */
function pngDeclaring(w: number, h: number): Uint8Array {
  const b = new Uint8Array(8 + 25);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, w);
  new DataView(b.buffer).setUint32(20, h);
  b.set([8, 2, 0, 0, 0], 24);
  return b;
}

describe('pixel limit, from the header before decoding', () => {
  it('refuses a PNG declaring 20000 x 20000 by default', async () => {
    await expect(decodeImageFile(pngDeclaring(20000, 20000))).rejects.toThrow(/20000 x 20000 = 400\.0 megapixels is over the 50\.0-megapixel limit/);
    expect(DEFAULT_MAX_PIXELS).toBe(50_000_000);
  });
  it('refuses a JPEG over maxPixels (header read by libjpeg-turbo)', async () => {
    await expect(decodeImageFile(bytesOf('jpeg_420.jpg'), { maxPixels: 1000 })).rejects.toThrow(/48 x 40 .* over the 0\.0-megapixel limit/);
  });
  for (const f of ['webp_lossy.webp', 'webp_lossless_alpha.webp', 'gif_anim.gif', 'bmp_24.bmp', 'png_rgba.png']) {
    it(`refuses ${f} over maxPixels`, async () => {
      await expect(decodeImageFile(bytesOf(f), { maxPixels: 48 * 40 - 1 })).rejects.toBeInstanceOf(ImageDecodeError);
      await expect(decodeImageFile(bytesOf(f), { maxPixels: 48 * 40 })).resolves.toBeTruthy();
    });
  }
});

/** A PNG of given IHDR, image data and extra chunks before IDAT (CRCs left 0: fast-png does not check them). */
function png(w: number, h: number, idat: Uint8Array, extra: [string, Uint8Array][] = []): Uint8Array {
  const chunk = (t: string, d: Uint8Array) => {
    const c = new Uint8Array(12 + d.length);
    new DataView(c.buffer).setUint32(0, d.length);
    c.set([...t].map((ch) => ch.charCodeAt(0)), 4);
    c.set(d, 8);
    return c;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, w);
  new DataView(ihdr.buffer).setUint32(4, h);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), ...extra.map(([t, d]) => chunk(t, d)), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('decompression bombs inside the pixel limit', () => {
  it('image data inflating past what IHDR allows is refused while inflating', async () => {
    const bomb = zlibSync(new Uint8Array(16 << 20)); // 16 MiB of zeros in about 16 kB
    await expect(decodeImageFile(png(100, 100, bomb))).rejects.toThrow(/inflates past the 10100 bytes its 100 x 100 header allows/);
  });
  it('a colour profile bomb is never inflated (PIL does not apply profiles either)', async () => {
    const rows = new Uint8Array(4 * 5).fill(7);
    for (let y = 0; y < 4; y++) rows[y * 5] = 0; // filter byte
    const profile = new Uint8Array([...'bomb'].map((c) => c.charCodeAt(0)).concat([0, 0]).concat([...zlibSync(new Uint8Array(16 << 20))]));
    const d = await decodeImageFile(png(4, 4, zlibSync(rows), [['iCCP', profile]]));
    expect([d.width, d.height, d.rgb[0], d.mode]).toEqual([4, 4, 7, 'L']);
  });
});

describe('bad files', () => {
  it('name the format and never print [object Object]', async () => {
    const cmyk = bytesOf('jpeg_cmyk.jpg');
    const cut = cmyk.slice(0, 400);
    for (const b of [cut, bytesOf('png_rgba.png').slice(0, 60), bytesOf('gif_anim.gif').slice(0, 30), bytesOf('webp_lossy.webp').slice(0, 40), new Uint8Array([1, 2, 3])]) {
      const e = await decodeImageFile(b).then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(ImageDecodeError);
      expect(String((e as Error).message)).not.toMatch(/object Object/);
    }
    expect(sniffFormat(new Uint8Array([1, 2, 3]))).toBe(null);
  });
  it('a JPEG that ends before its end-of-image marker is refused, as PIL refuses it', async () => {
    expect(manifest.refused.length).toBeGreaterThan(0);
    for (const r of manifest.refused) {
      const cut = bytesOf(r.file).slice(0, r.cut);
      await expect(decodeImageFile(cut), `${r.file} cut at ${r.cut} (PIL: ${r.pil_error})`).rejects.toThrow(/^not a readable JPEG \(the file is truncated: its data ends before the end-of-image marker\)$/);
    }
  });
  it('the end-of-image marker is found past tables, fill bytes and restart markers, and not inside a segment', () => {
    const whole = bytesOf('jpeg_progressive.jpg');
    expect(reachesEndOfImage(whole)).toBe(true);
    expect(reachesEndOfImage(whole.subarray(0, whole.length - 1))).toBe(false);
    // FF D9 inside a comment segment is the comment's text, not the end of the image
    const com = new Uint8Array([0xff, 0xd8, 0xff, 0xfe, 0x00, 0x06, 0x41, 0xff, 0xd9, 0x42, 0x12, 0xff, 0xd0, 0x34, 0xff, 0xff]);
    expect(reachesEndOfImage(com)).toBe(false);
    expect(reachesEndOfImage(new Uint8Array([...com, 0xd9]))).toBe(true);
  });
  it('a corrupt JPEG does not break the next decode', async () => {
    const bad = bytesOf('jpeg_420.jpg');
    bad.fill(0xff, 200, 260);
    await decodeImageFile(bad).catch(() => null);
    const d = await decodeImageFile(bytesOf('jpeg_444.jpg'));
    expect(d.width).toBe(48);
  });
});
