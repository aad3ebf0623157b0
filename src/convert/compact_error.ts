// How far the compact precision moves the responses: a model folder's probe images encoded both
// ways on one backend. The converter stores the result in the manifest (`compact.error`), and
// the app and CLI show it next to every compact result.
import { encode, getEncodingModel, type GetEncodingModelOptions } from '../engine/index.ts';
import { probeImages } from './probe_images.ts';
import { MODEL_ID, N_REPETITIONS, type CompactError } from '../core/types.ts';

export const PROBE_IMAGES = 8;

/** Encodes PROBE_IMAGES probe images exactly and compactly (one model loaded at a time). */
export async function measureCompactError(subject: number, options: Omit<GetEncodingModelOptions, 'precision' | 'selection'>): Promise<CompactError> {
  const images = probeImages(PROBE_IMAGES);
  const run = async (precision: 'exact' | 'compact') => {
    const model = await getEncodingModel(MODEL_ID, subject, { ...options, precision });
    try {
      return { responses: await encode(model, images), backend: model.backend };
    } finally {
      model.dispose();
    }
  };
  const exact = await run('exact');
  const compact = await run('compact');
  const e = exact.responses.data;
  const c = compact.responses.data;
  const perRep = e.length / PROBE_IMAGES / N_REPETITIONS;
  const maxAbs = new Float64Array(N_REPETITIONS);
  const maxExact = new Float64Array(N_REPETITIONS);
  for (let i = 0; i < e.length; i++) {
    const r = Math.floor(i / perRep) % N_REPETITIONS;
    maxAbs[r] = Math.max(maxAbs[r], Math.abs(c[i] - e[i]));
    maxExact[r] = Math.max(maxExact[r], Math.abs(e[i]));
  }
  const max_abs = Math.max(...maxAbs);
  const max_exact = Math.max(...maxExact);
  return {
    probe_images: PROBE_IMAGES,
    max_abs,
    max_exact,
    relative: max_exact > 0 ? max_abs / max_exact : 0,
    relative_per_repetition: Array.from(maxAbs, (m, r) => (maxExact[r] > 0 ? m / maxExact[r] : 0)),
    backend: exact.backend,
  };
}
