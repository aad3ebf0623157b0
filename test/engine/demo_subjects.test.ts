// The further seeded demo subjects (demo-2, demo-3): catalogued and labelled synthetic, loaded by
// their own ids, generated from their own seeds, and different subjects with the same ERP shape.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode, getEncodingModel, MODEL_ID } from '../../src/engine/index.ts';
import { directorySource } from '../../src/io/source_node.ts';
import { validateManifest } from '../../src/io/model_folder.ts';
import { calibrationImages } from '../../tools/demo/calibration_images.ts';
import { ROOT } from '../helpers.ts';

const N = 2;
const images = { data: calibrationImages(N, 128, 91), shape: [N, 3, 128, 128] as [number, number, number, number] };
const index = JSON.parse(readFileSync(join(ROOT, 'public/models/index.json'), 'utf8')) as { models: Array<{ subject: unknown; path: string; synthetic: boolean; label: string }> };

describe('seeded demo subjects', () => {
  it('the catalog lists demo, demo-2 and demo-3, all synthetic and labelled so', () => {
    const demos = index.models.filter((m) => String(m.subject).startsWith('demo'));
    expect(demos.map((m) => m.subject)).toEqual(['demo', 'demo-2', 'demo-3']);
    for (const m of demos) {
      expect(m.synthetic).toBe(true);
      expect(m.label).toMatch(/synthetic/);
    }
  });

  it("every manifest.json writes its subject as a number or \"demo\" (a further demo subject numbered by demo_subject)", () => {
    for (const m of index.models) {
      const file = JSON.parse(readFileSync(join(ROOT, 'public/models', m.path, 'manifest.json'), 'utf8')) as Record<string, unknown>;
      expect(file.subject === 'demo' || Number.isInteger(file.subject)).toBe(true);
      // and reads back as the catalog's id
      expect(validateManifest(file, m.path).subject).toBe(m.subject);
    }
    const two = JSON.parse(readFileSync(join(ROOT, 'public/models', MODEL_ID, 'demo-2', 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(two.demo_subject).toBe(2);
    for (const bad of [1, 2.5, '2', 100]) expect(() => validateManifest({ ...two, demo_subject: bad }, 'demo-2')).toThrow(/demo_subject/);
    expect(() => validateManifest({ ...two, subject: 3 }, 'demo-2')).toThrow(/demo_subject/);
  });

  it('each loads under its own id with its own seed, and gives other responses than the first', async () => {
    const load = (s: 'demo' | 'demo-2') => getEncodingModel(MODEL_ID, s, { source: directorySource(join(ROOT, 'public/models', MODEL_ID, s)), device: 'wasm' });
    const a = await load('demo');
    const b = await load('demo-2');
    expect(b.subject).toBe('demo-2');
    expect(b.synthetic).toBe(true);
    expect(String(b.manifest.notice)).toMatch(/synthetic demo weights, not fitted to EEG/);
    const seed = (m: typeof a) => (m.manifest.generator as { seed: number }).seed;
    expect(seed(b)).not.toBe(seed(a));
    const ya = (await encode(a, images)).data;
    const yb = (await encode(b, images)).data;
    a.dispose();
    b.dispose();
    let diff = 0;
    let top = 0;
    for (let i = 0; i < ya.length; i++) {
      diff = Math.max(diff, Math.abs(ya[i] - yb[i]));
      top = Math.max(top, Math.abs(ya[i]));
    }
    expect(diff).toBeGreaterThan(0.05 * top);
    // the same visual ERP: P1 over O1/O2 around 100 ms is positive in both
    const p1 = (y: Float32Array) => {
      let s = 0;
      for (const ch of [14, 16]) for (let i = 0; i < N; i++) for (let r = 0; r < 4; r++) s += y[((i * 4 + r) * 63 + ch) * 140 + 40];
      return s;
    };
    expect(p1(ya)).toBeGreaterThan(0);
    expect(p1(yb)).toBeGreaterThan(0);
  });

  it('an id that is not a demo subject or 1..10 is refused', async () => {
    await expect(getEncodingModel(MODEL_ID, 'demo-x' as never, { source: directorySource(join(ROOT, 'public/models', MODEL_ID, 'demo')), device: 'wasm' })).rejects.toThrow(/demo-N/);
  });
});
