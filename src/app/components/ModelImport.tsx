// "Import BERG weights": BERG's own .npy files (or a converted folder) dropped or chosen here are
// parsed in a worker and stored in this browser, so the subject appears in the model menu and
// stays there across reloads.
import { useEffect, useMemo, useRef, useState } from 'react';
import { formatBytes } from '../../core/wording.ts';
import { MAX_SUBJECT } from '../../io/browser_store.ts';
import {
  cancelImport,
  dismissImport,
  droppedFolderFiles,
  importBergFiles,
  importFolderFiles,
  importPending,
  removeStored,
} from '../import_client.ts';
import { useApp } from '../state/store.ts';
import { NumberField } from './NumberField.tsx';
import './ModelImport.css';

const BUCKET = 's3://brain-encoding-response-generator/encoding_models/modality-eeg/train_dataset-things_eeg_2/model-alexnet_untrained/';

export function ModelImport() {
  const ui = useApp((s) => s.modelImport);
  const catalog = useApp((s) => s.catalog);
  const stored = useMemo(() => catalog.filter((m) => m.storage === 'opfs'), [catalog]);
  const [open, setOpen] = useState(false);
  // the panel opens by itself for an import's progress and outcome, unless the user closed it
  const [collapsed, setCollapsed] = useState(false);
  const [over, setOver] = useState(false);
  const [confirm, setConfirm] = useState<number | null>(null);
  const [usage, setUsage] = useState<string>('');
  const files = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);

  useEffect(() => {
    // React has no typed prop for it: the folder picker needs the attribute set on the element
    if (folder.current) folder.current.webkitdirectory = true;
  }, []);
  useEffect(() => setCollapsed(false), [ui.runs]);
  const show = open || (ui.state !== 'idle' && !collapsed);
  useEffect(() => {
    if (!show || !navigator.storage?.estimate) return;
    void navigator.storage.estimate().then((e) => {
      // (private windows report no usage: say nothing rather than "0 bytes")
      if (e.quota !== undefined && e.usage) setUsage(`This site uses ${formatBytes(e.usage)} of ${formatBytes(e.quota)} the browser allows it.`);
    });
  }, [show, stored.length]);
  useEffect(() => {
    if (confirm === null) return;
    const t = setTimeout(() => setConfirm(null), 4000);
    return () => clearTimeout(t);
  }, [confirm]);

  const running = ui.state === 'running';
  const onDrop = (e: React.DragEvent) => {
    e.preventDefault();
    setOver(false);
    setOpen(true);
    if (running) return;
    // folder entries must be taken while the event is being handled
    const dirs = droppedFolderFiles(e.dataTransfer.items);
    const dropped = [...e.dataTransfer.files];
    void dirs.then((f) => (f ? importFolderFiles(f) : importBergFiles(dropped)));
  };

  return (
    <div
      className={`model-import${over ? ' over' : ''}`}
      data-testid="model-import"
      data-state={ui.state}
      data-runs={ui.runs}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          setOver(true);
        }
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <button
        type="button"
        className="import-toggle"
        aria-expanded={show}
        aria-controls="model-import-panel"
        onClick={() => {
          setOpen(!show);
          setCollapsed(show);
          if (show) dismissImport();
        }}
      >
        Import BERG weights…
        {running && ui.total ? <span className="import-pct"> {Math.floor((100 * (ui.done ?? 0)) / ui.total)}%</span> : null}
      </button>
      <input
        ref={files}
        type="file"
        multiple
        accept=".npy"
        hidden
        data-testid="berg-import"
        onChange={(e) => {
          const f = [...(e.target.files ?? [])];
          e.target.value = '';
          setOpen(true);
          void importBergFiles(f);
        }}
      />
      <input
        ref={folder}
        type="file"
        multiple
        hidden
        data-testid="folder-import"
        onChange={(e) => {
          const f = [...(e.target.files ?? [])].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
          e.target.value = '';
          setOpen(true);
          void importFolderFiles(f);
        }}
      />
      {show && (
        <div className="import-panel" id="model-import-panel" role="dialog" aria-label="Import a model">
          <div className="import-drop" data-testid="berg-import-drop">
            <strong>Drop BERG's files here</strong>: <code>weights_subject-NN.npy</code> and <code>metadata_subject-NN.npy</code>
            <div className="row">
              <button type="button" className="primary" disabled={running} onClick={() => files.current?.click()}>
                Choose .npy files…
              </button>
              <button type="button" disabled={running} onClick={() => folder.current?.click()}>
                Converted folder…
              </button>
            </div>
          </div>
          <p className="hint">
            The files are parsed here, in your browser (nothing is uploaded), and kept in this browser's storage, so a reload does not parse
            them again. The weights (~860 MB per subject) are enough to encode; the metadata file (a few MB) adds the noise ceiling and
            accuracy for the quality panel. Get them from BERG's public bucket: <code>aws s3 sync --no-sign-request {BUCKET} berg/</code>
          </p>
          {ui.state !== 'idle' && (
            <div className={`import-status import-${ui.state}`} data-testid="import-status" data-state={ui.state} role="status" aria-live="polite">
              <span className="import-text">{ui.text}</span>
              {running && <progress max={ui.total || 1} value={ui.total ? (ui.done ?? 0) : undefined} aria-label="import progress" />}
              {running && (
                <button type="button" className="small" data-testid="import-cancel" onClick={cancelImport}>
                  Cancel
                </button>
              )}
              {ui.state === 'asking' && (
                <SubjectForm />
              )}
              {(ui.state === 'done' || ui.state === 'error' || ui.state === 'cancelled') && (
                <button type="button" className="small" onClick={dismissImport}>
                  OK
                </button>
              )}
            </div>
          )}
          {stored.length > 0 && (
            <div className="stored-list">
              <h3>Stored in this browser</h3>
              <ul>
                {stored.map((m) => (
                  <li key={m.path} data-testid="stored-model" data-subject={String(m.subject)}>
                    <span>{m.label}</span>
                    <span className="hint">{m.bytes ? formatBytes(m.bytes) : ''}</span>
                    <button
                      type="button"
                      className="small"
                      data-testid={`remove-stored-${m.subject}`}
                      disabled={running || ui.removing !== undefined}
                      onClick={() => {
                        if (confirm === m.subject) {
                          setConfirm(null);
                          void removeStored(m);
                        } else setConfirm(m.subject as number);
                      }}
                    >
                      {ui.removing === m.subject ? 'Removing…' : confirm === m.subject ? 'Click again to remove' : 'Remove'}
                    </button>
                  </li>
                ))}
              </ul>
              {usage && <div className="hint">{usage}</div>}
            </div>
          )}
        </div>
      )}
    </div>
  );
}

/** Asks which subject a renamed weights file holds: Enter or Import applies the number and imports. */
function SubjectForm() {
  const [subject, setSubject] = useState(1);
  // what the field holds now (state would lag behind a blur that ends in a click on Import)
  const typed = useRef<{ subject: number; refused: boolean }>({ subject: 1, refused: false });
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        if (!typed.current.refused) void importPending(typed.current.subject);
      }}
    >
      <label>
        Subject{' '}
        <NumberField
          label="Subject"
          testId="import-subject"
          value={subject}
          min={1}
          max={MAX_SUBJECT}
          integer
          className="narrow"
          autoFocus
          onCommit={(v) => {
            typed.current.subject = v;
            setSubject(v);
          }}
          onError={(m) => (typed.current.refused = m !== null)}
          onEnter={(v) => void importPending(v)}
        />
      </label>
      <button type="submit" className="small">
        Import
      </button>
      <button type="button" className="small" onClick={cancelImport}>
        Cancel
      </button>
    </form>
  );
}
