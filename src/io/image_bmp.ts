// BMP, decoded as PIL's BmpImagePlugin reads it (1/4/8-bit palette, RLE8 and RLE4, 16-bit 5-5-5
// and 5-6-5, 24-bit, 32-bit with byte-aligned masks; bottom-up or top-down). No maintained pure-JS BMP
// decoder covers these, and the format is small enough to bound here: every offset is checked.

export interface BmpHeader {
  width: number;
  height: number;
  bits: number;
  compression: number;
  topDown: boolean;
  headerSize: number;
  dataOffset: number;
}

const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 2 ** 24;
const i32 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);

export function bmpHeader(b: Uint8Array): BmpHeader {
  if (b.length < 26 || b[0] !== 0x42 || b[1] !== 0x4d) throw new Error('not a BMP file');
  const headerSize = u32(b, 14);
  const dataOffset = u32(b, 10);
  if (headerSize === 12) return { width: u16(b, 18), height: u16(b, 20), bits: u16(b, 24), compression: 0, topDown: false, headerSize, dataOffset };
  if (headerSize < 40 || b.length < 14 + 40) throw new Error(`unsupported BMP header (${headerSize} bytes)`);
  const h = i32(b, 22);
  return { width: i32(b, 18), height: Math.abs(h), bits: u16(b, 28), compression: u32(b, 30), topDown: h < 0, headerSize, dataOffset };
}

/** Byte index of a byte-aligned 8-bit mask (0xff << 8k), or -1. */
function maskByte(m: number): number {
  for (let k = 0; k < 4; k++) if (m === 0xff * 2 ** (8 * k)) return k;
  return -1;
}

export function decodeBmp(b: Uint8Array): { rgb: Uint8Array; width: number; height: number; mode: string } {
  const hd = bmpHeader(b);
  const { width: w, height: h, bits } = hd;
  if (!(w > 0 && h > 0)) throw new Error(`BMP has no pixels (${w} x ${h})`);
  const BI_RGB = 0, BI_RLE8 = 1, BI_RLE4 = 2, BI_BITFIELDS = 3, BI_ALPHABITFIELDS = 6;
  let masks: number[] | null = null;
  if (hd.compression === BI_BITFIELDS || hd.compression === BI_ALPHABITFIELDS) {
    const at = 14 + 40;
    if (at + 12 > b.length) throw new Error('BMP bitfield masks are missing');
    masks = [u32(b, at), u32(b, at + 4), u32(b, at + 8)];
  } else if (hd.compression !== BI_RGB && !(hd.compression === BI_RLE8 && bits === 8) && !(hd.compression === BI_RLE4 && bits === 4)) {
    throw new Error(`BMP compression ${hd.compression} with ${bits} bits per pixel is not supported`);
  }
  const rle = hd.compression === BI_RLE8 || hd.compression === BI_RLE4;
  const stride = Math.ceil((w * bits) / 32) * 4;
  if (!rle && hd.dataOffset + stride * h > b.length) throw new Error('BMP pixel data is truncated');
  const rgb = new Uint8Array(w * h * 3);
  const row = (y: number) => hd.dataOffset + (hd.topDown ? y : h - 1 - y) * stride;

  if (bits <= 8 && [1, 2, 4, 8].includes(bits)) {
    const entry = hd.headerSize === 12 ? 3 : 4;
    const count = (hd.headerSize === 12 ? 0 : u32(b, 46)) || 1 << bits;
    if (count > 256) throw new Error(`BMP palette has ${count} colours`);
    const palAt = 14 + hd.headerSize + (masks && hd.headerSize === 40 ? 12 : 0);
    // Indices past the palette read as PIL's default palette, a grey ramp.
    const pal = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) pal.fill(i, 3 * i, 3 * i + 3);
    for (let i = 0; i < count && palAt + i * entry + 3 <= b.length; i++) {
      const o = palAt + i * entry;
      pal[3 * i] = b[o + 2];
      pal[3 * i + 1] = b[o + 1];
      pal[3 * i + 2] = b[o];
    }
    const perByte = 8 / bits;
    const mask = (1 << bits) - 1;
    const indices = rle ? unRle(b, hd.dataOffset, w, h, hd.compression === BI_RLE4) : null;
    for (let y = 0; y < h; y++) {
      const r = row(y);
      // RLE rows run bottom-up unless the height is negative, like raw rows.
      const ir = (hd.topDown ? y : h - 1 - y) * w;
      for (let x = 0; x < w; x++) {
        const idx = indices ? indices[ir + x] : (b[r + Math.floor(x / perByte)] >> ((perByte - 1 - (x % perByte)) * bits)) & mask;
        const d = (y * w + x) * 3;
        rgb[d] = pal[3 * idx];
        rgb[d + 1] = pal[3 * idx + 1];
        rgb[d + 2] = pal[3 * idx + 2];
      }
    }
    // PIL names a grey-ramp palette L (1 for black and white); the pixels are the same.
    let grey = true;
    for (let i = 0; i < count && grey; i++) {
      const v = count === 2 ? i * 255 : i;
      grey = pal[3 * i] === v && pal[3 * i + 1] === v && pal[3 * i + 2] === v;
    }
    return { rgb, width: w, height: h, mode: grey ? (count === 2 ? '1' : 'L') : 'P' };
  }
  if (bits === 24) {
    if (masks && !(masks[0] === 0xff0000 && masks[1] === 0xff00 && masks[2] === 0xff)) throw new Error('unsupported 24-bit BMP bitfields');
    for (let y = 0; y < h; y++) {
      const r = row(y);
      for (let x = 0; x < w; x++) {
        const s = r + 3 * x;
        const d = (y * w + x) * 3;
        rgb[d] = b[s + 2];
        rgb[d + 1] = b[s + 1];
        rgb[d + 2] = b[s];
      }
    }
    return { rgb, width: w, height: h, mode: 'RGB' };
  }
  if (bits === 32) {
    const [kr, kg, kb] = masks ? masks.map(maskByte) : [2, 1, 0];
    if (kr < 0 || kg < 0 || kb < 0) throw new Error('unsupported 32-bit BMP bitfields (PIL reads byte-aligned 8-bit masks only)');
    for (let y = 0; y < h; y++) {
      const r = row(y);
      for (let x = 0; x < w; x++) {
        const s = r + 4 * x;
        const d = (y * w + x) * 3;
        rgb[d] = b[s + kr];
        rgb[d + 1] = b[s + kg];
        rgb[d + 2] = b[s + kb];
      }
    }
    return { rgb, width: w, height: h, mode: 'RGB' };
  }
  if (bits === 16) {
    // PIL's BGR;15 and BGR;16 unpackers: v * 255 / max, integer division.
    const is565 = masks !== null && masks[0] === 0xf800 && masks[1] === 0x07e0 && masks[2] === 0x001f;
    if (masks && !is565 && !(masks[0] === 0x7c00 && masks[1] === 0x03e0 && masks[2] === 0x001f)) throw new Error('unsupported 16-bit BMP bitfields');
    for (let y = 0; y < h; y++) {
      const r = row(y);
      for (let x = 0; x < w; x++) {
        const v = u16(b, r + 2 * x);
        const d = (y * w + x) * 3;
        if (is565) {
          rgb[d] = Math.floor((((v >> 11) & 31) * 255) / 31);
          rgb[d + 1] = Math.floor((((v >> 5) & 63) * 255) / 63);
        } else {
          rgb[d] = Math.floor((((v >> 10) & 31) * 255) / 31);
          rgb[d + 1] = Math.floor((((v >> 5) & 31) * 255) / 31);
        }
        rgb[d + 2] = Math.floor(((v & 31) * 255) / 31);
      }
    }
    return { rgb, width: w, height: h, mode: 'RGB' };
  }
  throw new Error(`BMP with ${bits} bits per pixel is not supported`);
}

