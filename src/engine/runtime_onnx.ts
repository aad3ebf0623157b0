// The 'onnx' runtime: the whole pipeline as one ONNX graph (onnx_graph.ts) on ONNX Runtime's CPU
// kernels (onnxruntime-node: MLAS, with FMA and AVX2/AVX-512 where the CPU has them, which
// TF.js's prebuilt wasm kernels lack). Node only: index.ts imports this file dynamically.
//
// Memory: one copy of the weights. They are written, one array at a time, into a data file in a
// fresh temporary folder; ONNX Runtime memory-maps external initializers in place (it copies
// in-memory ones), and the file is unlinked once the session holds its mapping. The JS arrays
// are dropped as soon as each is written.
//
// The session runs in a worker thread: ONNX Runtime's Node binding runs a graph synchronously on
// the calling thread, and on the main thread that would stall whatever else the process does
// meanwhile (decoding and preprocessing the next images, writing results).

import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { TAPS } from './alexnet.ts';
import { generateAlexNetWeights } from './backbone_weights.ts';
import type { EncoderArrays } from './encoder.ts';
import { BackendError, ModelLoadError } from '../core/errors.ts';
import { buildEncoderGraph, FEATURES_NAME, INPUT_NAME, OUTPUT_NAME, pcaBlockName, pcaPrefixes, type EncoderGraphSpec, type ExternalPlacement } from './onnx_graph.ts';
import { CROP_SIZE, writeCrops } from './preprocess.ts';
import { float16Table, float16ToFloat32, float32ToFloat16 } from '../io/dtype.ts';
import { N_CHANNELS, N_FEATURES, N_REPETITIONS, N_TIMES, type ImageBatch } from '../core/types.ts';

const require = createRequire(import.meta.url);

/** Where onnxruntime-node is, or null when it is not installed (or its binary does not load here). */
function runtimePath(): string | null {
  try {
    const path = require.resolve('onnxruntime-node');
    require(path);
    return path;
  } catch {
    return null;
  }
}

let available: string | null | undefined;
/** True when ONNX Runtime's Node binding loads in this process. */
export function onnxRuntimeAvailable(): boolean {
  if (available === undefined) available = runtimePath();
  return available !== null;
}

/** 'onnxruntime-node 1.30.0' */
export function onnxRuntimeVersion(): string {
  const ort = require('onnxruntime-node') as { env: { versions: { node?: string } } };
  return `onnxruntime-node ${ort.env.versions.node ?? '?'}`;
}

/** Initializers start on 64 KiB boundaries: ONNX Runtime maps a file range only from an aligned offset. */
const ALIGN = 1 << 16;
const STAGING = 16 << 20;

/** Writes float32 initializers one after another into a data file, through one staging buffer. */
class WeightFile {
  readonly placement = new Map<string, ExternalPlacement>();
  private fd: number;
  private at = 0;
  private staged = new Float32Array(STAGING / 4);
  private fill = 0;
  private start = 0;
  private name = '';

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  begin(name: string): void {
    this.at = Math.ceil(this.at / ALIGN) * ALIGN;
    this.start = this.at;
    this.name = name;
  }

  /** Appends values; a Uint16Array holds float16 bits, decoded on the way. */
  write(values: Float32Array | Uint16Array): void {
    const table = values instanceof Uint16Array ? float16Table() : null;
    for (let i = 0; i < values.length; ) {
      const n = Math.min(values.length - i, this.staged.length - this.fill);
      if (table) for (let j = 0; j < n; j++) this.staged[this.fill + j] = table[values[i + j]];
      else this.staged.set(values.subarray(i, i + n), this.fill);
      this.fill += n;
      i += n;
      if (this.fill === this.staged.length) this.flush();
    }
  }

  end(): void {
    this.flush();
    this.placement.set(this.name, { offset: this.start, length: this.at - this.start });
  }

  private flush(): void {
    const bytes = new Uint8Array(this.staged.buffer, 0, this.fill * 4);
    for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done, bytes.length - done, this.at + done);
    this.at += bytes.length;
    this.fill = 0;
  }

  close(): void {
    closeSync(this.fd);
  }
}

export interface OnnxEncoderOptions extends EncoderGraphSpec {
  /** selected regression rows (selectionRows) */
  selectedRows: Int32Array;
  /** fc6-fc8 rounded to float16 (the compact precision) */
  fcFloat16: boolean;
  /** intra-op threads (default: every logical core) */
  threads?: number;
  /**
   * Reads encoder arrays by their engine names (EncoderArrays): called once per PCA and once per
   * repetition's regression, so that only one of them is in JS memory at a time.
   */
  read(names: string[]): Promise<EncoderArrays>;
}

