// JPEG through libjpeg-turbo's TurboJPEG API compiled to wasm (@cwasm/jpeg-turbo's module, called
// directly): the same library and defaults as PIL (islow IDCT, fancy chroma upsampling), and,
// unlike an RGBA-only build, it returns a CMYK/YCCK file's raw CMYK, which we convert as PIL does.

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
    if (x.tjDecompress2(handle, src, bytes.length, dst, width, width * ch, height, cmyk ? TJPF_CMYK : TJPF_RGB, 0) !== 0) throw new Error('JPEG data is unreadable');
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
