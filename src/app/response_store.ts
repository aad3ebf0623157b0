// The encoded responses and what the views ask of them, off the main thread: float32 [4, 63, 140]
// per image, keyed by model tag (model, subject, backend, precision) and pixel key, and the small
// arrays the views draw from. The responses worker (responses.worker.ts) runs it; where there is
// no worker (Node, the unit tests) the client runs it in place. No DOM, no React.
//
// With browser storage (RowStorage: the session's responses/<tag>/<key>.f32 files) the full
// responses live there, not here: a response is written as it arrives and kept only until its
// write has landed, plus a bounded cache of recently used rows. What is kept is the index (which
// images have a response, under which stored key) and the group means' running sums. Every
// answer that needs image rows (one line per image, a statistics run's rows, repetition means,
// dissimilarities) reads them in batches of BATCH, so memory holds at most a batch and the cache
// besides the answer itself. Without storage the rows are held here (there is nowhere else).
//
// Group means are kept as running sums: a request whose images are the last answer's plus new
// ones (images arriving while encoding) adds only the new ones. They are per model tag: a subject
// mean asks for each subject's and averages them (state/encoded.ts). The other answers take one
// tag or several (the chosen subjects, in order): several give the subject-mean responses
// (gather, repetitionMeans), one array per subject (eachSeries, dissimilarityCourse) or the mean of
// the subjects' own matrices (dissimilarityAt), as src/analysis/subjects.ts defines them.
import { N_CHANNELS, N_REPETITIONS, N_TIMES } from '../core/types.ts';
import { subjectMean } from '../analysis/subjects.ts';
import { dissimilarity, patternsAt, repSeries, type Dims } from '../viz/stats.ts';

export const BLOCK = N_REPETITIONS * N_CHANNELS * N_TIMES;
const ONE: Dims = { B: 1, R: N_REPETITIONS, C: N_CHANNELS, T: N_TIMES };
/** rows read (and held) at once by an answer that goes over many images */
export const BATCH = 64;
/** rows kept after use when they live in storage: 256 rows are 36 MB */
export const CACHE_ROWS = 256;

/** Where the full responses are kept: the session's files (SessionStore), or a test's stand-in. */
export interface RowStorage {
  saveResponse(tag: string, key: string, data: Float32Array): Promise<void>;
  response(tag: string, key: string): Promise<Float32Array | null>;
  /** the keys stored under a tag */
  responseKeys(tag: string): Promise<Set<string>>;
}

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

const rowId = (tag: string, key: string) => `${tag}\n${key}`;

export class ResponseStore {
  /** per tag: the images with a response, pixel key -> stored key (null: held here only) */
  private index = new Map<string, Map<string, string | null>>();
  /** rows that live here: without storage, or until their write lands (by rowId) */
  private held = new Map<string, Float32Array>();
  /** rows read back or written, most recently used last (by rowId) */
  private cache = new Map<string, Float32Array>();
  private running = new Map<string, Running>();
  /** per tag, the stored keys (one listing, then kept up to date by put) */
  private listed = new Map<string, Promise<Set<string>>>();
  /** bumped when a response is replaced or dropped: a running sum computed across it is not kept */
  private epoch = 0;

  constructor(
    private readonly storage: RowStorage | null = null,
    private readonly cacheRows = CACHE_ROWS,
  ) {}

  private of(tag: string): Map<string, string | null> {
    let m = this.index.get(tag);
    if (!m) this.index.set(tag, (m = new Map()));
    return m;
  }

  /**
   * A new response; with storage and a stored key `store` it is written there (the promise says
   * when it has landed, or why not) and then no longer held here.
   */
  put(tag: string, key: string, r: Float32Array, store: string | null = null): Promise<void> | null {
    if (r.length !== BLOCK) throw new Error(`a response has ${r.length} values, not ${BLOCK}`);
    const m = this.of(tag);
    const id = rowId(tag, key);
    // a replaced response invalidates the sums that hold it
    if (m.has(key)) {
      this.epoch++;
      for (const [gid, run] of this.running) if (gid.startsWith(`${tag}\n`) && run.keys.includes(key)) this.running.delete(gid);
      this.cache.delete(id);
    }
    const kept = this.storage && store !== null ? store : null;
    m.set(key, kept);
    this.held.set(id, r);
    if (kept === null) return null;
    void this.listed.get(tag)?.then((s) => s.add(kept));
    return this.storage!.saveResponse(tag, kept, r).then(() => {
      // landed: from now on it is read from storage (the cache keeps it while it is recent)
      if (this.held.get(id) !== r) return;
      this.held.delete(id);
      if (this.of(tag).has(key)) this.remember(id, r);
    });
  }

  has(tag: string, key: string): boolean {
    return Boolean(this.index.get(tag)?.has(key));
  }

