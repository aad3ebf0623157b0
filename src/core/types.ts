// Shapes shared by the engine, io, app and CLI. Arrays are flat, row-major (C order), with explicit shapes.

export const MODEL_ID = 'eeg-things_eeg_2-alexnet_untrained';
export const N_CHANNELS = 63;
export const N_TIMES = 140;
export const N_REPETITIONS = 4;
/** Length of the concatenated AlexNet feature vector (8 taps, channel-major). */
export const N_FEATURES = 205_672;

/**
 * 'auto' picks the fastest real device here: a hardware GPU (WebGPU, then WebGL), else in Node
 * ONNX Runtime's CPU kernels ('onnx'), else TF.js's wasm, else TF.js's pure-JS 'cpu'. The others
 * name one runtime explicitly.
 */
export type Device = 'auto' | 'webgpu' | 'webgl' | 'onnx' | 'wasm' | 'cpu';
/**
 * 'exact': BERG's weights as stored (float32, or float16 if converted so). 'compact': one PCA
 * basis shared by the four repetitions (its maps folded into the regressions by the converter's
 * --compact), the basis and fc6-fc8 rounded to float16: about a quarter of the memory, with the
 * error the converter measured (manifest `compact.error`).
 */
export type Precision = 'exact' | 'compact';
/** The runtime a model runs on: a TF.js backend, or 'onnx' (ONNX Runtime, Node only). */
export type Backend = Exclude<Device, 'auto'>;

/** uint8 RGB images, [B, 3, H, W], H === W. */
export interface ImageBatch {
  data: Uint8Array;
  shape: [number, number, number, number];
}

/** float32 array of shape [B, 4, C, T] (C order). */
export interface Responses {
  data: Float32Array;
  shape: [number, number, number, number];
}

/**
 * BERG's selection: channel names (kept in the order listed, duplicates included, as BERG
 * does) and a 140-long 0/1 timepoint mask. Missing fields mean "all".
 */
export interface Selection {
  channels?: string[];
  timepoints?: ArrayLike<number | boolean>;
}

/**
 * A subject's id: a THINGS EEG2 subject number, 'demo' (the synthetic demo subject), or 'demo-N'
 * (further seeded synthetic demo subjects, N >= 2, so that subject means work with no download).
 */
export type SubjectId = number | 'demo' | `demo-${number}`;

/** 'demo' or 'demo-N': a generated (synthetic) demo subject. */
export function isDemoSubject(s: unknown): s is 'demo' | `demo-${number}` {
  return s === 'demo' || (typeof s === 'string' && /^demo-[1-9][0-9]*$/.test(s));
}

/** How file names spell a subject: 'demo', 'demo-2', 'sub-01'. */
export function subjectSlug(s: SubjectId): string {
  return isDemoSubject(s) ? s : `sub-${String(s).padStart(2, '0')}`;
}

/** Contents of a model folder's manifest.json (contract fields first). */
export interface ModelManifest {
  model_id: string;
  subject: SubjectId;
  synthetic: boolean;
  ch_names: string[];
  /** seconds */
  times: number[];
  [key: string]: unknown;
}

export interface ModelMetadata {
  model_id: string;
  subject: SubjectId;
  synthetic: boolean;
  eeg: {
    ch_names: string[];
    times: number[];
    ncsnr?: Float32Array; // [63, 140]
    noise_ceiling?: Float32Array; // [63, 140]
  };
  encoding_models?: {
    correlation_averaged_repetitions?: Float32Array; // [63, 140]
    correlation_single_repetitions?: Float32Array; // [4, 63, 140]
  };
  train_img_info?: Record<string, string[]>;
  test_img_info?: Record<string, string[]>;
}

export interface EncodeProgress {
  done: number;
  total: number;
}

/** How the demo subject is labelled everywhere: the UI's banner, CLI warnings and every export. */
export const SYNTHETIC_LABEL = 'synthetic demo weights, not fitted to EEG';
/** The full notice written into CLI and app sidecars of synthetic models. */
export const SYNTHETIC_NOTICE =
  `${SYNTHETIC_LABEL}: the backbone is BERG's untrained AlexNet, but the PCA and regression weights were generated, ` +
  `so these are not predictions of brain responses. For BERG's fitted models convert them (README, "Real BERG weights").`;

/**
 * The compact form a converted folder may also hold (see convert/pca.ts): repetition 1's PCA shared
 * by all four repetitions, with each repetition's map folded into `compact/rep-N/coef` and
 * `compact/rep-N/intercept`. The engine uses it when asked for precision 'compact'.
 */
export interface CompactInfo {
  /** the shared basis and its offset (weight names) */
  components: string;
  offset: string;
  /** per repetition: the share of its standardised components outside the shared basis */
  residual: number[];
  /** the compact responses against the exact ones on probe images, measured by the converter */
  error?: CompactError;
}

export interface CompactError {
  /** images encoded both ways (seeded synthetic images, see convert/probe_images.ts) */
  probe_images: number;
  /** largest |compact - exact| over all responses */
  max_abs: number;
  /** largest |exact| */
  max_exact: number;
  /** max_abs / max_exact */
  relative: number;
  /** max_abs / max_exact within each repetition */
  relative_per_repetition: number[];
  backend: string;
}
