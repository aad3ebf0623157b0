import { describe, expect, it } from 'vitest';
import { MONTAGE_SENSORS, sensorsFor } from '../../src/viz/channels.ts';
import { makeTopomapGrid } from '../../src/viz/topomap.ts';
import { maskSpans, matrixFigure, timecourseFigure, timesMs, topomapFigure, withAlpha } from '../../src/viz/plots.ts';

const names = MONTAGE_SENSORS.map((s) => s.name);
const grid = makeTopomapGrid(sensorsFor(names), 24);
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

describe('topomapFigure', () => {
  const values = Float32Array.from(names, (_, i) => Math.sin(i));
  it('one panel: heatmap, contours, sensors; mask and outline as shapes', () => {
    const f = topomapFigure(grid, [{ values }], { range: [-2, 2], selected: names.map((_, i) => i % 2) });
    const types = (f.data as AnyTrace[]).map((t) => t.type);
    expect(types).toEqual(['heatmap', 'contour', 'scatter']);
    const heat = f.data[0] as AnyTrace;
    expect(heat.zmin).toBe(-2);
    expect(heat.zmax).toBe(2);
    const contour = f.data[1] as AnyTrace & { contours: { start: number; end: number; size: number } };
    const n = Math.round((contour.contours.end - contour.contours.start) / contour.contours.size) + 1;
    expect(n).toBe(6);
    const sensors = f.data[2] as AnyTrace & { marker: { color: string[] } };
    expect(sensors.name).toBe('sensors');
    expect(new Set(sensors.marker.color).size).toBe(2); // selected vs not
    expect((f.layout.shapes as unknown[]).length).toBe(5); // ring mask, head, nose, two ears
  });
  it('small multiples share the colour range and get their own axes', () => {
    const f = topomapFigure(grid, [{ values, title: 'a' }, { values, title: 'b' }, { values, title: 'c' }], { range: [-1, 1] });
    const heats = (f.data as AnyTrace[]).filter((t) => t.type === 'heatmap');
    expect(heats.map((h) => h.xaxis)).toEqual(['x', 'x2', 'x3']);
    expect(heats.map((h) => h.showscale)).toEqual([false, false, true]);
    expect((f.layout as Record<string, unknown>).xaxis3).toBeDefined();
    expect((f.layout.annotations as unknown[]).length).toBe(3);
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

describe('matrixFigure', () => {
  it('square heatmap with labels, NaN as gaps', () => {
    const f = matrixFigure([0, 0.5, 0.5, NaN], ['a', 'b'], { range: [0, 1], unit: '1 - r' });
    const z = (f.data[0] as AnyTrace).z as (number | null)[][];
    expect(z).toEqual([
      [0, 0.5],
      [0.5, null],
    ]);
  });
});

describe('timecourseFigure butterfly', () => {
  it('draws faint lines of one colour as one NaN-separated trace that still names each channel', () => {
    const t = [0, 5, 10];
    const series = ['Oz', 'O1', 'O2'].map((name, i) => ({ name, mean: [i, i + 1, i + 2], color: '#1f4e99', faint: true, width: 1 }));
    series.push({ name: 'Fp1', mean: [9, 9, 9], color: '#9a9a9a', faint: true, width: 0.6 });
    const f = timecourseFigure({ timesMs: t, series });
    expect(f.data).toHaveLength(2);
    const blue = f.data[0] as AnyTrace & { text: string[] };
    expect(blue.y).toEqual([0, 1, 2, NaN, 1, 2, 3, NaN, 2, 3, 4, NaN]);
    expect(blue.text.slice(4, 7)).toEqual(['O1', 'O1', 'O1']);
  });
});
