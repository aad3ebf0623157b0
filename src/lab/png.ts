// A minimal PNG writer for derived stimuli (8-bit RGB, filter 0, zlib from fflate): lossless, so
// the gallery's decoder gives back exactly these pixels. A sweep writes hundreds of them; fast
// deflate settings matter more than size, as the files only live in this page (and its session).
import { zlibSync } from 'fflate';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** PNG bytes of a square channel-major uint8 image [3, S, S]. */
export function encodePngChw(data: Uint8Array, S: number, level: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 = 1): Uint8Array {
  const P = S * S;
  if (data.length !== 3 * P) throw new RangeError(`image buffer has ${data.length} bytes, expected 3 x ${S} x ${S}`);
  const raw = new Uint8Array(S * (1 + 3 * S));
  for (let y = 0; y < S; y++) {
    let o = y * (1 + 3 * S) + 1; // filter byte 0 (None) before each row
    for (let x = 0; x < S; x++) {
      const p = y * S + x;
      raw[o++] = data[p];
      raw[o++] = data[P + p];
      raw[o++] = data[2 * P + p];
    }
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, S);
  v.setUint32(4, S);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, adaptive filtering, no interlace
  const parts = [new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlibSync(raw, { level })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
