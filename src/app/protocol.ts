// Messages between the page and the engine worker. Pixel and response buffers are transferred,
// not copied. Every request carries a reqId; replies echo it so stale replies can be ignored.
import type { Backend, Device } from '../engine/types.ts';

/** An entry of public/models/index.json. */
export interface CatalogEntry {
  model_id: string;
  subject: number | 'demo';
  /** Folder under /models/, e.g. "eeg-things_eeg_2-alexnet_untrained/demo/". */
  path: string;
  synthetic?: boolean;
  label?: string;
}

export interface LoadedModelInfo {
  modelId: string;
  subject: number | 'demo';
  synthetic: boolean;
  /** The backend in use (what 'auto' chose). */
  backend: Backend;
  backendNote?: string;
  chNames: string[];
  /** Seconds. */
  times: number[];
  weightsSha256: Record<string, string>;
}

/** Model-quality arrays from the model's metadata (any may be missing). */
export interface QualityArrays {
  /** [63, 140] */
  ncsnr?: Float32Array;
  /** [63, 140], percent in BERG's files */
  noiseCeiling?: Float32Array;
  /** [63, 140] */
  corrAveraged?: Float32Array;
  /** [4, 63, 140] */
  corrSingle?: Float32Array;
}

export interface EncodeItem {
  /** Cache key of this image's pixels (image id + square mode). */
  key: string;
  /** Side of the square image. */
  size: number;
  /** uint8 [3, size, size]. */
  pixels: ArrayBuffer;
}

export type ToWorker =
  | {
      type: 'load';
      reqId: number;
      entry: CatalogEntry;
      /** Absolute URL of the model folder. */
      url: string;
      device: Device;
      wasmPaths: Record<string, string>;
    }
  | { type: 'encode'; reqId: number; items: EncodeItem[]; batchSize: number }
  | { type: 'cancel'; reqId: number };

export type FromWorker =
  | { type: 'load-progress'; reqId: number; stage: string; done: number; total: number }
  | { type: 'loaded'; reqId: number; info: LoadedModelInfo; quality: QualityArrays | null; qualityNote?: string }
  /** Images finished so far in this request. */
  | { type: 'encode-progress'; reqId: number; done: number; total: number }
  /** One batch: float32 [4, 63, 140] per image. */
  | { type: 'encoded'; reqId: number; results: { key: string; data: ArrayBuffer }[] }
  | { type: 'encode-finished'; reqId: number; ms: number }
  | { type: 'cancelled'; reqId: number }
  | { type: 'error'; reqId: number; name: string; message: string };
