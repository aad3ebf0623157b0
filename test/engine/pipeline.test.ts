// encode()'s batch loop: each batch reported once, in order, as a view of the result; a cancel
// between batches keeps what was reported and stops; the two-in-flight loop alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { CancelledError, encode, getEncodingModel, MODEL_ID, type EncodingModel, type Responses } from '../../src/engine/index.ts';
import { twoInFlight } from '../../src/engine/pipeline.ts';
import { directorySource } from '../../src/io/source_node.ts';
import { ROOT } from '../helpers.ts';

const source = directorySource(join(ROOT, 'public/models', MODEL_ID, 'demo'));

function images(n: number, size = 64): { data: Uint8Array; shape: [number, number, number, number] } {
  const data = new Uint8Array(n * 3 * size * size);
  let s = 7;
  for (let i = 0; i < data.length; i++) data[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
  return { data, shape: [n, 3, size, size] };
}

describe('encode: onBatch', () => {
  let model: EncodingModel;
  beforeAll(async () => {
    model = await getEncodingModel(MODEL_ID, 'demo', { source, device: 'wasm', selection: { channels: ['Oz', 'Cz', 'Oz'] } });
  }, 120_000);
  afterAll(() => model?.dispose());

  it('reports every batch once, in order, as the rows of the result', async () => {
    const seen: { start: number; r: Responses }[] = [];
    const out = await encode(model, images(5), { batchSize: 2, onBatch: (start, r) => seen.push({ start, r: { data: r.data.slice(), shape: r.shape } }) });
    expect(seen.map((b) => [b.start, b.r.shape[0]])).toEqual([[0, 2], [2, 2], [4, 1]]);
    const per = 4 * 3 * 140;
    for (const b of seen) {
      expect(b.r.shape).toEqual([b.r.shape[0], 4, 3, 140]);
      expect(Array.from(b.r.data)).toEqual(Array.from(out.data.subarray(b.start * per, (b.start + b.r.shape[0]) * per)));
    }
  }, 120_000);

  it('a cancel after the first batch keeps what was reported and throws CancelledError', async () => {
    const ctl = new AbortController();
    const starts: number[] = [];
    const run = encode(model, images(6), {
      batchSize: 2,
      signal: ctl.signal,
      onBatch: (start) => {
        starts.push(start);
        ctl.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(starts[0]).toBe(0);
    expect(starts.length).toBeLessThan(3);
  }, 120_000);
});

describe('twoInFlight', () => {
  it('launches batch i + 1 before collecting batch i, and abandons what is in flight after a failure', async () => {
    const log: string[] = [];
    await expect(
      twoInFlight<number>(7, 3, { collected: (s, b) => log.push(`done ${s}+${b}`) }, {
        launch: (start, b) => (log.push(`launch ${start}+${b}`), start),
        collect: async (p) => {
          if (p === 3) throw new Error('boom');
          log.push(`collect ${p}`);
        },
        abandon: async (p) => void log.push(`abandon ${p}`),
        started: async () => undefined,
      }),
    ).rejects.toThrow('boom');
    expect(log).toEqual(['launch 0+3', 'launch 3+3', 'collect 0', 'done 0+3', 'launch 6+1', 'abandon 6']);
  });
});
