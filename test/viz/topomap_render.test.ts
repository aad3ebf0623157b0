import { describe, expect, it } from 'vitest';
import { MONTAGE_SENSORS, sensorsFor } from '../../src/viz/channels.ts';
import { formatTick, niceTicks } from '../../src/viz/colorbar.ts';
import { isoSegments } from '../../src/viz/contours.ts';
import { layoutMatrix, matrixCellAt, matrixSvg } from '../../src/viz/matrix_render.ts';
import { makeTopomapGrid } from '../../src/viz/topomap.ts';
import { hitTest, layoutScene, prepareScene, rasterizePanel, sampleField, sceneSvg } from '../../src/viz/topomap_render.ts';

const names = MONTAGE_SENSORS.map((s) => s.name);
const grid = makeTopomapGrid(sensorsFor(names), 48);

describe('isoSegments (marching squares)', () => {
  it('traces a circle for a radial field, crossings on the level', () => {
    const res = 41;
    const z = new Float32Array(res * res);
    for (let r = 0; r < res; r++) for (let c = 0; c < res; c++) z[r * res + c] = Math.hypot(c - 20, r - 20);
    const seg = isoSegments(z, res, 10.5);
    expect(seg.length).toBeGreaterThan(4 * 40);
    for (let i = 0; i < seg.length; i += 2) expect(Math.abs(Math.hypot(seg[i] - 20, seg[i + 1] - 20) - 10.5)).toBeLessThan(0.1);
  });
  it('a linear ramp gives one straight line at the interpolated column; NaN cells are skipped', () => {
    const res = 5;
    const z = new Float32Array(res * res);
    for (let r = 0; r < res; r++) for (let c = 0; c < res; c++) z[r * res + c] = c;
    const seg = isoSegments(z, res, 2.25);
    expect(seg.length).toBe(4 * (res - 1));
    for (let i = 0; i < seg.length; i += 2) expect(seg[i]).toBeCloseTo(2.25, 6);
    z[2 * res + 2] = NaN;
    expect(isoSegments(z, res, 2.25).length).toBe(4 * (res - 3));
    expect(isoSegments(z, res, 99).length).toBe(0);
  });
  it('resolves saddles by the cell-centre mean', () => {
    // Corners (0,0) and (1,1) high: with a high centre the two low corners are cut off.
    const seg = isoSegments([1, 0, 0, 1], 2, 0.4);
    expect(seg.length).toBe(8);
    const ends = Array.from(seg).map((v) => Math.round(v * 10) / 10);
    expect(ends).toEqual([0, 0.6, 0.4, 1, 0.6, 0, 1, 0.4]);
  });
});

describe('colour bar ticks', () => {
  it('round steps covering a symmetric range, 0 included', () => {
    const { ticks, step } = niceTicks(-2.37, 2.37);
    expect(step).toBe(1);
    expect(ticks).toEqual([-2, -1, 0, 1, 2]);
    expect(niceTicks(0, 0.8).ticks.map((t) => formatTick(t, 0.2))).toEqual(['0', '0.2', '0.4', '0.6', '0.8']);
    expect(formatTick(2e-5, 1e-5)).toBe('2.0e-5');
  });
});

