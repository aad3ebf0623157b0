// The Lab's workers: previews go to the first one; a sweep is split over all of them (contiguous
// shares of its sources, balanced by pixels: lab/sweep.ts splitSources) and its stimuli are put
// back in the sweep's order. Every stimulus is computed from its source and its step's
// manipulation alone (the same seeds, the same arithmetic), so the bytes do not depend on the
// number of workers. The page spawns browser Workers (lab_client.ts); the benchmark spawns Node
// worker_threads running the same lab_work.ts.
import type { ChwImage, Manipulation } from '../lab/manipulations.ts';
import { splitSources, type SourceImage, type SweepSpec } from '../lab/sweep.ts';
import type { LabReply, LabRequest, SweepItem } from './lab_work.ts';

/** What the pool needs of one worker. */
export interface LabPort {
  post(req: LabRequest, transfer: ArrayBuffer[]): void;
  close?(): void;
}

/** Starts a worker whose replies go to onReply, and whose failure (it cannot start, or throws) to onFail. */
export type SpawnLab = (onReply: (r: LabReply) => void, onFail: (message: string) => void) => LabPort;

type Ok<T extends LabReply['type']> = Extract<LabReply, { type: T; ok: true }>;

export interface PooledSweep {
  /** source-major, as runSweep: all steps of the first source, then the next */
  items: SweepItem[];
  /** the slowest worker's times: manipulations, then manipulations + PNG encoding */
  ms: number;
  totalMs: number;
  /** workers the sweep ran on */
  workers: number;
}

export class LabPool {
  private readonly ports: LabPort[] = [];
  private readonly pending = new Map<number, { worker: number; resolve: (r: LabReply) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  readonly size: number;

  constructor(
    private readonly spawn: SpawnLab,
    size: number,
  ) {
    this.size = Math.max(1, Math.floor(size) || 1);
  }

  /** Workers start when first needed. */
  private port(i: number): LabPort {
    while (this.ports.length <= i) {
      const k = this.ports.length;
      this.ports.push(this.spawn((r) => this.settle(r), (message) => this.fail(k, message)));
    }
    return this.ports[i];
  }

  private settle(r: LabReply) {
    const p = this.pending.get(r.reqId);
    if (!p) return;
    this.pending.delete(r.reqId);
    if (r.ok) p.resolve(r);
    else p.reject(new Error(r.message));
  }

  private fail(worker: number, message: string) {
    for (const [id, p] of this.pending) {
      if (p.worker !== worker) continue;
      this.pending.delete(id);
      p.reject(new Error(message));
    }
  }

  private call<T extends LabReply>(worker: number, req: LabRequest, transfer: ArrayBuffer[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.set(req.reqId, { worker, resolve: resolve as (r: LabReply) => void, reject });
      this.port(worker).post(req, transfer);
    });
  }

  /** A manipulated copy of a square image (the first worker, which keeps the image's spectra between slider moves); `ms` is its compute time. */
  async preview(image: ChwImage, chain: Manipulation[]): Promise<{ image: ChwImage; ms: number }> {
    const copy = { data: image.data.slice(), size: image.size };
    const r = await this.call<Ok<'preview'>>(0, { type: 'preview', reqId: this.nextId++, image: copy, chain }, [copy.data.buffer]);
    return { image: r.image, ms: r.ms };
  }

  /** A sweep's derived stimuli with their PNG bytes, from up to `size` workers at once. */
  async sweep(sources: readonly SourceImage[], spec: SweepSpec): Promise<PooledSweep> {
    const shares = splitSources(sources, this.size);
    const replies = await Promise.all(
      shares.map((share, i) => {
        const copies = share.map((s) => ({ ...s, image: { data: s.image.data.slice(), size: s.image.size } }));
        return this.call<Ok<'sweep'>>(i, { type: 'sweep', reqId: this.nextId++, sources: copies, spec }, copies.map((c) => c.image.data.buffer));
      }),
    );
    return {
      items: replies.flatMap((r) => r.items),
      ms: Math.max(...replies.map((r) => r.ms)),
      totalMs: Math.max(...replies.map((r) => r.totalMs)),
      workers: shares.length,
    };
  }

  /** Stops the workers (the next call starts new ones); pending calls are refused. */
  close() {
    for (let i = 0; i < this.ports.length; i++) this.fail(i, 'the Lab workers were stopped');
    for (const p of this.ports) p.close?.();
    this.ports.length = 0;
  }
}
