// Hostile inputs, one regression test each: every one fails with one clear line naming the file and
// the problem, quickly, without allocating what the file claims, and leaves nothing behind.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMetadata } from '../../src/cli/metadata.ts';
import { BergError, ModelLoadError } from '../../src/core/errors.ts';
import { MODEL_ID } from '../../src/core/types.ts';
import { readBergMetadata, readBergWeights } from '../../src/io/berg.ts';
import { memoryByteSource } from '../../src/io/byte_source.ts';
import { convertBergSubject } from '../../src/convert/convert.ts';
import { MAX_NPY_HEADER_BYTES } from '../../src/io/limits.ts';
import { readModelFolder, readModelManifest, type ConvertedManifest } from '../../src/io/model_folder.ts';
import { NpyError, parseNpy, parseNpyHeader, readNpy } from '../../src/io/npy.ts';
import { directorySource, fileByteSource, withFileByteSource } from '../../src/io/source_node.ts';
import { BERG_MODEL_SUBDIR, ROOT } from '../helpers.ts';
import { BERG_DIR, weightsFile } from './helpers.ts';
import { readModelMetadata } from '../../src/io/model_metadata.ts';

const HOSTILE = path.join(ROOT, 'test', 'fixtures', 'hostile');
const hostile = (name: string) => path.join(HOSTILE, name);
let tmp: string;
let good: string; // a converted layout-a models root, copied for each folder case
beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'insilico-hostile-'));
  good = path.join(tmp, 'good');
  await convertBergSubject({ bergDir: path.join(BERG_DIR, 'layout-a'), subject: 1, out: good });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The error fn throws, checked to be one typed line; with the time it took. */
async function failure(fn: () => Promise<unknown>): Promise<Error> {
  const t0 = Date.now();
  const e = await fn().then(
    () => null,
    (x: unknown) => x,
  );
  expect(e, 'expected a failure').toBeInstanceOf(BergError);
  expect(Date.now() - t0).toBeLessThan(5000);
  expect((e as Error).message).not.toContain('\n');
  return e as Error;
}

const npyBytes = (header: string, version = 1, extra = new Uint8Array(0)) => {
  const text = new TextEncoder().encode(header + '\n');
  const pre = version === 1 ? 10 : 12;
  const out = new Uint8Array(pre + text.length + extra.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, text.length, true);
  else dv.setUint32(8, text.length, true);
  out.set(text, pre);
  out.set(extra, pre + text.length);
  return out;
};