export interface OnnxEncoder {
  /** 'onnxruntime-node 1.30.0, CPU, 2 threads' */
  note: string;
  rows: number;
  /** Responses [B, 4, rows] for images [B, 3, S, S]. */
  run(images: ImageBatch): Promise<Float32Array>;
  /** BERG's feature vectors [B, 205672] (a model built with `features`). */
  features(images: ImageBatch): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/**
 * Network input for ONNX: the engine's torchvision-exact resize and centre crop, uint8
 * [B, 3, 224, 224] (NCHW; the graph normalises it), written into `into` when it has that length
 * (an array the worker handed back), else into a new array.
 */
export function networkCrops(images: ImageBatch, into?: Uint8Array): Uint8Array {
  const n = images.shape[0] * 3 * CROP_SIZE * CROP_SIZE;
  return writeCrops(images, into?.length === n ? into : new Uint8Array(n));
}

function need(arrays: EncoderArrays, name: string, length: number): Float32Array | Uint16Array {
  const a = arrays.get(name);
  if (!a) throw new ModelLoadError(`model weights lack '${name}': the model folder is incomplete; convert it again`);
  if (a.length !== length) throw new ModelLoadError(`model weight '${name}' holds ${a.length} values, expected ${length}`);
  return a;
}

const asFloat32 = (a: Float32Array | Uint16Array) => (a instanceof Float32Array ? a : float16ToFloat32(a));

/** Writes every initializer of the graph into `file`, reading the encoder's arrays piece by piece. */
async function writeWeights(file: WeightFile, o: OnnxEncoderOptions): Promise<void> {
  const K = o.nComponents;
  const put = (name: string, values: Float32Array | Uint16Array) => {
    file.begin(name);
    file.write(values);
    file.end();
  };
  const backbone = generateAlexNetWeights();
  for (const [name, w] of backbone) {
    const rounded = o.fcFloat16 && name.startsWith('classifier.') && name.endsWith('.weight');
    put(name, rounded ? float32ToFloat16(w) : w);
  }
  backbone.clear();
  for (const p of pcaPrefixes(o)) {
    let arrays: EncoderArrays | null = await o.read([`${p}/components`, `${p}/offset`]);
    const comps = need(arrays, `${p}/components`, K * N_FEATURES);
    const offset = asFloat32(need(arrays, `${p}/offset`, K));
    arrays = null;
    // Each tap's columns of the [K, 205672] components: row k's are contiguous.
    TAPS.forEach((tap, i) => {
      file.begin(pcaBlockName(p, i));
      for (let k = 0; k < K; k++) file.write(comps.subarray(k * N_FEATURES + tap.offset, k * N_FEATURES + tap.offset + tap.size));
      file.end();
    });
    put(`${p}/offset`, offset);
  }
  const rows = o.selectedRows;
  for (let r = 1; r <= N_REPETITIONS; r++) {
    const arrays = await o.read([`reg/rep-${r}/coef`, `reg/rep-${r}/intercept`]);
    const coef = asFloat32(need(arrays, `reg/rep-${r}/coef`, N_CHANNELS * N_TIMES * K));
    const intercept = asFloat32(need(arrays, `reg/rep-${r}/intercept`, N_CHANNELS * N_TIMES));
    file.begin(`reg/rep-${r}/coef`);
    for (const row of rows) file.write(coef.subarray(row * K, row * K + K));
    file.end();
    put(`reg/rep-${r}/intercept`, Float32Array.from(rows, (row) => intercept[row]));
  }
}

// The worker: plain CommonJS (no TypeScript loader needed there); it only holds the session.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.runtime);
let session = null;
parentPort.on('message', async (m) => {
  try {
    if (m.op === 'load') {
      session = await ort.InferenceSession.create(m.path, m.options);
      parentPort.postMessage({ id: m.id });
    } else if (m.op === 'run') {
      const out = await session.run({ [m.input]: new ort.Tensor('uint8', m.data, m.dims) });
      const data = new Float32Array(out[m.output].data); // (a copy the worker owns, to transfer)
      out[m.output].dispose?.();
      // the input goes back too, for the next batch to be written into: a fresh array each
      // batch costs the main thread page faults while both cores run the graph
      parentPort.postMessage({ id: m.id, data, input: m.data }, [data.buffer, m.data.buffer]);
    } else if (m.op === 'release') {
      if (session) await session.release();
      session = null;
      parentPort.postMessage({ id: m.id });
    }
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

/** A worker's answer: a run's output and its input array, handed back. */
type Answer = { data?: Float32Array; input?: Uint8Array };

class SessionWorker {
  private worker: Worker;
  private next = 0;
  private waiting = new Map<number, { resolve: (v: Answer) => void; reject: (e: Error) => void }>();

  constructor(runtime: string) {
    this.worker = new Worker(WORKER, { eval: true, workerData: { runtime } });
    this.worker.unref(); // (a loaded model never keeps the process alive)
    this.worker.on('message', (m: Answer & { id: number; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new BackendError(`ONNX Runtime: ${m.error}`));
      else w.resolve(m);
    });
    this.worker.on('error', (e) => this.failAll(e));
    this.worker.on('exit', (code) => this.failAll(new BackendError(`the ONNX Runtime worker exited (code ${code})`)));
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  call(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Answer> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // Referenced while a call is pending, so that an await on it keeps Node running.
      this.worker.ref();
      this.worker.postMessage({ ...message, id }, transfer);
    }).finally(() => {
      if (this.waiting.size === 0) this.worker.unref();
    }) as Promise<Answer>;
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** Build the graph, write its weights and start an ONNX Runtime session on them. */
export async function createOnnxEncoder(o: OnnxEncoderOptions): Promise<OnnxEncoder> {
  const runtime = available ?? runtimePath();
  if (!runtime) throw new BackendError('the onnx runtime is not available here (onnxruntime-node is not installed or does not load): use device wasm');
  if (o.selectedRows.length !== o.rows) throw new Error('createOnnxEncoder: rows and selectedRows disagree');
  const threads = Math.max(1, Math.floor(o.threads ?? (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length)));
  const dir = mkdtempSync(join(os.tmpdir(), 'insilico-eeg-onnx-'));
  let worker: SessionWorker | null = null;
  try {
    const file = new WeightFile(join(dir, 'weights.bin'));
    try {
      await writeWeights(file, o);
    } finally {
      file.close();
    }
    writeFileSync(join(dir, 'model.onnx'), buildEncoderGraph(o, file.placement, 'weights.bin'));
    worker = new SessionWorker(runtime);
    await worker.call({
      op: 'load',
      path: join(dir, 'model.onnx'),
      options: {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        // No planned block per input shape: the arena alone serves the activations, at the same
        // speed, and the process stays under its memory bound with the weights mapped in.
        enableMemPattern: false,
        // Idle pool threads sleep instead of spinning: between batches the CPU is the decoder's.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      },
    });
  } catch (e) {
    await worker?.terminate();
    throw e instanceof BackendError || e instanceof ModelLoadError ? e : new BackendError(`the onnx runtime could not load the model: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    // The session holds its mapping of the data file; the name is no longer needed.
    rmSync(dir, { recursive: true, force: true });
  }
  const w = worker!;
  let released = false;
  // input arrays back from the worker, at most one per batch in flight (encode keeps two)
  const spare: Uint8Array[] = [];
  const run = async (images: ImageBatch, output: string, perImage: number): Promise<Float32Array> => {
    if (released) throw new BackendError('this onnx model was disposed');
    const b = images.shape[0];
    const input = networkCrops(images, spare.pop());
    const { data, input: back } = await w.call({ op: 'run', input: INPUT_NAME, output, data: input, dims: [b, 3, CROP_SIZE, CROP_SIZE] }, [input.buffer as ArrayBuffer]);
    if (back && spare.length < 2) spare.push(back);
    if (!data || data.length !== b * perImage) throw new BackendError(`ONNX Runtime returned ${data?.length} values, expected ${b * perImage}`);
    return data;
  };
  return {
    note: `${onnxRuntimeVersion()}, CPU, ${threads} thread${threads === 1 ? '' : 's'}`,
    rows: o.rows,
    run: (images) => run(images, OUTPUT_NAME, N_REPETITIONS * o.rows),
    features(images) {
      if (!o.features) throw new Error('this onnx model was built without its feature output');
      return run(images, FEATURES_NAME, N_FEATURES);
    },
    async dispose() {
      if (released) return;
      released = true;
      await w.call({ op: 'release' }).catch(() => undefined);
      await w.terminate();
    },
  };
}

