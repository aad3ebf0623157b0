// Writes the synthetic demo subject's manifest (public/models/eeg-things_eeg_2-alexnet_untrained/demo/)
// and lists it in public/models/index.json. The encoder weights themselves are generated at load
// from the seed (src/engine/demo_weights.ts); this script only measures each component's mean and
// standard deviation over a fixed set of procedurally drawn images so the scores come out standardised.
// Run: node bin/run-ts.mjs tools/demo/make_demo.ts

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import channelsFile from '../../src/data/channels_10-05_63.json' with { type: 'json' };
import { generateAlexNetWeights } from '../../src/engine/backbone_weights.ts';
import { alexnetTaps, uploadAlexNet } from '../../src/engine/alexnet.ts';
import { selectBackend } from '../../src/engine/backend.ts';
import { generateDemoEncoder, type DemoGenerator } from '../../src/engine/demo_weights.ts';
import { SYNTHETIC_NOTICE } from '../../src/core/types.ts';
import { project, selectionRows, uploadEncoder } from '../../src/engine/encoder.ts';
import { preprocess } from '../../src/engine/preprocess.ts';
import { calibrationImages } from './calibration_images.ts';
import { MODEL_ID, N_TIMES, type ModelManifest } from '../../src/core/types.ts';

const SEED = 20240607;
const K = 32;
const N_CALIBRATION = 64;
const SIZE = 224;

function demoManifest(generator: DemoGenerator): ModelManifest {
  const chNames = (channelsFile as { channels: Array<{ name: string }> }).channels.map((c) => c.name);
  return {
    format: 'insilico-eeg-model/1',
    model_id: MODEL_ID,
    subject: 'demo',
    synthetic: true,
    notice: SYNTHETIC_NOTICE,
    label: 'Demo subject (synthetic)',
    ch_names: chNames,
    times: Array.from({ length: N_TIMES }, (_, i) => Number(((-100 + 5 * i) / 1000).toFixed(3))),
    encoder: { n_features: 205672, n_components: generator.n_components, pca_layout: 'shared', scaler_folded: true, dtype: 'generated' },
    generator,
  };
}

async function main() {
  await selectBackend('wasm');
  const raw = demoManifest({ kind: 'erp-templates/1', seed: SEED, n_components: K });
  const { arrays } = generateDemoEncoder(raw as never);
  const net = uploadAlexNet(generateAlexNetWeights());
  const enc = uploadEncoder(arrays, K, true, selectionRows([0], [0]));
  const images = calibrationImages(N_CALIBRATION, SIZE, SEED + 1);
  const scores = new Float64Array(N_CALIBRATION * K);
  const per = 3 * SIZE * SIZE;
  for (let s = 0; s < N_CALIBRATION; s += 16) {
    const b = Math.min(16, N_CALIBRATION - s);
    const x = preprocess({ data: images.subarray(s * per, (s + b) * per), shape: [b, 3, SIZE, SIZE] });
    const p = tf.tidy(() => project(enc, alexnetTaps(net, tf.tensor4d(x, [b, 224, 224, 3]))));
    scores.set(await p.data(), s * K);
    p.dispose();
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let k = 0; k < K; k++) {
    let m = 0;
    for (let i = 0; i < N_CALIBRATION; i++) m += scores[i * K + k];
    m /= N_CALIBRATION;
    let v = 0;
    for (let i = 0; i < N_CALIBRATION; i++) v += (scores[i * K + k] - m) ** 2;
    mean.push(Number(m.toPrecision(9)));
    std.push(Number(Math.sqrt(v / (N_CALIBRATION - 1)).toPrecision(9)));
  }
  const manifest = demoManifest({ kind: 'erp-templates/1', seed: SEED, n_components: K, calibration: { mean, std } });
  const dir = 'public/models/eeg-things_eeg_2-alexnet_untrained/demo';
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}/manifest.json`, JSON.stringify(manifest, null, 1) + '\n');

  const indexPath = 'public/models/index.json';
  let index: { models: Array<Record<string, unknown>> } = { models: [] };
  try {
    index = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch {
    /* first run */
  }
  index.models = [
    { model_id: MODEL_ID, subject: 'demo', path: `${MODEL_ID}/demo/`, synthetic: true, label: 'Demo subject (synthetic weights, not fitted to EEG)' },
    ...index.models.filter((m) => m.subject !== 'demo'),
  ];
  await writeFile(indexPath, JSON.stringify(index, null, 1) + '\n');
  console.log(`wrote ${dir}/manifest.json (K=${K}, calibrated on ${N_CALIBRATION} images) and ${indexPath}`);
}

await main();
