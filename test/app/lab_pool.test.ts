import { describe, expect, it } from 'vitest';
import { LabPool, type SpawnLab } from '../../src/app/lab_pool.ts';
import { handleLabRequest, type LabRequest } from '../../src/app/lab_work.ts';
import { applyManipulation } from '../../src/lab/manipulations.ts';
import { runSweep, type SweepSpec } from '../../src/lab/sweep.ts';

function img(S: number, seed: number) {
  const data = new Uint8Array(3 * S * S);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 101 + ((i * i) % 97)) % 256;
  return { data, size: S };
}

/** In-process workers running the worker's own handler; worker k answers after (n - k) ticks, so the last one finishes first. */
function fakeWorkers(n: number, log: { worker: number; sources: string[] }[]): SpawnLab {
  let k = 0;
  return (onReply) => {
    const me = k++;
    return {
      post(req: LabRequest, transfer: ArrayBuffer[]) {
        // a transferred buffer leaves the sender: the pool must have sent copies
        const cloned = structuredClone(req, { transfer });
        if (cloned.type === 'sweep') log.push({ worker: me, sources: cloned.sources.map((s) => s.id) });
        setTimeout(() => onReply(handleLabRequest(cloned).reply), (n - me) * 5);
      },
    };
  };
}

const sources = Array.from({ length: 5 }, (_, i) => ({ id: `s${i}`, name: `s${i}.png`, image: img(12, i + 1) }));
const spec: SweepSpec = { manipulation: { kind: 'noise', sd: 5, seed: 7 }, param: 'sd', from: 0, to: 40, steps: 3, scale: 'linear' };

describe('the Lab worker pool', () => {
  for (const n of [1, 2, 3, 8]) {
    it(`${n} worker(s): every source once, stimuli in the sweep's order with the single-thread bytes`, async () => {
      const log: { worker: number; sources: string[] }[] = [];
      const pool = new LabPool(fakeWorkers(n, log), n);
      const before = sources.map((s) => s.image.data.slice());
      const r = await pool.sweep(sources, spec);
      const want = runSweep(sources, spec);
      expect(r.workers).toBe(Math.min(n, sources.length));
      expect(new Set(log.map((l) => l.worker)).size).toBe(r.workers);
      expect(log.flatMap((l) => l.sources).sort()).toEqual(sources.map((s) => s.id));
      expect(r.items.map((d) => d.name)).toEqual(want.map((d) => d.name));
      r.items.forEach((d, i) => expect(d.image.data).toEqual(want[i].image.data));
      expect(r.items.every((d) => d.png.length > 0)).toBe(true);
      // the caller's pixels are still there
      sources.forEach((s, i) => expect(s.image.data).toEqual(before[i]));
    });
  }

  it('a preview goes to the first worker; a refused sweep rejects with the worker message', async () => {
    const log: { worker: number; sources: string[] }[] = [];
    const pool = new LabPool(fakeWorkers(2, log), 2);
    const m = { kind: 'blur', sigma: 1.5 } as const;
    const p = await pool.preview(sources[0].image, [m]);
    expect(p.image.data).toEqual(applyManipulation(sources[0].image, m).data);
    await expect(pool.sweep(sources, { ...spec, param: 'seed' })).rejects.toThrow(/sweepable/);
  });

  it('a worker that fails rejects its own calls', async () => {
    const pool = new LabPool((_, onFail) => ({ post: () => setTimeout(() => onFail('no worker here'), 1) }), 2);
    await expect(pool.sweep(sources, spec)).rejects.toThrow('no worker here');
  });
});
