// The JSON sidecar beside every exported .npy (CLI encode and merge, the page's download): one
// builder, so both sides write the same keys with the same types. The schema is
// docs/sidecar.schema.json (described in docs/sidecar.md); tests validate both sides against it.
// No DOM and no Node APIs here: the page bundles this module.
import pkg from '../../package.json' with { type: 'json' };
import { N_REPETITIONS, SYNTHETIC_NOTICE, type Precision, type CompactInfo, type SubjectId } from '../core/types.ts';
import { describeCompact } from '../core/wording.ts';

export const SIDECAR_SCHEMA = 'insilico-eeg-sidecar';
export const SIDECAR_SCHEMA_VERSION = 1;

// The pixel policy of decoded files is the decoder's (PIXEL_POLICY, src/io/image_decode.ts),
// passed in by the caller: importing the decoder here would put it in the page's main chunk.
/** The pixel policy of a uint8 .npy input: nothing is decoded. */
export const NPY_PIXEL_POLICY = 'uint8 .npy [B, 3, H, W] used as given';

export const DIMS = ['image', 'repetition', 'channel', 'time'] as const;
/** A per-subject export: the subjects' [B, 4, C, T] arrays stacked on a first axis. */
export const SUBJECT_DIMS = ['subject', 'image', 'repetition', 'channel', 'time'] as const;

export const UNITS = {
  unit: 'a.u.',
  description:
    "arbitrary units of BERG's THINGS EEG2 training data, as its model card describes them: filtered 0.03-100 Hz, " +
    'epoched -100..+600 ms, current-source-density transformed, downsampled to 200 Hz and baseline-corrected at ' +
    'each channel with the pre-stimulus mean',
  multivariate_noise_normalised: false,
} as const;

export const PREPROCESSING =
  'torchvision AlexNet_Weights.IMAGENET1K_V1 transforms on uint8: resize shorter side to 256 (bilinear, antialias), ' +
  'centre crop 224, /255, ImageNet mean/std';

export type SquareModeName = 'none' | 'crop' | 'pad-mean' | 'pad-black';

export interface SidecarImage {
  name: string;
  /** as decoded (after EXIF orientation, where applied) */
  width: number;
  height: number;
  /** a non-square image was centre-cropped to square */
  cropped: boolean;
  /** how it was made square: 'none' when it already was */
  square_mode: SquareModeName;
  square_size: number;
  /** the EXIF orientation tag (1..8), or null: no tag, or a decoder that does not report it */
  exif_orientation: number | null;
  orientation_applied: boolean;
  condition?: string;
}

/** What the model that made the responses was, in the sidecar's words. */
export interface SidecarModel {
  model_id: string;
  subject: SubjectId;
  synthetic: boolean;
  backend: string;
  backend_note: string | null;
  precision: Precision;
  compact: CompactInfo | null;
  /** weight name -> sha256 of its shard (converted subjects) */
  weights_sha256: Record<string, string>;
  /** the generator of synthetic weights (manifest `generator`) */
  generator: { kind: string; seed: number } | null;
}

/** The fields of a loaded model (the engine's EncodingModel, the page's LoadedModelInfo) a sidecar records. */
export interface LoadedModelFields {
  modelId: string;
  subject: SubjectId;
  synthetic: boolean;
  backend: string;
  backendNote?: string | null;
  precision: Precision;
  compact?: CompactInfo | null;
  weightsSha256: Record<string, string>;
}

/** A loaded model in the sidecar's words; `generator` is the synthetic weights' generator, if any. */
export function modelForSidecar(m: LoadedModelFields, generator: { kind: string; seed: number } | null): SidecarModel {
  return {
    model_id: m.modelId,
    subject: m.subject,
    synthetic: m.synthetic,
    backend: m.backend,
    backend_note: m.backendNote ?? null,
    precision: m.precision,
    compact: m.compact ?? null,
    weights_sha256: m.weightsSha256,
    generator,
  };
}

export interface SidecarInput {
  /** file name of the .npy (no folder) */
  file: string;
  model: SidecarModel;
  shape: [number, number, number, number];
  ch_names: string[];
  times: number[];
  /** as given: null means all (the model's order) */
  selection: { channels: string[] | null; timepoints: string | null };
  images: SidecarImage[];
  input: { source: string; total: number; range: [number, number] };
  shard: { index: number; count: number } | null;
  merged_from?: string[] | null;
  pixels: { policy: string; exif_orientation: 'ignore' | 'apply' };
  created: Date;
  /**
   * Responses of several subjects (subject means): 'none' stacks them, [S, B, 4, C, T] in this
   * order; 'mean' is their element-wise mean, [B, 4, C, T]. `shape` stays [B, 4, C, T] (one
   * subject's block) and `model` is then unused: each subject's model is in `models`.
   */
  subjects?: { reduction: 'none' | 'mean'; models: SidecarModel[]; labels: string[] };
}

