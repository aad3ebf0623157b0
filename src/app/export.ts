// The .npy export and its JSON sidecar, built completely in memory before any download starts.
// The sidecar is the CLI's (src/io/sidecar.ts): <stem>.npy downloads with <stem>.npy.json.
import { writeNpy } from '../io/npy.ts';
import { N_REPETITIONS } from '../engine/types.ts';
import { squareGeometry } from '../io/image_square.ts';
import { PIXEL_POLICY } from '../io/image_decode.ts';
import { buildSidecar, sidecarName, type Sidecar } from '../io/sidecar.ts';
import { channelIndices, maskIndices, sliceResponses } from '../viz/stats.ts';
import { collectEncoded } from './derived.ts';
import { chNames, times, type AppState } from './store.ts';

export interface ExportBundle {
  npy: Uint8Array;
  sidecar: Sidecar;
  stem: string;
  /** file names to download: `${stem}.npy` and its sidecar */
  npyName: string;
  sidecarName: string;
  shape: [number, number, number, number];
}

/** Why an export is not possible now, or null. */
export function exportBlocker(s: AppState): string | null {
  if (!s.model) return 'No model loaded.';
  const ready = s.images.filter((i) => i.status !== 'error');
  if (!ready.length) return 'No images.';
  if (ready.some((i) => i.status === 'decoding')) return 'Images are still being decoded.';
  const enc = collectEncoded(s.images, s.model);
  if (enc.items.length < ready.length) return `${ready.length - enc.items.length} image(s) not encoded yet.`;
  if (!s.selectedChannels.length) return 'No channels selected.';
  if (!s.timeMask.some(Boolean)) return 'No time points selected.';
  return null;
}

export function buildExport(s: AppState, now = new Date()): ExportBundle {
  const blocker = exportBlocker(s);
  if (blocker) throw new Error(blocker);
  const model = s.model!;
  const enc = collectEncoded(s.images, model);
  const names = chNames(s);
  const ch = channelIndices(names, s.selectedChannels);
  const t = maskIndices(s.timeMask);
  const data = sliceResponses(enc.data, enc.dims, ch, t);
  const shape: [number, number, number, number] = [enc.dims.B, N_REPETITIONS, ch.length, t.length];
  const npy = writeNpy(shape, data);
  const subj = model.subject === 'demo' ? 'demo' : `sub-${String(model.subject).padStart(2, '0')}`;
  const stamp = now.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
  const stem = `insilico-eeg_${subj}_${shape.join('x')}_${stamp}`;
  const npyName = `${stem}.npy`;
  const allTimes = times(s);
  const exportedCh = Array.from(ch, (i) => names[i]);
  const sidecar = buildSidecar({
    file: npyName,
    model: {
      model_id: model.modelId,
      subject: model.subject,
      synthetic: model.synthetic,
      backend: model.backend,
      backend_note: model.backendNote ?? null,
      precision: model.precision,
      compact: model.compact ?? null,
      weights_sha256: model.weightsSha256,
      generator: model.generator ?? null,
    },
    shape,
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
  return { npy, sidecar, stem, npyName, sidecarName: sidecarName(npyName), shape };
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
