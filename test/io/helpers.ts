// Shared test helpers: normalise reader output to the JSON form the Python fixture
// writer (tools/fixtures/write_io_fixtures.py) records in expected.json.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { NdArray } from '../../src/io/dtype.ts';
import { NumpyDtype, PyGlobal } from '../../src/io/pickle.ts';
import { BERG_MODEL_SUBDIR, fixturePath, ROOT } from '../helpers.ts';

export const PICKLE_DIR = path.join(ROOT, 'test', 'fixtures', 'pickle');
// Gzipped in the tree: these are the inflated copies.
export const BERG_DIR = fixturePath('test/fixtures/berg');
export const BAD_DIR = fixturePath('test/fixtures/bad');

export const weightsFile = (layout: string, s: number) =>
  path.join(BERG_DIR, layout, BERG_MODEL_SUBDIR, 'encoding_models_weights', `weights_subject-${String(s).padStart(2, '0')}.npy`);
export const metadataFile = (layout: string, s: number) =>
  path.join(BERG_DIR, layout, BERG_MODEL_SUBDIR, 'metadata', `metadata_subject-${String(s).padStart(2, '0')}.npy`);

export const expected: Record<string, unknown> = JSON.parse(readFileSync(path.join(PICKLE_DIR, 'expected.json'), 'utf8'));

export function fixture(name: string): Uint8Array {
  const b = readFileSync(path.join(PICKLE_DIR, name));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function num(x: number | bigint): unknown {
  if (typeof x === 'bigint') {
    return x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : { bigint: x.toString() };
  }
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0';
  return x;
}

export function normalize(v: unknown): unknown {
  if (v instanceof NdArray) {
    const data = v.data as ArrayLike<unknown>;
    const values = Array.from(data, (x) =>
      typeof x === 'number' || typeof x === 'bigint' ? num(x) : typeof x === 'string' ? x : normalize(x),
    );
    const head = { dtype: v.dtype, shape: v.shape, fortran: v.fortranOrder };
    if (values.length > 1000) {
      let sum = 0;
      for (let i = 0; i < data.length; i++) sum += Number(data[i]);
      return { ndarray: { ...head, sum: Number(sum.toPrecision(9)), head: values.slice(0, 8), tail: values.slice(-8) } };
    }
    return { ndarray: { ...head, values } };
  }
  if (typeof v === 'number' || typeof v === 'bigint') return num(v);
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('hex') };
  if (v instanceof NumpyDtype) return { dtype: v.descr };
  if (v instanceof PyGlobal) return { global: `${v}` };
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalize(x);
    return out;
  }
  return v;
}

/** expected.json with large-array sums rounded like normalize() rounds them. */
export function expectedFor(name: string): unknown {
  const round = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(round);
    if (x && typeof x === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(x)) o[k] = k === 'sum' && typeof v === 'number' ? Number(v.toPrecision(9)) : round(v);
      return o;
    }
    return x;
  };
  if (!(name in expected)) throw new Error(`no expected value for ${name}`);
  return round(expected[name]);
}
