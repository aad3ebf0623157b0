import { useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { download, exportBlockers, exportToBlob, exportToFolder, exportToStorage, planExport, type ExportKind, type SubjectExport } from '../export.ts';
import { subjectMeanOn } from '../state/subjects.ts';
import { useImages, useOffScreenDuringRun, useResponsesVersion, useSelection } from '../state/encoded.ts';
import { useHeldWhile } from '../near_screen.ts';
import { useApp } from '../state/store.ts';
import { pythonSnippet } from '../python_snippet.ts';

type DirPicker = (o?: { mode?: 'read' | 'readwrite'; id?: string }) => Promise<FileSystemDirectoryHandle>;
const dirPicker = (): DirPicker | undefined => (globalThis as { showDirectoryPicker?: DirPicker }).showDirectoryPicker;

export function ExportPanel() {
  const [subjects, setSubjects] = useState<SubjectExport>('mean');
  const panel = useRef<HTMLElement>(null);
  const hold = useOffScreenDuringRun(panel);
  const images = useHeldWhile(useImages(), hold);
  const responses = useHeldWhile(useResponsesVersion(), hold);
  // What the blockers read, so that they are worked out (a look-up per image) when that changes,
  // not on every change of the store (a cursor move); the window and the channels only by whether any is chosen.
  const inputs = useApp(
    useShallow((s) => ({
      ...{ model: s.model, subjectPaths: s.subjectPaths, subjectModels: s.subjectModels, subjectView: s.subjectView },
      ...{ anyChannel: s.selectedChannels.length > 0, anyTime: s.timeMask.some(Boolean) },
    })),
  );
  const { blocker, repBlocker, condBlocker, nCond, B } = useMemo(() => {
    const s = useApp.getState();
    const live = s.images.filter((i) => i.status !== 'error');
    const why = exportBlockers(s, subjects);
    return {
      blocker: why.responses,
      // the averages hold one subject or the subject mean, not each subject
      repBlocker: why.repetition_mean,
      condBlocker: why.condition_mean,
      nCond: new Set(live.flatMap((i) => (i.condition ? [i.condition] : []))).size,
      B: live.length,
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [inputs, images, responses, subjects]);
  const { ch, t } = useSelection();
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<string | null>(null);
  const group = useApp((s) => (subjectMeanOn(s) ? s.subjectPaths.length : 0));
  const perSubject = group > 0 && subjects === 'per-subject';
  const shape = perSubject ? [group, B, 4, ch.length, t.length] : [B, 4, ch.length, t.length];
  const mb = (shape.reduce((a, b) => a * b, 1) * 4) / 1e6;

  async function run(what: 'both' | 'sidecar' | 'folder', kind: ExportKind = 'responses') {
    setError(null);
    try {
      const plan = planExport(useApp.getState(), new Date(), kind, subjects);
      const step = (done: number, total: number) => setProgress(`Writing ${done} of ${total} images…`);
      if (what === 'folder') {
        const dir = await dirPicker()!({ mode: 'readwrite', id: 'insilico-eeg-exports' });
        await exportToFolder(plan, dir, step);
        setProgress(`Wrote ${plan.npyName} and its sidecar to “${dir.name}”`);
        return;
      }
      if (what === 'both') {
        // streamed into browser storage, then downloaded from there; a Blob of parts where there is none
        const file = typeof navigator.storage?.getDirectory === 'function' ? await exportToStorage(plan, step) : await exportToBlob(plan);
        download(plan.npyName, file);
        // A file-backed download starts later than a small in-memory one: the sidecar waits a moment,
        // so the .npy comes first, as the CLI writes them.
        await new Promise((r) => setTimeout(r, 1000));
      }
      download(plan.sidecarName, new Blob([JSON.stringify(plan.sidecar, null, 2)], { type: 'application/json' }));
      setProgress(null);
    } catch (e) {
      setProgress(null);
      if ((e as { name?: string })?.name === 'AbortError') return; // the folder picker was closed
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <section ref={panel} className="panel export-panel" aria-label="Export">
      <h2>Export</h2>
      <p className="shape" data-testid="export-shape">
        float32 [{shape.join(', ')}] · {perSubject ? 'subjects × ' : ''}images × repetitions × channels × times{group && !perSubject ? `, mean of ${group} subjects` : ''} · {mb.toFixed(mb < 1 ? 3 : 1)} MB
      </p>
      {group > 0 && (
        <label className="small-label">
          Subjects
          <select aria-label="Export subjects" data-testid="export-subjects" value={subjects} onChange={(e) => setSubjects(e.target.value as SubjectExport)}>
            <option value="mean">their mean [B, 4, C, T]</option>
            <option value="per-subject">each subject [S, B, 4, C, T]</option>
          </select>
        </label>
      )}
      <div className="row">
        <button type="button" className="primary" data-testid="export-npy" disabled={Boolean(blocker)} onClick={() => void run('both')} title={blocker ?? 'Download .npy and its .json sidecar'}>
          Download .npy + sidecar
        </button>
        <button type="button" className="small" data-testid="export-sidecar" disabled={Boolean(blocker)} onClick={() => void run('sidecar')}>
          Sidecar .json only
        </button>
        {dirPicker() && (
          <button type="button" className="small" data-testid="export-folder" disabled={Boolean(blocker)} onClick={() => void run('folder')} title="Write the .npy and its sidecar straight into a folder on disk, one image at a time">
            Save to folder…
          </button>
        )}
      </div>
      <div className="row">
        <button
          type="button"
          className="small"
          data-testid="export-repetition-mean"
          disabled={Boolean(repBlocker)}
          onClick={() => void run('both', 'repetition_mean')}
          title={repBlocker ?? `Each image's mean over the 4 repetitions: float32 [${B}, ${ch.length}, ${t.length}] + sidecar`}
        >
          Repetition mean .npy
        </button>
        <button
          type="button"
          className="small"
          data-testid="export-condition-mean"
          disabled={Boolean(condBlocker)}
          onClick={() => void run('both', 'condition_mean')}
          title={condBlocker ?? `Each condition's mean over its images, repetitions kept: float32 [${nCond}, 4, ${ch.length}, ${t.length}] + sidecar`}
        >
          Condition means .npy
        </button>
      </div>
      {blocker && <p className="hint">{blocker}</p>}
      {progress && (
        <p className="hint" data-testid="export-progress">
          {progress}
        </p>
      )}
      {error && <p className="error">{error}</p>}
      <details>
        <summary>Load in Python</summary>
        <pre className="mono" data-testid="python-snippet">{pythonSnippet()}</pre>
      </details>
      <p className="hint">Plots: scalp maps and matrices have PNG and SVG buttons (top right, on hover); time courses the camera (PNG) and document (SVG) icons in their toolbar.</p>
    </section>
  );
}
