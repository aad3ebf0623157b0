// The Lab's sweeps: a sweep runs in the Lab worker and its stimuli join the gallery through the
// usual add-images path, recorded as derived images (source, manipulation, value).
import type { SourceImage, SweepSpec } from '../../lab/sweep.ts';
import { sweepInWorker } from '../lab_client.ts';
import { useApp, type SweepRecord } from '../state/store.ts';
import { appendConditions, setCondition } from './conditions.ts';
import { addFiles } from './images.ts';

const { getState: get, setState: set } = useApp;

let nextSweep = 1;

/**
 * Runs a sweep in the worker and adds its stimuli to the gallery (after the images already there),
 * each as a PNG file named after its source and value; optionally one condition per step.
 */
export async function runSweepToGallery(sources: SourceImage[], spec: SweepSpec, conditionPerStep: boolean): Promise<SweepRecord> {
  const r = await sweepInWorker(sources, spec);
  const sweepId = nextSweep++;
  const files = r.items.map((d) => new File([d.png as Uint8Array<ArrayBuffer>], d.name, { type: 'image/png' }));
  const before = new Set(get().images.map((i) => i.id));
  await addFiles(files);
  // the intake appends the new images' placeholders in the order given
  const ids = get().images.filter((i) => !before.has(i.id)).map((i) => i.id);
  if (ids.length !== r.items.length) throw new Error(`expected ${r.items.length} new gallery images, found ${ids.length}`);
  const derived = { ...get().lab.derived };
  const conditions: string[] = [];
  ids.forEach((id, k) => {
    const d = r.items[k];
    derived[id] = { sweepId, source: d.sourceName, sourceId: d.sourceId, manipulation: d.manipulation, param: d.param, value: d.value, step: d.step };
    if (conditionPerStep) {
      const c = `${d.manipulation.kind} ${d.param}=${Number(d.value.toPrecision(6))}`;
      conditions.push(c);
      setCondition(id, c);
    }
  });
  if (conditionPerStep) appendConditions(conditions);
  const values = [...new Set(r.items.map((d) => d.value))];
  const rec: SweepRecord = { id: sweepId, spec, sourceIds: sources.map((s) => s.id), values, ms: r.ms, totalMs: r.totalMs };
  set({ lab: { derived, sweeps: [...get().lab.sweeps, rec] } });
  return rec;
}
