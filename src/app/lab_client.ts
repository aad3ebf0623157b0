// The main thread's side of the Lab: the manipulation worker (previews, sweeps), the record of
// which gallery images are derived stimuli (source, manipulation, value), and the actions that
// add a sweep's stimuli to the gallery through the usual add-images path.
import { create } from 'zustand';
import type { ChwImage, Manipulation } from '../lab/manipulations.ts';
import type { DerivedStimulus, SourceImage, SweepSpec } from '../lab/sweep.ts';
import { addFiles, setCondition } from './controller.ts';
import { decodeInWorker } from './decode_client.ts';
import { get as getApp, set as setApp, type ImageItem } from './store.ts';

export type LabRequest =
  | { type: 'preview'; reqId: number; image: ChwImage; chain: Manipulation[] }
  | { type: 'sweep'; reqId: number; sources: SourceImage[]; spec: SweepSpec };

export type LabReply =
  | { type: 'preview'; reqId: number; ok: true; image: ChwImage; ms: number }
  | { type: 'sweep'; reqId: number; ok: true; items: (DerivedStimulus & { png: Uint8Array })[]; ms: number; totalMs: number }
  | { type: 'preview' | 'sweep'; reqId: number; ok: false; message: string };

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, { resolve: (r: LabReply) => void; reject: (e: Error) => void }>();

function labWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./lab.worker.ts', import.meta.url), { type: 'module', name: 'lab' });
  worker.onmessage = (ev: MessageEvent<LabReply>) => {
    const p = pending.get(ev.data.reqId);
    if (!p) return;
    pending.delete(ev.data.reqId);
    if (ev.data.ok) p.resolve(ev.data);
    else p.reject(new Error(ev.data.message));
  };
  worker.onerror = (ev) => {
    for (const p of pending.values()) p.reject(new Error(ev.message || 'The Lab worker failed to start'));
    pending.clear();
  };
  return worker;
}

function call<T extends LabReply>(req: Omit<LabRequest, 'reqId'>): Promise<T> {
  const reqId = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(reqId, { resolve: resolve as (r: LabReply) => void, reject });
    labWorker().postMessage({ ...req, reqId });
  });
}

/** A manipulated copy of a square image; `ms` is the worker's compute time. */
export async function previewInWorker(image: ChwImage, chain: Manipulation[]): Promise<{ image: ChwImage; ms: number }> {
  const r = await call<Extract<LabReply, { type: 'preview'; ok: true }>>({ type: 'preview', image: { data: image.data.slice(), size: image.size }, chain } as LabRequest);
  return { image: r.image, ms: r.ms };
}

/**
 * The full square pixels of a gallery image, as the engine encodes them: the gallery keeps only a
 * 32 px summary, and encoding decodes the file again with the same decoder and mode (controller.ts).
 */
export async function encodedPixels(it: ImageItem): Promise<ChwImage> {
  if (it.status !== 'ready' || !it.squareMode) throw new Error(`${it.name} is not decoded yet`);
  const d = await decodeInWorker(it.file, it.squareMode);
  return d.square;
}

/** What the Lab knows about a derived gallery image. */
export interface DerivedInfo {
  sweepId: number;
  source: string;
  sourceId: string;
  manipulation: Manipulation;
  param: string;
  value: number;
  step: number;
}

export interface SweepRecord {
  id: number;
  spec: SweepSpec;
  sourceIds: string[];
  values: number[];
  /** worker time: manipulations, then manipulations + PNG encoding */
  ms: number;
  totalMs: number;
}

interface LabState {
  derived: Record<string, DerivedInfo>;
  sweeps: SweepRecord[];
}

export const useLab = create<LabState>(() => ({ derived: {}, sweeps: [] }));

let nextSweep = 1;

/**
 * Runs a sweep in the worker and adds its stimuli to the gallery (after the images already there),
 * each as a PNG file named after its source and value; optionally one condition per step.
 */
export async function runSweepToGallery(sources: SourceImage[], spec: SweepSpec, conditionPerStep: boolean): Promise<SweepRecord> {
  const r = await call<Extract<LabReply, { type: 'sweep'; ok: true }>>({ type: 'sweep', sources: sources.map((s) => ({ ...s, image: { data: s.image.data.slice(), size: s.image.size } })), spec } as LabRequest);
  const sweepId = nextSweep++;
  const files = r.items.map((d) => new File([d.png as Uint8Array<ArrayBuffer>], d.name, { type: 'image/png' }));
  const before = new Set(getApp().images.map((i) => i.id));
  await addFiles(files);
  // the intake appends the new images' placeholders in the order given
  const ids = getApp().images.filter((i) => !before.has(i.id)).map((i) => i.id);
  if (ids.length !== r.items.length) throw new Error(`expected ${r.items.length} new gallery images, found ${ids.length}`);
  const derived = { ...useLab.getState().derived };
  const conditions = new Set(getApp().conditions);
  ids.forEach((id, k) => {
    const d = r.items[k];
    derived[id] = { sweepId, source: d.sourceName, sourceId: d.sourceId, manipulation: d.manipulation, param: d.param, value: d.value, step: d.step };
    if (conditionPerStep) {
      const c = `${d.manipulation.kind} ${d.param}=${Number(d.value.toPrecision(6))}`;
      conditions.add(c);
      setCondition(id, c);
    }
  });
  if (conditionPerStep) setApp({ conditions: [...conditions] });
  const values = [...new Set(r.items.map((d) => d.value))];
  const rec: SweepRecord = { id: sweepId, spec, sourceIds: sources.map((s) => s.id), values, ms: r.ms, totalMs: r.totalMs };
  useLab.setState({ derived, sweeps: [...useLab.getState().sweeps, rec] });
  return rec;
}

/** Makes (or extends) a condition from gallery images, as the Conditions panel does. */
export function makeCondition(name: string, ids: string[]) {
  const n = name.trim();
  if (!n) throw new Error('a condition needs a name');
  const s = getApp();
  const conditions = s.conditions.includes(n) ? s.conditions : [...s.conditions, n];
  setApp({ conditions, diffA: s.diffA || conditions[0], diffB: s.diffB || (conditions.length > 1 ? conditions[1] : '') });
  for (const id of ids) setCondition(id, n);
}
