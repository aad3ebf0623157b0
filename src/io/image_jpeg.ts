// JPEG through libjpeg-turbo's TurboJPEG API compiled to wasm (@cwasm/jpeg-turbo's module, called
// directly): the same library and defaults as PIL (islow IDCT, fancy chroma upsampling), and,
// unlike an RGBA-only build, it returns a CMYK/YCCK file's raw CMYK, which we convert as PIL does.
// Warnings are PIL's too: PIL ignores libjpeg's warnings (extraneous bytes before a marker, a
// corrupt data segment) and keeps the pixels, but refuses a file that ends before its
// end-of-image marker ("image file is truncated"); libjpeg's output for that would be grey fill.

const TJPF_RGB = 0;
const TJPF_CMYK = 11;
const TJCS_CMYK = 3;
const TJCS_YCCK = 4;

interface TurboExports {
  memory: WebAssembly.Memory;
  malloc(n: number): number;
  free(p: number): void;
  tjInitDecompress(): number;
  tjDestroy(h: number): number;
  tjDecompressHeader3(h: number, src: number, size: number, w: number, hh: number, subsamp: number, cs: number): number;
  tjDecompress2(h: number, src: number, size: number, dst: number, w: number, pitch: number, hh: number, pf: number, flags: number): number;
}

/** libjpeg reports fatal errors by longjmp; the module imports it, so it unwinds as a JS exception. */
class LongJump extends Error {}

export function instantiateTurbo(module: WebAssembly.Module): TurboExports {
  const fail = (what: string) => () => {
    throw new Error(`JPEG decoder called ${what}`);
  };
  const imports = {
    env: { setjmp: () => 0, longjmp: () => { throw new LongJump('corrupt JPEG data'); } },
    wasi_snapshot_preview1: {
      environ_sizes_get: () => 0,
      environ_get: () => 0,
      proc_exit: fail('exit'),
      fd_close: () => 0,
      fd_seek: () => 0,
      fd_write: () => 0,
    },
  };
  return new WebAssembly.Instance(module, imports).exports as unknown as TurboExports;
}

const JMSG_LENGTH_MAX = 200;
const warningBuffers = new WeakMap<WebAssembly.Module, number>();

/**
 * Where TurboJPEG keeps its last message (its static errStr: "No error", then zeros to 200 bytes),
 * found in a fresh instance's data once per module; -1 if this build lays it out otherwise. A
 * warning's text is formatted there (only the first warning of a decode, as libjpeg prints only that).
 */
function warningBuffer(module: WebAssembly.Module, fresh: TurboExports): number {
  let at = warningBuffers.get(module);
  if (at === undefined) {
    const mem = new Uint8Array(fresh.memory.buffer);
    const text = new TextEncoder().encode('No error\0');
    at = -1;
    search: for (let i = mem.indexOf(text[0]); i >= 0 && i + JMSG_LENGTH_MAX <= mem.length; i = mem.indexOf(text[0], i + 1)) {
      for (let k = 1; k < text.length; k++) if (mem[i + k] !== text[k]) continue search;
      for (let k = text.length; k < JMSG_LENGTH_MAX; k++) if (mem[i + k] !== 0) continue search;
      at = i;
      break;
    }
    warningBuffers.set(module, at);
  }
  return at;
}

/**
 * Whether the bytes reach an end-of-image marker, walking segments by their lengths (so a table's
 * bytes are never read as a marker) and entropy-coded data byte by byte (where 0xFF is always
 * followed by 0x00, a restart marker or fill). A later warning can hide a truncation from the
 * message buffer; this cannot.
 */
export function reachesEndOfImage(b: Uint8Array): boolean {
  let i = 2;
  while (i + 1 < b.length) {
    if (b[i] !== 0xff) {
      i++;
      continue;
    }
    const m = b[i + 1];
    if (m === 0xd9) return true;
    if (m === 0xff) i += 1;
    else if (m === 0x00 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) i += 2;
    else if (i + 3 < b.length) i += 2 + ((b[i + 2] << 8) | b[i + 3]);
    else return false;
  }
  return false;
}

export interface JpegHeader {
  width: number;
  height: number;
  colorspace: number;
}

/** Decode with a fresh instance each call: a longjmp out of libjpeg leaves its heap unusable, and instantiating a compiled module is cheap. */
export function decodeJpegTurbo(module: WebAssembly.Module, bytes: Uint8Array, checkSize: (w: number, h: number) => void): { rgb: Uint8Array; width: number; height: number; mode: 'RGB' | 'L' | 'CMYK' } {
  const x = instantiateTurbo(module);
  let src = 0;
  let handle = 0;
  try {
    src = x.malloc(bytes.length);
    if (!src) throw new Error('out of memory for the JPEG file');
    new Uint8Array(x.memory.buffer, src, bytes.length).set(bytes);
    handle = x.tjInitDecompress();
    const meta = x.malloc(16);
    if (x.tjDecompressHeader3(handle, src, bytes.length, meta, meta + 4, meta + 8, meta + 12) !== 0) throw new Error('JPEG header is unreadable');
    const [width, height, , colorspace] = new Int32Array(x.memory.buffer, meta, 4);
    checkSize(width, height);
    const cmyk = colorspace === TJCS_CMYK || colorspace === TJCS_YCCK;
    const ch = cmyk ? 4 : 3;
    const dst = x.malloc(width * height * ch);
    if (!dst) throw new Error('out of memory for the decoded JPEG');
    const at = warningBuffer(module, x);
    if (x.tjDecompress2(handle, src, bytes.length, dst, width, width * ch, height, cmyk ? TJPF_CMYK : TJPF_RGB, 0) !== 0) {
      // -1 without a longjmp is a warning: the pixels are written
      const warning = at < 0 ? '' : new TextDecoder().decode(new Uint8Array(x.memory.buffer, at, JMSG_LENGTH_MAX)).split('\0')[0];
      if (/^Premature end of JPEG file/.test(warning) || !reachesEndOfImage(bytes)) {
        throw new Error('the file is truncated: its data ends before the end-of-image marker');
      }
    }
    const raw = new Uint8Array(x.memory.buffer, dst, width * height * ch);
    if (!cmyk) return { rgb: raw.slice(), width, height, mode: colorspace === 2 ? 'L' : 'RGB' };
    return { rgb: cmykToRgb(raw), width, height, mode: 'CMYK' };
  } catch (e) {
    if (e instanceof LongJump) throw new Error('corrupt or unsupported JPEG data');
    throw e;
  }
  // No free/destroy needed: the instance and its memory are dropped with this call.
}

/**
 * PIL reads every CMYK JPEG as "CMYK;I" (Adobe's inverted convention), then converts with
 * cmyk2rgb: nk = 255 - k; channel = nk - nk * c / 255 (MULDIV255 rounding).
 */
export function cmykToRgb(stored: Uint8Array): Uint8Array {
  const n = stored.length / 4;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const nk = stored[4 * i + 3]; // 255 - (255 - stored)
    for (let k = 0; k < 3; k++) {
      const c = 255 - stored[4 * i + k];
      const t = c * nk + 128;
      out[3 * i + k] = nk - ((t + (t >> 8)) >> 8);
    }
  }
  return out;
}
