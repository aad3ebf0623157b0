// The .npy exports and their JSON sidecars: the responses [B, 4, C, T], each image's repetition
// mean [B, C, T], and each condition's mean over its images [K, 4, C, T], all with the same channel
// and time selection. The page streams them: the header, then image after image (writeExport),
// into a file in browser storage that is then downloaded, or straight into a folder the user picks;
// no array of all images ever sits in one buffer (a condition mean holds K running sums).
// buildExport assembles one in memory (tests). The sidecar is the CLI's (src/io/sidecar.ts), with
// a `reduction` for the averages: <stem>.npy downloads with <stem>.npy.json. With a subject mean
// shown, each of them holds the subjects' mean, or the responses hold each subject [S, B, 4, C, T].
import { npyHeader, writeNpy } from '../io/npy.ts';
import { N_REPETITIONS, subjectSlug } from '../core/types.ts';
import { squareGeometry } from '../io/image_square.ts';
import { PIXEL_POLICY } from '../io/image_decode.ts';
import { buildSidecar, modelForSidecar, reducedSidecar, sidecarName, type ReducedSidecar, type ReductionKind, type Sidecar } from '../io/sidecar.ts';
import { channelIndices, maskIndices } from '../viz/stats.ts';
import { gatherResponses, hasResponse, itemKey, modelTag, pixelKey } from './responses.ts';
import { subjectLabel, subjectMeanOn } from './state/subjects.ts';
import { chNames, times } from './state/selectors.ts';
import type { AppState, ImageItem } from './state/store.ts';

/** What an export holds: the responses, each image's repetition mean, or each condition's mean. */
export type ExportKind = 'responses' | ReductionKind;

export interface ExportBundle {
  npy: Uint8Array;
  sidecar: Sidecar | ReducedSidecar;
  stem: string;
  /** file names to download: `${stem}.npy` and its sidecar */
  npyName: string;
  sidecarName: string;
  /** the array's shape: [B, 4, C, T] responses, [S, B, 4, C, T] per subject, or a reduction's */
  shape: number[];
}

/** With a subject mean shown: each subject's responses stacked ('per-subject') or their mean ('mean'). */
export type SubjectExport = 'per-subject' | 'mean';

/** Why an export is not possible now, or null. */
export function exportBlocker(s: AppState, kind: ExportKind = 'responses', subjects: SubjectExport = 'mean'): string | null {
  return exportBlockers(s, subjects)[kind];
}

/** exportBlocker of each kind, the images looked up once for all. */
export function exportBlockers(s: AppState, subjects: SubjectExport = 'mean'): Record<ExportKind, string | null> {
  const all = (why: string | null): Record<ExportKind, string | null> => ({ responses: why, repetition_mean: why, condition_mean: why });
  if (!s.model) return all('No model loaded.');
  const ready = s.images.filter((i) => i.status !== 'error');
  if (!ready.length) return all('No images.');
  if (ready.some((i) => i.status === 'decoding')) return all('Images are still being decoded.');
  const enc = collectItems(s);
  const group = subjectMeanOn(s);
  if (group && s.subjectPaths.some((p) => !s.subjectModels[p])) return all('Encode the images for every chosen subject first (Subjects).');
  if (enc.items.length < ready.length) return all(`${ready.length - enc.items.length} image(s) not encoded yet${group ? ' for every chosen subject' : ''}.`);
  if (!s.selectedChannels.length) return all('No channels selected.');
  if (!s.timeMask.some(Boolean)) return all('No time points selected.');
  const reduced = group && subjects === 'per-subject' ? 'A repetition or condition mean holds the subject mean, not each subject: choose the subjects\u2019 mean.' : null;
  return { responses: null, repetition_mean: reduced, condition_mean: enc.items.some((it) => it.condition) ? reduced : 'No image has a condition.' };
}

/** The export assembled in memory (tests; the page streams it with writeExport). */
export async function buildExport(s: AppState, now = new Date(), kind: ExportKind = 'responses', subjects: SubjectExport = 'mean'): Promise<ExportBundle> {
  const plan = planExport(s, now, kind, subjects);
  const parts: Uint8Array[] = [];
  await writeExport(plan, (c) => parts.push(c.slice()));
  const npy = new Uint8Array(parts.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of parts) {
    npy.set(c, o);
    o += c.length;
  }
  return { npy, sidecar: plan.sidecar, stem: plan.stem, npyName: plan.npyName, sidecarName: plan.sidecarName, shape: plan.shape };
}