/** One subject of a subject-mean or per-subject export, with the identity of its weights. */
export interface SidecarSubject {
  subject: SubjectId;
  label: string;
  synthetic: boolean;
  synthetic_weights?: { generator: string; seed: number };
  weights_sha256?: Record<string, string>;
  backend: string;
  precision: Precision;
}

export interface Sidecar {
  schema: typeof SIDECAR_SCHEMA;
  schema_version: typeof SIDECAR_SCHEMA_VERSION;
  description: string;
  file: string;
  model_id: string;
  /** 'group' when the file holds several subjects (see `subjects`) */
  subject: SubjectId | 'group';
  synthetic: boolean;
  synthetic_notice?: string;
  synthetic_weights?: { generator: string; seed: number };
  weights_sha256?: Record<string, string>;
  shape: [number, number, number, number] | [number, number, number, number, number];
  dtype: 'float32';
  order: 'C';
  dims: typeof DIMS | typeof SUBJECT_DIMS;
  /** several subjects: which, in which order, and how they were reduced */
  subjects?: {
    reduction: 'none' | 'mean';
    n: number;
    note: string;
    list: SidecarSubject[];
  };
  units: typeof UNITS;
  times: number[];
  ch_names: string[];
  selection: { channels: string[] | null; timepoints: string | null };
  images: SidecarImage[];
  input: { source: string; total: number; range: [number, number] };
  shard: { index: number; count: number } | null;
  merged_from: string[] | null;
  pixels: { policy: string; exif_orientation: 'ignore' | 'apply'; crop: 'center' };
  preprocessing: string;
  backend: string;
  backend_note: string | null;
  precision: Precision;
  compact_error: number | null;
  compact: (CompactInfo & { note: string }) | null;
  version: string;
  created: string;
}

/** The sidecar of an .npy file: always the .npy's own name plus .json (OUT.npy -> OUT.npy.json). */
export function sidecarName(npyName: string): string {
  return npyName + '.json';
}

/** Build a sidecar; throws where the parts disagree, so no sidecar misdescribes its array. */
export function buildSidecar(x: SidecarInput): Sidecar {
  const [B, R, C, T] = x.shape;
  const fail = (why: string) => {
    throw new Error(`sidecar for ${x.file}: ${why}`);
  };
  if (R !== N_REPETITIONS) fail(`shape[1] is ${R}, not ${N_REPETITIONS} repetitions`);
  if (x.ch_names.length !== C) fail(`${x.ch_names.length} ch_names for ${C} channel rows`);
  if (x.times.length !== T) fail(`${x.times.length} times for ${T} time columns`);
  if (x.images.length !== B) fail(`${x.images.length} image records for ${B} images`);
  if (x.input.range[1] - x.input.range[0] !== B) fail(`input range ${x.input.range} holds ${x.input.range[1] - x.input.range[0]} images, not ${B}`);
  if (x.selection.timepoints !== null && !/^[01]+$/.test(x.selection.timepoints)) fail('selection.timepoints must be a 0/1 string');
  if (x.subjects) return groupSidecar(x, x.subjects, fail);
  const m = x.model;
  // Synthetic weights are identified by their generator and seed (the demo subject) or, when
  // stored as shards (e.g. a benchmark's random model), by the shards' hashes like fitted ones.
  const hashed = Object.keys(m.weights_sha256).length > 0;
  if (m.synthetic && !m.generator && !hashed) fail('synthetic weights without their generator and seed or their shards\u2019 sha256');
  if (!m.synthetic && !hashed) fail('fitted weights without their shards\u2019 sha256');
  if ((m.precision === 'compact') !== (m.compact !== null)) fail(`precision ${m.precision} ${m.compact ? 'with' : 'without'} compact info`);
  // A turned image (tag 2..8) was turned exactly when the policy says so; else a record is stale.
  const stale = x.images.find((i) => i.exif_orientation !== null && i.exif_orientation > 1 && i.orientation_applied !== (x.pixels.exif_orientation === 'apply'));
  if (stale) fail(`${stale.name} was decoded with EXIF orientation ${stale.orientation_applied ? 'applied' : 'ignored'}, not under '${x.pixels.exif_orientation}'`);
  return {
    schema: SIDECAR_SCHEMA,
    schema_version: SIDECAR_SCHEMA_VERSION,
    description: 'In-silico EEG responses from BERG eeg-things_eeg_2-alexnet_untrained (TypeScript/TF.js re-implementation)',
    file: x.file,
    model_id: m.model_id,
    subject: m.subject,
    synthetic: m.synthetic,
    ...(m.synthetic ? { synthetic_notice: SYNTHETIC_NOTICE } : {}),
    ...(m.generator ? { synthetic_weights: { generator: m.generator.kind, seed: m.generator.seed } } : { weights_sha256: { ...m.weights_sha256 } }),
    shape: [B, R, C, T],
    dtype: 'float32',
    order: 'C',
    dims: DIMS,
    units: UNITS,
    times: [...x.times],
    ch_names: [...x.ch_names],
    selection: { channels: x.selection.channels ? [...x.selection.channels] : null, timepoints: x.selection.timepoints },
    images: x.images.map((i) => ({ ...i })),
    input: { source: x.input.source, total: x.input.total, range: [x.input.range[0], x.input.range[1]] },
    shard: x.shard ? { index: x.shard.index, count: x.shard.count } : null,
    merged_from: x.merged_from ?? null,
    pixels: { policy: x.pixels.policy, exif_orientation: x.pixels.exif_orientation, crop: 'center' },
    preprocessing: PREPROCESSING,
    backend: m.backend,
    backend_note: m.backend_note,
    precision: m.precision,
    compact_error: m.compact?.error?.relative ?? null,
    compact: m.compact ? { note: describeCompact(m.compact), ...m.compact } : null,
    version: pkg.version,
    created: x.created.toISOString(),
  };
}

