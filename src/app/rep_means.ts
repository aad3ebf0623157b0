// The images' repetition means [63, 140], as the responses store keeps them (response_store.ts):
// a bounded number of images, the least recently used dropped first. Where memory can be shared
// (a cross-origin isolated page) they live in SharedArrayBuffers that the page reads as well, so
// that a view picking one image (the topomap's "one image") draws its mean in the input's own
// frame instead of a worker's answer a frame later. The page is told which slot holds which
// image; each slot carries a sequence number (odd while it is written) and an owner number (new
// each time the slot is given to an image), and the page keeps its copy of a slot only when
// neither changed while it copied: a slot reused meanwhile for another image is never read as this one.
import { N_CHANNELS, N_TIMES } from '../core/types.ts';

const CT = N_CHANNELS * N_TIMES;

/**
 * What the page is told: the slots' header (sequence and owner numbers, once), new slots' buffers
 * (one per image slot: a memory measure that counts a view's whole buffer then counts 35 KB), and
 * in order each image given a slot or losing its own (slot -1).
 */
export interface RepMeanSlots {
  header?: ArrayBufferLike;
  slots: [slot: number, buffer: ArrayBufferLike][];
  moves: [id: string, slot: number, owner: number][];
}

/** The store's side: keeps up to `capacity` images' means, and (with `share`) tells the page where they are. */
export class RepMeanCache {
  /** image id -> slot, least recently used first */
  private slots = new Map<string, number>();
  private free: number[] = [];
  private data: Float32Array[] = [];
  /** per slot: a sequence number (odd while written), then (at capacity + slot) its owner number */
  private header: Int32Array;
  private nextOwner = 0;
  private news: RepMeanSlots = { slots: [], moves: [] };
  private queued = false;

  /** share: where memory can be shared, called (once per task) with what changed */
  constructor(
    private readonly capacity: number,
    private readonly share: ((change: RepMeanSlots) => void) | null = null,
  ) {
    const bytes = Math.max(0, capacity) * 8;
    const buf = share ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    this.header = new Int32Array(buf);
    if (share && capacity > 0) this.news.header = buf;
  }

  /** The image's means, as most recently used; the cache's own array, valid until the next set(). */
  get(id: string): Float32Array | undefined {
    const s = this.slots.get(id);
    if (s === undefined) return undefined;
    this.slots.delete(id);
    this.slots.set(id, s);
    return this.data[s];
  }

  /** Keeps the image's means (a copy), dropping the least recently used past the capacity; returns the kept array (or `means` when nothing is kept). */
  set(id: string, means: Float32Array): Float32Array {
    if (this.capacity <= 0) return means;
    let s = this.slots.get(id);
    if (s !== undefined) this.slots.delete(id);
    else {
      if (this.slots.size >= this.capacity) {
        const [old, slot] = this.slots.entries().next().value!;
        this.slots.delete(old);
        this.news.moves.push([old, -1, 0]);
        this.free.push(slot);
      }
      s = this.free.pop() ?? this.newSlot();
    }
    this.slots.set(id, s);
    const owner = (this.nextOwner = (this.nextOwner % 0x7fffffff) + 1);
    Atomics.add(this.header, s, 1);
    Atomics.store(this.header, this.capacity + s, owner);
    this.data[s].set(means);
    Atomics.add(this.header, s, 1);
    this.news.moves.push([id, s, owner]);
    this.tell();
    return this.data[s];
  }

  delete(id: string) {
    const s = this.slots.get(id);
    if (s === undefined) return;
    this.slots.delete(id);
    this.release(s);
    this.news.moves.push([id, -1, 0]);
    this.tell();
  }

  clear() {
    for (const [id, s] of this.slots) {
      this.release(s);
      this.news.moves.push([id, -1, 0]);
    }
    this.slots.clear();
    this.tell();
  }

  private release(s: number) {
    Atomics.add(this.header, s, 1);
    Atomics.store(this.header, this.capacity + s, 0);
    Atomics.add(this.header, s, 1);
    this.free.push(s);
  }

  private newSlot(): number {
    const buf = this.share ? new SharedArrayBuffer(CT * 4) : new ArrayBuffer(CT * 4);
    this.data.push(new Float32Array(buf));
    if (this.share) this.news.slots.push([this.data.length - 1, buf]);
    return this.data.length - 1;
  }

  /** What changed goes to the page once the current task is done (a batch of puts: one message). */
  private tell() {
    if (!this.share || this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      const n = this.news;
      this.news = { slots: [], moves: [] };
      if (n.header || n.slots.length || n.moves.length) this.share!(n);
    });
  }
}

/** The page's side: which slot holds which image, and a consistent copy of one image's means. */
export class RepMeanReader {
  private header: Int32Array | null = null;
  private data: Float32Array[] = [];
  private where = new Map<string, { slot: number; owner: number }>();

  apply(change: RepMeanSlots) {
    if (change.header) this.header = new Int32Array(change.header);
    for (const [slot, b] of change.slots) this.data[slot] = new Float32Array(b);
    for (const [id, slot, owner] of change.moves) {
      if (slot < 0) this.where.delete(id);
      else this.where.set(id, { slot, owner });
    }
  }

  /** A copy of the image's means, or null when they are not kept (or their slot is being written or was reused). */
  read(id: string): Float32Array | null {
    const w = this.where.get(id);
    const h = this.header;
    const d = w && this.data[w.slot];
    if (!w || !h || !d) return null;
    const capacity = h.length / 2;
    const before = Atomics.load(h, w.slot);
    if (before & 1 || Atomics.load(h, capacity + w.slot) !== w.owner) return null;
    const out = d.slice();
    return Atomics.load(h, w.slot) === before ? out : null;
  }
}
