// The page's number field: applies on Enter or blur, says why it refuses a value.
import { useId, useRef, useState } from 'react';

export interface NumberFieldProps {
  label: string;
  value: number;
  /** Apply a parsed, in-range value; return a message to refuse it (it then stays in the field). */
  onCommit: (v: number) => string | null | void;
  min: number;
  max: number;
  step?: number;
  unit?: string;
  testId?: string;
  className?: string;
}

/**
 * A number field that applies what was typed on Enter or when it loses focus (typing "120" no
 * longer applies "1" and "12" on the way), says why it refuses a value, Escape reverts, and
 * ArrowUp/ArrowDown step and apply at once. It shows `value` again whenever that changes elsewhere.
 */
export function NumberField({ label, value, onCommit, min, max, step = 1, unit = '', testId, className }: NumberFieldProps) {
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const shown = useRef(value);
  if (shown.current !== value) {
    // the value moved (slider, brush, another field): the field follows unless the user is mid-edit
    shown.current = value;
    if (draft !== null && error === null) setDraft(null);
  }
  const commit = (text: string): boolean => {
    const t = text.trim().replace(',', '.');
    if (t === '') return fail(`enter a number${unit ? ` in ${unit}` : ''}`);
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(t)) return fail(`“${text.trim()}” is not a number`);
    const v = Number(t);
    if (v < min || v > max) return fail(`must be within ${min}…${max}${unit ? ` ${unit}` : ''}`);
    const refused = onCommit(v);
    if (refused) return fail(refused);
    setError(null);
    setDraft(null);
    return true;
  };
  const fail = (msg: string) => {
    setError(msg);
    return false;
  };
  return (
    <span className={`number-field ${className ?? ''}`}>
      <input
        type="text"
        inputMode="decimal"
        aria-label={label}
        data-testid={testId}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? id : undefined}
        value={draft ?? String(value)}
        onChange={(e) => {
          setDraft(e.target.value);
          if (error) setError(null);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit(draft ?? String(value));
          } else if (e.key === 'Escape') {
            setDraft(null);
            setError(null);
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
