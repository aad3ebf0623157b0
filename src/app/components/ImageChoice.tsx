// What a view shows: a group (all images, a condition, a difference) or one image. One image is
// picked by its number among the images the view can show (the gallery's numbers once every image
// is encoded), not from a list of every image: at thousands of images such a list is thousands of
// elements that each render of the view walks again.
import { useState } from 'react';
import type { ImageItem } from '../state/store.ts';
import { indexById } from '../state/selectors.ts';
import { NumberField } from './NumberField.tsx';

export interface GroupOption {
  value: string;
  label: string;
}

/** the select's entry that stands for "one image" (no group value can equal it) */
const ONE_IMAGE = '\u0000one-image';

export interface ImageChoiceProps {
  /** the select's accessible name; the number field's is `${label}: image number` */
  label: string;
  /** a group's value, or `${prefix}${image id}` */
  value: string;
  /** the groups offered before "one image"; none: the images alone (no select) */
  groups: readonly GroupOption[];
  /** the images one can pick, in gallery order */
  items: readonly ImageItem[];
  /** what precedes an image's id in `value` */
  prefix?: string;
  onChange: (value: string) => void;
  /** the select's test id; the number field's is `${testId}-number` */
  testId?: string;
}

export function ImageChoice({ label, value, groups, items, prefix = 'img:', onChange, testId }: ImageChoiceProps) {
  // the image number picked last: choosing "one image" again comes back to it
  const [last, setLast] = useState(0);
  const found = value.startsWith(prefix) ? indexById(items, value.slice(prefix.length)) : -1;
  const showImage = found >= 0 || (!groups.length && items.length > 0);
  const index = Math.max(0, found);
  const pick = (k: number) => {
    setLast(k);
    onChange(prefix + items[k].id);
  };
  return (
    <span className="image-choice">
      {groups.length > 0 && (
        <select aria-label={label} data-testid={testId} value={found >= 0 ? ONE_IMAGE : value} onChange={(e) => (e.target.value === ONE_IMAGE ? pick(Math.min(last, items.length - 1)) : onChange(e.target.value))}>
          {groups.map((g) => (
            <option key={g.value} value={g.value}>
              {g.label}
            </option>
          ))}
          {items.length > 0 && <option value={ONE_IMAGE}>one image, by number</option>}
        </select>
      )}
      {showImage && (
        <>
          <NumberField label={`${label}: image number`} value={index + 1} min={1} max={items.length} integer onCommit={(n) => pick(n - 1)} testId={testId ? `${testId}-number` : undefined} className="image-number" />
          <span className="image-choice-name" title={`image ${index + 1} of ${items.length}: ${items[index].name}`}>
            of {items.length}: {items[index].name}
          </span>
        </>
      )}
    </span>
  );
}
