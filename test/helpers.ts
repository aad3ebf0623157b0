// Shared helpers for tests: fixture and golden files, the CLI, converted fixture models, error
// measures, a seeded generator.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { convertBergSubject } from '../src/convert/convert.ts';
import { MODEL_ID } from '../src/core/types.ts';
import { parseNpy } from '../src/io/npy.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The command line's entry point. */
export const BIN = join(ROOT, 'bin/insilico-eeg.mjs');
/** The demo subject's model folder (synthetic weights, shipped in public/). */
export const DEMO_MODEL_DIR = join(ROOT, 'public/models', MODEL_ID, 'demo');
/** Where BERG keeps this model under the folder `aws s3 sync` fills (spelled out here, not taken from src). */
export const BERG_MODEL_SUBDIR = 'encoding_models/modality-eeg/train_dataset-things_eeg_2/model-alexnet_untrained';

/** child_process.execFile, promised. */
export const run = promisify(execFile);

/** Runs the CLI (`node bin/insilico-eeg.mjs ARGS` in the repository root); a failure comes back as its exit code and output. */
export async function cli(args: string[], opts: { timeout?: number } = {}): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, maxBuffer: 64 << 20, timeout: opts.timeout });
    return { code: 0, stdout, stderr, ms: Date.now() - t0 };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr, ms: Date.now() - t0 };
  }
}

/**
 * Where fixturePath() writes the inflated copies of gzipped fixtures (gitignored). Inside the
 * repository, so that Vite's dev server can serve them to the browser tests.
 */
export const FIXTURE_CACHE = process.env.INSILICO_FIXTURE_CACHE ?? join(ROOT, '.cache', 'fixtures');

const isCurrent = (copy: string, source: string) => {
  if (!existsSync(copy)) return false;
  const c = statSync(copy);
  const s = statSync(source);
  return c.mtimeMs === s.mtimeMs && (source.endsWith('.gz') || c.size === s.size);
};

/** Writes `dest` from `source` (inflated when it ends in .gz) unless a current copy is there. */
function materialise(source: string, dest: string) {
  if (isCurrent(dest, source)) return;
  mkdirSync(dirname(dest), { recursive: true });
  // Test files run in parallel processes: write aside, then rename (atomic).
  const tmp = `${dest}.${process.pid}.tmp`;
  if (source.endsWith('.gz')) writeFileSync(tmp, gunzipSync(readFileSync(source)));
  else copyFileSync(source, tmp);
  const { atime, mtime } = statSync(source);
  utimesSync(tmp, atime, mtime);
  renameSync(tmp, dest);
}

const hasGz = (dir: string): boolean =>
  readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? hasGz(join(dir, e.name)) : e.name.endsWith('.gz')));

/** The cache folder `dest` as a copy of `dir`, each `X.gz` inflated to `X`; what `dir` lacks is removed. */
function mirror(dir: string, dest: string) {
  mkdirSync(dest, { recursive: true });
  const want = new Set<string>();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const name = e.isFile() && e.name.endsWith('.gz') ? e.name.slice(0, -3) : e.name;
    want.add(name);
    if (e.isDirectory()) mirror(join(dir, e.name), join(dest, name));
    else materialise(join(dir, e.name), join(dest, name));
  }
  for (const name of readdirSync(dest)) if (!want.has(name) && !name.endsWith('.tmp')) rmSync(join(dest, name), { recursive: true, force: true });
}

/**
 * The path of a fixture or golden file or folder, `relPath` from the repository root as it was
 * written (e.g. 'test/fixtures/berg/layout-b'). Large files are kept gzipped in the tree (`X.gz`,
 * tools/reference/compress_fixtures.py): those, and folders holding any, are inflated once into
 * FIXTURE_CACHE and that copy's path comes back; anything else is returned where it is.
 */
export function fixturePath(relPath: string): string {
  const file = join(ROOT, relPath);
  if (existsSync(file)) {
    if (!statSync(file).isDirectory() || !hasGz(file)) return file;
    mirror(file, join(FIXTURE_CACHE, relPath));
    return join(FIXTURE_CACHE, relPath);
  }
  if (!existsSync(`${file}.gz`)) throw new Error(`no fixture ${relPath} (nor ${relPath}.gz)`);
  materialise(`${file}.gz`, join(FIXTURE_CACHE, relPath));
  return join(FIXTURE_CACHE, relPath);
}

/** The bytes of a fixture or golden file, `relPath` from the repository root (inflated from `X.gz` if gzipped). */
export function readFixture(relPath: string): Buffer {
  const file = join(ROOT, relPath);
  if (!existsSync(file) && existsSync(`${file}.gz`)) return gunzipSync(readFileSync(`${file}.gz`));
  return readFileSync(file);
}

export function loadNpy(relPath: string) {
  return parseNpy(new Uint8Array(readFixture(relPath)), relPath);
}

export function loadJson<T = unknown>(relPath: string): T {
  return JSON.parse(readFixture(relPath).toString('utf8')) as T;
}

/** A subject's folder name: sub-01. */
export const sub = (n: number) => `sub-${String(n).padStart(2, '0')}`;

/** The BERG-format fixtures with Python responses in test/golden/responses: every pca_param layout. */
export const FIXTURE_CASES: ReadonlyArray<readonly [layout: string, subject: number]> = [
  ['layout-a', 1],
  ['layout-b', 1],
  ['layout-b', 2],
  ['layout-c', 1],
];

/** test/golden/taps/input.npy: the two 300 x 300 images of the taps and responses goldens. */
export function tapImages(): { data: Uint8Array; shape: [number, number, number, number] } {
  return { data: loadNpy('test/golden/taps/input.npy').data as Uint8Array, shape: [2, 3, 300, 300] };
}

/** The selection of the responses goldens' `_sel` arrays. */
export function goldenSelection() {
  return loadJson<{ channels: string[]; channels_out: string[]; timepoints: string }>('test/golden/responses/selection.json');
}

/** Converts each of FIXTURE_CASES into out/<layout>/ (see fixtureModelDir). */
export async function convertFixtureCases(out: string): Promise<void> {
  for (const [layout, subject] of FIXTURE_CASES) {
    await convertBergSubject({ bergDir: fixturePath(`test/fixtures/berg/${layout}`), subject, out: join(out, layout) });
  }
}

/** The model folder convertFixtureCases(out) wrote for this layout and subject. */
export const fixtureModelDir = (out: string, layout: string, subject: number) => join(out, layout, MODEL_ID, sub(subject));

/** A seeded linear congruential generator: uniform values in [-0.5, 0.5). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** One tap's values for each of the `batch` feature vectors [batch, 205672] (BERG's channel-major order). */
export function tapValues(features: Float32Array, tap: { offset: number; size: number }, batch: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < batch; b++) {
    const o = b * 205_672 + tap.offset;
    out.push(...features.subarray(o, o + tap.size));
  }
  return out;
}

/** max |a - b| and max |ref| over the whole arrays. */
export function maxErr(got: ArrayLike<number>, ref: ArrayLike<number>): { err: number; ref: number; rel: number } {
  if (got.length !== ref.length) throw new Error(`length ${got.length} != ${ref.length}`);
  let err = 0;
  let mx = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(got[i] - ref[i]));
    mx = Math.max(mx, Math.abs(ref[i]));
  }
  return { err, ref: mx, rel: err / mx };
}
