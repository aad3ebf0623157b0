// Scalp maps as a canvas figure: sensor tooltips and clicks, the field's value under the pointer;
// and the joint plot (maps above a butterfly with GFP), whose height follows its width.
import { useEffect, useMemo, useRef, useState } from 'react';
import { drawJoint, jointHeight, jointHit, jointSvg, layoutJoint, type JointLayout, type JointSpec } from '../../viz/joint.ts';
import { drawScene, hitTest, layoutScene, prepareScene, rasterizePanel, sceneNote, sceneSvg, type PanelBox, type PreparedScene, type SceneLayout, type TopomapScene } from '../../viz/topomap_render.ts';
import { CanvasPlot, type CanvasFigure } from './CanvasPlot.tsx';

function pngUrl(r: { w: number; h: number; rgba: Uint8ClampedArray<ArrayBuffer> }): string {
  const c = document.createElement('canvas');
  c.width = r.w;
  c.height = r.h;
  c.getContext('2d')!.putImageData(new ImageData(r.rgba, r.w, r.h), 0, 0);
  return c.toDataURL('image/png');
}

function panelImages(prep: PreparedScene, panels: PanelBox[]) {
  return panels.map((box, i) => {
    const r = rasterizePanel(prep, box, i, 2);
    return { href: pngUrl(r), x: r.x / 2, y: r.y / 2, w: r.w / 2, h: r.h / 2 };
  });
}

const heads = (panels: PanelBox[]) => panels.map((b) => `${b.cx.toFixed(2)},${b.cy.toFixed(2)},${b.k.toFixed(4)}`).join(';');

export function topomapCanvasFigure(scene: TopomapScene, onSensorClick?: (index: number) => void): CanvasFigure {
  // (the field and its contours are worked out at the first draw or hit: a figure far off screen is not drawn)
  let prepared: PreparedScene | null = null;
  const prep = () => (prepared ??= prepareScene(scene));
  let cached: SceneLayout | null = null;
  const layout = (w: number, h: number) => (cached && cached.width === w && cached.height === h ? cached : (cached = layoutScene(scene, w, h)));
  const name = (k: number) => scene.names?.[k] ?? scene.grid.sensors[k].name;
  return {
    label: [scene.title ?? 'Topomap', ...scene.panels.map((p) => p.title).filter(Boolean), sceneNote(scene)].filter(Boolean).join(' · '),
    draw: (ctx, w, h, dpr) => drawScene(ctx, prep(), layout(w, h), dpr),
    // Head centres and scales (CSS px, px per metre): where a sensor at (x, y) m is drawn.
    attrs: (w, h) => ({ heads: heads(layout(w, h).panels) }),
    svg: (w, h) => {
      const lay = layout(w, h);
      return sceneSvg(prep(), lay, panelImages(prep(), lay.panels));
    },
    hit: (x, y, w, h) => {
      const hit = hitTest(prep(), layout(w, h), x, y);
      if (!hit || (hit.sensor === null && !Number.isFinite(hit.value))) return null;
      const v = `${hit.value.toPrecision(3)} ${scene.unit}`;
      return hit.sensor !== null ? { text: `${name(hit.sensor)}: ${v}`, clickable: Boolean(onSensorClick) } : { text: v };
    },
    click: (x, y, w, h) => {
      const s = hitTest(prep(), layout(w, h), x, y)?.sensor;
      if (s != null) onSensorClick?.(s);
    },
  };
}

export interface TopomapViewProps {
  scene: TopomapScene;
  height: number;
  filename: string;
  onSensorClick?: (index: number) => void;
}

export function TopomapView({ scene, height, filename, onSensorClick }: TopomapViewProps) {
  // The click handler is a fresh closure each render; what it reads (the names) lives in the scene.
  const figure = useMemo(() => topomapCanvasFigure(scene, onSensorClick), [scene]);
  return <CanvasPlot figure={figure} height={height} filename={filename} className="topomap-view" data={{ panels: String(scene.panels.length), range: scene.range.map((v) => v.toPrecision(6)).join(','), method: scene.grid.method ?? 'v4' }} />;
}

export function jointCanvasFigure(spec: JointSpec, onSensorClick?: (k: number) => void, onTimeClick?: (i: number) => void): CanvasFigure {
  let cached: JointLayout | null = null;
  const layout = (w: number, h: number) => (cached && cached.width === w && cached.height === h ? cached : (cached = layoutJoint(spec, w, h)));
  const unitLong = spec.prep.unit;
  return {
    label: [spec.title, ...spec.prep.panels.map((p) => p.title), spec.note].filter(Boolean).join(' · '),
    draw: (ctx, w, h, dpr) => drawJoint(ctx, spec, layout(w, h), dpr),
    attrs: (w, h) => ({ heads: heads(layout(w, h).panels), times: spec.mapTimes.join(',') }),
    svg: (w, h) => {
      const lay = layout(w, h);
      return jointSvg(spec, lay, panelImages(spec.prep, lay.panels));
    },
    hit: (x, y, w, h) => {
      const hit = jointHit(spec, layout(w, h), x, y);
      if (!hit) return null;
      if (hit.kind === 'time') return { text: hit.text, clickable: Boolean(onTimeClick) };
      if (hit.sensor === null && !Number.isFinite(hit.value)) return null;
      const v = `${hit.value.toPrecision(3)} ${unitLong}`;
      return hit.sensor !== null ? { text: `${spec.names[hit.sensor]} · ${spec.mapTimes[hit.panel]} ms: ${v}`, clickable: Boolean(onSensorClick) } : { text: v };
    },
    click: (x, y, w, h) => {
      const hit = jointHit(spec, layout(w, h), x, y);
      if (hit?.kind === 'map' && hit.sensor != null) onSensorClick?.(hit.sensor);
      else if (hit?.kind === 'time') onTimeClick?.(hit.index);
    },
  };
}

export function JointView({ spec, filename, onSensorClick, onTimeClick }: { spec: JointSpec; filename: string; onSensorClick?: (k: number) => void; onTimeClick?: (i: number) => void }) {
  const wrap = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.floor(el.clientWidth)));
    ro.observe(el);
    setWidth(Math.floor(el.clientWidth));
    return () => ro.disconnect();
  }, []);
  const figure = useMemo(() => jointCanvasFigure(spec, onSensorClick, onTimeClick), [spec]);
  const height = jointHeight(spec.prep.panels.length, width || 800, spec.note);
  return (
    <div ref={wrap} className="joint-wrap">
      <CanvasPlot figure={figure} height={height} filename={filename} className="topomap-view joint-view" data={{ panels: String(spec.prep.panels.length), range: spec.prep.range.map((v) => v.toPrecision(6)).join(','), method: spec.prep.grid.method ?? 'v4' }} />
    </div>
  );
}
