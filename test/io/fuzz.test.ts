// Seeded mutation fuzzing of the readers: BERG's files (test/fixtures/berg), .npy headers, the
// pickle fixtures and manifest.json. Every mutant either reads or fails with one of the project's
// typed errors (a BergError, never a TypeError or RangeError from inside a reader), in bounded
// time and memory. The seed is fixed so a failure reproduces; FUZZ_SEED picks another run.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BergError } from '../../src/core/errors.ts';
import { memorySource } from '../../src/io/source.ts';
import { readBergMetadata, readBergWeights } from '../../src/io/berg.ts';
import { memoryByteSource, observedByteSource } from '../../src/io/byte_source.ts';
import { readModelManifest } from '../../src/io/model_folder.ts';
import { parseNpy, readNpy } from '../../src/io/npy.ts';
import { unpickleBytes } from '../../src/io/pickle.ts';
import { metadataFile, PICKLE_DIR, weightsFile } from './helpers.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20200220);
/** per mutant, generous for two shared cores: a hang or a loop over claimed sizes takes far longer */
const MAX_MS = 10_000;
const MAX_GROWTH = 1.5e9;

function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]) => xs[int(xs.length)] };
}
type Rng = ReturnType<typeof rng>;

const HUGE = [0xffffffff, 0x7fffffff, 0x80000000, 0x10000, 0xffff, 0, 1];

/** One to three mutations; positions mostly from `hot` (where the structure is), else anywhere. */
function mutate(src: Uint8Array, r: Rng, hot: number[]): { bytes: Uint8Array; what: string } {
  let b = src.slice();
  const what: string[] = [];
  const pos = () => (hot.length && r.next() < 0.75 ? Math.min(b.length - 1, r.pick(hot) + r.int(8)) : r.int(b.length));
  for (let k = 1 + r.int(3); k > 0; k--) {
    const p = pos();
    switch (r.int(7)) {
      case 0:
        b[p] ^= 1 << r.int(8);
        what.push(`flip@${p}`);
        break;
      case 1:
        b[p] = r.int(256);
        what.push(`byte@${p}`);
        break;
      case 2: {
        const v = r.pick(HUGE) ^ (r.next() < 0.3 ? r.int(1 << 16) : 0);
        for (let i = 0; i < 4 && p + i < b.length; i++) b[p + i] = (v >>> (8 * i)) & 0xff;
        what.push(`u32 ${v}@${p}`);
        break;
      }
      case 3: {
        const n = 1 + r.int(64);
        const out = new Uint8Array(b.length - Math.min(n, b.length - p));
        out.set(b.subarray(0, p));
        out.set(b.subarray(Math.min(b.length, p + n)), p);
        b = out;
        what.push(`delete ${n}@${p}`);
        break;
      }
      case 4: {
        const ins = Uint8Array.from({ length: 1 + r.int(16) }, () => r.int(256));
        const out = new Uint8Array(b.length + ins.length);
        out.set(b.subarray(0, p));
        out.set(ins, p);
        out.set(b.subarray(p), p + ins.length);
        b = out;
        what.push(`insert ${ins.length}@${p}`);
        break;
      }
      case 5:
        b = b.slice(0, p);
        what.push(`truncate@${p}`);
        break;
      case 6: {
        const n = 1 + r.int(256);
        const piece = b.slice(p, p + n);
        const at = pos();
        const out = new Uint8Array(b.length + piece.length);
        out.set(b.subarray(0, at));
        out.set(piece, at);
        out.set(b.subarray(at), at + piece.length);
        b = out;
        what.push(`duplicate ${n}@${p}->${at}`);
        break;
      }
    }
    if (b.length === 0) break;
  }
  return { bytes: b, what: what.join(', ') };
}

/** Offsets of the small reads a clean parse makes: opcodes, lengths, keys, headers (not array payloads). */
async function structure(bytes: Uint8Array, read: (s: ReturnType<typeof memoryByteSource>) => Promise<unknown>): Promise<number[]> {
  const hot: number[] = [];
  const src = observedByteSource(memoryByteSource(bytes, 'clean'), (offset, b) => {
    if (b.length <= 256) for (let i = 0; i < b.length; i += 8) hot.push(offset + i);
  });
  await (read as (s: unknown, o?: unknown) => Promise<unknown>)(src, { readAhead: 64 });
  return hot;
}

