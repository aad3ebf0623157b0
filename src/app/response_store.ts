// The encoded responses and what the views ask of them, off the main thread: float32 [4, 63, 140]
// per image, keyed by model tag (model, subject, backend, precision) and pixel key, and the small
// arrays the views draw from. The responses worker (responses.worker.ts) runs it; where there is
// no worker (Node, the unit tests) the client runs it in place. No DOM, no React.
//
// Group means are kept as running sums: a request whose images are the last answer's plus new
// ones (images arriving while encoding) adds only the new ones. They are per model tag: a subject
// mean asks for each subject's and averages them (state/encoded.ts). The other answers take one
// tag or several (the chosen subjects, in order): several give the subject-mean responses
// (gather, repetitionMeans), one array per subject (eachSeries, dissimilarityCourse) or the mean of
// the subjects' own matrices (dissimilarityAt), as src/analysis/subjects.ts defines them.
import { N_CHANNELS, N_REPETITIONS, N_TIMES } from '../core/types.ts';
import { subjectMean } from '../analysis/subjects.ts';
import { dissimilarity, meanDissimilarityOverTime, patternsAt, repSeries, type Dims } from '../viz/stats.ts';

export const BLOCK = N_REPETITIONS * N_CHANNELS * N_TIMES;
const ONE: Dims = { B: 1, R: N_REPETITIONS, C: N_CHANNELS, T: N_TIMES };

/** A set of images by their pixel keys (gallery order), named so its running sum can be kept. */
export interface GroupRequest {
  id: string;
  keys: string[];
}

/** A group's mean over its images, [4, 63, 140] (repetitions kept), and how many images it has. */
export interface GroupMean {
  id: string;
  n: number;
  mean: Float32Array;
}

/** One model tag, or the chosen subjects' tags in order. */
export type Tags = string | readonly string[];
const tagList = (tags: Tags): readonly string[] => (typeof tags === 'string' ? [tags] : tags);

interface Running {
  keys: string[];
  sum: Float64Array;
}

export class ResponseStore {
  private data = new Map<string, Map<string, Float32Array>>();
  private running = new Map<string, Running>();

  private of(tag: string): Map<string, Float32Array> {
    let m = this.data.get(tag);
    if (!m) this.data.set(tag, (m = new Map()));
    return m;
  }

  put(tag: string, key: string, r: Float32Array) {
    if (r.length !== BLOCK) throw new Error(`a response has ${r.length} values, not ${BLOCK}`);
    const m = this.of(tag);
    // a replaced response invalidates the sums that hold it
    if (m.has(key)) for (const [id, run] of this.running) if (id.startsWith(`${tag}\n`) && run.keys.includes(key)) this.running.delete(id);
    m.set(key, r);
  }

  get(tag: string, key: string): Float32Array | undefined {
    return this.data.get(tag)?.get(key);
  }

  has(tag: string, key: string): boolean {
    return Boolean(this.data.get(tag)?.has(key));
  }

  /** Forget an image's responses, every mode and tag (it left the gallery). */
  dropImage(id: string) {
    for (const m of this.data.values()) for (const k of [...m.keys()]) if (k.startsWith(`${id}|`)) m.delete(k);
    for (const [gid, run] of this.running) if (run.keys.some((k) => k.startsWith(`${id}|`))) this.running.delete(gid);
  }

  clear() {
    this.data.clear();
    this.running.clear();
  }

  private rows(tag: string, keys: readonly string[]): Float32Array[] {
    const m = this.of(tag);
    return keys.map((k) => {
      const r = m.get(k);
      if (!r) throw new Error(`no response for ${k.split('|')[0]} (removed or re-encoding)`);
      return r;
    });
  }

  /** The images' responses; with several tags each image's element-wise mean over the subjects. */
  private meanRows(tags: Tags, keys: readonly string[]): Float32Array[] {
    const ts = tagList(tags);
    if (ts.length === 1) return this.rows(ts[0], keys);
    const per = ts.map((t) => this.rows(t, keys));
    return keys.map((_, b) => subjectMean(per.map((rs) => rs[b])));
  }

