// The page's start: the engine worker warms up before the first render; then the catalog, the
// stored session and the model the address (or the session) asks for.
import type { CatalogEntry } from '../protocol.ts';
import { useApp } from '../state/store.ts';
import { pageOptions } from '../url.ts';
import { wasmSetup } from '../wasm_paths.ts';
import { fetchCatalog, loadModel, storedCatalog } from './catalog.ts';
import { engine } from './engine.ts';
import { restoreSession } from './session.ts';

const { getState: get, setState: set } = useApp;

/**
 * Called before the first render: the engine worker starts on the backend and the backbone (the
 * same for every subject) while the page renders and the catalog loads.
 */
export function startEngine() {
  const { device } = pageOptions(location.search);
  if (device) set({ device });
  engine().prepare(get().device, wasmSetup());
}

export async function init() {
  const opts = pageOptions(location.search);
  if (opts.batchSize) set({ batchSize: opts.batchSize });
  let catalog: CatalogEntry[];
  try {
    catalog = await fetchCatalog();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    set({ catalogError: msg, status: { state: 'error', text: `No model catalog: ${msg}` } });
    return;
  }
  catalog = [...catalog, ...(await storedCatalog())];
  await restoreSession();
  // ?subject=3 or ?subject=demo picks a catalog entry; else the session's model; the demo subject is the default.
  const want = opts.subject;
  const pick =
    catalog.find((m) => want !== null && String(m.subject) === want) ??
    catalog.find((m) => want === null && m.path === get().modelPath) ??
    catalog.find((m) => m.subject === 'demo') ??
    catalog[0];
  set({ catalog, modelPath: pick.path });
  await loadModel();
}
