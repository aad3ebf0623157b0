// The encoded responses and what the views ask of them, off the main thread: float32 [4, 63, 140]
// per image, keyed by model tag (model, subject, backend, precision) and pixel key, and the small
// arrays the views draw from. The responses worker (responses.worker.ts) runs it; where there is
// no worker (Node, the unit tests) the client runs it in place. No DOM, no React.
//
// With browser storage (RowStorage: the session's responses/<tag>/<key>.f32 files) the full
// responses live there, not here: a response is written as it arrives and kept only until its
// write has landed, plus a bounded cache of recently used rows. What is kept is the index (which
// images have a response, under which stored key) and the group means' running sums. Every
// answer that needs image rows (one line per image, a statistics run's rows) reads them in batches
// of BATCH, so memory holds at most a batch and the cache besides the answer itself. Each image's
// repetition means (a quarter of a row) are kept too, up to REP_MEAN_ROWS images: the
// dissimilarities and the Lab's measures need only those, so a cursor move reads no rows. The Lab's
// measures are computed here, image by image: the page receives one number per image (or one
// topography per set of images), never the images' [N, 63, 140] repetition means.
// Without storage the rows are held here (there is nowhere else).
//
// Group means are kept as running sums: a request whose images are the last answer's plus new
// ones (images arriving while encoding) adds only the new ones. Each group's rows are added in the
// group's own order (the gallery's), so a sum is the same left-to-right float64 sum of its rows
// however it was built up. With storage that keeps them (RowStorage.saveSum), the running sums of
// groups of MIN_STORED_SUM images or more are written beside the rows a moment after they change
// (sum_file.ts: with the keys and stored keys of the rows they sum), and a reload takes them up
// instead of reading every row: a stored sum is used only for a group whose images begin with
// exactly its images, each with the same stored row, none replaced since. A response that is
// replaced (or may be: its file is already stored) first removes the stored sums that may hold it,
// in the same write queue, so no stored sum outlives a row it sums. They are per model tag: a subject
// mean asks for each subject's and averages them (state/encoded.ts). The other answers take one
// tag or several (the chosen subjects, in order): several give the subject-mean responses
// (gather, repetitionMeans), one array per subject (eachSeries, dissimilarityCourse) or the mean of
// the subjects' own matrices (dissimilarityAt), as src/analysis/subjects.ts defines them.
import { N_CHANNELS, N_REPETITIONS, N_TIMES } from '../core/types.ts';
import { imageSeries } from '../analysis/spread.ts';
import { subjectMean } from '../analysis/subjects.ts';
import { dissimilarity, repSeries, type Dims } from '../viz/stats.ts';
import { channelRows, componentMeasures, groupWaveform, measureImages, windowIndices, windowTopography, type ComponentPreset, type ComponentResult, type MeasureSpec } from '../lab/measures.ts';
import { RepMeanCache, type RepMeanSlots } from './rep_means.ts';
import { decodeSum, encodeSum } from './sum_file.ts';

export const BLOCK = N_REPETITIONS * N_CHANNELS * N_TIMES;
const ONE: Dims = { B: 1, R: N_REPETITIONS, C: N_CHANNELS, T: N_TIMES };
/** an image's repetition means, as the Lab's measures read them */
const ONE_REP = { R: 1, C: N_CHANNELS, T: N_TIMES };
/** rows read (and held) at once by an answer that goes over many images */
export const BATCH = 64;
/**
 * rows an answer over more than a batch of images reads from storage at once: few, so that a
 * small answer asked meanwhile (a picked image's mean) waits behind few reads, not a batch
 */
export const READ_AHEAD = 8;
/** rows kept after use when they live in storage: 256 rows are 36 MB */
export const CACHE_ROWS = 256;
/** smaller groups' sums are not stored: reading their rows costs about as much as reading a stored sum */
export const MIN_STORED_SUM = 4;
/** stored sums are written this long after the last change to them, and at most SUM_MAX_WAIT_MS after the first unwritten one */
export const SUM_QUIET_MS = 1000;
export const SUM_MAX_WAIT_MS = 3000;
/**
 * images whose repetition means [63, 140] are kept for the dissimilarity answers and the Lab's
 * repetition means (35 KB each: 1,000 images are 35 MB, and at most 2,048, 72 MB, are kept)
 */
