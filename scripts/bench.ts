// npm run bench: encoding throughput of BERG's pipeline (K = 250, 256x256 images) on every backend
// available here, as ratios to the PyTorch CPU reference measured in the same run.
//   npm run bench -- [--n 100] [--k 250] [--size 256] [--only node-onnx,cli,node-wasm,node-wasm-compact,node-cpu,browser-wasm,browser-webgl,browser-webgpu,webgpu-memory,playground,stats,lab,scale]
// 'cli' times whole processes (start to exit, weights loaded from disk) for 100 and 1,000 images:
// BERG's pipeline in PyTorch against `insilico-eeg encode` on each CPU runtime. The last lines
// give this CPU's FMA peak, measured by scripts/fma_peak.cpp, and the fraction of it each runtime
// reaches in steady state.
// Weights are random (seeded) but stored and loaded exactly like a converted subject.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { writeNpy } from '../src/io/npy.ts';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { generateAlexNetWeights } from '../src/engine/backbone_weights.ts';
import { selectBackend } from '../src/engine/backend.ts';
import { defaultBatchSize, disposeBackbone, encode, getEncodingModel, MODEL_ID, type Precision } from '../src/engine/index.ts';
import { writeRandomModel } from './bench_model.ts';
import { benchPlayground, describePlayground } from './bench_playground.ts';
import { harnessPage, modelFiles, opfsTiming } from './bench_opfs.ts';
import { directorySource } from '../src/io/source_node.ts';
import { enableWasmThreads, nodeLogicalCores } from '../src/engine/wasm_threads_node.ts';

