// What the page's address can ask for: ?backend=wasm (the engine's device), ?batch=16 (images per
// engine batch), ?subject=3 or ?subject=demo (the catalog entry to load).
import type { Device } from '../core/types.ts';

const DEVICES: Device[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

export interface PageOptions {
  device?: Device;
  batchSize?: number;
  /** the subject asked for, as written (a number or 'demo'); null when none */
  subject: string | null;
}

/** The options in a query string (location.search); unknown or malformed values are left out. */
export function pageOptions(search: string): PageOptions {
  const q = new URLSearchParams(search);
  const dev = q.get('backend') as Device | null;
  const bs = Number(q.get('batch'));
  return {
    device: dev && DEVICES.includes(dev) ? dev : undefined,
    batchSize: Number.isInteger(bs) && bs > 0 ? bs : undefined,
    subject: q.get('subject'),
  };
}