export const REP_MEAN_ROWS = 2048;
const CT = N_CHANNELS * N_TIMES;

/** An image's mean over its repetitions, [63, 140], summed as viz/stats patternsAt sums them. */
function repMeanOf(r: Float32Array): Float32Array {
  const out = new Float32Array(CT);
  for (let i = 0; i < CT; i++) {
    let s = 0;
    for (let k = 0; k < N_REPETITIONS; k++) s += r[k * CT + i];
    out[i] = s / N_REPETITIONS;
  }
  return out;
}

/** Where the full responses are kept: the session's files (SessionStore), or a test's stand-in. */
export interface RowStorage {
  saveResponse(tag: string, key: string, data: Float32Array): Promise<void>;
  response(tag: string, key: string): Promise<Float32Array | null>;
  /** the keys stored under a tag */
  responseKeys(tag: string): Promise<Set<string>>;
  /** Stored group sums (sum_file.ts bytes); without these three the sums live in memory only. */
  sum?(tag: string, id: string): Promise<Uint8Array | null>;
  /** written after every write asked for before it */
  saveSum?(tag: string, id: string, bytes: Uint8Array): Promise<void>;
  /** removes the tag's stored sums but those of the groups `keep`, before any write asked for after it */
  dropSums?(tag: string, keep: readonly string[]): Promise<void>;
  /** removes every stored response of these images (all tags), after every write asked for before it */
  dropResponses?(imageIds: readonly string[]): Promise<void>;
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

/** A sum read back from storage, not yet taken up by a request. */
interface Restored extends Running {
  stores: string[];
  keySet: Set<string>;
}

/** Per model tag, what is known of its stored sums. */
interface TagSums {
  /** group id -> the images of its sum in storage (written, queued or read in this store's life) */
  onDisk: Map<string, Set<string>>;
  /** every stored sum of the tag is in onDisk (the others were removed) */
  swept: boolean;
  /** groups whose stored sum was looked for (resolves once it has been read) */
  consulted: Map<string, Promise<void>>;
  restored: Map<string, Restored>;
  /** pixel keys put in this store's life: no sum read from storage holds their new rows */
  putHere: Set<string>;
}

/** a row's id: its model tag and pixel key */
export const rowId = (tag: string, key: string) => `${tag}\n${key}`;
const isPrefix = (a: readonly string[], b: readonly string[]) => a.length <= b.length && a.every((k, i) => k === b[i]);

/** A small binary heap of indices, smallest first. */
function heapPush(h: number[], v: number) {
  let i = h.push(v) - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p] <= h[i]) break;
    [h[p], h[i]] = [h[i], h[p]];
    i = p;
  }
}
function heapPop(h: number[]): number {
  const top = h[0];
  const last = h.pop()!;
  if (h.length) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l] < h[m]) m = l;
      if (r < h.length && h[r] < h[m]) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
  return top;
}

/**
 * The images of several lists, each once, in an order that keeps every list's own order where
 * one exists (the lists are the gallery's subsets, so it does): reading the rows once in this order
 * adds each group's rows in the group's own order. `apart`: lists whose order conflicts with it
 * (they are added on their own).
 */
