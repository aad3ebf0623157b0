// Subject means in the views: the gallery's responses for each chosen subject (cached under each
// subject's model tag), stacked per subject, and their element-wise mean, which every view then
// shows in place of one subject's responses. Images count only once every chosen subject has
// encoded them. The maths is src/analysis/subjects.ts.
import { N_CHANNELS, N_REPETITIONS, N_TIMES, type SubjectId } from '../../core/types.ts';
import { subjectMean } from '../../analysis/subjects.ts';
import { stack } from '../../viz/stats.ts';
import type { LoadedModelInfo } from '../protocol.ts';
import { getResponse, modelTag, pixelKey } from '../responses.ts';
import type { Encoded } from './encoded.ts';
import type { AppState, ImageItem } from './store.ts';

export interface SubjectsEncoded {
  /** in the order chosen; one entry per subject */
  paths: string[];
  labels: string[];
  subjects: SubjectId[];
  synthetic: boolean[];
  models: LoadedModelInfo[];
  /** each subject's stacked responses [B, 4, 63, 140], the images of Encoded.items */
  data: Float32Array[];
}

const BLOCK = N_REPETITIONS * N_CHANNELS * N_TIMES;

/** Whether the views show a subject mean: asked for, with two or more subjects chosen. */
export function subjectMeanOn(s: Pick<AppState, 'subjectView' | 'subjectPaths'>): boolean {
  return s.subjectView === 'mean' && s.subjectPaths.length >= 2;
}

/** The chosen subjects not yet loaded and encoded on this page (their labels). */
export function subjectsMissing(s: Pick<AppState, 'subjectPaths' | 'subjectModels' | 'catalog'>): string[] {
  return s.subjectPaths.filter((p) => !s.subjectModels[p]).map((p) => subjectLabel(s.catalog, p));
}

export function subjectLabel(catalog: AppState['catalog'], path: string): string {
  const e = catalog.find((m) => m.path === path);
  return e?.label ?? path;
}

/** The encoded images every chosen subject has a response for, each subject's stack, and their mean. */
export function collectSubjects(s: Pick<AppState, 'images' | 'subjectPaths' | 'subjectModels' | 'catalog'>): Encoded {
  const paths = s.subjectPaths.filter((p) => s.subjectModels[p]);
  const models = paths.map((p) => s.subjectModels[p]);
  const tags = models.map(modelTag);
  const items: ImageItem[] = [];
  const blocks: Float32Array[][] = paths.map(() => []);
  let pending = 0;
  for (const it of s.images) {
    if (it.status !== 'ready' || !it.squareMode) continue;
    const key = pixelKey(it.id, it.squareMode);
    const rs = tags.map((t) => getResponse(t, key));
    if (paths.length === s.subjectPaths.length && rs.every(Boolean)) {
      items.push(it);
      rs.forEach((r, k) => blocks[k].push(r!));
    } else pending++;
  }
  const data = blocks.map((b) => stack(b, BLOCK));
  const complete = paths.length === s.subjectPaths.length && paths.length >= 2;
  return {
    items: complete ? items : [],
    data: complete ? subjectMean(data) : new Float32Array(0),
    dims: { B: complete ? items.length : 0, R: N_REPETITIONS, C: N_CHANNELS, T: N_TIMES },
    pending: complete ? pending : s.images.filter((i) => i.status === 'ready').length,
    subjects: complete
      ? {
          paths,
          labels: paths.map((p) => subjectLabel(s.catalog, p)),
          subjects: models.map((m) => m.subject),
          synthetic: models.map((m) => m.synthetic),
          models,
          data,
        }
      : undefined,
  };
}
