import { useEffect, useMemo, useRef, useState } from 'react';
import { importBergFiles } from '../import_client.ts';
import { addFiles, addPathed, clearImages, duplicateGroups, loadStimulusList, removeDuplicates, removeImage, setExifOrientation, setGlobalMode, type AddOptions } from '../actions/images.ts';
import { fromDataTransfer, fromFileList, type PathedFile } from '../folder_input.ts';
import { SQUARE_MODE_LABEL, type SquareMode } from '../../io/image_square.ts';
import { useApp } from '../state/store.ts';
import { useImages } from '../state/encoded.ts';
import { Gallery } from './Gallery.tsx';
import { SessionMenu } from './SessionMenu.tsx';

const MODES: SquareMode[] = ['crop', 'pad-mean', 'pad-black'];

/** BERG's weight files, dropped or picked with the images, go to the model import instead. */
const MODEL_FILE = /\.(npy|pkl|pickle)$/i;

function addChosen(files: PathedFile[], opts: AddOptions) {
  const weights = files.filter((f) => MODEL_FILE.test(f.path)).map((f) => f.file);
  if (weights.length) void importBergFiles(weights);
  void addPathed(
    files.filter((f) => !MODEL_FILE.test(f.path)),
    opts,
  );
}

export function ImagePanel() {
  const images = useImages();
  const globalMode = useApp((s) => s.globalMode);
  const exifOrientation = useApp((s) => s.exifOrientation);
  const intakeNote = useApp((s) => s.intakeNote);
  const [over, setOver] = useState(false);
  // Subfolder names become conditions unless the user says otherwise; duplicates are reported and kept unless asked.
  const [subfolderConditions, setSubfolderConditions] = useState(true);
  const [skipDuplicates, setSkipDuplicates] = useState(false);
  const opts: AddOptions = { subfolderConditions, skipDuplicates };
  const input = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLInputElement>(null);

  // Paste anywhere on the page (outside text fields) adds clipboard images.
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA')) return;
      const files = [...(e.clipboardData?.files ?? [])];
      if (files.length) {
        e.preventDefault();
        void addFiles(files);
      }
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, []);

  const good = useMemo(() => images.filter((i) => i.status !== 'error'), [images]);
  const bad = images.filter((i) => i.status === 'error');
  const dups = useMemo(() => duplicateGroups(images), [images]);
  const duplicateOf = useMemo(() => new Map(dups.map((d) => [d.id, d.of])), [dups]);
  return (
    <section className="panel images-panel" aria-label="Images">
      <h2>Images</h2>
      <SessionMenu />
      <div
        className={`dropzone${over ? ' over' : ''}`}
        data-testid="dropzone"
        onDragOver={(e) => {
          if (e.dataTransfer.types.includes('Files')) {
            e.preventDefault();
            setOver(true);
          }
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          const o = opts;
          void fromDataTransfer(e.dataTransfer).then((files) => addChosen(files, o));
        }}
        onClick={() => input.current?.click()}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ' ') input.current?.click();
        }}
        role="button"
        tabIndex={0}
      >
        <input
          ref={input}
          type="file"
          multiple
          accept="image/*"
          hidden
          onChange={(e) => {
            addChosen([...(e.target.files ?? [])].map((file) => ({ file, path: file.name })), opts);
            e.target.value = '';
          }}
        />
        <strong>Drop images or folders here</strong>, click to choose, or paste (Ctrl/⌘+V)
        <div className="hint">PNG, JPEG (incl. CMYK), WebP, GIF (first frame), BMP · pixels as PIL's Image.open(f).convert('RGB') · folders in sorted path order · a CSV/TSV among them is a stimulus list · BERG .npy/.pkl files go to the model import</div>
      </div>
      <div className="row intake-row">
        <button type="button" className="small" onClick={() => folder.current?.click()}>
          Choose folder…
        </button>
        <input
          ref={folder}
          type="file"
          data-testid="folder-input"
          hidden
          {...{ webkitdirectory: '', directory: '' }}
          onChange={(e) => {
            addChosen(fromFileList(e.target.files ?? []), opts);
            e.target.value = '';
          }}
        />
        <button type="button" className="small" onClick={() => list.current?.click()} title="CSV or TSV with a header: a file column (file, filename, image, stimulus, path or name), a condition column (condition, category, class, label or concept); other columns are kept as image metadata">
          Stimulus list…
        </button>
        <input
          ref={list}
          type="file"
          accept=".csv,.tsv,.tab,text/csv,text/tab-separated-values"
          data-testid="stimulus-list-input"
          hidden
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void loadStimulusList(f);
            e.target.value = '';
          }}
        />
        <label className="check">
          <input type="checkbox" data-testid="subfolder-conditions" checked={subfolderConditions} onChange={(e) => setSubfolderConditions(e.target.checked)} /> subfolders → conditions
        </label>
        <label className="check">
          <input type="checkbox" data-testid="skip-duplicates" checked={skipDuplicates} onChange={(e) => setSkipDuplicates(e.target.checked)} /> skip duplicate files
        </label>
      </div>
      {intakeNote && (
        <p className="hint intake-note" data-testid="intake-note">
          {intakeNote}
        </p>
      )}
      {dups.length > 0 && (
        <div className="dup-report" data-testid="duplicate-report" data-count={dups.length}>
          <span>
            {dups.length} duplicate file{dups.length > 1 ? 's' : ''} (same bytes as an earlier image): {dups.slice(0, 3).map((d) => `${d.name} = ${d.of}`).join(', ')}
            {dups.length > 3 ? ', …' : ''}
          </span>
          <button type="button" className="small" data-testid="skip-duplicates-now" onClick={removeDuplicates}>
            Skip duplicates
          </button>
        </div>
      )}
      <div className="row">
        <label>
          Non-square images:
          <select data-testid="global-mode" value={globalMode} onChange={(e) => setGlobalMode(e.target.value as SquareMode)}>
            {MODES.map((m) => (
              <option key={m} value={m}>
                {SQUARE_MODE_LABEL[m]}
              </option>
            ))}
          </select>
        </label>
        <label title="PIL's Image.open, and so BERG users, ignore the EXIF orientation tag; 'apply' turns the pixels as ImageOps.exif_transpose does">
          EXIF orientation:
          <select data-testid="exif-orientation" value={exifOrientation} onChange={(e) => setExifOrientation(e.target.value as 'ignore' | 'apply')}>
            <option value="ignore">ignore (as PIL)</option>
            <option value="apply">apply</option>
          </select>
        </label>
      </div>
      {bad.length > 0 && (
        <div className="chips">
          {bad.map((it) => (
            <span key={it.id} className="chip error-chip" data-testid="error-chip" title={it.error}>
              <span className="what">
                <strong>{it.name}</strong>
                {it.error}
              </span>
              <button type="button" aria-label={`Dismiss ${it.name}`} onClick={() => removeImage(it.id)}>
                ×
              </button>
            </span>
          ))}
        </div>
      )}
      <div className="gallery-head">
        <span>
          {good.length} image{good.length === 1 ? '' : 's'} · export order = this order
        </span>
        {images.length > 0 && (
          <button type="button" className="small" onClick={clearImages}>
            Clear all
          </button>
        )}
      </div>
      <Gallery items={good} duplicateOf={duplicateOf} />
    </section>
  );
}
