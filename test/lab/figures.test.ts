import { describe, expect, it } from 'vitest';
import { histogramFigure, tuningCurveFigure } from '../../src/lab/figures.ts';

describe('Lab figures', () => {
  it('tuning curve: mean line with a ±spread band, one faint line per image, log axis on request', () => {
    const f = tuningCurveFigure({
      points: [
        { value: 1, n: 2, mean: 2, sd: 1, sem: 0.5 },
        { value: 10, n: 2, mean: 4, sd: 2, sem: 1 },
      ],
      perImage: [{ name: 'a<b>.png', values: [1, 10], scores: [1, 3] }],
      spread: 'sem',
      xTitle: 'rms',
      yTitle: 'P1',
      logX: true,
    });
    const traces = f.data as { y: number[]; name?: string }[];
    expect(traces).toHaveLength(4);
    expect(traces[0].name).toBe('a&lt;b&gt;.png');
    expect(traces[1].y).toEqual([1.5, 3]);
    expect(traces[2].y).toEqual([2.5, 5]);
    expect(traces[3].y).toEqual([2, 4]);
    expect((f.layout.xaxis as { type: string }).type).toBe('log');
  });

  it('histogram: bars at bin centres with bin widths, and the top/bottom thresholds marked', () => {
    const f = histogramFigure({ edges: [0, 1, 2], counts: [3, 1] }, 'score', { top: 1.5, bottom: 0.2 });
    const bar = f.data[0] as { x: number[]; y: number[]; width: number[] };
    expect(bar.x).toEqual([0.5, 1.5]);
    expect(bar.y).toEqual([3, 1]);
    expect(bar.width).toEqual([1, 1]);
    expect((f.layout.shapes ?? []).map((s) => s.x0)).toEqual([1.5, 0.2]);
  });
});