/**
 * RLE8 / RLE4 to one index per pixel, in file row order, exactly as PIL's BmpRleDecoder: end of
 * line pads the row with index 0; a delta escape consumes four bytes (PIL reads two and then two
 * more for right/up) and skips with index 0; an odd RLE4 absolute run drops its last pixel but
 * still advances x; absolute runs are padded to a 16-bit boundary of the file offset.
 */
function unRle(b: Uint8Array, start: number, w: number, h: number, rle4: boolean): Uint8Array {
  const total = w * h;
  const out = new Uint8Array(total);
  let n = 0; // pixels written (PIL's len(data))
  let x = 0;
  let o = start;
  const push = (v: number) => {
    if (n < total) out[n] = v;
    n++;
  };
  while (n < total) {
    if (o + 2 > b.length) break;
    let count = b[o];
    const byte = b[o + 1];
    o += 2;
    if (count) {
      if (x + count > w) count = Math.max(0, w - x);
      for (let i = 0; i < count; i++) push(rle4 ? (i % 2 === 0 ? byte >> 4 : byte & 15) : byte);
      x += count;
    } else if (byte === 0) {
      while (n % w !== 0) push(0);
      x = 0;
    } else if (byte === 1) {
      break;
    } else if (byte === 2) {
      if (o + 2 > b.length) break;
      o += 2;
      if (o + 2 > b.length) throw new Error('BMP RLE delta is truncated');
      const right = b[o];
      const up = b[o + 1];
      o += 2;
      for (let i = 0, k = right + up * w; i < k; i++) push(0);
      x = n % w;
    } else {
      const bytes = rle4 ? Math.floor(byte / 2) : byte;
      const got = Math.min(bytes, b.length - o);
      for (let i = 0; i < got; i++) {
        const v = b[o + i];
        if (rle4) {
          push(v >> 4);
          push(v & 15);
        } else push(v);
      }
      o += got;
      if (got < bytes) break;
      x += byte;
      if (o % 2 !== 0) o++;
    }
  }
  if (n < total) throw new Error('BMP RLE data ends before the image does');
  return out;
}
