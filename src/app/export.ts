// The .npy export and its JSON sidecar. The page streams it: the header, then image after image
// (writeExport), into a file in browser storage that is then downloaded, or straight into a folder
// the user picks; the array never sits in one buffer. buildExport assembles it in memory (tests).
// The sidecar is the CLI's (src/io/sidecar.ts): <stem>.npy downloads with <stem>.npy.json.
import { npyHeader, writeNpy } from '../io/npy.ts';
import { N_REPETITIONS, subjectSlug } from '../core/types.ts';
import { squareGeometry } from '../io/image_square.ts';
import { PIXEL_POLICY } from '../io/image_decode.ts';
import { buildSidecar, modelForSidecar, sidecarName, type Sidecar } from '../io/sidecar.ts';
import { channelIndices, maskIndices } from '../viz/stats.ts';
import { getResponse, modelTag, pixelKey } from './responses.ts';
import { subjectLabel, subjectMeanOn } from './state/subjects.ts';
import { chNames, times } from './state/selectors.ts';
import type { AppState, ImageItem } from './state/store.ts';

export interface ExportBundle {
  npy: Uint8Array;
  sidecar: Sidecar;
  stem: string;
  /** file names to download: `${stem}.npy` and its sidecar */
  npyName: string;
  sidecarName: string;
  /** [B, 4, C, T], or [S, B, 4, C, T] for a per-subject export */
  shape: [number, number, number, number] | [number, number, number, number, number];
}

/** With a subject mean shown: each subject's responses stacked ('per-subject') or their mean ('mean'). */
export type SubjectExport = 'per-subject' | 'mean';

/** Why an export is not possible now, or null. */
export function exportBlocker(s: AppState): string | null {
  if (!s.model) return 'No model loaded.';
  const ready = s.images.filter((i) => i.status !== 'error');
  if (!ready.length) return 'No images.';
  if (ready.some((i) => i.status === 'decoding')) return 'Images are still being decoded.';
  const n = collectItems(s).items.length;
  if (subjectMeanOn(s) && s.subjectPaths.some((p) => !s.subjectModels[p])) return 'Encode the images for every chosen subject first (Subjects).';
  if (n < ready.length) return `${ready.length - n} image(s) not encoded yet${subjectMeanOn(s) ? ' for every chosen subject' : ''}.`;
  if (!s.selectedChannels.length) return 'No channels selected.';
  if (!s.timeMask.some(Boolean)) return 'No time points selected.';
  return null;
}

export function buildExport(s: AppState, now = new Date(), subjects: SubjectExport = 'mean'): ExportBundle {
  const plan = planExport(s, now, subjects);
  const n = blockCount(plan.shape);
  const per = plan.shape.slice(-3).reduce((a, b) => a * b, 1);
  const data = new Float32Array(n * per);
  for (let i = 0; i < n; i++) data.set(plan.rows(i), i * per);
  return { npy: writeNpy(plan.shape, data), sidecar: plan.sidecar, stem: plan.stem, npyName: plan.npyName, sidecarName: plan.sidecarName, shape: plan.shape };
}

/** How many [4, C, T] blocks an export holds: B, or S × B per subject. */
function blockCount(shape: readonly number[]): number {
  return shape.length === 5 ? shape[0] * shape[1] : shape[0];
}

export interface ExportPlan extends Omit<ExportBundle, 'npy'> {
  items: ImageItem[];
  /** block i's rows, float32 [4, C, T] in C order: image i, or (per subject) subject ⌊i / B⌋'s image i mod B */
  rows(i: number): Float32Array;
}

