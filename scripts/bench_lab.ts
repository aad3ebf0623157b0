// Lab timings: a manipulation preview of a 256 px image (each kind), a 10-step
// sweep over 50 images (manipulations only, as the worker's generation time), and ranking 10,000
// images by a component measure and by topography similarity.
// Run: node bin/run-ts.mjs scripts/bench_lab.ts
import { applyManipulation, defaultManipulation, KINDS } from '../src/lab/manipulations.ts';
import { runSweep } from '../src/lab/sweep.ts';
import { encodePngChw } from '../src/lab/png.ts';
import { measureImages, rankImages, windowIndices, windowTopography } from '../src/lab/measures.ts';
import os from 'node:os';
import montage from '../src/data/channels_10-05_63.json';

function image(S: number, seed: number) {
  const data = new Uint8Array(3 * S * S);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1664525 + 1013904223) >>> 0) >>> 24;
  return { data, size: S };
}

function median(xs: number[]): number {
  const a = [...xs].sort((p, q) => p - q);
  return a[Math.floor(a.length / 2)];
}

/** CPU time of this (single-threaded) process in ms: on a shared, loaded machine wall time mostly measures the other jobs. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Median wall and CPU ms of reps runs, after one warm-up (JIT, FFT plans), as "wall / cpu". */
function time(f: () => void, reps: number): string {
  f();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const c0 = cpuMs();
    f();
    cpu.push(cpuMs() - c0);
    wall.push(performance.now() - t0);
  }
  return `${median(wall).toFixed(1)} / ${median(cpu).toFixed(1)}`;
}

const img = image(256, 1);
// a different image every run: nothing computed for an earlier image (e.g. its spectrum) helps
const fresh = Array.from({ length: 10 }, (_, i) => image(256, 100 + i));
console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores; times are wall / CPU ms`);
console.log('preview of one 256 px image (median of 9; target <= 16 ms): a new image each time | the same image again (a slider move)');
for (const k of KINDS) {
  const m = defaultManipulation(k.kind);
  let n = 0;
  const first = time(() => applyManipulation(fresh[n++ % fresh.length], m), 9);
  console.log(`  ${k.kind.padEnd(16)} ${first.padEnd(12)} | ${time(() => applyManipulation(img, m), 9)}`);
}

const sources = Array.from({ length: 50 }, (_, i) => ({ id: `i${i}`, name: `img${i}.png`, image: image(256, i + 2) }));
console.log('10-step sweep over 50 images of 256 px, generation (target <= 2000 ms):');
for (const [label, m, param, from, to] of [
  ['contrast rms', { kind: 'contrast', rms: 0.1 }, 'rms', 0.02, 0.3],
  ['blur sigma', { kind: 'blur', sigma: 1 }, 'sigma', 0.5, 8],
  ['phase-scramble %', { kind: 'phase-scramble', percent: 0, seed: 1 }, 'percent', 0, 100],
] as const) {
  const t0 = performance.now();
  const c0 = cpuMs();
  const d = runSweep(sources, { manipulation: m, param, from, to, steps: 10, scale: 'linear' });
  const t1 = performance.now();
  const c1 = cpuMs();
  for (const x of d) encodePngChw(x.image.data, x.image.size, 0);
  const png = `${(performance.now() - t1).toFixed(0)} / ${(cpuMs() - c1).toFixed(0)}`;
  console.log(`  ${label.padEnd(18)} ${(t1 - t0).toFixed(0)} / ${(c1 - c0).toFixed(0)}  (${d.length} stimuli; + ${png} ms writing their PNGs for the gallery)`);
}

// 10,000 responses [4, 63, 140]: 100 distinct seeded blocks, each shared by 100 images (1.4 GB of
// distinct responses would not fit beside the other jobs); the work per image is the same
const distinct = Array.from({ length: 100 }, (_, b) => {
  const x = new Float32Array(4 * 63 * 140);
  let s = b + 7;
  for (let i = 0; i < x.length; i++) x[i] = ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  return x;
});
const blocks = Array.from({ length: 10_000 }, (_, i) => distinct[i % 100]);
const ch = montage.channels.map((c) => c.name);
const times = Array.from({ length: 140 }, (_, i) => Math.round(-100 + 5 * i) / 1000);
const d = { R: 4, C: 63, T: 140 };
console.log('ranking 10,000 images, measure + sort + top/bottom 10 (median of 5; target <= 100 ms):');
console.log(
  `  P1 mean amplitude   ${time(() => rankImages(measureImages(blocks, d, ch, times, { kind: 'mean', channels: ['O1', 'Oz', 'O2'], tmin: 0.08, tmax: 0.13 }), 10), 5)}`,
);
console.log(
  `  N1 peak latency     ${time(() => rankImages(measureImages(blocks, d, ch, times, { kind: 'peak-latency', channels: ['P7', 'P8', 'PO7', 'PO8'], tmin: 0.14, tmax: 0.2, polarity: 'negative' }), 10), 5)}`,
);
const ts = windowIndices(times, 0.14, 0.2);
const rows = ch.map((_, i) => i);
const target = windowTopography(distinct[0], d, rows, ts);
console.log(
  `  topography r (63 ch, 140-200 ms) ${time(() => rankImages(measureImages(blocks, d, ch, times, { kind: 'topography-similarity', channels: ch, tmin: 0.14, tmax: 0.2, target }), 10), 5)}`,
);