  /** Each group's mean [4, 63, 140]; a group without images has a NaN mean. */
  groupMeans(tag: string, groups: readonly GroupRequest[]): GroupMean[] {
    return groups.map((g) => {
      const id = `${tag}\n${g.id}`;
      let run = this.running.get(id);
      const extends_ = run && run.keys.length <= g.keys.length && run.keys.every((k, i) => k === g.keys[i]);
      if (!run || !extends_) run = { keys: [], sum: new Float64Array(BLOCK) };
      const added = this.rows(tag, g.keys.slice(run.keys.length));
      for (const r of added) for (let i = 0; i < BLOCK; i++) run.sum[i] += r[i];
      run.keys = g.keys.slice();
      this.running.set(id, run);
      const n = g.keys.length;
      const mean = new Float32Array(BLOCK);
      for (let i = 0; i < BLOCK; i++) mean[i] = n ? run.sum[i] / n : NaN;
      return { id: g.id, n, mean };
    });
  }

  /** One time course per image over the channels ch, repetitions kept: [B, 4, 140], per subject with several tags ([S, B, 4, 140]). */
  eachSeries(tags: Tags, keys: readonly string[], ch: ArrayLike<number>): Float32Array {
    const ts = tagList(tags);
    const n = keys.length * N_REPETITIONS * N_TIMES;
    const out = new Float32Array(ts.length * n);
    ts.forEach((tag, s) => this.rows(tag, keys).forEach((r, b) => out.set(repSeries(r, ONE, [0], ch), s * n + b * N_REPETITIONS * N_TIMES)));
    return out;
  }

  /** The images' [B, 4, 63, 140] in the order asked (a statistics run, the Lab's measures). */
  gather(tags: Tags, keys: readonly string[]): Float32Array {
    const out = new Float32Array(keys.length * BLOCK);
    this.meanRows(tags, keys).forEach((r, b) => out.set(r, b * BLOCK));
    return out;
  }

  /** Each image's mean over the repetitions, [B, 63, 140] (the Lab's measures average repetitions first). */
  repetitionMeans(tags: Tags, keys: readonly string[]): Float32Array {
    const n = N_CHANNELS * N_TIMES;
    const out = new Float32Array(keys.length * n);
    this.meanRows(tags, keys).forEach((r, b) => {
      const o = b * n;
      for (let i = 0; i < n; i++) out[o + i] = (r[i] + r[n + i] + r[2 * n + i] + r[3 * n + i]) / N_REPETITIONS;
    });
    return out;
  }

  /** Repetition-mean patterns over ch at sample t, one row per image: [B, ch.length]. */
  patterns(tag: string, keys: readonly string[], ch: ArrayLike<number>, t: number): Float32Array {
    const rows = this.rows(tag, keys);
    const P = ch.length;
    const out = new Float32Array(rows.length * P);
    rows.forEach((r, b) => out.set(patternsAt(r, ONE, [0], ch, t), b * P));
    return out;
  }

  /** The image-by-image dissimilarity (1 - r) at sample t over ch: [B, B]; with several tags the mean of the subjects' own matrices. */
  dissimilarityAt(tags: Tags, keys: readonly string[], ch: ArrayLike<number>, t: number): Float32Array {
    const per = tagList(tags).map((tag) => dissimilarity(this.patterns(tag, keys, ch, t), keys.length, ch.length));
    if (per.length === 1) return per[0];
    const out = new Float32Array(per[0].length);
    for (const m of per) for (let i = 0; i < m.length; i++) out[i] += m[i] / per.length;
    return out;
  }

  /** The mean pairwise dissimilarity at every sample over the images: [140], one per subject with several tags ([S, 140]). */
  dissimilarityCourse(tags: Tags, keys: readonly string[], ch: ArrayLike<number>): Float32Array {
    const ts = tagList(tags);
    const out = new Float32Array(ts.length * N_TIMES);
    ts.forEach((tag, s) => out.set(meanDissimilarityOverTime(this.gather(tag, keys), { B: keys.length, R: N_REPETITIONS, C: N_CHANNELS, T: N_TIMES }, keys.map((_, i) => i), ch), s * N_TIMES));
    return out;
  }
}
