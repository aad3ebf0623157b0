// Subject means in the views: the gallery's images that every chosen subject has encoded (the
// responses live in the responses worker under each subject's model tag), each subject's group
// means as the worker sends them, and their element-wise mean, which every view then shows in
// place of one subject's. The maths is src/analysis/subjects.ts.
import { N_CHANNELS, N_REPETITIONS, N_TIMES, type SubjectId } from '../../core/types.ts';
import type { LoadedModelInfo } from '../protocol.ts';
import type { GroupMean } from '../response_store.ts';
import { hasResponse, itemKey, modelTag } from '../responses.ts';
import { meanOfSubjects, NO_GROUPS, type Encoded } from './encoded.ts';
import type { AppState, ImageItem } from './store.ts';

export interface SubjectsEncoded {
  /** in the order chosen; one entry per subject */
  paths: string[];
  labels: string[];
  subjects: SubjectId[];
  synthetic: boolean[];
  models: LoadedModelInfo[];
  /** their model tags, the keys of their responses in the worker */
  tags: string[];
  /** each subject's group means (Encoded.groups holds their mean), as the worker last sent them */
  groups: ReadonlyMap<string, GroupMean>[];
}

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

/**
 * The encoded images every chosen subject has a response for, and (from `answers`, the worker's
 * last group means for these tags) each subject's group means and their mean.
 */
export function collectSubjects(
  s: Pick<AppState, 'images' | 'subjectPaths' | 'subjectModels' | 'catalog'>,
  answers: (tags: readonly string[]) => ReadonlyMap<string, GroupMean>[] = () => [],
): Encoded {
  const paths = s.subjectPaths.filter((p) => s.subjectModels[p]);
  const models = paths.map((p) => s.subjectModels[p]);
  const tags = models.map(modelTag);
  const complete = paths.length === s.subjectPaths.length && paths.length >= 2;
  const items: ImageItem[] = [];
  const keys: string[] = [];
  let pending = 0;
  for (const it of s.images) {
    if (it.status !== 'ready' || !it.squareMode) continue;
    const key = itemKey(it);
    if (complete && tags.every((t) => hasResponse(t, key))) {
      items.push(it);
      keys.push(key);
    } else pending++;
  }
  const per = complete ? answers(tags) : [];
  const groups = per.length === tags.length ? per : tags.map(() => NO_GROUPS);
  return {
    items,
    keys,
    tag: '',
    tags: complete ? tags : [],
    dims: { B: items.length, R: N_REPETITIONS, C: N_CHANNELS, T: N_TIMES },
    pending,
    groups: complete ? meanOfSubjects(groups) : NO_GROUPS,
    subjects: complete
      ? {
          paths,
          labels: paths.map((p) => subjectLabel(s.catalog, p)),
          subjects: models.map((m) => m.subject),
          synthetic: models.map((m) => m.synthetic),
          models,
          tags,
          groups,
        }
      : undefined,
  };
}
