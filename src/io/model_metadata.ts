// metadata.json of our model folder: BERG's metadata (channels, times, noise ceiling, encoding
// accuracy, image lists) as JSON, read back validated into typed arrays.
import { ModelLoadError } from '../core/errors.ts';
import type { ModelSource } from '../core/source.ts';
import { N_CHANNELS, N_REPETITIONS, N_TIMES, type ModelManifest, type ModelMetadata } from '../core/types.ts';
import { product } from './dtype.ts';
import { MAX_METADATA_JSON_BYTES, MAX_NDIM } from './limits.ts';
import { isObject, readJson, readModelManifest, validateManifest, where, type ConvertedManifest } from './model_folder.ts';
import { metadataFileText } from './model_folder_write.ts';


/** A numeric array in metadata.json: flat data (NaN written as null) plus shape. */
export interface JsonArray {
  shape: number[];
  data: (number | null)[];
}

function fromJsonArray(v: unknown, shape: number[], what: string, at: string): Float32Array | undefined {
  if (v === undefined || v === null) return undefined;
  let flat: unknown[];
  let got: unknown[];
  if (Array.isArray(v)) {
    // nested lists: the shape is read down the first items, bounded by the rank expected
    got = [];
    let x: unknown = v;
    while (Array.isArray(x) && got.length <= shape.length) {
      got.push(x.length);
      x = x[0];
    }
    flat = got.join() === shape.join() ? (v as unknown[]).flat(shape.length - 1) : [];
  } else if (isObject(v) && Array.isArray(v.data)) {
    flat = v.data;
    got = Array.isArray(v.shape) ? v.shape : [flat.length];
  } else throw new ModelLoadError(`${at}: ${what} is not a number array`);
  if (got.join() !== shape.join() || flat.length !== product(shape)) {
    throw new ModelLoadError(`${at}: ${what} has shape (${got.slice(0, MAX_NDIM).join(', ')}), expected (${shape.join(', ')})`);
  }
  const out = new Float32Array(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const x = flat[i];
    if (x !== null && typeof x !== 'number') throw new ModelLoadError(`${at}: ${what}[${i}] is not a number`);
    out[i] = x === null ? NaN : x;
  }
  return out;
}

function jsonStrings(v: unknown, n: number | null, what: string, at: string): string[] {
  if (!Array.isArray(v) || (n !== null && v.length !== n) || !v.every((x) => typeof x === 'string')) {
    throw new ModelLoadError(`${at}: ${what} is not a list of ${n ?? ''}${n === null ? '' : ' '}strings`);
  }
  return v as string[];
}

function jsonImgInfo(v: unknown, what: string, at: string): Record<string, string[]> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new ModelLoadError(`${at}: ${what} is not an object of string lists`);
  const out: Record<string, string[]> = {};
  for (const [k, x] of Object.entries(v)) {
    Object.defineProperty(out, k, { value: jsonStrings(x, null, `${what}.${k}`, at), writable: true, enumerable: true, configurable: true });
  }
  return out;
}

/** Reads the subject's metadata.json (as written by the converter) into ModelMetadata, every field checked. */
export async function readModelMetadata(source: ModelSource, manifest?: ConvertedManifest | ModelManifest): Promise<ModelMetadata> {
  const m = manifest ? validateManifest(manifest, where(source, 'manifest.json')) : await readModelManifest(source);
  const name = typeof m.metadata === 'string' ? m.metadata : 'metadata.json';
  const at = where(source, name);
  const j = await readJson(source, name, 'the model metadata', MAX_METADATA_JSON_BYTES);
  if (!isObject(j)) throw new ModelLoadError(`${at} is not an object`);
  const eeg = isObject(j.eeg) ? j.eeg : {};
  const grid = [N_CHANNELS, N_TIMES];
  const times = eeg.times === undefined ? m.times : eeg.times;
  if (!Array.isArray(times) || times.length !== N_TIMES || !times.every((t) => typeof t === 'number' && Number.isFinite(t))) {
    throw new ModelLoadError(`${at}: eeg.times is not ${N_TIMES} finite numbers`);
  }
  const meta: ModelMetadata = {
    model_id: m.model_id,
    subject: m.subject,
    synthetic: Boolean(m.synthetic),
    eeg: {
      ch_names: eeg.ch_names === undefined ? m.ch_names : jsonStrings(eeg.ch_names, N_CHANNELS, 'eeg.ch_names', at),
      times: times as number[],
      ncsnr: fromJsonArray(eeg.ncsnr, grid, 'eeg.ncsnr', at),
      noise_ceiling: fromJsonArray(eeg.noise_ceiling, grid, 'eeg.noise_ceiling', at),
    },
  };
  if (isObject(j.encoding_models)) {
    meta.encoding_models = {
      correlation_averaged_repetitions: fromJsonArray(j.encoding_models.correlation_averaged_repetitions, grid, 'correlation_averaged_repetitions', at),
      correlation_single_repetitions: fromJsonArray(
        j.encoding_models.correlation_single_repetitions,
        [N_REPETITIONS, ...grid],
        'correlation_single_repetitions',
        at,
      ),
    };
  }
  const train = jsonImgInfo(j.train_img_info, 'train_img_info', at);
  const test = jsonImgInfo(j.test_img_info, 'test_img_info', at);
  if (train) meta.train_img_info = train;
  if (test) meta.test_img_info = test;
  for (const k of ['ncsnr', 'noise_ceiling'] as const) if (meta.eeg[k] === undefined) delete meta.eeg[k];
  return meta;
}

/**
 * metadata.json's text, refused when it would be larger than a reader accepts (a pickle's shared
 * strings, written out once per reference, could otherwise grow it without bound).
 */
export function checkedMetadataText(metadata: unknown): string {
  const text = metadataFileText(metadata);
  if (text.length > MAX_METADATA_JSON_BYTES) {
    throw new ModelLoadError(`the metadata would be ${text.length} characters of JSON, more than the ${MAX_METADATA_JSON_BYTES} a model folder may hold`);
  }
  return text;
}

