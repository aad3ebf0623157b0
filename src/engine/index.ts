// BERG-shaped API: getEncodingModel / encode / getModelMetadata.
// The same code runs in Node (CLI, tests) and in a browser worker: no DOM, no UI.
import * as tf from '@tensorflow/tfjs-core';
import { ALEXNET_PARAM_COUNT, generateAlexNetWeights } from './backbone_weights.ts';
import { alexnetTaps, uploadAlexNet, type AlexNet } from './alexnet.ts';
import { onnxRuntime, reserveWasmHeap, selectBackend, type BackendChoice, type BackendOptions, type HeapReservation } from './backend.ts';
import type { OnnxEncoder } from './runtime_onnx.ts';
import { encoderBytes, uploadEncoder, project, regress, selectionRows, type EncoderTensors, type EncoderArrays } from './encoder.ts';
import { networkInput, normalisationTable, validateImages } from './preprocess.ts';
import { WebGPUReader } from './transfer_webgpu.ts';
import { releaseFreeBuffers } from './webgpu_backend.ts';
import { generateDemoEncoder, isDemoManifest } from './demo_weights.ts';
import { BackendError, CancelledError, InvalidParameterError, ModelLoadError, BergError } from '../core/errors.ts';
import type { ModelSource } from '../core/source.ts';
import { MODEL_ID, N_CHANNELS, N_REPETITIONS, N_TIMES, type Backend, type Device, type EncodeProgress, type ImageBatch, type ModelManifest, type ModelMetadata, type Precision, type Responses, type Selection, type CompactInfo } from '../core/types.ts';
import { readModelFolder, readModelManifest, readModelMetadata, weightNames } from '../io/model_folder.ts';
import { float32ToFloat16 } from '../io/dtype.ts';

export * from '../core/types.ts';
export * from '../core/errors.ts';
export type { ModelSource } from '../core/source.ts';
export { urlSource, memorySource } from '../io/source.ts';

export interface LoadProgress {
  stage: 'backbone' | 'weights' | 'upload';
  done: number;
  total: number;
}

export interface GetEncodingModelOptions extends BackendOptions {
  /** The model folder (subject folder holding manifest.json). */
  source: ModelSource;
  selection?: Selection;
  device?: Device;
  /** 'exact' (default) or 'compact' (folders converted with --compact; see Precision) */
  precision?: Precision;
  /**
   * The batch size encode() will mostly run with, and its default for this model (default:
   * defaultBatchSize of the backend). On wasm the heap is sized for it once, as the model loads
   * (see reserveWasmHeap): larger batches grow it again.
   */
  batchSize?: number;
  /** CPU threads of the onnx runtime (default: wasmThreads, else every logical core). */
  threads?: number;
  onProgress?: (p: LoadProgress) => void;
}

export interface EncodingModel {
  modelId: string;
  subject: number | 'demo';
  synthetic: boolean;
  /** The backend in use (what 'auto' chose). */
  backend: Backend;
  backendNote: string;
  manifest: ModelManifest;
  /** Selected channel names, in the order the selection listed them (duplicates kept). */
  chNames: string[];
  /** Selected time points, seconds. */
  times: number[];
  channelIndices: number[];
  timeIndices: number[];
  nComponents: number;
  /** One PCA projection feeds all four repetitions (shared layout, four identical PCAs, or compact). */
  sharedPca: boolean;
  precision: Precision;
  /** The compact form's description and measured error (manifest `compact`), when precision is 'compact'. */
  compact?: CompactInfo;
  /** sha256 of each weight shard, from the manifest (empty for generated demo weights). */
  weightsSha256: Record<string, string>;
  dispose(): void;
}

export interface EncodeOptions {
  /** Images per forward pass (default: the batchSize the model was loaded with, else defaultBatchSize of its backend). */
  batchSize?: number;
  onProgress?: (p: EncodeProgress) => void;
  signal?: AbortSignal;
  returnMetadata?: boolean;
}

interface ModelInternals {
  /** TF.js backends */
  encoder?: EncoderTensors;
  /** the onnx runtime */
  onnx?: OnnxEncoder;
  source: ModelSource;
  /** encode()'s default batch: the one the model was loaded for */
  batchSize: number | undefined;
  disposed: boolean;
}
const internals = new WeakMap<EncodingModel, ModelInternals>();

