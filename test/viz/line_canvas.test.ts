// Line figures on a canvas: the scene (ranges, ticks, legend, shapes, text) read from the plotly
// specs plots.ts writes, the hover text, and the painted paths.
import { describe, expect, it } from 'vitest';
import { axisTicks, hoverText, lineScene, niceStep, paintLineScene, plainText, xPixel } from '../../src/viz/line_canvas.ts';
import { timecourseFigure } from '../../src/viz/plots.ts';

const tms = Array.from({ length: 140 }, (_, i) => -100 + 5 * i);

describe('line figures on a canvas', () => {
  it('plotly text becomes plain text: entities back, <br> a line break, other tags dropped', () => {
    expect(plainText('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;')).toBe('<a href="x">&</a>');
    expect(plainText('one<br>two<br/>three')).toBe('one\ntwo\nthree');
    expect(plainText('<b>bold</b>')).toBe('bold');
  });

  it('ticks fall on multiples of 1, 2 or 5 times a power of ten, labelled with a minus sign', () => {
    expect([0.7, 1.5, 3, 7, 23].map(niceStep)).toEqual([1, 2, 5, 10, 50]);
    const x = axisTicks(-102.5, 597.5, 600, 60);
    expect(x.ticks).toEqual([-100, 0, 100, 200, 300, 400, 500]);
    expect(x.labels[0]).toBe('\u2212100');
    const y = axisTicks(-0.034, 0.051, 280, 35);
    expect(y.ticks.every((v) => Math.abs(v / 0.01 - Math.round(v / 0.01)) < 1e-9)).toBe(true);
    expect(y.labels).toContain('0.02');
    expect(axisTicks(-3e-6, 4e-6, 280, 35).labels.some((l) => /e\u22126$/.test(l))).toBe(true);
  });

  it('a time course: x range and ticks from the figure, y from the data padded 5 %, lower panel held at zero', () => {
    const mean = tms.map((t) => Math.sin(t / 50));
    const lo = mean.map((v) => v - 0.2);
    const hi = mean.map((v) => v + 0.2);
    const fig = timecourseFigure({ timesMs: tms, series: [{ name: 'all images', mean, lo, hi }], lower: { name: 'GFP', values: mean.map((v) => Math.abs(v) + 0.5), unit: 'a.u.' }, cursorMs: 100, title: 'Mean over Oz' });
    const s = lineScene(fig, 600, 420);
    expect(s.x.range).toEqual([-102.5, 597.5]);
    const [main, lower] = s.axes;
    const top = Math.max(...hi);
    const bottom = Math.min(...lo);
    expect(main.range[0]).toBeCloseTo(bottom - 0.05 * (top - bottom), 12);
    expect(main.range[1]).toBeCloseTo(top + 0.05 * (top - bottom), 12);
    expect(lower.range[0]).toBe(0);
    expect(lower.bottom).toBeCloseTo(s.bottom, 9);
    expect(main.bottom).toBeLessThan(lower.top);
    // the band fills to the trace before it; the lower panel to zero
    expect(s.traces.map((t) => t.fill)).toEqual([null, 'tonexty', null, 'tozeroy']);
    // the cursor is a line at its x
    const cursor = s.shapes.find((sh) => sh.kind === 'line' && sh.stroke === '#c00')!;
    expect(cursor.x0).toBeCloseTo(xPixel(s, 100), 9);
    expect(s.title).toBe('Mean over Oz');
    // two named lines under a title: the legend goes below
    expect(s.legend.map((e) => e.name)).toEqual(['all images', 'GFP']);
    expect(s.legendBelow).toBe(true);
    // one line alone has none
    expect(lineScene(timecourseFigure({ timesMs: tms, series: [{ name: 'x', mean }] }), 600, 360).legend).toEqual([]);
  });

  it('a fixed y range is kept; annotations and names are plain text; two lines and a title put the legend below', () => {
    const fig = timecourseFigure({ timesMs: tms, series: [{ name: 'a &amp; b', mean: tms.map(() => 1) }, { name: '<i>x</i>', mean: tms.map(() => 2) }], title: 'T', placeholder: 'line one<br>line two' });
    (fig.layout as Record<string, unknown>).yaxis = { range: [-5, 5], autorange: false };
    const s = lineScene(fig, 500, 360);
    expect(s.axes[0].range).toEqual([-5, 5]);
    expect(s.texts[0].lines).toEqual(['line one', 'line two']);
    expect(s.legend.map((e) => e.name)).toEqual(['a &amp; b', '<i>x</i>']);
    expect(s.legendBelow).toBe(true);
    // the plot's bottom leaves room for one row of legend
    expect(360 - s.bottom).toBe(44 + 28);
  });

  it('a legend of many lines keeps to three rows and says how many more there are', () => {
    const series = Array.from({ length: 40 }, (_, i) => ({ name: `image ${i + 1}`, mean: tms.map(() => i) }));
    const s = lineScene(timecourseFigure({ timesMs: tms, series, title: 'Each image' }), 600, 360);
    expect(s.legend.length).toBe(12);
    expect(s.legend[10].name).toBe('image 11');
    expect(s.legend[11].name).toBe('… and 29 more lines (hover names them)');
    expect(360 - s.bottom).toBe(44 + 3 * 20 + 8);
    // the label still names every line
    expect(s.traces.filter((t) => t.legend).length).toBe(40);
  });

  it('hover names each line at the nearest sample, and the nearest of a butterfly\'s faint lines', () => {
    const a = tms.map((t) => t / 100);
    const b = tms.map((t) => -t / 100);
    const fig = timecourseFigure({ timesMs: tms, series: [{ name: 'Oz', mean: a, faint: true }, { name: 'Cz', mean: b, faint: true }, { name: 'GFP-ish', mean: a.map(() => 0.25) }] });
    const s = lineScene(fig, 600, 360);
    const ax = s.axes[0];
    const yPx = (v: number) => ax.bottom - ((v - ax.range[0]) / (ax.range[1] - ax.range[0])) * (ax.bottom - ax.top);
    // at 300 ms, just above Oz's value (3)
    const text = hoverText(s, xPixel(s, 301), yPx(2.9))!;
    expect(text.split('\n')).toEqual(['300 ms', 'Oz: 3 a.u.', 'GFP-ish: 0.25 a.u.']);
    expect(hoverText(s, xPixel(s, 301), yPx(-2.9))!.split('\n')[1]).toBe('Cz: \u22123 a.u.');
    expect(hoverText(s, s.left - 5, yPx(0))).toBeNull();
  });

  it('paints each line as paths broken at NaN, inside its panel', () => {
    const y = tms.map((t, i) => (i === 70 ? NaN : t));
    const fig = timecourseFigure({ timesMs: tms, series: [{ name: 'x', mean: y }] });
    const s = lineScene(fig, 600, 360);
    const calls: [string, number[]][] = [];
    const ctx = new Proxy({} as Record<string | symbol, unknown>, {
      get: (target, k) => (k in target ? target[k] : (...args: number[]) => void calls.push([String(k), args])),
      set: (target, k, v) => ((target[k] = v), true),
    }) as unknown as CanvasRenderingContext2D;
    (ctx as unknown as { measureText: (t: string) => { width: number } }).measureText = (t: string) => ({ width: 6 * t.length });
    paintLineScene(ctx, s, 2);
    expect(calls[0]).toEqual(['setTransform', [2, 0, 0, 2, 0, 0]]);
    // the trace: after the clip to the panel, one moveTo per run (two runs around the gap) and a lineTo per further point
    const clip = calls.findIndex((c) => c[0] === 'clip');
    const after = calls.slice(clip);
    const end = after.findIndex((c) => c[0] === 'stroke');
    const path = after.slice(0, end);
    expect(path.filter((c) => c[0] === 'moveTo').length).toBe(2);
    expect(path.filter((c) => c[0] === 'lineTo').length).toBe(139 - 2);
    const first = path.find((c) => c[0] === 'moveTo')![1];
    expect(first[0]).toBeCloseTo(xPixel(s, -100), 9);
  });

  it('a legend beside a title that leaves no room for it goes inside the plot, clear of the title', () => {
    const mean = tms.map((t) => Math.sin(t / 50));
    const title = 'Butterfly (selected in blue) + global field power';
    const fig = timecourseFigure({ timesMs: tms, series: [{ name: 'Oz', mean, faint: true }], lower: { name: 'GFP', values: mean.map(Math.abs), unit: 'a.u.' }, title });
    const texts = (width: number) => {
      const s = lineScene(fig, width, 420);
      const out: { text: string; x: number; y: number }[] = [];
      const ctx = new Proxy({} as Record<string | symbol, unknown>, {
        get: (target, k) => (k in target ? target[k] : () => undefined),
        set: (target, k, v) => ((target[k] = v), true),
      }) as unknown as CanvasRenderingContext2D;
      // 6 px per character: the title ends at 2 % of the width + 6 px per character
      Object.assign(ctx, { measureText: (t: string) => ({ width: 6 * t.length }), fillText: (text: string, x: number, y: number) => void out.push({ text, x, y }) });
      paintLineScene(ctx, s, 1);
      // (the lower axis's title is GFP too, painted before the legend)
      return { s, legend: out.filter((t) => t.text === 'GFP').pop()!, title: out.find((t) => t.text === title)! };
    };
    const wide = texts(900);
    expect(wide.s.legend.map((e) => e.name)).toEqual(['GFP']);
    expect(wide.legend.y).toBeLessThan(wide.s.top); // above the plot, beside the title
    const narrow = texts(330);
    const titleEnd = narrow.title.x + 6 * title.length;
    expect(narrow.legend.x - 33).toBeLessThan(titleEnd); // would overlap it above the plot
    expect(narrow.legend.y).toBeGreaterThan(narrow.s.top); // so it is inside the plot
    expect(narrow.legend.x + 6 * 'GFP'.length).toBeLessThanOrEqual(narrow.s.right);
  });
});
