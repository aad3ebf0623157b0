// Scalp map of the sensors: click toggles, drag draws a box or a lasso; plus presets and a searchable list.
import { useMemo, useRef, useState } from 'react';
import { HEAD_RADIUS_M, presetChannels, REGION_PRESETS, sensorsFor, type Sensor } from '../../viz/channels.ts';
import { headOutline } from '../../viz/topomap.ts';
import { setChannels, toggleChannel } from '../actions/selection.ts';
import { chNames } from '../state/selectors.ts';
import { useApp } from '../state/store.ts';

const MM = 1000; // SVG user units: millimetres, y pointing down
const R = HEAD_RADIUS_M * MM;
// Tight box: ears reach ~103 mm, the nose ~109 mm.
const VIEW_X = 108;
const VIEW_TOP = 112;
const VIEW_BOTTOM = 100;

function pathOf(part: { x: number[]; y: number[] }): string {
  return part.x.map((x, i) => `${i ? 'L' : 'M'}${(x * MM).toFixed(2)},${(-part.y[i] * MM).toFixed(2)}`).join('');
}

/** Even-odd point-in-polygon test. */
function inPolygon(px: number, py: number, poly: [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * The sensor to move to from `from` with an arrow key: the nearest one whose direction lies within
 * 60 degrees of the key's (distance grows with the angle off axis); null at the edge.
 */
export function neighbourSensor(sensors: readonly Sensor[], from: number, key: 'ArrowUp' | 'ArrowDown' | 'ArrowLeft' | 'ArrowRight'): number | null {
  const [dx, dy] = { ArrowUp: [0, 1], ArrowDown: [0, -1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] }[key];
  const a = sensors[from];
  let best: number | null = null;
  let bestScore = Infinity;
  sensors.forEach((s, i) => {
    if (i === from) return;
    const vx = s.x - a.x;
    const vy = s.y - a.y;
    const d = Math.hypot(vx, vy);
    const along = (vx * dx + vy * dy) / d;
    if (!(d > 0) || along < 0.5) return;
    const score = d * (1 + 2 * (1 - along));
    if (score < bestScore) {
      bestScore = score;
      best = i;
    }
  });
  return best;
}

export function ChannelPicker() {
  const model = useApp((s) => s.model);
  const selected = useApp((s) => s.selectedChannels);
  const names = useMemo(() => chNames(), [model]);
  const sensors = useMemo(() => sensorsFor(names), [names]);
  const outline = useMemo(() => headOutline(HEAD_RADIUS_M), []);
  const sel = useMemo(() => new Set(selected), [selected]);
  const [tool, setTool] = useState<'box' | 'lasso'>('box');
  const [query, setQuery] = useState('');
  const [drag, setDrag] = useState<{ points: [number, number][]; op: 'replace' | 'add' | 'remove' } | null>(null);
  const svg = useRef<SVGSVGElement>(null);
  // The scalp is one Tab stop: the sensor last focused takes it; arrow keys move, Space toggles.
  const [focusIdx, setFocusIdx] = useState(() => Math.max(0, names.indexOf('Cz')));
  const moveFocus = (i: number) => {
    setFocusIdx(i);
    svg.current?.querySelector<SVGGElement>(`[data-channel="${CSS.escape(sensors[i].name)}"]`)?.focus();
  };

  function toSvg(e: React.PointerEvent): [number, number] {
    const el = svg.current!;
    const pt = el.createSVGPoint();
    pt.x = e.clientX;
    pt.y = e.clientY;
    const p = pt.matrixTransform(el.getScreenCTM()!.inverse());
    return [p.x, p.y];
  }

  function finish() {
    if (!drag) return;
    const pts = drag.points;
    setDrag(null);
    if (pts.length < 2) return;
    const [x0, y0] = pts[0];
    const [x1, y1] = pts[pts.length - 1];
    let hit: Sensor[];
    if (tool === 'box') {
      if (Math.abs(x1 - x0) < 2 && Math.abs(y1 - y0) < 2) return;
      const [ax, bx] = [Math.min(x0, x1), Math.max(x0, x1)];
      const [ay, by] = [Math.min(y0, y1), Math.max(y0, y1)];
      hit = sensors.filter((s) => s.x * MM >= ax && s.x * MM <= bx && -s.y * MM >= ay && -s.y * MM <= by);
    } else {
      if (pts.length < 3) return;
      hit = sensors.filter((s) => inPolygon(s.x * MM, -s.y * MM, pts));
    }
    const hitNames = hit.map((s) => s.name);
    if (drag.op === 'replace') setChannels(hitNames);
    else if (drag.op === 'add') setChannels([...selected, ...hitNames]);
    else {
      const h = new Set(hitNames);
      setChannels(selected.filter((n) => !h.has(n)));
    }
  }

  const q = query.trim().toLowerCase();
  const listed = q ? names.filter((n) => n.toLowerCase().includes(q)) : names;
  const box =
    drag && tool === 'box' && drag.points.length > 1
      ? (() => {
          const [x0, y0] = drag.points[0];
          const [x1, y1] = drag.points[drag.points.length - 1];
          return { x: Math.min(x0, x1), y: Math.min(y0, y1), w: Math.abs(x1 - x0), h: Math.abs(y1 - y0) };
        })()
      : null;

  return (
    <section className="panel channel-picker" data-testid="channel-picker" data-selected-count={selected.length} aria-label="Channels">
      <h2>
        Channels <span className="count">{selected.length} / {names.length}</span>
      </h2>
      <div className="row tools">
        <span className="seg" role="radiogroup" aria-label="Drag tool">
          <button type="button" className={tool === 'box' ? 'on' : ''} aria-pressed={tool === 'box'} onClick={() => setTool('box')}>
            Box
          </button>
          <button type="button" className={tool === 'lasso' ? 'on' : ''} aria-pressed={tool === 'lasso'} onClick={() => setTool('lasso')}>
            Lasso
          </button>
        </span>
        <span className="hint">drag on the head · Shift adds · Alt removes</span>
      </div>
      <svg
        ref={svg}
        className="scalp"
        viewBox={`${-VIEW_X} ${-VIEW_TOP} ${2 * VIEW_X} ${VIEW_TOP + VIEW_BOTTOM}`}
        role="group"
        aria-label="Scalp map of the sensors: arrow keys move between sensors, Space selects"
        onPointerDown={(e) => {
          if ((e.target as Element).closest('.sensor')) return;
          (e.currentTarget as Element).setPointerCapture(e.pointerId);
          setDrag({ points: [toSvg(e)], op: e.shiftKey ? 'add' : e.altKey ? 'remove' : 'replace' });
        }}
        onPointerMove={(e) => {
          if (drag) setDrag({ ...drag, points: [...drag.points, toSvg(e)] });
        }}
        onPointerUp={finish}
        onPointerCancel={() => setDrag(null)}
      >
        <circle cx={0} cy={0} r={R} className="head" />
        <path d={pathOf(outline.nose)} className="head" />
        <path d={pathOf(outline.leftEar)} className="head" />
        <path d={pathOf(outline.rightEar)} className="head" />
        {sensors.map((s, i) => {
          const on = sel.has(s.name);
          return (
            <g
              key={s.name}
              className={`sensor${on ? ' on' : ''}`}
              data-channel={s.name}
              transform={`translate(${(s.x * MM).toFixed(2)},${(-s.y * MM).toFixed(2)})`}
              onClick={() => {
                setFocusIdx(i);
                toggleChannel(s.name);
              }}
              onKeyDown={(e) => {
                if (e.key === ' ' || e.key === 'Enter') {
                  e.preventDefault();
                  toggleChannel(s.name);
                } else if (e.key === 'ArrowUp' || e.key === 'ArrowDown' || e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
                  e.preventDefault();
                  const j = neighbourSensor(sensors, i, e.key);
                  if (j !== null) moveFocus(j);
                } else if (e.key === 'Home' || e.key === 'End') {
                  e.preventDefault();
                  moveFocus(e.key === 'Home' ? 0 : sensors.length - 1);
                }
              }}
              onFocus={() => setFocusIdx(i)}
              tabIndex={i === focusIdx ? 0 : -1}
              role="checkbox"
              aria-checked={on}
              aria-label={s.name}
            >
              <title>{s.name}</title>
              <circle r={5.6} />
              <text y={1.9}>{s.name}</text>
            </g>
          );
        })}
        {box && <rect className="marquee" x={box.x} y={box.y} width={box.w} height={box.h} />}
        {drag && tool === 'lasso' && drag.points.length > 1 && <polygon className="marquee" points={drag.points.map((p) => p.join(',')).join(' ')} />}
      </svg>
      <div className="presets" aria-label="Presets">
        {REGION_PRESETS.map((p) => (
          <button key={p} type="button" className="small" data-preset={p} onClick={() => setChannels(presetChannels(p, names))}>
            {p}
          </button>
        ))}
      </div>
      <input type="search" className="search" placeholder="Search channels (e.g. O, P7, z)" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search channels" />
      <div className="row">
        <button type="button" className="small" onClick={() => setChannels([...selected, ...listed])} disabled={!q}>
          Select matches
        </button>
        <button type="button" className="small" onClick={() => setChannels(selected.filter((n) => !listed.includes(n)))} disabled={!q}>
          Deselect matches
        </button>
      </div>
      <ul className="channel-list">
        {listed.map((n) => (
          <li key={n}>
            <label>
              <input type="checkbox" checked={sel.has(n)} onChange={() => toggleChannel(n)} />
              {n}
            </label>
          </li>
        ))}
      </ul>
    </section>
  );
}
