// The reduced exports: each image's repetition mean [B, C, T] and each condition's mean over its
// images [K, 4, C, T], with the full export's channel and time selection, equal to the mean of the
// full export taken here in float32 (numpy's order: add rows one by one, divide by the count), and
// sidecars that state the reduction, valid against docs/sidecar.schema.json.
import { describe, expect, it } from 'vitest';
import { expectValidSidecar, schemaErrors } from '../cli/sidecar_schema.ts';
import { buildExport, exportBlocker, planExport } from '../../src/app/export.ts';
import { putResponse, modelTag, pixelKey } from '../../src/app/responses.ts';
import { parseNpy } from '../../src/io/npy.ts';
import type { ReducedSidecar } from '../../src/io/sidecar.ts';
import { useApp, type ImageItem } from '../../src/app/state/store.ts';
import { DEMO_MODEL } from './demo_model.ts';

const model = DEMO_MODEL;
const NOW = new Date('2026-01-01T00:00:00Z');

const item = (id: string, condition?: string): ImageItem => ({ id, name: `${id}.png`, file: new Blob([]), status: 'ready', width: 8, height: 8, squareMode: 'crop', condition });

function setUp() {
  // gallery order: a (faces), b (none), c (houses), d (faces), e (houses), f (faces)
  const conds = ['faces', undefined, 'houses', 'faces', 'houses', 'faces'];
  const images = ['a', 'b', 'c', 'd', 'e', 'f'].map((id, k) => item(id, conds[k]));
  images.forEach((it, k) => putResponse(modelTag(model), pixelKey(it.id, 'crop'), Float32Array.from({ length: 4 * 63 * 140 }, (_, i) => Math.sin(k * 13 + i * 0.37) * (1 + k))));
  const mask = new Array(140).fill(0).map((_, i) => (i >= 20 && i < 80 && i % 3 === 0 ? 1 : 0));
  // houses listed first: the condition mean's rows follow the condition list
  useApp.setState({ model, images, conditions: ['houses', 'faces'], selectedChannels: ['Oz', 'Fp1', 'Cz', 'POz'], timeMask: mask });
}

async function arrays(kind: 'responses' | 'repetition_mean' | 'condition_mean') {
  const b = await buildExport(useApp.getState(), NOW, kind);
  const npy = parseNpy(b.npy);
  return { ...b, data: npy.data as Float32Array, npyShape: npy.shape };
}

describe('reduced exports', () => {
  it('repetition mean [B, C, T]: the full export averaged over axis 1, to the bit', async () => {
    setUp();
    const full = await arrays('responses');
    const m = await arrays('repetition_mean');
    const [B, R, C, T] = full.shape;
    expect(m.npyShape).toEqual([B, C, T]);
    expect(m.shape).toEqual([B, C, T]);
    const want = new Float32Array(B * C * T);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < C * T; i++) {
        const acc = new Float32Array(1);
        for (let r = 0; r < R; r++) acc[0] += full.data[(b * R + r) * C * T + i];
        want[b * C * T + i] = acc[0] / R;
      }
    expect(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).equals(Buffer.from(want.buffer))).toBe(true);
    const sc = m.sidecar as ReducedSidecar;
    expectValidSidecar(sc);
    expect(sc.dims).toEqual(['image', 'channel', 'time']);
    expect(sc.reduction).toMatchObject({ kind: 'repetition_mean', averaged: ['repetition'], source_shape: full.shape, source_dims: ['image', 'repetition', 'channel', 'time'] });
    expect(sc.ch_names).toEqual((full.sidecar as ReducedSidecar).ch_names);
    expect(sc.times).toEqual(full.sidecar.times);
    expect(sc.images.map((i) => i.name)).toEqual(['a.png', 'b.png', 'c.png', 'd.png', 'e.png', 'f.png']);
    expect(m.npyName).toMatch(/^insilico-eeg_demo_repetition-mean_6x4x20_/);
    expect(sc.file).toBe(m.npyName);
  });

  it('condition means [K, 4, C, T]: rows in the condition list order, images without a condition left out', async () => {
    setUp();
    const full = await arrays('responses');
    const m = await arrays('condition_mean');
    const [, R, C, T] = full.shape;
    const n = R * C * T;
    expect(m.npyShape).toEqual([2, R, C, T]);
    const rowsOf = { houses: [2, 4], faces: [0, 3, 5] };
    const want = new Float32Array(2 * n);
    [rowsOf.houses, rowsOf.faces].forEach((idx, k) => {
      for (let i = 0; i < n; i++) {
        const acc = new Float32Array(1);
        for (const b of idx) acc[0] += full.data[b * n + i];
        want[k * n + i] = acc[0] / idx.length;
      }
    });
    expect(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).equals(Buffer.from(want.buffer))).toBe(true);
    const sc = m.sidecar as ReducedSidecar;
    expectValidSidecar(sc);
    expect(sc.dims).toEqual(['condition', 'repetition', 'channel', 'time']);
    expect(sc.reduction.conditions).toEqual([
      { name: 'houses', n_images: 2 },
      { name: 'faces', n_images: 3 },
    ]);
    expect(sc.reduction.source_shape).toEqual([5, R, C, T]);
    expect(sc.images.map((i) => [i.name, i.condition])).toEqual([
      ['a.png', 'faces'],
      ['c.png', 'houses'],
      ['d.png', 'faces'],
      ['e.png', 'houses'],
      ['f.png', 'faces'],
    ]);
  });

  it('the schema refuses a reduction that does not match its array', async () => {
    setUp();
    const rep = planExport(useApp.getState(), NOW, 'repetition_mean').sidecar as ReducedSidecar;
    const cond = planExport(useApp.getState(), NOW, 'condition_mean').sidecar as ReducedSidecar;
    const full = planExport(useApp.getState(), NOW).sidecar;
    expect(schemaErrors({ ...rep, dims: full.dims })).not.toEqual([]);
    expect(schemaErrors({ ...rep, shape: full.shape })).not.toEqual([]);
    expect(schemaErrors({ ...cond, reduction: { ...cond.reduction, conditions: undefined } })).not.toEqual([]);
    expect(schemaErrors({ ...full, shape: rep.shape })).not.toEqual([]);
    expect(schemaErrors({ ...full, dims: cond.dims })).not.toEqual([]);
  });

  it('a condition mean needs an image with a condition', () => {
    setUp();
    useApp.setState({ images: useApp.getState().images.map((it) => ({ ...it, condition: undefined })) });
    expect(exportBlocker(useApp.getState(), 'condition_mean')).toMatch(/condition/);
    expect(exportBlocker(useApp.getState(), 'repetition_mean')).toBeNull();
  });
});
