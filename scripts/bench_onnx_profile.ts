// Where the onnx runtime's time goes: the engine's ONNX graph (src/engine/onnx_graph.ts, K = 250,
// four PCAs, every channel and time) on ONNX Runtime with its per-node profiler, weights seeded
// at random (speed does not depend on their values), session options as runtime_onnx.ts sets them
// unless overridden. Each node's time is its fastest over the timed runs, so that a run slowed by
// other processes on a shared CPU does not count; the sum of those is the graph's uncontended
// estimate, beside the fastest and mean whole runs.
//   node bin/run-ts.mjs scripts/bench_onnx_profile.ts [--batch 32] [--threads 2] [--spin 0] [--runs 5] [--top 12] [--level all]
//     [--mode sequential|parallel] [--inter 1] (parallel: independent nodes, such as a tap's projection and the next
//     convolution, run at once on --inter threads of --threads each)
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildEncoderGraph, encoderInitializers, INPUT_NAME, OUTPUT_NAME, type ExternalPlacement } from '../src/engine/onnx_graph.ts';
import { N_CHANNELS, N_TIMES } from '../src/core/types.ts';

const args = Object.fromEntries(
  process.argv.slice(2).reduce<string[][]>((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const B = Number(args.batch ?? 32);
const THREADS = Number(args.threads ?? 2);
const SPIN = String(args.spin ?? '0');
const RUNS = Number(args.runs ?? 5);
const TOP = Number(args.top ?? 12);
const LEVEL = String(args.level ?? 'all');
const MODE = String(args.mode ?? 'sequential');
const INTER = Number(args.inter ?? 1);
const K = 250;
const DIR = '.cache/onnx-profile';
const MAC_PER_IMAGE = 0.714e9 + 4 * K * 205_672 + 4 * K * 8820;

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const spec = { nComponents: K, sharedPca: false, rows: N_CHANNELS * N_TIMES };

// The data file: every initializer on a 64 KiB boundary, as runtime_onnx.ts writes it (written once).
const placement = new Map<string, ExternalPlacement>();
let end = 0;
for (const { name, dims } of encoderInitializers(spec)) {
  const offset = Math.ceil(end / 65536) * 65536;
  const length = 4 * dims.reduce((a, b) => a * b, 1);
  placement.set(name, { offset, length });
  end = offset + length;
}
mkdirSync(DIR, { recursive: true });
const data = join(DIR, `weights-k${K}.bin`);
if (!existsSync(data)) {
  console.error(`writing ${(end / 1e9).toFixed(2)} GB of random weights to ${data} (once)...`);
  const fd = openSync(data, 'w');
  let s = 1;
  for (const { name, dims } of encoderInitializers(spec)) {
    const { offset, length } = placement.get(name)!;
    const scale = 1 / Math.sqrt(dims.slice(1).reduce((a, b) => a * b, 1)); // (activations stay of order 1)
    const a = new Float32Array(length / 4);
    for (let i = 0; i < a.length; i++) a[i] = ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * 2 * scale;
    const bytes = new Uint8Array(a.buffer);
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, offset + done);
  }
  closeSync(fd);
}
const modelPath = join(DIR, `model-${process.pid}.onnx`);
writeFileSync(modelPath, buildEncoderGraph(spec, placement, `weights-k${K}.bin`));
const prefix = join(DIR, `profile-${process.pid}`);
const session = await ort.InferenceSession.create(modelPath, {
  intraOpNumThreads: THREADS,
  interOpNumThreads: INTER,
  executionMode: MODE,
  graphOptimizationLevel: LEVEL,
  enableProfiling: true,
  profileFilePrefix: prefix,
  extra: { session: { intra_op: { allow_spinning: SPIN } } },
});
rmSync(modelPath);

const input = new Uint8Array(B * 3 * 224 * 224);
for (let i = 0; i < input.length; i++) input[i] = Math.imul(i, 2654435761) >>> 24;
const feeds = () => ({ [INPUT_NAME]: new ort.Tensor('uint8', input, [B, 3, 224, 224]) });
await session.run(feeds()); // warm-up (the profile's first run is dropped below)
const seconds: number[] = [];
const cpu0 = process.cpuUsage();
for (let r = 0; r < RUNS; r++) {
  const t0 = performance.now();
  const out = await session.run(feeds());
  seconds.push((performance.now() - t0) / 1000);
  out[OUTPUT_NAME].dispose?.();
}
const cpu = process.cpuUsage(cpu0);
session.endProfiling();
const file = readdirSync(DIR).find((n) => join(DIR, n).startsWith(prefix) && n.endsWith('.json'))!;
const events = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Array<{ cat: string; name: string; dur: number; args: { op_name?: string } }>;
rmSync(join(DIR, file));
await session.release();

// Per node: its fastest timed run (the first run of each node in the profile is the warm-up).
const perNode = new Map<string, { op: string; us: number[] }>();
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const name = e.name.slice(0, -'_kernel_time'.length);
  const v = perNode.get(name) ?? { op: e.args.op_name ?? '?', us: [] };
  v.us.push(e.dur);
  perNode.set(name, v);
}
const nodes = [...perNode.entries()].map(([name, v]) => ({ name, op: v.op, ms: Math.min(...v.us.slice(1)) / 1000 })).sort((a, b) => b.ms - a.ms);
const total = nodes.reduce((a, n) => a + n.ms, 0);
const byOp = new Map<string, number>();
for (const n of nodes) byOp.set(n.op, (byOp.get(n.op) ?? 0) + n.ms);

const imgs = (s: number) => B / s;
const g = (ips: number) => ((ips * MAC_PER_IMAGE) / 1e9).toFixed(1);
const fastest = Math.min(...seconds);
const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
console.log(`onnx graph, K=${K}, batch ${B}, ${THREADS} thread(s), ${MODE} execution${MODE === 'parallel' ? ` on ${INTER} inter-op threads` : ''}, spinning ${SPIN}, optimisation ${LEVEL}, ${RUNS} timed runs`);
console.log(`whole runs: fastest ${imgs(fastest).toFixed(1)} img/s (${g(imgs(fastest))} G multiply-adds/s), mean ${imgs(mean).toFixed(1)} img/s; CPU time ${((cpu.user + cpu.system) / 1000 / (RUNS * B)).toFixed(1)} ms per image`);
console.log(`sum of each node's fastest run: ${total.toFixed(0)} ms per batch = ${imgs(total / 1000).toFixed(1)} img/s (${g(imgs(total / 1000))} G multiply-adds/s)`);
console.log(`by operator: ${[...byOp.entries()].sort((a, b) => b[1] - a[1]).map(([op, ms]) => `${op} ${((100 * ms) / total).toFixed(1)} %`).join(', ')}`);
for (const n of nodes.slice(0, TOP)) console.log(`  ${((100 * n.ms) / total).toFixed(1).padStart(5)} %  ${n.ms.toFixed(1).padStart(7)} ms  ${n.op.padEnd(14)} ${n.name}`);
process.exit(0);
