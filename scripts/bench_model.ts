// A random K-component, per-repetition model folder for the benchmarks: stored and loaded exactly
// like a converted subject, so the timed path is the real one. Seeded, so runs are comparable.

import { join } from 'node:path';
import channels from '../src/data/channels_10-05_63.json' with { type: 'json' };
import { MT19937 } from '../src/engine/mt19937.ts';
import { MODEL_ID, N_CHANNELS, N_FEATURES, N_REPETITIONS, N_TIMES } from '../src/engine/types.ts';
import { writeModelFolder, type WeightToWrite } from '../src/io/model_folder_node.ts';

/** Writes `<out>/<model_id>/sub-01/` and returns that folder. */
export async function writeRandomModel(out: string, k: number, dtype: 'float32' | 'float16' = 'float32', label = 'benchmark'): Promise<string> {
  const rng = new MT19937(250);
  const uniform = (n: number, scale: number) => {
    const a = new Float32Array(n);
    rng.fillUniformFloat32(a, -scale, scale);
    return a;
  };
  const rows = N_CHANNELS * N_TIMES;
  const weights: WeightToWrite[] = [];
  for (let r = 1; r <= N_REPETITIONS; r++) {
    weights.push({ name: `pca/rep-${r}/components`, shape: [k, N_FEATURES], data: uniform(k * N_FEATURES, 0.004), dtype });
    weights.push({ name: `pca/rep-${r}/offset`, shape: [k], data: uniform(k, 0.1) });
    weights.push({ name: `reg/rep-${r}/coef`, shape: [rows, k], data: uniform(rows * k, 0.05), dtype });
    weights.push({ name: `reg/rep-${r}/intercept`, shape: [rows], data: uniform(rows, 0.1) });
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
    },
    weights,
    metadata: { eeg: { ch_names: chNames, times } },
  });
  return join(out, MODEL_ID, 'sub-01');
}