  /**
   * Which of the images have a stored response under this tag (a reload): they join the index,
   * nothing is read. Returns their pixel keys.
   */
  async load(tag: string, items: readonly { key: string; store: string }[]): Promise<string[]> {
    const m = this.of(tag);
    let stored: Set<string> | null = null;
    if (this.storage && items.some((it) => !m.has(it.key))) {
      let l = this.listed.get(tag);
      if (!l) {
        l = this.storage.responseKeys(tag);
        this.listed.set(tag, l);
        l.catch(() => this.listed.delete(tag));
      }
      stored = await l;
    }
    const found: string[] = [];
    for (const it of items) {
      if (!m.has(it.key) && stored?.has(it.store)) m.set(it.key, it.store);
      if (m.has(it.key)) found.push(it.key);
    }
    return found;
  }

  /** Forget an image's responses, every mode and tag (it left the gallery). */
  dropImage(id: string) {
    this.epoch++;
    for (const [tag, m] of this.index)
      for (const k of [...m.keys()])
        if (k.startsWith(`${id}|`)) {
          m.delete(k);
          this.held.delete(rowId(tag, k));
          this.cache.delete(rowId(tag, k));
        }
    for (const [gid, run] of this.running) if (run.keys.some((k) => k.startsWith(`${id}|`))) this.running.delete(gid);
  }

  clear() {
    this.epoch++;
    this.index.clear();
    this.held.clear();
    this.cache.clear();
    this.running.clear();
    this.listed.clear();
  }

  /** How many full rows are in memory (held until written, or cached): bounded with storage. */
  residentRows(): number {
    return this.held.size + this.cache.size;
  }

  private remember(id: string, r: Float32Array) {
    this.cache.delete(id);
    this.cache.set(id, r);
    while (this.cache.size > this.cacheRows) this.cache.delete(this.cache.keys().next().value!);
  }

  /** Rows of a few images (at most a batch), from memory or storage. */
  private async rows(tag: string, keys: readonly string[]): Promise<Float32Array[]> {
    const m = this.of(tag);
    return Promise.all(
      keys.map(async (k) => {
        const missing = () => new Error(`no response for ${k.split('|')[0]} (removed or re-encoding)`);
        if (!m.has(k)) throw missing();
        const id = rowId(tag, k);
        const here = this.held.get(id) ?? this.cache.get(id);
        if (here) {
          if (this.cache.has(id)) this.remember(id, here);
          return here;
        }
        const store = m.get(k);
        if (!this.storage || store == null) throw missing();
        const r = await this.storage.response(tag, store);
        if (!r) throw new Error(`the stored response of ${k.split('|')[0]} is missing from browser storage`);
        if (r.length !== BLOCK) throw new Error(`the stored response of ${k.split('|')[0]} has ${r.length} values, not ${BLOCK}`);
        if (this.of(tag).get(k) === store) this.remember(id, r);
        return r;
      }),
    );
  }

  /** Calls f on every image's row in order, a batch at a time. */
  private async eachRow(tag: string, keys: readonly string[], f: (r: Float32Array, b: number) => void) {
    for (let i = 0; i < keys.length; i += BATCH) (await this.rows(tag, keys.slice(i, i + BATCH))).forEach((r, j) => f(r, i + j));
  }

  /** Like eachRow; with several tags each image's element-wise mean over the subjects. */
  private async eachMeanRow(tags: Tags, keys: readonly string[], f: (r: Float32Array, b: number) => void) {
    const ts = tagList(tags);
    if (ts.length === 1) return this.eachRow(ts[0], keys, f);
    for (let i = 0; i < keys.length; i += BATCH) {
      const part = keys.slice(i, i + BATCH);
      const per: Float32Array[][] = [];
      for (const t of ts) per.push(await this.rows(t, part));
      part.forEach((_, j) => f(subjectMean(per.map((rs) => rs[j])), i + j));
    }
  }

  /** Each group's mean [4, 63, 140]; a group without images has a NaN mean. Each image is read once for all groups. */
  async groupMeans(tag: string, groups: readonly GroupRequest[]): Promise<GroupMean[]> {
    const epoch = this.epoch;
    const runs = groups.map((g) => {
      const run = this.running.get(`${tag}\n${g.id}`);
      const extends_ = run && run.keys.length <= g.keys.length && run.keys.every((k, i) => k === g.keys[i]);
      return { sum: extends_ ? run.sum.slice() : new Float64Array(BLOCK), from: extends_ ? run.keys.length : 0 };
    });
    // the images to add, each with the groups that add it (in each group's own order)
    const need = new Map<string, number[]>();
    groups.forEach((g, gi) => {
      for (const k of g.keys.slice(runs[gi].from)) {
        const list = need.get(k);
        if (list) list.push(gi);
        else need.set(k, [gi]);
      }
    });
    const keys = [...need.keys()];
    await this.eachRow(tag, keys, (r, b) => {
      for (const gi of need.get(keys[b])!) {
        const sum = runs[gi].sum;
        for (let i = 0; i < BLOCK; i++) sum[i] += r[i];
      }
    });
    return groups.map((g, gi) => {
      const { sum } = runs[gi];
      if (epoch === this.epoch) this.running.set(`${tag}\n${g.id}`, { keys: g.keys.slice(), sum });
      const n = g.keys.length;
      const mean = new Float32Array(BLOCK);
      for (let i = 0; i < BLOCK; i++) mean[i] = n ? sum[i] / n : NaN;
      return { id: g.id, n, mean };
    });
  }

