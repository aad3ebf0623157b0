import { useEffect, useRef, useState } from 'react';
import { importBergFiles } from '../import_client.ts';
import { addFiles, clearImages, moveImage, removeImage, setCondition, setGlobalMode, setImageMode } from '../controller.ts';
import { squareGeometry, SQUARE_MODE_LABEL, type SquareMode } from '../../io/image_square.ts';
import { getResponse, modelTag, pixelKey } from '../responses.ts';
import { effectiveMode, useApp, type ImageItem } from '../store.ts';

const MODES: SquareMode[] = ['crop', 'pad-mean', 'pad-black'];

/** BERG's weight files, dropped or picked with the images, go to the model import instead. */
const MODEL_FILE = /\.(npy|pkl|pickle)$/i;

function addChosen(files: File[]) {
  const weights = files.filter((f) => MODEL_FILE.test(f.name));
  if (weights.length) void importBergFiles(weights);
  addFiles(files.filter((f) => !MODEL_FILE.test(f.name)));
}

export function ImagePanel() {
  const images = useApp((s) => s.images);
  const globalMode = useApp((s) => s.globalMode);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  // Paste anywhere on the page (outside text fields) adds clipboard images.
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA')) return;
      const files = [...(e.clipboardData?.files ?? [])];
      if (files.length) {
        e.preventDefault();
        addFiles(files);
      }
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, []);

  const good = images.filter((i) => i.status !== 'error');
  const bad = images.filter((i) => i.status === 'error');
  return (
    <section className="panel images-panel" aria-label="Images">
      <h2>Images</h2>
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
          addChosen([...e.dataTransfer.files]);
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
            addChosen([...(e.target.files ?? [])]);
            e.target.value = '';
          }}
        />
        <strong>Drop images here</strong>, click to choose, or paste (Ctrl/⌘+V)
        <div className="hint">PNG, JPEG, WebP, GIF (first frame), BMP · EXIF orientation applied · BERG .npy/.pkl files go to the model import</div>
      </div>
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
      <ol className="gallery" data-testid="gallery">
        {good.map((it, i) => (
          <Thumb key={it.id} item={it} index={i} count={good.length} />
        ))}
      </ol>
    </section>
  );
}

function notice(it: ImageItem, mode: SquareMode): string | null {
  if (!it.width || !it.height || it.width === it.height) return null;
  const g = squareGeometry(it.width, it.height, mode);
  return mode === 'crop' ? `centre-cropped to ${g.size}×${g.size}` : `padded to ${g.size}×${g.size} with ${mode === 'pad-mean' ? 'ImageNet mean grey' : 'black'}`;
}

function Thumb({ item, index, count }: { item: ImageItem; index: number; count: number }) {
  const conditions = useApp((s) => s.conditions);
  const model = useApp((s) => s.model);
  useApp((s) => s.responsesVersion);
  const mode = effectiveMode(item);
  const encoded = model && item.squareMode ? Boolean(getResponse(modelTag(model), pixelKey(item.id, item.squareMode))) : false;
  const note = notice(item, mode);
  return (
    <li
      className="thumb"
      data-testid="thumb"
      data-name={item.name}
      data-encoded={encoded ? 'true' : 'false'}
      draggable
      onDragStart={(e) => {
        e.dataTransfer.setData('application/x-image-id', item.id);
        e.dataTransfer.effectAllowed = 'move';
      }}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('application/x-image-id')) e.preventDefault();
      }}
      onDrop={(e) => {
        const id = e.dataTransfer.getData('application/x-image-id');
        if (id && id !== item.id) {
          e.preventDefault();
          e.stopPropagation();
          moveImage(id, index);
        }
      }}
    >
      <span className="idx">{index + 1}</span>
      {item.thumb ? <img src={item.thumb} alt={item.name} width={56} height={56} /> : <span className="thumb-placeholder">…</span>}
      <div className="meta">
        <div className="name" title={item.name}>
          {item.name}
        </div>
        <div className="dims">
          {item.width ? `${item.width}×${item.height}` : 'decoding…'}
          {item.status === 'ready' && <span className={`badge ${encoded ? 'ok' : 'wait'}`}>{encoded ? 'encoded' : 'queued'}</span>}
        </div>
        {note && (
          <div className="notice" data-testid="square-notice">
            {note}
          </div>
        )}
        {item.transparent && <div className="notice warn">has transparency: transparent pixels read as black</div>}
        <div className="thumb-controls">
          {item.width !== item.height && item.width ? (
            <select aria-label="Square mode" value={item.mode ?? ''} onChange={(e) => setImageMode(item.id, (e.target.value || undefined) as SquareMode | undefined)}>
              <option value="">global ({mode === 'crop' ? 'crop' : mode === 'pad-mean' ? 'pad grey' : 'pad black'})</option>
              <option value="crop">crop</option>
              <option value="pad-mean">pad grey</option>
              <option value="pad-black">pad black</option>
            </select>
          ) : null}
          {conditions.length > 0 && (
            <select aria-label="Condition" data-testid="condition-select" value={item.condition ?? ''} onChange={(e) => setCondition(item.id, e.target.value || undefined)}>
              <option value="">no condition</option>
              {conditions.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          )}
        </div>
      </div>
      <div className="order">
        <button type="button" aria-label="Move up" disabled={index === 0} onClick={() => moveImage(item.id, index - 1)}>
          ↑
        </button>
        <button type="button" aria-label="Move down" disabled={index === count - 1} onClick={() => moveImage(item.id, index + 1)}>
          ↓
        </button>
        <button type="button" aria-label={`Remove ${item.name}`} data-testid="remove-image" onClick={() => removeImage(item.id)}>
          ×
        </button>
      </div>
    </li>
  );
}