export function addOrder(lists: readonly (readonly string[])[]): { order: string[]; apart: Set<number> } {
  const idx = new Map<string, number>();
  const names: string[] = [];
  for (const l of lists) for (const k of l) if (!idx.has(k)) idx.set(k, names.push(k) - 1);
  const follows = (pos: (k: string) => number, l: readonly string[]) => l.every((k, i) => i === 0 || pos(l[i - 1]) < pos(k));
  // first appearance keeps every order when one list holds the others' images (all images first)
  if (lists.every((l) => follows((k) => idx.get(k)!, l))) return { order: names, apart: new Set() };
  // else a topological order of "comes before in some list", earliest first appearance first
  const N = names.length;
  const indeg = new Int32Array(N);
  const next: number[][] = Array.from({ length: N }, () => []);
  for (const l of lists)
    for (let i = 1; i < l.length; i++) {
      const a = idx.get(l[i - 1])!;
      const b = idx.get(l[i])!;
      if (a === b) continue;
      next[a].push(b);
      indeg[b]++;
    }
  const heap: number[] = [];
  for (let v = 0; v < N; v++) if (!indeg[v]) heapPush(heap, v);
  const order: number[] = [];
  const placed = new Uint8Array(N);
  while (heap.length) {
    const v = heapPop(heap);
    order.push(v);
    placed[v] = 1;
    for (const w of next[v]) if (!--indeg[w]) heapPush(heap, w);
  }
  // a cycle (lists in conflicting orders): the rest by first appearance
  for (let v = 0; v < N; v++) if (!placed[v]) order.push(v);
  const pos = new Int32Array(N);
  order.forEach((v, p) => (pos[v] = p));
  const apart = new Set<number>();
  lists.forEach((l, li) => {
    if (!follows((k) => pos[idx.get(k)!], l)) apart.add(li);
  });
  return { order: order.map((v) => names[v]), apart };
}

export class ResponseStore {
  /** per tag: the images with a response, pixel key -> stored key (null: held here only) */
  private index = new Map<string, Map<string, string | null>>();
  /** rows that live here: without storage, or until their write lands (by rowId) */
  private held = new Map<string, Float32Array>();
  /** rows read back or written, most recently used last (by rowId) */
  private cache = new Map<string, Float32Array>();
  /** images' repetition means (by rowId, most recently used last): a cursor move's dissimilarity reads no rows */
  private readonly repMeans: RepMeanCache;
  private running = new Map<string, Running>();
  /** per tag, the stored keys (one listing, then kept up to date by put) */
  private listed = new Map<string, Promise<Set<string>>>();
  /** bumped when a response is replaced or dropped: a running sum computed across it is not kept */
  private epoch = 0;
  /** per tag, the stored keys once listed (the same set as in `listed`) */
  private listedNow = new Map<string, Set<string>>();
  private sums = new Map<string, TagSums>();
  /** running sums not yet written to storage, by running id */
  private dirty = new Map<string, { tag: string; id: string }>();
  private sumTimer: ReturnType<typeof setTimeout> | null = null;
  private firstDirty = 0;
  private saving: Promise<void> = Promise.resolve();

  /**
   * sumDelayMs: how long after a change the running sums are written (SUM_QUIET_MS, at most
   * SUM_MAX_WAIT_MS after the first unwritten change); null: only when saveSums() is called.
   */
  constructor(
    private readonly storage: RowStorage | null = null,
    private readonly cacheRows = CACHE_ROWS,
    private readonly sumDelayMs: number | null = SUM_QUIET_MS,
    repMeanRows = REP_MEAN_ROWS,
    shareRepMeans: ((change: RepMeanSlots) => void) | null = null,
  ) {
    this.repMeans = new RepMeanCache(repMeanRows, shareRepMeans);
  }

  /** The image's repetition means (kept while the row is the image's current one; the cache's array, reused once it drops them). */
  private keepRepMean(id: string, r: Float32Array): Float32Array {
    return this.repMeans.get(id) ?? this.repMeans.set(id, repMeanOf(r));
  }

  /** A copy of the image's kept repetition means, or null (the page's synchronous read where there is no worker). */
  keptRepMean(tag: string, key: string): Float32Array | null {
    if (!this.of(tag).has(key)) return null;
    return this.repMeans.get(rowId(tag, key))?.slice() ?? null;
  }

  private sumsOf(tag: string): TagSums {
    let t = this.sums.get(tag);
    if (!t) this.sums.set(tag, (t = { onDisk: new Map(), swept: false, consulted: new Map(), restored: new Map(), putHere: new Set() }));
    return t;
  }

  /** Whether a stored response file may already exist under this stored key (then writing it replaces a row). */
  private maybeStored(tag: string, store: string): boolean {
    const l = this.listedNow.get(tag);
    return !l || l.has(store);
  }

