// Statistics off the main thread: spreads, cluster permutation tests, decoding and RSA (src/analysis).
// One job per worker at a time; the client cancels a job by terminating its worker.
/// <reference lib="webworker" />
import { subsetAdjacency } from '../analysis/adjacency.ts';
import { fOneway, permutationCluster1sampTest, permutationClusterTest, ttest1sampNoP } from '../analysis/cluster_test.ts';
import { generalizingDecoding, slidingDecoding, slidingFromGeneralizing } from '../analysis/decoding.ts';
import { categoricalRdm, rdm, rdmsOverTime, rsaTimecourse } from '../analysis/rsa.ts';
import { imageMaps, imageSeries, spread } from '../analysis/spread.ts';
import type { AnalysisJob, AnalysisReply, AnalysisResult } from './analysis_client.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const R = 4;
const C = 63;
const T = 140;

function dims(x: Float32Array) {
  return { B: x.length / (R * C * T), R, C, T };
}
const all = (x: Float32Array) => Int32Array.from({ length: dims(x).B }, (_, i) => i);

/** [n, Csel, T] -> [n, T, Csel] (MNE's spatio-temporal layout). */
function timeMajor(maps: Float64Array, n: number, nc: number): Float64Array {
  const out = new Float64Array(maps.length);
  for (let i = 0; i < n; i++) for (let c = 0; c < nc; c++) for (let t = 0; t < T; t++) out[(i * T + t) * nc + c] = maps[(i * nc + c) * T + t];
  return out;
}

/** Box-averaged RGB at 32 x 32: the low-level pixel pattern of one square image. */
function pixelPattern(chw: Uint8Array, size: number, side = 32): Float64Array {
  const out = new Float64Array(3 * side * side);
  const cnt = new Float64Array(side * side);
  for (let y = 0; y < size; y++) {
    const by = Math.min(side - 1, Math.floor((y * side) / size));
    for (let x = 0; x < size; x++) {
      const bx = Math.min(side - 1, Math.floor((x * side) / size));
      const k = by * side + bx;
      cnt[k] += 1 / 3;
      for (let c = 0; c < 3; c++) out[c * side * side + k] += chw[(c * size + y) * size + x];
    }
  }
  for (let c = 0; c < 3; c++) for (let k = 0; k < side * side; k++) out[c * side * side + k] /= cnt[k] * 3;
  return out;
}

