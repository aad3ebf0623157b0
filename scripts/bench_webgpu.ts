// WebGPU benchmark in Node through Dawn (the `webgpu` package): TF.js's webgpu backend on a real
// GPU, timing the public path (getEncodingModel + encode) on a random K-component model folder.
//   node bin/run-ts.mjs scripts/bench_webgpu.ts [--k 250] [--batches 1,8,32,64,128] [--n 256] [--check]
// Here (no GPU) it runs on SwiftShader with tiny sizes:
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node bin/run-ts.mjs scripts/bench_webgpu.ts \
//     --allow-software --k 8 --batches 1,2 --n 2 --latency-runs 2 --check
// For a machine without Node or npm, scripts/gpu/build.sh bundles this file into .gpu/ and
// scripts/gpu/run_remote.sh runs it there.
//
// Options
//   --k N               PCA components of the random model (default 250, as BERG)
//   --dtype float32|float16   how the random model's big matrices are stored (default float32)
//   --precision exact|compact  load the model exactly (default) or in its compact form (the folder is
//                       then written with one, its error measured on the wasm backend first)
//   --size S            image side, uint8 [B,3,S,S] (default 256)
//   --batches LIST      batch sizes (default 1,8,32,64,128)
//   --n N               images encoded per batch size, rounded up to whole batches (default 256)
//   --min-calls N       at least this many timed encode calls per batch size (default 3)
//   --latency-runs N    timed calls at batch size 1, for the median latency (default 50)
//   --check             parity first: BERG fixture layout-b subject 1 vs PyTorch goldens (<= 1e-4 x max|ref|)
//   --data DIR          root holding test/fixtures/berg/layout-b and test/golden (default: current folder)
//   --tmp DIR           where the temporary model folders go (default: the OS temp folder)
//   --timeout-s T       stop measuring after T seconds and report what was measured; hard exit at T+30 s
//   --allow-software    accept a software adapter (SwiftShader); otherwise such an adapter is an error
//   --dawn OPTS         comma-separated options for Dawn's create(), e.g. backend=vulkan
//   --flags K=V,...     TF.js environment flags, e.g. WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=30
//   --no-peak           skip the profiled encode that measures peak tensor bytes
//   --warmup-s T        encode for T seconds before measuring (default 3): GPU and host clocks ramp
//                       up under load, and the first seconds otherwise read up to 2x slower
//   --profile LIST      batch sizes to profile: the GPU time of every kernel (timestamp queries; pass
//                       --dawn enable-dawn-features=allow_unsafe_apis,disable-dawn-features=timestamp_quantization
//                       for exact times) and the wall time of each stage (input, AlexNet, PCA, regression, read)
//   --variants SPEC     TF.js flag sets measured against each other in one run, e.g.
//                       'im2col:WEBGPU_CONV_SEPARATE_IM2COL_SHADER=true;submit:WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=1000+X=1'
//                       ('base', the flags as started, is measured first and last)
//   --variant-batches LIST   batch sizes for --variants (default 1,32)
// Per batch size: timed calls of one batch each (latency; no overlap between calls), then one call
// streaming max(n, 4 x batch) images in batches of that size (throughput as the CLI runs a folder).
// Output: one JSON object per line on stdout for each measurement, a table at the end; progress on stderr.
// Exit codes: 0 ok; 1 setup error (no adapter, backend is not webgpu); 2 software adapter without
// --allow-software; 3 parity check failed; 5 measurement error; 137 (SIGKILL) hard timeout at --timeout-s + 30 s.

import { create, globals } from 'webgpu';

// ---------- state the exit paths use ----------

interface Row {
  batch: number;
  images: number;
  calls: number;
  imgPerS: number;
  msPerBatch: number;
  medianMs: number;
  firstMs: number;
  preprocessMsPerImg: number;
  /** Images per second when one encode call streams many batches of this size. */
  streamImgPerS: number | null;
  gpuAllocMib: number | null;
  truncated: boolean;
}
const rows: Row[] = [];
let peak: Record<string, unknown> | null = null;
let modelLoadS = NaN;
let adapterName = '';

