// The plot's cursor line and window shading are drawn outside plotly: a figure that differs only
// in them gives plotly the same figure, so moving them redraws nothing.
import { describe, expect, it } from 'vitest';
import { legendBelow, splitOverlays } from '../../src/app/components/Plot.tsx';
import { timecourseFigure } from '../../src/viz/plots.ts';

const tms = [0, 5, 10, 15, 20, 25];
const fig = (mask: number[], cursorMs: number) => timecourseFigure({ timesMs: tms, series: [{ name: 'a', mean: [1, 2, 3, 2, 1, 0] }], mask, cursorMs });

describe('splitOverlays', () => {
  it('takes out the cursor and the window runs, in data units, and leaves the rest', () => {
    const o = splitOverlays(fig([0, 1, 1, 0, 1, 0], 10));
    expect(o.cursor).toBe(10);
    // each run's samples ± half a sample, as timecourseFigure shades them
    expect(o.spans).toEqual([
      [2.5, 12.5],
      [17.5, 22.5],
    ]);
    const shapes = o.figure.layout.shapes as { type: string; x0: number }[];
    // only the dotted line at 0 ms stays with plotly
    expect(shapes).toHaveLength(1);
    expect(shapes[0]).toMatchObject({ type: 'line', x0: 0 });
    // the shading shows through from under the plot
    expect(o.figure.layout.plot_bgcolor).toBe('rgba(0,0,0,0)');
  });

  it('another window or cursor: the same figure for plotly', () => {
    const a = splitOverlays(fig([0, 1, 1, 0, 0, 0], 10)).figure;
    const b = splitOverlays(fig([1, 1, 1, 1, 0, 0], 20)).figure;
    expect(b).toEqual(a);
    // the whole epoch selected: no shading at all
    expect(splitOverlays(fig([1, 1, 1, 1, 1, 1], 5)).spans).toEqual([]);
  });

  it('keeps the shading in a figure that is not on a white plot background', () => {
    const f = fig([0, 1, 1, 0, 0, 0], 10);
    const dark = { data: f.data, layout: { ...f.layout, plot_bgcolor: '#222' } };
    const o = splitOverlays(dark);
    expect(o.spans).toEqual([]);
    expect((o.figure.layout.shapes as { type: string }[]).filter((s) => s.type === 'rect')).toHaveLength(1);
    expect(o.figure.layout.plot_bgcolor).toBe('#222');
    expect(o.cursor).toBe(10);
  });
});

describe('legendBelow', () => {
  it("moves a titled figure's legend of several entries to the figure's bottom edge, in a margin grown by its rows", () => {
    const two = timecourseFigure({ timesMs: tms, series: [{ name: 'a', mean: [1, 2, 3, 2, 1, 0] }, { name: 'b', mean: [0, 1, 2, 1, 0, 0] }], title: 'Condition means', height: 340 });
    const moved = legendBelow(two);
    const legend = moved.layout.legend as { x: number; y: number; yanchor: string; yref: string };
    expect([legend.x, legend.y, legend.yanchor, legend.yref]).toEqual([0, 0, 'bottom', 'container']);
    expect((moved.layout.margin as { b: number }).b).toBe((two.layout.margin as { b: number }).b + 28);
    // one entry, or no title: the legend stays where the figure put it
    expect(legendBelow(fig([0, 0, 0, 0, 0, 0], 0))).toEqual(fig([0, 0, 0, 0, 0, 0], 0));
  });
});
