import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../src/core/errors.ts';
import { N_FEATURES } from '../../src/core/types.ts';
import { readBergMetadata, readBergWeights } from '../../src/io/berg.ts';
import { blobByteSource, memoryByteSource, observedByteSource } from '../../src/io/byte_source.ts';
import { writeNpy } from '../../src/io/npy.ts';
import { fileByteSource, withFileByteSource } from '../../src/io/source_node.ts';
import { BAD_DIR, fixture, metadataFile, weightsFile } from './helpers.ts';

const bytesOf = (f: string) => {
  const b = readFileSync(f);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

const PY = '/usr/bin/python3';
/** sums of the arrays as numpy sees them, to check the reader against numpy itself */
function numpySums(file: string): Record<string, number> | null {
  const script = `
import numpy as np, json, sys
d = np.load(sys.argv[1], allow_pickle=True).item()
out = {}
def walk(x, p):
    if isinstance(x, dict):
        for k, v in x.items(): walk(v, p + [k])
    elif hasattr(x, '__dict__') and not isinstance(x, np.ndarray):
        walk(x.__dict__, p)
    elif isinstance(x, np.ndarray) and x.dtype.kind == 'f':
        out['/'.join(p)] = float(np.asarray(x, np.float64).sum())
walk(d, [])
print(json.dumps(out))`;
  try {
    return JSON.parse(execFileSync(PY, ['-c', script, file], { encoding: 'utf8' }));
  } catch {
    return null;
  }
}
const sum = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
};