// The backbone is the same for every subject: uploaded once per backend and precision (compact
// rounds fc6-fc8 to float16). Its 244 MB of JS-side weights are not kept: regenerating them
// (about 1 s) is cheaper than holding them.
let backbone: { backend: string; fcFloat16: boolean; net: AlexNet } | null = null;

function hasBackbone(precision: Precision): boolean {
  return backbone !== null && backbone.backend === tf.getBackend() && backbone.fcFloat16 === (precision === 'compact');
}

function getBackbone(onProgress?: (p: LoadProgress) => void, precision: Precision = backbone?.net.fcFloat16 ? 'compact' : 'exact'): AlexNet {
  const active = tf.getBackend();
  const fcFloat16 = precision === 'compact';
  if (hasBackbone(precision)) return backbone!.net;
  onProgress?.({ stage: 'backbone', done: 0, total: 1 });
  backbone?.net.dispose();
  backbone = null; // (a failed upload leaves none)
  releaseFreeBuffers();
  backbone = { backend: active, fcFloat16, net: uploadAlexNet(generateAlexNetWeights(), undefined, { fcFloat16 }) };
  onProgress?.({ stage: 'backbone', done: 1, total: 1 });
  return backbone.net;
}

/** Release the backbone's tensors (they are otherwise kept for the next model). */
export function disposeBackbone(): void {
  backbone?.net.dispose();
  backbone = null;
  releaseFreeBuffers();
}

function checkModelId(modelId: string): void {
  if (modelId !== MODEL_ID) {
    throw new InvalidParameterError(`unknown model '${modelId}': this engine implements '${MODEL_ID}' only`);
  }
}

function checkSubject(subject: number | 'demo'): void {
  if (subject === 'demo') return;
  if (!Number.isInteger(subject) || subject < 1 || subject > 10) {
    throw new InvalidParameterError(`subject must be an integer from 1 to 10 (THINGS EEG2), or 'demo'; got ${String(subject)}`);
  }
}

const SELECTION_KEYS = ['channels', 'timepoints'];

/**
 * Resolve a BERG selection to channel and time indices, by BERG's rules: channels in the order
 * listed, duplicates kept (`[ch_names.index(c) for c in channels]`); time points from a 140-long
 * 0/1 mask, in time order; any other key refused.
 */
export function resolveSelection(chNames: string[], selection: Selection = {}): { channelIndices: number[]; timeIndices: number[] } {
  if (selection === null || typeof selection !== 'object' || Array.isArray(selection)) {
    throw new InvalidParameterError(`selection must be an object with keys ${SELECTION_KEYS.join(', ')}; got ${Array.isArray(selection) ? 'a list' : typeof selection}`);
  }
  const badKey = Object.keys(selection).find((k) => !SELECTION_KEYS.includes(k));
  if (badKey !== undefined) {
    throw new InvalidParameterError(`invalid selection key '${badKey}'; valid keys are: ${SELECTION_KEYS.join(', ')}`);
  }
  let channelIndices = chNames.map((_, i) => i);
  if (selection.channels !== undefined) {
    if (!Array.isArray(selection.channels)) {
      throw new InvalidParameterError(`selection.channels must be a list of channel names; got ${typeof selection.channels}`);
    }
    // BERG would return an empty channel axis; an array without channels is never what was meant.
    if (selection.channels.length === 0) throw new InvalidParameterError('selection.channels is empty: list at least one channel name');
    const unknown = selection.channels.filter((c) => !chNames.includes(c));
    if (unknown.length) {
      throw new InvalidParameterError(`unknown channel name(s) ${unknown.map(String).join(', ')}; valid names: ${chNames.join(', ')}`);
    }
    channelIndices = selection.channels.map((c) => chNames.indexOf(c));
  }
  let timeIndices = Array.from({ length: N_TIMES }, (_, i) => i);
  if (selection.timepoints !== undefined) {
    const mask = selection.timepoints;
    if (mask === null || typeof mask !== 'object' || typeof (mask as ArrayLike<unknown>).length !== 'number') {
      throw new InvalidParameterError(`selection.timepoints must be a list or array of ${N_TIMES} zeros and ones; got ${mask === null ? 'null' : typeof mask}`);
    }
    if (mask.length !== N_TIMES) {
      throw new InvalidParameterError(`selection.timepoints must be a 0/1 mask of length ${N_TIMES}; got length ${mask.length}`);
    }
    const bad = Array.from(mask).findIndex((v) => !(v === 0 || v === 1 || v === true || v === false));
    if (bad >= 0) throw new InvalidParameterError(`selection.timepoints must hold only 0 and 1; position ${bad} holds ${String(mask[bad])}`);
    timeIndices = timeIndices.filter((i) => Boolean(mask[i]));
    if (timeIndices.length === 0) throw new InvalidParameterError('selection.timepoints selects no time point');
  }
  return { channelIndices, timeIndices };
}

