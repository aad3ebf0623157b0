import { describe, expect, it } from 'vitest';
import { spread } from '../../src/analysis/spread.ts';
import { subjectTuning } from '../../src/analysis/subjects.ts';
import { histogramFigure, subjectEffectFigure, tuningCurveFigure } from '../../src/lab/figures.ts';

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

  it("tuning curve: the measure's label breaks at its first comma, each part escaped", () => {
    const f = tuningCurveFigure({ points: [], spread: 'sem', xTitle: 'rms', yTitle: 'P1 mean amplitude, O1/Oz/O2, 80–130 ms (a<u>)' });
    expect((f.layout.yaxis as { title: { text: string } }).title.text).toBe('P1 mean amplitude<br>O1/Oz/O2, 80–130 ms (a&lt;u&gt;)');
  });

  it('histogram: bars at bin centres with bin widths, and the top/bottom thresholds marked', () => {
    const f = histogramFigure({ edges: [0, 1, 2], counts: [3, 1] }, 'score', { top: 1.5, bottom: 0.2 });
    const bar = f.data[0] as { x: number[]; y: number[]; width: number[] };
    expect(bar.x).toEqual([0.5, 1.5]);
    expect(bar.y).toEqual([3, 1]);
    expect(bar.width).toEqual([1, 1]);
    expect((f.layout.shapes ?? []).map((s) => s.x0)).toEqual([1.5, 0.2]);
  });

  it('tuning curve across subjects: one line per subject, the subject mean with the band of the chosen kind across subjects', () => {
    // two subjects, images at values 1, 1, 2: subject curves [1, 3] and [3, 7]
    const t = subjectTuning([Float64Array.of(0, 2, 3), Float64Array.of(2, 4, 7)], [1, 1, 2]);
    const f = tuningCurveFigure({ points: [], spread: 'sd', subjects: { labels: ['sub-01', 'sub-02'], ...t, kind: 'sem' }, xTitle: 'rms', yTitle: 'P1' });
    const traces = f.data as { y: number[]; name?: string; showlegend?: boolean }[];
    expect(traces.map((x) => x.name)).toEqual(['sub-01', 'sub-02', undefined, undefined, 'mean of 2 subjects ± SEM across subjects']);
    expect(traces[0].y).toEqual([1, 3]);
    expect(traces[1].y).toEqual([3, 7]);
    // SEM over two subjects = |a - b| / 2: 1 at value 1, 2 at value 2
    expect(traces[2].y).toEqual([1, 3]);
    expect(traces[3].y).toEqual([3, 7]);
    expect(traces[4].y).toEqual([2, 5]);
  });

  it('per-subject effect: each subject A − B, their mean and the 95% CI across subjects', () => {
    const diffs = Float64Array.of(1, 2, 3, 3, 4, 5); // two subjects, three times
    const sp = spread(diffs, 2, 3);
    const f = subjectEffectFigure({ labels: ['a', 'b'], diffs, spread: sp, kind: 'ci95', tms: [0, 5, 10], cursorMs: 5 });
    const traces = f.data as { y: number[]; name?: string }[];
    expect(traces[0].y).toEqual([1, 2, 3]);
    expect(traces[1].y).toEqual([3, 4, 5]);
    expect(traces[4].y).toEqual([2, 3, 4]);
    expect(traces[4].name).toBe('mean of 2 subjects 95% CI across subjects');
    // t(0.975, 1) = 12.706: the CI is mean -+ 12.706 * SEM, SEM = 1
    expect(traces[3].y[0]).toBeCloseTo(2 + 12.7062047, 5);
    expect((f.layout.shapes ?? []).map((s) => s.x0)).toEqual([5]);
  });
});