function run(job: AnalysisJob, progress: (done: number, total: number) => void): AnalysisResult {
  if (job.kind === 'spread') {
    return {
      kind: 'spread',
      groups: job.series.map((s) => spread(s, s.length / T, T)),
    };
  }
  if (job.kind === 'cluster') {
    const [A, B] = job.groups;
    const dA = dims(A);
    const dB = dims(B);
    const paired = job.design === 'paired';
    if (paired && dA.B !== dB.B) throw new Error(`A paired test needs as many images in both conditions (${dA.B} and ${dB.B})`);
    const nc = job.ch.length;
    const opts = { nPermutations: job.nPermutations, seed: job.seed, tail: job.tail, onProgress: progress };
    let Xa: Float64Array;
    let Xb: Float64Array;
    let m: number;
    let adjacency: number[][] | undefined;
    if (job.space === 'time') {
      Xa = imageSeries(A, dA, all(A), job.ch);
      Xb = imageSeries(B, dB, all(B), job.ch);
      m = T;
    } else {
      Xa = timeMajor(imageMaps(A, dA, all(A), job.ch), dA.B, nc);
      Xb = timeMajor(imageMaps(B, dB, all(B), job.ch), dB.B, nc);
      m = T * nc;
      adjacency = subsetAdjacency(job.neighbors, job.ch);
    }
    const result = paired
      ? permutationCluster1sampTest(
          Xa.map((v, i) => v - Xb[i]),
          dA.B,
          m,
          { ...opts, adjacency },
        )
      : permutationClusterTest([Xa, Xb], [dA.B, dB.B], m, { ...opts, adjacency, tail: 0 });
    // The statistic at every sensor (observed only), for the topomap: [T, 63].
    const fullA = timeMajor(imageMaps(A, dA, all(A)), dA.B, C);
    const fullB = timeMajor(imageMaps(B, dB, all(B)), dB.B, C);
    const sensorStat = paired ? ttest1sampNoP(fullA.map((v, i) => v - fullB[i]), dA.B, T * C) : fOneway([fullA, fullB], [dA.B, dB.B], T * C);
    return { kind: 'cluster', result, sensorStat, nA: dA.B, nB: dB.B };
  }
  if (job.kind === 'decode') {
    const [A, B] = job.groups;
    const dA = dims(A);
    const dB = dims(B);
    const nc = job.ch.length;
    const X = new Float64Array((dA.B + dB.B) * nc * T);
    X.set(imageMaps(A, dA, all(A), job.ch));
    X.set(imageMaps(B, dB, all(B), job.ch), dA.B * nc * T);
    const y = Int32Array.from({ length: dA.B + dB.B }, (_, i) => (i < dA.B ? 0 : 1));
    const opts = { nSplits: job.nSplits, seed: job.seed, scoring: job.scoring };
    // The time course is the generalisation's diagonal: with one, its fits are not made twice.
    const generalizing = job.generalize ? generalizingDecoding(X, dA.B + dB.B, nc, T, y, { ...opts, onProgress: progress }) : null;
    const sliding = generalizing ? slidingFromGeneralizing(generalizing) : slidingDecoding(X, dA.B + dB.B, nc, T, y, { ...opts, onProgress: progress });
    return { kind: 'decode', sliding, generalizing, nA: dA.B, nB: dB.B };
  }
  // RSA over images (or condition means), one RDM per time point
  const nc = job.ch.length;
  let X: Float64Array;
  let n: number;
  if (job.unit === 'images') {
    const parts = job.groups.map((g) => imageMaps(g, dims(g), all(g), job.ch));
    n = parts.reduce((a, p) => a + p.length / (nc * T), 0);
    X = new Float64Array(n * nc * T);
    let o = 0;
    for (const p of parts) {
      X.set(p, o);
      o += p.length;
    }
  } else {
    n = job.groups.length;
    X = new Float64Array(n * nc * T);
    job.groups.forEach((g, k) => {
      const maps = imageMaps(g, dims(g), all(g), job.ch);
      const ni = dims(g).B;
      for (let i = 0; i < ni; i++) for (let j = 0; j < nc * T; j++) X[k * nc * T + j] += maps[i * nc * T + j] / ni;
    });
  }
  const rdms = rdmsOverTime(X, n, nc, T, job.metric);
  let model: Float64Array;
  if (job.model === 'categorical') model = categoricalRdm(job.labels);
  else if (job.model === 'pixels') {
    const pats = job.pixels!.map((p) => pixelPattern(p.data, p.size));
    const L = pats[0].length;
    const flat = new Float64Array(pats.length * L);
    pats.forEach((p, i) => flat.set(p, i * L));
    model = rdm(flat, pats.length, L, 'correlation');
  } else model = job.modelRdm!;
  const result = rsaTimecourse(rdms, model, n, { nPermutations: job.nPermutations, seed: job.seed, onProgress: progress });
  return { kind: 'rsa', rdms, model, n, result };
}

scope.onmessage = (ev: MessageEvent<AnalysisJob>) => {
  const job = ev.data;
  let last = 0;
  const progress = (done: number, total: number) => {
    const now = performance.now();
    if (now - last < 100 && done < total) return;
    last = now;
    scope.postMessage({ type: 'progress', done, total } satisfies AnalysisReply);
  };
  try {
    const result = run(job, progress);
    scope.postMessage({ type: 'done', result } satisfies AnalysisReply);
  } catch (e) {
    scope.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) } satisfies AnalysisReply);
  }
};