// temporary folders, removed on any exit
const tempDirs: string[] = [];
let rmSyncFn: ((p: string, o: { recursive: boolean; force: boolean }) => void) | null = null;
function cleanup(): void {
  for (const d of tempDirs.splice(0)) {
    try {
      rmSyncFn?.(d, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
}
process.on('exit', cleanup);

// ---------- arguments ----------

const argv = process.argv.slice(2);
const BOOL_FLAGS = new Set(['check', 'allow-software', 'no-peak', 'help']);
const opts: Record<string, string> = {};
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (!a.startsWith('--')) fail(1, `unexpected argument '${a}'`);
  const key = a.slice(2);
  if (BOOL_FLAGS.has(key)) opts[key] = 'true';
  else if (i + 1 < argv.length) opts[key] = argv[++i];
  else fail(1, `--${key} needs a value`);
}
if (opts.help) {
  console.log('see the comment at the top of scripts/bench_webgpu.ts for the options');
  process.exit(0);
}
const KNOWN = ['k', 'dtype', 'precision', 'size', 'batches', 'n', 'min-calls', 'latency-runs', 'data', 'tmp', 'timeout-s', 'dawn', 'flags', 'profile', 'variants', 'variant-batches', 'warmup-s', ...BOOL_FLAGS];
for (const k of Object.keys(opts)) if (!KNOWN.includes(k)) fail(1, `unknown option --${k}`);

function intOpt(name: string, def: number, min = 1): number {
  const v = opts[name] === undefined ? def : Number(opts[name]);
  if (!Number.isInteger(v) || v < min) fail(1, `--${name} must be an integer >= ${min}; got '${opts[name]}'`);
  return v;
}
const K = intOpt('k', 250);
const SIZE = intOpt('size', 256, 8);
const N = intOpt('n', 256);
const MIN_CALLS = intOpt('min-calls', 3);
const LATENCY_RUNS = intOpt('latency-runs', 50);
const DTYPE = (opts.dtype ?? 'float32') as 'float32' | 'float16';
if (DTYPE !== 'float32' && DTYPE !== 'float16') fail(1, `--dtype must be float32 or float16`);
const PRECISION = (opts.precision ?? 'exact') as 'exact' | 'compact';
if (PRECISION !== 'exact' && PRECISION !== 'compact') fail(1, `--precision must be exact or compact`);
function batchList(name: string, def: string): number[] {
  const list = (opts[name] ?? def).split(',').filter(Boolean).map((s) => Number(s.trim()));
  if (list.some((b) => !Number.isInteger(b) || b < 1)) fail(1, `--${name} must list positive integers; got '${opts[name]}'`);
  return list;
}
const BATCHES = batchList('batches', '1,8,32,64,128');
const PROFILE_BATCHES = batchList('profile', '');
const VARIANT_BATCHES = batchList('variant-batches', '1,32');
/** --variants: [name, flag assignments][] */
const VARIANTS: Array<[string, string[]]> = (opts.variants ?? '')
  .split(';')
  .filter(Boolean)
  .map((v) => {
    const [name, flags] = v.split(':');
    if (!name || !flags) fail(1, `--variants: '${v}' is not name:FLAG=V+FLAG=V`);
    return [name.trim(), flags.split('+').filter(Boolean)];
  });
const CHECK = Boolean(opts.check);
const ALLOW_SOFTWARE = Boolean(opts['allow-software']);
const PEAK = !opts['no-peak'];
const WARMUP_S = opts['warmup-s'] === undefined ? 3 : Number(opts['warmup-s']);
if (!(WARMUP_S >= 0)) fail(1, `--warmup-s must be a number of seconds`);
const TIMEOUT_S = opts['timeout-s'] === undefined ? 0 : Number(opts['timeout-s']);
if (!(TIMEOUT_S >= 0)) fail(1, `--timeout-s must be a number of seconds`);
const DAWN_OPTS = opts.dawn ? opts.dawn.split(',').filter(Boolean) : [];
const TF_FLAGS = opts.flags ? opts.flags.split(',').filter(Boolean) : [];

// ---------- output ----------

const t00 = performance.now();
const elapsedS = () => (performance.now() - t00) / 1000;
const deadline = TIMEOUT_S > 0 ? t00 + TIMEOUT_S * 1000 : Infinity;
const timeLeft = () => deadline - performance.now();
const records: Record<string, unknown>[] = [];

function emit(kind: string, fields: Record<string, unknown>): void {
  const rec = { bench: 'webgpu', kind, t_s: round(elapsedS(), 3), ...fields };
  records.push(rec);
  console.log(JSON.stringify(rec));
}
function log(msg: string): void {
  console.error(`[${elapsedS().toFixed(1).padStart(6)} s] ${msg}`);
}
function fail(code: number, msg: string): never {
  console.error(`bench_webgpu: error: ${msg}`);
  try {
    console.log(JSON.stringify({ bench: 'webgpu', kind: 'error', exit_code: code, message: msg }));
  } catch {
    // stdout closed
  }
  cleanup();
  process.exit(code);
}
function round(v: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mib = (b: number | undefined) => (b == null ? null : round(b / 2 ** 20, 1));

for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => fail(130, `stopped by ${sig}`));

// hard stop: a hung GPU call must not eat the whole lease
if (TIMEOUT_S > 0) {
  setTimeout(() => {
    printTable();
    const msg = `hard timeout: ${TIMEOUT_S} s + 30 s passed; results above are what was measured`;
    console.error(`bench_webgpu: error: ${msg}`);
    console.log(JSON.stringify({ bench: 'webgpu', kind: 'error', exit_code: 137, message: msg }));
    cleanup();
    // an orderly exit with GPU work in flight can crash inside Dawn; stdout and stderr are flushed by now
    process.kill(process.pid, 'SIGKILL');
  }, (TIMEOUT_S + 30) * 1000).unref();
}

// ---------- Dawn before anything loads TF.js's webgpu backend ----------

Object.assign(globalThis, globals);
const gpu = create(DAWN_OPTS);
Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });

