// A random K-component, per-repetition model folder for the benchmarks: stored and loaded exactly
// like a converted subject, so the timed path is the real one. Seeded, so runs are comparable.
// With `compact`, repetitions 2-4 take repetition 1's components reordered, sign-flipped and
// pairwise rotated (the ways PCAs fitted to the same features differ), plus `outside` times a
// random part outside that basis; the compact form is then derived and its error measured exactly
// as `convert --compact` does.

import { join } from 'node:path';
import channels from '../src/data/channels_10-05_63.json' with { type: 'json' };
import { MT19937 } from '../src/engine/mt19937.ts';
import { MODEL_ID, N_CHANNELS, N_FEATURES, N_REPETITIONS, N_TIMES, type Device } from '../src/core/types.ts';
import { writeModelFolder, type WeightToWrite } from '../src/io/model_folder_node.ts';
import { compactEncoder } from '../src/convert/pca.ts';
import type { BergWeights } from '../src/io/berg.ts';

export interface CompactOptions {
  /** size of the part of repetitions 2-4 outside repetition 1's basis, relative to the components (default 1e-3) */
  outside?: number;
  /** where the error is measured (default wasm) */
  device?: Device;
}

/** Writes `<out>/<model_id>/sub-01/` and returns that folder. */
export async function writeRandomModel(out: string, k: number, dtype: 'float32' | 'float16' = 'float32', label = 'benchmark', compact?: CompactOptions): Promise<string> {
  const rng = new MT19937(250);
  const uniform = (n: number, scale: number) => {
    const a = new Float32Array(n);
    rng.fillUniformFloat32(a, -scale, scale);
    return a;
  };
  const rows = N_CHANNELS * N_TIMES;
  const weights: WeightToWrite[] = [];
  const pcas: Array<{ components: Float32Array; offset: Float32Array }> = [];
  const regs: Array<{ coef: Float32Array; intercept: Float32Array }> = [];
  for (let r = 1; r <= N_REPETITIONS; r++) {
    const components = compact && r > 1 ? relatedComponents(pcas[0].components, k, compact.outside ?? 1e-3, rng) : uniform(k * N_FEATURES, 0.004);
    pcas.push({ components, offset: uniform(k, 0.1) });
    regs.push({ coef: uniform(rows * k, 0.05), intercept: uniform(rows, 0.1) });
    weights.push({ name: `pca/rep-${r}/components`, shape: [k, N_FEATURES], data: components, dtype });
    weights.push({ name: `pca/rep-${r}/offset`, shape: [k], data: pcas[r - 1].offset });
    weights.push({ name: `reg/rep-${r}/coef`, shape: [rows, k], data: regs[r - 1].coef, dtype });
    weights.push({ name: `reg/rep-${r}/intercept`, shape: [rows], data: regs[r - 1].intercept });
  }
  let compactInfo;
  if (compact) {
    // (the folder's components are folded already: a unit scaler leaves them as they are)
    const w = { scaler: { mean: new Float64Array(N_FEATURES), scale: new Float64Array(N_FEATURES).fill(1) }, reg: regs, nComponents: k, nFeatures: N_FEATURES } as unknown as BergWeights;
    const c = compactEncoder(w, pcas);
    c.coef.forEach((coef, i) => {
      weights.push({ name: `compact/rep-${i + 1}/coef`, shape: [rows, k], data: coef, dtype });
      weights.push({ name: `compact/rep-${i + 1}/intercept`, shape: [rows], data: c.intercept[i] });
    });
    compactInfo = { components: 'pca/rep-1/components', offset: 'pca/rep-1/offset', residual: c.residual };
  }
  const chNames = channels.channels.map((c) => c.name);
  const times = Array.from({ length: N_TIMES }, (_, i) => (-100 + 5 * i) / 1000);
  await writeModelFolder({
    out,
    subject: 1,
    manifest: {
      format: 'insilico-eeg-model/1',
      model_id: MODEL_ID,
      subject: 1,
      synthetic: true,
      ch_names: chNames,
      times,
      encoder: { n_features: N_FEATURES, n_components: k, pca_layout: 'per-repetition', scaler_folded: true, dtype },
      metadata: 'metadata.json',
      provenance: { converter: `${label} (random weights)`, converted_at: new Date().toISOString(), sources: [] },
      ...(compactInfo ? { compact: compactInfo } : {}),
    },
    weights,
    metadata: { eeg: { ch_names: chNames, times } },
    beforeCommit: compactInfo
      ? async (dir) => {
          const { measureCompactError } = await import('../src/convert/compact_error.ts');
          const { directorySource } = await import('../src/io/source_node.ts');
          return { compact: { ...compactInfo, error: await measureCompactError(1, { source: directorySource(dir), device: compact?.device ?? 'wasm' }) } };
        }
      : undefined,
  });
  return join(out, MODEL_ID, 'sub-01');
}

/** Repetition 1's components with rows reordered, signs flipped, pairs rotated, plus `outside` x noise. */
function relatedComponents(base: Float32Array, k: number, outside: number, rng: MT19937): Float32Array {
  const F = N_FEATURES;
  const u = () => rng.nextUint32() / 2 ** 32;
  const order = Array.from({ length: k }, (_, i) => i);
  for (let i = k - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const out = new Float32Array(k * F);
  for (let i = 0; i < k; i += 2) {
    const a = order[i];
    const b = order[Math.min(i + 1, k - 1)];
    const angle = 2 * Math.PI * u();
    const [c, s] = [Math.cos(angle), Math.sin(angle)];
    const sa = u() < 0.5 ? -1 : 1;
    for (let f = 0; f < F; f++) {
      const x = base[a * F + f];
      const y = base[b * F + f];
      out[i * F + f] = sa * (c * x - s * y) + outside * 0.004 * (2 * u() - 1);
      if (i + 1 < k) out[(i + 1) * F + f] = s * x + c * y + outside * 0.004 * (2 * u() - 1);
    }
  }
  return out;
}
