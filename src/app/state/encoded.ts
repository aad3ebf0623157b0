// The encoded responses of the gallery, stacked [B, 4, 63, 140] in gallery order, and the
// index arrays of the current selection. Recomputed only when images or responses change;
// selections only re-slice these arrays.
import { useDeferredValue, useMemo, useRef } from 'react';
import { N_CHANNELS, N_REPETITIONS, N_TIMES } from '../../core/types.ts';
import { channelIndices, maskIndices, stack, type Dims } from '../../viz/stats.ts';
import { getResponse, modelTag, pixelKey } from '../responses.ts';
import { chNames } from './selectors.ts';
import { useApp, type ImageItem } from './store.ts';
import { collectSubjects, subjectMeanOn, type SubjectsEncoded } from './subjects.ts';

export interface Encoded {
  /** Encoded images, gallery order. */
  items: ImageItem[];
  data: Float32Array;
  dims: Dims;
  /** Ready images (decoded) still without a response for this model. */
  pending: number;
  /** Subject means (state/subjects.ts): each subject's stack; `data` is then their mean. */
  subjects?: SubjectsEncoded;
}

const BLOCK = N_REPETITIONS * N_CHANNELS * N_TIMES;

export function collectEncoded(images: ImageItem[], model: ReturnType<typeof useApp.getState>['model']): Encoded {
  const items: ImageItem[] = [];
  const blocks: Float32Array[] = [];
  let pending = 0;
  if (model) {
    const tag = modelTag(model);
    for (const it of images) {
      if (it.status !== 'ready' || !it.squareMode) continue;
      const r = getResponse(tag, pixelKey(it.id, it.squareMode));
      if (r) {
        items.push(it);
        blocks.push(r);
      } else pending++;
    }
  }
  return { items, data: stack(blocks, BLOCK), dims: { B: items.length, R: N_REPETITIONS, C: N_CHANNELS, T: N_TIMES }, pending };
}

// One stacked copy for every panel (each used to stack its own).
let shared: { images: ImageItem[]; model: unknown; version: number; group: unknown[] | null; encoded: Encoded } | null = null;

/**
 * The stacked responses. Panels that draw pass them through React's useDeferredValue: a new
 * batch then redraws them in a background render that yields to the page between panels,
 * rather than in one long task with the status and the thumbnails.
 */
export function useEncoded(): Encoded {
  const images = useApp((s) => s.images);
  const model = useApp((s) => s.model);
  const version = useApp((s) => s.responsesVersion);
  // A subject mean follows the chosen subjects and their models, not the loaded one.
  const mean = useApp(subjectMeanOn);
  const subjectModels = useApp((s) => s.subjectModels);
  const paths = useApp((s) => s.subjectPaths);
  const group = mean ? [subjectModels, paths] : null;
  const sameGroup = group ? shared?.group?.[0] === group[0] && shared?.group?.[1] === group[1] : !shared?.group;
  if (!shared || shared.images !== images || shared.version !== version || !sameGroup || (!group && shared.model !== model)) {
    shared = { images, model, version, group, encoded: group ? collectSubjects({ ...useApp.getState(), images }) : collectEncoded(images, model) };
  }
  return shared.encoded;
}

/**
 * The responses as the plotly panels use them: deferred (see useEncoded), and held while images
 * encode, when their draws wait anyway (Plot.tsx), so that no batch recomputes figures that
 * would not be drawn. They follow again once encoding ends.
 */
export function useEncodedForPlots(): Encoded {
  const live = useEncoded();
  const encoding = useApp((s) => s.status.state === 'encoding');
  const kept = useRef(live);
  if (!encoding) kept.current = live;
  return useDeferredValue(kept.current);
}

export function useSelection() {
  const model = useApp((s) => s.model);
  const selected = useApp((s) => s.selectedChannels);
  const mask = useApp((s) => s.timeMask);
  return useMemo(() => {
    const names = chNames();
    const ch = channelIndices(names, selected);
    const t = maskIndices(mask);
    const chMask = names.map((n) => selected.includes(n));
    return { names, ch, t, chMask };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model, selected, mask]);
}

/** Indices (into Encoded.items) of the images a view refers to. */
export function imagesFor(enc: Encoded, which: 'all' | `img:${string}` | `cond:${string}`): number[] {
  if (which === 'all') return enc.items.map((_, i) => i);
  if (which.startsWith('img:')) {
    const id = which.slice(4);
    const i = enc.items.findIndex((it) => it.id === id);
    return i >= 0 ? [i] : [];
  }
  const cond = which.slice(5);
  return enc.items.flatMap((it, i) => (it.condition === cond ? [i] : []));
}
