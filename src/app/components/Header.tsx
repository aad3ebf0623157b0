import { SYNTHETIC_LABEL, isDemoSubject, type Device, type Precision } from '../../core/types.ts';
import { selectModel, setDevice, setPrecision } from '../actions/catalog.ts';
import { cancelEncode, resumeEncode } from '../actions/encoding.ts';
import { encodeRequestCount, imagesSentCount } from '../actions/engine.ts';
import { describeCompact } from '../../core/wording.ts';
import { useApp } from '../state/store.ts';
import { subjectMeanOn } from '../state/subjects.ts';
import { ModelImport } from './ModelImport.tsx';

const DEVICES: { value: Device; label: string }[] = [
  { value: 'auto', label: 'auto' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'webgl', label: 'WebGL' },
  { value: 'wasm', label: 'wasm' },
  { value: 'cpu', label: 'cpu (slow)' },
];

export function Header() {
  const catalog = useApp((s) => s.catalog);
  const modelPath = useApp((s) => s.modelPath);
  const device = useApp((s) => s.device);
  const model = useApp((s) => s.model);
  const precision = useApp((s) => s.precision);
  const entry = catalog.find((m) => m.path === modelPath);
  return (
    <header className="app-header">
      <div className="brand">
        <h1>In-silico EEG</h1>
        <span className="sub">BERG eeg-things_eeg_2-alexnet_untrained · 63 channels × 140 samples (−100…595 ms, 200 Hz) × 4 repetitions</span>
      </div>
      <div className="header-controls">
        <label>
          Model
          <select data-testid="subject-select" value={modelPath ?? ''} onChange={(e) => selectModel(e.target.value)} disabled={!catalog.length}>
            {catalog.map((m) => (
              <option key={m.path} value={m.path}>
                {m.label ?? (isDemoSubject(m.subject) ? `Demo subject ${m.subject} (synthetic)` : `Subject ${String(m.subject).padStart(2, '0')}`)}
              </option>
            ))}
          </select>
        </label>
        <label title={entry?.compact ? 'compact: about a quarter of the memory, with the error the converter measured' : 'this subject was converted without --compact'}>
          Precision
          <select data-testid="precision-select" value={entry?.compact ? precision : 'exact'} onChange={(e) => setPrecision(e.target.value as Precision)} disabled={!entry?.compact}>
            <option value="exact">exact</option>
            <option value="compact">compact{entry?.compact?.relative != null ? ` (error ${entry.compact.relative.toExponential(1)})` : ''}</option>
          </select>
          {model?.compact ? <CompactBadge model={model} /> : null}
        </label>
        <ModelImport />
        <label title={model?.backendNote ?? ''}>
          Backend
          <select data-testid="backend-select" value={device} onChange={(e) => setDevice(e.target.value as Device)}>
            {DEVICES.map((d) => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </select>
          <span className="backend-used" data-testid="backend-used" title={model?.backendNote ?? ''}>
            {model ? `using ${model.backend}` : '…'}
          </span>
        </label>
        <StatusBar />
      </div>
    </header>
  );
}

/** Compact results are always marked, with the error the converter measured (red above 1e-3 of the largest response). */
function CompactBadge({ model }: { model: NonNullable<ReturnType<typeof useApp.getState>['model']> }) {
  const e = model.compact?.error;
  const large = !e || e.relative > 1e-3;
  return (
    <span className={`compact-badge${large ? ' compact-large' : ''}`} data-testid="compact-badge" title={describeCompact(model.compact!)}>
      compact · {e ? `error ≤ ${e.relative.toExponential(1)} × max` : 'error not measured'}
    </span>
  );
}

function StatusBar() {
  const status = useApp((s) => s.status);
  const paused = useApp((s) => s.paused);
  // After a cancel, Resume only while something is left to encode (the status is 'done' when not);
  // the gallery is looked through only while paused
  const canResume = useApp((s) => s.paused && s.status.state !== 'done' && s.images.some((i) => i.status === 'ready'));
  const pct = status.total ? Math.round((100 * (status.done ?? 0)) / status.total) : undefined;
  return (
    <div className={`status status-${status.state}`} data-testid="encode-status" data-state={status.state} data-encode-requests={encodeRequestCount()} data-images-sent={imagesSentCount()} role="status" aria-live="polite">
      <span className="status-dot" />
      {/* Controls first, so they do not move while the text changes. */}
      {(status.state === 'encoding' || status.state === 'loading') && status.total ? <progress max={status.total} value={status.done ?? 0} aria-label={`${pct}%`} /> : null}
      {status.state === 'encoding' && status.total ? (
        <button type="button" className="small" data-testid="cancel-encode" onClick={cancelEncode}>
          Cancel
        </button>
      ) : null}
      {canResume && status.state !== 'encoding' ? (
        <button type="button" className="small" onClick={resumeEncode}>
          {status.state === 'error' ? 'Retry' : 'Resume'}
        </button>
      ) : null}
      <span className="status-text">{status.text}</span>
    </div>
  );
}

export function SyntheticBanner() {
  const model = useApp((s) => s.model);
  const entry = useApp((s) => s.catalog.find((m) => m.path === s.modelPath));
  // a subject mean that includes a synthetic subject is synthetic too
  const meanSynthetic = useApp((s) => subjectMeanOn(s) && s.subjectPaths.some((p) => s.catalog.find((m) => m.path === p)?.synthetic));
  const synthetic = (model ? model.synthetic : entry?.synthetic) || meanSynthetic;
  if (!synthetic) return null;
  return (
    <div className="banner" data-testid="synthetic-banner" role="note">
      <strong>Demo subject: {SYNTHETIC_LABEL}.</strong> The backbone is BERG's exact untrained AlexNet, but the PCA and regression weights are
      generated, so the responses show how the pipeline behaves, not how a brain responds. To use BERG's fitted models for subjects 1–10, see
      README section <em>“Real BERG weights”</em> (<code>npx insilico-eeg convert --berg-dir DIR --subject N</code>).
    </div>
  );
}