  /**
   * The images' rows are about to change or leave: sums read back that hold them are dropped, and
   * (disk) so are the stored ones that may hold them, ahead of any write asked for after this.
   */
  private forgetInSums(tag: string, keys: readonly string[], disk: boolean) {
    const ts = this.sumsOf(tag);
    for (const [id, c] of ts.restored) if (keys.some((k) => c.keySet.has(k))) ts.restored.delete(id);
    if (!disk || !this.storage?.dropSums) return;
    const hit = [...ts.onDisk].filter(([, ks]) => keys.some((k) => ks.has(k))).map(([id]) => id);
    if (ts.swept && !hit.length) return;
    for (const id of hit) ts.onDisk.delete(id);
    ts.swept = true;
    this.storage.dropSums(tag, [...ts.onDisk.keys()]).catch(() => {
      // what is stored is not known now: the next change sweeps again
      ts.swept = false;
    });
  }

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
    const replaced = m.has(key);
    if (replaced) {
      this.epoch++;
      for (const [gid, run] of this.running) if (gid.startsWith(`${tag}\n`) && run.keys.includes(key)) this.running.delete(gid);
      this.cache.delete(id);
    }
    this.repMeans.delete(id);
    this.keepRepMean(id, r);
    const kept = this.storage && store !== null ? store : null;
    this.sumsOf(tag).putHere.add(key);
    this.forgetInSums(tag, [key], kept !== null && (replaced || this.maybeStored(tag, kept)));
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
        const asked = l;
        l.then(
          (set) => this.listed.get(tag) === asked && this.listedNow.set(tag, set),
          () => this.listed.delete(tag),
        );
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

  /** images whose stored responses are to be removed, in one pass over storage */
  private removing = new Set<string>();

  /** Forget an image's responses, every mode and tag; `stored`: from storage too (it left the gallery). */
  dropImage(id: string, stored = false) {
    if (stored && this.storage?.dropResponses) {
      if (!this.removing.size)
        queueMicrotask(() => {
          const ids = [...this.removing];
          this.removing.clear();
          // (a failed removal leaves files no image refers to: ids are never given again)
          this.storage!.dropResponses!(ids).catch(() => undefined);
        });
      this.removing.add(id);
    }
    this.epoch++;
    for (const [tag, m] of this.index) {
      const gone: string[] = [];
      for (const k of [...m.keys()])
        if (k.startsWith(`${id}|`)) {
          m.delete(k);
          this.held.delete(rowId(tag, k));
          this.cache.delete(rowId(tag, k));
          this.repMeans.delete(rowId(tag, k));
          gone.push(k);
        }
      if (gone.length) this.forgetInSums(tag, gone, true);
    }
    for (const [gid, run] of this.running) if (run.keys.some((k) => k.startsWith(`${id}|`))) this.running.delete(gid);
  }

  clear() {
    this.epoch++;
    this.index.clear();
    this.held.clear();
    this.cache.clear();
    this.repMeans.clear();
    this.running.clear();
    this.listed.clear();
    this.listedNow.clear();
    this.sums.clear();
    this.dirty.clear();
    if (this.sumTimer) clearTimeout(this.sumTimer);
    this.sumTimer = null;
    this.firstDirty = 0;
  }

  /** How many full rows are in memory (held until written, or cached): bounded with storage. */
  residentRows(): number {
    return this.held.size + this.cache.size;
  }