function asBackendError(e: unknown, backend: string): unknown {
  if (e instanceof BergError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (/out of memory|oom|allocation|failed to (allocate|grow)|memory access out of bounds|Maximum call stack|device (was )?lost|context lost/i.test(msg)) {
    return new BackendError(`the ${backend} backend failed (${msg}): use a smaller batchSize, a channel/time selection, or another device`);
  }
  return e;
}

/** True when a model folder stores the same PCA (components and offset) for all four repetitions. */
function samePcaForAllRepetitions(manifest: ModelManifest): boolean {
  const groups = (manifest.weightsManifest ?? []) as Array<{ paths: string[]; weights: Array<{ name: string }> }>;
  const pathsOf = (name: string) => JSON.stringify(groups.find((g) => g.weights.some((w) => w.name === name))?.paths ?? null);
  return ['components', 'offset'].every((part) => {
    const first = pathsOf(`pca/rep-1/${part}`);
    return first !== 'null' && [2, 3, 4].every((r) => pathsOf(`pca/rep-${r}/${part}`) === first);
  });
}

// Loads run one at a time: each switches the global backend and may upload the shared backbone.
let loading: Promise<unknown> = Promise.resolve();

/**
 * Select the backend and build the untrained AlexNet ahead of the first getEncodingModel: the
 * backbone is the same for every subject, so an app can overlap this (0.4-1 s) with
 * fetching its model catalog. getEncodingModel on the same backend then reuses it.
 */
export function prepareBackbone(options: { device?: Device } & BackendOptions = {}): Promise<BackendChoice> {
  const run = loading.then(async () => {
    const choice = await selectBackend(options.device ?? 'auto', options);
    if (choice.backend === 'onnx') return choice; // (its graph is built with each model)
    try {
      getBackbone();
    } catch (e) {
      throw asBackendError(e, choice.backend);
    }
    return choice;
  });
  loading = run.catch(() => undefined);
  return run;
}

/** Load a subject's encoding model (BERG's get_encoding_model). */
export function getEncodingModel(modelId: string, subject: number | 'demo', options: GetEncodingModelOptions): Promise<EncodingModel> {
  const run = loading.then(() => loadEncodingModel(modelId, subject, options));
  loading = run.catch(() => undefined);
  return run;
}

async function loadEncodingModel(
  modelId: string,
  subject: number | 'demo',
  options: GetEncodingModelOptions,
): Promise<EncodingModel> {
  checkModelId(modelId);
  checkSubject(subject);
  const { source, onProgress } = options ?? ({} as GetEncodingModelOptions);
  if (!source) throw new InvalidParameterError('options.source (the model folder) is required');
  const manifest = await readModelManifest(source);
  if (manifest.model_id !== modelId) {
    throw new ModelLoadError(`${source.location} holds model '${manifest.model_id}', not '${modelId}'`);
  }
  if (manifest.subject !== subject) {
    throw new ModelLoadError(`${source.location} holds subject ${manifest.subject}, not ${subject}`);
  }
  if (manifest.ch_names?.length !== N_CHANNELS || manifest.times?.length !== N_TIMES) {
    throw new ModelLoadError(`${source.location}/manifest.json must list ${N_CHANNELS} ch_names and ${N_TIMES} times`);
  }
  const { channelIndices, timeIndices } = resolveSelection(manifest.ch_names, options.selection);
  const choice = await selectBackend(options.device ?? 'auto', options);

  if (options.batchSize !== undefined && (!Number.isInteger(options.batchSize) || options.batchSize < 1)) {
    throw new InvalidParameterError(`batchSize must be a positive integer; got ${options.batchSize}`);
  }
  const precision = options.precision ?? 'exact';
  if (precision !== 'exact' && precision !== 'compact') throw new InvalidParameterError(`precision must be 'exact' or 'compact'; got ${String(precision)}`);
  const compact = precision === 'compact' ? manifest.compact : undefined;
  if (precision === 'compact' && !compact) {
    throw new ModelLoadError(
      isDemoManifest(manifest)
        ? 'the demo subject has no compact form (its weights are generated): use precision exact'
        : `${source.location} holds no compact form: convert the subject again with --compact`,
    );
  }

  const rows = selectionRows(channelIndices, timeIndices);
  const describe = (backend: Backend, note: string, nComponents: number, sharedPca: boolean, weightsSha256: Record<string, string>): EncodingModel => ({
    modelId,
    subject,
    synthetic: Boolean(manifest.synthetic),
    backend,
    backendNote: note,
    manifest,
    chNames: channelIndices.map((i) => manifest.ch_names[i]),
    times: timeIndices.map((i) => manifest.times[i]),
    channelIndices,
    timeIndices,
    nComponents,
    sharedPca,
    precision,
    compact,
    weightsSha256,
    dispose() {
      const inner = internals.get(model);
      if (!inner || inner.disposed) return;
      inner.disposed = true;
      if (inner.onnx) void inner.onnx.dispose().catch(() => undefined);
      if (inner.encoder) {
        inner.encoder.dispose();
        if (tf.getBackend() === model.backend) releaseFreeBuffers();
      }
    },
  });
  let model: EncodingModel;

  if (choice.backend === 'onnx') {
    const ort = await onnxRuntime();
    if (!ort) throw new BackendError('the onnx runtime is not available here; use device wasm');
    let nComponents: number;
    let sharedPca: boolean;
    let read: (names: string[]) => Promise<EncoderArrays>;
    let weightsSha256: Record<string, string> = {};
    if (isDemoManifest(manifest)) {
      const demo = generateDemoEncoder(manifest);
      ({ nComponents, sharedPca } = demo);
      read = async (names) => new Map(names.flatMap((n) => (demo.arrays.has(n) ? [[n, demo.arrays.get(n)!] as const] : [])));
    } else {
      const enc = manifest.encoder as { n_components: number; pca_layout: 'shared' | 'per-repetition' };
      nComponents = enc.n_components;
      const identicalPcas = !compact && enc.pca_layout !== 'shared' && samePcaForAllRepetitions(manifest);
      sharedPca = Boolean(compact) || enc.pca_layout === 'shared' || identicalPcas;
      // The engine's names (EncoderArrays) -> the folder's: as the TF.js path maps them below.
      const stored = (n: string): string => {
        if (compact) return n === 'pca/components' ? compact.components : n === 'pca/offset' ? compact.offset : n.replace(/^reg\//, 'compact/');
        return identicalPcas ? n.replace(/^pca\/(components|offset)$/, 'pca/rep-1/$1') : n;
      };
      const pieces = (sharedPca ? 1 : N_REPETITIONS) + N_REPETITIONS;
      let piece = 0;
      read = async (names) => {
        const folder = await readModelFolder(source, {
          names: names.map(stored),
          keepFloat16: (name) => name.endsWith('/components'),
          onProgress: (done, total) => onProgress?.({ stage: 'weights', done: piece * 1000 + Math.round((1000 * done) / Math.max(1, total)), total: pieces * 1000 }),
        });
        piece++;
        const all = new Map<string, Float32Array | Uint16Array>([...folder.arrays, ...folder.float16]);
        return new Map(
          names.flatMap((n) => {
            let a = all.get(stored(n));
            // the compact basis rounded to float16 on every runtime, as below
            if (a && compact && n === 'pca/components' && a instanceof Float32Array) a = float32ToFloat16(a);
            return a ? [[n, a] as const] : [];
          }),
        );
      };
      const shards = (manifest.shards ?? {}) as Record<string, { sha256: string }>;
      weightsSha256 = Object.fromEntries(Object.entries(shards).map(([k, v]) => [k, v.sha256]));
    }
    onProgress?.({ stage: 'upload', done: 0, total: 1 });
    const runner = await ort.createOnnxEncoder({
      nComponents,
      sharedPca,
      rows: rows.length,
      selectedRows: rows,
      fcFloat16: precision === 'compact',
      threads: options.threads ?? options.wasmThreads,
      read,
    });
    onProgress?.({ stage: 'upload', done: 1, total: 1 });
    model = describe('onnx', choice.note.replace(/^onnx/, runner.note), nComponents, sharedPca, weightsSha256);
    internals.set(model, { onnx: runner, source, batchSize: options.batchSize, disposed: false });
    return model;
  }

  // wasm: the heap grown once, for the backbone, this subject and a batch (reserveWasmHeap)
  const reserve = (nComponents: number, sharedPca: boolean): HeapReservation | null => {
    if (choice.backend !== 'wasm') return null;
    const backboneBytes = hasBackbone(precision) ? 0 : 4 * ALEXNET_PARAM_COUNT;
    return reserveWasmHeap(backboneBytes + encoderBytes(nComponents, sharedPca, rows.length) + wasmWorkspaceBytes(options.batchSize ?? DEFAULT_BATCH.wasm));
  };

  let arrays: EncoderArrays;
  let nComponents: number;
  let sharedPca: boolean;
  let weightsSha256: Record<string, string> = {};
  if (isDemoManifest(manifest)) {
    ({ arrays, nComponents, sharedPca } = generateDemoEncoder(manifest));
    reserve(nComponents, sharedPca)?.release();
  } else {
    const enc = manifest.encoder as { n_components: number; pca_layout: 'shared' | 'per-repetition' };
    const reps = [1, 2, 3, 4];
    nComponents = enc.n_components;
    // Per-repetition files whose four PCAs are byte-identical (same content-addressed shards):
    // project once and feed all four regressions, a quarter of the memory and the work.
    const identicalPcas = !compact && enc.pca_layout !== 'shared' && samePcaForAllRepetitions(manifest);
    sharedPca = Boolean(compact) || enc.pca_layout === 'shared' || identicalPcas;
    // reserved before the shards are read, and its pages touched while they are
    const reservation = reserve(nComponents, sharedPca);
    const prefaulting = reservation?.prefault();
    let folder: Awaited<ReturnType<typeof readModelFolder>>;
    try {
      folder = await readModelFolder(source, {
        names: compact
          ? [compact.components, compact.offset, ...reps.flatMap((r) => [`compact/rep-${r}/coef`, `compact/rep-${r}/intercept`])]
          : weightNames(enc.pca_layout),
        onProgress: (done: number, total: number) => onProgress?.({ stage: 'weights', done, total }),
        // float16-stored components stay float16 bits: the encoder decodes them on the way into
        // place, or keeps them so where WebGPU's split-K kernel reads them.
        keepFloat16: (name) => name.endsWith('/components'),
      });
      await prefaulting;
    } finally {
      reservation?.release();
    }
    const all = new Map<string, Float32Array | Uint16Array>([...folder.arrays, ...folder.float16]);
    if (compact) {
      // The shared basis rounded to float16 on every backend (so all give the same numbers), and
      // the regressions the converter folded each repetition's map into.
      const basis = all.get(compact.components)!;
      arrays = new Map<string, Float32Array | Uint16Array>([
        ['pca/components', basis instanceof Uint16Array ? basis : float32ToFloat16(basis)],
        ['pca/offset', all.get(compact.offset)!],
      ]);
      for (const r of reps) {
        arrays.set(`reg/rep-${r}/coef`, all.get(`compact/rep-${r}/coef`)!);
        arrays.set(`reg/rep-${r}/intercept`, all.get(`compact/rep-${r}/intercept`)!);
      }
    } else {
      arrays = all;
      if (identicalPcas) {
        arrays.set('pca/components', arrays.get('pca/rep-1/components')!);
        arrays.set('pca/offset', arrays.get('pca/rep-1/offset')!);
        for (const r of reps) {
          arrays.delete(`pca/rep-${r}/components`);
          arrays.delete(`pca/rep-${r}/offset`);
        }
      }
    }
    const shards = (folder.manifest.shards ?? {}) as Record<string, { sha256: string }>;
    weightsSha256 = Object.fromEntries(Object.entries(shards).map(([k, v]) => [k, v.sha256]));
  }

  onProgress?.({ stage: 'upload', done: 0, total: 1 });
  let encoder: EncoderTensors;
  try {
    getBackbone(onProgress, precision);
    encoder = uploadEncoder(arrays, nComponents, sharedPca, rows);
  } catch (e) {
    throw asBackendError(e, choice.backend);
  }
  onProgress?.({ stage: 'upload', done: 1, total: 1 });

  model = describe(choice.backend, choice.note, nComponents, sharedPca, weightsSha256);
  internals.set(model, { encoder, source, batchSize: options.batchSize, disposed: false });
  return model;
}

// wasm: 16 keeps a K = 250 subject's heap within 1.2 GB; larger batches ran no faster on 2 cores
// (16: 22.3 img/s, 32: 23.1, within the machine's noise) and need 0.1 GB more.
// onnx: its PCA blocks are read once per batch, so larger batches spread that memory traffic.
const DEFAULT_BATCH: Record<Backend, number> = { webgpu: 32, webgl: 8, onnx: 32, wasm: 16, cpu: 4 };

/** The batch size encode() uses on a backend unless told otherwise. */
export function defaultBatchSize(backend: Backend): number {
  return DEFAULT_BATCH[backend];
}

/**
 * The wasm heap an encode of `batch` images needs beside the weights (activations, the eight
 * taps, XNNPACK's buffers), measured at K = 250: within 47 MB at batch 1, 67 MB at 4, 87 MB at 16.
 */
function wasmWorkspaceBytes(batch: number): number {
  return 40e6 + 3e6 * batch;
}

/** In-silico EEG responses [B, 4, C, T] for uint8 images [B, 3, S, S] (BERG's encode). */
export async function encode(model: EncodingModel, images: ImageBatch, options?: EncodeOptions & { returnMetadata?: false }): Promise<Responses>;
export async function encode(model: EncodingModel, images: ImageBatch, options: EncodeOptions & { returnMetadata: true }): Promise<{ responses: Responses; metadata: ModelMetadata }>;
export async function encode(
  model: EncodingModel,
  images: ImageBatch,
  options: EncodeOptions = {},
): Promise<Responses | { responses: Responses; metadata: ModelMetadata }> {
  const inner = internals.get(model);
  if (!inner) throw new InvalidParameterError('model must come from getEncodingModel()');
  if (inner.disposed) throw new InvalidParameterError('this model was disposed; load it again with getEncodingModel()');
  validateImages(images);
  if (inner.onnx) return encodeOnnx(model, inner, inner.onnx, images, options);
  if (tf.getBackend() !== model.backend) {
    throw new BackendError(`the active backend is ${tf.getBackend()}, but this model was loaded on ${model.backend}; load it again`);
  }
  const { onProgress } = options;
  const batchSize = options.batchSize ?? inner.batchSize ?? DEFAULT_BATCH[model.backend];
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidParameterError(`batchSize must be a positive integer; got ${batchSize}`);

  const [n, , size] = images.shape;
  const encoder = inner.encoder!;
  const rows = encoder.rows;
  const out = new Float32Array(n * N_REPETITIONS * rows);
  const perImage = 3 * size * size;
  const net = getBackbone(undefined, model.precision);
  onProgress?.({ done: 0, total: n });
  // Two batches in flight: while a GPU backend computes batch i, the CPU preprocesses batch i + 1.
  // The read of batch i is requested as soon as its graph is built: on WebGPU a read queued later
  // would sit behind batch i + 1's work and serialise the two. (On wasm and cpu the ops run
  // synchronously, so this changes nothing there.)
  type Pending = { y: tf.Tensor; read: Promise<void> };
  // WebGPU: responses come back through reused staging buffers straight into `out`.
  const reader = model.backend === 'webgpu' ? new WebGPUReader() : null;
  const read = async (y: tf.Tensor, offset: number) => {
    if (reader) return reader.read(y, out, offset);
    out.set((await y.data()) as Float32Array, offset);
  };
  // GPU backends normalise on the device (a table lookup; networkInput).
  const table = model.backend === 'webgpu' || model.backend === 'webgl' ? tf.tensor1d(normalisationTable()) : null;
  try {
    await twoInFlight<Pending>(n, batchSize, options, {
      launch(start, b) {
        const batch: ImageBatch = { data: images.data.subarray(start * perImage, (start + b) * perImage), shape: [b, 3, size, size] };
        const y = tf.tidy(() => regress(encoder, project(encoder, alexnetTaps(net, networkInput(batch, table)))));
        return { y, read: read(y, start * N_REPETITIONS * rows) };
      },
      async collect(p) {
        try {
          await p.read;
        } finally {
          p.y.dispose();
        }
      },
      // let its read finish, then free it, so the tensor count is back to where it was
      async abandon(p) {
        await p.read.catch(() => undefined);
        p.y.dispose();
      },
      started: (p) => p.read,
    });
  } catch (e) {
    throw asBackendError(e, model.backend);
  } finally {
    table?.dispose();
    reader?.dispose();
  }
  return encodeResult(model, inner, out, n, options);
}

/** encode()'s result: [n, 4, C, T] responses, with the subject's metadata when asked for. */
async function encodeResult(model: EncodingModel, inner: ModelInternals, out: Float32Array, n: number, options: EncodeOptions & { returnMetadata?: boolean }): Promise<Responses | { responses: Responses; metadata: ModelMetadata }> {
  const responses: Responses = { data: out, shape: [n, N_REPETITIONS, model.channelIndices.length, model.timeIndices.length] };
  if (!options.returnMetadata) return responses;
  return { responses, metadata: await getModelMetadata(model.modelId, model.subject, { source: inner.source }) };
}

/**
 * The batches [start, start + b) of n images with two in flight: batch i + 1 is launched before
 * batch i is collected, so the device (or the onnx worker) computes one while this thread
 * prepares the next. Progress after each collected batch; a cancel is honoured between batches;
 * a batch still in flight after an error or a cancel is handed to `abandon`.
 */
async function twoInFlight<P>(
  n: number,
  batchSize: number,
  { signal, onProgress }: EncodeOptions,
  steps: {
    launch(start: number, b: number): P;
    collect(p: P, start: number): Promise<void>;
    abandon(p: P): Promise<void>;
    /** the batch's promise, watched from launch on so an early failure is never unhandled */
    started(p: P): Promise<unknown>;
  },
): Promise<void> {
  let pending: { p: P; start: number; b: number } | null = null;
  const collect = async (q: { p: P; start: number; b: number }) => {
    await steps.collect(q.p, q.start);
    if (signal?.aborted) throw new CancelledError(`encoding cancelled after ${q.start} of ${n} images`);
    onProgress?.({ done: q.start + q.b, total: n });
  };
  try {
    for (let start = 0; start < n; start += batchSize) {
      if (signal?.aborted) throw new CancelledError(`encoding cancelled after ${start} of ${n} images`);
      const b = Math.min(batchSize, n - start);
      const p = steps.launch(start, b);
      steps.started(p).catch(() => undefined);
      const previous = pending;
      pending = { p, start, b };
      if (previous) await collect(previous);
    }
    if (pending) {
      const last = pending;
      pending = null;
      await collect(last);
    }
  } finally {
    const left = pending as { p: P } | null;
    if (left) await steps.abandon(left.p);
  }
}

/** encode() on the onnx runtime: batch i + 1 is preprocessed here while its worker runs batch i. */
async function encodeOnnx(
  model: EncodingModel,
  inner: ModelInternals,
  runner: OnnxEncoder,
  images: ImageBatch,
  options: EncodeOptions,
): Promise<Responses | { responses: Responses; metadata: ModelMetadata }> {
  const { onProgress } = options;
  const batchSize = options.batchSize ?? inner.batchSize ?? DEFAULT_BATCH.onnx;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidParameterError(`batchSize must be a positive integer; got ${batchSize}`);
  const [n, , size] = images.shape;
  const perImage = 3 * size * size;
  const perOut = N_REPETITIONS * runner.rows;
  const out = new Float32Array(n * perOut);
  onProgress?.({ done: 0, total: n });
  try {
    await twoInFlight<{ run: Promise<Float32Array> }>(n, batchSize, options, {
      launch: (start, b) => ({ run: runner.run({ data: images.data.subarray(start * perImage, (start + b) * perImage), shape: [b, 3, size, size] }) }),
      collect: async (p, start) => out.set(await p.run, start * perOut),
      // (a batch still in flight after an error or a cancel finishes in the worker; its result is dropped)
      abandon: async (p) => void (await p.run.catch(() => undefined)),
      started: (p) => p.run,
    });
  } catch (e) {
    throw asBackendError(e, model.backend);
  }
  return encodeResult(model, inner, out, n, options);
}

/** The subject's metadata (channels, times, noise ceiling, encoding accuracy), without loading weights. */
export async function getModelMetadata(modelId: string, subject: number | 'demo', options: { source: ModelSource }): Promise<ModelMetadata> {
  checkModelId(modelId);
  checkSubject(subject);
  if (!options?.source) throw new InvalidParameterError('options.source (the model folder) is required');
  const manifest = await readModelManifest(options.source);
  if (manifest.subject !== subject) throw new ModelLoadError(`${options.source.location} holds subject ${manifest.subject}, not ${subject}`);
  if (isDemoManifest(manifest)) {
    return { model_id: manifest.model_id, subject, synthetic: true, eeg: { ch_names: manifest.ch_names, times: manifest.times } };
  }
  return readModelMetadata(options.source);
}
