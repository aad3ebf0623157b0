// The playground session kept in browser storage: restored on start, started afresh ("New
// session"), exported as one .zip and imported from one.
import type { SquareMode } from '../../io/image_square.ts';
import { packSession, unpackSession } from '../session_zip.ts';
import { freshView, persistent, saveNow, session, sessionError, startSaving, stopSaving, viewPatch } from '../state/session_sync.ts';
import { useApp, type ImageItem } from '../state/store.ts';
import { errorText, missingImagesNote } from '../status_text.ts';
import { loadModel } from './catalog.ts';
import { encodeMissing } from './encoding.ts';
import { clearImages, decode, forgetStimulusList, reserveImageId } from './images.ts';
import { reconcileChannels } from './selection.ts';

const { getState: get, setState: set } = useApp;

/** The stored session (gallery, conditions, metadata, view) comes back; its images decode for thumbnails, their responses come from storage when encoding asks. */
export async function restoreSession() {
  if (!persistent()) return;
  try {
    const st = await session.loadState();
    if (st) {
      const items: ImageItem[] = [];
      let lost = 0;
      for (const r of st.images) {
        const file = await session.image(r.hash, r.type);
        if (!file) {
          lost++;
          continue;
        }
        items.push({ id: r.id, name: r.name, path: r.path, hash: r.hash, file, status: 'decoding', condition: r.condition, meta: r.meta, mode: r.mode as SquareMode | undefined });
        reserveImageId(r.id);
      }
      set({ ...viewPatch(st.view), images: items, intakeNote: lost ? missingImagesNote(lost) : null });
      for (const it of items) void decode(it.id);
    }
  } catch (e) {
    set({ intakeNote: `The stored session could not be read: ${errorText(e)}` });
  }
  startSaving(sessionError);
}

/** 'New session': no images, no conditions, all channels and time points; the stored session is removed. */
export async function newSession() {
  stopSaving();
  clearImages();
  forgetStimulusList();
  set({ ...freshView(), intakeNote: null, paused: false });
  reconcileChannels();
  if (!persistent()) return;
  try {
    await session.clear();
  } catch (e) {
    sessionError(e);
  }
  startSaving(sessionError);
}

/** The session as one .zip: stored images, state and every stored response (all subjects and backends). */
export async function exportSession(): Promise<Blob> {
  if (!persistent()) throw new Error('This browser has no origin-private file system: sessions cannot be saved or exported');
  await saveNow();
  const parts: Uint8Array[] = [];
  await packSession(await session.files(), (c) => parts.push(c));
  return new Blob(parts as Uint8Array<ArrayBuffer>[], { type: 'application/zip' });
}

/** Opens an exported session in place of this one: the same images, conditions, view and responses. */
export async function importSession(archive: Blob) {
  if (!persistent()) throw new Error('This browser has no origin-private file system: sessions cannot be imported');
  stopSaving();
  clearImages();
  forgetStimulusList();
  const before = get().modelPath;
  try {
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