  /** How many running group sums are kept ([4, 63, 140] float64 each): one per group of MIN_STORED_SUM images or more. */
  keptSums(): number {
    return this.running.size;
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
        if (this.of(tag).get(k) === store) {
          this.remember(id, r);
          this.keepRepMean(id, r);
        }
        return r;
      }),
    );
  }

  /** small answers (at most a batch of rows to read) under way, and what resolves when none is */
  private urgent = 0;
  private urgentDone: Promise<void> | null = null;
  private wakeLong: () => void = () => undefined;

  /** Runs an answer that reads at most a batch of rows: answers over more images pause their reads for it. */
  private async asUrgent<T>(f: () => Promise<T>): Promise<T> {
    if (this.urgent++ === 0) this.urgentDone = new Promise((r) => (this.wakeLong = r));
    try {
      return await f();
    } finally {
      if (--this.urgent === 0) {
        this.urgentDone = null;
        this.wakeLong();
      }
    }
  }

  /**
   * The rows of keys i.., up to a batch: at once for an answer of at most a batch, else READ_AHEAD
   * at a time, each read only when no small answer is under way.
   */
  private async batchRows(tag: string, keys: readonly string[], i: number): Promise<Float32Array[]> {
    const part = keys.slice(i, i + BATCH);
    if (keys.length <= BATCH) return this.rows(tag, part);
    const out: Float32Array[] = [];
    for (let j = 0; j < part.length; j += READ_AHEAD) {
      while (this.urgentDone) await this.urgentDone;
      out.push(...(await this.rows(tag, part.slice(j, j + READ_AHEAD))));
    }
    return out;
  }

  /** Calls f on every image's row in order, a batch at a time. */
  private async eachRow(tag: string, keys: readonly string[], f: (r: Float32Array, b: number) => void) {
    for (let i = 0; i < keys.length; i += BATCH) (await this.batchRows(tag, keys, i)).forEach((r, j) => f(r, i + j));
  }

  /** Like eachRow; with several tags each image's element-wise mean over the subjects. */
  private async eachMeanRow(tags: Tags, keys: readonly string[], f: (r: Float32Array, b: number) => void) {
    const ts = tagList(tags);
    if (ts.length === 1) return this.eachRow(ts[0], keys, f);
    for (let i = 0; i < keys.length; i += BATCH) {
      const per: Float32Array[][] = [];
      for (const t of ts) per.push(await this.batchRows(t, keys, i));
      per[0].forEach((_, j) => f(subjectMean(per.map((rs) => rs[j])), i + j));
    }
  }

  /**
   * The stored sum of a group when it is usable now and covers more of it than `have` images:
   * read once per group (and kept until it is), used only when the group's images begin with its
   * images, each with the stored row it summed and none put since this store began.
   */
  private async storedSum(tag: string, g: GroupRequest, have: number): Promise<Running | null> {
    const st = this.storage;
    if (!st?.sum || g.keys.length < MIN_STORED_SUM || have >= g.keys.length) return null;
    const ts = this.sumsOf(tag);
    let read = ts.consulted.get(g.id);
    if (!read && !ts.swept) {
      // (a request that comes meanwhile waits for this read rather than reading the rows)
      read = st
        .sum(tag, g.id)
        .then((b) => (b ? decodeSum(b, tag, g.id) : null))
        .catch(() => null)
        .then((got) => {
          if (!got || this.sums.get(tag) !== ts) return;
          const keySet = new Set(got.keys);
          ts.onDisk.set(g.id, keySet);
          ts.restored.set(g.id, { ...got, keySet });
        });
      ts.consulted.set(g.id, read);
    }
    if (read) await read;
    if (this.sums.get(tag) !== ts) return null; // cleared meanwhile
    const c = ts.restored.get(g.id);
    if (!c) return null;
    if (c.keys.length <= have) ts.restored.delete(g.id); // of no use now: the running sum is ahead of it
    if (c.keys.length <= have || !isPrefix(c.keys, g.keys)) return null;
    const m = this.of(tag);
    for (let i = 0; i < c.keys.length; i++) {
      const s = m.get(c.keys[i]);
      if (s === c.stores[i] && !ts.putHere.has(c.keys[i])) continue;
      // another row now (or put since): never of use; not indexed (yet): not now
      if (s !== undefined || ts.putHere.has(c.keys[i])) ts.restored.delete(g.id);
      return null;
    }
    // (kept for requests already on their way; the next one finds the running sum ahead of it)
    return c;
  }

  /**
   * Each group's mean [4, 63, 140]; a group without images has a NaN mean. Each image is read once
   * for all groups. The stored sums are read, and then at most a batch of rows (a picked image, the
   * images encoded since the sums), before the reads of answers over many: after a reload the
   * views' group means come from a few sum files while the dissimilarity and the statistics read
   * every row.
   */
  async groupMeans(tag: string, groups: readonly GroupRequest[]): Promise<GroupMean[]> {
    const epoch = this.epoch;
    const runs = await this.asUrgent(() => this.groupStarts(tag, groups));
    // the images to add, each once, in an order that keeps each group's own (the same sums as from scratch)
    const { order, apart } = addOrder(groups.map((g, gi) => g.keys.slice(runs[gi].from)));
    const need = new Map<string, number[]>();
    groups.forEach((g, gi) => {
      if (apart.has(gi)) return;
      for (const k of g.keys.slice(runs[gi].from)) {
        const list = need.get(k);
        if (list) list.push(gi);
        else need.set(k, [gi]);
      }
    });
    const add = (sum: Float64Array, r: Float32Array) => {
      for (let i = 0; i < BLOCK; i++) sum[i] += r[i];
    };
    const keys = order.filter((k) => need.has(k));
    const read = async () => {
      await this.eachRow(tag, keys, (r, b) => {
        for (const gi of need.get(keys[b])!) add(runs[gi].sum, r);
      });
      for (const gi of apart) await this.eachRow(tag, groups[gi].keys.slice(runs[gi].from), (r) => add(runs[gi].sum, r));
    };
    const rows = keys.length + [...apart].reduce((n, gi) => n + groups[gi].keys.length - runs[gi].from, 0);
    await (rows <= BATCH ? this.asUrgent(read) : read());
    return this.finishGroups(tag, groups, runs, epoch);
  }

  /** Where each group's sum starts: a stored sum, the running one, or zero; and how many images it holds. */
  private groupStarts(tag: string, groups: readonly GroupRequest[]): Promise<{ sum: Float64Array; from: number; same: boolean }[]> {
    return Promise.all(
      groups.map(async (g) => {
        let run = this.running.get(`${tag}\n${g.id}`);
        if (run && !isPrefix(run.keys, g.keys)) run = undefined;
        const back = await this.storedSum(tag, g, run ? run.keys.length : -1);
        const from = back ?? run;
        // unchanged: nothing new to write
        const same = from !== undefined && from.keys.length === g.keys.length;
        return { sum: from ? from.sum.slice() : new Float64Array(BLOCK), from: from ? from.keys.length : 0, same };
      }),
    );
  }

  /** The groups' means from their sums, the running sums kept and the changed ones marked for writing. */
  private finishGroups(tag: string, groups: readonly GroupRequest[], runs: { sum: Float64Array; same: boolean }[], epoch: number): GroupMean[] {
    return groups.map((g, gi) => {
      const { sum, same } = runs[gi];
      if (epoch === this.epoch) {
        // a sum of a few images (a picked image, a small condition) is not kept: reading its rows
        // again is cheap, and every image ever picked would otherwise keep a [4, 63, 140] float64
        if (g.keys.length >= MIN_STORED_SUM) this.running.set(`${tag}\n${g.id}`, { keys: g.keys.slice(), sum });
        else this.running.delete(`${tag}\n${g.id}`);
        if (!same) this.sumChanged(tag, g.id, g.keys.length);
      }
      const n = g.keys.length;
      const mean = new Float32Array(BLOCK);
      for (let i = 0; i < BLOCK; i++) mean[i] = n ? sum[i] / n : NaN;
      return { id: g.id, n, mean };
    });
  }

  private sumChanged(tag: string, id: string, n: number) {
    if (!this.storage?.saveSum || n < MIN_STORED_SUM) return;
    this.dirty.set(`${tag}\n${id}`, { tag, id });
    if (this.sumDelayMs === null) return;
    const now = Date.now();
    if (!this.firstDirty) this.firstDirty = now;
    if (this.sumTimer) clearTimeout(this.sumTimer);
    this.sumTimer = setTimeout(() => void this.saveSums(), Math.max(0, Math.min(this.sumDelayMs, this.firstDirty + SUM_MAX_WAIT_MS - now)));
  }

  /**
   * Writes the running sums changed since they were last written (a timer calls it; a flush
   * too). A sum is written only once every row it sums has landed in storage, after them in the
   * write queue; one whose rows are still on their way is tried again later.
   */
  saveSums(): Promise<void> {
    this.saving = this.saving.then(() => this.writeSums());
    return this.saving;
  }

  private async writeSums() {
    if (this.sumTimer) clearTimeout(this.sumTimer);
    this.sumTimer = null;
    this.firstDirty = 0;
    const st = this.storage;
    const todo = [...this.dirty];
    this.dirty.clear();
    if (!st?.saveSum) return;
    let later = false;
    for (const [rid, { tag, id }] of todo) {
      const run = this.running.get(rid);
      const m = this.index.get(tag);
      if (!run || !m || run.keys.length < MIN_STORED_SUM) continue;
      const stores: string[] = [];
      let wait = false;
      for (const k of run.keys) {
        const s = m.get(k);
        if (s == null) break; // a row held here only: nothing to check a stored sum against
        if (this.held.has(rowId(tag, k))) {
          wait = true;
          break;
        }
        stores.push(s);
      }
      if (wait) {
        if (!this.dirty.has(rid)) this.dirty.set(rid, { tag, id });
        later = true;
        continue;
      }
      if (stores.length !== run.keys.length) continue;
      const bytes = await encodeSum({ tag, id, keys: run.keys, stores, sum: run.sum });
      // replaced, grown or dropped meanwhile: a newer sum is due, or none
      if (this.running.get(rid) !== run) continue;
      const ts = this.sumsOf(tag);
      ts.onDisk.set(id, new Set(run.keys));
      if (!ts.consulted.has(id)) ts.consulted.set(id, Promise.resolve());
      ts.restored.delete(id);
      st.saveSum(tag, id, bytes).catch(() => {
        // what the file holds now is not known: the next change removes it
        if (ts.onDisk.get(id)?.size === run.keys.length) ts.onDisk.delete(id);
        ts.swept = false;
      });
    }
    if (later && this.sumDelayMs !== null) {
      this.firstDirty = Date.now();
      this.sumTimer = setTimeout(() => void this.saveSums(), this.sumDelayMs);
    }
  }

  /** One time course per image over the channels ch, repetitions kept: [B, 4, 140], per subject with several tags ([S, B, 4, 140]). */
  async eachSeries(tags: Tags, keys: readonly string[], ch: ArrayLike<number>): Promise<Float32Array> {
    const ts = tagList(tags);
    const n = keys.length * N_REPETITIONS * N_TIMES;
    const out = new Float32Array(ts.length * n);
    for (let s = 0; s < ts.length; s++) await this.eachRow(ts[s], keys, (r, b) => out.set(repSeries(r, ONE, [0], ch), s * n + b * N_REPETITIONS * N_TIMES));
    return out;
  }

  /**
   * Each image's mean over the channels ch and the repetitions, float64 [B, 140] (with several
   * tags, of its subject-mean row): analysis/spread's imageSeries, row by row, so the statistics'
   * spread across images reads 140 values per image instead of its whole response.
   */
  async imageSeries(tags: Tags, keys: readonly string[], ch: ArrayLike<number>): Promise<Float64Array> {
    const out = new Float64Array(keys.length * N_TIMES);
    await this.eachMeanRow(tags, keys, (r, b) => out.set(imageSeries(r, ONE, [0], ch), b * N_TIMES));
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
    const out = new Float32Array(keys.length * CT);
    await this.eachImageMean(tags, keys, (rm, b) => out.set(rm, b * CT));
    return out;
  }

  /** f on every image's repetition means (with several tags, of its subject-mean row), in no set order. */
  private async eachImageMean(tags: Tags, keys: readonly string[], f: (rm: Float32Array, b: number) => void) {
    const ts = tagList(tags);
    if (ts.length === 1) return this.eachRepMean(ts[0], keys, f);
    return this.eachMeanRow(tags, keys, (r, b) => f(repMeanOf(r), b));
  }

  /**
   * The Lab's measures (lab/measures measureImages), one score per image for each spec, from the
   * images' repetition means: float64 [keys.length] per spec. Times in s; peak latencies in s.
   */
  async imageMeasures(tags: Tags, keys: readonly string[], chNames: readonly string[], times: readonly number[], specs: readonly MeasureSpec[]): Promise<Float64Array[]> {
    const out = specs.map(() => new Float64Array(keys.length));
    // a spec with an unknown channel or an empty window is refused before any row is read
    for (const m of specs) measureImages([], ONE_REP, chNames, times, m);
    // each image measured as its means come: a kept mean's array is reused by later reads
    await this.eachImageMean(tags, keys, (rm, b) => specs.forEach((m, k) => (out[k][b] = measureImages([rm], ONE_REP, chNames, times, m)[0])));
    return out;
  }

  /**
   * For each set of images, the mean over its images of their window-mean topography over
   * `channels` ('topography': one value per channel) or of their time course over the mean of
   * `channels` ('waveform': one value per sample in the window), as lab/measures computes them for
   * one image: float64 per set (NaN for an empty set).
   */
  async meanSummaries(tags: Tags, sets: readonly (readonly string[])[], chNames: readonly string[], times: readonly number[], what: { kind: 'topography' | 'waveform'; channels: readonly string[]; tmin: number; tmax: number }): Promise<Float64Array[]> {
    const ts = windowIndices(times, what.tmin, what.tmax);
    const rows = channelRows(chNames, what.channels);
    const len = what.kind === 'topography' ? rows.length : ts.length;
    const keys = [...new Set(sets.flat())];
    const where = new Map(keys.map((k, i) => [k, i]));
    const summary: Float64Array[] = new Array(keys.length);
    await this.eachImageMean(tags, keys, (rm, b) => (summary[b] = what.kind === 'topography' ? windowTopography(rm, ONE_REP, rows, ts) : groupWaveform(rm, ONE_REP, rows, ts)));
    return sets.map((set) => {
      const sum = new Float64Array(len);
      for (const k of set) {
        const v = summary[where.get(k)!];
        for (let i = 0; i < len; i++) sum[i] += v[i];
      }
      return sum.map((v) => v / set.length);
    });
  }

  /** Each image's three measures (mean, peak amplitude, peak latency) of each component: [keys.length][components.length]. */
  async componentTable(tags: Tags, keys: readonly string[], chNames: readonly string[], times: readonly number[], components: readonly Omit<ComponentPreset, 'id' | 'label'>[]): Promise<ComponentResult[][]> {
    const out: ComponentResult[][] = new Array(keys.length);
    await this.eachImageMean(tags, keys, (rm, b) => (out[b] = components.map((c) => componentMeasures(rm, ONE_REP, chNames, times, c))));
    return out;
  }

  /** f on every image's repetition means, [63, 140]: kept ones first, then the others' rows, a batch at a time. */
  private async eachRepMean(tag: string, keys: readonly string[], f: (rm: Float32Array, b: number) => void) {
    const m = this.of(tag);
    const rest: number[] = [];
    keys.forEach((k, b) => {
      const id = rowId(tag, k);
      const rm = m.has(k) ? this.repMeans.get(id) : undefined;
      if (!rm) return void rest.push(b);
      f(rm, b);
    });
    await this.eachRow(
      tag,
      rest.map((b) => keys[b]),
      (r, j) => {
        const id = rowId(tag, keys[rest[j]]);
        // a row that is the image's current one (held, cached or just read) keeps its means
        const current = this.held.get(id) === r || this.cache.get(id) === r;
        f(this.repMeans.get(id) ?? (current ? this.keepRepMean(id, r) : repMeanOf(r)), rest[j]);
      },
    );
  }

  /** Repetition-mean patterns over ch at each of the samples ts, one row per image: per sample [B, ch.length] (viz/stats patternsAt). */
  private async patterns(tag: string, keys: readonly string[], ch: ArrayLike<number>, ts: readonly number[]): Promise<Float32Array[]> {
    const P = ch.length;
    const out = ts.map(() => new Float32Array(keys.length * P));
    await this.eachRepMean(tag, keys, (rm, b) =>
      ts.forEach((t, k) => {
        const o = out[k];
        for (let ci = 0; ci < P; ci++) o[b * P + ci] = rm[ch[ci] * N_TIMES + t];
      }),
    );
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
