// Session controls: the session (images, conditions, view, responses) lives in browser storage and
// survives reloads; 'New session' starts empty, and a session travels as one .zip.
import { useRef, useState } from 'react';
import { exportSession, importSession, newSession } from '../actions/session.ts';
import { download } from '../export.ts';

export function SessionMenu() {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (what: string, f: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="session-menu row" data-testid="session-menu" data-busy={busy ?? ''}>
      <span className="hint">Session (kept in this browser):</span>
      <button
        type="button"
        className="small"
        data-testid="session-new"
        disabled={Boolean(busy)}
        onClick={() => {
          if (confirm('Start a new session? Images, conditions and responses of this one are removed from this browser (export it first to keep it).')) void run('new', newSession);
        }}
      >
        New session
      </button>
      <button
        type="button"
        className="small"
        data-testid="session-export"
        disabled={Boolean(busy)}
        onClick={() =>
          void run('export', async () => {
            const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
            download(`insilico-eeg-session_${stamp}.zip`, await exportSession());
          })
        }
      >
        {busy === 'export' ? 'Exporting…' : 'Export session'}
      </button>
      <button type="button" className="small" disabled={Boolean(busy)} onClick={() => input.current?.click()}>
        {busy === 'import' ? 'Opening…' : 'Open session…'}
      </button>
      <input
        ref={input}
        type="file"
        accept=".zip,application/zip"
        hidden
        data-testid="session-import"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void run('import', () => importSession(f));
        }}
      />
      {error && (
        <span className="error" data-testid="session-error">
          {error}
        </span>
      )}
    </div>
  );
}
