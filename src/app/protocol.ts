// Messages between the page and the engine worker. Pixel and response buffers are transferred,
// not copied. Every request carries a reqId; replies echo it so stale replies can be ignored.
import type { Backend, Device, Precision, CompactInfo, SubjectId } from '../core/types.ts';
import type { WasmSetup } from './wasm_paths.ts';

/** An entry of public/models/index.json, or of the browser's model store. */
export interface CatalogEntry {
  model_id: string;
  subject: SubjectId;
  /** Folder under /models/, e.g. "eeg-things_eeg_2-alexnet_untrained/demo/"; "opfs:" + folder for stored models. */
  path: string;
  synthetic?: boolean;
  label?: string;
  /** 'opfs': imported and stored in this browser (loaded with opfsSource, not fetched). */
  storage?: 'opfs';
  /** Stored models: false when imported without BERG's metadata file (no quality arrays). */
  metadata?: boolean;
  /** Stored models: bytes of weights. */
  bytes?: number;
  /** Folders converted with --compact: the compact form's measured error (relative to the largest response). */
  compact?: { relative: number | null };
}

export interface LoadedModelInfo {
  modelId: string;
  subject: SubjectId;
  synthetic: boolean;
  /** The backend in use (what 'auto' chose). */
  backend: Backend;
  backendNote?: string;
  chNames: string[];
  /** Seconds. */
  times: number[];
  weightsSha256: Record<string, string>;
  /** synthetic weights: their generator and seed (manifest `generator`), for the export's provenance */
  generator?: { kind: string; seed: number };
  precision: Precision;
  /** precision 'compact': the shared basis and the error the converter measured */
  compact?: CompactInfo;
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
      precision: Precision;
      wasm: WasmSetup;
    }
  /** Pick the backend and build the backbone before any model is chosen (it is the same for all). */
  | { type: 'prepare'; reqId: number; device: Device; wasm: WasmSetup }
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
  | { type: 'prepared'; reqId: number }
  | { type: 'cancelled'; reqId: number }
  | { type: 'error'; reqId: number; name: string; message: string };

// ---------- the import worker (BERG files or a converted folder -> the browser's model store) ----------

export interface BergImportJob {
  subject: number;
  weights: File;
  /** optional: without it the model encodes but the quality panel has nothing to show */
  metadata?: File;
}

export type ToImporter =
  | { type: 'import-berg'; reqId: number; jobs: BergImportJob[] }
  | { type: 'import-folder'; reqId: number; files: { path: string; file: File }[] }
  /** removes a stored subject (its folder, and shards no other stored subject uses) */
  | { type: 'delete'; reqId: number; subject: number }
  | { type: 'cancel'; reqId: number };

export type ImportPhaseName = 'check' | 'read-weights' | 'read-metadata' | 'read-folder' | 'fold' | 'write';

export type FromImporter =
  | { type: 'progress'; reqId: number; subject: number | null; phase: ImportPhaseName; done: number; total: number; file?: string; index: number; count: number }
  /** Every subject stored; notes say what was skipped or is missing. */
  | { type: 'imported'; reqId: number; entries: CatalogEntry[]; notes: string[] }
  | { type: 'deleted'; reqId: number }
  | { type: 'cancelled'; reqId: number }
  /** entries: subjects stored before the failure (a multi-subject import keeps the complete ones). */
  | { type: 'error'; reqId: number; name: string; message: string; entries: CatalogEntry[] };
