// BERG's parsed files -> the pieces of our model folder (weights to write, manifest fields,
// metadata.json content). Pure: the Node converter (convert.ts) and the browser import
// (import_browser.ts) both build their folders from here, so they write the same thing.
import channelsFile from '../data/channels_10-05_63.json' with { type: 'json' };
import { MODEL_ID, N_CHANNELS, N_FEATURES, N_REPETITIONS, N_TIMES } from '../core/types.ts';
import type { BergMetadata, BergWeights, FloatArray } from '../io/berg.ts';
import type { FoldedPca } from './pca.ts';
import { MODEL_FORMAT, type ManifestFields, type SourceFileInfo, type StoredDtype } from '../io/model_folder.ts';

import type { WeightToWrite } from '../io/model_folder_write.ts';
/** The model's 63 channels in BERG's order (used when no metadata file is given). */
export const DEFAULT_CH_NAMES: string[] = (channelsFile as { channels: { name: string }[] }).channels.map((c) => c.name);
/** -100..595 ms at 200 Hz, in seconds, as BERG's metadata lists them. */
export const DEFAULT_TIMES: number[] = Array.from({ length: N_TIMES }, (_, i) => Math.round(-100 + 5 * i) / 1000);

/** The shortest decimal that reads back as the same float32 (keeps metadata.json small). */
function f32Json(v: number): number | null {
  if (!Number.isFinite(v)) return null; // JSON has no NaN; readModelMetadata maps null back to NaN
  const f = Math.fround(v);
  for (let p = 6; p < 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return s;
  }
  return Number(f.toPrecision(9));
}

function jsonArray(a: Float32Array | undefined, shape: number[]) {
  return a ? { shape, data: Array.from(a, f32Json) } : undefined;
}

/** metadata.json content for a subject. */
export function metadataJson(meta: BergMetadata, subject: number) {
  const grid = [N_CHANNELS, N_TIMES];
  return {
    model_id: MODEL_ID,
    subject,
    synthetic: false,
    eeg: {
      ch_names: meta.eeg.ch_names,
      times: meta.eeg.times,
      ncsnr: jsonArray(meta.eeg.ncsnr, grid),
      noise_ceiling: jsonArray(meta.eeg.noise_ceiling, grid),
    },
    encoding_models: meta.encoding_models && {
      correlation_averaged_repetitions: jsonArray(meta.encoding_models.correlation_averaged_repetitions, grid),
      correlation_single_repetitions: jsonArray(meta.encoding_models.correlation_single_repetitions, [N_REPETITIONS, ...grid]),
    },
    train_img_info: meta.train_img_info,
    test_img_info: meta.test_img_info,
  };
}

function toF32(a: FloatArray): Float32Array {
  return a instanceof Float32Array ? a : Float32Array.from(a);
}

/**
 * The weights of a converted subject, in the engine's names (model_folder.ts weightNames):
 * folded PCA per layout, then regression per repetition. `big` decides how the large matrices
 * are stored (float16 in the converter); the small offset/intercept vectors stay float32.
 */
export function bergWeightList(
  w: BergWeights,
  folded: FoldedPca[],
  big: (name: string, shape: number[], data: Float32Array) => WeightToWrite = (name, shape, data) => ({ name, shape, data }),
): WeightToWrite[] {
  const K = w.nComponents;
  const shared = w.pca.layout === 'shared';
  const list: WeightToWrite[] = [];
  folded.forEach((p, i) => {
    const base = shared ? 'pca' : `pca/rep-${i + 1}`;
    list.push(big(`${base}/components`, [K, N_FEATURES], p.components));
    list.push({ name: `${base}/offset`, shape: [K], data: p.offset });
  });
  w.reg.forEach((r, i) => {
    list.push(big(`reg/rep-${i + 1}/coef`, [N_CHANNELS * N_TIMES, K], toF32(r.coef)));
    list.push({ name: `reg/rep-${i + 1}/intercept`, shape: [N_CHANNELS * N_TIMES], data: toF32(r.intercept) });
  });
  return list;
}

export interface BergManifestInput {
  subject: number;
  weights: BergWeights;
  /** BERG metadata; without it the channels and times are the model's standard ones */
  metadata?: BergMetadata;
  dtype?: StoredDtype;
  converter: string;
  convertedAt?: string;
  sources: SourceFileInfo[];
}

/** manifest.json's fields (all but the weight listing) for a converted BERG subject. */
export function bergManifestFields(o: BergManifestInput): ManifestFields {
  const w = o.weights;
  return {
    format: MODEL_FORMAT,
    model_id: MODEL_ID,
    subject: o.subject,
    synthetic: false,
    ch_names: o.metadata?.eeg.ch_names ?? DEFAULT_CH_NAMES,
    times: o.metadata?.eeg.times ?? DEFAULT_TIMES,
    encoder: {
      n_features: w.nFeatures,
      n_components: w.nComponents,
      pca_layout: w.pca.layout === 'shared' ? 'shared' : 'per-repetition',
      scaler_folded: true,
      dtype: o.dtype ?? 'float32',
    },
    metadata: 'metadata.json',
    provenance: {
      converter: o.converter,
      converted_at: o.convertedAt ?? new Date().toISOString(),
      sources: o.sources,
    },
  };
}
