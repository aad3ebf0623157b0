// BERG-shaped API: getEncodingModel / encode / getModelMetadata.
// The same code runs in Node (CLI, tests) and in a browser worker: no DOM, no UI.
import * as tf from '@tensorflow/tfjs-core';
import { BackendError, BergError, InvalidParameterError, ModelLoadError } from '../core/errors.ts';
import type { ModelSource } from '../core/source.ts';
import { MODEL_ID, N_CHANNELS, N_REPETITIONS, N_TIMES, type Backend, type CompactInfo, type Device, type EncodeProgress, type ImageBatch, type ModelManifest, type ModelMetadata, type Precision, type Responses, type Selection, type SubjectId, isDemoSubject } from '../core/types.ts';
import { readModelManifest } from '../io/model_folder.ts';
import { alexnetTaps } from './alexnet.ts';
import { getBackbone, hasBackbone, type LoadProgress } from './backbone.ts';
import { ALEXNET_PARAM_COUNT } from './backbone_weights.ts';
import { onnxRuntime, selectBackend, type BackendChoice, type BackendOptions } from './backend.ts';
import { generateDemoEncoder, isDemoManifest } from './demo_weights.ts';
import { encoderBytes, project, regress, selectionRows, uploadEncoder, type EncoderArrays, type EncoderTensors } from './encoder.ts';
import { EncoderWeights } from './model_weights.ts';
import { DEFAULT_BATCH, twoInFlight } from './pipeline.ts';
import { networkInput, normalisationTable, validateImages } from './preprocess.ts';
import type { OnnxEncoder } from './runtime_onnx.ts';
import { resolveSelection } from './selection.ts';
import { WebGPUReader } from './transfer_webgpu.ts';
import { reserveWasmHeap, wasmWorkspaceBytes, type HeapReservation } from './wasm_heap.ts';
import { releaseFreeBuffers } from './webgpu_backend.ts';
import { readModelMetadata } from '../io/model_metadata.ts';
export * from '../core/types.ts';
export * from '../core/errors.ts';
export type { ModelSource } from '../core/source.ts';
export { urlSource, memorySource } from '../io/source.ts';
export { disposeBackbone, type LoadProgress } from './backbone.ts';
export { defaultBatchSize } from './pipeline.ts';
export { resolveSelection } from './selection.ts';

/**
 * Options of getEncodingModel. The inherited BackendOptions are `wasmPaths` (where the wasm
 * backend's .wasm files are served, in a browser) and `wasmThreads` (threads of the wasm backend,
 * default every logical core, fixed once that backend has started).
 */
export interface GetEncodingModelOptions extends BackendOptions {
  /**
   * The model folder: the subject folder holding manifest.json (`urlSource`, `memorySource`, or
   * in Node `directorySource` of src/io/source_node.ts). Required.
   */
  source: ModelSource;
  /**
   * BERG's selection, applied once at load: `channels`, names of the model's 63 channels, kept in
   * the order listed, duplicates included; `timepoints`, a 0/1 (or boolean) mask of length 140.
   * Only the selected regression rows are uploaded. Default: all 63 channels and 140 times.
   */
  selection?: Selection;
  /**
   * Where to run: 'auto' (default) picks a hardware GPU (WebGPU, then WebGL), else in Node ONNX
   * Runtime ('onnx'), else 'wasm', else 'cpu', never a software GPU; or one of 'webgpu', 'webgl',
   * 'onnx', 'wasm', 'cpu' explicitly.
   */
  device?: Device;
  /**
   * 'exact' (default): the weights as stored. 'compact': one PCA basis for the four repetitions,
   * the basis and fc6-fc8 rounded to float16, for folders converted with --compact (see
   * Precision); the model's `compact` then states the error the converter measured.
   */
  precision?: Precision;
  /**
   * The batch size encode() will mostly run with, and its default for this model, a positive
   * integer (default: defaultBatchSize of the backend). On wasm the heap is sized for it once, as
   * the model loads (see reserveWasmHeap): larger batches grow it again.
   */
  batchSize?: number;
  /** CPU threads of the onnx runtime (default: wasmThreads, else every logical core). */
  threads?: number;
  /**
   * Called as the load advances, with `stage` 'backbone' (AlexNet generated and uploaded),
   * 'weights' (the folder's shards read; `done`/`total` in bytes, or in thousandths of each
   * piece on onnx) or 'upload' (the encoder placed on the backend), each from done 0 to total.
   */
  onProgress?: (p: LoadProgress) => void;
}