const args = Object.fromEntries(
  process.argv.slice(2).reduce<string[][]>((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const N = Number(args.n ?? 100);
const K = Number(args.k ?? 250);
const SIZE = Number(args.size ?? 256);
const ONLY = args.only ? new Set(String(args.only).split(',')) : null;
const want = (name: string) => !ONLY || ONLY.has(name);
const MODELS = '.cache/bench-models';
const MODELS_F16 = '.cache/bench-models-f16'; // the same weights stored as float16 (convert --dtype float16)
const MODELS_COMPACT = '.cache/bench-models-compact'; // repetitions sharing most of a basis, with the compact form (convert --compact)
const modelDir = join(MODELS, MODEL_ID, 'sub-01');
// full batches timed for a Node runtime's steady state
const STEADY_BATCHES = 12;

interface Row {
  name: string;
  images: number;
  imgPerS: number | null;
  /** img/s of the fastest full batch after the first (Node runtimes) */
  bestBatchImgPerS?: number;
  /** img/s of the median full batch of a run of STEADY_BATCHES batches after the first (Node runtimes) */
  steadyImgPerS?: number;
  coldStartS?: number;
  loadS?: number;
  note: string;
}
const rows: Row[] = [];

function images(n: number): Uint8Array {
  const a = new Uint8Array(n * 3 * SIZE * SIZE);
  let s = 12345;
  for (let i = 0; i < a.length; i++) a[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
  return a;
}

async function writeBenchModel(dir = MODELS, dtype: 'float32' | 'float16' = 'float32', compact = false): Promise<void> {
  const stamp = join(dir, `k${K}.done`);
  if (existsSync(stamp) && existsSync(join(dir, MODEL_ID, 'sub-01', 'manifest.json'))) return;
  rmSync(dir, { recursive: true, force: true });
  console.error(`writing a K=${K} per-repetition ${dtype} model${compact ? ' with its compact form' : ''} to ${dir} (once)...`);
  await writeRandomModel(dir, K, dtype, 'bench', compact ? {} : undefined);
  execFileSync('touch', [stamp]);
}

function pytorch(threads: number): Row {
  const name = `pytorch-cpu (${threads === 0 ? 'default threads' : threads + ' threads'})`;
  try {
    const out = execFileSync('/usr/bin/python3', ['tools/reference/bench_torch.py', '--n', String(N), '--size', String(SIZE), '--k', String(K), '--threads', String(threads)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    return { name, images: N, imgPerS: r.img_per_s, loadS: r.load_seconds, note: `torch ${r.torch}, ${r.threads} thread(s)` };
  } catch (e) {
    return { name, images: 0, imgPerS: null, note: `not measured (${(e as Error).message.split('\n')[0]}); needs Debian python3-torch` };
  }
}

/** Each Node backend runs in its own process, so one's memory does not weigh on the next. */
function nodeRow(device: 'onnx' | 'wasm' | 'cpu', n: number, precision: Precision = 'exact'): Row {
  try {
    const out = execFileSync(process.execPath, ['bin/run-ts.mjs', 'scripts/bench.ts', '--child', device, '--precision', precision, '--n', String(n), '--k', String(K), '--size', String(SIZE)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    return JSON.parse(out.trim().split('\n').pop()!);
  } catch (e) {
    return { name: `node ${device}${precision === 'compact' ? ', compact' : ''}`, images: 0, imgPerS: null, note: `failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

/**
 * GPU memory of one subject on WebGPU, exact and compact: TF.js's WebGPU backend in Node through
 * Dawn (scripts/bench_webgpu.ts). Sizes do not depend on the adapter, so SwiftShader (Chromium's
 * Vulkan ICD) measures them here; timings on it mean nothing and are not shown.
 */
function webgpuMemory(precision: Precision, batch: number): Row {
  const name = `webgpu memory, ${precision}`;
  try {
    const out = execFileSync(
      process.execPath,
      ['bin/run-ts.mjs', 'scripts/bench_webgpu.ts', '--allow-software', '--k', String(K), '--batches', String(batch), '--n', String(batch), '--min-calls', '1', '--latency-runs', '1', '--warmup-s', '0', '--precision', precision],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? '/usr/lib/chromium/vk_swiftshader_icd.json' } },
    );
    const records = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const load = records.find((r) => r.kind === 'load');
    const peak = records.find((r) => r.kind === 'peak_memory');
    const mb = (mib: number) => `${((mib * 2 ** 20) / 1e6).toFixed(0)} MB`;
    const err = load?.compact_error ? `, compact error ${load.compact_error.relative.toExponential(2)} of max on ${load.compact_error.probe_images} probe images` : '';
    return {
      name,
      images: 0,
      imgPerS: null,
      note: `resident tensors ${mb(peak.resident_mib)}; encoding ${batch} images: peak tensors ${mb(peak.peak_mib)}, GPU buffers allocated ${mb(peak.gpu_allocated_mib)}${err}`,
    };
  } catch (e) {
    return { name, images: 0, imgPerS: null, note: `failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

async function nodeBackend(device: 'onnx' | 'wasm' | 'cpu', n: number, precision: Precision): Promise<Row> {
  enableWasmThreads();
  const choice = await selectBackend(device, { wasmThreads: nodeLogicalCores() });
  disposeBackbone();
  let t0 = performance.now();
  generateAlexNetWeights(); // (JS only; the load below generates them again)
  const genS = (performance.now() - t0) / 1000;
  // The backbone is timed inside the load (generated and uploaded there): uploaded and disposed
  // apart, it would leave a hole in the wasm heap that the memory column would then include.
  let backboneStart = 0;
  let coldStartS = 0;
  const onProgress = (p: { stage: string; done: number }) => {
    if (p.stage !== 'backbone') return;
    if (p.done === 0) backboneStart = performance.now();
    else coldStartS = (performance.now() - backboneStart) / 1000;
  };
  t0 = performance.now();
  const dir = precision === 'compact' ? join(MODELS_COMPACT, MODEL_ID, 'sub-01') : modelDir;
  const model = await getEncodingModel(MODEL_ID, 1, { source: directorySource(dir), device, precision, wasmThreads: nodeLogicalCores(), onProgress });
  const loadS = (performance.now() - t0) / 1000 - coldStartS;
  const tensorsAfterLoad = device === 'onnx' ? 0 : tf.memory().numBytes; // (onnx: no TF.js backend)
  const batch = device === 'cpu' ? n : defaultBatchSize(device);
  const data = images(n);
  await encode(model, { data: data.subarray(0, Math.min(batch, n) * 3 * SIZE * SIZE), shape: [Math.min(batch, n), 3, SIZE, SIZE] }, { batchSize: batch }); // warm-up
  // Each batch's end, for the best full batch: on a shared CPU the mean over all batches says as
  // much about the other processes as about the runtime.
  const ends: Array<{ t: number; b: number }> = [];
  t0 = performance.now();
  await encode(model, { data, shape: [n, 3, SIZE, SIZE] }, { batchSize: batch, onBatch: (_start, r) => void ends.push({ t: performance.now(), b: r.shape[0] }) });
  const s = (performance.now() - t0) / 1000;
  const rates = batchRates(ends, batch);
  const bestBatch = rates.length ? Math.max(...rates) : undefined;
  // Memory: the model's tensors, the wasm heap (tensors plus XNNPACK's packed weight copies and
  // scratch; a wasm heap never shrinks, so this is its peak) and the process RSS.
  const heap = device === 'onnx' ? undefined : (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.buffer.byteLength;
  const gb = (b: number) => (b / 1e9).toFixed(2);
  const rss = `RSS ${gb(process.memoryUsage().rss)} GB (peak ${gb(process.resourceUsage().maxRSS * 1024)} GB)`;
  const mem = device === 'onnx' ? rss : `tensors ${gb(tensorsAfterLoad)} GB${heap ? `, wasm heap ${gb(heap)} GB` : ''}, ${rss}`;
  // The steady state: the median batch of a longer run (STEADY_BATCHES full batches after the
  // first), after the memory readings above, which are those of the n images
  let steady: number | undefined;
  if (device !== 'cpu') {
    const more: Array<{ t: number; b: number }> = [];
    await encode(model, { data: images((STEADY_BATCHES + 1) * batch), shape: [(STEADY_BATCHES + 1) * batch, 3, SIZE, SIZE] }, { batchSize: batch, onBatch: (_start, r) => void more.push({ t: performance.now(), b: r.shape[0] }) });
    const r = batchRates(more, batch).sort((a, b) => a - b);
    steady = r.length ? (r[(r.length - 1) >> 1] + r[r.length >> 1]) / 2 : undefined;
  }
  model.dispose();
  disposeBackbone();
  const err = model.compact?.error ? `, compact error ${model.compact.error.relative.toExponential(2)} of max` : '';
  const note = device === 'onnx' ? model.backendNote : choice.note;
  const best = bestBatch ? `, fastest batch ${bestBatch.toFixed(1)} img/s` : '';
  const median = steady ? `, steady state ${steady.toFixed(1)} img/s (median of ${STEADY_BATCHES} batches)` : '';
  return {
    name: `node ${device}${precision === 'compact' ? ', compact' : ''}`,
    images: n,
    imgPerS: n / s,
    bestBatchImgPerS: bestBatch,
    steadyImgPerS: steady,
    coldStartS,
    loadS,
    note: `${note}, batch ${batch}${best}${median}, backbone generation ${genS.toFixed(2)} s, ${mem}${err}`,
  };
}

/**
 * Loading a subject from browser storage (OPFS), where the playground keeps imported subjects,
 * as a user meets it: a fresh page whose backbone is ready. The folder is first copied into the
 * store as an import leaves it (not timed).
 */
async function opfsLoad(browser: import('playwright-core').Browser, models: string, what: string): Promise<Row> {
  const name = `chromium wasm, OPFS ${what}`;
  let page: import('playwright-core').Page | undefined;
  try {
    page = await harnessPage(browser, 'http://localhost:5175');
    const r = await opfsTiming(page, modelFiles(models), `/${join(models, MODEL_ID)}/`, 'load');
    const parts = `shards read in ${r.read!.toFixed(2)} s, then ${r.upload!.toFixed(2)} s to the backend`;
    return { name, images: 0, imgPerS: null, loadS: r.load, note: `${r.note}, a fresh page loads the subject from browser storage (${parts})` };
  } catch (e) {
    return { name, images: 0, imgPerS: null, note: `failed: ${(e as Error).message.split('\n')[0].slice(0, 160)}` };
  } finally {
    await page?.close();
  }
}

async function browserBackends(devices: string[]): Promise<Row[]> {
  const out: Row[] = [];
  const server = await createServer({ server: { port: 5175, strictPort: true }, logLevel: 'error' });
  await server.listen();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-unsafe-webgpu', '--headless=new'],
  });
  try {
    for (const device of devices) {
      const n = device === 'wasm' ? N : 2;
      const page = await browser.newPage();
      try {
        await page.goto('http://localhost:5175/e2e/parity/index.html');
        await page.waitForFunction(() => (window as any).parityReady === true, null, { timeout: 120_000 });
        const r = await page.evaluate(
          async ({ device, n, size, url }) => {
            const P = (window as any).parity;
            const choice = await P.selectBackend(device, { wasmPaths: P.wasmPaths });
            // the backbone built first, as the playground does (prepareBackbone keeps it for the load)
            let t0 = performance.now();
            await P.engine.prepareBackbone({ device, wasmPaths: P.wasmPaths });
            const cold = (performance.now() - t0) / 1000;
            t0 = performance.now();
            const model = await P.engine.getEncodingModel(P.engine.MODEL_ID, 1, { source: P.engine.urlSource(url), device });
            const load = (performance.now() - t0) / 1000;
            const data = new Uint8Array(n * 3 * size * size).map((_: number, i: number) => (i * 2654435761) >>> 24);
            const batch = device === 'wasm' ? P.engine.defaultBatchSize('wasm') : n;
            await P.engine.encode(model, { data: data.subarray(0, Math.min(batch, n) * 3 * size * size), shape: [Math.min(batch, n), 3, size, size] }, { batchSize: batch });
            t0 = performance.now();
            await P.engine.encode(model, { data, shape: [n, 3, size, size] }, { batchSize: batch });
            const s = (performance.now() - t0) / 1000;
            model.dispose();
            return { note: choice.note, cold, load, imgPerS: n / s, batch };
          },
          { device, n, size: SIZE, url: `/${MODELS}/${MODEL_ID}/sub-01/` },
        );
        out.push({ name: `chromium ${device}`, images: n, imgPerS: r.imgPerS, coldStartS: r.cold, loadS: r.load, note: `${r.note}, batch ${r.batch}, load over HTTP` });
      } catch (e) {
        out.push({ name: `chromium ${device}`, images: 0, imgPerS: null, note: `failed: ${(e as Error).message.split('\n')[0].slice(0, 160)}` });
      } finally {
        await page.close();
      }
      if (device === 'wasm') {
        await writeBenchModel(MODELS_F16, 'float16');
        out.push(await opfsLoad(browser, MODELS, 'float32'), await opfsLoad(browser, MODELS_F16, 'float16'));
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return out;
}

/** Wall time and peak RSS (GNU time's %M) of a whole process. */
function wholeProcess(cmd: string, argv: string[]): { s: number; rssGB: number | null; stdout: string } {
  const stats = join(tmpdir(), `insilico-bench-time-${process.pid}`);
  const timed = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const stdout = execFileSync(timed ? '/usr/bin/time' : cmd, timed ? ['-f', '%M', '-o', stats, cmd, ...argv] : argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
  const s = (performance.now() - t0) / 1000;
  const rssGB = timed ? (Number(readFileSync(stats, 'utf8').trim().split('\n').pop()) * 1024) / 1e9 : null;
  if (timed) rmSync(stats, { force: true });
  return { s, rssGB, stdout };
}

/** The same pseudo-random images as a uint8 .npy for the CLI (written once per size). */
function imagesFile(n: number): string {
  const path = `.cache/bench-images-${n}x${SIZE}.npy`;
  if (!existsSync(path)) writeFileSync(path, writeNpy([n, 3, SIZE, SIZE], images(n)));
  return path;
}

/** Whole processes, start to exit: PyTorch's pipeline and `insilico-eeg encode` on a runtime. */
function wholeRows(n: number): Row[] {
  const out: Row[] = [];
  const gb = (r: number | null) => (r == null ? '' : `, peak RSS ${r.toFixed(2)} GB`);
  try {
    const r = wholeProcess('/usr/bin/python3', ['tools/reference/bench_torch.py', '--n', String(n), '--size', String(SIZE), '--k', String(K)]);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
    out.push({ name: `whole: pytorch-cpu, ${n}`, images: n, imgPerS: n / r.s, note: `${r.s.toFixed(1)} s start to exit (torch import, random weights made in memory), ${j.threads} thread(s)${gb(r.rssGB)}` });
  } catch (e) {
    out.push({ name: `whole: pytorch-cpu, ${n}`, images: 0, imgPerS: null, note: `not measured (${(e as Error).message.split('\n')[0]})` });
  }
  const input = imagesFile(n);
  for (const device of ['onnx', 'wasm']) {
    const name = `whole: cli ${device}, ${n}`;
    const dest = join(tmpdir(), `insilico-bench-${process.pid}-${device}.npy`);
    try {
      const r = wholeProcess(process.execPath, ['bin/insilico-eeg.mjs', 'encode', '--model', modelDir, '--images', input, '--out', dest, '--device', device, '--quiet']);
      out.push({ name, images: n, imgPerS: n / r.s, note: `${r.s.toFixed(1)} s start to exit (weights read from disk and checked)${gb(r.rssGB)}` });
    } catch (e) {
      out.push({ name, images: 0, imgPerS: null, note: `failed: ${(e as Error).message.split('\n')[0].slice(0, 160)}` });
    } finally {
      for (const f of [dest, dest + '.json']) rmSync(f, { force: true });
    }
  }
  return out;
}

/**
 * The estimate of this CPU's fp32 FMA peak: cores x clock x FMA units per core x lanes (16 with
 * AVX-512, 8 with AVX2), one multiply-add per lane and cycle. lscpu shows neither the FMA units
 * per core (BENCH_FMA_UNITS, default 2) nor a turbo clock: the nominal clock from /proc/cpuinfo
 * is used. Only for when the peak cannot be measured (no g++).
 */
function estimatedFmaPeak(): { macPerS: number; formula: string } {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const flags = new Set((info.match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/));
  const lanes = flags.has('avx512f') ? 16 : flags.has('fma') && flags.has('avx2') ? 8 : 4;
  const isa = lanes === 16 ? 'AVX-512' : lanes === 8 ? 'AVX2' : 'SSE';
  const ghz = Math.max(...[...info.matchAll(/^cpu MHz\s*:\s*([\d.]+)/gm)].map((m) => Number(m[1]))) / 1000;
  const units = Number(process.env.BENCH_FMA_UNITS ?? 2);
  const cores = nodeLogicalCores();
  const macPerS = cores * ghz * 1e9 * units * lanes;
  return { macPerS, formula: `${cores} cores x ${ghz.toFixed(2)} GHz x ${units} ${isa} FMA units x ${lanes} fp32 lanes = ${(macPerS / 1e9).toFixed(1)} G multiply-adds/s` };
}

/**
 * This CPU's fp32 FMA peak, measured: scripts/fma_peak.cpp compiled here with g++ -O2
 * -march=native (once per source change, into .cache/) and run on 1 thread and on every core.
 * Without g++ (or when it fails), the estimate above, and the output says so.
 */
function fmaPeak(): { macPerS: number; formula: string } {
  const cores = nodeLogicalCores();
  const src = 'scripts/fma_peak.cpp';
  const bin = '.cache/fma_peak';
  try {
    if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
      mkdirSync('.cache', { recursive: true });
      execFileSync('g++', ['-O2', '-march=native', '-pthread', '-o', bin, src], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
    const out = execFileSync(bin, ['1', String(cores)], { encoding: 'utf8' });
    const r = out.trim().split('\n').map((l) => JSON.parse(l) as { threads: number; mac_per_s: number; isa: string; tries: number });
    const all = r[r.length - 1];
    const g = (x: number) => `${(x / 1e9).toFixed(1)} G`;
    // (below 1.5 x one thread on 2 or more: the cores were never all free at once while it ran)
    const busy = all.threads > 1 && all.mac_per_s < 1.5 * r[0].mac_per_s ? ` (other processes held the cores throughout ${all.tries} tries: the ${all.threads}-thread figure is low, run again when the CPU is quieter)` : '';
    return { macPerS: all.mac_per_s, formula: `measured (${src}, ${all.isa} FMA chains): 1 thread ${g(r[0].mac_per_s)}, ${all.threads} threads ${g(all.mac_per_s)} multiply-adds/s${busy}` };
  } catch (e) {
    const est = estimatedFmaPeak();
    return { macPerS: est.macPerS, formula: `not measured (${(e as Error).message.split('\n')[0].slice(0, 80)}; needs g++), estimated: ${est.formula}` };
  }
}

/** img/s of each full batch after the first, from each batch's end time. */
function batchRates(ends: Array<{ t: number; b: number }>, batch: number): number[] {
  return ends.slice(1).flatMap((e, i) => (e.b === batch ? [(1000 * e.b) / (e.t - ends[i].t)] : []));
}

/** Multiply-adds per image: AlexNet's (0.71 G) and the PCA's (4 x 250 x 205,672) and regressions. */
const MAC_PER_IMAGE = 0.714e9 + 4 * K * 205_672 + 4 * K * 8820;

tf.env().set('PROD', true);
if (args.child) {
  console.log(JSON.stringify(await nodeBackend(args.child as 'onnx' | 'wasm' | 'cpu', N, (args.precision ?? 'exact') as Precision)));
  process.exit(0);
}
await writeBenchModel();
const torchRows = [pytorch(0), pytorch(2)];
rows.push(...torchRows);
if (want('node-onnx')) rows.push(nodeRow('onnx', N));
if (want('node-wasm')) rows.push(nodeRow('wasm', N));
if (want('node-wasm-compact')) {
  await writeBenchModel(MODELS_COMPACT, 'float32', true);
  rows.push(nodeRow('wasm', N, 'compact'));
}
if (want('node-cpu')) rows.push(nodeRow('cpu', Math.min(N, 4)));
// Chromium's GPU backends only when asked for (--only browser-webgl,browser-webgpu): without a GPU
// they run on SwiftShader, where a K=250 model takes many minutes per image.
const browserDevices = ['wasm', 'webgl', 'webgpu'].filter((d) => (d === 'wasm' ? want('browser-wasm') : ONLY?.has(`browser-${d}`)));
if (browserDevices.length) rows.push(...(await browserBackends(browserDevices)));
if (want('webgpu-memory')) rows.push(webgpuMemory('exact', 8), webgpuMemory('compact', 8));

const ref = torchRows[0].imgPerS;
const ref2 = torchRows[1].imgPerS;
console.log(`\nBERG eeg-things_eeg_2-alexnet_untrained, K=${K}, ${SIZE}x${SIZE} images; ratios to PyTorch CPU measured in this run\n`);
console.log('backend                          images   img/s   x torch(default)  x torch(2 thr)  cold start  load     note');
for (const r of rows) {
  const f = (v: number | null | undefined, d = 2) => (v == null ? '-' : v.toFixed(d));
  console.log(
    `${r.name.padEnd(32)} ${String(r.images).padStart(6)} ${f(r.imgPerS, 1).padStart(7)}  ${(r.imgPerS && ref ? (r.imgPerS / ref).toFixed(2) + 'x' : '-').padStart(16)}  ${(r.imgPerS && ref2 ? (r.imgPerS / ref2).toFixed(2) + 'x' : '-').padStart(14)}  ${(f(r.coldStartS) + ' s').padStart(10)}  ${(f(r.loadS) + ' s').padStart(7)}  ${r.note}`,
  );
}
if (want('cli')) {
  const whole = [...wholeRows(100), ...wholeRows(1000)];
  console.log('\nwhole processes, start to exit (ratios to PyTorch whole process with the same images)');
  for (const r of whole) {
    const torch = whole.find((t) => t.images === r.images && t.name.startsWith('whole: pytorch'))?.imgPerS;
    const x = r.imgPerS && torch ? `${(r.imgPerS / torch).toFixed(2)}x` : '-';
    console.log(`${r.name.padEnd(32)} ${String(r.images).padStart(6)} ${(r.imgPerS ? r.imgPerS.toFixed(1) : '-').padStart(7)}  ${x.padStart(7)}  ${r.note}`);
  }
}
const peak = fmaPeak();
const peakImgPerS = peak.macPerS / MAC_PER_IMAGE;
console.log(`\nFMA peak of this CPU: ${peak.formula}; at ${(MAC_PER_IMAGE / 1e9).toFixed(2)} G multiply-adds per image: ${peakImgPerS.toFixed(0)} img/s`);
for (const r of rows) {
  if (!r.imgPerS || r.images === 0) continue;
  const steady = r.steadyImgPerS ? `; steady state ${r.steadyImgPerS.toFixed(1)} img/s = ${(r.steadyImgPerS / peakImgPerS).toFixed(2)} [target 0.6]` : '';
  const best = r.bestBatchImgPerS ? `; fastest batch ${r.bestBatchImgPerS.toFixed(1)} img/s = ${(r.bestBatchImgPerS / peakImgPerS).toFixed(2)}` : '';
  console.log(`  ${r.name.padEnd(30)} ${r.imgPerS.toFixed(1).padStart(6)} img/s = ${((r.imgPerS * MAC_PER_IMAGE) / 1e9).toFixed(1).padStart(5)} G multiply-adds/s = ${(r.imgPerS / peakImgPerS).toFixed(2)} of the peak${steady}${best}`);
}
// The playground with the demo subject: time to ready, main-thread tasks while encoding, view updates.
if (want('playground')) {
  console.log('');
  for (const r of await benchPlayground({ images: 24, backend: 'wasm', runs: 2 })) console.log(describePlayground(r));
}
// The statistics (issue targets: cluster test, decoding, generalisation) and the stimulus lab
// (previews, sweeps, ranking), and the playground at scale (1,000 images through the page against
// the CLI), each in its own process so their timings see an idle heap.
for (const [name, script] of [['stats', 'scripts/bench_stats.ts'], ['lab', 'scripts/bench_lab.ts'], ['scale', 'scripts/bench_scale.ts']] as const) {
  if (!want(name)) continue;
  console.log('');
  execFileSync(process.execPath, ['bin/run-ts.mjs', script], { stdio: 'inherit' });
}
process.exit(0);