const SOFTWARE_GPU = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i;
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) {
  fail(1, 'Dawn found no WebGPU adapter (Vulkan loader, libglvnd and the ICD: check VK_ICD_FILENAMES / VK_DRIVER_FILES and ldconfig -p | grep -e libvulkan -e libGLX)');
}
const info = (adapter as GPUAdapter & { info: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).info;
const adapterDesc = {
  vendor: info.vendor,
  architecture: info.architecture,
  device: info.device,
  description: info.description,
  is_fallback: Boolean(info.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter),
  max_buffer_mib: mib(adapter.limits.maxBufferSize),
  max_storage_binding_mib: mib(adapter.limits.maxStorageBufferBindingSize),
  features: [...adapter.features].sort(),
};
const software = adapterDesc.is_fallback || SOFTWARE_GPU.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
emit('adapter', { ...adapterDesc, software, node: process.version, platform: `${process.platform}-${process.arch}`, dawn_options: DAWN_OPTS });
adapterName = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ');
log(`adapter: ${adapterName}${software ? ' (SOFTWARE)' : ''}`);
if (software && !ALLOW_SOFTWARE) {
  fail(2, `the adapter is a software renderer (${info.description || info.architecture}); pass --allow-software to benchmark it anyway`);
}

// ---------- the engine (imported only now, after navigator.gpu exists) ----------

const { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, existsSync, writeFileSync } = await import('node:fs');
const { gunzipSync } = await import('node:zlib');
rmSyncFn = rmSync;
const { tmpdir } = await import('node:os');
const { join, resolve } = await import('node:path');
const tf = await import('@tensorflow/tfjs-core');
const { selectBackend } = await import('../src/engine/backend.ts');
const { generateAlexNetWeights } = await import('../src/engine/backbone_weights.ts');
const { uploadAlexNet, alexnetTaps, alexnetFeaturesChannelMajor } = await import('../src/engine/alexnet.ts');
const { preprocess, bytesForDevice, networkInput, normalisationTable } = await import('../src/engine/preprocess.ts');
const { uploadEncoder, project, regress, selectionRows } = await import('../src/engine/encoder.ts');
const engine = await import('../src/engine/index.ts');
const { writeRandomModel } = await import('./bench_model.ts');
const { directorySource } = await import('../src/io/source_node.ts');
const { convertBergSubject } = await import('../src/convert/convert.ts');
const { parseNpy } = await import('../src/io/npy.ts');
const { MODEL_ID, N_CHANNELS, N_FEATURES, N_TIMES, N_REPETITIONS, encode, getEncodingModel } = engine;

tf.env().set('PROD', true);
// The webgpu backend registers its flags when its module loads: load it before setting them.
await import('@tensorflow/tfjs-backend-webgpu');
function setFlags(list: string[]): Record<string, unknown> {
  const before: Record<string, unknown> = {};
  for (const kv of list) {
    const [k, v] = kv.split('=');
    before[k] = tf.env().get(k);
    const value = v === 'true' ? true : v === 'false' ? false : Number.isFinite(Number(v)) ? Number(v) : v;
    tf.env().set(k, value as never);
  }
  return before;
}
setFlags(TF_FLAGS);

let t = performance.now();
try {
  await selectBackend('webgpu');
} catch (e) {
  fail(1, `the webgpu backend did not start: ${(e as Error).message}`);
}
if (tf.getBackend() !== 'webgpu') fail(1, `TF.js backend is '${tf.getBackend()}', not webgpu`);
const backendInit = (performance.now() - t) / 1000;
const be = tf.backend() as unknown as { device?: GPUDevice; adapterInfo?: unknown; supportTimestampQuery?: boolean };
emit('backend', {
  backend: tf.getBackend(),
  init_s: round(backendInit),
  device_max_storage_binding_mib: mib(be.device?.limits.maxStorageBufferBindingSize),
  device_max_buffer_mib: mib(be.device?.limits.maxBufferSize),
  timestamp_query: be.supportTimestampQuery ?? null,
  tf_flags: TF_FLAGS,
});
log(`TF.js backend: ${tf.getBackend()} (init ${backendInit.toFixed(2)} s)`);

function gpuMemory() {
  const m = tf.memory() as ReturnType<typeof tf.memory> & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  return {
    tensors: m.numTensors,
    tensor_mib: mib(m.numBytes),
    gpu_in_use_mib: mib(m.numBytesInGPU),
    gpu_allocated_mib: mib(m.numBytesAllocatedInGPU),
  };
}

function randomImages(n: number, seed = 12345): Uint8Array {
  const a = new Uint8Array(n * 3 * SIZE * SIZE);
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) a[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
  return a;
}

const dataRoot = resolve(opts.data ?? '.');
const tmpRoot = resolve(opts.tmp ?? tmpdir());
const makeTemp = (tag: string) => {
  const d = mkdtempSync(join(tmpRoot, `bench-webgpu-${tag}-`));
  tempDirs.push(d);
  return d;
};
let exitCode = 0;

// ---------- 1. backbone cold start: generate + upload + first forward (pipelines compiled) ----------

{
  t = performance.now();
  const w = generateAlexNetWeights();
  const genS = (performance.now() - t) / 1000;
  t = performance.now();
  const net = uploadAlexNet(w);
  const uploadS = (performance.now() - t) / 1000;
  t = performance.now();
  const x = preprocess({ data: randomImages(1), shape: [1, 3, SIZE, SIZE] });
  const feats = tf.tidy(() => tf.concat(alexnetTaps(net, tf.tensor4d(x, [1, 224, 224, 3])), 1));
  await feats.data();
  feats.dispose();
  const firstS = (performance.now() - t) / 1000;
  emit('cold_start', { generate_s: round(genS), upload_s: round(uploadS), first_forward_s: round(firstS), total_s: round(genS + uploadS + firstS), ...gpuMemory() });
  log(`backbone cold start: generate ${genS.toFixed(2)} s, upload ${uploadS.toFixed(2)} s, first forward ${firstS.toFixed(2)} s`);

  // ---------- 2. parity (optional): taps with this backbone, then the fixture model's responses ----------
  if (CHECK) {
    const golden = (rel: string) => {
      const p = join(dataRoot, rel);
      if (!existsSync(p)) fail(1, `--check needs ${p} (give the folder holding test/ with --data)`);
      return parseNpy(new Uint8Array(readFileSync(p)), rel);
    };
    const cmp = (got: Float32Array, want: Float32Array) => {
      let err = 0;
      let ref = 0;
      for (let i = 0; i < want.length; i++) {
        err = Math.max(err, Math.abs(got[i] - want[i]));
        ref = Math.max(ref, Math.abs(want[i]));
      }
      if (got.length !== want.length || !Number.isFinite(err)) err = Infinity;
      return { max_abs_err: err, max_abs_ref: ref, rel: err / ref, ok: err <= 1e-4 * ref };
    };
    const input = golden('test/golden/taps/input.npy');
    const [nImg, , side] = input.shape;
    const images = { data: input.data as Uint8Array, shape: [nImg, 3, side, side] as [number, number, number, number] };

    let taps = null;
    const tapsRef = join(dataRoot, 'test/golden/taps/taps.npy');
    if (existsSync(tapsRef)) {
      const ref = golden('test/golden/taps/taps.npy');
      const xin = preprocess(images);
      const f = tf.tidy(() => alexnetFeaturesChannelMajor(net, tf.tensor4d(xin, [nImg, 224, 224, 3])));
      const got = (await f.data()) as Float32Array;
      f.dispose();
      taps = cmp(got, ref.data as Float32Array);
    }
    net.dispose();

    // The network input made on the device equals preprocess() bit for bit: 256 px images (cropped
    // by the shader, also from a buffer offset by one byte) and the fixture's 300 px ones.
    const table = tf.tensor1d(normalisationTable());
    const unaligned = new Uint8Array(2 * 3 * 256 * 256 + 1).subarray(1);
    unaligned.set(randomImages(2, 4242));
    const cases: Array<[string, { data: Uint8Array; shape: [number, number, number, number] }]> = [
      ['256 px', { data: randomImages(2, 4241), shape: [2, 3, 256, 256] }],
      ['256 px, unaligned', { data: unaligned, shape: [2, 3, 256, 256] }],
      [`${side} px`, images],
    ];
    const inputs: Record<string, number> = {};
    for (const [name, imgs] of cases) {
      const x = tf.tidy(() => networkInput(imgs, table));
      const got = (await x.data()) as Float32Array;
      x.dispose();
      const want = preprocess(imgs);
      let differ = Math.abs(got.length - want.length);
      for (let i = 0; i < Math.min(got.length, want.length); i++) if (got[i] !== want[i]) differ++;
      inputs[name] = differ;
    }
    table.dispose();
    const inputsOk = Object.values(inputs).every((d) => d === 0);

    const out = makeTemp('check');
    t = performance.now();
    const conv = await convertBergSubject({ bergDir: inflatedFolder(join(dataRoot, 'test/fixtures/berg/layout-b'), makeTemp('berg')), subject: 1, out });
    const convertS = (performance.now() - t) / 1000;
    t = performance.now();
    const model = await getEncodingModel(MODEL_ID, 1, { source: directorySource(conv.dir), device: 'webgpu' });
    const loadS = (performance.now() - t) / 1000;
    if (model.backend !== 'webgpu') fail(1, `the check model loaded on ${model.backend}, not webgpu`);
    const before = tf.memory().numTensors;
    t = performance.now();
    const y = await encode(model, images);
    const encodeS = (performance.now() - t) / 1000;
    const leaked = tf.memory().numTensors - before;
    model.dispose();
    const ref = golden('test/golden/responses/layout-b_sub-01_all.npy');
    const responses = cmp(y.data, ref.data as Float32Array);
    const ok = responses.ok && (taps?.ok ?? true) && leaked === 0 && inputsOk;
    emit('check', {
      ok,
      fixture: 'layout-b sub-01',
      k: conv.nComponents,
      images: nImg,
      responses,
      taps,
      input_values_differing: inputs,
      tensors_leaked: leaked,
      convert_s: round(convertS),
      first_load_s: round(loadS),
      first_encode_s: round(encodeS),
      note: 'first_load_s includes generating and uploading the backbone inside getEncodingModel',
    });
    log(
      `parity ${ok ? 'OK' : 'FAILED'}: responses max|err| ${responses.max_abs_err.toExponential(2)} / max|ref| ${responses.max_abs_ref.toFixed(3)} = ${responses.rel.toExponential(2)}` +
        (taps ? `; taps ${taps.rel.toExponential(2)}` : '') + `; input values differing ${JSON.stringify(inputs)}; leaked tensors ${leaked}`,
    );
    if (!ok) exitCode = 3;
    rmSync(out, { recursive: true, force: true });
  } else {
    net.dispose();
  }
}

// ---------- 3. a random K-component per-repetition model folder, loaded through the public API ----------

const modelRoot = makeTemp('model');
t = performance.now();
const modelDir = await writeRandomModel(modelRoot, K, DTYPE, 'bench_webgpu', PRECISION === 'compact' ? { device: 'wasm' } : undefined);
const writeS = (performance.now() - t) / 1000;
log(`random K=${K} model folder written in ${writeS.toFixed(2)} s`);

const backboneCached = CHECK; // the check's getEncodingModel already generated and uploaded the backbone
t = performance.now();
let model: Awaited<ReturnType<typeof getEncodingModel>>;
try {
  model = await getEncodingModel(MODEL_ID, 1, { source: directorySource(modelDir), device: 'webgpu', precision: PRECISION });
} catch (e) {
  fail(5, `loading the K=${K} model failed: ${(e as Error).message}`);
}
const loadS = (modelLoadS = (performance.now() - t) / 1000);
if (model.backend !== 'webgpu' || tf.getBackend() !== 'webgpu') fail(1, `model loaded on ${model.backend}, not webgpu`);
const encoderMib = round((4 * (4 * K * N_FEATURES + 4 * K + 4 * N_CHANNELS * N_TIMES * K + 4 * N_CHANNELS * N_TIMES)) / 2 ** 20, 1);
emit('load', { k: K, dtype: DTYPE, precision: PRECISION, compact_error: model.compact?.error ?? null, write_folder_s: round(writeS), load_s: round(loadS), includes_backbone: !backboneCached, encoder_float32_mib: encoderMib, ...gpuMemory() });
log(`getEncodingModel K=${K}: ${loadS.toFixed(2)} s${backboneCached ? '' : ' (includes backbone generation + upload)'}`);
rmSync(modelRoot, { recursive: true, force: true });

// ---------- 4. throughput and latency of encode per batch size ----------


function printTable(): void {
  if (!rows.length) return;
  const lines = [
    '',
    `WebGPU (Dawn) ${adapterName}; K=${K}, ${SIZE}x${SIZE} uint8 images, getEncodingModel ${modelLoadS.toFixed(2)} s`,
    'batch  images  calls    img/s   ms/batch  median ms  first ms  preprocess ms/img  GPU alloc MiB  streaming img/s',
  ];
  for (const r of rows) {
    lines.push(
      `${String(r.batch).padStart(5)} ${String(r.images).padStart(7)} ${String(r.calls).padStart(6)} ${r.imgPerS.toFixed(1).padStart(8)} ${r.msPerBatch.toFixed(1).padStart(10)} ${r.medianMs.toFixed(1).padStart(10)} ${r.firstMs.toFixed(0).padStart(9)} ${r.preprocessMsPerImg.toFixed(2).padStart(18)} ${String(r.gpuAllocMib ?? '-').padStart(14)}  ${(r.streamImgPerS == null ? '-' : r.streamImgPerS.toFixed(1)).padStart(15)}${r.truncated ? '  (stopped at --timeout-s)' : ''}`,
    );
  }
  if (peak) lines.push(`peak tensor memory in one encode of ${peak.batch} images: ${peak.peak_mib} MiB`);
  console.log(lines.join('\n'));
}

let timedOut = false;
try {
  if (WARMUP_S > 0) {
    const B = Math.max(...BATCHES);
    const batch = { data: randomImages(B, 999), shape: [B, 3, SIZE, SIZE] as [number, number, number, number] };
    const t1 = performance.now();
    let calls = 0;
    while ((performance.now() - t1) / 1000 < WARMUP_S && timeLeft() > 0) {
      await encode(model, batch, { batchSize: B });
      calls++;
    }
    emit('warmup', { batch: B, calls, seconds: round((performance.now() - t1) / 1000, 2) });
    log(`warm-up: ${calls} calls of batch ${B} in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  }
  for (const B of BATCHES) {
    if (timeLeft() <= 0) {
      timedOut = true;
      emit('skipped', { batch: B, reason: 'timeout' });
      continue;
    }
    const per = 3 * SIZE * SIZE;
    const calls = Math.max(Math.ceil(N / B), B === 1 ? LATENCY_RUNS : MIN_CALLS);
    const data = randomImages(B, 1000 + B);
    const batch = { data, shape: [B, 3, SIZE, SIZE] as [number, number, number, number] };
    // the CPU's share of preprocessing alone (at 256 px none: the WebGPU shader crops and
    // normalises the bytes), for reading the numbers
    let preMs = Infinity;
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      bytesForDevice(batch);
      preMs = Math.min(preMs, (performance.now() - t) / B);
    }
    // warm-up: compiles the pipelines for this batch shape
    t = performance.now();
    await encode(model, batch, { batchSize: B });
    const firstMs = performance.now() - t;
    const times: number[] = [];
    let truncated = false;
    for (let c = 0; c < calls; c++) {
      if (times.length >= 1 && timeLeft() <= 0) {
        truncated = timedOut = true;
        break;
      }
      const t1 = performance.now();
      const y = await encode(model, batch, { batchSize: B });
      times.push(performance.now() - t1);
      if (y.data.length !== B * N_REPETITIONS * N_CHANNELS * N_TIMES) throw new Error(`encode returned ${y.data.length} values`);
    }
    // Streaming: many images in one encode call, batchSize B, as the CLI runs a folder; batch i's
    // GPU work overlaps batch i + 1's preparation on the CPU (one batch per call cannot).
    let streamImgPerS: number | null = null;
    if (B > 1 && timeLeft() > 0) {
      const nStream = Math.max(N, 4 * B);
      const streamBatch = { data: randomImages(nStream, 2000 + B), shape: [nStream, 3, SIZE, SIZE] as [number, number, number, number] };
      const t2 = performance.now();
      await encode(model, streamBatch, { batchSize: B });
      streamImgPerS = nStream / ((performance.now() - t2) / 1000);
    }
    const total = times.reduce((a, b) => a + b, 0);
    const mem = gpuMemory();
    const row: Row = {
      batch: B,
      images: B * times.length,
      calls: times.length,
      imgPerS: (B * times.length) / (total / 1000),
      msPerBatch: total / times.length,
      medianMs: median(times),
      firstMs,
      preprocessMsPerImg: preMs,
      streamImgPerS,
      gpuAllocMib: mem.gpu_allocated_mib,
      truncated,
    };
    rows.push(row);
    emit('throughput', {
      batch: B,
      images: row.images,
      calls: row.calls,
      img_per_s: round(row.imgPerS, 2),
      ms_per_batch_mean: round(row.msPerBatch, 2),
      ms_per_batch_median: round(row.medianMs, 2),
      ms_per_batch_min: round(Math.min(...times), 2),
      ms_per_batch_max: round(Math.max(...times), 2),
      first_call_ms: round(firstMs, 1),
      preprocess_ms_per_img: round(preMs, 3),
      stream_img_per_s: streamImgPerS === null ? null : round(streamImgPerS, 1),
      truncated,
      ...mem,
    });
    log(`batch ${B}: ${row.imgPerS.toFixed(1)} img/s, ${row.msPerBatch.toFixed(1)} ms/batch (median ${row.medianMs.toFixed(1)}), first call ${firstMs.toFixed(0)} ms`);
  }
} catch (e) {
  printTable();
  fail(5, `measurement failed: ${(e as Error).stack ?? e}`);
}
// ---------- 5. where the time goes: stage wall times and per-kernel GPU times ----------
if (PROFILE_BATCHES.length && timeLeft() > 0) {
  // The same graph as encode(), built here stage by stage (the model's tensors are private): a
  // second backbone and an encoder of constant weights (values do not change the timing).
  const net = uploadAlexNet(generateAlexNetWeights());
  const arrays = new Map<string, Float32Array>();
  const comps = new Float32Array(K * N_FEATURES).fill(1e-3);
  const coef = new Float32Array(N_CHANNELS * N_TIMES * K).fill(1e-3);
  for (let r = 1; r <= N_REPETITIONS; r++) {
    arrays.set(`pca/rep-${r}/components`, comps);
    arrays.set(`pca/rep-${r}/offset`, new Float32Array(K));
    arrays.set(`reg/rep-${r}/coef`, coef);
    arrays.set(`reg/rep-${r}/intercept`, new Float32Array(N_CHANNELS * N_TIMES));
  }
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const enc = uploadEncoder(arrays, K, false, selectionRows(range(N_CHANNELS), range(N_TIMES)));
  const table = tf.tensor1d(normalisationTable());
  // waits for everything queued so far by reading one value
  const sync = async (y: import('@tensorflow/tfjs-core').Tensor) => {
    const one = tf.slice(tf.reshape(y, [-1]), 0, 1);
    await one.data();
    one.dispose();
  };
  try {
    // Host-to-device copies of one batch of 256 px images, three ways (CPU time until the call
    // returns, and until the copy has run on the device)
    {
      const device = (tf.backend() as unknown as { device: GPUDevice }).device;
      const Bmax = Math.max(...PROFILE_BATCHES);
      const words = new Int32Array(randomImages(Bmax, 77).buffer);
      const size = words.byteLength;
      const target = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      const reused = device.createBuffer({ size, usage: GPUBufferUsage.MAP_WRITE | GPUBufferUsage.COPY_SRC });
      const ways: Record<string, () => Promise<void> | void> = {
        writeBuffer: () => device.queue.writeBuffer(target, 0, words.buffer, words.byteOffset, size),
        mappedAtCreation: () => {
          const staging = device.createBuffer({ size, usage: GPUBufferUsage.MAP_WRITE | GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
          new Int32Array(staging.getMappedRange()).set(words);
          staging.unmap();
          const enc = device.createCommandEncoder();
          enc.copyBufferToBuffer(staging, 0, target, 0, size);
          device.queue.submit([enc.finish()]);
          staging.destroy();
        },
        reusedMapWrite: async () => {
          await reused.mapAsync(GPUMapMode.WRITE);
          new Int32Array(reused.getMappedRange()).set(words);
          reused.unmap();
          const enc = device.createCommandEncoder();
          enc.copyBufferToBuffer(reused, 0, target, 0, size);
          device.queue.submit([enc.finish()]);
        },
      };
      const upload: Record<string, { cpu_ms: number; done_ms: number }> = {};
      for (const [name, fn] of Object.entries(ways)) {
        const cpu: number[] = [];
        const done: number[] = [];
        for (let i = 0; i <= 10; i++) {
          const t1 = performance.now();
          await fn();
          const t2 = performance.now();
          await device.queue.onSubmittedWorkDone();
          if (i > 0) {
            cpu.push(t2 - t1);
            done.push(performance.now() - t1);
          }
        }
        upload[name] = { cpu_ms: round(median(cpu), 3), done_ms: round(median(done), 3) };
      }
      target.destroy();
      reused.destroy();
      emit('upload', { batch: Bmax, mib: mib(size), ...upload });
      log(`upload of ${Bmax} images (${mib(size)} MiB), median ms (CPU / done): ${Object.entries(upload).map(([k, v]) => `${k} ${v.cpu_ms} / ${v.done_ms}`).join(', ')}`);
    }
    for (const B of PROFILE_BATCHES) {
      if (timeLeft() <= 0) break;
      const batch = { data: randomImages(B, 5000 + B), shape: [B, 3, SIZE, SIZE] as [number, number, number, number] };
      const taps = () => alexnetTaps(net, networkInput(batch, table));
      const stages: Array<[string, () => import('@tensorflow/tfjs-core').Tensor]> = [
        ['input', () => networkInput(batch, table)],
        ['+alexnet', () => taps().at(-1)!],
        ['+pca', () => project(enc, taps())],
        ['+regression', () => regress(enc, project(enc, taps()))],
      ];
      const reps = B === 1 ? Math.min(30, LATENCY_RUNS) : Math.max(MIN_CALLS, 10);
      const stageMs: Record<string, number> = {};
      for (const [name, fn] of stages) {
        const times: number[] = [];
        for (let i = 0; i <= reps; i++) {
          const t1 = performance.now();
          const y = tf.tidy(fn);
          await sync(y);
          if (i > 0) times.push(performance.now() - t1); // the first compiles
          y.dispose();
        }
        stageMs[name] = round(median(times), 3);
      }
      const readTimes: number[] = [];
      for (let i = 0; i < reps; i++) {
        const t1 = performance.now();
        const y = tf.tidy(stages[3][1]);
        await y.data();
        readTimes.push(performance.now() - t1);
        y.dispose();
      }
      stageMs['+read'] = round(median(readTimes), 3);
      emit('stages', { batch: B, cumulative_median_ms: stageMs, note: 'each stage ends by reading one value; +read downloads the whole output' });
      log(`stages, batch ${B} (cumulative medians, ms): ${JSON.stringify(stageMs)}`);

      // GPU time per shader program, custom ones included (0 without the timestamp-query feature)
      {
        let y: import('@tensorflow/tfjs-core').Tensor | null = null;
        const timing = (await tf.time(() => {
          y = tf.tidy(stages[3][1]);
        })) as { kernelMs: number; getExtraProfileInfo?: () => string };
        (y as import('@tensorflow/tfjs-core').Tensor | null)?.dispose();
        const byProgram = new Map<string, { ms: number; n: number }>();
        for (const part of (timing.getExtraProfileInfo?.() ?? '').split(', ').filter(Boolean)) {
          const i = part.lastIndexOf(': ');
          const name = part.slice(0, i);
          const e = byProgram.get(name) ?? { ms: 0, n: 0 };
          e.ms += Number(part.slice(i + 2)) || 0;
          e.n += 1;
          byProgram.set(name, e);
        }
        const rowsP = [...byProgram.entries()].sort((a, b) => b[1].ms - a[1].ms);
        emit('programs', { batch: B, gpu_total_ms: round(timing.kernelMs, 3), programs: rowsP.map(([name, e]) => ({ name, ms: round(e.ms, 4), n: e.n })) });
        console.log(`\nGPU time per shader program, batch ${B}: ${timing.kernelMs.toFixed(3)} ms in all`);
        for (const [name, e] of rowsP) console.log(`${e.ms.toFixed(3).padStart(9)} ms  x${e.n}  ${name}`);
      }
      // per-kernel GPU time (0 without the timestamp-query feature)
      const prof = await tf.profile(async () => {
        const y = tf.tidy(stages[3][1]);
        await y.data();
        y.dispose();
      });
      const byKernel = new Map<string, { ms: number; n: number }>();
      let totalMs = 0;
      for (const k of prof.kernels) {
        const ms = Number(k.kernelTimeMs) || 0;
        totalMs += ms;
        const key = `${k.name} ${JSON.stringify(k.inputShapes)} -> ${JSON.stringify(k.outputShapes)}`;
        const e = byKernel.get(key) ?? { ms: 0, n: 0 };
        e.ms += ms;
        e.n += 1;
        byKernel.set(key, e);
      }
      const top = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40);
      emit('kernels', { batch: B, kernels: prof.kernels.length, gpu_total_ms: round(totalMs, 3), top: top.map(([key, e]) => ({ key, ms: round(e.ms, 4), n: e.n })) });
      console.log(`\nGPU time per kernel, batch ${B}: ${prof.kernels.length} kernels, ${totalMs.toFixed(3)} ms in all`);
      for (const [key, e] of top) console.log(`${e.ms.toFixed(3).padStart(9)} ms ${((100 * e.ms) / (totalMs || 1)).toFixed(1).padStart(5)} %  x${e.n}  ${key}`);
    }
  } catch (e) {
    emit('stages', { error: String((e as Error).stack ?? e).slice(0, 600) });
  } finally {
    net.dispose();
    enc.dispose();
    table.dispose();
  }
}

// ---------- 6. variants: TF.js flag sets measured against each other on the same model ----------
if (VARIANTS.length) {
  const all: Array<[string, string[]]> = [['base', []], ...VARIANTS, ['base', []]];
  for (const [name, flags] of all) {
    if (timeLeft() <= 0) {
      emit('skipped', { variant: name, reason: 'timeout' });
      continue;
    }
    const before = setFlags(flags);
    try {
      for (const B of VARIANT_BATCHES) {
        const batch = { data: randomImages(B, 3000 + B), shape: [B, 3, SIZE, SIZE] as [number, number, number, number] };
        await encode(model, batch, { batchSize: B }); // compiles this variant's pipelines
        const calls = B === 1 ? Math.min(30, LATENCY_RUNS) : Math.max(MIN_CALLS, Math.ceil(256 / B));
        const times: number[] = [];
        for (let c = 0; c < calls && (c === 0 || timeLeft() > 0); c++) {
          const t1 = performance.now();
          await encode(model, batch, { batchSize: B });
          times.push(performance.now() - t1);
        }
        const imgPerS = (B * times.length) / (times.reduce((a, b) => a + b, 0) / 1000);
        let streamImgPerS: number | null = null;
        if (B > 1 && timeLeft() > 0) {
          const nStream = Math.max(1024, 8 * B);
          const many = { data: randomImages(nStream, 6000 + B), shape: [nStream, 3, SIZE, SIZE] as [number, number, number, number] };
          const t2 = performance.now();
          await encode(model, many, { batchSize: B });
          streamImgPerS = nStream / ((performance.now() - t2) / 1000);
        }
        emit('variant', { variant: name, flags, batch: B, calls: times.length, img_per_s: round(imgPerS, 1), median_ms: round(median(times), 2), min_ms: round(Math.min(...times), 2), stream_img_per_s: streamImgPerS === null ? null : round(streamImgPerS, 1) });
        log(`variant ${name} (${flags.join(' ') || 'flags as started'}), batch ${B}: ${imgPerS.toFixed(1)} img/s, median ${median(times).toFixed(2)} ms` + (streamImgPerS === null ? '' : `, streaming ${streamImgPerS.toFixed(1)} img/s`));
      }
    } catch (e) {
      emit('variant', { variant: name, flags, error: String((e as Error).message ?? e).slice(0, 300) });
    } finally {
      for (const [k, v] of Object.entries(before)) tf.env().set(k, v as never);
    }
  }
}

// peak tensor bytes during one encode (tf.profile; not timed, after the timings so it cannot spoil them)
const Bmax = rows.length ? Math.max(...rows.map((r) => r.batch)) : 0;
if (PEAK && Bmax && timeLeft() > 0) {
  try {
    const data = randomImages(Bmax, 7);
    const base = tf.memory().numBytes;
    const prof = await tf.profile(async () => {
      await encode(model, { data, shape: [Bmax, 3, SIZE, SIZE] }, { batchSize: Bmax });
    });
    peak = { batch: Bmax, peak_mib: mib(prof.peakBytes), peak_above_resident_mib: mib(prof.peakBytes - base), resident_mib: mib(base), kernels: prof.kernels.length };
    emit('peak_memory', { ...peak, ...gpuMemory() });
  } catch (e) {
    emit('peak_memory', { batch: Bmax, error: String((e as Error).message ?? e).slice(0, 300) });
  }
}
model.dispose();
engine.disposeBackbone();
emit('done', { ok: exitCode === 0, timed_out: timedOut, exit_code: exitCode, total_s: round(elapsedS(), 2), ...gpuMemory() });
printTable();
cleanup();
process.exit(exitCode);

/** A copy of `dir` with its gzipped files (large fixtures are kept as X.gz in the tree) inflated. */
function inflatedFolder(dir: string, to: string): string {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const from = join(dir, e.name);
    if (e.isDirectory()) inflatedFolder(from, join(to, e.name));
    else {
      mkdirSync(to, { recursive: true });
      if (e.name.endsWith('.gz')) writeFileSync(join(to, e.name.slice(0, -3)), gunzipSync(readFileSync(from)));
      else copyFileSync(from, join(to, e.name));
    }
  }
  return to;
}
