// WebGPU in Node through Dawn (the webgpu package), on SwiftShader's Vulkan (Debian's chromium
// ships its ICD): asked for explicitly it runs the engine's WebGPU backend and matches the Python
// reference; 'auto' never picks that software adapter.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackbone, encode, getEncodingModel, MODEL_ID } from '../../src/engine/index.ts';
import { selectBackend } from '../../src/engine/backend.ts';
import { convertBergSubject } from '../../src/convert/convert.ts';
import { directorySource } from '../../src/io/source_node.ts';
import { fixturePath, loadNpy, maxErr } from '../helpers.ts';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
// Dawn reads the Vulkan loader's environment when its instance is created (on first use).
if (existsSync(ICD)) process.env.VK_ICD_FILENAMES = ICD;

let out: string;
beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'insilico-webgpu-node-'));
  await convertBergSubject({ bergDir: fixturePath('test/fixtures/berg/layout-a'), subject: 1, out });
});
afterAll(() => {
  disposeBackbone();
  rmSync(out, { recursive: true, force: true });
});

describe.skipIf(!existsSync(ICD))('WebGPU in Node (Dawn on SwiftShader)', () => {
  it("device 'webgpu' runs on Dawn's adapter and reproduces the reference", async () => {
    const source = directorySource(join(out, MODEL_ID, 'sub-01'));
    const model = await getEncodingModel(MODEL_ID, 1, { source, device: 'webgpu' });
    try {
      expect(model.backend).toBe('webgpu');
      expect(model.backendNote).toMatch(/swiftshader/i);
      // one image: SwiftShader runs the network in seconds per image
      const all = loadNpy('test/golden/taps/input.npy').data as Uint8Array;
      const y = await encode(model, { data: all.subarray(0, 3 * 300 * 300), shape: [1, 3, 300, 300] });
      const ref = (loadNpy('test/golden/responses/layout-a_sub-01_all.npy').data as Float32Array).subarray(0, 4 * 63 * 140);
      const m = maxErr(y.data, ref);
      expect(m.ref).toBeGreaterThan(0);
      expect(m.err).toBeLessThanOrEqual(1e-4 * m.ref);
    } finally {
      model.dispose();
    }
  }, 300_000);

  it("'auto' skips the software adapter", async () => {
    const choice = await selectBackend('auto');
    expect(choice.backend).not.toBe('webgpu');
    expect(choice.note).toMatch(/WebGPU adapter is software/);
  });
});
