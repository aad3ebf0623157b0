// The synthetic demo subject: real seeded AlexNet features, encoder weights generated from a seed.
// Each of K PCA-like components reads one AlexNet tap (early taps drive early ERP components,
// late taps late ones), and the regression maps it onto a visual ERP's spatio-temporal pattern:
// P1 (~100 ms, occipital, positive), N1 (~170 ms, occipito-parietal, negative), P2, N2, P3,
// built from the 63 sensors' 3-D positions and average-referenced. The four repetitions differ by
// seeded noise like real repeats. The numbers are plausible; they are not fitted to any EEG.

import channelsFile from '../data/channels_10-05_63.json' with { type: 'json' };
import { TAPS } from './alexnet.ts';
import type { EncoderArrays } from './encoder.ts';
import { MT19937 } from './mt19937.ts';
import { ModelLoadError } from '../core/errors.ts';
import { N_CHANNELS, N_FEATURES, N_REPETITIONS, N_TIMES, type ModelManifest } from '../core/types.ts';


export interface DemoGenerator {
  kind: 'erp-templates/1';
  seed: number;
  n_components: number;
  /** Mean and standard deviation of each raw component score over a calibration image set. */
  calibration?: { mean: number[]; std: number[] };
}

export function isDemoManifest(m: ModelManifest): m is ModelManifest & { generator: DemoGenerator } {
  return m.synthetic === true && typeof m.generator === 'object' && m.generator !== null;
}

interface ErpComponent {
  name: string;
  latencyMs: number;
  widthMs: number;
  amplitude: number;
  /** Sensors whose positions centre the (bilateral) source pattern. */
  centres: string[];
  spreadM: number;
}

/** The grand-average ERP to a visual stimulus, as a sum of Gaussian components. */
export const ERP_COMPONENTS: ErpComponent[] = [
  { name: 'P1', latencyMs: 100, widthMs: 14, amplitude: 3.0, centres: ['O1', 'O2'], spreadM: 0.04 },
  { name: 'N1', latencyMs: 170, widthMs: 20, amplitude: -4.0, centres: ['P7', 'P8', 'PO7', 'PO8'], spreadM: 0.04 },
  { name: 'P2', latencyMs: 240, widthMs: 28, amplitude: 2.0, centres: ['Oz', 'POz'], spreadM: 0.05 },
  { name: 'N2', latencyMs: 290, widthMs: 30, amplitude: -1.5, centres: ['FCz', 'Cz'], spreadM: 0.05 },
  { name: 'P3', latencyMs: 400, widthMs: 75, amplitude: 2.5, centres: ['Pz', 'CPz'], spreadM: 0.06 },
];

/** Which ERP component (and which hemisphere) each tap's components modulate. */
const TAP_TARGETS: Array<{ erp: string; left: string[]; right: string[] }> = [
  { erp: 'P1', left: ['O1'], right: ['O2'] },
  { erp: 'P1', left: ['PO3'], right: ['PO4'] },
  { erp: 'N1', left: ['P7', 'PO7'], right: ['P8', 'PO8'] },
  { erp: 'N1', left: ['P5'], right: ['P6'] },
  { erp: 'P2', left: ['PO3'], right: ['PO4'] },
  { erp: 'N2', left: ['FC1'], right: ['FC2'] },
  { erp: 'P3', left: ['CP1'], right: ['CP2'] },
  { erp: 'P3', left: ['P1'], right: ['P2'] },
];

const channels = (channelsFile as { channels: Array<{ name: string; head_m: number[] }> }).channels;

function position(name: string): number[] {
  const ch = channels.find((c) => c.name === name);
  if (!ch) throw new Error(`no position for channel ${name}`);
  return ch.head_m;
}

/** Average-referenced spatial pattern: Gaussian blobs around the centre sensors. */
function topography(centres: string[], spread: number): Float64Array {
  const topo = new Float64Array(N_CHANNELS);
  for (const centre of centres) {
    const p = position(centre);
    channels.forEach((c, i) => {
      const d2 = (c.head_m[0] - p[0]) ** 2 + (c.head_m[1] - p[1]) ** 2 + (c.head_m[2] - p[2]) ** 2;
      topo[i] += Math.exp(-d2 / (2 * spread * spread));
    });
  }
  let max = 0;
  for (const v of topo) max = Math.max(max, v);
  const mean = topo.reduce((a, b) => a + b, 0) / N_CHANNELS;
  for (let i = 0; i < N_CHANNELS; i++) topo[i] = (topo[i] - mean) / max;
  return topo;
}

function waveform(timesS: number[], latencyMs: number, widthMs: number): Float64Array {
  return Float64Array.from(timesS, (t) => Math.exp(-((t * 1000 - latencyMs) ** 2) / (2 * widthMs * widthMs)));
}

