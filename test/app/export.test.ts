// The export bundle: .npy bytes (header + C-order float32) and sidecar, from app state and cached responses.
import { describe, expect, it } from 'vitest';
import { buildExport, exportBlocker } from '../../src/app/export.ts';
import { putResponse, modelTag, pixelKey } from '../../src/app/responses.ts';
import { useApp, DEFAULT_CH_NAMES, DEFAULT_TIMES, type ImageItem } from '../../src/app/store.ts';
import type { LoadedModelInfo } from '../../src/app/protocol.ts';

const model: LoadedModelInfo = {
  modelId: 'eeg-things_eeg_2-alexnet_untrained',
  subject: 'demo',
  synthetic: true,
  backend: 'wasm',
  chNames: DEFAULT_CH_NAMES,
  times: DEFAULT_TIMES,
  weightsSha256: {},
  precision: 'exact',
};

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

  it('writes [B,4,C,T] float32 in gallery order with the selection, and a sidecar', () => {
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
    const b = buildExport(useApp.getState(), new Date('2026-01-02T03:04:05.678Z'));
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
    const sc = b.sidecar as Record<string, unknown>;
    expect(sc.ch_names).toEqual(['Fp1', 'Oz']);
    expect(sc.times).toEqual([0, 0.005, 0.595]);
    expect(sc.synthetic).toBe(true);
    expect(String(sc.synthetic_notice)).toContain('synthetic demo weights, not fitted to EEG');
    expect((sc.images as { name: string; crop_mode: string }[]).map((i) => [i.name, i.crop_mode])).toEqual([
      ['second.png', 'crop'],
      ['first.png', 'none (square)'],
    ]);
    expect(sc.created_at).toBe('2026-01-02T03:04:05.678Z');
    expect(b.stem).toBe('insilico-eeg_demo_2x4x2x3_2026-01-02T03-04-05Z');
  });
});