/** Checks that a model's weights are identified: generator and seed, or the shards' hashes. */
function identified(m: SidecarModel): string | null {
  const hashed = Object.keys(m.weights_sha256).length > 0;
  if (m.synthetic && !m.generator && !hashed) return 'synthetic weights without their generator and seed or their shards\u2019 sha256';
  if (!m.synthetic && !hashed) return 'fitted weights without their shards\u2019 sha256';
  return null;
}

/** The sidecar of a per-subject ([S, B, 4, C, T]) or subject-mean ([B, 4, C, T]) export. */
function groupSidecar(x: SidecarInput, g: NonNullable<SidecarInput['subjects']>, fail: (why: string) => never): Sidecar {
  const ms = g.models;
  if (ms.length < 2) fail(`a subject export needs two or more subjects, got ${ms.length}`);
  if (g.labels.length !== ms.length) fail(`${g.labels.length} labels for ${ms.length} subjects`);
  for (const m of ms) {
    const why = identified(m);
    if (why) fail(`subject ${String(m.subject)}: ${why}`);
    if (m.model_id !== ms[0].model_id) fail(`subjects of different models (${m.model_id}, ${ms[0].model_id})`);
  }
  const precisions = [...new Set(ms.map((m) => m.precision))];
  if (precisions.length > 1) fail(`subjects encoded at different precisions (${precisions.join(', ')}): encode them all at one`);
  if (precisions[0] === 'compact') fail('subject exports are written at exact precision only');
  const keys = ms.map((m) => String(m.subject));
  if (new Set(keys).size !== keys.length) fail(`a subject is listed twice (${keys.join(', ')})`);
  const synthetic = ms.some((m) => m.synthetic);
  // the shared checks and fields, from the first subject; its own identity is then dropped for the list's
  const base = buildSidecar({ ...x, subjects: undefined, model: ms[0] });
  const { weights_sha256: _w, synthetic_weights: _s, synthetic_notice: _n, ...rest } = base;
  const [B, R, C, T] = x.shape;
  const S = ms.length;
  return {
    ...rest,
    subject: 'group',
    synthetic,
    ...(synthetic ? { synthetic_notice: SYNTHETIC_NOTICE } : {}),
    shape: g.reduction === 'none' ? [S, B, R, C, T] : [B, R, C, T],
    dims: g.reduction === 'none' ? SUBJECT_DIMS : DIMS,
    subjects: {
      reduction: g.reduction,
      n: S,
      note:
        g.reduction === 'none'
          ? `axis 0 is the subject, in the order of list: x[s] is subject list[s]'s [B, 4, C, T]`
          : `the element-wise mean over the ${S} subjects in list (equal weights): mean(x_s for s in list), [B, 4, C, T]`,
      list: ms.map((m, k) => ({
        subject: m.subject,
        label: g.labels[k],
        synthetic: m.synthetic,
        ...(m.generator ? { synthetic_weights: { generator: m.generator.kind, seed: m.generator.seed } } : { weights_sha256: { ...m.weights_sha256 } }),
        backend: m.backend,
        precision: m.precision,
      })),
    },
    backend: [...new Set(ms.map((m) => m.backend))].join(', '),
    backend_note: null,
    precision: precisions[0],
    compact_error: null,
    compact: null,
  };
}

