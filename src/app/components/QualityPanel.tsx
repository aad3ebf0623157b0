// Model quality from the subject's metadata: noise ceiling, ncsnr and the encoding accuracy BERG
// measured on THINGS EEG2 test images, per channel and time.
import { useDeferredValue, useMemo, useState } from 'react';
import { timesMs } from '../../viz/plots.ts';
import { setCursor } from '../actions/selection.ts';
import { LABEL, qualityView, type Metric } from '../figures/quality.ts';
import { nearestIndex } from '../figures/time_axis.ts';
import { topomapGrid } from '../figures/topomap_grid.ts';
import { useSelection } from '../state/encoded.ts';
import { times } from '../state/selectors.ts';
import { useApp } from '../state/store.ts';
import { Plot } from './Plot.tsx';
import { TopomapView } from './TopomapView.tsx';

export function QualityPanel() {
  const quality = useApp((s) => s.quality);
  const note = useApp((s) => s.qualityNote);
  const model = useApp((s) => s.model);
  const cursor = useApp((s) => s.cursor);
  const topoMode = useApp((s) => s.topoMode);
  const mask = useApp((s) => s.timeMask);
  // deferred: a channel or window change paints the response views first, then this panel
  const { names, ch, chMask, t } = useDeferredValue(useSelection());
  const tms = useMemo(() => timesMs(times()), [model]);
  const available = (Object.keys(LABEL) as Metric[]).filter((k) => quality?.[k]);
  const [metric, setMetric] = useState<Metric | null>(null);
  const m = metric && available.includes(metric) ? metric : available[0];

  const view = useMemo(
    () => (m && quality?.[m] ? qualityView({ metric: m, arr: quality[m]!, names, ch, chMask, t, tms, cursor, topoMode, mask, grid: () => topomapGrid(names, useApp.getState().topoMethod) }) : null),
    [m, quality, names, ch, chMask, t, tms, cursor, topoMode, mask],
  );

  return (
    <section className="panel quality-panel" data-testid="quality" aria-label="Model quality">
      <div className="panel-head">
        <h2>Model quality</h2>
        {available.length > 0 && (
          <select aria-label="Quality metric" value={m} onChange={(e) => setMetric(e.target.value as Metric)}>
            {available.map((k) => (
              <option key={k} value={k}>
                {LABEL[k]}
              </option>
            ))}
          </select>
        )}
      </div>
      {view && ch.length ? (
        <div className="two-col">
          <TopomapView scene={view.topo} height={320} filename="model-quality-topomap" />
          <Plot figure={view.tc} filename="model-quality-timecourse" className="plot" onClick={(e) => typeof e.points?.[0]?.x === 'number' && setCursor(nearestIndex(e.points[0].x as number, tms))} />
        </div>
      ) : (
        <div className="empty">
          {!model
            ? 'Load a model to see its quality.'
            : model.synthetic
              ? 'The synthetic demo subject has no noise ceiling or encoding accuracy: it was never fitted to EEG. Convert a real BERG subject to see them.'
              : available.length
                ? 'No channels selected.'
                : `This model's metadata has no noise ceiling or accuracy arrays${note ? ` (${note})` : ''}.`}
        </div>
      )}
    </section>
  );
}
