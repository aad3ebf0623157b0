// Shared helpers for tests: fixture and golden files, error measures.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseNpy } from '../src/io/npy.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

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