describe('BERG weights', () => {
  const layouts: [string, number, string, number][] = [
    ['layout-a', 1, 'shared', 4],
    ['layout-b', 1, 'per-repetition', 3],
    ['layout-b', 2, 'per-repetition', 3],
    ['layout-c', 1, 'per-repetition-sklearn', 2],
  ];

  it.each(layouts)('%s subject %i loads (%s, K=%i) and matches numpy', async (layout, s, kind, K) => {
    const file = weightsFile(layout, s);
    const w = await withFileByteSource(file, (src) => readBergWeights(src, { readAhead: 1 << 16 }));
    expect(w.pca.layout).toBe(kind);
    expect(w.nComponents).toBe(K);
    expect(w.nFeatures).toBe(N_FEATURES);
    expect(w.pca.reps.length).toBe(kind === 'shared' ? 1 : 4);
    expect(w.reg.length).toBe(4);
    for (const p of w.pca.reps) {
      expect(p.components.length).toBe(K * N_FEATURES);
      expect(p.mean.length).toBe(N_FEATURES);
    }
    for (const r of w.reg) {
      expect(r.coef.length).toBe(8820 * K);
      expect(r.intercept.length).toBe(8820);
    }
    expect(w.scaler.mean.length).toBe(N_FEATURES);
    const sums = numpySums(file);
    if (sums) {
      const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
      close(sum(w.scaler.mean), sums['scaler_param/mean_']);
      close(sum(w.scaler.scale), sums['scaler_param/scale_']);
      const pcaKey = (r: number, k: string) => (kind === 'shared' ? `pca_param/${k}` : `pca_param/rep-${r}/${k}`);
      w.pca.reps.forEach((p, i) => {
        close(sum(p.components), sums[pcaKey(i + 1, 'components_')]);
        close(sum(p.mean), sums[pcaKey(i + 1, 'mean_')]);
      });
      w.reg.forEach((r, i) => {
        close(sum(r.coef), sums[`reg_param/rep-${i + 1}/coef_`]);
        close(sum(r.intercept), sums[`reg_param/rep-${i + 1}/intercept_`]);
      });
    }
  });

  it('streams: a small read-ahead, a Blob and memory all give the same arrays; no whole-file read', async () => {
    const file = weightsFile('layout-b', 1);
    const bytes = bytesOf(file);
    const fromMemory = await readBergWeights(memoryByteSource(bytes, 'w.npy'));
    const fromBlob = await readBergWeights(blobByteSource(new Blob([bytes]), 'w.npy'));
    const fh = await fileByteSource(file);
    let maxRead = 0;
    let progressed = 0;
    const fromFile = await readBergWeights(
      observedByteSource(fh, (_o, b) => (maxRead = Math.max(maxRead, b.length))),
      { readAhead: 8192, onProgress: (d) => (progressed = d) },
    );
    await fh.close();
    // the largest read is (the rest of) one array: 3 x 205,672 float32 components, read
    // straight into its own buffer; far below the file size
    expect(maxRead).toBeLessThanOrEqual(3 * N_FEATURES * 4);
    expect(maxRead).toBeGreaterThan(3 * N_FEATURES * 4 - 8192);
    expect(maxRead).toBeLessThan(bytes.length / 4);
    expect(progressed).toBe(bytes.length);
    for (const other of [fromBlob, fromFile]) {
      expect(other.pca.reps.map((p) => sum(p.components))).toEqual(fromMemory.pca.reps.map((p) => sum(p.components)));
      expect(other.reg.map((r) => Array.from(r.intercept.slice(0, 5)))).toEqual(fromMemory.reg.map((r) => Array.from(r.intercept.slice(0, 5))));
      expect(Array.from(other.scaler.scale.slice(-5))).toEqual(Array.from(fromMemory.scaler.scale.slice(-5)));
    }
  });

  it('each bad input gets its own clear ModelLoadError', async () => {
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      ['other model', () => withFileByteSource(path.join(BAD_DIR, 'other_model_weights.npy'), (s) => readBergWeights(s)),
        /this is not an eeg-things_eeg_2-alexnet_untrained weights file: PCA expects 9,216 features/],
      ['missing reg_param', () => withFileByteSource(path.join(BAD_DIR, 'missing_reg_param.npy'), (s) => readBergWeights(s)),
        /missing_reg_param\.npy has no reg_param/],
      ['K mismatch', () => withFileByteSource(path.join(BAD_DIR, 'k_mismatch.npy'), (s) => readBergWeights(s)),
        /K mismatch: the PCA has \d+ components but reg_param rep-\d coef_ has \d+ columns/],
      ['os.system', () => withFileByteSource(path.join(BAD_DIR, 'os_system.npy'), (s) => readBergWeights(s)),
        /refusing to load pickle global posix\.system/],
      ['wrong magic', () => readBergWeights(memoryByteSource(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0, 0, 0]), 'cat.png')),
        /cat\.png is not a NumPy \.npy file/],
      ['plain array', () => readBergWeights(memoryByteSource(writeNpy([2, 3], new Float32Array(6)), 'plain.npy')),
        /plain\.npy is not a BERG weights file: it holds a plain <f4 array of shape \(2, 3\)/],
      ['metadata as weights', () => withFileByteSource(metadataFile('layout-a', 1), (s) => readBergWeights(s)),
        /metadata_subject-01\.npy has no scaler_param/],
      ['weights as metadata', () => withFileByteSource(weightsFile('layout-a', 1), (s) => readBergMetadata(s)),
        /weights_subject-01\.npy has no eeg dict/],
      ['not a dict', () => readBergWeights(memoryByteSource(fixture('evil_os_system.npy').slice(0, 0), 'empty.npy')),
        /empty\.npy is empty/],
    ];
    const messages = new Set<string>();
    for (const [what, run, re] of cases) {
      const err = await run().then(() => null, (e) => e);
      expect(err, what).toBeInstanceOf(ModelLoadError);
      expect((err as Error).message, what).toMatch(re);
      messages.add((err as Error).message);
    }
    expect(messages.size).toBe(cases.length);
  });

  it('a truncated weights file says so, wherever it is cut', async () => {
    const bytes = bytesOf(weightsFile('layout-a', 1));
    for (const cut of [5, 64, 200, 5000, 1_000_000, bytes.length - 2]) {
      const err = await readBergWeights(memoryByteSource(bytes.slice(0, cut), 'weights_subject-01.npy'), { readAhead: 4096 }).then(
        () => null,
        (e) => e,
      );
      expect(err, `cut at ${cut}`).toBeInstanceOf(ModelLoadError);
      expect((err as Error).message).toMatch(/weights_subject-01\.npy: the file ends inside .*the file is truncated, download it again/);
    }
  });
});

describe('BERG metadata', () => {
  it('reads channels, times, noise ceiling, accuracies and image info', async () => {
    const m = await withFileByteSource(metadataFile('layout-a', 1), (s) => readBergMetadata(s));
    expect(m.eeg.ch_names.length).toBe(63);
    expect(m.eeg.ch_names.slice(0, 3)).toEqual(['Fp1', 'F3', 'F7']);
    expect(m.eeg.times.length).toBe(140);
    expect(m.eeg.times[0]).toBeCloseTo(-0.1, 12);
    expect(m.eeg.times[139]).toBeCloseTo(0.595, 12);
    expect(m.eeg.ncsnr?.length).toBe(63 * 140);
    expect(m.eeg.noise_ceiling?.length).toBe(63 * 140);
    expect(m.encoding_models?.correlation_averaged_repetitions?.length).toBe(63 * 140);
    expect(m.encoding_models?.correlation_single_repetitions?.length).toBe(4 * 63 * 140);
    expect(Object.keys(m.train_img_info ?? {})).toEqual(['train_img_concepts', 'train_img_concepts_THINGS', 'train_img_files']);
    expect(m.train_img_info?.train_img_files.length).toBe(16540);
    expect(m.test_img_info?.test_img_files.length).toBe(200);
  });
});