describe('.npy and pickle readers', () => {
  it('zero-width strings claiming 10^12 items (128-byte .npy): refused before any loop', async () => {
    for (const name of ['s0_huge.npy', 'u0_huge.npy']) {
      const file = hostile(name);
      expect(readFileSync(file).length).toBe(128);
      const e = await failure(() => withFileByteSource(file, (s) => readNpy(s)));
      expect(e).toBeInstanceOf(NpyError);
      expect(e.message).toMatch(new RegExp(`^${file}: .*shape \\(1000000000000\\) has 1000000000000 items, more than`));
      expect(() => parseNpy(new Uint8Array(readFileSync(file)), name)).toThrow(/1000000000000 items/);
    }
  });

  it('the same array pickled inside a BERG file: a ModelLoadError naming the file', async () => {
    for (const name of ['pickled_s0_huge.npy', 'pickled_u0_huge.npy']) {
      const file = hostile(name);
      const e = await failure(() => withFileByteSource(file, (s) => readBergWeights(s)));
      expect(e).toBeInstanceOf(ModelLoadError);
      expect(e.message).toMatch(new RegExp(`^${file}: .*1000000000000 items`));
    }
  });

  it('a header over 64 KiB is named as such, not as a truncated file (even from its first 64 KiB)', async () => {
    const big = npyBytes(`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }`.padEnd(100_000, ' '), 2, new Uint8Array(4));
    const head = big.subarray(0, 65536);
    for (const e of [await failure(() => readNpy(memoryByteSource(big, 'big.npy'))), (() => {
      try {
        parseNpyHeader(head, 'big.npy');
      } catch (x) {
        return x as Error;
      }
      throw new Error('accepted');
    })()]) {
      expect(e.message).toBe(
        `big.npy: the .npy header is 100013 bytes long, more than the ${MAX_NPY_HEADER_BYTES} this reader accepts (numpy writes a few hundred): the file is corrupt or not an array numpy saved`,
      );
    }
  });

  it('__proto__ and other extra keys, invalid UTF-8, deep nesting: refused as numpy refuses them', async () => {
    const proto = npyBytes(`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), '__proto__': {'polluted': 1}}`, 1, new Uint8Array(4));
    expect((await failure(() => readNpy(memoryByteSource(proto, 'proto.npy')))).message).toMatch(/^proto\.npy: the \.npy header has the keys .*__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const v3 = npyBytes(`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }`, 3, new Uint8Array(4));
    v3[20] = 0xff;
    expect((await failure(() => readNpy(memoryByteSource(v3, 'v3.npy')))).message).toBe('v3.npy: the .npy header (format 3.0) is not valid UTF-8');
    const deep = npyBytes(`{'descr': '<f4', 'fortran_order': False, 'shape': ${'('.repeat(5000)}`);
    expect((await failure(() => readNpy(memoryByteSource(deep, 'deep.npy')))).message).toMatch(/^deep\.npy: malformed \.npy header \(nested deeper than 8/);
  });

  it('a folder or a missing file: the message names it', async () => {
    expect((await failure(() => fileByteSource(tmp))).message).toBe(`${tmp} is a folder, not a regular file`);
    const missing = path.join(tmp, 'nope.npy');
    expect((await failure(() => fileByteSource(missing))).message).toBe(`${missing}: no such file`);
  });
});

describe('BERG files', () => {
  it('K = 0 is refused at conversion', async () => {
    const e = await failure(() => withFileByteSource(hostile('k0_weights.npy'), (s) => readBergWeights(s)));
    expect(e.message).toMatch(/k0_weights\.npy: pca_param components_ has 0 components; K must be 1 to 1024$/);
  });

  it('one NaN in the scaler mean_: refused with the array and index named, nothing written', async () => {
    const bytes = readFileSync(weightsFile('layout-a', 1));
    const w = await withFileByteSource(weightsFile('layout-a', 1), (s) => readBergWeights(s));
    // mean_'s payload: the BINBYTES of 205672 float64 whose values are mean_'s
    const n = w.scaler.mean.length * 8;
    const tag = Buffer.from([0x42, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24]);
    let at = -1;
    for (let p = bytes.indexOf(tag); p >= 0 && at < 0; p = bytes.indexOf(tag, p + 1)) {
      const vals = new Float64Array(bytes.buffer.slice(bytes.byteOffset + p + 5, bytes.byteOffset + p + 5 + n));
      if (vals.every((v, j) => v === w.scaler.mean[j])) at = p + 5;
    }
    expect(at).toBeGreaterThan(0);
    const i = 1234;
    at += 8 * i;
    bytes.writeDoubleLE(NaN, at);
    const berg = path.join(tmp, 'nan-berg');
    const sub = path.join(berg, BERG_MODEL_SUBDIR);
    cpSync(path.join(BERG_DIR, 'layout-a', BERG_MODEL_SUBDIR), sub, { recursive: true });
    writeFileSync(path.join(sub, 'encoding_models_weights', 'weights_subject-01.npy'), bytes);
    const out = path.join(tmp, 'nan-out');
    const e = await failure(() => convertBergSubject({ bergDir: berg, subject: 1, out }));
    expect(e.message).toMatch(new RegExp(`weights_subject-01\\.npy: scaler_param mean_\\[${i}\\] is NaN: the weights are corrupt`));
    expect(existsSync(out)).toBe(false);
  });

  it('one string referenced 400 times (a 200 kB file, 80 M characters written out): refused', async () => {
    const file = hostile('shared_strings_metadata.npy');
    const e = await failure(() => withFileByteSource(file, (s) => readBergMetadata(s)));
    expect(e.message).toMatch(new RegExp(`^${file}: the metadata's strings add up to more than 67108864 characters \\(at train_img_info train_img_files\\)`));
  });
});

describe('model folders are closed', () => {
  let n = 0;
  /** A fresh copy of the converted folder with its manifest changed by edit; returns the subject folder. */
  const folder = (edit: (m: ConvertedManifest, dir: string) => void = () => {}) => {
    const root = path.join(tmp, `case-${n++}`);
    cpSync(good, root, { recursive: true });
    const dir = path.join(root, MODEL_ID, 'sub-01');
    const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    edit(m, dir);
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
    return dir;
  };
  /** Points the first shard of weight `name` at a new path. */
  const repath = (m: ConvertedManifest, name: string, to: string) => {
    const g = m.weightsManifest.find((x) => x.weights[0].name === name)!;
    const from = g.paths[0];
    m.shards[to] = m.shards[from];
    delete m.shards[from];
    g.paths[0] = to;
  };
  const shardOf = (dir: string, name: string) => {
    const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ConvertedManifest;
    const p = m.weightsManifest.find((x) => x.weights[0].name === name)!.paths[0];
    return { m, rel: p, file: path.join(dir, p) };
  };

  it('absolute and climbing shard paths are refused before anything is read', async () => {
    for (const [to, why] of [
      ['/dev/zero', 'is absolute'],
      ['../../../../etc/passwd', 'leaves the model folder'],
      ['../shared/../../x.bin', 'leaves the model folder'],
      ['a/./b.bin', 'has an empty, "." or ".." part'],
      ['..\\shared\\x.bin', 'contains a backslash'],
    ]) {
      const dir = folder((m) => repath(m, 'reg/rep-2/coef', to));
      const e = await failure(() => readModelFolder(directorySource(dir)));
      expect(e.message).toContain(`${dir}/manifest.json: the shard path ${JSON.stringify(to)} ${why}`);
    }
  });

  it('a shard that is a symlink out of the folder, a FIFO, or of another length: refused without reading it', async () => {
    const outside = path.join(tmp, 'outside.bin');
    let dir = folder();
    let s = shardOf(dir, 'reg/rep-2/coef');
    writeFileSync(outside, readFileSync(s.file)); // same bytes and length: only the link gives it away
    unlinkSync(s.file);
    symlinkSync(outside, s.file);
    let e = await failure(() => readModelFolder(directorySource(dir)));
    expect(e.message).toContain(`cannot read shard ${dir}/${s.rel}: refused, it is a link to ${outside}, outside the model folder`);

    dir = folder();
    s = shardOf(dir, 'reg/rep-2/coef');
    unlinkSync(s.file);
    symlinkSync('/dev/zero', s.file);
    e = await failure(() => readModelFolder(directorySource(dir)));
    expect(e.message).toContain('refused, it is a link to /dev/zero, outside the model folder');

    dir = folder();
    s = shardOf(dir, 'reg/rep-2/coef');
    unlinkSync(s.file);
    expect(spawnSync('mkfifo', [s.file]).status).toBe(0);
    e = await failure(() => readModelFolder(directorySource(dir)));
    expect(e.message).toContain(`cannot read shard ${dir}/${s.rel}: refused, it is a FIFO (named pipe), not a regular file`);

    dir = folder();
    s = shardOf(dir, 'reg/rep-2/coef');
    writeFileSync(s.file, Buffer.concat([readFileSync(s.file), Buffer.alloc(1000)]));
    e = await failure(() => readModelFolder(directorySource(dir)));
    expect(e.message).toMatch(new RegExp(`^shard ${s.rel.replace(/[.]/g, '\\.')} has ${s.m.shards[s.rel].bytes + 1000} bytes, manifest says ${s.m.shards[s.rel].bytes}`));
  });

  it('"metadata": "../../../../etc/passwd": refused, and no byte of the file reaches the message', async () => {
    const dir = folder((m) => {
      m.metadata = '../../../../etc/passwd';
    });
    const e = await failure(() => readModelMetadata(directorySource(dir)));
    expect(e.message).toBe(`${dir}/manifest.json: the metadata path "../../../../etc/passwd" leaves the model folder: the model folder is corrupt; convert again`);
    const cli = await failure(() => runMetadata(['--model', dir]));
    expect(cli.message).toBe(e.message);
    // a metadata.json that is not JSON: its position, not its text
    const dir2 = folder();
    writeFileSync(path.join(dir2, 'metadata.json'), 'root:x:0:0:root:/root:/bin/bash\n');
    const e2 = await failure(() => readModelMetadata(directorySource(dir2)));
    expect(e2.message).not.toContain('root:');
    expect(e2.message).toMatch(/metadata\.json is not valid JSON \(invalid JSON( at position 0)?\)/);
  });

  it('manifest numbers are checked before use: n_components 1e9, a wrong shape, no shards table', async () => {
    let dir = folder((m) => {
      m.encoder.n_components = 1e9;
    });
    let e = await failure(() => readModelManifest(directorySource(dir)));
    expect(e.message).toBe(`${dir}/manifest.json: encoder n_components 1000000000 is not an integer from 1 to 1024: the model folder is corrupt; convert again`);
    dir = folder((m) => {
      m.weightsManifest[0].weights[0].shape = [1e6, 1e6];
    });
    e = await failure(() => readModelManifest(directorySource(dir)));
    expect(e.message).toMatch(/weight pca\/components has shape \(1000000, 1000000\); with K = 4 it must be \(4, 205672\)/);
    dir = folder((m) => {
      delete (m as Partial<ConvertedManifest>).shards;
    });
    e = await failure(() => readModelFolder(directorySource(dir)));
    expect(e.message).toBe(`${dir}/manifest.json: it has no shards table (each shard file with its length and sha256): the model folder is corrupt; convert again`);
    dir = folder((m) => {
      m.encoder.n_components = 0;
    });
    e = await failure(() => readModelManifest(directorySource(dir)));
    expect(e.message).toMatch(/encoder n_components 0 is not an integer from 1 to 1024/);
  });

  it('a NaN weight (its shard hash matching): refused at load with the weight and index named', async () => {
    let rel = '';
    const dir = folder((m, d) => {
      rel = m.weightsManifest.find((x) => x.weights[0].name === 'reg/rep-2/intercept')!.paths[0];
      const file = path.join(d, rel);
      const b = readFileSync(file);
      b.writeFloatLE(NaN, 4 * 3);
      writeFileSync(file, b);
      m.shards[rel].sha256 = createHash('sha256').update(b).digest('hex');
    });
    const e = await failure(() => readModelFolder(directorySource(dir)));
    expect(e.message).toBe(`${dir}/manifest.json: weight reg/rep-2/intercept[3] is NaN: the model folder is corrupt; convert again`);
    expect(readdirSync(path.dirname(dir)).sort()).toEqual(['shared', 'sub-01']);
  });
});