/** The model part of a sidecar, to build another from it (merge). */
export function sidecarModel(s: Sidecar): SidecarModel {
  let compact: CompactInfo | null = null;
  if (s.compact) {
    const { note: _note, ...info } = s.compact;
    compact = info;
  }
  return {
    model_id: s.model_id,
    subject: s.subject as SubjectId,
    synthetic: s.synthetic,
    backend: s.backend,
    backend_note: s.backend_note,
    precision: s.precision,
    compact,
    weights_sha256: s.weights_sha256 ?? {},
    generator: s.synthetic_weights ? { kind: s.synthetic_weights.generator, seed: s.synthetic_weights.seed } : null,
  };
}

// Reduced exports: an average of the [image, repetition, channel, time] responses a full export
// would hold, written with the same channel and time selection. Their sidecar is the full one's,
// with the array's own shape and dims and a `reduction` that says what was averaged.

/** Each image's mean over the 4 repetitions: [B, C, T]. */
export const REPETITION_MEAN_DIMS = ['image', 'channel', 'time'] as const;
/** Each condition's mean over its images, repetitions kept: [K, 4, C, T]. */
export const CONDITION_MEAN_DIMS = ['condition', 'repetition', 'channel', 'time'] as const;

export type ReductionKind = 'repetition_mean' | 'condition_mean';

export interface SidecarReduction {
  kind: ReductionKind;
  description: string;
  /** the responses averaged: the full export's dims and shape */
  source_dims: typeof DIMS;
  source_shape: [number, number, number, number];
  /** the source axes averaged over */
  averaged: ('repetition' | 'image')[];
  /** condition_mean: one per row of the first axis, in row order, with how many images it averages */
  conditions?: { name: string; n_images: number }[];
}

/** A subject mean's reduced sidecar keeps its `subjects` (reduction 'mean'): the average is of that mean. */
export interface ReducedSidecar extends Omit<Sidecar, 'shape' | 'dims'> {
  shape: number[];
  dims: readonly string[];
  reduction: SidecarReduction;
}

/**
 * The sidecar of a reduced array, from the sidecar of the full [B, 4, C, T] responses it averages
 * (whose `images` are exactly the images that went in). Throws where the conditions do not add up
 * to those images.
 */
export function reducedSidecar(full: Sidecar, file: string, kind: ReductionKind, conditions: { name: string; n_images: number }[] = []): ReducedSidecar {
  // a subject mean ([B, 4, C, T], subjects.reduction 'mean') is averaged like one subject's responses
  if (full.shape.length !== 4) throw new Error(`sidecar for ${file}: a ${kind} averages [B, 4, C, T] responses or a subject mean, not each subject's [S, B, 4, C, T]`);
  const [B, R, C, T] = full.shape;
  const base = { ...full, file };
  if (kind === 'repetition_mean') {
    return {
      ...base,
      shape: [B, C, T],
      dims: REPETITION_MEAN_DIMS,
      reduction: {
        kind,
        description: 'each image\u2019s mean over the 4 repetitions (numpy: x.mean(axis=1) of the full export)',
        source_dims: DIMS,
        source_shape: [B, R, C, T],
        averaged: ['repetition'],
      },
    };
  }
  if (!conditions.length) throw new Error(`sidecar for ${file}: no conditions to average`);
  const n = conditions.reduce((a, c) => a + c.n_images, 0);
  if (n !== B || conditions.some((c) => c.n_images < 1)) throw new Error(`sidecar for ${file}: the conditions hold ${n} images, not the ${B} image records`);
  for (const c of conditions) {
    const have = full.images.filter((i) => i.condition === c.name).length;
    if (have !== c.n_images) throw new Error(`sidecar for ${file}: condition ${c.name} has ${have} image records, not ${c.n_images}`);
  }
  return {
    ...base,
    shape: [conditions.length, R, C, T],
    dims: CONDITION_MEAN_DIMS,
    reduction: {
      kind,
      description: 'each condition\u2019s mean over its images, repetitions kept (numpy: x[rows of the condition].mean(axis=0) of the full export, stacked in the order of reduction.conditions); images without a condition are left out',
      source_dims: DIMS,
      source_shape: [B, R, C, T],
      averaged: ['image'],
      conditions: conditions.map((c) => ({ ...c })),
    },
  };
}
