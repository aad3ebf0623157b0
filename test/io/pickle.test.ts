import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryByteSource, observedByteSource } from '../../src/io/byte_source.ts';
import { NdArray } from '../../src/io/dtype.ts';
import { readNpy } from '../../src/io/npy.ts';
import { PickleDict, unpickle, unpickleBytes } from '../../src/io/pickle.ts';
import { fileByteSource } from '../../src/io/source_node.ts';
import { BAD_DIR, expectedFor, fixture, normalize, PICKLE_DIR } from './helpers.ts';

async function load(name: string, opts: { readAhead?: number } = {}) {
  const src = await fileByteSource(path.join(PICKLE_DIR, name));
  try {
    if (name.endsWith('.npy')) {
      const a = await readNpy(src, { allowPickle: true, ...opts });
      return (a.data as unknown[])[0];
    }
    return await unpickle(src, 0, opts);
  } finally {
    await src.close();
  }
}

const cases = [
  'p1_nested.pkl',
  'p2_nested.pkl',
  'p3_nested.npy',
  'p4_numpy2_nested.pkl',
  'p5_nested.pkl',
  'sklearn_objects.npy',
  'sklearn_objects_p1.pkl',
  'sklearn_objects_p2.pkl',
  'stream_big.npy',
  'stream_big_p4_numpy2.pkl',
];

