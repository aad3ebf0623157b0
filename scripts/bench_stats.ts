// npm run bench:stats: the statistics of src/analysis at the scale of 1,000 images in two conditions
// (63 channels x 140 times, repetition means), single-threaded as in the page's analysis worker.
// Each analysis runs --repeat times (default 1); the table shows the median wall time and the median CPU time
// of this process (less sensitive to other work on the machine, which the wall time includes).
//   npm run bench:stats -- [--n 1000] [--perm 1000] [--folds 5] [--repeat 3]
import channels from '../src/data/channels_10-05_63.json';
import { channelAdjacency } from '../src/analysis/adjacency.ts';
import { permutationCluster1sampTest, permutationClusterTest } from '../src/analysis/cluster_test.ts';
import { generalizingDecoding, slidingDecoding } from '../src/analysis/decoding.ts';
import { RandomState } from '../src/analysis/random_state.ts';

const args = Object.fromEntries(
  process.argv.slice(2).reduce<string[][]>((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const N = Number(args.n ?? 1000);
const PERM = Number(args.perm ?? 1000);
const FOLDS = Number(args.folds ?? 5);
const REPEAT = Number(args.repeat ?? 1);
const C = 63;
const T = 140;
const nA = N / 2;

// Gaussian noise (Box-Muller on numpy's generator) plus an occipital effect 80-150 ms in condition A.
const rs = new RandomState(2024);
const gauss = () => Math.sqrt(-2 * Math.log(1 - rs.nextDouble())) * Math.cos(2 * Math.PI * rs.nextDouble());
const names = channels.channels.map((c) => c.name);
const occ = ['O1', 'Oz', 'O2', 'PO7', 'PO3', 'POz', 'PO4', 'PO8'].map((n) => names.indexOf(n));
const X = new Float64Array(N * C * T); // [n, C, T]
for (let i = 0; i < X.length; i++) X[i] = gauss();
for (let i = 0; i < nA; i++) for (const c of occ) for (let t = 36; t < 50; t++) X[(i * C + c) * T + t] += 0.25;
const tc = (i0: number, n: number) => {
  const out = new Float64Array(n * T * C); // [n, T, C]
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) for (let t = 0; t < T; t++) out[(i * T + t) * C + c] = X[((i0 + i) * C + c) * T + t];
  return out;
};
const A = tc(0, nA);
const B = tc(nA, N - nA);
const adjacency = channelAdjacency(channels.channels.map((c) => c.topo2d_m));
const y = Int32Array.from({ length: N }, (_, i) => (i < nA ? 0 : 1));

const rows: { name: string; s: number; cpu: number; target: number; note: string }[] = [];
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const time = <R>(name: string, target: number, f: () => R, note: (r: R) => string) => {
  const wall: number[] = [];
  const cpu: number[] = [];
  let r!: R;
  for (let k = 0; k < REPEAT; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    r = f();
    wall.push((performance.now() - t0) / 1e3);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  rows.push({ name, s: median(wall), cpu: median(cpu), target, note: note(r) });
};
time(
  `cluster test, sensors x time, F, ${PERM} perm`,
  5,
  () => permutationClusterTest([A, B], [nA, N - nA], T * C, { adjacency, nPermutations: PERM, seed: 0 }),
  (r) => `${r.clusters.length} clusters, min p ${r.p.length ? Math.min(...r.p).toFixed(4) : '-'}`,
);
time(
  `cluster test, sensors x time, paired t, ${PERM} perm`,
  5,
  () => permutationCluster1sampTest(A.map((v, i) => v - B[i]), nA, T * C, { adjacency, nPermutations: PERM, seed: 0 }),
  (r) => `${r.clusters.length} clusters (${nA} pairs)`,
);
time(
  `decoding time course, ${FOLDS} folds`,
  5,
  () => slidingDecoding(X, N, C, T, y, { nSplits: FOLDS, seed: 0 }),
  (r) => `peak AUC ${Math.max(...r.mean).toFixed(3)}`,
);
time(
  `temporal generalisation, ${FOLDS} folds`,
  30,
  () => generalizingDecoding(X, N, C, T, y, { nSplits: FOLDS, seed: 0 }),
  (r) => `diagonal peak ${Math.max(...Array.from({ length: T }, (_, t) => r.mean[t * T + t])).toFixed(3)}`,
);
console.log(`\nStatistics on ${N} images in two conditions (${C} channels x ${T} times), one thread, median of ${REPEAT}\n`);
console.log('analysis                                         seconds      cpu  target  note');
for (const r of rows)
  console.log(`${r.name.padEnd(48)} ${r.s.toFixed(2).padStart(7)}  ${r.cpu.toFixed(2).padStart(7)}  ${(r.target + ' s').padStart(6)}  ${r.s <= r.target ? 'ok' : 'OVER'}; ${r.note}`);
