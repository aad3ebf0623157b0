import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryByteSource } from '../../src/io/byte_source.ts';
import { float16ToFloat32, float32ToFloat16, NdArray, toCOrder } from '../../src/io/dtype.ts';
import { npyHeader, parseNpy, parseNpyHeader, readNpy, writeNpy } from '../../src/io/npy.ts';
import { fileByteSource } from '../../src/io/source_node.ts';
import { expected, expectedFor, fixture, normalize, PICKLE_DIR } from './helpers.ts';

const npyCases = Object.keys(expected).filter((k) => k.startsWith('npy/'));
const PY = '/usr/bin/python3';
const hasNumpy = (() => {
  try {
    execFileSync(PY, ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('npy reader', () => {
  it('has the dtype x byte-order x memory-order cases', () => {
    expect(npyCases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(npyCases)('%s (in memory and streamed)', async (name) => {
    const bytes = fixture(name);
    const a = parseNpy(bytes, name);
    expect(normalize(a)).toEqual(expectedFor(name));
    const src = await fileByteSource(path.join(PICKLE_DIR, name));
    try {
      const b = await readNpy(src, { readAhead: 64 });
      expect(normalize(b)).toEqual(expectedFor(name));
      expect(b.headerLength).toBe(a.headerLength);
    } finally {
      await src.close();
    }
  });

  it('maps dtypes to typed arrays', () => {
    const kinds: Record<string, string> = {
      b1: 'Uint8Array', i1: 'Int8Array', u1: 'Uint8Array', i2: 'Int16Array', u2: 'Uint16Array', i4: 'Int32Array',
      u4: 'Uint32Array', i8: 'BigInt64Array', u8: 'BigUint64Array', f2: 'Float32Array', f4: 'Float32Array', f8: 'Float64Array',
    };
    for (const [code, ctor] of Object.entries(kinds)) {
      const name = `npy/${code}_${code.endsWith('1') ? 'na' : 'be'}_C.npy`;
      expect(parseNpy(fixture(name)).data.constructor.name, name).toBe(ctor);
    }
  });

  it('reads header versions 1, 2 and 3', () => {
    expect(parseNpyHeader(fixture('npy/f4_le_C.npy')).version).toEqual([1, 0]);
    expect(parseNpyHeader(fixture('npy/f4_v2.npy')).version).toEqual([2, 0]);
    expect(parseNpyHeader(fixture('npy/f4_v3.npy')).version).toEqual([3, 0]);
  });

  it('transposes Fortran-ordered data to C order', () => {
    for (const name of ['npy/f4_le_F.npy', 'npy/i8_be_F.npy', 'npy/f4_3d_F.npy']) {
      const f = parseNpy(fixture(name));
      expect(f.fortranOrder).toBe(true);
      const c = toCOrder(f);
      const shape = f.shape;
      const strides = shape.map((_, d) => shape.slice(0, d).reduce((a, b) => a * b, 1));
      const n = c.data.length;
      for (let k = 0; k < n; k++) {
        // C index k -> multi-index -> Fortran offset
        let rem = k;
        let off = 0;
        for (let d = shape.length - 1; d >= 0; d--) {
          off += (rem % shape[d]) * strides[d];
          rem = Math.floor(rem / shape[d]);
        }
        expect(Object.is((c.data as ArrayLike<unknown>)[k], (f.data as ArrayLike<unknown>)[off]) ||
          Number.isNaN((c.data as ArrayLike<number>)[k])).toBe(true);
      }
      // the C-order twin file holds the same C-order values
      if (name !== 'npy/f4_3d_F.npy') {
        const twin = parseNpy(fixture(name.replace('_F.npy', '_C.npy')));
        expect(normalize(new NdArray(c.dtype, c.shape, c.data))).toEqual(normalize(twin));
      }
    }
  });

  it('gives clear errors', async () => {
    const good = fixture('npy/f4_le_C.npy');
    expect(() => parseNpy(new TextEncoder().encode('PK\x03\x04 this is a zip'), 'x.npz')).toThrow(
      /x\.npz is not a NumPy \.npy file/,
    );
    expect(() => parseNpy(new Uint8Array(0), 'e.npy')).toThrow(/e\.npy is empty/);
    for (const cut of [3, 9, 40, good.length - 1]) {
      expect(() => parseNpy(good.subarray(0, cut), 'c.npy')).toThrow(/the file is truncated, download it again/);
      await expect(readNpy(memoryByteSource(good.slice(0, cut), 'c.npy'))).rejects.toThrow(/truncated/);
    }
    expect(() => parseNpy(withDescr('<c8'))).toThrow(/unsupported numpy dtype "<c8" \(complex\)/);
    expect(() => parseNpy(withDescr('<M8'))).toThrow(/datetime/);
    expect(() => parseNpy(fixture('p3_nested.npy'), 'p.npy')).toThrow(/pickled Python objects/);
    await expect(readNpy(memoryByteSource(fixture('p3_nested.npy'), 'p.npy'))).rejects.toThrow(/not expected here/);
    const v9 = good.slice();
    v9[6] = 9;
    expect(() => parseNpy(v9)).toThrow(/version 9\.0 is not supported/);
  });

  it('reads object arrays through the safe unpickler when allowed', async () => {
    const a = await readNpy(memoryByteSource(fixture('p3_nested.npy')), { allowPickle: true });
    expect(a.dtype).toBe('|O');
    expect(a.shape).toEqual([]);
    expect(normalize((a.data as unknown[])[0])).toEqual(expectedFor('p3_nested.npy'));
  });
});

/** A tiny .npy with the given descr and 2 items of 8 bytes. */
function withDescr(descr: string): Uint8Array {
  const text = `{'descr': '${descr}', 'fortran_order': False, 'shape': (2,), }`.padEnd(117, ' ') + '\n';
  const out = new Uint8Array(128 + 16);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]);
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  return out;
}

describe('npy writer', () => {
  const cases: [number[], Parameters<typeof writeNpy>[1], string | undefined][] = [
    [[2, 3], new Float32Array([1, 2, 3, 4.5, -0, NaN]), undefined],
    [[4], new Float64Array([1e300, -1e-300, Infinity, 0.1]), undefined],
    [[2, 2], new Uint8Array([0, 1, 1, 0]), '|b1'],
    [[3], new Uint8Array([0, 128, 255]), undefined],
    [[3], new Int16Array([-32768, 0, 32767]), undefined],
    [[2], new BigInt64Array([-(2n ** 63n), 2n ** 62n + 1n]), undefined],
    [[3], float32ToFloat16([0.5, -2, 65504]), '<f2'],
    [[], new Float32Array([7]), undefined],
    [[0, 5], new Float32Array(0), undefined],
  ];

  it.each(cases.map((c, i) => [i, ...c] as const))('round trip %i', (_i, shape, data, descr) => {
    const bytes = writeNpy(shape, data, { descr });
    expect(bytes.length % 16).toBe(0 + (bytes.length - parseNpyHeader(bytes).headerLength) % 16);
    expect(parseNpyHeader(bytes).headerLength % 64).toBe(0);
    const back = parseNpy(bytes);
    expect(back.shape).toEqual(shape);
    if (descr === '<f2') expect(Array.from(back.data as Float32Array)).toEqual([0.5, -2, 65504]);
    else expect(normalize(back.data)).toEqual(normalize(data));
  });

  it('writes a header up front for incremental writing', () => {
    const h = npyHeader([3, 4], '<f4');
    const data = new Float32Array(12).map((_, i) => i);
    const whole = new Uint8Array(h.length + 48);
    whole.set(h);
    whole.set(new Uint8Array(data.buffer), h.length);
    expect(Array.from(parseNpy(whole).data as Float32Array)).toEqual(Array.from(data));
    expect(whole).toEqual(writeNpy([3, 4], data));
  });

  it.skipIf(!hasNumpy)('numpy.load reads what writeNpy writes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'npy-'));
    try {
      cases.forEach(([shape, data, descr], i) => writeFileSync(path.join(dir, `${i}.npy`), writeNpy(shape, data, { descr })));
      const script = `
import numpy as np, json, sys, math
out = []
for i in range(${cases.length}):
    a = np.load(sys.argv[1] + '/%d.npy' % i)
    out.append({'dtype': a.dtype.str, 'shape': list(a.shape), 'values': [str(x) for x in a.ravel().tolist()]})
print(json.dumps(out))`;
      const res = JSON.parse(execFileSync(PY, ['-c', script, dir], { encoding: 'utf8' }));
      expect(res.map((r: { dtype: string }) => r.dtype)).toEqual(['<f4', '<f8', '|b1', '|u1', '<i2', '<i8', '<f2', '<f4', '<f4']);
      expect(res[0].values).toEqual(['1.0', '2.0', '3.0', '4.5', '-0.0', 'nan']);
      expect(res[2].values).toEqual(['False', 'True', 'True', 'False']);
      expect(res[5].values).toEqual([String(-(2n ** 63n)), String(2n ** 62n + 1n)]);
      expect(res[6].values).toEqual(['0.5', '-2.0', '65504.0']);
      expect(res[7].shape).toEqual([]);
      expect(res[8].shape).toEqual([0, 5]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('float16', () => {
  it('rounds to nearest even like numpy', () => {
    const vals = [0, -0, 1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 65520, 1e-8, 2 ** -24, 2 ** -25, 3 * 2 ** -25, 6e-5, NaN, -Infinity];
    const back = Array.from(float16ToFloat32(float32ToFloat16(vals)));
    expect(back.map((x) => num(x))).toEqual(
      [0, '-0', 1, 1, 1 + 2 ** -9, 65504, 'Infinity', 0, 2 ** -24, 0, 2 ** -23, 6.002187728881836e-5, 'NaN', '-Infinity'],
    );
  });
});

function num(x: number) {
  return normalize(x);
}

// existsSync/readFileSync kept for ad-hoc debugging of fixtures
void existsSync;
void readFileSync;
