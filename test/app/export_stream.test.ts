// The streamed export writes exactly the bytes the in-memory export assembles, in chunks of a set size.
import { describe, expect, it } from 'vitest';
import { planExport, writeExport } from '../../src/app/export.ts';
import { putResponse, modelTag, pixelKey } from '../../src/app/responses.ts';
import { writeNpy } from '../../src/io/npy.ts';
import { channelIndices, maskIndices, sliceResponses, stack } from '../../src/viz/stats.ts';
import { useApp, DEFAULT_CH_NAMES, type ImageItem } from '../../src/app/state/store.ts';
import { DEMO_MODEL } from './demo_model.ts';

const model = DEMO_MODEL;

const item = (id: string): ImageItem => ({ id, name: `${id}.png`, file: new Blob([]), status: 'ready', width: 8, height: 8, squareMode: 'crop' });

describe('streamed export', () => {
  it('equals the in-memory export byte for byte, in chunks of the set size (the last one shorter)', async () => {
    const images = ['c', 'a', 'b'].map(item);
    const blocks = images.map((_, k) => Float32Array.from({ length: 4 * 63 * 140 }, (_, i) => Math.sin(k * 7 + i)));
    images.forEach((it, k) => putResponse(modelTag(model), pixelKey(it.id, 'crop'), blocks[k].slice()));
    const mask = new Array(140).fill(0).map((_, i) => (i % 9 === 0 ? 1 : 0));
    useApp.setState({ model, images, selectedChannels: ['Oz', 'Fp1', 'Cz'], timeMask: mask });
    // the expected bytes come from the stacked array, sliced by viz/stats (not by the export's code)
    const ch = channelIndices(DEFAULT_CH_NAMES, ['Oz', 'Fp1', 'Cz']);
    const t = maskIndices(mask);
    const whole = writeNpy([3, 4, ch.length, t.length], sliceResponses(stack(blocks, 4 * 63 * 140), { B: 3, R: 4, C: 63, T: 140 }, ch, t));
    const chunks: Uint8Array[] = [];
    // 1000 bytes: not a whole number of rows, so rows are split across chunks
    await writeExport(planExport(useApp.getState(), new Date('2026-01-01T00:00:00Z')), (c) => chunks.push(c.slice()), undefined, 1000);
    expect(chunks.length).toBe(Math.ceil(whole.length / 1000));
    expect(chunks.slice(0, -1).every((c) => c.length === 1000)).toBe(true);
    const joined = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of chunks) {
      joined.set(c, o);
      o += c.length;
    }
    expect(Buffer.from(joined).equals(Buffer.from(whole))).toBe(true);
    // the default size: a small export is one write
    const one: Uint8Array[] = [];
    await writeExport(planExport(useApp.getState(), new Date('2026-01-01T00:00:00Z')), (c) => one.push(c.slice()));
    expect(one.length).toBe(1);
    expect(Buffer.from(one[0]).equals(Buffer.from(whole))).toBe(true);
  });

  it('names an image whose response went away while writing', async () => {
    useApp.setState({ model, images: [item('gone')] });
    putResponse(modelTag(model), pixelKey('gone', 'crop'), new Float32Array(4 * 63 * 140));
    const plan = planExport(useApp.getState());
    useApp.setState({ images: [] });
    const { dropImage } = await import('../../src/app/responses.ts');
    dropImage('gone');
    await expect(writeExport(plan, () => undefined)).rejects.toThrow(/gone\.png: no response/);
  });
});
