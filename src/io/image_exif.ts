// EXIF orientation: the tag's value read from a JPEG APP1, PNG eXIf or WebP EXIF block, and the
// transform ImageOps.exif_transpose applies for it. PIL's Image.open applies none of this, so the
// pixel policy's default is to ignore it (docs/pixels.md).

export type ExifOrientationMode = 'ignore' | 'apply';

/** Orientation (1..8) from a TIFF block ("II*\0" / "MM\0*" + IFD0), or null when absent or invalid. */
export function orientationFromTiff(b: Uint8Array, start = 0, end = b.length): number | null {
  if (end - start < 8) return null;
  const le = b[start] === 0x49 && b[start + 1] === 0x49;
  if (!le && !(b[start] === 0x4d && b[start + 1] === 0x4d)) return null;
  const u16 = (o: number) => (o + 2 > end ? -1 : le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1]);
  const u32 = (o: number) => (o + 4 > end ? -1 : le ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 2 ** 24 : b[o] * 2 ** 24 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]));
  const ifd = start + u32(start + 4);
  const n = u16(ifd);
  if (n < 0) return null;
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + 12 * i;
    if (e + 12 > end) return null;
    if (u16(e) === 0x0112) {
      const v = u16(e + 8);
      return v >= 1 && v <= 8 ? v : null;
    }
  }
  return null;
}

/** JPEG: the first APP1 "Exif\0\0" segment before the scan. */
export function jpegOrientation(b: Uint8Array): number | null {
  let o = 2;
  while (o + 4 <= b.length && b[o] === 0xff) {
    const marker = b[o + 1];
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      o += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break;
    const len = (b[o + 2] << 8) | b[o + 3];
    if (marker === 0xe1 && len >= 8 && b[o + 4] === 0x45 && b[o + 5] === 0x78 && b[o + 6] === 0x69 && b[o + 7] === 0x66 && b[o + 8] === 0 && b[o + 9] === 0) {
      return orientationFromTiff(b, o + 10, Math.min(b.length, o + 2 + len));
    }
    o += 2 + len;
  }
  return null;
}

/** PNG: an eXIf chunk (a bare TIFF block). */
export function pngOrientation(b: Uint8Array): number | null {
  let o = 8;
  while (o + 12 <= b.length) {
    const len = ((b[o] << 24) >>> 0) + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
    const type = String.fromCharCode(b[o + 4], b[o + 5], b[o + 6], b[o + 7]);
    if (type === 'eXIf') return orientationFromTiff(b, o + 8, Math.min(b.length, o + 8 + len));
    if (type === 'IEND') break;
    o += 12 + len;
  }
  return null;
}

/** WebP: an EXIF chunk in the RIFF container (optionally with its "Exif\0\0" prefix). */
export function webpOrientation(b: Uint8Array): number | null {
  let o = 12;
  while (o + 8 <= b.length) {
    const type = String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);
    const len = b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] * 2 ** 24);
    if (type === 'EXIF') {
      let s = o + 8;
      if (b[s] === 0x45 && b[s + 1] === 0x78 && b[s + 2] === 0x69 && b[s + 3] === 0x66) s += 6;
      return orientationFromTiff(b, s, Math.min(b.length, o + 8 + len));
    }
    o += 8 + len + (len & 1);
  }
  return null;
}

/**
 * Apply an orientation to interleaved pixels ([h, w, c]), as ImageOps.exif_transpose does:
 * 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 anticlockwise.
 */
export function orient(px: Uint8Array, w: number, h: number, c: number, orientation: number): { px: Uint8Array; width: number; height: number } {
  if (orientation <= 1 || orientation > 8) return { px, width: w, height: h };
  const swap = orientation >= 5;
  const W = swap ? h : w;
  const H = swap ? w : h;
  const out = new Uint8Array(px.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let sx: number, sy: number;
      switch (orientation) {
        case 2: sx = w - 1 - x; sy = y; break;
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;
        case 4: sx = x; sy = h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = h - 1 - x; break;
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;
        default: sx = w - 1 - y; sy = x; break; // 8
      }
      const s = (sy * w + sx) * c;
      const d = (y * W + x) * c;
      for (let k = 0; k < c; k++) out[d + k] = px[s + k];
    }
  }
  return { px: out, width: W, height: H };
}
