// The compact precision end to end in Node: `convert --compact` (the error measured on probe
// images before the folder is committed), loading it, what it costs in accuracy against the exact
// model, that the exact model of the same folder is untouched, and clear errors.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackbone, encode, getEncodingModel, MODEL_ID, type Backend, type Precision } from '../../src/engine/index.ts';
import { probeImages } from '../../src/convert/probe_images.ts';
import { PROBE_IMAGES } from '../../src/convert/compact_error.ts';
import type { ConvertedManifest } from '../../src/io/model_folder.ts';
import { parseNpy } from '../../src/io/npy.ts';
import { directorySource } from '../../src/io/source_node.ts';
import { cli, fixturePath, ROOT } from '../helpers.ts';
import { expectValidSidecar } from './sidecar_schema.ts';

const LAYOUT_B = fixturePath('test/fixtures/berg/layout-b');

let dir: string;
let compactDir: string; // converted with --compact
let plainDir: string; // the same subject without
let manifest: ConvertedManifest;
let convertOut: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'insilico-compact-'));
  const r = await cli(['convert', '--berg-dir', LAYOUT_B, '--subject', '1', '--out', join(dir, 'compact'), '--compact']);
  expect(r.code, r.stderr).toBe(0);
  convertOut = r.stdout;
  const r2 = await cli(['convert', '--berg-dir', LAYOUT_B, '--subject', '1', '--out', join(dir, 'plain')]);
  expect(r2.code, r2.stderr).toBe(0);
  compactDir = join(dir, 'compact', MODEL_ID, 'sub-01');
  plainDir = join(dir, 'plain', MODEL_ID, 'sub-01');
  manifest = JSON.parse(readFileSync(join(compactDir, 'manifest.json'), 'utf8'));
}, 120_000);
afterAll(() => {
  disposeBackbone();
  rmSync(dir, { recursive: true, force: true });
});

async function responses(folder: string, precision: Precision, device: Backend = 'wasm') {
  const model = await getEncodingModel(MODEL_ID, 1, { source: directorySource(folder), device, precision });
  try {
    const bytes = tf.memory().numBytes;
    return { model, bytes, y: (await encode(model, probeImages(PROBE_IMAGES))).data };
  } finally {
    model.dispose();
  }
}

describe('compact precision', () => {
  it('convert --compact records the measured error, and the engine reproduces it', async () => {
    const c = manifest.compact!;
    expect(c.components).toBe('pca/rep-1/components');
    expect(c.residual[0]).toBe(0);
    // The fixture's four PCAs are unrelated sparse matrices: repetitions 2-4 lie outside repetition 1's basis.
    for (const r of c.residual.slice(1)) expect(r).toBeGreaterThan(0.9);
    expect(convertOut).toContain(`compact form: error ${c.error!.relative.toExponential(2)} of the largest response`);

    // Reproduced on the backend the converter measured on (it records which).
    const exact = await responses(compactDir, 'exact', c.error!.backend as Backend);
    const compact = await responses(compactDir, 'compact', c.error!.backend as Backend);
    expect(compact.model.precision).toBe('compact');
    expect(compact.model.sharedPca).toBe(true);
    expect(compact.model.compact).toEqual(c);
    const per = exact.y.length / PROBE_IMAGES / 4;
    const rel = [0, 1, 2, 3].map((r) => {
      let err = 0;
      let ref = 0;
      for (let i = 0; i < exact.y.length; i++) {
        if (Math.floor(i / per) % 4 !== r) continue;
        err = Math.max(err, Math.abs(compact.y[i] - exact.y[i]));
        ref = Math.max(ref, Math.abs(exact.y[i]));
      }
      return err / ref;
    });
    rel.forEach((v, r) => expect(v).toBeCloseTo(c.error!.relative_per_repetition[r], 10));
    // Repetition 1 is the basis: only float16 rounding (basis, fc6-fc8) separates it from BERG.
    expect(rel[0]).toBeGreaterThan(0);
    expect(rel[0]).toBeLessThan(1e-3);
    expect(Math.min(...rel.slice(1))).toBeGreaterThan(0.1);
  }, 120_000);

  it('the exact model of a folder converted with --compact is the one without it (same tensors, same numbers)', async () => {
    const withCompact = await responses(compactDir, 'exact');
    const without = await responses(plainDir, 'exact');
    expect(withCompact.bytes).toBe(without.bytes);
    expect(Buffer.from(withCompact.y.buffer).equals(Buffer.from(without.y.buffer))).toBe(true);
  }, 120_000);

  it('encode --precision compact says so on stderr and in the sidecar', async () => {
    const images = join(dir, 'probe.npy');
    const { writeFileSync } = await import('node:fs');
    const { writeNpy } = await import('../../src/io/npy.ts');
    const p = probeImages(2, 64);
    writeFileSync(images, writeNpy(p.shape, p.data));
    const out = join(dir, 'compact.npy');
    const r = await cli(['encode', '--model', compactDir, '--images', images, '--out', out, '--device', 'wasm', '--precision', 'compact']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('compact precision: one PCA basis (pca/rep-1/components) shared by the four repetitions');
    const sidecar = JSON.parse(readFileSync(out + '.json', 'utf8'));
    expect(sidecar.precision).toBe('compact');
    expect(sidecar.compact.error).toEqual(manifest.compact!.error);
    expect(sidecar.compact_error).toBe(manifest.compact!.error!.relative);
    expectValidSidecar(sidecar);
    expect(parseNpy(new Uint8Array(readFileSync(out)), out).shape).toEqual([2, 4, 63, 140]);

    const bad = await cli(['encode', '--model', compactDir, '--images', images, '--out', join(dir, 'x.npy'), '--precision', 'fast']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("error: --precision must be exact or compact; got 'fast'");
    const none = await cli(['encode', '--model', plainDir, '--images', images, '--out', join(dir, 'y.npy'), '--device', 'wasm', '--precision', 'compact']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/holds no compact form: convert the subject again with --compact/);
  }, 120_000);

  it('the demo subject has no compact form', async () => {
    const demo = directorySource(join(ROOT, 'public/models', MODEL_ID, 'demo'));
    await expect(getEncodingModel(MODEL_ID, 'demo', { source: demo, device: 'wasm', precision: 'compact' })).rejects.toThrow(/demo subject has no compact form/);
    await expect(getEncodingModel(MODEL_ID, 'demo', { source: demo, device: 'wasm', precision: 'fast' as Precision })).rejects.toThrow(/precision must be 'exact' or 'compact'/);
  });
});
