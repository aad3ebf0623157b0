// BERG's own files for eeg-things_eeg_2-alexnet_untrained: weights_subject-NN.npy and
// metadata_subject-NN.npy, each an .npy holding a 0-d object array whose single item
// is a pickled dict (weights: scaler_param, pca_param in one of three layouts, reg_param;
// metadata: eeg, encoding_models, train_img_info, test_img_info). Read with the safe unpickler, validated,
// and returned as typed arrays. Browser-safe: no Node APIs.

import { ModelLoadError } from '../core/errors.ts';
import { MODEL_ID, N_CHANNELS, N_FEATURES, N_REPETITIONS, N_TIMES } from '../core/types.ts';
import type { ByteSource, ProgressCallback } from './byte_source.ts';
import { NdArray, toCOrder, type NumericArray } from './dtype.ts';
import { MAX_COMPONENTS, MAX_METADATA_STRING_CHARS } from './limits.ts';
import { readNpy } from './npy.ts';
import { PickleDict, PickleValue } from './pickle.ts';

export type FloatArray = Float32Array | Float64Array;

export type PcaLayout = 'shared' | 'per-repetition' | 'per-repetition-sklearn';

export interface BergPca {
  /** components_, [K, F], C order (float32 in BERG's files; float64 kept as is) */
  components: FloatArray;
  /** mean_, [F] */
  mean: FloatArray;
  /** sklearn's whiten flag: transform() then divides by sqrt(explained_variance_) */
  whiten: boolean;
  explainedVariance?: FloatArray;
}

export interface BergRegression {
  /** coef_, [N_CHANNELS * N_TIMES, K], rows channel-major then time */
  coef: FloatArray;
  /** intercept_, [N_CHANNELS * N_TIMES] */
  intercept: FloatArray;
}

export interface BergWeights {
  scaler: { mean: Float64Array; scale: Float64Array };
  /** One entry for the shared layout, four (rep-1..rep-4) otherwise. */
  pca: { layout: PcaLayout; reps: BergPca[] };
  /** rep-1..rep-4 */
  reg: BergRegression[];
  nComponents: number;
  nFeatures: number;
}

export interface ReadBergOptions {
  onProgress?: ProgressCallback;
  /** read-ahead buffer in bytes (default 4 MiB) */
  readAhead?: number;
}

const REPS = Array.from({ length: N_REPETITIONS }, (_, i) => `rep-${i + 1}`);
const N_ROWS = N_CHANNELS * N_TIMES;
const fmt = (n: number) => n.toLocaleString('en-US');

/** Reads the pickled dict inside a BERG .npy; parse failures become ModelLoadError. */
async function readBergDict(src: ByteSource, what: string, opts: ReadBergOptions): Promise<PickleDict> {
  let arr;
  try {
    arr = await readNpy(src, { allowPickle: true, onProgress: opts.onProgress, readAhead: opts.readAhead });
  } catch (e) {
    const msg = (e as Error).message;
    // the reader's own error kept as the cause: one that is not a BergError is a reader bug
    throw Object.assign(new ModelLoadError(msg.startsWith(src.name) ? msg : `${src.name}: ${msg}`), { cause: e });
  }
  if (arr.dtype !== '|O') {
    throw new ModelLoadError(
      `${src.name} is not a BERG ${what} file: it holds a plain ${arr.dtype} array of shape (${arr.shape.join(', ')}), ` +
        `not a pickled dict`,
    );
  }
  const item = (arr.data as PickleValue[])[0];
  if (arr.shape.length !== 0 || !isDict(item)) {
    throw new ModelLoadError(`${src.name} is not a BERG ${what} file: its object array does not hold one dict`);
  }
  return item;
}

function isDict(v: unknown): v is PickleDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof NdArray) && !(v instanceof Uint8Array) &&
    Object.getPrototypeOf(v) === Object.prototype;
}