describe('safe unpickler', () => {
  it.each(cases)('%s matches what Python pickled', async (name) => {
    expect(normalize(await load(name))).toEqual(expectedFor(name));
  });

  it('reads the numpy 2 module path (numpy._core.multiarray) in protocol 4', async () => {
    const bytes = fixture('p4_numpy2_nested.pkl');
    expect(Buffer.from(bytes).includes('numpy._core.multiarray')).toBe(true);
    expect(Buffer.from(bytes).includes('numpy.core.multiarray')).toBe(false);
    const v = (await unpickleBytes(bytes)) as PickleDict;
    const f4 = v.f4 as NdArray;
    expect(f4).toBeInstanceOf(NdArray);
    expect(f4.data).toBeInstanceOf(Float32Array);
    expect(v.scalars).toEqual([2.5, -1.25, -9, 42, 200, true, expect.closeTo(0.333, 3), 'Oz', 2n ** 60n]);
  });

  it('keeps shared references shared (memo)', async () => {
    const v = (await load('p3_nested.npy')) as PickleDict;
    expect(v.shared_ref).toBe(v.f4);
  });

  it('rebuilds sklearn estimators as plain objects', async () => {
    const v = (await load('sklearn_objects.npy')) as Record<string, PickleDict>;
    expect(v.pca.__class__).toBe('sklearn.decomposition._pca.PCA');
    expect(v.scaler.__class__).toBe('sklearn.preprocessing._data.StandardScaler');
    expect(v.reg.__class__).toBe('sklearn.linear_model._base.LinearRegression');
    expect((v.pca.components_ as NdArray).shape).toEqual([2, 5]);
    expect(v.pca.whiten).toBe(false);
  });

  it('parses a hand-built protocol 4 pickle (from the opcode spec)', async () => {
    const sbu = (s: string) => [0x8c, s.length, ...Buffer.from(s, 'utf8')];
    const i32 = (n: number) => [...new Uint8Array(new Int32Array([n]).buffer)];
    const u64 = (n: number) => [...new Uint8Array(new BigUint64Array([BigInt(n)]).buffer)];
    const payload = [...new Uint8Array(new Float32Array([1.5, -2]).buffer)];
    const body = [
      0x7d, 0x94, // EMPTY_DICT MEMOIZE
      0x28, // MARK
      ...sbu('w'), 0x94,
      ...sbu('numpy._core.multiarray'), ...sbu('_reconstruct'), 0x93, 0x94, // STACK_GLOBAL
      ...sbu('numpy'), ...sbu('ndarray'), 0x93, // STACK_GLOBAL
      0x4b, 0, 0x85, // (0,)
      0x43, 1, 0x62, // b'b'
      0x87, 0x52, // TUPLE3 REDUCE -> empty ndarray
      0x28, 0x4b, 1, 0x4b, 2, 0x85, // MARK 1 (2,)
      ...sbu('numpy'), ...sbu('dtype'), 0x93, ...sbu('f4'), 0x89, 0x88, 0x87, 0x52, // dtype('f4', False, True)
      0x28, 0x4b, 3, ...sbu('<'), 0x4e, 0x4e, 0x4e, 0x4a, ...i32(-1), 0x4a, ...i32(-1), 0x4b, 0, 0x74, 0x62, // dtype BUILD
      0x89, 0x8e, ...u64(8), ...payload, // False, BINBYTES8
      0x74, 0x62, // TUPLE BUILD -> the array
      ...sbu('k'), 0x4b, 3,
      ...sbu('big'), 0x8a, 9, ...u64(0), 1, // LONG1 2^64
      ...sbu('__proto__'), 0x5d, 0x94, 0x4e, 0x61, 0x68, 1, 0x61, // [None, memo[1] ('w')]: a key named __proto__ stays data
      0x75, // SETITEMS
      0x2e, // STOP
    ];
    const bytes = new Uint8Array([0x80, 4, 0x95, ...u64(body.length), ...body]);
    const v = (await unpickleBytes(bytes)) as PickleDict;
    expect(Object.keys(v)).toEqual(['w', 'k', 'big', '__proto__']);
    const w = v.w as NdArray;
    expect(w.dtype).toBe('<f4');
    expect(w.shape).toEqual([2]);
    expect(Array.from(w.data as Float32Array)).toEqual([1.5, -2]);
    expect(v.k).toBe(3);
    expect(v.big).toBe(2n ** 64n);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(v['__proto__']).toEqual([null, 'w']);
  });

  it('streams from a file with a small read-ahead: same arrays, no whole-file read', async () => {
    for (const name of ['stream_big.npy', 'stream_big_p4_numpy2.pkl']) {
      const inMemory = normalize(await load(name));
      const file = await fileByteSource(path.join(PICKLE_DIR, name));
      let maxRead = 0;
      let total = 0;
      let nextOffset = 0;
      const progress: number[] = [];
      const src = observedByteSource(file, (offset, bytes) => {
        expect(offset).toBe(nextOffset); // strictly sequential, every byte once
        nextOffset = offset + bytes.length;
        maxRead = Math.max(maxRead, bytes.length);
        total += bytes.length;
      });
      try {
        const opts = { readAhead: 4096, onProgress: (n: number) => progress.push(n) };
        const v = name.endsWith('.npy')
          ? ((await readNpy(src, { allowPickle: true, ...opts })).data as unknown[])[0]
          : await unpickle(src, 0, opts);
        expect(normalize(v)).toEqual(inMemory);
        // the largest single read is the largest array payload (12,000 float32 = 48,000 bytes)
        expect(maxRead).toBeLessThanOrEqual(48_000);
        expect(file.size).toBeGreaterThan(90_000);
        expect(total).toBe(file.size);
        expect(progress.at(-1)).toBe(file.size);
        expect(progress.every((p, i) => i === 0 || p >= progress[i - 1])).toBe(true);
      } finally {
        await file.close();
      }
    }
  });

  it('refuses os.system and runs nothing', async () => {
    const marker = '/tmp/insilico-eeg-pickle-pwned';
    rmSync(marker, { force: true });
    const files = [path.join(PICKLE_DIR, 'evil_os_system.npy')];
    if (existsSync(path.join(BAD_DIR, 'os_system.npy'))) files.push(path.join(BAD_DIR, 'os_system.npy'));
    for (const f of files) {
      const src = await fileByteSource(f);
      try {
        await expect(readNpy(src, { allowPickle: true })).rejects.toThrow(
          /refusing to load pickle global (posix|os)\.system: only numpy arrays, numpy scalars, dicts, lists, strings and known sklearn estimators are allowed/,
        );
      } finally {
        await src.close();
      }
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses builtins.eval named through STACK_GLOBAL', async () => {
    await expect(unpickleBytes(fixture('evil_eval_p4.pkl'))).rejects.toThrow(/refusing to load pickle global builtins\.eval/);
  });

  it('refuses calls, objects and opcodes outside numpy pickles', async () => {
    const cases: [number[], RegExp][] = [
      [[0x80, 6, 0x4e, 0x2e], /protocol 6 is newer/],
      [[0x80, 5, 0x97, 0x2e], /out-of-band buffers/],
      [[0x80, 2, 0x4e, 0x51, 0x2e], /persistent ids/],
      [[0x80, 2, 0x82, 1, 0x2e], /extension codes/],
      [[0x80, 2, 0xff, 0x2e], /unsupported pickle opcode 0xff at byte 2/],
      [[0x80, 2, 0x4e, 0x4e, 0x52, 0x2e], /REDUCE on None/],
      [[0x80, 2, 0x4e, 0x2e, 0x2e], /./], // not an error: trailing bytes after STOP are not read
      [[0x80, 2, 0x4e, 0x4e, 0x2e], /malformed stack/],
      [[0x80, 2, 0x68, 5, 0x2e], /memo key 5 not defined/],
      [[0x80, 2, 0x61], /stack underflow/],
    ];
    for (const [bytes, re] of cases) {
      const p = unpickleBytes(new Uint8Array(bytes));
      if (bytes.length === 5 && bytes[3] === 0x2e) await expect(p).resolves.toBeNull();
      else await expect(p, bytes.join(',')).rejects.toThrow(re);
    }
  });

  it('says where a truncated pickle ends', async () => {
    const whole = fixture('p3_nested.npy');
    for (const cut of [130, 300, 700, 1200, whole.length - 1]) {
      const src = memoryByteSource(whole.slice(0, cut), 'weights_subject-01.npy');
      await expect(readNpy(src, { allowPickle: true })).rejects.toThrow(
        new RegExp(`weights_subject-01\\.npy: the file ends inside .* at byte ${cut}.*the file is truncated, download it again`),
      );
    }
    // cut inside a large array payload: read straight from the source, still a clear message
    const big = fixture('stream_big.npy');
    const src = memoryByteSource(big.slice(0, 30_000), 'big.npy');
    await expect(readNpy(src, { allowPickle: true, readAhead: 4096 })).rejects.toThrow(
      /big\.npy: the file ends inside the pickle \(opcode BINBYTES at byte \d+\) at byte 30000 .*truncated, download it again/,
    );
  });
});
