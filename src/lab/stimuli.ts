// The stimuli as encoded: the exact uint8 pixels (after the square crop and any manipulation),
// [B, 3, S, S] in a .npy that BERG's encode takes as it is, with a JSON sidecar naming each
// image's source and manipulation. docs/lab.md shows the Python side.
import { writeNpy } from '../io/npy.ts';
import type { ChwImage, Manipulation } from './manipulations.ts';

export const STIMULI_SCHEMA = 'insilico-eeg-stimuli';
export const STIMULI_SCHEMA_VERSION = 1;

export interface StimulusRecord {
  name: string;
  image: ChwImage;
  condition?: string;
  /** the gallery image it was derived from (none for an original) */
  source?: string;
  /** manipulations applied to the source's square pixels, in order */
  manipulations?: Manipulation[];
  /** the swept parameter and its value */
  param?: string;
  value?: number;
}

export interface StimuliSidecar {
  schema: typeof STIMULI_SCHEMA;
  schema_version: typeof STIMULI_SCHEMA_VERSION;
  description: string;
  file: string;
  shape: [number, number, number, number];
  dtype: 'uint8';
  order: 'C';
  dims: ['image', 'rgb', 'row', 'column'];
  pixels: string;
  images: { index: number; name: string; condition: string | null; source: string | null; manipulations: Manipulation[]; param: string | null; value: number | null }[];
  python: string;
  created: string;
}

export interface StimuliExport {
  npy: Uint8Array;
  sidecar: StimuliSidecar;
}

/** Stacks the stimuli into one uint8 [B, 3, S, S] array; all must share one size (BERG takes one array). */
export function buildStimuliExport(items: readonly StimulusRecord[], file: string, now = new Date()): StimuliExport {
  if (!items.length) throw new Error('no stimuli to export');
  const S = items[0].image.size;
  const other = items.find((it) => it.image.size !== S);
  if (other) throw new Error(`stimuli must share one size for a [B, 3, S, S] array: ${items[0].name} is ${S} px, ${other.name} is ${other.image.size} px`);
  const P = 3 * S * S;
  const data = new Uint8Array(items.length * P);
  items.forEach((it, i) => data.set(it.image.data, i * P));
  const shape: [number, number, number, number] = [items.length, 3, S, S];
  return {
    npy: writeNpy(shape, data),
    sidecar: {
      schema: STIMULI_SCHEMA,
      schema_version: STIMULI_SCHEMA_VERSION,
      description: 'The uint8 RGB pixels the model encoded, after the square crop and the listed manipulations (docs/lab.md).',
      file,
      shape,
      dtype: 'uint8',
      order: 'C',
      dims: ['image', 'rgb', 'row', 'column'],
      pixels: 'as encoded: before the model preprocessing (resize to 256, centre crop 224, ImageNet normalisation)',
      images: items.map((it, index) => ({
        index,
        name: it.name,
        condition: it.condition ?? null,
        source: it.source ?? null,
        manipulations: it.manipulations ?? [],
        param: it.param ?? null,
        value: it.value ?? null,
      })),
      python: `import numpy as np\nx = np.load("${file}")  # uint8 [B, 3, S, S]\n# BERG: berg.encode(model, x) gives the same responses as the page (same subject and weights)`,
      created: now.toISOString(),
    },
  };
}
