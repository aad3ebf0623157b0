// The model catalog (the server's models/index.json and the models imported into this browser)
// and loading the chosen one: subject, backend (device) and precision.
import type { Device, Precision } from '../../core/types.ts';
import { listStoredModels, OPFS_PREFIX } from '../../io/browser_store.ts';
import type { CatalogEntry } from '../protocol.ts';
import { useApp } from '../state/store.ts';
import { errorText } from '../status_text.ts';
import { wasmSetup } from '../wasm_paths.ts';
import { abandonRunningJob, encodeMissing } from './encoding.ts';
import { beginLoad, currentLoad, engine } from './engine.ts';
import { reconcileChannels } from './selection.ts';

const { getState: get, setState: set } = useApp;

export function modelsBase(): string {
  return new URL(`${import.meta.env.BASE_URL}models/`, location.href).href;
}

/** The server's catalog (models/index.json); throws with the reason when there is none. */
export async function fetchCatalog(): Promise<CatalogEntry[]> {
  const res = await fetch(modelsBase() + 'index.json');
  if (!res.ok) throw new Error(`models/index.json: HTTP ${res.status}`);
  const catalog = ((await res.json()) as { models: CatalogEntry[] }).models ?? [];
  if (!catalog.length) throw new Error('models/index.json lists no models');
  return catalog;
}

/** Models imported into this browser's storage, as catalog entries (none where OPFS is unavailable). */
export async function storedCatalog(): Promise<CatalogEntry[]> {
  try {
    return (await listStoredModels()).map((e) => ({ ...e, path: OPFS_PREFIX + e.path }));
  } catch {
    return [];
  }
}

/** Loads the selected catalog entry on the selected device; what was loading or encoding before is dropped. */
export async function loadModel() {
  const { catalog, modelPath, device } = get();
  const entry = catalog.find((m) => m.path === modelPath);
  if (!entry) return;
  const precision = entry.compact ? get().precision : 'exact';
  const seq = beginLoad();
  abandonRunningJob();
  set({ model: null, quality: null, qualityNote: undefined, status: { state: 'loading', text: `Loading ${entry.label ?? entry.path}…` } });
  try {
    const where = entry.storage === 'opfs' ? entry.path : new URL(entry.path, modelsBase()).href;
    const r = await engine().load(entry, where, device, precision, wasmSetup(), (stage, done, total) => {
      if (seq === currentLoad()) set({ status: { state: 'loading', text: `Loading model: ${stage}`, done, total } });
    });
    if (seq !== currentLoad()) return;
    set({ model: r.info, quality: r.quality, qualityNote: r.qualityNote, responsesVersion: get().responsesVersion + 1 });
    reconcileChannels();
    encodeMissing();
  } catch (e) {
    if (seq !== currentLoad()) return;
    set({ status: { state: 'error', text: `Model failed to load: ${errorText(e)}` } });
  }
}

/**
 * Re-reads the stored models into the catalog after an import or a removal, then selects
 * `select` (a new import) or, when the current model is gone, the demo subject.
 */
export async function refreshStoredModels(select?: string) {
  const catalog = [...get().catalog.filter((m) => m.storage !== 'opfs'), ...(await storedCatalog())];
  set({ catalog });
  if (select && catalog.some((m) => m.path === select)) selectModel(select);
  else if (!catalog.some((m) => m.path === get().modelPath) && catalog.length) {
    selectModel((catalog.find((m) => m.subject === 'demo') ?? catalog[0]).path);
  }
}

export function selectModel(path: string) {
  set({ modelPath: path });
  void loadModel();
}

export function setPrecision(precision: Precision) {
  set({ precision });
  void loadModel();
}

export function setDevice(device: Device) {
  set({ device });
  void loadModel();
}
