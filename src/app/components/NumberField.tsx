// The page's number field: applies on Enter or blur, says why it refuses a value.
import { useId, useRef, useState } from 'react';

export interface NumberFieldProps {
  label: string;
  value: number;
  /** Apply a parsed, in-range value; return a message to refuse it (it then stays in the field). */
  onCommit: (v: number) => string | null | void;
  /** the range a value must lie in (open-ended where left out) */
  min?: number;
  max?: number;
  /** refuse values that are not whole numbers */
  integer?: boolean;
  step?: number;
  unit?: string;
  testId?: string;
  className?: string;
  autoFocus?: boolean;
  /** after Enter applied a value (a form's submit, for example) */
  onEnter?: (v: number) => void;
  /** the field's message changed: a refusal, or null once it holds nothing refused */
  onError?: (message: string | null) => void;
}

/** "must be within 1…10 ms", "must be at least 1", "must be at most 5". */
function rangeText(min: number, max: number, unit: string): string {
  const u = unit ? ` ${unit}` : '';
  if (min === -Infinity) return `must be at most ${max}${u}`;
  if (max === Infinity) return `must be at least ${min}${u}`;
  return `must be within ${min}…${max}${u}`;
}

/**
 * A number field that applies what was typed on Enter or when it loses focus (typing "120" no
 * longer applies "1" and "12" on the way), says why it refuses a value, Escape reverts, and
 * ArrowUp/ArrowDown step and apply at once. It shows `value` again whenever that changes elsewhere.
 */
export function NumberField({ label, value, onCommit, min = -Infinity, max = Infinity, integer, step = 1, unit = '', testId, className, autoFocus, onEnter, onError }: NumberFieldProps) {
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const shown = useRef(value);
  if (shown.current !== value) {
    // the value moved (slider, brush, another field): the field follows unless the user is mid-edit
    shown.current = value;
    if (draft !== null && error === null) setDraft(null);
  }
  const showError = (msg: string | null) => {
    setError(msg);
    onError?.(msg);
  };
  /** The applied value, or null when it was refused. */
  const commit = (text: string): number | null => {
    const t = text.trim().replace(',', '.');
    if (t === '') return fail(`enter a number${unit ? ` in ${unit}` : ''}`);
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(t)) return fail(`“${text.trim()}” is not a number`);
    const v = Number(t);
    if (v < min || v > max) return fail(rangeText(min, max, unit));
    if (integer && !Number.isInteger(v)) return fail('must be a whole number');
    const refused = onCommit(v);
    if (refused) return fail(refused);
    showError(null);
    setDraft(null);
    return v;
  };
  const fail = (msg: string) => {
    showError(msg);
    return null;
  };
  return (
    <span className={`number-field ${className ?? ''}`}>
      <input
        type="text"
        inputMode="decimal"
        aria-label={label}
        data-testid={testId}
        autoFocus={autoFocus}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? id : undefined}
        value={draft ?? String(value)}
        onChange={(e) => {
          setDraft(e.target.value);
          if (error) showError(null);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            const v = commit(draft ?? String(value));
            if (v !== null) onEnter?.(v);
          } else if (e.key === 'Escape') {
            setDraft(null);
            showError(null);
          } else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
            e.preventDefault();
            const base = Number((draft ?? String(value)).replace(',', '.'));
            const next = Math.min(max, Math.max(min, (Number.isFinite(base) ? base : value) + (e.key === 'ArrowUp' ? step : -step)));
            commit(String(next));
          }
        }}
        onBlur={() => {
          if (draft !== null) commit(draft);
        }}
      />
      {error && (
        <span className="field-error" id={id} role="alert">
          {label}: {error}
        </span>
      )}
    </span>
  );
}
