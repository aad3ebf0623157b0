import { useEffect, useRef, useState } from 'react';
import { importBergFiles } from '../import_client.ts';
import { addFiles, clearImages, moveImage, removeImage, setCondition, setGlobalMode, setImageMode } from '../controller.ts';
import { squareGeometry, SQUARE_MODE_LABEL, type SquareMode } from '../../io/image_square.ts';
import { dropImage, getResponse, modelTag, pixelKey } from '../responses.ts';
import { effectiveMode, get, set, setExifOrientation, useApp, type ImageItem } from '../store.ts';

const MODES: SquareMode[] = ['crop', 'pad-mean', 'pad-black'];

/** BERG's weight files, dropped or picked with the images, go to the model import instead. */
const MODEL_FILE = /\.(npy|pkl|pickle)$/i;

function addChosen(files: File[]) {
  const weights = files.filter((f) => MODEL_FILE.test(f.name));
  if (weights.length) void importBergFiles(weights);
  addFiles(files.filter((f) => !MODEL_FILE.test(f.name)));
}

/** A tag other than 1 means the pixels depend on the setting. */
const turnable = (it: ImageItem) => it.exifOrientation != null && it.exifOrientation !== 1;

/**
 * Switch EXIF handling: images whose tag turns them are decoded again (their square mode is
 * cleared, so the controller's re-square decodes them) and their responses dropped.
 */
function changeExifOrientation(v: 'ignore' | 'apply') {
  setExifOrientation(v);
  const affected = get().images.filter((i) => i.status === 'ready' && turnable(i));
  if (!affected.length) return;
  for (const it of affected) dropImage(it.id);
  const ids = new Set(affected.map((i) => i.id));
  set({ images: get().images.map((i) => (ids.has(i.id) ? { ...i, squareMode: undefined } : i)), responsesVersion: get().responsesVersion + 1 });
  for (const it of affected) setImageMode(it.id, it.mode);
}

const ORIENTATION_WORDS: Record<number, string> = {
  2: 'mirrored',
  3: 'rotated 180°',
  4: 'flipped vertically',
  5: 'transposed',
  6: 'rotated 90° clockwise',
  7: 'transversed',
  8: 'rotated 90° anticlockwise',
};

export function ImagePanel() {
  const images = useApp((s) => s.images);
  const globalMode = useApp((s) => s.globalMode);
  const exifOrientation = useApp((s) => s.exifOrientation);
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
        <div className="hint">PNG, JPEG (incl. CMYK), WebP, GIF (first frame), BMP · pixels as PIL's Image.open(f).convert('RGB') · BERG .npy/.pkl files go to the model import</div>
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
        <label title="PIL's Image.open, and so BERG users, ignore the EXIF orientation tag; 'apply' turns the pixels as ImageOps.exif_transpose does">
          EXIF orientation:
          <select data-testid="exif-orientation" value={exifOrientation} onChange={(e) => changeExifOrientation(e.target.value as 'ignore' | 'apply')}>
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
        {turnable(item) && (
          <div
            className={`notice exif-badge ${item.orientationApplied ? 'applied' : 'ignored'}`}
            data-testid="exif-badge"
            data-orientation={item.exifOrientation!}
            data-applied={item.orientationApplied ? 'true' : 'false'}
            title={
              item.orientationApplied
                ? `EXIF orientation ${item.exifOrientation} applied: pixels ${ORIENTATION_WORDS[item.exifOrientation!]} (as ImageOps.exif_transpose); PIL's Image.open would not turn them`
                : `EXIF orientation ${item.exifOrientation} ignored: pixels as stored (as PIL's Image.open); a photo viewer would show it ${ORIENTATION_WORDS[item.exifOrientation!]}`
            }
          >
            EXIF {item.exifOrientation}: {item.orientationApplied ? 'applied' : 'ignored'}
          </div>
        )}
        {item.transparent && <div className="notice warn" title="Alpha is dropped, not composited: the colours stored under transparent pixels are used, as PIL's convert('RGB') does">has transparency: alpha ignored (stored colours used)</div>}
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
