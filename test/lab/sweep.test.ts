import { describe, expect, it } from 'vitest';
import { applyManipulation } from '../../src/lab/manipulations.ts';
import { buildStimuliExport } from '../../src/lab/stimuli.ts';
import { runSweep, splitSources, sweepValues, tuningCurve } from '../../src/lab/sweep.ts';
import { csvField, measuresCsv } from '../../src/lab/table.ts';
import { parseNpy } from '../../src/io/npy.ts';

function img(S: number, seed: number) {
  const data = new Uint8Array(3 * S * S);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 101 + ((i * i) % 97)) % 256;
  return { data, size: S };
}

describe('sweeps', () => {
  it('linear and log values end exactly at `to`', () => {
    expect(sweepValues({ from: 0, to: 0.3, steps: 4, scale: 'linear' })).toEqual([0, 0.1, 0.2, 0.3]);
    expect(sweepValues({ from: 1, to: 100, steps: 3, scale: 'log' })).toEqual([1, 10, 100]);
    expect(sweepValues({ from: 5, to: 9, steps: 1, scale: 'linear' })).toEqual([5]);
    expect(() => sweepValues({ from: 0, to: 10, steps: 3, scale: 'log' })).toThrow(/log/);
  });

  it('derived stimuli keep source, value and the exact manipulation', () => {
    const src = [
      { id: 'a', name: 'cat.png', image: img(16, 1) },
      { id: 'b', name: 'dog.jpg', image: img(16, 2) },
    ];
    const d = runSweep(src, { manipulation: { kind: 'contrast', rms: 0.1 }, param: 'rms', from: 0.02, to: 0.2, steps: 3, scale: 'linear' });
    expect(d).toHaveLength(6);
    expect(d.map((x) => x.sourceId)).toEqual(['a', 'a', 'a', 'b', 'b', 'b']);
    expect(d[2]).toMatchObject({ value: 0.2, step: 2, name: 'cat_contrast-rms=0.2.png', manipulation: { kind: 'contrast', rms: 0.2 } });
    expect(d[4].image.data).toEqual(applyManipulation(src[1].image, { kind: 'contrast', rms: 0.11 }).data);
    expect(() => runSweep(src, { manipulation: { kind: 'noise', sd: 1, seed: 1 }, param: 'seed', from: 1, to: 2, steps: 2, scale: 'linear' })).toThrow(/sweepable/);
  });

  it('worker shares: contiguous, balanced by pixels, never empty, and their sweeps concatenated are the whole sweep', () => {
    const src = [16, 16, 32, 16, 16, 16, 16].map((S, i) => ({ id: `s${i}`, name: `s${i}.png`, image: img(S, i + 1) }));
    const sizes = (parts: ReturnType<typeof splitSources<(typeof src)[number]>>) => parts.map((p) => p.map((s) => s.id));
    expect(sizes(splitSources(src, 1))).toEqual([src.map((s) => s.id)]);
    // the 32 px image weighs four 16 px ones: 1536 and 1024 pixels (the next cut would give 512 and 2048)
    expect(sizes(splitSources(src, 2))).toEqual([['s0', 's1', 's2'], ['s3', 's4', 's5', 's6']]);
    expect(splitSources(src.slice(0, 2), 4).map((p) => p.length)).toEqual([1, 1]);
    for (const n of [2, 3, 5, 7]) {
      const parts = splitSources(src, n);
      expect(parts.length).toBe(n);
      expect(parts.every((p) => p.length > 0)).toBe(true);
      expect(parts.flat()).toEqual(src);
    }
    for (const spec of [
      { manipulation: { kind: 'phase-scramble', percent: 0, seed: 3 }, param: 'percent', from: 0, to: 100, steps: 4, scale: 'linear' },
      { manipulation: { kind: 'blur', sigma: 1 }, param: 'sigma', from: 0.5, to: 6, steps: 3, scale: 'linear' },
      { manipulation: { kind: 'contrast', rms: 0.1 }, param: 'rms', from: 0.02, to: 0.3, steps: 3, scale: 'linear' },
    ] as const) {
      const whole = runSweep(src, spec);
      for (const n of [2, 3]) {
        const parts = splitSources(src, n).flatMap((share) => runSweep(share, spec));
        expect(parts.map((d) => d.name)).toEqual(whole.map((d) => d.name));
        parts.forEach((d, i) => expect(d.image.data).toEqual(whole[i].image.data));
      }
    }
  });

  it('tuning curve: mean, sample SD and SEM across images per value', () => {
    const t = tuningCurve([1, 1, 2, 2, 2], [1, 3, 2, 4, NaN]);
    expect(t).toEqual([
      { value: 1, n: 2, mean: 2, sd: Math.SQRT2, sem: 1 },
      { value: 2, n: 2, mean: 3, sd: Math.SQRT2, sem: 1 },
    ]);
  });
});

describe('stimulus export and CSV', () => {
  it('stacks [B, 3, S, S] uint8 with a sidecar per image', () => {
    const a = img(8, 1);
    const b = img(8, 2);
    const e = buildStimuliExport(
      [
        { name: 'a.png', image: a },
        { name: 'a_blur.png', image: b, source: 'a.png', manipulations: [{ kind: 'blur', sigma: 2 }], param: 'sigma', value: 2, condition: 'blurred' },
      ],
      'stimuli.npy',
    );
    const arr = parseNpy(e.npy);
    expect(arr.shape).toEqual([2, 3, 8, 8]);
    expect(arr.dtype).toBe('|u1');
    expect(Array.from(arr.data as Uint8Array).slice(192)).toEqual(Array.from(b.data));
    expect(e.sidecar.images[1]).toMatchObject({ source: 'a.png', param: 'sigma', value: 2, condition: 'blurred' });
    expect(() => buildStimuliExport([{ name: 'x', image: a }, { name: 'y', image: img(4, 1) }], 's.npy')).toThrow(/one size/);
  });

  it('CSV quotes fields and carries the component definitions', () => {
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    const csv = measuresCsv(
      [
        { index: 0, name: 'x,y.png', condition: 'faces', meta: { category: 'animal' }, results: [{ mean: 1.5, peakAmplitude: 2, peakLatency: 0.105 }] },
        { index: 1, name: 'b.png', results: [{ mean: 1, peakAmplitude: 1, peakLatency: 0.1 }] },
      ],
      [{ id: 'P1', channels: ['O1', 'Oz'], tmin: 0.08, tmax: 0.13, polarity: 'positive' }],
      { model: 'm', subject: 'demo', synthetic: true },
    );
    const [head, row, row2] = csv.trim().split('\n');
    expect(head).toContain('P1 O1/Oz 80-130 ms positive peak latency (ms)');
    expect(head.endsWith(',meta: category')).toBe(true);
    expect(row).toBe('1,"x,y.png",faces,,,,,m,demo,true,1.5,2,105,animal');
    expect(row2).toBe('2,b.png,,,,,,m,demo,true,1,1,100,');
  });
});