  /** One time course per image over the channels ch, repetitions kept: [B, 4, 140], per subject with several tags ([S, B, 4, 140]). */
  async eachSeries(tags: Tags, keys: readonly string[], ch: ArrayLike<number>): Promise<Float32Array> {
    const ts = tagList(tags);
    const n = keys.length * N_REPETITIONS * N_TIMES;
    const out = new Float32Array(ts.length * n);
    for (let s = 0; s < ts.length; s++) await this.eachRow(ts[s], keys, (r, b) => out.set(repSeries(r, ONE, [0], ch), s * n + b * N_REPETITIONS * N_TIMES));
    return out;
  }

  /** The images' [B, 4, 63, 140] in the order asked (a statistics run, the Lab's measures). */
  async gather(tags: Tags, keys: readonly string[]): Promise<Float32Array> {
    const out = new Float32Array(keys.length * BLOCK);
    await this.eachMeanRow(tags, keys, (r, b) => out.set(r, b * BLOCK));
    return out;
  }

  /** Each image's mean over the repetitions, [B, 63, 140] (the Lab's measures average repetitions first). */
  async repetitionMeans(tags: Tags, keys: readonly string[]): Promise<Float32Array> {
    const n = N_CHANNELS * N_TIMES;
    const out = new Float32Array(keys.length * n);
    await this.eachMeanRow(tags, keys, (r, b) => {
      const o = b * n;
      for (let i = 0; i < n; i++) out[o + i] = (r[i] + r[n + i] + r[2 * n + i] + r[3 * n + i]) / N_REPETITIONS;
    });
    return out;
  }

  /** Repetition-mean patterns over ch at each of the samples ts, one row per image: per sample [B, ch.length]. */
  private async patterns(tag: string, keys: readonly string[], ch: ArrayLike<number>, ts: readonly number[]): Promise<Float32Array[]> {
    const P = ch.length;
    const out = ts.map(() => new Float32Array(keys.length * P));
    await this.eachRow(tag, keys, (r, b) => ts.forEach((t, k) => out[k].set(patternsAt(r, ONE, [0], ch, t), b * P)));
    return out;
  }

  /** The image-by-image dissimilarity (1 - r) at sample t over ch: [B, B]; with several tags the mean of the subjects' own matrices. */
  async dissimilarityAt(tags: Tags, keys: readonly string[], ch: ArrayLike<number>, t: number): Promise<Float32Array> {
    const per: Float32Array[] = [];
    for (const tag of tagList(tags)) per.push(dissimilarity((await this.patterns(tag, keys, ch, [t]))[0], keys.length, ch.length));
    if (per.length === 1) return per[0];
    const out = new Float32Array(per[0].length);
    for (const m of per) for (let i = 0; i < m.length; i++) out[i] += m[i] / per.length;
    return out;
  }

  /**
   * The mean pairwise dissimilarity at every sample over the images (finite pairs only, as
   * viz/stats meanDissimilarityOverTime): [140], one per subject with several tags ([S, 140]).
   * It reads the images' patterns over ch, not their full rows.
   */
  async dissimilarityCourse(tags: Tags, keys: readonly string[], ch: ArrayLike<number>): Promise<Float32Array> {
    const ts = tagList(tags);
    const N = keys.length;
    const out = new Float32Array(ts.length * N_TIMES).fill(NaN);
    if (N < 2 || ch.length < 2) return out;
    const samples = Array.from({ length: N_TIMES }, (_, t) => t);
    for (let s = 0; s < ts.length; s++) {
      const pats = await this.patterns(ts[s], keys, ch, samples);
      for (let t = 0; t < N_TIMES; t++) {
        const m = dissimilarity(pats[t], N, ch.length);
        let sum = 0;
        let n = 0;
        for (let i = 0; i < N; i++)
          for (let j = i + 1; j < N; j++) {
            const v = m[i * N + j];
            if (Number.isFinite(v)) {
              sum += v;
              n++;
            }
          }
        out[s * N_TIMES + t] = n ? sum / n : NaN;
      }
    }
    return out;
  }
}
