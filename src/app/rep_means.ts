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
/** slots per buffer: buffers are made as images arrive, 2.3 MB at a time */
export const SLOTS_PER_CHUNK = 64;

/** What the page is told: new buffers (in slot order), then in order each image given a slot or losing its own (slot -1). */
export interface RepMeanSlots {
  chunks: ArrayBufferLike[];
  moves: [id: string, slot: number, owner: number][];
}

interface Chunk {
  seq: Int32Array;
  owner: Int32Array;
  data: Float32Array;
}

function chunkOf(buf: ArrayBufferLike): Chunk {
  const S = SLOTS_PER_CHUNK;
  return { seq: new Int32Array(buf, 0, S), owner: new Int32Array(buf, S * 4, S), data: new Float32Array(buf, S * 8, S * CT) };
}

/** The store's side: keeps up to `capacity` images' means, and (with `share`) tells the page where they are. */
export class RepMeanCache {
  /** image id -> slot, least recently used first */
  private slots = new Map<string, number>();
  private free: number[] = [];
  private chunks: Chunk[] = [];
  private made = 0;
  private nextOwner = 0;
  private news: RepMeanSlots = { chunks: [], moves: [] };
  private queued = false;

  /** share: where memory can be shared, called (once per task) with what changed */
  constructor(
    private readonly capacity: number,
    private readonly share: ((change: RepMeanSlots) => void) | null = null,
  ) {}

  get size(): number {
    return this.slots.size;
  }

  /** The image's means, as most recently used; a view into the cache, valid until the next set(). */
  get(id: string): Float32Array | undefined {
    const s = this.slots.get(id);
    if (s === undefined) return undefined;
    this.slots.delete(id);
    this.slots.set(id, s);
    return this.view(s);
  }

  /** Keeps the image's means (a copy), dropping the least recently used past the capacity; returns the kept view (or `means` when nothing is kept). */
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
    const c = this.chunks[Math.floor(s / SLOTS_PER_CHUNK)];
    const i = s % SLOTS_PER_CHUNK;
    Atomics.add(c.seq, i, 1);
    Atomics.store(c.owner, i, owner);
    c.data.set(means, i * CT);
    Atomics.add(c.seq, i, 1);
    this.news.moves.push([id, s, owner]);
    this.tell();
    return this.view(s);
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
    const c = this.chunks[Math.floor(s / SLOTS_PER_CHUNK)];
    const i = s % SLOTS_PER_CHUNK;
    Atomics.add(c.seq, i, 1);
    Atomics.store(c.owner, i, 0);
    Atomics.add(c.seq, i, 1);
    this.free.push(s);
  }

  private view(s: number): Float32Array {
    const i = s % SLOTS_PER_CHUNK;
    return this.chunks[Math.floor(s / SLOTS_PER_CHUNK)].data.subarray(i * CT, (i + 1) * CT);
  }

  private newSlot(): number {
    if (this.made % SLOTS_PER_CHUNK === 0) {
      const bytes = SLOTS_PER_CHUNK * (8 + CT * 4);
      const buf = this.share ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
      this.chunks.push(chunkOf(buf));
      if (this.share) this.news.chunks.push(buf);
    }
    return this.made++;
  }

  /** What changed goes to the page once the current task is done (a batch of puts: one message). */
  private tell() {
    if (!this.share || this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      const n = this.news;
      this.news = { chunks: [], moves: [] };
      if (n.chunks.length || n.moves.length) this.share!(n);
    });
  }
}

/** The page's side: which slot holds which image, and a consistent copy of one image's means. */
export class RepMeanReader {
  private chunks: Chunk[] = [];
  private where = new Map<string, { slot: number; owner: number }>();

  apply(change: RepMeanSlots) {
    for (const b of change.chunks) this.chunks.push(chunkOf(b));
    for (const [id, slot, owner] of change.moves) {
      if (slot < 0) this.where.delete(id);
      else this.where.set(id, { slot, owner });
    }
  }

  clear() {
    this.chunks = [];
    this.where.clear();
  }

  /** A copy of the image's means, or null when they are not kept (or their slot is being written or was reused). */
  read(id: string): Float32Array | null {
    const w = this.where.get(id);
    if (!w) return null;
    const c = this.chunks[Math.floor(w.slot / SLOTS_PER_CHUNK)];
    if (!c) return null;
    const i = w.slot % SLOTS_PER_CHUNK;
    const before = Atomics.load(c.seq, i);
    if (before & 1 || Atomics.load(c.owner, i) !== w.owner) return null;
    const out = c.data.slice(i * CT, (i + 1) * CT);
    return Atomics.load(c.seq, i) === before ? out : null;
  }
}
