import { useState } from 'react';
import { buildExport, download, exportBlocker } from '../export.ts';
import { useEncoded, useSelection } from '../derived.ts';
import { get, useApp } from '../store.ts';
import { pythonSnippet } from '../python_snippet.ts';

export function ExportPanel() {
  const s = useApp();
  const enc = useEncoded();
  const { ch, t } = useSelection();
  const [error, setError] = useState<string | null>(null);
  const blocker = exportBlocker(s);
  const shape = [enc.dims.B, 4, ch.length, t.length];
  const mb = (shape.reduce((a, b) => a * b, 1) * 4) / 1e6;

  function run(what: 'both' | 'sidecar') {
    setError(null);
    try {
      const b = buildExport(get());
      if (what === 'both') download(b.npyName, new Blob([b.npy as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
      download(b.sidecarName, new Blob([JSON.stringify(b.sidecar, null, 2)], { type: 'application/json' }));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <section className="panel export-panel" aria-label="Export">
      <h2>Export</h2>
      <p className="shape" data-testid="export-shape">
        float32 [{shape.join(', ')}] · images × repetitions × channels × times · {mb.toFixed(mb < 1 ? 3 : 1)} MB
      </p>
      <div className="row">
        <button type="button" className="primary" data-testid="export-npy" disabled={Boolean(blocker)} onClick={() => run('both')} title={blocker ?? 'Download .npy and its .json sidecar'}>
          Download .npy + sidecar
        </button>
        <button type="button" className="small" data-testid="export-sidecar" disabled={Boolean(blocker)} onClick={() => run('sidecar')}>
          Sidecar .json only
        </button>
      </div>
      {blocker && <p className="hint">{blocker}</p>}
      {error && <p className="error">{error}</p>}
      <details>
        <summary>Load in Python</summary>
        <pre className="mono" data-testid="python-snippet">{pythonSnippet()}</pre>
      </details>
      <p className="hint">Plots: scalp maps and matrices have PNG and SVG buttons (top right, on hover); time courses the camera (PNG) and document (SVG) icons in their toolbar.</p>
    </section>
  );
}