describe('topomap scene', () => {
  const values = Float32Array.from(MONTAGE_SENSORS, (s) => s.y * 100); // front positive, back negative
  const scene = { grid, panels: [{ values }], range: [-12, 12] as [number, number], unit: 'a.u.', title: 'test', names };

  it('contour lines lie inside the map and at the 6 levels', () => {
    const prep = prepareScene(scene);
    const seg = prep.contourSegments[0];
    expect(seg.length).toBeGreaterThan(0);
    const reach = grid.clipRadius + 2 * (grid.axis[1] - grid.axis[0]);
    for (let i = 0; i < seg.length; i += 2) expect(Math.hypot(seg[i], seg[i + 1])).toBeLessThanOrEqual(reach);
    // Every segment end lies on one of the levels -12 + 24 k / 7.
    const levels = Array.from({ length: 6 }, (_, k) => -12 + (24 * (k + 1)) / 7);
    // (Ends on the edge of a cell next to a blank one sample as NaN; all others must sit on a level.)
    let finite = 0;
    for (let i = 0; i < seg.length; i += 2) {
      const v = sampleField(grid, prep.fields[0], seg[i], seg[i + 1]);
      if (!Number.isFinite(v)) continue;
      finite++;
      expect(Math.min(...levels.map((l) => Math.abs(l - v)))).toBeLessThan(0.05);
    }
    expect(finite).toBeGreaterThan(0.9 * (seg.length / 2));
  });

  it('a change of the selected sensors alone interpolates and rasterises nothing again; new values do, to the same pixels as from scratch', () => {
    const prep = prepareScene(scene);
    const lay = layoutScene(scene, 400, 340);
    const r = rasterizePanel(prep, lay.panels[0], 0, 1);
    // equal values in a new array, other sensors selected: the same field and raster objects
    const again = prepareScene({ ...scene, panels: [{ values: Float32Array.from(values) }], selected: names.map((_, k) => k % 2) });
    expect(again.fields[0]).toBe(prep.fields[0]);
    expect(again.contourSegments[0]).toBe(prep.contourSegments[0]);
    expect(rasterizePanel(again, lay.panels[0], 0, 1)).toBe(r);
    // another range or other values: computed again
    const wider = prepareScene({ ...scene, range: [-20, 20] });
    expect(wider.fields[0]).not.toBe(prep.fields[0]);
    const other = Float32Array.from(values, (v) => -v);
    const flipped = prepareScene({ ...scene, panels: [{ values: other }] });
    expect(flipped.fields[0]).not.toBe(prep.fields[0]);
    // what the caches hand back is what a fresh computation gives
    const r2 = rasterizePanel(flipped, lay.panels[0], 0, 1);
    const back = prepareScene({ ...scene, panels: [{ values: Float32Array.from(values) }] });
    expect(Array.from(rasterizePanel(back, lay.panels[0], 0, 1).rgba)).toEqual(Array.from(r.rgba));
    expect(Array.from(r2.rgba)).not.toEqual(Array.from(r.rgba));
    // a value that differs beyond float32 precision is another value
    const nudged = Float64Array.from(values);
    nudged[0] += 1e-9;
    expect(prepareScene({ ...scene, panels: [{ values: nudged }] }).fields[0]).not.toBe(prep.fields[0]);
  });

  it('raster: colours follow the field, transparent outside the head', () => {
    const prep = prepareScene(scene);
    const lay = layoutScene(scene, 400, 340);
    const box = lay.panels[0];
    const r = rasterizePanel(prep, box, 0, 1);
    const px = (xm: number, ym: number) => {
      const x = Math.floor(box.cx + xm * box.k) - r.x;
      const y = Math.floor(box.cy - ym * box.k) - r.y;
      return Array.from(r.rgba.subarray((y * r.w + x) * 4, (y * r.w + x) * 4 + 4));
    };
    const front = px(0, 0.07);
    const back = px(0, -0.07);
    expect(front[0]).toBeGreaterThan(front[2]); // red: positive
    expect(back[2]).toBeGreaterThan(back[0]); // blue: negative
    expect(front[3]).toBe(255);
    expect(px(grid.clipRadius * 0.99, grid.clipRadius * 0.99)[3]).toBe(0);
  });

  it('raster: each pixel is the colour map at the field under it, clamped to the colour limits', () => {
    // colour limits well inside the field's range: both clamped ends are drawn
    const narrow = { ...scene, range: [-2, 2] as [number, number] };
    const prep = prepareScene(narrow);
    const lay = layoutScene(narrow, 400, 340);
    const box = lay.panels[0];
    const r = rasterizePanel(prep, box, 0, 1);
    const n = prep.lut.length / 3;
    const colour = (i: number) => Array.from(prep.lut.subarray(3 * i, 3 * i + 3));
    let low = 0;
    let high = 0;
    let inside = 0;
    for (let y = 0; y < r.h; y += 3) {
      for (let x = 0; x < r.w; x += 3) {
        const o = (y * r.w + x) * 4;
        if (r.rgba[o + 3] !== 255) continue;
        const v = sampleField(grid, prep.fields[0], (r.x + x + 0.5 - box.cx) / box.k, -(r.y + y + 0.5 - box.cy) / box.k);
        if (!Number.isFinite(v)) continue;
        const got = Array.from(r.rgba.subarray(o, o + 3));
        if (v > 2.05) (high++, expect(got).toEqual(colour(n - 1)));
        else if (v < -2.05) (low++, expect(got).toEqual(colour(0)));
        else if (v > -1.95 && v < 1.95) {
          inside++;
          const want = Math.round(((v + 2) * (n - 1)) / 4);
          expect([want - 1, want, want + 1].map((i) => colour(i).join())).toContain(got.join());
        }
      }
    }
    expect(Math.min(low, high, inside)).toBeGreaterThan(50);
  });

  it('small multiples side by side; hit test finds sensors and field values', () => {
    const multi = { ...scene, panels: [{ values, title: 'a' }, { values, title: 'b' }] };
    const lay = layoutScene(multi, 700, 300);
    expect(lay.panels).toHaveLength(2);
    expect(lay.panels[1].cx).toBeGreaterThan(lay.panels[0].cx + 2 * grid.clipRadius * lay.panels[0].k);
    expect(lay.bar.x).toBeGreaterThan(lay.panels[1].cx + grid.clipRadius * lay.panels[1].k);
    const prep = prepareScene(multi);
    const cz = names.indexOf('Oz');
    const b = lay.panels[1];
    const s = grid.sensors[cz];
    const hit = hitTest(prep, lay, b.cx + s.x * b.k + 2, b.cy - s.y * b.k - 1);
    expect(hit).toMatchObject({ panel: 1, sensor: cz });
    expect(hit!.value).toBeCloseTo(values[cz], 5);
    const between = hitTest(prep, lay, b.cx + 0.012 * b.k, b.cy - 0.03 * b.k); // between Cz, FCz, FC2 and C2
    expect(between?.sensor).toBeNull();
    expect(between!.value).toBeCloseTo(3, 0); // the field is y x 100: about 3 at y = 0.03 m
    expect(hitTest(prep, lay, 2, 2)).toBeNull();
  });

  it('SVG export: one image per panel, 63 sensors with names, contours, colour bar with unit', () => {
    const prep = prepareScene({ ...scene, selected: names.map((_, i) => i < 10) });
    const lay = layoutScene(scene, 400, 340);
    const svg = sceneSvg(prep, lay, [{ href: 'data:image/png;base64,AAAA', x: 1, y: 2, w: 3, h: 4 }]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<image /g)).toHaveLength(1);
    expect(svg.match(/class="sensor"/g)).toHaveLength(63);
    expect(svg.match(/fill="#111"/g)).toHaveLength(10); // selected sensors are filled
    expect(svg).toContain('<title>Oz</title>');
    expect(svg).toContain('class="contours"');
    expect(svg).toContain('>a.u.</text>');
    expect(svg).toContain('>test</text>');
  });
});

