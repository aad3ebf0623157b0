// The page's start: the engine worker warms up before the first render; then the catalog, the
// stored session and the model the address (or the session) asks for.
import type { CatalogEntry } from '../protocol.ts';
import { DEFAULT_CH_NAMES, DEFAULT_TIMES, useApp, type AppState } from '../state/store.ts';
import { chNames, times } from '../state/selectors.ts';
import { pageOptions, viewFromQuery, viewToQuery } from '../url.ts';
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
  // The address's view (a shared link, a reload) wins over the stored session's.
  set(viewFromQuery(location.search, DEFAULT_CH_NAMES, DEFAULT_TIMES));
  keepViewInAddress();
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

const VIEW_FIELDS = ['selectedChannels', 'timeMask', 'cursor', 'topoMode', 'channelView', 'imageView', 'mapSource', 'topoMethod', 'colorScale'] as const;

/**
 * The view follows into the address (history.replaceState: no history entry per cursor move) once
 * it has been still for 250 ms and the page is idle: a write costs a few milliseconds, which a
 * drag, playback or the views' redraws would otherwise pay in the middle of their frames.
 */
function keepViewInAddress() {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const write = () => {
    timer = null;
    const s = get();
    const q = viewToQuery(location.search, s, chNames(s), times(s));
    if (q !== location.search) history.replaceState(history.state, '', location.pathname + q + location.hash);
  };
  write();
  useApp.subscribe((s: AppState, prev: AppState) => {
    if (!VIEW_FIELDS.some((k) => s[k] !== prev[k])) return;
    if (timer !== null) clearTimeout(timer);
    // and then when the page is idle: a change's frames come first
    timer = setTimeout(() => (typeof requestIdleCallback === 'function' ? requestIdleCallback(write, { timeout: 1000 }) : write()), 250);
  });
}
