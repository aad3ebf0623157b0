// The synthetic demo subject: deterministic, labelled, and shaped like a visual ERP.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { encode, getEncodingModel, MODEL_ID, type EncodingModel } from '../../src/engine/index.ts';
import { directorySource } from '../../src/io/source_node.ts';
import { calibrationImages } from '../../tools/demo/calibration_images.ts';
import { ROOT } from '../helpers.ts';

const source = directorySource(join(ROOT, 'public/models', MODEL_ID, 'demo'));
const N = 6;
const images = { data: calibrationImages(N, 160, 777), shape: [N, 3, 160, 160] as [number, number, number, number] };

describe('synthetic demo subject', () => {
  let model: EncodingModel;
  let y: Float32Array;
  beforeAll(async () => {
    model = await getEncodingModel(MODEL_ID, 'demo', { source, device: 'wasm' });
    y = (await encode(model, images)).data;
  });

  it('is labelled synthetic', () => {
    expect(model.synthetic).toBe(true);
    expect(String(model.manifest.notice)).toMatch(/synthetic demo weights, not fitted to EEG/);
  });

  it('is deterministic: a second load gives the same numbers', async () => {
    const again = await getEncodingModel(MODEL_ID, 'demo', { source, device: 'wasm' });
    const y2 = (await encode(again, images)).data;
    expect(Buffer.compare(Buffer.from(y.buffer), Buffer.from(y2.buffer))).toBe(0);
    again.dispose();
  });

  const T = 140;
  const tIndex = (ms: number) => (ms + 100) / 5;
  const mean = (ch: string, fromMs: number, toMs: number) => {
    const c = model.chNames.indexOf(ch);
    let s = 0;
    let n = 0;
    for (let i = 0; i < N; i++) for (let r = 0; r < 4; r++) for (let t = tIndex(fromMs); t <= tIndex(toMs); t++) {
      s += y[((i * 4 + r) * 63 + c) * T + t];
      n++;
    }
    return s / n;
  };
  const peakLatency = (ch: string, fromMs: number, toMs: number, sign: 1 | -1) => {
    const c = model.chNames.indexOf(ch);
    let best = -Infinity;
    let at = 0;
    for (let t = tIndex(fromMs); t <= tIndex(toMs); t++) {
      let s = 0;
      for (let i = 0; i < N; i++) for (let r = 0; r < 4; r++) s += y[((i * 4 + r) * 63 + c) * T + t];
      if (sign * s > best) {
        best = sign * s;
        at = -100 + 5 * t;
      }
    }
    return at;
  };

  it('has a positive P1 near 100 ms and a negative N1 near 170 ms over occipito-parietal sensors', () => {
    expect(mean('Oz', 90, 110)).toBeGreaterThan(0.5);
    expect(peakLatency('O1', 60, 140, 1)).toBeGreaterThanOrEqual(85);
    expect(peakLatency('O1', 60, 140, 1)).toBeLessThanOrEqual(115);
    expect(mean('P8', 160, 180)).toBeLessThan(-0.5);
    expect(peakLatency('PO7', 130, 220, -1)).toBeGreaterThanOrEqual(150);
    expect(peakLatency('PO7', 130, 220, -1)).toBeLessThanOrEqual(190);
    expect(mean('Pz', 350, 450)).toBeGreaterThan(0.3);
  });

  it('is flat-ish before stimulus onset and average-referenced', () => {
    expect(Math.abs(mean('Oz', -100, -50))).toBeLessThan(0.3);
    for (const t of [20, 36, 54]) {
      let s = 0;
      for (let c = 0; c < 63; c++) s += y[c * T + t];
      expect(Math.abs(s / 63)).toBeLessThan(1e-3 + 0.2);
    }
  });

  it('varies with image content and across repetitions', () => {
    const c = model.chNames.indexOf('O1');
    const at = (i: number, r: number) => y[((i * 4 + r) * 63 + c) * T + tIndex(100)];
    const perImage = Array.from({ length: N }, (_, i) => at(i, 0));
    expect(Math.max(...perImage) - Math.min(...perImage)).toBeGreaterThan(0.2);
    expect(Math.abs(at(0, 0) - at(0, 1))).toBeGreaterThan(1e-3);
  });
});
