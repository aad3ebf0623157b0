// Statistics on conditions, all computed in workers (src/app/analysis.worker.ts), cancellable, with progress:
// spread across images, cluster permutation tests (MNE), time-resolved decoding (MNE + scikit-learn), RSA.
// Images are the observations; each image's response is the mean of its 4 repetitions.
import { useDeferredValue, useEffect, useMemo, useState, type ReactNode } from 'react';
import channelsJson from '../../data/channels_10-05_63.json';
import { channelAdjacency } from '../../analysis/adjacency.ts';
import type { Tail } from '../../analysis/cluster_test.ts';
import type { Scoring } from '../../analysis/decoding.ts';
import { parseModelRdm, type RdmMetric } from '../../analysis/rsa.ts';
import type { SpreadKind } from '../../analysis/spread.ts';
import { timesMs } from '../../viz/plots.ts';
import { channelIndices } from '../../viz/stats.ts';
import { setCursor } from '../actions/selection.ts';
import { AnalysisCancelled, cancelAnalysis, runAnalysis, type AnalysisJob, type AnalysisResult } from '../analysis_client.ts';
import { download } from '../export.ts';
import { gatherResponses, imageSeriesOf } from '../responses.ts';
import { nearestIndex } from '../figures/time_axis.ts';
import { moveCursor } from '../figures/timecourse.ts';
import { ALPHA, clusterSummary, decodingFigures, rsaFigures, spreadFigure } from '../figures/stats.ts';
import { topomapGrid } from '../figures/topomap_grid.ts';
import { imagesFor, useEncodedForPlots, type Encoded } from '../state/encoded.ts';
import { chNames, times } from '../state/selectors.ts';
import { useApp } from '../state/store.ts';
import { LinePlot } from './LinePlot.tsx';
import { NumberField } from './NumberField.tsx';
import { Plot } from './Plot.tsx';
import { StatsSubjects } from './StatsSubjects.tsx';
import { TopomapView } from './TopomapView.tsx';

const NEIGHBORS = channelAdjacency(channelsJson.channels.map((c) => c.topo2d_m));

/** The responses of the images at `idx` (indices into enc.items), float32 [n, 4, 63, 140], from the responses worker for one run; with a subject mean, the subject-mean responses. */
function gather(enc: Encoded, idx: readonly number[]): Promise<Float32Array> {
  return gatherResponses(enc.tags, idx.map((i) => enc.keys[i]));
}

type Job<K extends AnalysisResult['kind']> = { state: 'idle' } | { state: 'running'; done: number; total: number } | { state: 'done'; out: Extract<AnalysisResult, { kind: K }>; params: Record<string, unknown> } | { state: 'error'; message: string };

