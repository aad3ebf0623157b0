// Owns the encoding model so that TF.js never blocks the page. One model at a time;
// requests run one after another, and 'cancel' aborts the encode in progress.
/// <reference lib="webworker" />
import '@tensorflow/tfjs-backend-wasm';
import {
  BackendError,
  CancelledError,
  encode,
  getEncodingModel,
  getModelMetadata,
  InvalidParameterError,
  prepareBackbone,
  ModelLoadError,
  StimulusError,
  type EncodingModel,
} from '../engine/index.ts';
import { isDemoManifest } from '../engine/demo_weights.ts';
import { urlSource } from '../io/source.ts';
import { opfsSource } from '../io/browser_store.ts';
import type { ModelSource } from '../core/source.ts';
import { N_CHANNELS, N_REPETITIONS, N_TIMES } from '../core/types.ts';
import type { EncodeItem, FromWorker, QualityArrays, ToWorker } from './protocol.ts';
import { serveInOrder } from './request_queue.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;

let model: EncodingModel | null = null;
let source: ModelSource | null = null;

function post(msg: FromWorker, transfer: Transferable[] = []) {
  scope.postMessage(msg, transfer);
}

// Class names as written: a bundler may rename the classes, and so their .name.
const ERROR_NAMES: [new (...a: never[]) => Error, string][] = [
  [InvalidParameterError, 'InvalidParameterError'],
  [StimulusError, 'StimulusError'],
  [ModelLoadError, 'ModelLoadError'],
  [CancelledError, 'CancelledError'],
  [BackendError, 'BackendError'],
];

function fail(reqId: number, e: unknown) {
  const err = e instanceof Error ? e : new Error(String(e));
  const name = ERROR_NAMES.find(([cls]) => err instanceof cls)?.[1] ?? err.name;
  post({ type: 'error', reqId, name, message: err.message });
}

async function load(msg: Extract<ToWorker, { type: 'load' }>) {
  model?.dispose();
  model = null;
  // Imported models live in this browser's storage (OPFS); the rest are served folders.
  source = msg.entry.storage === 'opfs' ? opfsSource(msg.entry.path) : urlSource(msg.url);
  const subject = msg.entry.subject;
  model = await getEncodingModel(msg.entry.model_id, subject, {
    source,
    device: msg.device,
    precision: msg.precision,
    ...msg.wasm,
    onProgress: (p) => post({ type: 'load-progress', reqId: msg.reqId, stage: p.stage, done: p.done, total: p.total }),
  });
  const info = {
    modelId: model.modelId,
    subject: model.subject,
    synthetic: model.synthetic,
    backend: model.backend,
    backendNote: model.backendNote,
    chNames: [...model.chNames],
    times: [...model.times],
    weightsSha256: { ...model.weightsSha256 },
    generator: isDemoManifest(model.manifest) ? { kind: model.manifest.generator.kind, seed: model.manifest.generator.seed } : undefined,
    precision: model.precision,
    compact: model.compact,
  };
  // Model-quality arrays are optional: a model without them still encodes.
  let quality: QualityArrays | null = null;
  let qualityNote: string | undefined;
  try {
    const md = await getModelMetadata(msg.entry.model_id, subject, { source });
    quality = {
      ncsnr: md.eeg.ncsnr ? Float32Array.from(md.eeg.ncsnr) : undefined,
      noiseCeiling: md.eeg.noise_ceiling ? Float32Array.from(md.eeg.noise_ceiling) : undefined,
      corrAveraged: md.encoding_models?.correlation_averaged_repetitions
        ? Float32Array.from(md.encoding_models.correlation_averaged_repetitions)
        : undefined,
      corrSingle: md.encoding_models?.correlation_single_repetitions
        ? Float32Array.from(md.encoding_models.correlation_single_repetitions)
        : undefined,
    };
  } catch (e) {
    qualityNote = e instanceof Error ? e.message : String(e);
  }
  if (msg.entry.storage === 'opfs' && msg.entry.metadata === false) {
    qualityNote = `imported without metadata_subject-${String(subject).padStart(2, '0')}.npy: import it together with the weights file to see the model's quality`;
  }
  const transfer = quality
    ? Object.values(quality)
        .filter((a): a is Float32Array => a instanceof Float32Array)
        .map((a) => a.buffer)
    : [];
  post({ type: 'loaded', reqId: msg.reqId, info, quality, qualityNote }, transfer);
}

async function runEncode(msg: Extract<ToWorker, { type: 'encode' }>, signal: AbortSignal) {
  if (!model) throw new Error('No model is loaded');
  const t0 = performance.now();
  // A batch must share one image size: group by size, keeping the request order within a group.
  const groups = new Map<number, EncodeItem[]>();
  for (const it of msg.items) {
    const g = groups.get(it.size) ?? [];
    g.push(it);
    groups.set(it.size, g);
  }
  const total = msg.items.length;
  let done = 0;
  post({ type: 'encode-progress', reqId: msg.reqId, done, total });
  for (const [size, items] of groups) {
    // encode() batches, reports each batch (posted at once, transferred) and honours a cancel
    // between batches; one call per image size.
    const plane = 3 * size * size;
    const data = new Uint8Array(items.length * plane);
    items.forEach((it, k) => data.set(new Uint8Array(it.pixels), k * plane));
    const before = done;
    await encode(model, { data, shape: [items.length, 3, size, size] }, {
      batchSize: msg.batchSize,
      signal,
      onBatch: (start, out) => {
        const per = N_REPETITIONS * N_CHANNELS * N_TIMES;
        const results = items.slice(start, start + out.shape[0]).map((it, k) => ({ key: it.key, data: out.data.slice(k * per, (k + 1) * per).buffer }));
        post({ type: 'encoded', reqId: msg.reqId, results }, results.map((r) => r.data));
      },
      onProgress: (p) => {
        done = before + p.done;
        if (p.done > 0) post({ type: 'encode-progress', reqId: msg.reqId, done, total });
      },
    });
  }
  post({ type: 'encode-finished', reqId: msg.reqId, ms: performance.now() - t0 });
}

function isCancel(e: unknown): boolean {
  // instanceof, not the name: bundling may rename the error classes.
  return e instanceof CancelledError || (e instanceof Error && e.name === 'AbortError');
}

serveInOrder<ToWorker>(scope, async (msg, signal) => {
  try {
    if (signal.aborted) throw new DOMException('cancelled', 'AbortError');
    if (msg.type === 'load') await load(msg);
    else if (msg.type === 'prepare') {
      // A failure here shows again, with its message, when the model loads.
      await prepareBackbone({ device: msg.device, ...msg.wasm }).catch(() => undefined);
      post({ type: 'prepared', reqId: msg.reqId });
    } else await runEncode(msg, signal);
  } catch (e) {
    if (isCancel(e)) post({ type: 'cancelled', reqId: msg.reqId });
    else fail(msg.reqId, e);
  }
});
