// Writes the synthetic demo subjects' manifests (public/models/eeg-things_eeg_2-alexnet_untrained/demo/,
// demo-2/, demo-3/: the same generator with other seeds, so that subject means work with no
// download) and lists them in public/models/index.json. The encoder weights themselves are generated at load
// from the seed (src/engine/demo_weights.ts); this script only measures each component's mean and
// standard deviation over a fixed set of procedurally drawn images so the scores come out standardised.
// Run: node bin/run-ts.mjs tools/demo/make_demo.ts [--force]

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
import { MODEL_ID, N_TIMES, type ModelManifest, type SubjectId } from '../../src/core/types.ts';
import { manifestSubject } from '../../src/io/model_folder.ts';

/** The demo subjects and their seeds: 'demo' keeps its original seed. */
const SUBJECTS: Array<{ subject: 'demo' | `demo-${number}`; seed: number }> = [
  { subject: 'demo', seed: 20240607 },
  { subject: 'demo-2', seed: 20240608 },
  { subject: 'demo-3', seed: 20240609 },
];
const K = 32;
const N_CALIBRATION = 64;
const SIZE = 224;

function demoManifest(subject: 'demo' | `demo-${number}`, generator: DemoGenerator): ModelManifest {
  const chNames = (channelsFile as { channels: Array<{ name: string }> }).channels.map((c) => c.name);
  return {
    format: 'insilico-eeg-model/1',
    model_id: MODEL_ID,
    // the file's subject is "demo" (the manifest contract), a further one numbered by demo_subject
    ...(manifestSubject(subject) as { subject: SubjectId }),
    synthetic: true,
    notice: SYNTHETIC_NOTICE,
    label: demoLabel(subject, 'short'),
    ch_names: chNames,
    times: Array.from({ length: N_TIMES }, (_, i) => Number(((-100 + 5 * i) / 1000).toFixed(3))),
    encoder: { n_features: 205672, n_components: generator.n_components, pca_layout: 'shared', scaler_folded: true, dtype: 'generated' },
    generator,
  };
}

function demoLabel(subject: string, how: 'short' | 'long'): string {
  const name = subject === 'demo' ? 'Demo subject' : `Demo subject ${subject.slice(5)}`;
  return how === 'short' ? `${name} (synthetic)` : `${name} (synthetic weights, not fitted to EEG)`;
}

async function calibrated(subject: 'demo' | `demo-${number}`, SEED: number): Promise<ModelManifest> {
  const raw = demoManifest(subject, { kind: 'erp-templates/1', seed: SEED, n_components: K });
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
  return demoManifest(subject, { kind: 'erp-templates/1', seed: SEED, n_components: K, calibration: { mean, std } });
}

async function main() {
  await selectBackend('wasm');
  // A subject already written with its seed is kept (--force recalibrates): a second calibration
  // run differs in the last digits, which would change every response and golden of that subject.
  const force = process.argv.includes('--force');
  const written: string[] = [];
  for (const { subject, seed } of SUBJECTS) {
    const dir = `public/models/${MODEL_ID}/${subject}`;
    const old = await readFile(`${dir}/manifest.json`, 'utf8').then((t) => JSON.parse(t) as ModelManifest, () => null);
    const g = old?.generator as DemoGenerator | undefined;
    if (!force && g?.seed === seed && g.calibration) continue;
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/manifest.json`, JSON.stringify(await calibrated(subject, seed), null, 1) + '\n');
    written.push(subject);
  }

  const indexPath = 'public/models/index.json';
  let index: { models: Array<Record<string, unknown>> } = { models: [] };
  try {
    index = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch {
    /* first run */
  }
  index.models = [
    ...SUBJECTS.map(({ subject }) => ({ model_id: MODEL_ID, subject, path: `${MODEL_ID}/${subject}/`, synthetic: true, label: demoLabel(subject, 'long') })),
    ...index.models.filter((m) => !SUBJECTS.some((d) => d.subject === m.subject)),
  ];
  await writeFile(indexPath, JSON.stringify(index, null, 1) + '\n');
  console.log(`calibrated and wrote ${written.length ? written.join(', ') : 'no demo manifest (all kept; --force recalibrates)'} (K=${K}, ${N_CALIBRATION} images); wrote ${indexPath}`);
}

await main();