function useJob<K extends AnalysisResult['kind']>(kind: K) {
  const [job, setJob] = useState<Job<K>>({ state: 'idle' });
  useEffect(() => () => cancelAnalysis(kind), [kind]);
  const start = (job_: Promise<AnalysisJob & { kind: K }>, params: Record<string, unknown>) => {
    // a cancelled run brings back the last finished result
    const previous: Job<K> = job.state === 'done' ? job : { state: 'idle' };
    setJob({ state: 'running', done: 0, total: 1 });
    job_.then((j) => runAnalysis(j, (done, total) => setJob({ state: 'running', done, total })).promise).then(
      (out) => setJob({ state: 'done', out: out as unknown as Extract<AnalysisResult, { kind: K }>, params }),
      (e) => setJob(e instanceof AnalysisCancelled ? previous : { state: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
  };
  return { job, start, cancel: () => cancelAnalysis(kind) };
}

function Progress({ job, onCancel, testId }: { job: Job<never> | Job<AnalysisResult['kind']>; onCancel: () => void; testId: string }) {
  if (job.state === 'running')
    return (
      <span className="stats-progress" data-testid={testId} data-state="running">
        <progress max={job.total} value={job.done} /> {Math.round((100 * job.done) / Math.max(1, job.total))}%
        <button type="button" className="small" onClick={onCancel}>
          Cancel
        </button>
      </span>
    );
  if (job.state === 'error')
    return (
      <span className="stats-error" data-testid={testId} data-state="error">
        {job.message}
      </span>
    );
  return <span data-testid={testId} data-state={job.state} />;
}

/** Renders its figures again on a cursor move by itself (they mark the cursor); the panel around it does not. */
function AtCursor({ children }: { children: (cursor: number) => ReactNode }) {
  const cursor = useApp((s) => s.cursor);
  return <>{children(cursor)}</>;
}

function jsonBlob(o: unknown) {
  return new Blob([JSON.stringify(o, (_, v) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v), 1)], { type: 'application/json' });
}

function csvCell(s: string | number) {
  const t = String(s);
  return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

export function StatsPanel() {
  const enc = useEncodedForPlots();
  // narrow subscriptions: the panel follows the conditions, channels and model, not the cursor or
  // the time window (the figures that mark the cursor follow it through AtCursor)
  const model = useApp((s) => s.model);
  // deferred: a channel change paints the response views first, then this panel
  const selected = useDeferredValue(useApp((s) => s.selectedChannels));
  const conditions = useApp((s) => s.conditions);
  const A = useApp((s) => s.diffA);
  const B = useApp((s) => s.diffB);
  const topoMethod = useApp((s) => s.topoMethod);
  const { names, ch } = useMemo(() => {
    const names = chNames();
    return { names, ch: channelIndices(names, selected) };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model, selected]);
  const tms = useMemo(() => timesMs(times()), [model]);
  const [spreadKind, setSpreadKind] = useState<SpreadKind>('ci95');
  const [design, setDesign] = useState<'independent' | 'paired'>('independent');
  const [space, setSpace] = useState<'time' | 'sensors_time'>('time');
  const [nPerm, setNPerm] = useState(1000);
  const [seed, setSeed] = useState(0);
  const [tail, setTail] = useState<Tail>(0);
  const [nSplits, setNSplits] = useState(5);
  const [scoring, setScoring] = useState<Scoring>('roc_auc');
  const [generalize, setGeneralize] = useState(false);
  const [rsaUnit, setRsaUnit] = useState<'images' | 'condition_means'>('images');
  const [metric, setMetric] = useState<RdmMetric>('correlation');
  const [modelKind, setModelKind] = useState<'categorical' | 'pixels' | 'uploaded'>('categorical');
  const [uploaded, setUploaded] = useState<{ name: string; bytes: Uint8Array } | null>(null);
  const spreadJob = useJob('spread');
  const cluster = useJob('cluster');
  const decode = useJob('decode');
  const rsa = useJob('rsa');

  // by the images and tags, not by the group means each answer of the responses worker brings
  // (a map source pick): the spread across images is computed again only when what it reads changes
  const tagsKey = enc.tags.join('\n');
  const idxA = useMemo(() => imagesFor(enc, `cond:${A}`), [enc.items, A]); // eslint-disable-line react-hooks/exhaustive-deps
  const idxB = useMemo(() => imagesFor(enc, `cond:${B}`), [enc.items, B]); // eslint-disable-line react-hooks/exhaustive-deps
  const condIdx = useMemo(() => conditions.map((c) => ({ c, idx: imagesFor(enc, `cond:${c}`) })).filter((g) => g.idx.length), [enc.items, tagsKey, conditions]); // eslint-disable-line react-hooks/exhaustive-deps
  const ready = A && B && A !== B && idxA.length >= 2 && idxB.length >= 2 && ch.length > 0;
  const chLabel = ch.length === names.length ? 'all channels' : `${ch.length} selected channel${ch.length > 1 ? 's' : ''}`;

  // Spread across images: recomputed in the worker whenever the images' responses, conditions or
  // channels change; by their keys, not the list's identity (a thumbnail landing makes a new list).
  const condSig = useMemo(() => `${tagsKey}\n${condIdx.map((g) => `${g.c}:${g.idx.map((i) => enc.keys[i]).join(',')}`).join('\n')}`, [condIdx, tagsKey]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (!condIdx.length || !ch.length) return;
    const chosen = Int32Array.from(ch);
    spreadJob.start(
      Promise.all(condIdx.map((g) => imageSeriesOf(enc.tags, g.idx.map((i) => enc.keys[i]), chosen))).then((series) => ({ kind: 'spread' as const, series })),
      { conditions: condIdx.map((g) => g.c) },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [condSig, ch]);

  const clusterParams = () => ({
    test: design === 'paired' ? (space === 'time' ? 'permutation_cluster_1samp_test' : 'spatio_temporal_cluster_1samp_test') : space === 'time' ? 'permutation_cluster_test' : 'spatio_temporal_cluster_test',
    design,
    space,
    conditions: [A, B],
    n_permutations: nPerm,
    seed,
    tail: design === 'paired' ? tail : 0,
    ch_names: Array.from(ch, (i) => names[i]),
  });
  const runCluster = () =>
    cluster.start(
      Promise.all([gather(enc, idxA), gather(enc, idxB)]).then((groups) => ({ kind: 'cluster' as const, groups, ch: Int32Array.from(ch), design, space, nPermutations: nPerm, seed, tail: design === 'paired' ? tail : 0, neighbors: NEIGHBORS })),
      clusterParams(),
    );
  const runDecode = () =>
    decode.start(Promise.all([gather(enc, idxA), gather(enc, idxB)]).then((groups) => ({ kind: 'decode' as const, groups, ch: Int32Array.from(ch), nSplits, seed, scoring, generalize })), { conditions: [A, B], n_splits: nSplits, seed, scoring, generalize, ch_names: Array.from(ch, (i) => names[i]) });
  // after a reload the responses are back before every image is decoded again: the pixel model
  // needs each image's pixels
  const pixelsPending = modelKind === 'pixels' ? condIdx.reduce((n, g) => n + g.idx.filter((i) => !enc.items[i].square).length, 0) : 0;
  const runRsa = async () => {
    const groups = await Promise.all(condIdx.map((g) => gather(enc, g.idx)));
    const labels = condIdx.flatMap((g, k) => g.idx.map(() => k));
    const n = rsaUnit === 'images' ? labels.length : condIdx.length;
    let modelRdm: Float64Array | undefined;
    if (modelKind === 'uploaded') {
      if (!uploaded) return;
      try {
        modelRdm = parseModelRdm(uploaded.bytes, uploaded.name, n);
      } catch (e) {
        alert(e instanceof Error ? e.message : String(e));
        return;
      }
    }
    const pixels = modelKind === 'pixels' ? condIdx.flatMap((g) => g.idx.map((i) => enc.items[i].square)).map((q) => ({ data: q!.data.slice(), size: q!.size })) : undefined;
    rsa.start(
      Promise.resolve({ kind: 'rsa' as const, groups, ch: Int32Array.from(ch), unit: rsaUnit, labels, metric, model: modelKind, modelRdm, pixels, nPermutations: nPerm, seed }),
      {
        unit: rsaUnit,
        metric: metric === 'correlation' ? '1 - Pearson r' : 'Euclidean',
        model: modelKind === 'uploaded' ? `uploaded: ${uploaded?.name}` : modelKind,
        comparison: 'Spearman rho',
        n_permutations: nPerm,
        seed,
        items: rsaUnit === 'images' ? condIdx.flatMap((g) => g.idx.map((i) => enc.items[i].name)) : condIdx.map((g) => g.c),
        ch_names: Array.from(ch, (i) => names[i]),
      },
    );
  };

  // ---- figures
  const clusterDone = cluster.job.state === 'done' ? cluster.job : null;
  // built once per result and choice: a cursor move only moves its line (an overlay, no repaint)
  const spreadBase = useMemo(
    () =>
      spreadJob.job.state !== 'done' || !ch.length
        ? null
        : spreadFigure({ out: spreadJob.job.out, conds: spreadJob.job.params.conditions as string[], conditions, kind: spreadKind, tms, cursor: 0, A, B, chLabel, cluster: clusterDone }),
    [spreadJob.job, ch.length, conditions, spreadKind, tms, A, B, chLabel, clusterDone],
  );
  const spreadFig = (cursor: number) => spreadBase && moveCursor(spreadBase, tms[cursor]);

  // the table and its export do not depend on the cursor; the map does (it falls back to the cursor without a cluster)
  const grid = useMemo(() => topomapGrid(names, topoMethod), [names, topoMethod]);
  const clusterAt = (cursor: number) => (clusterDone ? clusterSummary(clusterDone, names, times(), tms, cursor, grid) : null);
  const clusterView = useMemo(() => clusterAt(useApp.getState().cursor), [clusterDone, names, tms, grid]); // eslint-disable-line react-hooks/exhaustive-deps

  const exportCluster = (fmt: 'json' | 'csv') => {
    if (!clusterDone || !clusterView) return;
    const r = clusterDone.out.result;
    const clusters = clusterView.rows.map(({ tmin_s, tmax_s, ch_names, mass, p }) => ({ tmin_s, tmax_s, ch_names, mass, p }));
    const stem = `clusters_${clusterDone.params.conditions === undefined ? '' : (clusterDone.params.conditions as string[]).join('-vs-')}`.replace(/[^\w.-]+/g, '_');
    if (fmt === 'json') {
      const o = {
        test: r.test,
        n_permutations: r.nPermutations,
        seed: r.seed,
        clusters,
        n_permutations_used: r.nPermutationsUsed,
        exact: r.exact,
        statistic: r.statistic,
        threshold: r.threshold,
        tail: r.tail,
        design: clusterDone.params.design,
        space: clusterDone.params.space,
        conditions: clusterDone.params.conditions,
        n_images: [clusterDone.out.nA, clusterDone.out.nB],
        ch_names_tested: clusterDone.params.ch_names,
        observations: 'images; each image is the mean of its 4 repetitions',
        adjacency: clusterDone.params.space === 'sensors_time' ? "Delaunay on the 2-D topomap positions (mne.channels.find_ch_adjacency), times t +- 1 (max_step=1)" : 'consecutive times',
        alpha: ALPHA,
      };
      download(`${stem}.json`, jsonBlob(o));
    } else {
      const head = `# test=${r.test}; statistic=${r.statistic}; threshold=${r.threshold}; tail=${r.tail}; n_permutations=${r.nPermutations}; n_permutations_used=${r.nPermutationsUsed}; exact=${r.exact}; seed=${r.seed}`;
      const lines = [head, 'tmin_s,tmax_s,ch_names,mass,p', ...clusters.map((c) => [c.tmin_s, c.tmax_s, c.ch_names.join(' '), c.mass, c.p].map(csvCell).join(','))];
      download(`${stem}.csv`, new Blob([lines.join('\n') + '\n'], { type: 'text/csv' }));
    }
  };

  const decodeView = (cursor: number) => (decode.job.state === 'done' ? decodingFigures(decode.job.out, (decode.job.params.ch_names as string[]).length, tms, cursor, A, B) : null);

  const rsaView = (cursor: number) => (rsa.job.state === 'done' ? rsaFigures(rsa.job.out, rsa.job.params, tms, cursor) : null);

  if (conditions.length < 2) {
    return (
      <section className="panel stats-panel" data-testid="stats" aria-label="Statistics">
        <div className="panel-head">
          <h2>Statistics</h2>
        </div>
        <div className="empty">Define two conditions and assign images to them for statistics (cluster tests, decoding, RSA).</div>
      </section>
    );
  }
  return (
    <section className="panel stats-panel" data-testid="stats" aria-label="Statistics">
      <div className="panel-head">
        <h2>Statistics</h2>
        <span className="small-label">
          {A} vs {B} (set under Conditions) · images are observations; each is the mean of its 4 repetitions
          {enc.subjects ? ` and of the ${enc.subjects.paths.length} subjects (subject-mean responses; the per-subject difference below has the subjects as observations)` : ''}
        </span>
        <label className="small-label">
          Band
          <select aria-label="Spread band" value={spreadKind} onChange={(e) => setSpreadKind(e.target.value as SpreadKind)} data-testid="stats-band">
            <option value="ci95">95% CI (t)</option>
            <option value="sem">±1 SEM</option>
            <option value="sd">±1 SD</option>
          </select>
        </label>
        <Progress job={spreadJob.job} onCancel={spreadJob.cancel} testId="stats-spread-status" />
      </div>
      <AtCursor>
        {(cursor) => {
          const f = spreadFig(cursor);
          return f && <LinePlot figure={f} filename="condition-means-ci" className="plot" onCursor={(x) => setCursor(nearestIndex(x, tms))} />;
        }}
      </AtCursor>
      {enc.subjects && <StatsSubjects enc={enc} idxA={idxA} idxB={idxB} ch={ch} chLabel={chLabel} A={A} B={B} tms={tms} />}

      <h3>Cluster-based permutation test</h3>
      <div className="row stats-controls">
        <label>
          Design
          <select aria-label="Design" value={design} onChange={(e) => setDesign(e.target.value as 'independent' | 'paired')} data-testid="stats-design">
            <option value="independent">independent (F, permutation_cluster_test)</option>
            <option value="paired">paired: k-th image of A with k-th of B (t on differences)</option>
          </select>
        </label>
        <label>
          Over
          <select aria-label="Test space" value={space} onChange={(e) => setSpace(e.target.value as 'time' | 'sensors_time')} data-testid="stats-space">
            <option value="time">time (mean of {chLabel})</option>
            <option value="sensors_time">sensors × time ({chLabel})</option>
          </select>
        </label>
        {design === 'paired' && (
          <label>
            Tail
            <select aria-label="Tail" value={tail} onChange={(e) => setTail(Number(e.target.value) as Tail)}>
              <option value={0}>two-sided</option>
              <option value={1}>A &gt; B</option>
              <option value={-1}>A &lt; B</option>
            </select>
          </label>
        )}
        <label>
          Permutations
          <NumberField label="Permutations" testId="stats-permutations" value={nPerm} min={10} max={100000} integer step={100} onCommit={setNPerm} />
        </label>
        <label>
          Seed
          <NumberField label="Seed" testId="stats-seed" value={seed} min={0} max={2 ** 32 - 1} integer onCommit={setSeed} />
        </label>
        <button type="button" className="small" disabled={!ready} onClick={runCluster} data-testid="stats-run">
          Run test
        </button>
        <Progress job={cluster.job} onCancel={cluster.cancel} testId="stats-status" />
        {!ready && <span className="small-label">Needs two different conditions with at least 2 images each.</span>}
      </div>
      {clusterView && (
        <div className="two-col">
          <div>
            <p className="stats-params" data-testid="stats-params">
              {clusterView.paramText}
            </p>
            <table className="stats-table" data-testid="stats-table">
              <thead>
                <tr>
                  <th>#</th>
                  <th>time (ms)</th>
                  <th>sensors</th>
                  <th>mass</th>
                  <th>p</th>
                </tr>
              </thead>
              <tbody>
                {clusterView.rows.map((r) => (
                  <tr key={r.k} className={r.p < ALPHA ? 'sig' : ''}>
                    <td>{r.k + 1}</td>
                    <td>
                      {Math.round(r.tmin_s * 1000)}…{Math.round(r.tmax_s * 1000)}
                    </td>
                    <td title={r.ch_names.join(', ')}>{r.ch_names.length > 6 ? `${r.ch_names.slice(0, 6).join(', ')} +${r.ch_names.length - 6}` : r.ch_names.join(', ')}</td>
                    <td>{r.mass.toFixed(2)}</td>
                    <td>{r.p.toFixed(4)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {!clusterView.rows.length && <div className="empty">No supra-threshold cluster.</div>}
            <div className="row">
              <button type="button" className="small" onClick={() => exportCluster('json')} data-testid="stats-export">
                Export table (JSON)
              </button>
              <button type="button" className="small" onClick={() => exportCluster('csv')} data-testid="stats-export-csv">
                Export table (CSV)
              </button>
            </div>
          </div>
          <AtCursor>{(cursor) => <TopomapView scene={clusterAt(cursor)!.topo} height={320} filename="cluster-stat-topomap" />}</AtCursor>
        </div>
      )}

      <h3>Time-resolved decoding</h3>
      <div className="row stats-controls">
        <label>
          Folds
          <NumberField label="Folds" testId="decode-folds" value={nSplits} min={2} max={20} integer onCommit={setNSplits} />
        </label>
        <label>
          Score
          <select aria-label="Scoring" value={scoring} onChange={(e) => setScoring(e.target.value as Scoring)}>
            <option value="roc_auc">ROC AUC</option>
            <option value="accuracy">accuracy</option>
          </select>
        </label>
        <label>
          <input type="checkbox" checked={generalize} onChange={(e) => setGeneralize(e.target.checked)} data-testid="decode-generalize" /> temporal generalisation
        </label>
        <button type="button" className="small" disabled={!ready || Math.min(idxA.length, idxB.length) < nSplits} onClick={runDecode} data-testid="decode-run">
          Decode
        </button>
        <Progress job={decode.job} onCancel={decode.cancel} testId="decode-status" />
        {decode.job.state === 'done' && (
          <button type="button" className="small" onClick={() => decode.job.state === 'done' && download('decoding.json', jsonBlob({ ...decode.job.params, estimator: 'SlidingEstimator', classifier: "LinearDiscriminantAnalysis(solver='lsqr', shrinkage='auto')", cv: 'StratifiedKFold(shuffle=True)', times_s: times(), ...decode.job.out }))} data-testid="decode-export">
            Export (JSON)
          </button>
        )}
      </div>
      <AtCursor>
        {(cursor) => {
          const v = decodeView(cursor);
          return (
            v && (
              <div className={v.tgm ? 'two-col' : ''}>
                <Plot figure={v.fig} filename="decoding" className="plot" />
                {v.tgm && <Plot figure={v.tgm} filename="temporal-generalisation" className="plot" />}
              </div>
            )
          );
        }}
      </AtCursor>

      <h3>Representational similarity</h3>
      <div className="row stats-controls">
        <label>
          Items
          <select aria-label="RSA items" value={rsaUnit} onChange={(e) => setRsaUnit(e.target.value as 'images' | 'condition_means')}>
            <option value="images">images</option>
            <option value="condition_means">condition means</option>
          </select>
        </label>
        <label>
          RDM
          <select aria-label="RDM metric" value={metric} onChange={(e) => setMetric(e.target.value as RdmMetric)}>
            <option value="correlation">1 − Pearson r</option>
            <option value="euclidean">Euclidean</option>
          </select>
        </label>
        <label>
          Model
          <select aria-label="Model RDM" value={modelKind} onChange={(e) => setModelKind(e.target.value as 'categorical' | 'pixels' | 'uploaded')} data-testid="rsa-model">
            <option value="categorical" disabled={rsaUnit !== 'images'}>
              categorical (conditions)
            </option>
            <option value="pixels" disabled={rsaUnit !== 'images'}>
              pixels (1 − r, 32×32 RGB)
            </option>
            <option value="uploaded">uploaded (.npy / .csv)</option>
          </select>
        </label>
        {modelKind === 'uploaded' && (
          <input
            type="file"
            accept=".npy,.csv,.txt"
            aria-label="Model RDM file"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              if (f) setUploaded({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
            }}
          />
        )}
        <button type="button" className="small" disabled={condIdx.length < 2 || !ch.length || (modelKind === 'uploaded' && !uploaded) || pixelsPending > 0} onClick={() => void runRsa()} data-testid="rsa-run">
          Run RSA
        </button>
        {pixelsPending > 0 && (
          <span className="hint" data-testid="rsa-pixels-pending">
            the pixel model waits for {pixelsPending} image{pixelsPending === 1 ? '' : 's'} still being decoded
          </span>
        )}
        <Progress job={rsa.job} onCancel={rsa.cancel} testId="rsa-status" />
        {rsa.job.state === 'done' && (
          <button type="button" className="small" onClick={() => rsa.job.state === 'done' && download('rsa.json', jsonBlob({ ...rsa.job.params, times_s: times(), rho: rsa.job.out.result.rho, p: rsa.job.out.result.p, p_max_over_time: rsa.job.out.result.pMax, model_rdm_condensed: rsa.job.out.model, rdms_condensed: rsa.job.out.rdms, rdm_order: 'scipy pdist (i < j, row by row)' }))} data-testid="rsa-export">
            Export (JSON)
          </button>
        )}
      </div>
      <AtCursor>
        {(cursor) => {
          const v = rsaView(cursor);
          return (
            v && (
              <>
                <Plot figure={v.fig} filename="rsa-timecourse" className="plot" />
                <div className="two-col">
                  <Plot figure={v.rdmFig} filename="neural-rdm" className="plot" />
                  <Plot figure={v.modelFig} filename="model-rdm" className="plot" />
                </div>
              </>
            )
          );
        }}
      </AtCursor>
    </section>
  );
}