/** Runs one mutant: it reads, or fails with a typed one-line error; in bounded time and memory. */
async function expectClean(label: string, fn: () => unknown | Promise<unknown>, name?: string): Promise<'ok' | 'error'> {
  const before = process.memoryUsage();
  const t0 = performance.now();
  let outcome: 'ok' | 'error' = 'ok';
  try {
    await fn();
  } catch (e) {
    outcome = 'error';
    const err = e as Error & { cause?: unknown };
    if (!(err instanceof BergError) || (err.cause !== undefined && !(err.cause instanceof BergError))) {
      throw new Error(`${label}: untyped error ${err?.name}: ${err?.message}${err?.cause ? ` (cause ${(err.cause as Error).name}: ${(err.cause as Error).message})` : ''}`);
    }
    expect(err.message, label).not.toContain('\n');
    if (name) expect(err.message.includes(name), `${label}: the message names the file: ${err.message}`).toBe(true);
  }
  const ms = performance.now() - t0;
  expect(ms, `${label} took ${ms.toFixed(0)} ms`).toBeLessThan(MAX_MS);
  const after = process.memoryUsage();
  const growth = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
  expect(growth, `${label} grew memory by ${growth} bytes`).toBeLessThan(MAX_GROWTH);
  return outcome;
}

describe('fuzz: seeded mutations', () => {
  it('BERG weights and metadata files', async () => {
    const r = rng(SEED);
    const targets = [
      { file: weightsFile('layout-a', 1), read: readBergWeights, n: 200 },
      { file: weightsFile('layout-c', 1), read: readBergWeights, n: 100 },
      { file: metadataFile('layout-a', 1), read: readBergMetadata, n: 60 },
    ];
    const seen = { ok: 0, error: 0 };
    for (const t of targets) {
      const clean = new Uint8Array(readFileSync(t.file));
      const hot = await structure(clean, t.read);
      for (let i = 0; i < t.n; i++) {
        const { bytes, what } = mutate(clean, r, hot);
        const name = `mutant-${i}-${path.basename(t.file)}`;
        seen[await expectClean(`${name} (${what})`, () => t.read(memoryByteSource(bytes, name)), name)]++;
      }
    }
    expect(seen.error).toBeGreaterThan(200); // the mutations do reach the structure
  }, 120_000);

  it('.npy headers', async () => {
    const r = rng(SEED + 1);
    const descrs = ['<f4', '|u1', '>i8', '|b1', '<f2', '|S0', '<U0', '|S5', '<U4294967295', '|S1048577', '|O', '<c16', 'V8', '<M8', 'f', '', "'", '<f4"'];
    const dims = [0, 1, 3, 2 ** 31, 2 ** 32, 10 ** 12, 2 ** 53, 10 ** 30, -1];
    let n = 0;
    for (let i = 0; i < 300; i++) {
      const shape = Array.from({ length: r.int(4) }, () => r.pick(dims));
      const shapeText = r.next() < 0.1 ? '('.repeat(1 + r.int(40)) : shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
      let text = `{'descr': '${r.pick(descrs)}', 'fortran_order': ${r.pick(['False', 'True', '1', 'None'])}, 'shape': ${shapeText}, }`;
      if (r.next() < 0.2) text = text.replace('}', `'${r.pick(['__proto__', 'constructor', 'x'])}': 1, }`);
      if (r.next() < 0.4) text = mutate(new TextEncoder().encode(text), r, []).bytes.reduce((s, c) => s + String.fromCharCode(c), '');
      const version = r.pick([1, 2, 3, 4]);
      const body = Uint8Array.from(text + '\n', (c) => c.charCodeAt(0) & 0xff);
      const pre = version === 1 ? 10 : 12;
      const data = new Uint8Array(r.int(64));
      const b = new Uint8Array(pre + body.length + data.length);
      b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
      const len = r.next() < 0.15 ? r.pick(HUGE) : body.length;
      const dv = new DataView(b.buffer);
      if (version === 1) dv.setUint16(8, len & 0xffff, true);
      else dv.setUint32(8, len >>> 0, true);
      b.set(body, pre);
      b.set(data, pre + body.length);
      const name = `header-${i}.npy`;
      await expectClean(`${name} ${JSON.stringify(text)} v${version}`, () => readNpy(memoryByteSource(b, name), { allowPickle: true }), name);
      await expectClean(`${name} (sync) ${JSON.stringify(text)}`, () => parseNpy(b, name), name);
      n++;
    }
    expect(n).toBe(300);
  }, 60_000);

  it('pickles', async () => {
    const r = rng(SEED + 2);
    const files = readdirSync(PICKLE_DIR).filter((f) => f.endsWith('.pkl') && !f.startsWith('stream_big'));
    expect(files.length).toBeGreaterThan(3);
    for (let i = 0; i < 150; i++) {
      const f = r.pick(files);
      const { bytes, what } = mutate(new Uint8Array(readFileSync(path.join(PICKLE_DIR, f))), r, []);
      await expectClean(`${f} (${what})`, () => unpickleBytes(bytes));
    }
  }, 60_000);

  it('manifest.json fields', async () => {
    const r = rng(SEED + 3);
    const good = JSON.parse(readFileSync(path.join(path.dirname(PICKLE_DIR), '..', '..', 'public/models/eeg-things_eeg_2-alexnet_untrained/demo/manifest.json'), 'utf8'));
    // a converted subject's manifest, built here from a small valid one
    const conv = {
      ...good,
      subject: 1,
      synthetic: false,
      generator: undefined,
      encoder: { n_features: 205672, n_components: 1, pca_layout: 'shared', scaler_folded: true, dtype: 'float32' },
      metadata: 'metadata.json',
      weightsManifest: ['pca/components:1,205672', 'pca/offset:1', ...[1, 2, 3, 4].flatMap((k) => [`reg/rep-${k}/coef:8820,1`, `reg/rep-${k}/intercept:8820`])].map((s, i) => {
        const [name, dims] = s.split(':');
        const shape = dims.split(',').map(Number);
        return { paths: [`../shared/${String(i).padStart(16, '0')}-shard1of1.bin`], weights: [{ name, shape, dtype: 'float32' }] };
      }),
      shards: {} as Record<string, { bytes: number; sha256: string }>,
    };
    for (const g of conv.weightsManifest) conv.shards[g.paths[0]] = { bytes: 4 * g.weights[0].shape.reduce((a: number, b: number) => a * b, 1), sha256: 'a'.repeat(64) };
    await readModelManifest(memorySource('m', new Map([['manifest.json', JSON.stringify(conv)]]))); // the base is valid
    const values = [null, -1, 0, 1e9, 1e300, 0.5, 'x', '', '../../../etc/passwd', '/dev/zero', [], {}, [1e9], { bytes: -1 }, true, 'a'.repeat(100_000)];
    const paths = (o: unknown, p: string[] = [], out: string[][] = []): string[][] => {
      out.push(p);
      if (o && typeof o === 'object' && p.length < 6) for (const [k, v] of Object.entries(o)) paths(v, [...p, k], out);
      return out;
    };
    const all = paths(conv).filter((p) => p.length > 0);
    let errors = 0;
    for (let i = 0; i < 200; i++) {
      const m = JSON.parse(JSON.stringify(conv));
      const p = r.pick(all);
      let o = m;
      for (const k of p.slice(0, -1)) o = o[k];
      if (r.next() < 0.2) delete o[p.at(-1)!];
      else o[p.at(-1)!] = r.pick(values);
      const out = await expectClean(`manifest ${p.join('.')}`, () => readModelManifest(memorySource('m', new Map([['manifest.json', JSON.stringify(m)]]))), 'manifest.json');
      if (out === 'error') errors++;
    }
    expect(errors).toBeGreaterThan(100);
  }, 60_000);
});
