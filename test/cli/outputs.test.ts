// Outputs that cannot lie: resume checks the pixels of finished batches, not the images' names;
// OUT.lock keeps a second run off an OUT being written; a missing output folder fails before the
// model loads; a run that finished nothing leaves nothing; one that finished some rows resumes.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNpy, writeNpy } from '../../src/io/npy.ts';
import { calibrationImages } from '../../tools/demo/calibration_images.ts';
import { BIN, cli, DEMO_MODEL_DIR as DEMO, ROOT } from '../helpers.ts';
import { expectValidSidecar } from './sidecar_schema.ts';

const S = 64;

const encodeArgs = (images: string, out: string, extra: string[] = []) => ['encode', '--model', DEMO, '--images', images, '--out', out, '--batch-size', '1', '--threads', '1', '--device', 'wasm', ...extra];
const finished = (out: string): number => {
  try {
    return JSON.parse(readFileSync(out + '.partial.json', 'utf8')).batches.length;
  } catch {
    return 0; // not there yet, or being replaced
  }
};
const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

/** Start an encode and return once `until` holds (polled), with the child still running. */
async function startEncode(args: string[], until: () => boolean): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (until()) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
    child.once('exit', () => {
      clearInterval(timer);
      reject(new Error('the encode ended before the test could act on it'));
    });
  });
  return child;
}

