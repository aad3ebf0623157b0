// Component measures as a CSV table: one row per image, with its name, condition, source and
// manipulation, then mean amplitude, peak amplitude and peak latency of each component, then
// the image's metadata columns.
import type { ComponentPreset, ComponentResult } from './measures.ts';

export interface TableRow {
  index: number;
  name: string;
  condition?: string;
  source?: string;
  manipulation?: string;
  param?: string;
  value?: number;
  /** the image's metadata (e.g. a stimulus list's columns): one CSV column per key */
  meta?: Record<string, string>;
  results: ComponentResult[];
}

/** RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. */
export function csvField(v: string | number | undefined | null): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function measuresCsv(rows: readonly TableRow[], components: readonly Pick<ComponentPreset, 'id' | 'channels' | 'tmin' | 'tmax' | 'polarity'>[], meta: { model: string; subject: string; synthetic: boolean }): string {
  // plain CSV (no comment lines): the model and each component's definition travel in the cells and headers
  const head = ['index', 'image', 'condition', 'source', 'manipulation', 'parameter', 'value', 'model', 'subject', 'synthetic'];
  for (const c of components) {
    const def = `${c.id} ${c.channels.join('/')} ${Math.round(c.tmin * 1000)}-${Math.round(c.tmax * 1000)} ms`;
    head.push(`${def} mean (a.u.)`, `${def} ${c.polarity} peak (a.u.)`, `${def} ${c.polarity} peak latency (ms)`);
  }
  const metaKeys = [...new Set(rows.flatMap((r) => Object.keys(r.meta ?? {})))];
  head.push(...metaKeys.map((k) => `meta: ${k}`));
  const lines = [head.map(csvField).join(',')];
  for (const r of rows) {
    const f: (string | number | undefined)[] = [r.index + 1, r.name, r.condition, r.source, r.manipulation, r.param, r.value, meta.model, meta.subject, String(meta.synthetic)];
    for (const x of r.results) f.push(x.mean, x.peakAmplitude, Math.round(x.peakLatency * 1e6) / 1e3);
    for (const k of metaKeys) f.push(r.meta?.[k]);
    lines.push(f.map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}
