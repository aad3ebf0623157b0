// PNG chunks that fast-png is handed: only what the pixels need (IHDR, PLTE, tRNS, IDAT, IEND),
// after the image data was inflated once here with a cap at the size IHDR implies. fast-png
// inflates IDAT and iCCP without a bound, so a small file could otherwise expand to gigabytes
// inside the declared pixel limit; PIL ignores the colour profile and text chunks anyway.
import { Unzlib } from 'fflate';

const KEEP = new Set(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND']);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

const u32 = (b: Uint8Array, o: number) => b[o] * 2 ** 24 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
const type = (b: Uint8Array, o: number) => String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);

export function pngSize(b: Uint8Array): { width: number; height: number } {
  if (b.length < 33 || type(b, 12) !== 'IHDR') throw new Error('PNG header (IHDR) is missing');
  return { width: u32(b, 16), height: u32(b, 20) };
}

/** Filtered scanline bytes a valid IDAT stream inflates to. */
function rawSize(w: number, h: number, depth: number, colorType: number, interlace: number): number {
  const ch = CHANNELS[colorType];
  if (!ch || ![1, 2, 4, 8, 16].includes(depth)) throw new Error(`PNG colour type ${colorType} with bit depth ${depth} is invalid`);
  const line = (pw: number) => 1 + Math.ceil((pw * ch * depth) / 8);
  if (!interlace) return h * line(w);
  let n = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const pw = Math.ceil((w - x0) / dx);
    const ph = Math.ceil((h - y0) / dy);
    if (pw > 0 && ph > 0) n += ph * line(pw);
  }
  return n;
}

/** The file with only the chunks the pixels need, once its image data is known to fit IHDR. */
export function boundedPng(b: Uint8Array): Uint8Array {
  const { width, height } = pngSize(b);
  const expected = rawSize(width, height, b[24], b[25], b[28]);
  let inflated = 0;
  const inflate = new Unzlib((chunk) => {
    inflated += chunk.length;
    if (inflated > expected) throw new Error(`PNG image data inflates past the ${expected} bytes its ${width} x ${height} header allows`);
  });
  const parts: Uint8Array[] = [b.subarray(0, 8)];
  let o = 8;
  let ended = false;
  while (o + 12 <= b.length) {
    const len = u32(b, o);
    const t = type(b, o + 4);
    const end = o + 12 + len;
    if (end > b.length) throw new Error(`PNG chunk ${t} is truncated`);
    if (KEEP.has(t)) parts.push(b.subarray(o, end));
    if (t === 'IDAT') inflate.push(b.subarray(o + 8, o + 8 + len), false);
    o = end;
    if (t === 'IEND') {
      ended = true;
      break;
    }
  }
  if (!ended) throw new Error('PNG ends before its IEND chunk');
  inflate.push(new Uint8Array(0), true);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
