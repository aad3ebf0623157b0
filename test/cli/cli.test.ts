// The command line end to end: convert a BERG-format fixture, encode from .npy and from a folder
// of PNG/JPEG files, selections, sharding + merge, resume after a kill, and bad input.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNpy, writeNpy } from '../../src/io/npy.ts';
import { calibrationImages } from '../../tools/demo/calibration_images.ts';
import { BIN, cli, DEMO_MODEL_DIR as DEMO, fixturePath, goldenSelection, loadNpy, maxErr, ROOT } from '../helpers.ts';
import { expectValidSidecar } from './sidecar_schema.ts';


const read = (p: string) => parseNpy(new Uint8Array(readFileSync(p)), p);
let dir: string;
let models: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'insilico-cli-'));
  models = join(dir, 'models');
  const r = await cli(['convert', '--berg-dir', fixturePath('test/fixtures/berg/layout-a'), '--subject', '1', '--out', models]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('insilico-eeg CLI', () => {
  it('--quiet: no progress lines (the model line stays)', async () => {
    const out = join(dir, 'quiet.npy');
    const r = await cli(['encode', '--model', join(models, 'eeg-things_eeg_2-alexnet_untrained/sub-01'), '--images', join(ROOT, 'test/golden/taps/input.npy'), '--out', out, '--device', 'wasm', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/encoded \d+\/\d+ images|loading weights|\r/);
    expect(r.stderr).toMatch(/^model eeg-things_eeg_2-alexnet_untrained subject 1 on wasm/m);
    expect(read(out).shape).toEqual([2, 4, 63, 140]);
  });

  it('encode on a converted fixture reproduces the Python reference within 1e-4 relative', async () => {
    const out = join(dir, 'all.npy');
    const r = await cli(['encode', '--model', join(models, 'eeg-things_eeg_2-alexnet_untrained/sub-01'), '--images', join(ROOT, 'test/golden/taps/input.npy'), '--out', out, '--device', 'wasm', '--threads', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/on wasm, 2 threads/);
    // stderr is a pipe here, as in a job log: plain lines, no carriage returns
    expect(r.stderr).not.toMatch(/\r/);
    expect(r.stderr).toMatch(/^encoded 2\/2 images, [\d.]+ img\/s, .+ in all$/m);
    const y = read(out);
    expect(y.shape).toEqual([2, 4, 63, 140]);
    expect(y.dtype).toBe('<f4');
    const ref = loadNpy('test/golden/responses/layout-a_sub-01_all.npy').data as Float32Array;
    const m = maxErr(y.data as Float32Array, ref);
    expect(m.err).toBeLessThanOrEqual(1e-4 * m.ref);
    const sidecar = JSON.parse(readFileSync(out + '.json', 'utf8'));
    expectValidSidecar(sidecar);
    expect(sidecar).toMatchObject({ model_id: 'eeg-things_eeg_2-alexnet_untrained', subject: 1, synthetic: false, shape: [2, 4, 63, 140], file: 'all.npy', backend: 'wasm' });
    expect(Object.keys(sidecar.weights_sha256).length).toBeGreaterThan(0);
    expect(sidecar.synthetic_weights).toBeUndefined();
    expect(sidecar.pixels.policy).toMatch(/\.npy/);
    expect(existsSync(out + '.partial')).toBe(false);
  });

  it('applies --channels and --timepoints like BERG (channels as listed)', async () => {
    const sel = goldenSelection();
    const out = join(dir, 'sel.npy');
    const r = await cli(['encode', '--model', join(models, 'eeg-things_eeg_2-alexnet_untrained/sub-01'), '--images', join(ROOT, 'test/golden/taps/input.npy'), '--out', out, '--channels', sel.channels.join(','), '--timepoints', sel.timepoints]);
    expect(r.code, r.stderr).toBe(0);
    const ref = loadNpy('test/golden/responses/layout-a_sub-01_sel.npy');
    const y = read(out);
    expect(y.shape).toEqual(ref.shape);
    const m = maxErr(y.data as Float32Array, ref.data as Float32Array);
    expect(m.err).toBeLessThanOrEqual(1e-4 * m.ref);
    const sidecar = JSON.parse(readFileSync(out + '.json', 'utf8'));
    expectValidSidecar(sidecar);
    expect(sidecar.ch_names).toEqual(sel.channels_out);
    expect(sidecar.selection).toEqual({ channels: sel.channels, timepoints: sel.timepoints });
  });

  it('reads a folder of PNG and JPEG files, center-crops non-square ones with a warning, and labels demo output synthetic', async () => {
    const imgs = join(dir, 'imgs');
    mkdirSync(imgs);
    const sq = calibrationImages(2, 96, 5);
    const plane = 96 * 96;
    const toRgba = (i: number, w: number, h: number) => {
      const rgba = Buffer.alloc(w * h * 4);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) rgba[(y * w + x) * 4 + c] = sq[i * 3 * plane + c * plane + (y % 96) * 96 + (x % 96)];
      for (let p = 0; p < w * h; p++) rgba[p * 4 + 3] = 255;
      return rgba;
    };
    const png = new PNG({ width: 96, height: 96 });
    png.data = toRgba(0, 96, 96);
    writeFileSync(join(imgs, 'a.png'), PNG.sync.write(png));
    writeFileSync(join(imgs, 'b.jpg'), jpeg.encode({ data: toRgba(1, 120, 96), width: 120, height: 96 }, 95).data);
    writeFileSync(join(imgs, 'notes.txt'), 'not an image');
    const out = join(dir, 'folder.npy');
    const r = await cli(['encode', '--model', DEMO, '--images', imgs, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/1 non-square image\(s\) were center-cropped/);
    expect(r.stderr).toMatch(/skipped 1 folder entry: notes\.txt/);
    expect(r.stderr).toMatch(/synthetic demo weights, not fitted to EEG/);
    expect(read(out).shape).toEqual([2, 4, 63, 140]);
    const sidecar = JSON.parse(readFileSync(out + '.json', 'utf8'));
    expectValidSidecar(sidecar);
    expect(sidecar.synthetic).toBe(true);
    expect(sidecar.synthetic_notice).toMatch(/synthetic demo weights/);
    expect(sidecar.synthetic_weights).toEqual({ generator: 'erp-templates/1', seed: 20240607 });
    expect(sidecar.weights_sha256).toBeUndefined();
    expect(sidecar.pixels).toEqual({ policy: 'PIL.Image.open(f).convert("RGB")', exif_orientation: 'ignore', crop: 'center' });
    expect(sidecar.images).toEqual([
      { name: 'a.png', width: 96, height: 96, cropped: false, square_mode: 'none', square_size: 96, exif_orientation: null, orientation_applied: false },
      { name: 'b.jpg', width: 120, height: 96, cropped: true, square_mode: 'crop', square_size: 96, exif_orientation: null, orientation_applied: false },
    ]);
  });

  it('two shards merged equal one run', async () => {
    const n = 5;
    const imgs = join(dir, 'five.npy');
    writeFileSync(imgs, writeNpy([n, 3, 64, 64], calibrationImages(n, 64, 11)));
    const whole = join(dir, 'whole.npy');
    // one backend for all three runs: the comparison is byte for byte
    expect((await cli(['encode', '--model', DEMO, '--images', imgs, '--out', whole, '--device', 'wasm'])).code).toBe(0);
    for (const i of [0, 1]) {
      const r = await cli(['encode', '--model', DEMO, '--images', imgs, '--out', join(dir, `shard${i}.npy`), '--shard', `${i}/2`, '--batch-size', '2', '--device', 'wasm']);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(read(join(dir, 'shard0.npy')).shape[0] + read(join(dir, 'shard1.npy')).shape[0]).toBe(n);
    const merged = join(dir, 'merged.npy');
    // shards given out of order: merge orders them by their image ranges
    const r = await cli(['merge', '--out', merged, join(dir, 'shard1.npy'), join(dir, 'shard0.npy')]);
    expect(r.code, r.stderr).toBe(0);
    expect(Buffer.compare(readFileSync(merged), readFileSync(whole))).toBe(0);
    const ms = JSON.parse(readFileSync(merged + '.json', 'utf8'));
    expectValidSidecar(ms);
    expectValidSidecar(JSON.parse(readFileSync(join(dir, 'shard1.npy.json'), 'utf8')));
    const ws = JSON.parse(readFileSync(whole + '.json', 'utf8'));
    expect(ms.images).toEqual(ws.images);
    expect(ms.input).toEqual(ws.input);
    expect(ms.merged_from).toEqual([join(dir, 'shard0.npy'), join(dir, 'shard1.npy')]);
    const missing = await cli(['merge', '--out', join(dir, 'bad.npy'), join(dir, 'shard1.npy')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/missing/);
    expect(existsSync(join(dir, 'bad.npy'))).toBe(false);
  });

  it('resumes after being killed without redoing finished batches', async () => {
    const n = 24;
    const imgs = join(dir, 'many.npy');
    writeFileSync(imgs, writeNpy([n, 3, 64, 64], calibrationImages(n, 64, 12)));
    const out = join(dir, 'resumed.npy');
    const args = ['encode', '--model', DEMO, '--images', imgs, '--out', out, '--batch-size', '1'];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'ignore' });
    const progress = out + '.partial.json';
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        try {
          if (existsSync(progress) && JSON.parse(readFileSync(progress, 'utf8')).batches.length >= 2) {
            clearInterval(timer);
            child.kill('SIGKILL');
            resolve();
          }
        } catch {
          /* being rewritten */
        }
      }, 10);
      child.on('exit', () => {
        clearInterval(timer);
        resolve();
      });
      setTimeout(() => reject(new Error('no progress')), 120_000);
    });
    await new Promise((r) => child.on('exit', r).emit('exit'));
    expect(existsSync(out)).toBe(false);
    const done = JSON.parse(readFileSync(progress, 'utf8')).batches.length;
    expect(done).toBeGreaterThanOrEqual(2);
    expect(done).toBeLessThan(n);
    const r = await cli(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`resuming: ${done} of ${n}`));
    // the killed run's lock is taken over, not obeyed
    expect(r.stderr).toMatch(/taking over resumed\.npy\.lock from process \d+ .*no longer running/);
    const whole = join(dir, 'many-whole.npy');
    expect((await cli(['encode', '--model', DEMO, '--images', imgs, '--out', whole])).code).toBe(0);
    const m = maxErr(read(out).data as Float32Array, read(whole).data as Float32Array);
    expect(m.err).toBeLessThanOrEqual(1e-5 * m.ref);
    expect(existsSync(progress)).toBe(false);
    expect(existsSync(out + '.lock')).toBe(false);
  });

  it('metadata prints the subject metadata as JSON without weights', async () => {
    const r = await cli(['metadata', '--model', join(models, 'eeg-things_eeg_2-alexnet_untrained/sub-01')]);
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(r.stdout);
    expect(meta.eeg.ch_names).toHaveLength(63);
    expect(meta.eeg.noise_ceiling).toHaveLength(63 * 140);
  });

  it('bad input exits non-zero with one clear line and no output file', async () => {
    const out = join(dir, 'never.npy');
    const floats = join(dir, 'floats.npy');
    writeFileSync(floats, writeNpy([1, 3, 8, 8], new Float32Array(192)));
    const rect = join(dir, 'rect.npy');
    writeFileSync(rect, writeNpy([1, 3, 8, 6], new Uint8Array(144)));
    // a folder whose first image is corrupt: the failure is in the first batch, after the model loaded
    const corrupt = join(dir, 'corrupt');
    mkdirSync(corrupt);
    writeFileSync(join(corrupt, 'a.png'), Buffer.from('\x89PNG\r\n\x1a\n not really'));
    const cases: Array<[string[], RegExp]> = [
      [['encode', '--model', DEMO, '--images', join(dir, 'nope'), '--out', out], /no such file or folder/],
      [['encode', '--model', DEMO, '--images', floats, '--out', out], /must be uint8/],
      [['encode', '--model', DEMO, '--images', rect, '--out', out], /square/],
      [['encode', '--model', DEMO, '--images', join(ROOT, 'test/golden/taps/input.npy'), '--out', out, '--channels', 'Oz,Qq9'], /unknown channel name\(s\) Qq9/],
      [['encode', '--model', DEMO, '--images', join(ROOT, 'test/golden/taps/input.npy'), '--out', out, '--timepoints', '0101'], /length 140/],
      [['encode', '--model', join(dir, 'nomodel'), '--images', floats, '--out', out], /manifest/],
      [['encode', '--model', DEMO, '--images', floats], /--out is required/],
      [['encode', '--model', DEMO, '--images', floats, '--out', out, '--threads', '0'], /--threads must be a positive integer/],
      [['encode', '--model', DEMO, '--images', corrupt, '--out', out], /a\.png/],
      [['encode', '--model', DEMO, '--images', floats, '--out', out, '--exif-orientation', 'rotate'], /--exif-orientation must be ignore or apply/],
      [['encode', '--model', DEMO, '--images', floats, '--out', out, '--max-pixels', '-3'], /--max-pixels must be a positive integer/],
      [['encode', '--model', DEMO, '--images', floats, '--out', join(dir, 'never.json')], /--out must name a \.npy file/],
      [['frobnicate'], /unknown command/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('error:'));
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(msg);
    }
    expect(readdirSync(dir).filter((f) => f.startsWith('never'))).toEqual([]);
  });
});

describe('JPEG decoding', () => {
  it('gives exactly the pixels PIL decodes (4:2:0 chroma, noise, sharp edges)', async () => {
    const { decodeImage } = await import('../../src/cli/images.ts');
    const d = await decodeImage(new Uint8Array(readFileSync(join(ROOT, 'test/golden/jpeg/photo_420.jpg'))), 'photo_420.jpg');
    const ref = loadNpy('test/golden/jpeg/photo_420_pil_rgb.npy');
    expect([d.height, d.width, 3]).toEqual(ref.shape);
    let mismatches = 0;
    const rgb = ref.data as Uint8Array;
    for (let p = 0; p < d.width * d.height; p++) for (let c = 0; c < 3; c++) if (d.rgba[p * 4 + c] !== rgb[p * 3 + c]) mismatches++;
    expect(mismatches).toBe(0);
  });
});
