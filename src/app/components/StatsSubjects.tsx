// The Statistics view's between-subject part, shown with a subject mean: each subject's own
// condition difference A − B (its mean over A's images minus its mean over B's, over repetitions
// and the selected channels) drawn thin, their mean and the between-subject band (n = S). The
// tests below it keep the images as observations, on the subject-mean responses; this part says so.
import { useMemo } from 'react';
import { subjectDiffSpread, subjectSeries } from '../../analysis/subjects.ts';
import { subjectEffectFigure } from '../../lab/figures.ts';
import { N_REPETITIONS } from '../../core/types.ts';
import { eachSeries } from '../responses.ts';
import { useWorkerValue, type Encoded } from '../state/encoded.ts';
import { useApp } from '../state/store.ts';
import { Plot } from './Plot.tsx';
import { SUBJECT_SPREAD_LABEL } from './SubjectsPanel.tsx';

export interface StatsSubjectsProps {
  enc: Encoded;
  idxA: readonly number[];
  idxB: readonly number[];
  ch: ArrayLike<number>;
  chLabel: string;
  A: string;
  B: string;
  tms: number[];
}

export function StatsSubjects({ enc, idxA, idxB, ch, chLabel, A, B, tms }: StatsSubjectsProps) {
  const kind = useApp((s) => s.subjectSpread);
  const cursor = useApp((s) => s.cursor);
  const subjects = enc.subjects;
  const tags = subjects?.tags ?? [];
  const keys = useMemo(() => [...idxA, ...idxB].map((i) => enc.keys[i]), [enc, idxA, idxB]);
  const ok = !!subjects && !!A && !!B && A !== B && idxA.length > 0 && idxB.length > 0 && ch.length > 0;
  // [S, nA + nB, 4, T]: each subject's time course of each image over the selected channels
  const raw = useWorkerValue(ok ? `${tags.join('+')}\n${keys.join(',')}\n${Array.from(ch).join(',')}` : null, () => eachSeries(tags, keys, Int32Array.from(ch)));
  const effect = useMemo(() => {
    const T = tms.length;
    const n = keys.length;
    if (!raw || !subjects || raw.length !== tags.length * n * N_REPETITIONS * T) return null;
    const per = tags.map((_, s) => raw.subarray(s * n * N_REPETITIONS * T, (s + 1) * n * N_REPETITIONS * T));
    // one "channel" (the worker's mean of the selected ones), images A then B
    const d = { B: n, R: N_REPETITIONS, C: 1, T };
    const imagesA = idxA.map((_, k) => k);
    const imagesB = idxB.map((_, k) => idxA.length + k);
    const a = subjectSeries(per, d, imagesA, [0]);
    const b = subjectSeries(per, d, imagesB, [0]);
    const diffs = a.map((v, i) => v - b[i]);
    return { diffs, spread: subjectDiffSpread(per, d, imagesA, imagesB, [0]) };
  }, [raw, subjects, tags, keys, idxA, idxB, tms]);
  if (!subjects) return null;
  const S = subjects.labels.length;
  if (!A || !B || A === B)
    return (
      <div className="stats-subjects" data-testid="stats-subjects" data-subjects={S}>
        <h3>Between subjects</h3>
        <div className="empty">Choose two different conditions A and B (under Conditions) for each subject's own difference.</div>
      </div>
    );
  const figure = effect
    ? subjectEffectFigure({ labels: subjects.labels, diffs: effect.diffs, spread: effect.spread, kind, tms, cursorMs: tms[cursor] })
    : null;
  return (
    <div className="stats-subjects" data-testid="stats-subjects" data-subjects={S} data-mean={effect ? Array.from(effect.spread.mean, (v) => v.toPrecision(8)).join(',') : undefined}>
      <h3>Between subjects</h3>
      <p className="small-label" data-testid="stats-subjects-caption">
        Observations here: the {S} subjects. Each thin line is one subject's own A − B = {A} − {B} (its mean over {A}'s {idxA.length} images minus its mean over {B}'s {idxB.length}, over the 4 repetitions and {chLabel}, from its own responses); the thick line is their mean, band: {SUBJECT_SPREAD_LABEL[kind]} (n = {S}). The
        tests below use the images as observations, on the subject-mean responses.
      </p>
      {figure ? <Plot figure={figure} filename="condition-difference-per-subject" className="plot" /> : ok ? <div className="empty">Fetching each subject's responses…</div> : <div className="empty">Needs images in both conditions and a channel.</div>}
    </div>
  );
}
