// Subject means: choose two or more subjects, encode the gallery for each, and read every view as
// their mean with the between-subject spread (state/subjects.ts, analysis/subjects.ts).
import { useMemo, useRef } from 'react';
import { isDemoSubject, SYNTHETIC_LABEL } from '../../core/types.ts';
import { encodeForSubjects, setSubjectSpread, setSubjectView, toggleSubject } from '../actions/subjects.ts';
import { useEncoded, useImagesNearScreen } from '../state/encoded.ts';
import { subjectMeanOn, subjectsMissing } from '../state/subjects.ts';
import { useApp, type SubjectSpreadKind } from '../state/store.ts';

/** How each spread is named in the views. */
export const SUBJECT_SPREAD_LABEL: Record<SubjectSpreadKind, string> = {
  sem: '±1 SEM across subjects',
  ci95: '95% CI across subjects (t-based)',
  sd: '±1 SD across subjects',
  off: 'no between-subject band',
};

export function SubjectsPanel() {
  const catalog = useApp((s) => s.catalog);
  const paths = useApp((s) => s.subjectPaths);
  const view = useApp((s) => s.subjectView);
  const spread = useApp((s) => s.subjectSpread);
  const run = useApp((s) => s.subjectsRun);
  const on = useApp(subjectMeanOn);
  const missing = useApp((s) => subjectsMissing(s).join('\u0001'));
  const enc = useEncoded();
  const panel = useRef<HTMLElement>(null);
  // counted when the image list changes, not in a selector that every store update runs (O(N) at 10,000 images)
  const images = useImagesNearScreen(panel);
  const readyImages = useMemo(() => images.filter((i) => i.status === 'ready').length, [images]);
  const syntheticChosen = paths.filter((p) => catalog.find((m) => m.path === p)?.synthetic).length;
  const waiting = on && enc.subjects ? readyImages - enc.items.length : 0;
  return (
    <section ref={panel} className="panel subjects-panel" data-testid="subjects" aria-label="Subject means" data-mean={on && enc.subjects ? String(enc.subjects.paths.length) : '0'}>
      <h2>Subjects</h2>
      <p className="hint">Encode the same images for several subjects and read every view as their mean, with the spread across subjects (subjects as the observations, as in a group ERP).</p>
      <fieldset className="subject-list">
        <legend>Average over</legend>
        {catalog.map((m) => (
          <label key={m.path} className="check">
            <input type="checkbox" data-testid="subject-check" value={m.path} checked={paths.includes(m.path)} onChange={(e) => toggleSubject(m.path, e.target.checked)} />
            {m.label ?? (isDemoSubject(m.subject) ? `Demo subject ${m.subject} (synthetic)` : `Subject ${String(m.subject).padStart(2, '0')}`)}
          </label>
        ))}
      </fieldset>
      <div className="row">
        <button type="button" className="primary" data-testid="subjects-encode" disabled={paths.length < 2 || run.state === 'running'} onClick={() => void encodeForSubjects()}>
          Encode for {paths.length >= 2 ? `these ${paths.length}` : 'two or more'} subjects
        </button>
      </div>
      <div className="row">
        <label className="small-label">
          Views show
          <select aria-label="Views show" data-testid="subject-view" value={view} onChange={(e) => setSubjectView(e.target.value as 'one' | 'mean')} disabled={paths.length < 2}>
            <option value="one">the loaded subject</option>
            <option value="mean">mean of the chosen subjects</option>
          </select>
        </label>
        <label className="small-label">
          Spread
          <select aria-label="Between-subject spread" data-testid="subject-spread" value={spread} onChange={(e) => setSubjectSpread(e.target.value as SubjectSpreadKind)}>
            {(Object.keys(SUBJECT_SPREAD_LABEL) as SubjectSpreadKind[]).map((k) => (
              <option key={k} value={k}>
                {SUBJECT_SPREAD_LABEL[k]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className={run.state === 'error' ? 'error' : 'hint'} data-testid="subjects-status" data-state={run.state} role="status">
        {run.text}
        {view === 'mean' && paths.length >= 2 && missing ? ` Not encoded yet on this page: ${missing.split('\u0001').join(', ')}.` : ''}
        {waiting > 0 ? ` ${waiting} image(s) wait for the other subjects: encode again.` : ''}
      </p>
      {on && enc.subjects && (
        <p className="hint" data-testid="subjects-note">
          Showing the mean of {enc.subjects.paths.length} subjects over {enc.items.length} image(s)
          {syntheticChosen ? ` (${syntheticChosen === paths.length ? 'all' : syntheticChosen} synthetic: ${SYNTHETIC_LABEL})` : ''}. Spread: {SUBJECT_SPREAD_LABEL[spread]}, on each
          subject's own mean over repetitions and images (n = {enc.subjects.paths.length}).
        </p>
      )}
    </section>
  );
}
