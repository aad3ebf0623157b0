import { useMemo } from 'react';
import { EEG_DATA_NOTE, EEG_UNIT, PALETTE, timecourseFigure, timesMs, type Figure, type Series } from '../../viz/plots.ts';
import { band, gfp, meanChannelsByTime, repSeries, type BandKind } from '../../viz/stats.ts';
import { setCursor, setWindow } from '../actions/selection.ts';
import { setBand, setChannelView, setImageView } from '../actions/view.ts';
import { nearestIndex } from '../figures/time_axis.ts';
import { imagesFor, useEncodedForPlots, useSelection } from '../state/encoded.ts';
import { times } from '../state/selectors.ts';
import { useApp, type ChannelView, type ImageView } from '../state/store.ts';
import { Plot } from './Plot.tsx';

export const BAND_LABEL: Record<BandKind, string> = {
  minmax: 'min–max over 4 repetitions',
  sd: '±1 SD over 4 repetitions (n − 1)',
  none: 'no band',
};

/**
 * The figure with the time cursor's line: figures are built without it, so a cursor move changes
 * one shape and Plot relayouts only that (the same line timecourseFigure draws).
 */
export function withCursor(fig: Figure, cursorMs: number): Figure {
  const shapes = [...(fig.layout.shapes ?? []), { type: 'line', xref: 'x', yref: 'paper', x0: cursorMs, x1: cursorMs, y0: 0, y1: 1, line: { color: '#c00', width: 1.5 } }];
  return { data: fig.data, layout: { ...fig.layout, shapes } as Figure['layout'] };
}