function floatArray(v: PickleValue | undefined, where: string, file: string): NdArray<FloatArray> {
  if (!(v instanceof NdArray)) throw new ModelLoadError(`${file}: ${where} is missing or not a numpy array`);
  const data = v.data;
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    throw new ModelLoadError(`${file}: ${where} has dtype ${v.dtype}; a float32 or float64 array was expected`);
  }
  return toCOrder(v as NdArray<FloatArray>);
}

/** Index of the first NaN or infinity in a, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x - x !== 0) return i; // NaN and +-Infinity give NaN
  }
  return -1;
}

/** "[i]" for a flat index, "[r, c]" for a row-major 2-D one. */
export function indexText(i: number, shape: readonly number[]): string {
  return shape.length === 2 ? `[${Math.floor(i / shape[1])}, ${i % shape[1]}]` : `[${i}]`;
}

/** Refuses an array holding NaN or infinity, naming it and the first bad index. */
function checkFinite(a: ArrayLike<number>, shape: readonly number[], where: string, file: string): void {
  const i = firstNonFinite(a);
  if (i >= 0) {
    throw new ModelLoadError(`${file}: ${where}${indexText(i, shape)} is ${a[i]}: the weights are corrupt (every weight must be finite)`);
  }
}

function f64(a: FloatArray): Float64Array {
  return a instanceof Float64Array ? a : Float64Array.from(a);
}

/**
 * Reads and validates a BERG weights file (weights_subject-NN.npy). All three pca_param
 * layouts load; K comes from the arrays. Every inconsistency is its own ModelLoadError.
 */
