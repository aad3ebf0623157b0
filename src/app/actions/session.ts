// The playground session kept in browser storage: restored on start, started afresh ("New
// session"), exported as one .zip and imported from one.
import { decodesSettled } from '../decode_client.ts';
import { flushResponses, resetResponses, warmResponses } from '../responses.ts';
import { packSession, unpackSession } from '../session_zip.ts';
import { freshView, persistent, reserveImageId, reserveImageNumber, restoredImage, saveNow, session, sessionError, startSaving, stopSaving, viewPatch } from '../state/session_sync.ts';
import { useApp, type ImageItem } from '../state/store.ts';
import { errorText, missingImagesNote } from '../status_text.ts';
import { loadModel } from './catalog.ts';
import { encodeMissing } from './encoding.ts';
import { clearImages, decode, decodeInBackground, forgetStimulusList } from './images.ts';
import { reconcileChannels } from './selection.ts';

const { getState: get, setState: set } = useApp;

// Each restore, "New session" and import starts a new generation: a restore still reading stored
// images when the session is replaced stops there, and the stored files are removed only after it
// and every decode of them have finished.
let generation = 0;
let restoring: Promise<void> = Promise.resolve();

/** The stored files may go once nothing reads them: the restore, decodes, response reads. */
async function readsSettled() {
  await restoring;
  await decodesSettled();
  // the responses worker's storage writes land, and it forgets what it held
  await resetResponses();
}

/**
 * The stored session (gallery, conditions, metadata, view) comes back; resolves once its view
 * (and so its model) is set, while the gallery's files are still being looked up, so that the
 * model loads meanwhile. Images whose response key was stored are ready at once (encoding then
 * finds their responses in storage, reading none) and are decoded in the background for their
 * thumbnails; the others decode first, as new images.
 */
export function restoreSession(): Promise<void> {
  const gen = ++generation;
  let viewBack = () => {};
  const view = new Promise<void>((r) => (viewBack = r));
  restoring = restoreFrom(gen, viewBack).finally(viewBack);
  return view;
}

async function restoreFrom(gen: number, viewBack: () => void) {
  if (!persistent()) return;
  let stored = false;
  try {
    const st = await session.loadState();
    if (gen !== generation) return; // replaced meanwhile: it saves nothing either
    if (st) {
      stored = true;
      if (st.images.length) warmResponses();
      // ids given to images added from now on come after the stored ones
      for (const r of st.images) reserveImageId(r.id);
      reserveImageNumber(st.next_image_id);
      set(viewPatch(st.view));
      viewBack();
      // the files' handles, all at once (each is a lookup in storage; the bytes are read when decoded)
      const files = await Promise.all(st.images.map((r) => session.image(r.hash, r.type)));
      if (gen !== generation) return;
      const now = get();
      const items: ImageItem[] = [];
      let lost = 0;
      st.images.forEach((r, k) => {
        const file = files[k];
        if (!file) return void lost++;
        items.push(restoredImage(r, file, now));
      });
      // images added while the files were looked up come after the stored ones
      set({ images: [...items, ...get().images], ...(lost ? { intakeNote: missingImagesNote(lost) } : {}) });
      for (const it of items) if (it.status === 'decoding') void decode(it.id);
      // a model loaded meanwhile finds the ready ones' responses now
      encodeMissing();
      void decodeInBackground(
        items.filter((it) => it.status === 'ready').map((it) => it.id),
        () => gen === generation,
      );
    }
  } catch (e) {
    if (gen !== generation) return;
    set({ intakeNote: `The stored session could not be read: ${errorText(e)}` });
  }
  // the address's view (applied once the stored one was) may differ from the stored one: written too
  if (gen === generation) startSaving(sessionError, stored);
}

/** 'New session': no images, no conditions, all channels and time points; the stored session is removed. */
export async function newSession() {
  generation++;
  stopSaving();
  clearImages();
  forgetStimulusList();
  set({ ...freshView(), intakeNote: null, paused: false });
  reconcileChannels();
  if (!persistent()) return;
  const gen = generation;
  try {
    await readsSettled();
    await session.clear();
  } catch (e) {
    sessionError(e);
  }
  if (gen === generation) startSaving(sessionError);
}

/** The session as one .zip: stored images, state and every stored response (all subjects and backends). */
export async function exportSession(): Promise<Blob> {
  if (!persistent()) throw new Error('This browser has no origin-private file system: sessions cannot be saved or exported');
  await saveNow();
  await flushResponses();
  const parts: Uint8Array[] = [];
  await packSession(await session.files(), (c) => parts.push(c));
  return new Blob(parts as Uint8Array<ArrayBuffer>[], { type: 'application/zip' });
}

/** Opens an exported session in place of this one: the same images, conditions, view and responses. */
export async function importSession(archive: Blob) {
  if (!persistent()) throw new Error('This browser has no origin-private file system: sessions cannot be imported');
  generation++;
  stopSaving();
  clearImages();
  forgetStimulusList();
  const before = get().modelPath;
  try {
    await readsSettled();
    await session.clear();
    await unpackSession(archive, (path, data) => session.put(path, data));
  } catch (e) {
    await session.clear().catch(() => undefined);
    set({ ...freshView() });
    startSaving(sessionError);
    throw e;
  }
  set({ ...freshView() });
  await restoreSession();
  if (get().catalog.some((m) => m.path === get().modelPath) && get().modelPath !== before) return loadModel();
  set({ modelPath: before });
  reconcileChannels();
  encodeMissing();
}