describe('matrix figure', () => {
  const scene = { values: [0, 0.5, 0.5, NaN], labels: ['a.png', 'b.png'], range: [0, 1] as [number, number], unit: '1 − r', title: 'RDM' };
  it('cells under the pointer, row by row', () => {
    const lay = layoutMatrix(scene, 500, 360);
    expect(matrixCellAt(scene, lay, lay.x + 1.5 * lay.cell, lay.y + 0.5 * lay.cell)).toEqual({ i: 0, j: 1 });
    expect(matrixCellAt(scene, lay, lay.x - 2, lay.y + 1)).toBeNull();
    expect(lay.x + 2 * lay.cell).toBeLessThan(lay.bar.x);
  });
  it('SVG: n x n cells with values, NaN grey, labels and colour bar', () => {
    const svg = matrixSvg(scene, layoutMatrix(scene, 500, 360));
    expect(svg.match(/class="cell"/g)).toHaveLength(4);
    expect(svg).toContain('a.png vs b.png: 0.500');
    expect(svg).toContain('b.png vs b.png: n/a');
    expect(svg).toContain('fill="#e8e8e8"');
    expect(svg).toContain('>1 − r</text>');
  });
});

describe('every scalp map names its interpolation', () => {
  it('the v4 default note, or the one given, is drawn in the SVG', () => {
    const g = makeTopomapGrid(MONTAGE_SENSORS.slice(), 40);
    const values = Float32Array.from(MONTAGE_SENSORS, (s) => s.x);
    const scene = { grid: g, panels: [{ values }], range: [-1, 1] as [number, number], unit: 'a.u.' };
    const svg = sceneSvg(prepareScene(scene), layoutScene(scene, 400, 340), []);
    expect(svg).toContain(">Interpolation: EEGLAB 'v4' biharmonic spline</text>");
    const mine = { ...scene, note: 'Interpolation: something else' };
    expect(sceneSvg(prepareScene(mine), layoutScene(mine, 400, 340), [])).toContain('>Interpolation: something else</text>');
  });
});