const images = (n: number, seed: number) => writeNpy([n, 3, S, S], calibrationImages(n, S, seed));
const bytesOf = (p: string) => readFileSync(p);
const rowsOf = (p: string) => parseNpy(new Uint8Array(readFileSync(p)), p);
/** Files in dir whose name starts with stem (OUT and everything beside it). */
const beside = (dir: string, stem: string) => readdirSync(dir).filter((f) => f.startsWith(stem)).sort();

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'insilico-out-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('encode outputs', () => {
  it('resume re-encodes from the first finished batch whose pixels changed, though the names did not', async () => {
    const n = 10;
    const inp = join(dir, 'stim.npy');
    const first = images(n, 21);
    writeFileSync(inp, first);
    const out = join(dir, 'swap.npy');
    const child = await startEncode(encodeArgs(inp, out), () => finished(out) >= 3);
    child.kill('SIGKILL');
    await exited(child);
    const done = finished(out);
    expect(done).toBeGreaterThanOrEqual(3);
    expect(done).toBeLessThan(n);
    // Same file name, same image names (stim.npy[i]); image 1 is another picture now.
    const swapped = writeNpy([n, 3, S, S], calibrationImages(n, S, 21));
    const other = calibrationImages(1, S, 99);
    const hdr = swapped.length - n * 3 * S * S;
    swapped.set(other, hdr + 3 * S * S);
    writeFileSync(inp, swapped);
    const r = await cli(encodeArgs(inp, out));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: images 1\.\.1 differ from those the interrupted run encoded \(content hash\): encoding again from image 1/);
    expect(r.stderr).toMatch(new RegExp(`resuming: 1 of ${n} images already encoded`));
    const fresh = join(dir, 'swap-fresh.npy');
    expect((await cli(encodeArgs(inp, fresh))).code).toBe(0);
    expect(bytesOf(out).equals(bytesOf(fresh))).toBe(true);
    expectValidSidecar(JSON.parse(readFileSync(out + '.json', 'utf8')));
    expect(beside(dir, 'swap.npy')).toEqual(['swap.npy', 'swap.npy.json']);
  }, 120_000);

  it('a second run on an OUT being written refuses with one line and leaves the first run alone', async () => {
    const inp = join(dir, 'busy-in.npy');
    // long enough that the second run starts while the first still encodes
    writeFileSync(inp, images(24, 31));
    const out = join(dir, 'busy.npy');
    const a = await startEncode(encodeArgs(inp, out), () => finished(out) >= 1);
    const b = await cli(encodeArgs(inp, out));
    expect(b.code).not.toBe(0);
    const errors = b.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toEqual([expect.stringMatching(new RegExp(`busy\\.npy is being written by process ${a.pid} on `))]);
    // B refused before loading anything
    expect(b.stderr).not.toMatch(/model eeg-things/);
    expect(await exited(a)).toBe(0);
    const alone = join(dir, 'busy-alone.npy');
    expect((await cli(encodeArgs(inp, alone))).code).toBe(0);
    expect(bytesOf(out).equals(bytesOf(alone))).toBe(true);
    expect(beside(dir, 'busy.npy')).toEqual(['busy.npy', 'busy.npy.json']);
  }, 120_000);

  it('a lock held by a live process on this host is obeyed; the lock and the output stay as they were', async () => {
    const inp = join(dir, 'held-in.npy');
    writeFileSync(inp, images(1, 41));
    const out = join(dir, 'held.npy');
    const lock = JSON.stringify({ pid: process.pid, host: hostname(), started: '2026-01-01T00:00:00.000Z' });
    writeFileSync(out + '.lock', lock);
    const r = await cli(encodeArgs(inp, out));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`error: ${out} is being written by process ${process.pid} on ${hostname()}, since 2026-01-01T00:00:00.000Z (${out}.lock); wait for it to finish, or delete held.npy.lock if no such run is alive`);
    expect(readFileSync(out + '.lock', 'utf8')).toBe(lock);
    expect(beside(dir, 'held.npy')).toEqual(['held.npy.lock']);
  }, 60_000);

  it('a missing output folder is reported before the model loads, and nothing is written', async () => {
    const inp = join(dir, 'nofolder-in.npy');
    writeFileSync(inp, images(1, 51));
    const out = join(dir, 'no-such-folder', 'x.npy');
    const r = await cli(encodeArgs(inp, out));
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`error: --out ${out}: the folder ${join(dir, 'no-such-folder')} does not exist`);
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);
  }, 60_000);

  it('a failure in the first batch leaves nothing; one after finished batches keeps them and the rerun resumes', async () => {
    const folder = join(dir, 'pngs');
    mkdirSync(folder);
    const px = calibrationImages(3, S, 61);
    const writePng = (name: string, i: number) => {
      const png = new PNG({ width: S, height: S });
      for (let p = 0; p < S * S; p++) {
        for (let c = 0; c < 3; c++) png.data[4 * p + c] = px[i * 3 * S * S + c * S * S + p];
        png.data[4 * p + 3] = 255;
      }
      writeFileSync(join(folder, name), PNG.sync.write(png));
    };
    writeFileSync(join(folder, 'a.png'), 'not a png at all');
    writePng('b.png', 1);
    writePng('c.png', 2);
    const out = join(dir, 'late.npy');
    const early = await cli(encodeArgs(folder, out));
    expect(early.code).not.toBe(0);
    expect(early.stderr).toMatch(/error: .*a\.png/);
    expect(beside(dir, 'late.npy')).toEqual([]);

    // now the last image is the bad one: two rows finish first
    writePng('a.png', 0);
    writeFileSync(join(folder, 'c.png'), 'truncated');
    const late = await cli(encodeArgs(folder, out));
    expect(late.code).not.toBe(0);
    expect(late.stderr).toMatch(/note: 2 of 3 images are kept in late\.npy\.partial: the same command resumes from there/);
    expect(beside(dir, 'late.npy')).toEqual(['late.npy.partial', 'late.npy.partial.json']);
    writePng('c.png', 2);
    const again = await cli(encodeArgs(folder, out));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/resuming: 2 of 3 images already encoded/);
    expect(rowsOf(out).shape).toEqual([3, 4, 63, 140]);
    const fresh = join(dir, 'late-fresh.npy');
    expect((await cli(encodeArgs(folder, fresh))).code).toBe(0);
    expect(bytesOf(out).equals(bytesOf(fresh))).toBe(true);
    expect(beside(dir, 'late.npy')).toEqual(['late.npy', 'late.npy.json']);
  }, 120_000);

  it('--exif-orientation: the sidecar records the tag, the policy and whether it was applied', async () => {
    const folder = join(dir, 'exif');
    mkdirSync(folder);
    // 48 x 40 as stored, orientation tag 6 (rotate 90 degrees to display)
    copyFileSync(join(ROOT, 'test/fixtures/images/jpeg_exif6.jpg'), join(folder, 'rot.jpg'));
    const records = [];
    for (const mode of ['ignore', 'apply']) {
      const out = join(dir, `exif-${mode}.npy`);
      const r = await cli(encodeArgs(folder, out, mode === 'apply' ? ['--exif-orientation', 'apply'] : []));
      expect(r.code, r.stderr).toBe(0);
      const sc = JSON.parse(readFileSync(out + '.json', 'utf8'));
      expectValidSidecar(sc);
      expect(sc.pixels).toEqual({ policy: 'PIL.Image.open(f).convert("RGB")', exif_orientation: mode, crop: 'center' });
      records.push(sc.images[0]);
    }
    expect(records).toEqual([
      { name: 'rot.jpg', width: 48, height: 40, cropped: true, square_mode: 'crop', square_size: 40, exif_orientation: 6, orientation_applied: false },
      { name: 'rot.jpg', width: 40, height: 48, cropped: true, square_mode: 'crop', square_size: 40, exif_orientation: 6, orientation_applied: true },
    ]);
  }, 120_000);
});