/** Add amplitude * topo (x) wave into a [63 * 140] channel-major pattern. */
function addPattern(dst: Float64Array, topo: Float64Array, wave: Float64Array, amplitude: number): void {
  for (let c = 0; c < N_CHANNELS; c++) for (let t = 0; t < N_TIMES; t++) dst[c * N_TIMES + t] += amplitude * topo[c] * wave[t];
}

function uniform(rng: MT19937, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  rng.fillUniformFloat32(a, lo, hi);
  return a;
}

/** Generate the demo encoder (shared-PCA layout) from its manifest. Deterministic in the seed. */
export function generateDemoEncoder(manifest: ModelManifest & { generator: DemoGenerator }): {
  arrays: EncoderArrays;
  nComponents: number;
  sharedPca: true;
} {
  const g = manifest.generator;
  if (g.kind !== 'erp-templates/1' || !Number.isInteger(g.seed)) throw new ModelLoadError(`unknown demo generator ${JSON.stringify(g)}`);
  const K = g.n_components;
  if (!Number.isInteger(K) || K < TAPS.length || K % TAPS.length !== 0) {
    throw new ModelLoadError(`demo n_components must be a multiple of ${TAPS.length}; got ${K}`);
  }
  const perTap = K / TAPS.length;
  const mean = g.calibration?.mean ?? new Array(K).fill(0);
  const std = g.calibration?.std ?? new Array(K).fill(1);
  const rng = new MT19937(g.seed);

  // Components: random unit vectors, each supported on one tap, standardised by the calibration.
  const components = new Float32Array(K * N_FEATURES);
  const offset = new Float32Array(K);
  for (let k = 0; k < K; k++) {
    const tap = TAPS[Math.floor(k / perTap)];
    const v = uniform(rng, tap.size);
    let norm = 0;
    for (const x of v) norm += x * x;
    const scale = 1 / Math.sqrt(norm) / std[k];
    const row = components.subarray(k * N_FEATURES + tap.offset, k * N_FEATURES + tap.offset + tap.size);
    for (let i = 0; i < tap.size; i++) row[i] = v[i] * scale;
    offset[k] = -mean[k] / std[k];
  }

  // The grand-average ERP (intercept) and each component's spatio-temporal loading (coef).
  const times = manifest.times;
  const erp = new Float64Array(N_CHANNELS * N_TIMES);
  for (const c of ERP_COMPONENTS) addPattern(erp, topography(c.centres, c.spreadM), waveform(times, c.latencyMs, c.widthMs), c.amplitude);
  const loadings: Float64Array[] = [];
  for (let k = 0; k < K; k++) {
    const target = TAP_TARGETS[Math.floor(k / perTap)];
    const c = ERP_COMPONENTS.find((e) => e.name === target.erp)!;
    const side = k % 2 === 0 ? target.left : target.right;
    const jitterMs = (rng.nextUint32() / 2 ** 32 - 0.5) * 20;
    const gain = 0.25 + 0.35 * (rng.nextUint32() / 2 ** 32);
    const pattern = new Float64Array(N_CHANNELS * N_TIMES);
    addPattern(pattern, topography(side, c.spreadM), waveform(times, c.latencyMs + jitterMs, c.widthMs), gain * c.amplitude);
    loadings.push(pattern);
  }

  const arrays: EncoderArrays = new Map();
  arrays.set('pca/components', components);
  arrays.set('pca/offset', offset);
  for (let r = 0; r < N_REPETITIONS; r++) {
    // Repeats share the signal and differ by noise: gain jitter per loading and a smooth
    // trial-specific wobble in the intercept.
    const rr = new MT19937(g.seed + 1000 * (r + 1));
    const coef = new Float32Array(N_CHANNELS * N_TIMES * K);
    for (let k = 0; k < K; k++) {
      const jitter = 1 + 0.15 * (rr.nextUint32() / 2 ** 32 - 0.5) * 2;
      const l = loadings[k];
      for (let row = 0; row < N_CHANNELS * N_TIMES; row++) coef[row * K + k] = l[row] * jitter;
    }
    const intercept = new Float64Array(erp);
    for (let bump = 0; bump < 6; bump++) {
      const centre = channels[Math.floor((rr.nextUint32() / 2 ** 32) * N_CHANNELS)].name;
      const latency = -50 + 600 * (rr.nextUint32() / 2 ** 32);
      const amp = 0.8 * ((rr.nextUint32() / 2 ** 32) * 2 - 1);
      addPattern(intercept, topography([centre], 0.06), waveform(times, latency, 40), amp);
    }
    arrays.set(`reg/rep-${r + 1}/coef`, coef);
    arrays.set(`reg/rep-${r + 1}/intercept`, Float32Array.from(intercept));
  }
  return { arrays, nComponents: K, sharedPca: true };
}
