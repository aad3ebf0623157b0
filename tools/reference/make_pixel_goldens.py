"""Pixel-policy goldens: small images in every format and variant the app reads, and the pixels
`PIL.Image.open(f).convert('RGB')` gives for each (the policy in docs/pixels.md). Our decoder
(src/io/image_decode.ts) must reproduce them in Node and in the page's worker.
Writes test/fixtures/images/<name> and test/golden/pixels/<stem>.npy (uint8 [H, W, 3]) plus
test/golden/pixels/manifest.json. Variants PIL cannot write (16-bit RGB, 2-bit grey, Adam7,
16-bit BMP) come from the small writers below.
Run: /usr/bin/python3 tools/reference/make_pixel_goldens.py
"""
import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image, ImageOps, features

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
IMG = os.path.join(ROOT, 'test', 'fixtures', 'images')
GOLD = os.path.join(ROOT, 'test', 'golden', 'pixels')
H, W = 40, 48  # non-square, so a transposed read cannot pass


def scene(seed=3):
    y, x = np.mgrid[0:H, 0:W]
    rng = np.random.default_rng(seed)
    img = np.stack([x * 255 // (W - 1), y * 255 // (H - 1), ((x // 6 + y // 6) % 2) * 180 + 40], -1).astype(np.uint8)
    img[10:26, 14:34] = rng.integers(0, 256, (16, 20, 3), dtype=np.uint8)  # sharp chroma edges
    return img


# ---- minimal PNG writer for what PIL cannot save


def png_chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)


def pack_rows(a, depth):
    """a: [h, w, c] unsigned ints -> list of raw scanlines (no filter byte)."""
    h = a.shape[0]
    if depth == 16:
        return [a[r].astype('>u2').tobytes() for r in range(h)]
    if depth == 8:
        return [a[r].astype(np.uint8).tobytes() for r in range(h)]
    per = 8 // depth
    rows = []
    for r in range(h):
        v = a[r].reshape(-1).astype(np.uint8)
        v = np.concatenate([v, np.zeros((-len(v)) % per, np.uint8)]).reshape(-1, per)
        shifts = np.arange(per - 1, -1, -1) * depth
        rows.append((v << shifts).sum(1).astype(np.uint8).tobytes())
    return rows


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(path, a, color_type, depth, interlace=False):
    a = a if a.ndim == 3 else a[..., None]
    h, w = a.shape[:2]
    raw = b''
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            sub = a[y0::dy, x0::dx]
            if sub.size:
                raw += b''.join(b'\0' + r for r in pack_rows(sub, depth))
    else:
        raw = b''.join(b'\0' + r for r in pack_rows(a, depth))
    ihdr = struct.pack('>IIBBBBB', w, h, depth, color_type, 0, 0, 1 if interlace else 0)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', ihdr) + png_chunk(b'IDAT', zlib.compress(raw, 9)) + png_chunk(b'IEND', b''))


def write_bmp565(path, rgb):
    """16-bit BMP, BI_BITFIELDS 5-6-5, bottom-up (PIL reads it, cannot write it)."""
    h, w = rgb.shape[:2]
    v = ((rgb[..., 0].astype(np.uint16) >> 3) << 11) | ((rgb[..., 1].astype(np.uint16) >> 2) << 5) | (rgb[..., 2].astype(np.uint16) >> 3)
    stride = (w * 2 + 3) & ~3
    rows = b''.join(v[r].astype('<u2').tobytes().ljust(stride, b'\0') for r in range(h - 1, -1, -1))
    info = struct.pack('<IiiHHIIiiII', 40, w, h, 1, 16, 3, len(rows), 2835, 2835, 0, 0) + struct.pack('<III', 0xF800, 0x07E0, 0x001F)
    off = 14 + len(info)
    with open(path, 'wb') as f:
        f.write(b'BM' + struct.pack('<IHHI', off + len(rows), 0, 0, off) + info + rows)


def write_bmp_rle(path, idx, palette, rle4):
    """8-bit RLE8 or 4-bit RLE4 BMP, bottom-up: encoded runs for repeats, absolute runs (even
    lengths, so PIL's odd-run RLE4 quirk never shows) for the rest, end-of-line escapes."""
    h, w = idx.shape
    out = bytearray()
    for r in range(h - 1, -1, -1):
        row = [int(v) for v in idx[r]]
        x = 0
        while x < w:
            run = 1
            while x + run < w and row[x + run] == row[x] and run < 255:
                run += 1
            if run >= 3 or w - x < 4:
                v = row[x]
                out += bytes([run, (v << 4) | v if rle4 else v])
                x += run
                continue
            n = 0  # literal run until the next repeat of 3
            while x + n < w and n < 254 and not (x + n + 2 < w and row[x + n] == row[x + n + 1] == row[x + n + 2]):
                n += 1
            n -= n % 2
            if n < 4:
                out += bytes([1, (row[x] << 4) | row[x] if rle4 else row[x]])
                x += 1
                continue
            lit = row[x:x + n]
            data = bytes((lit[i] << 4) | lit[i + 1] for i in range(0, n, 2)) if rle4 else bytes(lit)
            out += bytes([0, n]) + data + (b'\0' if len(data) % 2 else b'')
            x += n
        out += b'\0\0'
    out[-2:] = b'\0\1'
    bits = 4 if rle4 else 8
    pal = b''.join(bytes([c[2], c[1], c[0], 0]) for c in palette)
    info = struct.pack('<IiiHHIIiiII', 40, w, h, 1, bits, 2 if rle4 else 1, len(out), 2835, 2835, len(palette), 0)
    off = 14 + len(info) + len(pal)
    with open(path, 'wb') as f:
        f.write(b'BM' + struct.pack('<IHHI', off + len(out), 0, 0, off) + info + pal + bytes(out))


def write_bmp_rle8_escapes(path):
    """A hand-made 8 x 4 RLE8 with a delta escape and an odd absolute run: PIL's decoder reads the
    delta's two bytes and then two more as (right, up)."""
    w, h = 8, 4
    stream = bytes([3, 5, 0, 3, 1, 2, 3, 0,   # run of 3 x index 5; absolute run 1 2 3 (+ pad)
                    0, 2, 9, 9, 3, 1,         # delta: PIL skips 9 9, then right 3, up 1
                    2, 4, 0, 0,               # run of 2 x index 4; end of line
                    8, 6, 0, 1])              # a full row of 6; end of bitmap
    palette = [(i * 30, 255 - i * 30, (i * 77) % 256) for i in range(8)]
    pal = b''.join(bytes([c[2], c[1], c[0], 0]) for c in palette)
    info = struct.pack('<IiiHHIIiiII', 40, w, h, 1, 8, 1, len(stream), 2835, 2835, len(palette), 0)
    off = 14 + len(info) + len(pal)
    with open(path, 'wb') as f:
        f.write(b'BM' + struct.pack('<IHHI', off + len(stream), 0, 0, off) + info + pal + stream)


def exif_orientation(value):
    ex = Image.Exif()
    ex[0x0112] = value
    return ex.tobytes()


def main():
    os.makedirs(IMG, exist_ok=True)
    os.makedirs(GOLD, exist_ok=True)
    rgb = scene()
    cases = []

    def add(name, note, **extra):
        cases.append(dict(file=name, note=note, **extra))

    def p(name):
        return os.path.join(IMG, name)

    # PNG
    rgba = np.dstack([rgb, np.full((H, W), 255, np.uint8)])
    rgba[:, :12, 3] = 0  # fully transparent, RGB kept (non-zero): PIL drops alpha, never composites
    rgba[:, 12:20, 3] = 100
    Image.fromarray(rgba, 'RGBA').save(p('png_rgba.png'))
    add('png_rgba.png', 'RGBA, transparent pixels with non-zero RGB')

    pal = Image.fromarray(rgb).quantize(colors=40, method=Image.Quantize.MEDIANCUT)
    trns = bytes([0, 128] + [255] * 38)
    pal.save(p('png_palette_trns.png'), transparency=trns)
    add('png_palette_trns.png', 'palette (8-bit) with tRNS')

    pal16 = Image.fromarray(rgb).quantize(colors=16, method=Image.Quantize.MEDIANCUT)
    pal16.save(p('png_palette4.png'), bits=4)
    add('png_palette4.png', 'palette, 4 bits per index')

    gray = np.asarray(Image.fromarray(rgb).convert('L'))
    Image.fromarray(gray, 'L').save(p('png_gray.png'))
    add('png_gray.png', 'greyscale 8-bit')
    Image.fromarray(np.dstack([gray, rgba[..., 3]]), 'LA').save(p('png_gray_alpha.png'))
    add('png_gray_alpha.png', 'greyscale + alpha')
    Image.fromarray(gray > 120).save(p('png_bilevel.png'))
    add('png_bilevel.png', '1-bit')
    write_png(p('png_gray2.png'), (gray >> 6).astype(np.uint8), 0, 2)
    add('png_gray2.png', 'greyscale 2-bit (PIL scales 0..3 to 0..255)')

    wide = (rgb.astype(np.uint16) * 257) ^ np.uint16(0x5A)  # low bytes differ from high bytes
    write_png(p('png_rgb16.png'), wide, 2, 16)
    add('png_rgb16.png', 'RGB 16-bit (PIL keeps the high byte)')
    write_png(p('png_rgba16.png'), np.dstack([wide, (rgba[..., 3].astype(np.uint16) * 257)]), 6, 16)
    add('png_rgba16.png', 'RGBA 16-bit')
    g16 = (np.mgrid[0:H, 0:W][1] * 1391 + np.mgrid[0:H, 0:W][0] * 17).astype(np.uint16)  # 0..65k
    g16[:5] = np.arange(W) * 5  # some values under 256
    write_png(p('png_gray16.png'), g16, 0, 16)
    add('png_gray16.png', 'greyscale 16-bit (PIL mode I; convert clips at 255)')
    write_png(p('png_adam7.png'), rgb, 2, 8, interlace=True)
    add('png_adam7.png', 'RGB 8-bit, Adam7 interlaced')

    # JPEG
    im = Image.fromarray(rgb)
    im.save(p('jpeg_420.jpg'), quality=85, subsampling=2)
    add('jpeg_420.jpg', 'baseline 4:2:0')
    im.save(p('jpeg_422.jpg'), quality=85, subsampling=1)
    add('jpeg_422.jpg', 'baseline 4:2:2')
    im.save(p('jpeg_444.jpg'), quality=92, subsampling=0)
    add('jpeg_444.jpg', 'baseline 4:4:4')
    im.save(p('jpeg_progressive.jpg'), quality=80, subsampling=2, progressive=True)
    add('jpeg_progressive.jpg', 'progressive 4:2:0')
    Image.fromarray(gray, 'L').save(p('jpeg_gray.jpg'), quality=85)
    add('jpeg_gray.jpg', 'greyscale')
    cmyk = np.dstack([255 - rgb, np.asarray(Image.fromarray(rgb).convert('L')) // 3]).astype(np.uint8)
    Image.fromarray(cmyk, 'CMYK').save(p('jpeg_cmyk.jpg'), quality=90)
    add('jpeg_cmyk.jpg', 'CMYK with Adobe APP14 (stored inverted; PIL reads it as CMYK;I)')
    with open(p('jpeg_420.jpg'), 'rb') as f:
        whole = f.read()
    with open(p('jpeg_extraneous.jpg'), 'wb') as f:
        f.write(whole[:-2] + b'\xff\x00' + whole[-2:])
    add('jpeg_extraneous.jpg', 'two bytes between the scan and the end-of-image marker, as some encoders write: libjpeg warns, PIL ignores it')
    im.save(p('jpeg_exif6.jpg'), quality=85, subsampling=2, exif=exif_orientation(6))
    add('jpeg_exif6.jpg', 'EXIF orientation 6 (PIL.Image.open ignores it)', exif_orientation=6,
        applied='jpeg_exif6_applied.npy')

    # WebP
    im.save(p('webp_lossy.webp'), quality=80)
    add('webp_lossy.webp', 'lossy')
    Image.fromarray(rgba, 'RGBA').save(p('webp_lossless_alpha.webp'), lossless=True, exact=True)
    add('webp_lossless_alpha.webp', 'lossless with alpha, RGB under alpha 0 kept (exact)')
    Image.fromarray(rgba, 'RGBA').save(p('webp_lossy_alpha.webp'), quality=80)
    add('webp_lossy_alpha.webp', 'lossy with alpha')

    # GIF: three frames; the first frame is what PIL returns
    frames = [Image.fromarray(np.roll(rgb, 7 * k, axis=1)).quantize(colors=64, method=Image.Quantize.MEDIANCUT) for k in range(3)]
    frames[0].save(p('gif_anim.gif'), save_all=True, append_images=frames[1:], duration=100, loop=0, transparency=3)
    add('gif_anim.gif', 'animated, 3 frames, transparency index 3, interlaced: first frame')

    # BMP
    im.save(p('bmp_24.bmp'))
    add('bmp_24.bmp', '24-bit')
    pal.convert('RGB').quantize(colors=40).save(p('bmp_8.bmp'))
    add('bmp_8.bmp', '8-bit palette')
    Image.fromarray(gray > 120).save(p('bmp_1.bmp'))
    add('bmp_1.bmp', '1-bit')
    Image.fromarray(rgba, 'RGBA').save(p('bmp_32.bmp'))
    add('bmp_32.bmp', '32-bit')
    write_bmp565(p('bmp_565.bmp'), rgb)
    add('bmp_565.bmp', '16-bit 5-6-5 bitfields')
    for name, q, rle4 in (('bmp_rle8.bmp', pal, False), ('bmp_rle4.bmp', pal16, True)):
        colors = np.array(q.getpalette()[:3 * (16 if rle4 else 40)]).reshape(-1, 3)
        write_bmp_rle(p(name), np.asarray(q), colors, rle4)
        add(name, ('RLE4' if rle4 else 'RLE8') + ' compressed, palette')
    write_bmp_rle8_escapes(p('bmp_rle8_escapes.bmp'))
    add('bmp_rle8_escapes.bmp', 'RLE8 with a delta escape and an odd absolute run (8 x 4)')

    for c in cases:
        f = Image.open(p(c['file']))
        c['pil_mode'] = f.mode
        arr = np.asarray(f.convert('RGB'))
        stem = os.path.splitext(c['file'])[0]
        np.save(os.path.join(GOLD, stem + '.npy'), arr)
        c['golden'] = stem + '.npy'
        c['shape'] = list(arr.shape)
        if 'applied' in c:
            np.save(os.path.join(GOLD, c['applied']), np.asarray(ImageOps.exif_transpose(Image.open(p(c['file']))).convert('RGB')))
    # Files PIL refuses: a JPEG cut before its end-of-image marker ("image file is truncated")
    refused = []
    for name in ('jpeg_420.jpg', 'jpeg_progressive.jpg', 'jpeg_extraneous.jpg'):
        with open(p(name), 'rb') as f:
            whole = f.read()
        for cut in (len(whole) - 1, len(whole) - 2, len(whole) - 40, len(whole) // 2):
            try:
                Image.open(io.BytesIO(whole[:cut])).convert('RGB')
                raise SystemExit(f'PIL read {name} cut at {cut}: not a refused case')
            except OSError as e:
                refused.append(dict(file=name, cut=cut, pil_error=str(e)))
    meta = dict(pil=Image.__version__, libjpeg=features.version('jpg'), libwebp=features.version('webp'), zlib=features.version('zlib'),
                policy="PIL.Image.open(f).convert('RGB')", cases=cases, refused=refused)
    with open(os.path.join(GOLD, 'manifest.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    for c in cases:
        print(f"{c['file']:28s} {c['pil_mode']:5s} {c['shape']}")
    print('PIL', Image.__version__, 'libjpeg', features.version('jpg'), 'libwebp', features.version('webp'))


if __name__ == '__main__':
    main()