export function TimecoursePanel() {
  const enc = useEncodedForPlots();
  const { names, ch, chMask } = useSelection();
  const s = useApp();
  const tms = useMemo(() => timesMs(times()), [s.model]);
  const chLabel = ch.length === names.length ? 'all channels' : ch.length <= 4 ? Array.from(ch, (c) => names[c]).join(', ') : `${ch.length} channels`;
  const title =
    s.channelView === 'butterfly' ? 'Butterfly (selected in blue) + global field power' : s.channelView === 'each' ? `Selected channels (${ch.length})` : `Mean over ${chLabel}`;

  const view = useMemo(() => {
    const t0 = performance.now();
    const { dims, data } = enc;
    if (!dims.B) return null;
    const T = dims.T;
    // Which image groups: one line per image, per condition, or their mean.
    let groups: { name: string; idx: number[] }[];
    if (s.imageView === 'each') groups = enc.items.map((it, i) => ({ name: `${i + 1}: ${it.name}`, idx: [i] }));
    else if (s.imageView === 'conditions') {
      groups = s.conditions.map((c) => ({ name: c, idx: imagesFor(enc, `cond:${c}`) })).filter((g) => g.idx.length);
      if (!groups.length) groups = [{ name: 'all images', idx: enc.items.map((_, i) => i) }];
    } else if (s.imageView.startsWith('img:')) groups = [{ name: enc.items.find((i) => i.id === s.imageView.slice(4))?.name ?? 'image', idx: imagesFor(enc, s.imageView as `img:${string}`) }];
    else groups = [{ name: `mean of ${enc.items.length} image${enc.items.length === 1 ? '' : 's'}`, idx: enc.items.map((_, i) => i) }];

    const series: Series[] = [];
    let lower: { name: string; values: Float32Array; unit: string } | undefined;
    if (s.channelView === 'butterfly') {
      const idx = groups.flatMap((g) => g.idx);
      const ct = meanChannelsByTime(data, dims, idx);
      names.forEach((n, c) => {
        series.push({ name: n, mean: ct.subarray(c * T, (c + 1) * T), color: chMask[c] ? '#1f4e99' : '#9a9a9a', faint: true, width: chMask[c] ? 1 : 0.6 });
      });
      lower = { name: 'GFP', values: gfp(ct, names.length, T), unit: EEG_UNIT };
    } else if (s.channelView === 'each') {
      const g = groups.length === 1 ? groups[0] : { name: 'all', idx: groups.flatMap((x) => x.idx) };
      Array.from(ch).forEach((c, k) => {
        const b = band(repSeries(data, dims, g.idx, [c]), dims.R, T, s.band);
        series.push({ name: names[c], mean: b.mean, lo: s.band === 'none' ? undefined : b.lo, hi: s.band === 'none' ? undefined : b.hi, color: PALETTE[k % PALETTE.length] });
      });
    } else {
      groups.forEach((g, k) => {
        const b = band(repSeries(data, dims, g.idx, ch), dims.R, T, s.band);
        series.push({ name: g.name, mean: b.mean, lo: s.band === 'none' ? undefined : b.lo, hi: s.band === 'none' ? undefined : b.hi, color: PALETTE[k % PALETTE.length] });
      });
    }
    // Average-referenced data (CSD output is) sum to zero over all channels at every sample: their
    // mean is float rounding, which autoscaling would blow up into something that looks like an ERP.
    let zeroMean = false;
    let scale = 0;
    if (s.channelView === 'mean' && ch.length === names.length) {
      const ct = meanChannelsByTime(data, dims, groups.flatMap((g) => g.idx));
      for (const v of ct) scale = Math.max(scale, Math.abs(v));
      let m = 0;
      for (const x of series) for (const v of Array.from(x.hi ?? x.mean)) m = Math.max(m, Math.abs(v));
      zeroMean = scale > 0 && m < 1e-4 * scale;
    }
    let figure = (timecourseFigure({ timesMs: tms, series, mask: s.timeMask, lower, title, height: s.channelView === 'butterfly' ? 420 : 360 }));
    if (zeroMean) {
      const layout = figure.layout as Record<string, unknown>;
      figure = {
        data: figure.data,
        layout: {
          ...figure.layout,
          yaxis: { ...(layout.yaxis as object), range: [-scale, scale], autorange: false },
          annotations: [
            {
              text: `The mean over all ${names.length} channels is 0 at every sample<br>(average-referenced data): only float rounding remains,<br>drawn here at the channels' scale (±${scale.toPrecision(2)} ${EEG_UNIT})`,
              xref: 'paper',
              yref: 'paper',
              x: 0.5,
              y: 0.97,
              yanchor: 'top',
              showarrow: false,
              font: { size: 12, color: '#4a5563' },
              bgcolor: 'rgba(255,255,255,0.9)',
            },
          ],
        } as Figure['layout'],
      };
    }
    const ysum = series.reduce((acc, x) => acc + Array.from(x.mean).reduce((a, b) => a + b, 0), 0);
    return { figure, ms: performance.now() - t0, ysum, nSeries: series.length, zeroMean };
  }, [enc, names, ch, chMask, tms, s.imageView, s.channelView, s.band, s.timeMask, s.conditions, title]);

  const noChannels = ch.length === 0 && s.channelView !== 'butterfly';
  const placeholder = useMemo(
    () =>
      timecourseFigure({
        timesMs: tms,
        // The same subplots, title, cursor and butterfly trace as the figure to come, so that its
        // first draw with data only updates values.
        series: s.channelView === 'butterfly' ? [{ name: '', mean: [], faint: true }] : [],
        lower: s.channelView === 'butterfly' ? { name: 'GFP', values: [], unit: EEG_UNIT } : undefined,
        title,
        mask: s.timeMask,
        placeholder: noChannels ? 'No channels selected.' : 'Add images to see time courses.',
        height: s.channelView === 'butterfly' ? 420 : 360,
      }),
    [tms, noChannels, s.channelView, title, s.timeMask],
  );
  const shown = view && !noChannels ? view.figure : placeholder;
  const figure = useMemo(() => withCursor(shown, tms[s.cursor]), [shown, tms, s.cursor]);
  return (
    <section
      className="panel timecourse-panel"
      data-testid="timecourse"
      data-has-data={view && !noChannels ? 'true' : 'false'}
      data-compute-ms={view?.ms.toFixed(2)}
      data-values-sum={view ? view.ysum.toPrecision(8) : ''}
      data-series={view?.nSeries ?? 0}
      data-zero-mean={view?.zeroMean ? 'true' : undefined}
      aria-label="Time courses"
    >
      <div className="panel-head">
        <h2>Time course</h2>
        <label className="small-label">
          Images
          <select aria-label="Images" value={s.imageView} onChange={(e) => setImageView(e.target.value as ImageView)}>
            <option value="mean">mean over images</option>
            <option value="each">each image</option>
            {s.conditions.length > 0 && <option value="conditions">each condition</option>}
            {enc.items.map((it, i) => (
              <option key={it.id} value={`img:${it.id}`}>
                image {i + 1}: {it.name}
              </option>
            ))}
          </select>
        </label>
        <label className="small-label">
          Channels
          <select aria-label="Channels" data-testid="channel-view" value={s.channelView} onChange={(e) => setChannelView(e.target.value as ChannelView)}>
            <option value="mean">mean of selected</option>
            <option value="each">each selected</option>
            <option value="butterfly">butterfly (all) + GFP</option>
          </select>
        </label>
        <label className="small-label">
          Band
          <select aria-label="Band" value={s.band} onChange={(e) => setBand(e.target.value as BandKind)} disabled={s.channelView === 'butterfly'}>
            {(Object.keys(BAND_LABEL) as BandKind[]).map((k) => (
              <option key={k} value={k}>
                {BAND_LABEL[k]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {/* The plot exists from the start (empty axes until images arrive): its first draw is the
          costly one, and it then happens while the page is idle rather than while encoding. */}
      <div className="plot-wrap">
        {s.status.state === 'encoding' && (
          <p className="hold-note" data-testid="plots-held">
            Encoding: the time course updates when it finishes (the topomap follows every batch).
          </p>
        )}
        <Plot
          figure={figure}
          filename="timecourse"
          className="plot"
          onClick={(e) => {
            const x = e.points?.[0]?.x;
            if (typeof x === 'number') setCursor(nearestIndex(x, tms));
          }}
          onSelected={(e) => {
            const r = e?.range?.x;
            if (r && r.length === 2) setWindow(nearestIndex(Number(r[0]), tms), nearestIndex(Number(r[1]), tms));
          }}
        />
      </div>
      <p className="caption">
        Lines: mean over the 4 repetitions of BERG's model; band: {BAND_LABEL[s.band]}, computed on the plotted average. Drag horizontally to set the
        window; click to move the cursor. {EEG_DATA_NOTE}
      </p>
    </section>
  );
}
