import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { EEG_DATA_NOTE, EEG_UNIT, timecourseFigure, timesMs } from '../../viz/plots.ts';
import type { BandKind } from '../../viz/stats.ts';
import { setCursor, setWindow } from '../actions/selection.ts';
import { setBand, setChannelView, setImageView } from '../actions/view.ts';
import { nearestIndex } from '../figures/time_axis.ts';
import { timecourseTitle, timecourseView, withCursor, withWindow } from '../figures/timecourse.ts';
import { eachSeries } from '../responses.ts';
import { useEncodedFor, useEncodedShowing, useSelection, useWorkerValue } from '../state/encoded.ts';
import { times } from '../state/selectors.ts';
import { useApp, type ChannelView, type ImageView } from '../state/store.ts';
import { ImageChoice } from './ImageChoice.tsx';
import { LinePlot } from './LinePlot.tsx';
import { SUBJECT_SPREAD_LABEL } from './SubjectsPanel.tsx';

// (an empty mask shades nothing: the window is added to the figure by withWindow)
const NO_WINDOW: number[] = [];

export const BAND_LABEL: Record<BandKind, string> = {
  minmax: 'min–max over 4 repetitions',
  sd: '±1 SD over 4 repetitions (n − 1)',
  none: 'no band',
};

export function TimecoursePanel() {
  const { names, ch, chMask } = useSelection();
  // only what the figure reads (see TopomapPanel)
  const s = useApp(
    useShallow((a) => ({
      ...{ model: a.model, imageView: a.imageView, channelView: a.channelView, band: a.band, timeMask: a.timeMask, conditions: a.conditions },
      ...{ subjectSpread: a.subjectSpread, cursor: a.cursor },
    })),
  );
  // live while encoding (a canvas repaint per batch is cheap), deferred so input stays first; a
  // picked image's mean is drawn as soon as it comes
  const enc = useEncodedShowing(s.imageView.startsWith('img:') ? [s.imageView] : []);
  const tms = useMemo(() => timesMs(times()), [s.model]);
  const title = timecourseTitle(s.channelView, names, ch);

  // one line per image: the worker's time courses over the selected channels (per subject with a subject mean)
  const wantEach = s.imageView === 'each' && s.channelView === 'mean' && enc.keys.length > 0 && ch.length > 0;
  const eachSig = useMemo(() => (wantEach ? `${enc.tags.join('+')}\n${enc.keys.join(',')}\n${ch.join(',')}` : null), [wantEach, enc.tags, enc.keys, ch]);
  const each = useWorkerValue(eachSig, () => eachSeries(enc.tags, enc.keys, Int32Array.from(ch)));
  // (what the lines read: another map source's image mean leaves them as they are)
  const lineEnc = useEncodedFor(enc, ['all', 'conditioned', s.imageView, ...s.conditions.map((c) => `cond:${c}`)]);
  const view = useMemo(() => {
    const t0 = performance.now();
    // without the window: its shading is added below (withWindow), so moving it rebuilds no lines
    const v = timecourseView({ enc: lineEnc, names, ch, chMask, tms, imageView: s.imageView, channelView: s.channelView, band: s.band, timeMask: NO_WINDOW, conditions: s.conditions, title, each, subjectSpread: s.subjectSpread });
    return v && { ...v, ms: performance.now() - t0 };
  }, [lineEnc, names, ch, chMask, tms, s.imageView, s.channelView, s.band, s.conditions, title, each, s.subjectSpread]);

  const hasConditions = s.conditions.length > 0;
  const imageGroups = useMemo(
    () => [
      { value: 'mean', label: 'mean over images' },
      { value: 'each', label: 'each image' },
      ...(hasConditions ? [{ value: 'conditions', label: 'each condition' }] : []),
    ],
    [hasConditions],
  );
  const noChannels = ch.length === 0 && s.channelView !== 'butterfly';
  const placeholder = useMemo(
    () =>
      timecourseFigure({
        timesMs: tms,
        // the same panels and title as the figure to come, so that the plot keeps its shape
        series: s.channelView === 'butterfly' ? [{ name: '', mean: [], faint: true }] : [],
        lower: s.channelView === 'butterfly' ? { name: 'GFP', values: [], unit: EEG_UNIT } : undefined,
        title,
        placeholder: noChannels ? 'No channels selected.' : 'Add images to see time courses.',
        height: s.channelView === 'butterfly' ? 420 : 360,
      }),
    [tms, noChannels, s.channelView, title],
  );
  const shown = view && !noChannels ? view.figure : placeholder;
  const figure = useMemo(() => withCursor(withWindow(shown, tms, s.timeMask), tms[s.cursor]), [shown, tms, s.timeMask, s.cursor]);
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
          <ImageChoice label="Images" value={s.imageView} groups={imageGroups} items={enc.items} onChange={(v) => setImageView(v as ImageView)} testId="image-view" />
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
          <select aria-label="Band" value={s.band} onChange={(e) => setBand(e.target.value as BandKind)} disabled={s.channelView === 'butterfly' || Boolean(enc.subjects)}>
            {(Object.keys(BAND_LABEL) as BandKind[]).map((k) => (
              <option key={k} value={k}>
                {BAND_LABEL[k]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <LinePlot
        figure={figure}
        filename="timecourse"
        className="plot"
        onCursor={(x) => setCursor(nearestIndex(x, tms))}
        onWindow={(a, b) => setWindow(nearestIndex(a, tms), nearestIndex(b, tms))}
      />
      <p className="caption" data-testid="timecourse-caption">
        {enc.subjects ? (
          <>
            Lines: mean over {enc.subjects.paths.length} subjects ({enc.subjects.labels.join('; ')}) of each subject's mean over the 4 repetitions and the images;
            band: {s.channelView === 'butterfly' ? 'none in the butterfly' : SUBJECT_SPREAD_LABEL[s.subjectSpread]}, on those subject-level means (n ={' '}
            {enc.subjects.paths.length}).{' '}
          </>
        ) : (
          <>Lines: mean over the 4 repetitions of BERG's model; band: {BAND_LABEL[s.band]}, computed on the plotted average. </>
        )}
        Drag horizontally to set the
        window; click to move the cursor. {EEG_DATA_NOTE}
      </p>
    </section>
  );
}
