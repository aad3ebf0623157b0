// Subject means: choosing the subjects, and encoding the gallery for each of them. The engine
// worker holds one subject at a time, so each chosen subject is loaded in turn and its missing
// images encoded (responses already cached or stored for it are reused), then the subject that
// was loaded before comes back. Each subject's loaded model is kept (subjectModels) so that its
// cached responses can be found under its model tag.
import type { LoadedModelInfo } from '../protocol.ts';
import { useApp, type AppState, type SubjectSpreadKind } from '../state/store.ts';
import { errorText } from '../status_text.ts';
import { selectModel } from './catalog.ts';
import { encodeMissing } from './encoding.ts';

const { getState: get, setState: set } = useApp;

export function setSubjectPaths(paths: string[]) {
  const known = new Set(get().catalog.map((m) => m.path));
  set({ subjectPaths: [...new Set(paths)].filter((p) => known.has(p)) });
}

export function toggleSubject(path: string, on: boolean) {
  const cur = get().subjectPaths;
  setSubjectPaths(on ? [...cur, path] : cur.filter((p) => p !== path));
}

export function setSubjectView(view: 'one' | 'mean') {
  set({ subjectView: view });
}

export function setSubjectSpread(kind: SubjectSpreadKind) {
  set({ subjectSpread: kind });
}

/** Resolves once `path` is loaded and its encoding has settled; rejects on an error or when another model is chosen meanwhile. */
function settled(path: string): Promise<LoadedModelInfo> {
  return new Promise((resolve, reject) => {
    const check = (s: AppState) => {
      if (s.modelPath !== path) return fail(new Error('another model was chosen while the subjects were encoding'));
      if (s.status.state === 'error') return fail(new Error(s.status.text));
      if (s.model && (s.status.state === 'done' || s.status.state === 'idle')) {
        stop();
        resolve(s.model);
      }
    };
    const fail = (e: Error) => {
      stop();
      reject(e);
    };
    const stop = useApp.subscribe(check);
    check(get());
  });
}

let running = false;

/**
 * Encodes the gallery for every chosen subject (one after the other) and returns to the subject
 * loaded before. Progress and failures go to subjectsRun.
 */
export async function encodeForSubjects() {
  if (running) return;
  const s = get();
  const paths = s.subjectPaths;
  if (paths.length < 2) return;
  running = true;
  const back = s.modelPath;
  // the loaded subject last, so the page ends where it was without loading it twice
  const order = [...paths.filter((p) => p !== back), ...paths.filter((p) => p === back)];
  try {
    set({ paused: false });
    for (let k = 0; k < order.length; k++) {
      const path = order[k];
      const label = get().catalog.find((m) => m.path === path)?.label ?? path;
      set({ subjectsRun: { state: 'running', text: `Subject ${k + 1} of ${order.length}: ${label}` } });
      if (get().modelPath !== path || !get().model) selectModel(path);
      else encodeMissing();
      const model = await settled(path);
      set({ subjectModels: { ...get().subjectModels, [path]: model } });
    }
    if (back && get().modelPath !== back) {
      selectModel(back);
      await settled(back);
    }
    set({ subjectsRun: { state: 'idle', text: `Encoded for ${order.length} subjects.` }, subjectView: 'mean' });
  } catch (e) {
    set({ subjectsRun: { state: 'error', text: `Subject mean stopped: ${errorText(e)}` } });
  } finally {
    running = false;
  }
}