/** What an export holds (shape, sidecar, names) and how to get each image's rows, without assembling the array. */
export function planExport(s: AppState, now = new Date(), subjects: SubjectExport = 'mean'): ExportPlan {
  const blocker = exportBlocker(s);
  if (blocker) throw new Error(blocker);
  const group = subjectMeanOn(s) ? s.subjectPaths.map((p) => s.subjectModels[p]) : null;
  const model = s.model!;
  const enc = collectItems(s);
  const names = chNames(s);
  const ch = channelIndices(names, s.selectedChannels);
  const t = maskIndices(s.timeMask);
  const B = enc.dims.B;
  const block: [number, number, number, number] = [B, N_REPETITIONS, ch.length, t.length];
  const tags = (group ?? [model]).map(modelTag);
  const C = names.length;
  const T = times(s).length;
  const response = (tag: string, it: ImageItem) => {
    const r = getResponse(tag, pixelKey(it.id, it.squareMode!));
    if (!r) throw new Error(`${it.name}: no response (removed or re-encoding)`);
    return r;
  };
  // one subject's image, or the mean over the subjects (float64 sums, as analysis/subjects.ts)
  const rows = (i: number) => {
    const perSubject = group && subjects === 'per-subject';
    const it = enc.items[perSubject ? i % B : i];
    const rs = perSubject ? [response(tags[Math.floor(i / B)], it)] : tags.map((tag) => response(tag, it));
    const out = new Float32Array(N_REPETITIONS * ch.length * t.length);
    let o = 0;
    for (let rep = 0; rep < N_REPETITIONS; rep++)
      for (const c of ch) {
        const base = (rep * C + c) * T;
        for (const k of t) {
          let v = 0;
          for (const r of rs) v += r[base + k];
          out[o++] = v / rs.length;
        }
      }
    return out;
  };
  const shape: ExportBundle['shape'] = group && subjects === 'per-subject' ? [group.length, ...block] : block;
  const subj = group ? (subjects === 'per-subject' ? `subjects-${group.length}` : `mean-of-${group.length}-subjects`) : subjectSlug(model.subject);
  const stamp = now.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
  const stem = `insilico-eeg_${subj}_${shape.join('x')}_${stamp}`;
  const npyName = `${stem}.npy`;
  const allTimes = times(s);
  const exportedCh = Array.from(ch, (i) => names[i]);
  const sidecar = buildSidecar({
    file: npyName,
    model: modelForSidecar(model, model.generator ?? null),
    ...(group
      ? {
          subjects: {
            reduction: subjects === 'per-subject' ? ('none' as const) : ('mean' as const),
            models: group.map((m) => modelForSidecar(m, m.generator ?? null)),
            labels: s.subjectPaths.map((p) => subjectLabel(s.catalog, p)),
          },
        }
      : {}),
    shape: block,
    ch_names: exportedCh,
    times: Array.from(t, (i) => allTimes[i]),
    // The page's channel selection is a set shown in montage order: the list that reproduces
    // these rows with the CLI's --channels.
    selection: { channels: exportedCh, timepoints: s.timeMask.map((v) => (v ? '1' : '0')).join('') },
    images: enc.items.map((it) => {
      const mode = it.squareMode!;
      const square = it.width === it.height;
      return {
        name: it.name,
        width: it.width!,
        height: it.height!,
        cropped: !square && mode === 'crop',
        square_mode: square ? 'none' : mode,
        square_size: squareGeometry(it.width!, it.height!, mode).size,
        exif_orientation: it.exifOrientation ?? null,
        orientation_applied: it.orientationApplied ?? false,
        ...(it.condition ? { condition: it.condition } : {}),
      };
    }),
    input: { source: 'playground gallery (images added in the browser)', total: enc.dims.B, range: [0, enc.dims.B] },
    shard: null,
    // the page decodes with the CLI's decoder (decode.ts), under the image panel's EXIF switch
    pixels: { policy: PIXEL_POLICY, exif_orientation: s.exifOrientation },
    created: now,
  });
  return { items: enc.items, rows, sidecar, stem, npyName, sidecarName: sidecarName(npyName), shape };
}

/** The encoded images in gallery order (with a subject mean: encoded for every chosen subject), without stacking their responses. */
function collectItems(s: AppState) {
  const models = subjectMeanOn(s) ? s.subjectPaths.map((p) => s.subjectModels[p]) : [s.model!];
  const tags = models.every(Boolean) ? models.map(modelTag) : [];
  const items = tags.length ? s.images.filter((it) => it.status === 'ready' && it.squareMode && tags.every((tag) => getResponse(tag, pixelKey(it.id, it.squareMode!)))) : [];
  return { items, dims: { B: items.length } };
}

/** The .npy, header then one image at a time, into `sink`; `progress` after each image. */
export async function writeExport(plan: ExportPlan, sink: (chunk: Uint8Array) => Promise<unknown> | unknown, progress?: (done: number, total: number) => void) {
  await sink(npyHeader(plan.shape, '<f4'));
  const B = blockCount(plan.shape);
  for (let b = 0; b < B; b++) {
    const r = plan.rows(b);
    await sink(new Uint8Array(r.buffer, r.byteOffset, r.byteLength));
    progress?.(b + 1, B);
  }
}

const EXPORTS_DIR = 'exports';

/**
 * Streams the export into <OPFS>/exports/<name> (earlier exports there are removed first) and
 * returns that file: disk-backed, so downloading it copies no array into memory.
 */
export async function exportToStorage(plan: ExportPlan, progress?: (done: number, total: number) => void): Promise<File> {
  const root = await navigator.storage.getDirectory();
  const dir = await root.getDirectoryHandle(EXPORTS_DIR, { create: true });
  const old: string[] = [];
  for await (const k of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) old.push(k);
  for (const k of old) await dir.removeEntry(k).catch(() => undefined);
  const h = await dir.getFileHandle(plan.npyName, { create: true });
  const w = await h.createWritable();
  try {
    await writeExport(plan, (c) => w.write(c as Uint8Array<ArrayBuffer>), progress);
    await w.close();
  } catch (e) {
    await w.abort().catch(() => undefined);
    throw e;
  }
  return h.getFile();
}

/** Where browser storage is missing: the chunks become one Blob (the browser keeps its parts, not one array). */
export async function exportToBlob(plan: ExportPlan): Promise<Blob> {
  const parts: Uint8Array[] = [];
  await writeExport(plan, (c) => parts.push(c.slice()));
  return new Blob(parts as Uint8Array<ArrayBuffer>[], { type: 'application/octet-stream' });
}

/** Writes the .npy and its sidecar straight into a folder on disk (File System Access API). */
export async function exportToFolder(plan: ExportPlan, dir: FileSystemDirectoryHandle, progress?: (done: number, total: number) => void) {
  const write = async (name: string, f: (w: FileSystemWritableFileStream) => Promise<void>) => {
    const w = await (await dir.getFileHandle(name, { create: true })).createWritable();
    try {
      await f(w);
      await w.close();
    } catch (e) {
      await w.abort().catch(() => undefined);
      throw e;
    }
  };
  await write(plan.npyName, (w) => writeExport(plan, (c) => w.write(c as Uint8Array<ArrayBuffer>), progress));
  await write(plan.sidecarName, (w) => w.write(JSON.stringify(plan.sidecar, null, 2)));
}

export function download(name: string, blob: Blob) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
