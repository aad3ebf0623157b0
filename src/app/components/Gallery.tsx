// The image list in gallery (= export) order. Past a few dozen images only the rows in view are in
// the DOM (@tanstack/react-virtual): a thousand-image set costs what the visible rows cost.
import { memo, useCallback, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { squareGeometry, type SquareMode } from '../../io/image_square.ts';
import { setCondition } from '../actions/conditions.ts';
import { moveImage, removeImage, setImageMode } from '../actions/images.ts';
import { hasResponse, modelTag, pixelKey } from '../responses.ts';
import { effectiveMode, turnedByExif } from '../state/selectors.ts';
import { useApp, type ImageItem } from '../state/store.ts';

/** Galleries up to this size render every row (a few hundred elements); larger ones only the visible rows. */
export const VIRTUAL_FROM = 50;
/** Estimated row height (px) before a row is measured. */
const ROW = 76;

const ORIENTATION_WORDS: Record<number, string> = {
  2: 'mirrored',
  3: 'rotated 180°',
  4: 'flipped vertically',
  5: 'transposed',
  6: 'rotated 90° clockwise',
  7: 'transversed',
  8: 'rotated 90° anticlockwise',
};

/** How much the model's resize to 256 px enlarges the square image (none when it is 256 px or more). */
function upscale(item: ImageItem): string | null {
  if (item.status !== 'ready' || !item.width || !item.height || !item.squareMode) return null;
  const side = item.squareMode === 'crop' ? Math.min(item.width, item.height) : Math.max(item.width, item.height);
  return side < 256 ? (256 / side).toFixed(side >= 128 ? 2 : 1) : null;
}

/** A tag other than 1 means the pixels depend on the setting. */
export function Gallery({ items, duplicateOf }: { items: ImageItem[]; duplicateOf: Map<string, string> }) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = items.length >= VIRTUAL_FROM;
  // the same function while the list is the same: the virtualizer lays every row out again when it changes
  const getItemKey = useCallback((i: number) => items[i].id, [items]);
  const v = useVirtualizer({
    count: virtual ? items.length : 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 4,
    getItemKey,
    gap: 6,
  });
  // how many thumbnails are drawn so far (a reload decodes them again in the background)
  let thumbs = 0;
  for (const it of items) if (it.thumb) thumbs++;
  if (!virtual) {
    return (
      <ol className="gallery" data-testid="gallery" data-count={items.length} data-thumbs={thumbs}>
        {items.map((it, i) => (
          <Thumb key={it.id} item={it} index={i} count={items.length} dupOf={duplicateOf.get(it.id)} />
        ))}
      </ol>
    );
  }
  return (
    <div className="gallery gallery-virtual" ref={scroller} data-testid="gallery" data-count={items.length} data-thumbs={thumbs}>
      <ol style={{ height: v.getTotalSize() }}>
        {v.getVirtualItems().map((row) => (
          <Thumb key={row.key} item={items[row.index]} index={row.index} count={items.length} dupOf={duplicateOf.get(items[row.index].id)} measure={v.measureElement} start={row.start} />
        ))}
      </ol>
    </div>
  );
}

function notice(it: ImageItem, mode: SquareMode): string | null {
  if (!it.width || !it.height || it.width === it.height) return null;
  const g = squareGeometry(it.width, it.height, mode);
  return mode === 'crop' ? `centre-cropped to ${g.size}×${g.size}` : `padded to ${g.size}×${g.size} with ${mode === 'pad-mean' ? 'ImageNet mean grey' : 'black'}`;
}

interface ThumbProps {
  item: ImageItem;
  index: number;
  count: number;
  dupOf?: string;
  measure?: (el: Element | null) => void;
  start?: number;
}

const Thumb = memo(function Thumb({ item, index, count, dupOf, measure, start }: ThumbProps) {
  const conditions = useApp((s) => s.conditions);
  // Re-evaluated on every store change (responsesVersion among them); re-renders only when it flips.
  const encoded = useApp((s) => (s.model && item.squareMode ? hasResponse(modelTag(s.model), pixelKey(item.id, item.squareMode)) : false));
  const mode = effectiveMode(item);
  const note = notice(item, mode);
  const meta = item.meta ? Object.entries(item.meta).filter(([, v]) => v !== '') : [];
  return (
    <li
      className="thumb"
      data-testid="thumb"
      data-name={item.name}
      data-index={index}
      data-condition={item.condition ?? ''}
      data-encoded={encoded ? 'true' : 'false'}
      ref={measure}
      style={start !== undefined ? { position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${start}px)` } : undefined}
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
      {item.thumb ? <img src={item.thumb} alt={item.name} width={56} height={56} loading="lazy" /> : <span className="thumb-placeholder">…</span>}
      <div className="meta">
        <div className="name" title={item.path ?? item.name}>
          {item.name}
        </div>
        <div className="dims">
          {item.width ? `${item.width}×${item.height}` : 'decoding…'}
          {item.status === 'ready' && <span className={`badge ${encoded ? 'ok' : 'wait'}`}>{encoded ? 'encoded' : 'queued'}</span>}
        </div>
        {dupOf !== undefined && (
          <div className="notice warn" data-testid="duplicate-badge">
            same bytes as {dupOf}
          </div>
        )}
        {meta.length > 0 && (
          <div className="stim-meta" data-testid="image-meta" title={meta.map(([k, v]) => `${k}: ${v}`).join('\n')}>
            {meta.map(([k, v]) => `${k}=${v}`).join(' · ')}
          </div>
        )}
        {note && (
          <div className="notice" data-testid="square-notice">
            {note}
          </div>
        )}
        {upscale(item) && (
          <div className="notice" data-testid="upscale-notice" title="The model's first step resizes the shorter side to 256 px (bilinear, antialiased): an image smaller than that is enlarged, as BERG's preprocessing enlarges it">
            upscaled ×{upscale(item)} to 256 px by the model
          </div>
        )}
        {turnedByExif(item) && (
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
});
