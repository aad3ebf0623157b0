// The export bundle: .npy bytes (header + C-order float32) and sidecar, from app state and cached
// responses; the sidecar valid against docs/sidecar.schema.json, as the CLI's are (test/cli).
import { describe, expect, it } from 'vitest';
import { expectValidSidecar, schemaErrors } from '../cli/sidecar_schema.ts';
import { buildExport, exportBlocker, planExport } from '../../src/app/export.ts';
import type { Sidecar } from '../../src/io/sidecar.ts';
import { putResponse, modelTag, pixelKey } from '../../src/app/responses.ts';
import { useApp, type ImageItem } from '../../src/app/state/store.ts';
import type { LoadedModelInfo } from '../../src/app/protocol.ts';
import { DEMO_MODEL } from './demo_model.ts';

const model = DEMO_MODEL;

function item(id: string, name: string, w: number, h: number): ImageItem {
  return { id, name, file: new Blob([]), status: 'ready', width: w, height: h, squareMode: 'crop', square: { data: new Uint8Array(3), size: Math.min(w, h) } };
}

function block(seed: number): Float32Array {
  return Float32Array.from({ length: 4 * 63 * 140 }, (_, i) => seed * 1e5 + i);
}

describe('export', () => {
  it('says why it cannot export', () => {
    useApp.setState({ model: null, images: [] });
    expect(exportBlocker(useApp.getState())).toMatch(/model/i);
    useApp.setState({ model, images: [item('a', 'a.png', 10, 10)] });
    expect(exportBlocker(useApp.getState())).toMatch(/not encoded/);
  });

  it('writes [B,4,C,T] float32 in gallery order with the selection, and a sidecar', async () => {
    const images = [item('b', 'second.png', 30, 20), item('a', 'first.png', 16, 16)];
    const tag = modelTag(model);
    putResponse(tag, pixelKey('a', 'crop'), block(1));
    putResponse(tag, pixelKey('b', 'crop'), block(2));
    const mask = new Array(140).fill(0);
    mask[20] = 1;
    mask[21] = 1;
    mask[139] = 1;
    useApp.setState({ model, images, selectedChannels: ['Oz', 'Fp1'], timeMask: mask });
    expect(exportBlocker(useApp.getState())).toBeNull();
    const b = await buildExport(useApp.getState(), new Date('2026-01-02T03:04:05.678Z'));
    expect(b.shape).toEqual([2, 4, 2, 3]);
    const header = new TextDecoder().decode(b.npy.subarray(10, 10 + (b.npy[8] | (b.npy[9] << 8))));
    expect(header).toContain("'descr': '<f4'");
    expect(header).toContain("'fortran_order': False");
    expect(header).toContain("'shape': (2, 4, 2, 3)");
    const off = 10 + (b.npy[8] | (b.npy[9] << 8));
    expect(off % 64).toBe(0);
    const data = new Float32Array(b.npy.slice(off).buffer);
    // First image in the gallery is 'b' (seed 2); channels in ch_names order: Fp1 (0) before Oz (15).
    const at = (seed: number, r: number, c: number, t: number) => seed * 1e5 + (r * 63 + c) * 140 + t;
    expect(data[0]).toBe(Math.fround(at(2, 0, 0, 20)));
    expect(data[2]).toBe(Math.fround(at(2, 0, 0, 139)));
    expect(data[3]).toBe(Math.fround(at(2, 0, 15, 20)));
    expect(data[4 * 2 * 3]).toBe(Math.fround(at(1, 0, 0, 20)));
    const sc = b.sidecar as Sidecar;
    expectValidSidecar(sc);
    expect(sc.ch_names).toEqual(['Fp1', 'Oz']);
    expect(sc.times).toEqual([0, 0.005, 0.595]);
    expect(sc.dims).toEqual(['image', 'repetition', 'channel', 'time']);
    expect(sc.selection).toEqual({ channels: ['Fp1', 'Oz'], timepoints: mask.join('') });
    expect(sc.synthetic).toBe(true);
    expect(String(sc.synthetic_notice)).toContain('synthetic demo weights, not fitted to EEG');
    expect(sc.synthetic_weights).toEqual({ generator: 'erp-templates/1', seed: 20240607 });
    expect(sc.weights_sha256).toBeUndefined();
    expect(sc.units.unit).toBe('a.u.');
    expect(sc.units.multivariate_noise_normalised).toBe(false);
    expect(sc.units.description).toMatch(/current-source-density/);
    expect(sc.images.map((i) => [i.name, i.width, i.height, i.cropped, i.square_mode, i.square_size])).toEqual([
      ['second.png', 30, 20, true, 'crop', 20],
      ['first.png', 16, 16, false, 'none', 16],
    ]);
    expect(sc.pixels).toEqual({ policy: 'PIL.Image.open(f).convert("RGB")', exif_orientation: 'ignore', crop: 'center' });
    expect(sc.precision).toBe('exact');
    expect(sc.compact_error).toBeNull();
    expect(sc.created).toBe('2026-01-02T03:04:05.678Z');
    expect(sc.file).toBe(b.npyName);
    expect(b.sidecarName).toBe(`${b.npyName}.json`);
    expect(b.stem).toBe('insilico-eeg_demo_2x4x2x3_2026-01-02T03-04-05Z');
    expect(b.npyName).toBe('insilico-eeg_demo_2x4x2x3_2026-01-02T03-04-05Z.npy');
  });

  it('fitted weights: their sha256 instead of a generator; compact precision: its measured error', () => {
    const images = [item('a', 'first.png', 16, 16)];
    const sha = { 'pca/rep-1/components': 'a'.repeat(64), 'reg/rep-1/coef': 'b'.repeat(64) };
    const fitted: LoadedModelInfo = {
      ...model,
      subject: 3,
      synthetic: false,
      generator: undefined,
      weightsSha256: sha,
      precision: 'compact',
      compact: { components: 'pca/rep-1/components', offset: 'pca/rep-1/offset', residual: [0, 0.1, 0.1, 0.1], error: { probe_images: 4, max_abs: 0.002, max_exact: 2, relative: 0.001, relative_per_repetition: [0, 0.001, 0.001, 0.001], backend: 'wasm' } },
    };
    putResponse(modelTag(fitted), pixelKey('a', 'crop'), block(1));
    useApp.setState({ model: fitted, images, selectedChannels: ['Oz'], timeMask: new Array(140).fill(1) });
    const sc = planExport(useApp.getState()).sidecar as Sidecar;
    expectValidSidecar(sc);
    expect(sc.weights_sha256).toEqual(sha);
    expect(sc.synthetic_notice).toBeUndefined();
    expect(sc.synthetic_weights).toBeUndefined();
    expect(sc.compact_error).toBe(0.001);
    expect(sc.compact?.note).toMatch(/compact precision/);
    // the schema catches the mix-ups it exists for
    expect(schemaErrors({ ...sc, synthetic: true })).not.toEqual([]);
    expect(schemaErrors({ ...sc, weights_sha256: {} })).not.toEqual([]);
    expect(schemaErrors({ ...sc, images: { names: ['first.png'] } })).not.toEqual([]);
    expect(schemaErrors({ ...sc, notice: 'old key' })).not.toEqual([]);
  });

  it('a synthetic model without its generator cannot be exported with a sidecar that hides it', () => {
    const images = [item('a', 'first.png', 16, 16)];
    const bare: LoadedModelInfo = { ...model, generator: undefined };
    putResponse(modelTag(bare), pixelKey('a', 'crop'), block(1));
    useApp.setState({ model: bare, images, selectedChannels: ['Oz'], timeMask: new Array(140).fill(1) });
    expect(() => planExport(useApp.getState())).toThrow(/generator and seed/);
  });

  it('synthetic weights stored as shards (a benchmark model) are named by their hashes, still labelled synthetic', () => {
    const images = [item('a', 'first.png', 16, 16)];
    const sha = { 'reg/rep-1/coef': 'c'.repeat(64) };
    const stored: LoadedModelInfo = { ...model, subject: 1, generator: undefined, weightsSha256: sha };
    putResponse(modelTag(stored), pixelKey('a', 'crop'), block(1));
    useApp.setState({ model: stored, images, selectedChannels: ['Oz'], timeMask: new Array(140).fill(1) });
    const sc = planExport(useApp.getState()).sidecar as Sidecar;
    expectValidSidecar(sc);
    expect(sc.synthetic).toBe(true);
    expect(sc.synthetic_notice).toMatch(/synthetic/);
    expect(sc.weights_sha256).toEqual(sha);
    expect(sc.synthetic_weights).toBeUndefined();
    expect(schemaErrors({ ...sc, synthetic_weights: { generator: 'erp-templates/1', seed: 1 } })).not.toEqual([]);
  });

  it("records each image's EXIF tag, and refuses records decoded under the other orientation setting", () => {
    const turned = { ...item('a', 'turned.jpg', 40, 48), exifOrientation: 6, orientationApplied: true };
    putResponse(modelTag(model), pixelKey('a', 'crop'), block(1));
    useApp.setState({ model, images: [turned], selectedChannels: ['Oz'], timeMask: new Array(140).fill(1), exifOrientation: 'apply' });
    const sc = planExport(useApp.getState()).sidecar as Sidecar;
    expectValidSidecar(sc);
    expect(sc.pixels.exif_orientation).toBe('apply');
    expect(sc.images[0]).toMatchObject({ exif_orientation: 6, orientation_applied: true, width: 40, height: 48 });
    useApp.setState({ exifOrientation: 'ignore' });
    expect(() => planExport(useApp.getState())).toThrow(/turned\.jpg was decoded with EXIF orientation applied, not under 'ignore'/);
    useApp.setState({ exifOrientation: 'ignore' });
  });
});