export async function readBergWeights(src: ByteSource, opts: ReadBergOptions = {}): Promise<BergWeights> {
  const file = src.name;
  const d = await readBergDict(src, 'weights', opts);
  for (const key of ['scaler_param', 'pca_param', 'reg_param']) {
    if (!(key in d)) {
      throw new ModelLoadError(
        `${file} has no ${key}: it is not a complete BERG encoding-model weights file ` +
          `(found: ${Object.keys(d).join(', ') || 'nothing'})`,
      );
    }
    if (!isDict(d[key])) throw new ModelLoadError(`${file}: ${key} is not a dict`);
  }
  const sp = d.scaler_param as PickleDict;
  const pp = d.pca_param as PickleDict;
  const rp = d.reg_param as PickleDict;

  // PCA first: it fixes the feature count F and K
  let layout: PcaLayout;
  let pcaDicts: { dict: PickleDict; where: string }[];
  if ('components_' in pp) {
    layout = 'shared';
    pcaDicts = [{ dict: pp, where: 'pca_param' }];
  } else if (REPS.some((r) => r in pp)) {
    const missing = REPS.filter((r) => !(r in pp));
    if (missing.length) throw new ModelLoadError(`${file}: pca_param has no ${missing.join(', ')} (it needs rep-1 to rep-4)`);
    const vals = REPS.map((r) => pp[r]);
    if (!vals.every(isDict)) throw new ModelLoadError(`${file}: pca_param rep-1..rep-4 are not PCA parameter dicts`);
    const estimators = vals.filter((v) => typeof (v as PickleDict).__class__ === 'string').length;
    if (estimators !== 0 && estimators !== vals.length) {
      throw new ModelLoadError(`${file}: pca_param mixes sklearn PCA objects and parameter dicts`);
    }
    layout = estimators ? 'per-repetition-sklearn' : 'per-repetition';
    pcaDicts = REPS.map((r) => ({ dict: pp[r] as PickleDict, where: `pca_param ${r}` }));
  } else {
    throw new ModelLoadError(
      `${file}: pca_param has neither components_ (one shared PCA) nor rep-1..rep-4 ` +
        `(found: ${Object.keys(pp).join(', ') || 'nothing'})`,
    );
  }

  const pcaCache = new Map<PickleDict, BergPca>();
  let nFeatures = -1;
  let nComponents = -1;
  const reps: BergPca[] = pcaDicts.map(({ dict, where }) => {
    const cached = pcaCache.get(dict); // the same pickled object twice (memo): read once
    if (cached) return cached;
    const cls = dict.__class__;
    if (cls !== undefined && !String(cls).endsWith('.PCA')) {
      throw new ModelLoadError(`${file}: ${where} is a ${String(cls)}, not a PCA`);
    }
    const comp = floatArray(dict.components_, `${where} components_`, file);
    if (comp.shape.length !== 2) throw new ModelLoadError(`${file}: ${where} components_ is not 2-D (shape (${comp.shape}))`);
    const [k, f] = comp.shape;
    if (k < 1 || k > MAX_COMPONENTS) {
      throw new ModelLoadError(`${file}: ${where} components_ has ${k} components; K must be 1 to ${MAX_COMPONENTS}`);
    }
    if (f !== N_FEATURES) {
      throw new ModelLoadError(
        `this is not an ${MODEL_ID} weights file: PCA expects ${fmt(f)} features, ` +
          `but this model's AlexNet features have ${fmt(N_FEATURES)} (${file})`,
      );
    }
    if (nComponents >= 0 && k !== nComponents) {
      throw new ModelLoadError(`${file}: K mismatch: ${where} has ${k} components, an earlier PCA has ${nComponents}`);
    }
    nFeatures = f;
    nComponents = k;
    checkFinite(comp.data, comp.shape, `${where} components_`, file);
    const mean = floatArray(dict.mean_, `${where} mean_`, file);
    if (mean.data.length !== f) {
      throw new ModelLoadError(`${file}: ${where} mean_ has ${fmt(mean.data.length)} values, components_ has ${fmt(f)} features`);
    }
    checkFinite(mean.data, [f], `${where} mean_`, file);
    const whiten = dict.whiten === true;
    let explainedVariance: FloatArray | undefined;
    if (whiten) {
      explainedVariance = floatArray(dict.explained_variance_, `${where} explained_variance_`, file).data;
      if (explainedVariance.length !== k) throw new ModelLoadError(`${file}: ${where} explained_variance_ does not have K=${k} values`);
      for (let i = 0; i < k; i++) {
        if (!(explainedVariance[i] > 0 && Number.isFinite(explainedVariance[i]))) {
          throw new ModelLoadError(`${file}: ${where} explained_variance_[${i}] is ${explainedVariance[i]}: whitening divides by its square root, so it must be positive and finite`);
        }
      }
    }
    const p: BergPca = { components: comp.data, mean: mean.data, whiten, explainedVariance };
    pcaCache.set(dict, p);
    return p;
  });

  // scaler: None mean_/scale_ mean with_mean/with_std were off
  const scalerVec = (key: 'mean_' | 'scale_', fill: number): Float64Array => {
    const v = sp[key];
    if (v === null || v === undefined) {
      if (key in sp) return new Float64Array(nFeatures).fill(fill);
      throw new ModelLoadError(`${file}: scaler_param has no ${key}`);
    }
    const a = f64(floatArray(v, `scaler_param ${key}`, file).data);
    if (a.length !== nFeatures) {
      throw new ModelLoadError(`${file}: scaler_param ${key} has ${fmt(a.length)} values, but the PCA expects ${fmt(nFeatures)} features`);
    }
    return a;
  };
  const scaler = { mean: scalerVec('mean_', 0), scale: scalerVec('scale_', 1) };
  checkFinite(scaler.mean, [nFeatures], 'scaler_param mean_', file);
  for (let i = 0; i < scaler.scale.length; i++) {
    if (!(scaler.scale[i] !== 0 && Number.isFinite(scaler.scale[i]))) {
      throw new ModelLoadError(`${file}: scaler_param scale_[${i}] is ${scaler.scale[i]}: the scaler is corrupt`);
    }
  }

  // regression, one per repetition
  const missingReg = REPS.filter((r) => !(r in rp));
  if (missingReg.length) {
    throw new ModelLoadError(`${file}: reg_param has no ${missingReg.join(', ')} (it needs rep-1 to rep-4)`);
  }
  const reg: BergRegression[] = REPS.map((r) => {
    const rd = rp[r];
    if (!isDict(rd)) throw new ModelLoadError(`${file}: reg_param ${r} is not a dict of regression parameters`);
    const coef = floatArray(rd.coef_, `reg_param ${r} coef_`, file);
    if (coef.shape.length !== 2) throw new ModelLoadError(`${file}: reg_param ${r} coef_ is not 2-D (shape (${coef.shape}))`);
    const [rows, cols] = coef.shape;
    if (rows !== N_ROWS) {
      throw new ModelLoadError(
        `${file}: reg_param ${r} coef_ has ${fmt(rows)} rows, expected ${N_CHANNELS} channels x ${N_TIMES} times = ${fmt(N_ROWS)}`,
      );
    }
    if (cols !== nComponents) {
      throw new ModelLoadError(
        `${file}: K mismatch: the PCA has ${nComponents} components but reg_param ${r} coef_ has ${cols} columns`,
      );
    }
    checkFinite(coef.data, coef.shape, `reg_param ${r} coef_`, file);
    let intercept: FloatArray;
    if (typeof rd.intercept_ === 'number') intercept = new Float64Array(N_ROWS).fill(rd.intercept_); // fit_intercept=False gives 0.0
    else intercept = floatArray(rd.intercept_, `reg_param ${r} intercept_`, file).data;
    if (intercept.length !== N_ROWS) {
      throw new ModelLoadError(`${file}: reg_param ${r} intercept_ has ${fmt(intercept.length)} values, expected ${fmt(N_ROWS)}`);
    }
    checkFinite(intercept, [N_ROWS], `reg_param ${r} intercept_`, file);
    return { coef: coef.data, intercept };
  });

  return { scaler, pca: { layout, reps }, reg, nComponents, nFeatures };
}