export interface EncodingModel {
  modelId: string;
  subject: SubjectId;
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

/** Options of encode(). */
export interface EncodeOptions {
  /**
   * Images per forward pass, a positive integer (default: the batchSize the model was loaded
   * with, else defaultBatchSize of its backend). Larger batches use more memory; the results
   * do not depend on it.
   */
  batchSize?: number;
  /** Called with `done` 0 before the first batch and after each batch, `total` the number of images. */
  onProgress?: (p: EncodeProgress) => void;
  /**
   * Called after each batch, in order, with the index of its first image and its responses
   * [count, 4, C, T]: a view into the result, which stays valid. A caller that streams results
   * (a worker posting them, a writer appending them) needs no batching of its own.
   */
  onBatch?: (start: number, responses: Responses) => void;
  /**
   * Cancels the encoding between batches: encode() then rejects with CancelledError. With a
   * signal the loop yields to the event loop before each batch, so an abort sent by a message
   * (as in a worker) can arrive.
   */
  signal?: AbortSignal;
  /**
   * true: resolve to `{ responses, metadata }`, the subject's metadata read as getModelMetadata
   * reads it (BERG's return_metadata). Default false: the responses alone.
   */
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

function checkModelId(modelId: string): void {
  if (modelId !== MODEL_ID) {
    throw new InvalidParameterError(`unknown model '${modelId}': this engine implements '${MODEL_ID}' only`);
  }
}

function checkSubject(subject: SubjectId): void {
  if (isDemoSubject(subject)) return;
  if (!Number.isInteger(subject) || subject < 1 || subject > 10) {
    throw new InvalidParameterError(`subject must be an integer from 1 to 10 (THINGS EEG2), or 'demo' / 'demo-N' (synthetic); got ${String(subject)}`);
  }
}

function asBackendError(e: unknown, backend: string): unknown {
  if (e instanceof BergError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (/out of memory|oom|allocation|failed to (allocate|grow)|memory access out of bounds|Maximum call stack|device (was )?lost|context lost/i.test(msg)) {
    return new BackendError(`the ${backend} backend failed (${msg}): use a smaller batchSize, a channel/time selection, or another device`);
  }
  return e;
}

// Loads run one at a time: each switches the global backend and may upload the shared backbone.
let loading: Promise<unknown> = Promise.resolve();

/**
 * Select the backend and build the untrained AlexNet ahead of the first getEncodingModel: the
 * backbone is the same for every subject, so an app can overlap this with
 * fetching its model catalog. getEncodingModel on the same backend then reuses it. Runs after
 * any load already under way.
 *
 * @param options.device - as GetEncodingModelOptions.device (default 'auto'). On 'onnx' only
 *   the runtime is checked: its graph is built with each model.
 * @param options.wasmPaths - where the wasm backend's .wasm files are served (browser).
 * @param options.wasmThreads - threads of the wasm backend (default every logical core).
 * @returns The backend chosen and a note saying why (or why others were skipped).
 * @throws InvalidParameterError when `device` is not one of the Device names.
 * @throws BackendError when the requested backend cannot start here, or when uploading the
 *   backbone runs out of memory or loses the device.
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

/**
 * Load a subject's encoding model (BERG's get_encoding_model): read and validate the folder's
 * manifest, choose the backend, read the weights (sha256-checked, except in a store that
 * checked them when storing) and upload backbone and encoder. Loads run one at a time.
 *
 * @param modelId - must be MODEL_ID, 'eeg-things_eeg_2-alexnet_untrained'.
 * @param subject - THINGS EEG2 subject, an integer 1..10, or 'demo' (synthetic weights); must
 *   match the folder's manifest.
 * @param options - the folder (`source`, required), selection, device, precision, batch size,
 *   threads and load progress: see GetEncodingModelOptions.
 * @returns The loaded model: what it returns (`chNames`, `times`, indices), where it runs
 *   (`backend`, `backendNote`), its precision and weight hashes. Call `dispose()` to free its
 *   tensors (the shared backbone stays: see disposeBackbone).
 * @throws InvalidParameterError for another model id, a subject outside 1..10 and not 'demo', a
 *   missing `source`, an invalid selection (unknown key or channel, empty channel list, a mask
 *   that is not 140 zeros and ones or selects nothing), an unknown device, a batchSize that is
 *   not a positive integer, or a precision other than 'exact' and 'compact'.
 * @throws ModelLoadError when the folder is missing, corrupt or inconsistent (manifest, shard
 *   lengths or hashes, non-finite weights), holds another model or subject, or has no compact
 *   form while precision is 'compact'.
 * @throws BackendError when the requested device cannot start here (or, for 'onnx', ONNX
 *   Runtime is not available), or when the upload runs out of memory or loses the device.
 */
export function getEncodingModel(modelId: string, subject: SubjectId, options: GetEncodingModelOptions): Promise<EncodingModel> {
  const run = loading.then(() => loadEncodingModel(modelId, subject, options));
  loading = run.catch(() => undefined);
  return run;
}

async function loadEncodingModel(
  modelId: string,
  subject: SubjectId,
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
      const weights = new EncoderWeights(source, manifest, compact);
      ({ nComponents, sharedPca, weightsSha256 } = weights.layout);
      let piece = 0;
      read = async (names) => {
        const arrays = await weights.read(names, (done, total) =>
          onProgress?.({ stage: 'weights', done: piece * 1000 + Math.round((1000 * done) / Math.max(1, total)), total: weights.pieces * 1000 }),
        );
        piece++;
        return arrays;
      };
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
    const weights = new EncoderWeights(source, manifest, compact);
    ({ nComponents, sharedPca, weightsSha256 } = weights.layout);
    // reserved before the shards are read, and its pages touched while they are
    const reservation = reserve(nComponents, sharedPca);
    const prefaulting = reservation?.prefault();
    try {
      arrays = await weights.read(undefined, (done, total) => onProgress?.({ stage: 'weights', done, total }));
      await prefaulting;
    } finally {
      reservation?.release();
    }
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

/**
 * In-silico EEG responses for a batch of images (BERG's encode): each image is preprocessed as
 * torchvision does (resize to 256, centre crop 224, ImageNet normalisation), passed through the
 * untrained AlexNet, projected by each repetition's PCA and regressed onto the selected channels
 * and times. Batches of `batchSize` run with two in flight.
 *
 * @param model - a model from getEncodingModel, not disposed, whose backend is still the active one.
 * @param images - uint8 RGB images, `shape` [B, 3, S, S] (channels first, square, B >= 1),
 *   `data` a Uint8Array of B * 3 * S * S values in C order. Any S >= 1: the resize makes them 256.
 * @param options - batch size, progress, per-batch results, cancellation and metadata: see
 *   EncodeOptions.
 * @returns float32 responses [B, 4, C, T] in C order (image, repetition, channel, time), C and T
 *   the selection's channels and times (63 and 140 without one), in the units of THINGS EEG2's
 *   preprocessed data; with `returnMetadata: true`, `{ responses, metadata }`.
 * @throws InvalidParameterError when `model` does not come from getEncodingModel or was disposed,
 *   or the batch size is not a positive integer.
 * @throws StimulusError when `images` is not uint8 [B, 3, S, S]: not a Uint8Array (a
 *   Uint8ClampedArray included), not 4 dimensions, not 3 channels, not square, empty, or a data
 *   length that does not match the shape.
 * @throws BackendError when the active backend is not the model's, or the backend runs out of
 *   memory or loses its device (use a smaller batchSize, a selection, or another device).
 * @throws CancelledError when `options.signal` is aborted; it is honoured between batches.
 */
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
    await twoInFlight<Pending>(n, batchSize, { ...options, collected: batchReporter(model, out, options) }, {
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

/** EncodeOptions.onBatch as twoInFlight's `collected`: the batch's rows of `out` as Responses. */
function batchReporter(model: EncodingModel, out: Float32Array, { onBatch }: EncodeOptions): ((start: number, b: number) => void) | undefined {
  if (!onBatch) return undefined;
  const C = model.channelIndices.length;
  const T = model.timeIndices.length;
  const per = N_REPETITIONS * C * T;
  return (start, b) => onBatch(start, { data: out.subarray(start * per, (start + b) * per), shape: [b, N_REPETITIONS, C, T] });
}

/** encode()'s result: [n, 4, C, T] responses, with the subject's metadata when asked for. */
async function encodeResult(model: EncodingModel, inner: ModelInternals, out: Float32Array, n: number, options: EncodeOptions & { returnMetadata?: boolean }): Promise<Responses | { responses: Responses; metadata: ModelMetadata }> {
  const responses: Responses = { data: out, shape: [n, N_REPETITIONS, model.channelIndices.length, model.timeIndices.length] };
  if (!options.returnMetadata) return responses;
  return { responses, metadata: await getModelMetadata(model.modelId, model.subject, { source: inner.source }) };
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
    await twoInFlight<{ run: Promise<Float32Array> }>(n, batchSize, { ...options, collected: batchReporter(model, out, options) }, {
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

/**
 * The subject's metadata (BERG's get_model_metadata), without reading any weights: channel
 * names and times, and for fitted subjects the noise ceiling, ncsnr, the encoding accuracy and
 * the image lists of BERG's metadata file (metadata.json). The demo subject has channels and
 * times only.
 *
 * @param modelId - must be MODEL_ID.
 * @param subject - an integer 1..10, or 'demo'; must match the folder's manifest.
 * @param options.source - the subject's model folder. Required.
 * @returns ModelMetadata: `eeg.ch_names` (63), `eeg.times` (140, seconds), `eeg.ncsnr` and
 *   `eeg.noise_ceiling` [63, 140], `encoding_models.correlation_averaged_repetitions` [63, 140]
 *   and `correlation_single_repetitions` [4, 63, 140], float32, where the folder has them.
 * @throws InvalidParameterError for another model id, an invalid subject or a missing source.
 * @throws ModelLoadError when the manifest or metadata.json is missing or invalid, or the
 *   folder holds another subject.
 */
export async function getModelMetadata(modelId: string, subject: SubjectId, options: { source: ModelSource }): Promise<ModelMetadata> {
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
