import { describe, expect, it } from 'vitest';
import { maskSpans, timecourseFigure, timesMs, withAlpha } from '../../src/viz/plots.ts';

type AnyTrace = Record<string, unknown> & { type: string };

describe('helpers', () => {
  it('maskSpans finds runs', () => {
    expect(maskSpans([0, 1, 1, 0, 1])).toEqual([
      [1, 2],
      [4, 4],
    ]);
    expect(maskSpans([0, 0])).toEqual([]);
    expect(maskSpans([1, 1, 1])).toEqual([[0, 2]]);
  });
  it('timesMs converts seconds without float noise', () => {
    expect(timesMs([-0.1, 0.005, 0.595])).toEqual([-100, 5, 595]);
  });
  it('withAlpha', () => {
    expect(withAlpha('#0072B2', 0.5)).toBe('rgba(0,114,178,0.5)');
  });
});

describe('timecourseFigure', () => {
  const t = [0, 5, 10, 15];
  it('band traces precede the mean; cursor and window shapes; optional lower panel', () => {
    const f = timecourseFigure({
      timesMs: t,
      series: [{ name: 'a', mean: [1, 2, 3, 4], lo: [0, 1, 2, 3], hi: [2, 3, 4, 5] }],
      cursorMs: 5,
      mask: [0, 1, 1, 0],
      lower: { name: 'GFP', values: [1, 1, 1, 1], unit: 'a.u.' },
    });
    expect(f.data).toHaveLength(4);
    expect((f.data[1] as AnyTrace).fill).toBe('tonexty');
    expect((f.data[3] as AnyTrace).yaxis).toBe('y2');
    const shapes = f.layout.shapes as { type: string; x0: number }[];
    expect(shapes.filter((s) => s.type === 'rect')).toHaveLength(1);
    expect(shapes.some((s) => s.type === 'line' && s.x0 === 5)).toBe(true);
    expect((f.layout.xaxis as { anchor: string }).anchor).toBe('y2');
  });
  it('no window shading when everything is selected; NaN passes through', () => {
    const f = timecourseFigure({ timesMs: t, series: [{ name: 'a', mean: [NaN, 1, 2, 3] }], mask: [1, 1, 1, 1] });
    expect((f.layout.shapes as { type: string }[]).filter((s) => s.type === 'rect')).toHaveLength(0);
    expect(((f.data[0] as AnyTrace).y as number[])[0]).toBeNaN();
  });
});

describe('user strings reach plotly as text', () => {
  it('markup in image and condition names becomes entities in names, titles and hover text', () => {
    const hostile = '<a href="https://example.com/">x</a> & <b>bold</b>';
    const f = timecourseFigure({
      timesMs: [0, 5],
      series: [
        { name: hostile, mean: [1, 2], lo: [0, 1], hi: [2, 3] },
        { name: `${hostile} faint`, mean: [1, 2], faint: true },
      ],
      lower: { name: hostile, values: [1, 1], unit: 'a.u.' },
      title: `${hostile} − other`,
      yTitle: hostile,
    });
    const json = JSON.stringify(f);
    expect(json).not.toMatch(/<a |<b>/);
    expect(json).toContain('&lt;a href=\\"https://example.com/\\"&gt;x&lt;/a&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    // No user string inside a hover template, where %{...} would be read as a variable.
    for (const tr of f.data as AnyTrace[]) {
      if (typeof tr.hovertemplate === 'string') expect(tr.hovertemplate).not.toContain('example.com');
    }
  });
});