export interface ExportPlan extends Omit<ExportBundle, 'npy'> {
  kind: ExportKind;
  /** the images that go in, gallery order */
  items: ImageItem[];
  /**
   * block i's rows, float32 [4, C, T] in C order: image i (i indexes items; with a subject mean,
   * the subjects' mean of it), or, per subject, subject ⌊i / B⌋'s image i mod B
   */
  rows(i: number): Promise<Float32Array>;
  /** condition_mean: each output row's images (indices into items), in row order */
  groups: number[][];
}

const STEM_PART: Record<ExportKind, string> = { responses: '', repetition_mean: 'repetition-mean_', condition_mean: 'condition-mean_' };

/** What an export holds (shape, sidecar, names) and how to get each image's rows, without assembling the array. */
export function planExport(s: AppState, now = new Date(), kind: ExportKind = 'responses', subjects: SubjectExport = 'mean'): ExportPlan {
  const blocker = exportBlocker(s, kind, subjects);
  if (blocker) throw new Error(blocker);
  const group = subjectMeanOn(s) ? s.subjectPaths.map((p) => s.subjectModels[p]) : null;
  const perSubject = Boolean(group) && subjects === 'per-subject';
  const model = s.model!;
  const all = collectItems(s).items;
  // A condition mean averages the images that have a condition; its rows follow the condition
  // list (the conditions panel's order), then any other label in gallery order.
  const items = kind === 'condition_mean' ? all.filter((it) => it.condition) : all;
  const condNames = kind === 'condition_mean' ? [...new Set([...s.conditions, ...items.map((it) => it.condition!)])].filter((c) => items.some((it) => it.condition === c)) : [];
  const groups = condNames.map((c) => items.flatMap((it, b) => (it.condition === c ? [b] : [])));
  const names = chNames(s);
  const ch = channelIndices(names, s.selectedChannels);
  const t = maskIndices(s.timeMask);
  const full: [number, number, number, number] = [items.length, N_REPETITIONS, ch.length, t.length];
  const tags = (group ?? [model]).map(modelTag);
  const C = names.length;
  const T = times(s).length;
  const B = items.length;
  // one image's rows from the responses worker, for one subject's model
  const response = (tag: string, it: ImageItem) =>
    gatherResponses(tag, [pixelKey(it.id, it.squareMode!)]).catch(() => {
      throw new Error(`${it.name}: no response (removed or re-encoding)`);
    });
  // one subject's image, or the mean over the subjects (float64 sums, as analysis/subjects.ts)
  const rows = async (i: number) => {
    const it = items[perSubject ? i % B : i];
    const rs = await Promise.all(perSubject ? [response(tags[Math.floor(i / B)], it)] : tags.map((tag) => response(tag, it)));
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
  const shape = perSubject ? [group!.length, ...full] : kind === 'responses' ? full : kind === 'repetition_mean' ? [full[0], full[2], full[3]] : [groups.length, ...full.slice(1)];
  const subj = group ? (perSubject ? `subjects-${group.length}` : `mean-of-${group.length}-subjects`) : subjectSlug(model.subject);
  const stamp = now.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
  const stem = `insilico-eeg_${subj}_${STEM_PART[kind]}${shape.join('x')}_${stamp}`;
  const npyName = `${stem}.npy`;
  const allTimes = times(s);
  const exportedCh = Array.from(ch, (i) => names[i]);
  const sidecar = buildSidecar({
    file: npyName,
    model: modelForSidecar(model, model.generator ?? null),
    ...(group
      ? {
          subjects: {
            reduction: perSubject ? ('none' as const) : ('mean' as const),
            models: group.map((m) => modelForSidecar(m, m.generator ?? null)),
            labels: s.subjectPaths.map((p) => subjectLabel(s.catalog, p)),
          },
        }
      : {}),
    shape: full,
    ch_names: exportedCh,
    times: Array.from(t, (i) => allTimes[i]),
    // The page's channel selection is a set shown in montage order: the list that reproduces
    // these rows with the CLI's --channels.
    selection: { channels: exportedCh, timepoints: s.timeMask.map((v) => (v ? '1' : '0')).join('') },
    images: items.map((it) => {
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
    input: { source: 'playground gallery (images added in the browser)', total: items.length, range: [0, items.length] },
    shard: null,
    // the page decodes with the CLI's decoder (decode.ts), under the image panel's EXIF switch
    pixels: { policy: PIXEL_POLICY, exif_orientation: s.exifOrientation },
    created: now,
  });
  const described =
    kind === 'responses'
      ? sidecar
      : reducedSidecar(
          sidecar,
          npyName,
          kind,
          condNames.map((name, k) => ({ name, n_images: groups[k].length })),
        );
  return { kind, items, rows, groups, sidecar: described, stem, npyName, sidecarName: sidecarName(npyName), shape };
}

/** The encoded images in gallery order (with a subject mean: encoded for every chosen subject), without stacking their responses. */
function collectItems(s: AppState) {
  const models = subjectMeanOn(s) ? s.subjectPaths.map((p) => s.subjectModels[p]) : [s.model!];
  const tags = models.every(Boolean) ? models.map(modelTag) : [];
  const items = tags.length ? s.images.filter((it) => it.status === 'ready' && it.squareMode && tags.every((tag) => hasResponse(tag, itemKey(it)))) : [];
  return { items, dims: { B: items.length } };
}

/**
 * The .npy, header then rows, into `sink`; `progress` after each image. Responses: each image's
 * [4, C, T]; repetition mean: each image's [C, T]; condition mean: each condition's [4, C, T],
 * written once all its images are summed. The sums are float32, added in image order and divided
 * by the count: numpy's x.mean(axis=...) of the full export, to the bit. The bytes reach `sink`
 * in chunks of `chunkBytes` (the last one shorter): a write into a browser file is a round trip
 * to the browser, and one per image made the export of thousands of images take minutes.
 */
export async function writeExport(plan: ExportPlan, sink: (chunk: Uint8Array) => Promise<unknown> | unknown, progress?: (done: number, total: number) => void, chunkBytes = EXPORT_CHUNK_BYTES) {
  const header = npyHeader(plan.shape, '<f4');
  const out = gathered(sink, Math.min(chunkBytes, header.length + 4 * plan.shape.reduce((a, b) => a * b, 1)));
  await out.put(header);
  const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const B = plan.items.length;
  if (plan.kind === 'condition_mean') {
    const next = readAhead(plan.rows, plan.groups.flat());
    let done = 0;
    for (const idx of plan.groups) {
      let sum: Float32Array | null = null;
      for (let j = 0; j < idx.length; j++) {
        const r = await next();
        if (!sum) sum = r;
        else for (let i = 0; i < r.length; i++) sum[i] += r[i];
        progress?.(++done, B);
      }
      for (let i = 0; i < sum!.length; i++) sum![i] /= idx.length;
      await out.put(bytes(sum!));
    }
    return out.end();
  }
  // responses per subject: S × B blocks, subject after subject
  const blocks = plan.shape.length === 5 ? plan.shape[0] * B : B;
  const next = readAhead(plan.rows, Array.from({ length: blocks }, (_, b) => b));
  for (let b = 0; b < blocks; b++) {
    const r = await next();
    if (plan.kind === 'repetition_mean') {
      const n = r.length / N_REPETITIONS;
      const m = r.slice(0, n);
      for (let rep = 1; rep < N_REPETITIONS; rep++) for (let i = 0; i < n; i++) m[i] += r[rep * n + i];
      for (let i = 0; i < n; i++) m[i] /= N_REPETITIONS;
      await out.put(bytes(m));
    } else await out.put(bytes(r));
    progress?.(b + 1, blocks);
  }
  return out.end();
}

/** The size of the export's writes (see writeExport). */
export const EXPORT_CHUNK_BYTES = 8 << 20;
/** Rows asked for ahead of the one being written: the responses worker reads while the page writes. */
const READ_AHEAD = 4;

/** `rows` of the blocks in `order`, each call the next one, asked for up to READ_AHEAD ahead. */
function readAhead(rows: (i: number) => Promise<Float32Array>, order: number[]): () => Promise<Float32Array> {
  const asked: Promise<Float32Array>[] = [];
  let k = 0;
  return () => {
    while (asked.length <= READ_AHEAD && k < order.length) {
      const p = rows(order[k++]);
      p.catch(() => undefined); // (a row asked ahead of an export that stops with an earlier error)
      asked.push(p);
    }
    return asked.shift()!;
  };
}

/** Bytes put in order, passed on to `sink` in chunks of `size` (a fresh array each: a sink may keep it). */
function gathered(sink: (chunk: Uint8Array) => Promise<unknown> | unknown, size: number) {
  let buf = new Uint8Array(size);
  let n = 0;
  return {
    async put(c: Uint8Array) {
      for (let o = 0; o < c.length; ) {
        const k = Math.min(size - n, c.length - o);
        buf.set(c.subarray(o, o + k), n);
        n += k;
        o += k;
        if (n === size) {
          await sink(buf);
          buf = new Uint8Array(size);
          n = 0;
        }
      }
    },
    async end() {
      if (n) await sink(buf.subarray(0, n));
    },
  };
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
