// Page-side handle on the engine worker: promises for requests, callbacks for progress.
import type { Device, Precision } from '../core/types.ts';
import type { CatalogEntry, EncodeItem, FromWorker, LoadedModelInfo, QualityArrays, ToWorker } from './protocol.ts';
import type { WasmSetup } from './wasm_paths.ts';

export class WorkerError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

type Handler = (msg: FromWorker) => void;

export interface LoadResult {
  info: LoadedModelInfo;
  quality: QualityArrays | null;
  qualityNote?: string;
}

export interface EncodeJob {
  reqId: number;
  /** 'finished' or 'cancelled'; rejects with the engine's error. */
  done: Promise<'finished' | 'cancelled'>;
}

export class EngineClient {
  private worker: Worker;
  private nextId = 1;
  private handlers = new Map<number, Handler>();
  /** Encode requests sent to the worker (tests check that re-slicing sends none). */
  encodeRequests = 0;
  /** Images sent to encode, over all requests. */
  imagesSent = 0;

  constructor() {
    this.worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' });
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => this.handlers.get(ev.data.reqId)?.(ev.data);
    this.worker.onerror = (ev) => {
      const err: FromWorker = { type: 'error', reqId: 0, name: 'WorkerError', message: ev.message || 'The engine worker failed to start' };
      for (const [id, h] of this.handlers) h({ ...err, reqId: id });
    };
  }

  private send(msg: ToWorker, transfer: Transferable[] = []) {
    this.worker.postMessage(msg, transfer);
  }

  load(entry: CatalogEntry, url: string, device: Device, precision: Precision, wasm: WasmSetup, onProgress: (stage: string, done: number, total: number) => void): Promise<LoadResult> {
    const reqId = this.nextId++;
    return new Promise((resolve, reject) => {
      this.handlers.set(reqId, (m) => {
        if (m.type === 'load-progress') onProgress(m.stage, m.done, m.total);
        else if (m.type === 'loaded') {
          this.handlers.delete(reqId);
          resolve({ info: m.info, quality: m.quality, qualityNote: m.qualityNote });
        } else if (m.type === 'error' || m.type === 'cancelled') {
          this.handlers.delete(reqId);
          reject(m.type === 'error' ? new WorkerError(m.name, m.message) : new WorkerError('CancelledError', 'Loading was cancelled'));
        }
      });
      this.send({ type: 'load', reqId, entry, url, device, precision, wasm });
    });
  }

  /** Start the backend and the backbone now; the next load on this device reuses them. */
  prepare(device: Device, wasm: WasmSetup): void {
    const reqId = this.nextId++;
    this.handlers.set(reqId, () => this.handlers.delete(reqId));
    this.send({ type: 'prepare', reqId, device, wasm });
  }

  /** Items' pixel buffers are transferred (pass copies you can spare). */
  encode(
    items: EncodeItem[],
    batchSize: number,
    onResult: (key: string, data: Float32Array) => void,
    onProgress: (done: number, total: number) => void,
  ): EncodeJob {
    const reqId = this.nextId++;
    this.encodeRequests++;
    this.imagesSent += items.length;
    const done = new Promise<'finished' | 'cancelled'>((resolve, reject) => {
      this.handlers.set(reqId, (m) => {
        if (m.type === 'encoded') for (const r of m.results) onResult(r.key, new Float32Array(r.data));
        else if (m.type === 'encode-progress') onProgress(m.done, m.total);
        else if (m.type === 'encode-finished' || m.type === 'cancelled') {
          this.handlers.delete(reqId);
          resolve(m.type === 'encode-finished' ? 'finished' : 'cancelled');
        } else if (m.type === 'error') {
          this.handlers.delete(reqId);
          reject(new WorkerError(m.name, m.message));
        }
      });
    });
    this.send({ type: 'encode', reqId, items, batchSize }, items.map((i) => i.pixels));
    return { reqId, done };
  }

  cancel(reqId: number) {
    this.send({ type: 'cancel', reqId });
  }
}
