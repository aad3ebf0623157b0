// Scalp maps as a canvas figure: sensor tooltips and clicks, the field's value under the pointer.
import { useMemo } from 'react';
import { drawScene, hitTest, layoutScene, prepareScene, rasterizePanel, sceneSvg, type SceneLayout, type TopomapScene } from '../../viz/topomap_render.ts';
import { CanvasPlot, type CanvasFigure } from './CanvasPlot.tsx';

function pngUrl(r: { w: number; h: number; rgba: Uint8ClampedArray<ArrayBuffer> }): string {
  const c = document.createElement('canvas');
  c.width = r.w;
  c.height = r.h;
  c.getContext('2d')!.putImageData(new ImageData(r.rgba, r.w, r.h), 0, 0);
  return c.toDataURL('image/png');
}

export function topomapCanvasFigure(scene: TopomapScene, onSensorClick?: (index: number) => void): CanvasFigure {
  const prep = prepareScene(scene);
  let cached: SceneLayout | null = null;
  const layout = (w: number, h: number) => (cached && cached.width === w && cached.height === h ? cached : (cached = layoutScene(scene, w, h)));
  const name = (k: number) => scene.names?.[k] ?? scene.grid.sensors[k].name;
  return {
    label: [scene.title ?? 'Topomap', ...scene.panels.map((p) => p.title).filter(Boolean)].join(' · '),
    draw: (ctx, w, h, dpr) => drawScene(ctx, prep, layout(w, h), dpr),
    // Head centres and scales (CSS px, px per metre): where a sensor at (x, y) m is drawn.
    attrs: (w, h) => ({ heads: layout(w, h).panels.map((b) => `${b.cx.toFixed(2)},${b.cy.toFixed(2)},${b.k.toFixed(4)}`).join(';') }),
    svg: (w, h) => {
      const lay = layout(w, h);
      const images = lay.panels.map((box, i) => {
        const r = rasterizePanel(prep, box, i, 2);
        return { href: pngUrl(r), x: r.x / 2, y: r.y / 2, w: r.w / 2, h: r.h / 2 };
      });
      return sceneSvg(prep, lay, images);
    },
    hit: (x, y, w, h) => {
      const hit = hitTest(prep, layout(w, h), x, y);
      if (!hit || (hit.sensor === null && !Number.isFinite(hit.value))) return null;
      const v = `${hit.value.toPrecision(3)} ${scene.unit}`;
      return hit.sensor !== null ? { text: `${name(hit.sensor)}: ${v}`, clickable: Boolean(onSensorClick) } : { text: v };
    },
    click: (x, y, w, h) => {
      const s = hitTest(prep, layout(w, h), x, y)?.sensor;
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
  return <CanvasPlot figure={figure} height={height} filename={filename} className="topomap-view" data={{ panels: String(scene.panels.length), range: scene.range.map((v) => v.toPrecision(6)).join(',') }} />;
}