// ---------------- metadata ----------------

/** BERG's metadata dict, typed. Same fields as ModelMetadata minus model_id/subject/synthetic. */
export interface BergMetadata {
  eeg: {
    ch_names: string[];
    times: number[];
    ncsnr?: Float32Array;
    noise_ceiling?: Float32Array;
  };
  encoding_models?: {
    correlation_averaged_repetitions?: Float32Array;
    correlation_single_repetitions?: Float32Array;
  };
  train_img_info?: Record<string, string[]>;
  test_img_info?: Record<string, string[]>;
}

/**
 * Characters the metadata's strings will take in metadata.json. A pickle references one string
 * object as often as it likes for a few bytes each, so the total is bounded, not the file size.
 */
interface StringBudget {
  chars: number;
}

function stringList(v: PickleValue | undefined, where: string, file: string, budget: StringBudget): string[] {
  if (v instanceof NdArray) v = v.data as PickleValue[];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    throw new ModelLoadError(`${file}: ${where} is not a list of strings`);
  }
  for (const s of v as string[]) budget.chars += s.length + 3; // quotes and comma in JSON
  if (budget.chars > MAX_METADATA_STRING_CHARS) {
    throw new ModelLoadError(
      `${file}: the metadata's strings add up to more than ${MAX_METADATA_STRING_CHARS} characters (at ${where}); ` +
        `BERG's hold a few million: the file is corrupt or repeats shared strings to exhaust memory`,
    );
  }
  return v as string[];
}

