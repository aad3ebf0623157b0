// The main thread's side of the analysis worker: one worker per job kind, so cancelling (terminating)
// a long permutation test leaves the others running.
import type { Tail } from '../analysis/cluster_test.ts';
import type { ClusterResult } from '../analysis/cluster_test.ts';
import type { DecodingResult, Scoring } from '../analysis/decoding.ts';
import type { RdmMetric, RsaResult } from '../analysis/rsa.ts';
import type { Spread } from '../analysis/spread.ts';

/**
 * spread: per condition, each image's mean over the channels and repetitions, float64 [n, 140]
 * (analysis/spread imageSeries). Others: groups, per condition, the responses of its images,
 * float32 [n, 4, 63, 140]; ch: channel indices used.
 */
export type AnalysisJob =
  | { kind: 'spread'; series: Float64Array[] }
  | {
      kind: 'cluster';
      groups: [Float32Array, Float32Array];
      ch: Int32Array;
      design: 'independent' | 'paired';
      space: 'time' | 'sensors_time';
      nPermutations: number;
      seed: number;
      tail: Tail;
      neighbors: number[][];
    }
  | { kind: 'decode'; groups: [Float32Array, Float32Array]; ch: Int32Array; nSplits: number; seed: number; scoring: Scoring; generalize: boolean }
  | {
      kind: 'rsa';
      groups: Float32Array[];
      ch: Int32Array;
      unit: 'images' | 'condition_means';
      labels: number[];
      metric: RdmMetric;
      model: 'categorical' | 'pixels' | 'uploaded';
      modelRdm?: Float64Array;
      pixels?: { data: Uint8Array; size: number }[];
      nPermutations: number;
      seed: number;
    };

export type AnalysisResult =
  | { kind: 'spread'; groups: Spread[] }
  | { kind: 'cluster'; result: ClusterResult; sensorStat: Float64Array; nA: number; nB: number }
  | { kind: 'decode'; sliding: DecodingResult; generalizing: DecodingResult | null; nA: number; nB: number }
  | { kind: 'rsa'; rdms: Float64Array[]; model: Float64Array; n: number; result: RsaResult };

export type AnalysisReply = { type: 'progress'; done: number; total: number } | { type: 'done'; result: AnalysisResult } | { type: 'error'; message: string };

export interface Running<K extends AnalysisResult['kind']> {
  promise: Promise<Extract<AnalysisResult, { kind: K }>>;
  cancel: () => void;
}

export class AnalysisCancelled extends Error {
  constructor() {
    super('Cancelled');
  }
}

const workers = new Map<string, { worker: Worker; reject: (e: Error) => void }>();

/** Run a job in its kind's worker; a job of the same kind still running is cancelled first. */
export function runAnalysis<J extends AnalysisJob>(job: J, onProgress?: (done: number, total: number) => void): Running<J['kind']> {
  cancelAnalysis(job.kind);
  const worker = new Worker(new URL('./analysis.worker.ts', import.meta.url), { type: 'module', name: `analysis-${job.kind}` });
  let cancel = () => {};
  const promise = new Promise<Extract<AnalysisResult, { kind: J['kind'] }>>((resolve, reject) => {
    const finish = () => {
      worker.terminate();
      if (workers.get(job.kind)?.worker === worker) workers.delete(job.kind);
    };
    workers.set(job.kind, { worker, reject });
    worker.onmessage = (ev: MessageEvent<AnalysisReply>) => {
      const m = ev.data;
      if (m.type === 'progress') onProgress?.(m.done, m.total);
      else if (m.type === 'done') {
        finish();
        resolve(m.result as Extract<AnalysisResult, { kind: J['kind'] }>);
      } else {
        finish();
        reject(new Error(m.message));
      }
    };
    worker.onerror = (ev) => {
      finish();
      reject(new Error(ev.message || 'The analysis worker failed'));
    };
    cancel = () => {
      finish();
      reject(new AnalysisCancelled());
    };
  });
  // the groups' rows (a spread's series) are the job's own (fetched for it from the responses worker): moved, not copied
  worker.postMessage(job, (job.kind === 'spread' ? job.series : job.groups).map((g) => g.buffer as ArrayBuffer));
  return { promise, cancel };
}

export function cancelAnalysis(kind: AnalysisJob['kind']): void {
  const w = workers.get(kind);
  if (!w) return;
  w.worker.terminate();
  workers.delete(kind);
  w.reject(new AnalysisCancelled());
}