function numberList(v: PickleValue | undefined, where: string, file: string): number[] {
  if (v instanceof NdArray) {
    const d = v.data as NumericArray;
    if (!ArrayBuffer.isView(d)) throw new ModelLoadError(`${file}: ${where} is not numeric`);
    return Array.from(d as ArrayLike<number | bigint>, Number);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new ModelLoadError(`${file}: ${where} is not a list of numbers`);
  return v as number[];
}

function f32Grid(v: PickleValue | undefined, shape: number[], where: string, file: string): Float32Array | undefined {
  if (v === undefined || v === null) return undefined;
  if (!(v instanceof NdArray)) throw new ModelLoadError(`${file}: ${where} is not a numpy array`);
  const c = toCOrder(v);
  if (c.shape.join() !== shape.join()) {
    throw new ModelLoadError(`${file}: ${where} has shape (${c.shape.join(', ')}), expected (${shape.join(', ')})`);
  }
  const d = c.data;
  if (!(d instanceof Float32Array || d instanceof Float64Array)) throw new ModelLoadError(`${file}: ${where} is not a float array`);
  return d instanceof Float32Array ? d : Float32Array.from(d);
}

function imgInfo(v: PickleValue | undefined, where: string, file: string, budget: StringBudget): Record<string, string[]> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isDict(v)) throw new ModelLoadError(`${file}: ${where} is not a dict`);
  const out: Record<string, string[]> = {};
  for (const [k, x] of Object.entries(v)) {
    budget.chars += k.length + 4;
    Object.defineProperty(out, k, { value: stringList(x, `${where} ${k}`, file, budget), writable: true, enumerable: true, configurable: true });
  }
  return out;
}

/** Reads and validates a BERG metadata file (metadata_subject-NN.npy). */
export async function readBergMetadata(src: ByteSource, opts: ReadBergOptions = {}): Promise<BergMetadata> {
  const file = src.name;
  const d = await readBergDict(src, 'metadata', opts);
  const eeg = d.eeg;
  if (!isDict(eeg)) {
    throw new ModelLoadError(
      `${file} has no eeg dict (ch_names, times): it is not a BERG metadata file (found: ${Object.keys(d).join(', ') || 'nothing'})`,
    );
  }
  const budget: StringBudget = { chars: 0 };
  const ch_names = stringList(eeg.ch_names, 'eeg ch_names', file, budget);
  if (ch_names.length !== N_CHANNELS) {
    throw new ModelLoadError(`${file}: eeg ch_names has ${ch_names.length} channels; ${MODEL_ID} has ${N_CHANNELS}`);
  }
  const times = numberList(eeg.times, 'eeg times', file);
  if (times.length !== N_TIMES) {
    throw new ModelLoadError(`${file}: eeg times has ${times.length} time points; ${MODEL_ID} has ${N_TIMES}`);
  }
  const badTime = firstNonFinite(times);
  if (badTime >= 0) throw new ModelLoadError(`${file}: eeg times[${badTime}] is ${times[badTime]}; times must be finite seconds`);
  const grid = [N_CHANNELS, N_TIMES];
  const out: BergMetadata = {
    eeg: {
      ch_names,
      times,
      ncsnr: f32Grid(eeg.ncsnr, grid, 'eeg ncsnr', file),
      noise_ceiling: f32Grid(eeg.noise_ceiling, grid, 'eeg noise_ceiling', file),
    },
  };
  const em = d.encoding_models;
  if (isDict(em)) {
    out.encoding_models = {
      correlation_averaged_repetitions: f32Grid(em.correlation_averaged_repetitions, grid, 'encoding_models correlation_averaged_repetitions', file),
      correlation_single_repetitions: f32Grid(
        em.correlation_single_repetitions,
        [N_REPETITIONS, ...grid],
        'encoding_models correlation_single_repetitions',
        file,
      ),
    };
  }
  out.train_img_info = imgInfo(d.train_img_info, 'train_img_info', file, budget);
  out.test_img_info = imgInfo(d.test_img_info, 'test_img_info', file, budget);
  for (const k of Object.keys(out) as (keyof BergMetadata)[]) if (out[k] === undefined) delete out[k];
  return out;
}
