// The .npy export and its JSON sidecar, built completely in memory before any download starts.
import { writeNpy } from '../io/npy.ts';
import { N_CHANNELS, N_REPETITIONS, N_TIMES, SYNTHETIC_NOTICE } from '../engine/types.ts';
import { describeCompact } from '../io/model_folder.ts';
import { channelIndices, maskIndices, sliceResponses } from '../viz/stats.ts';
import { EEG_UNIT_LONG } from '../viz/plots.ts';
import { SQUARE_MODE_LABEL, squareGeometry } from '../io/image_square.ts';
import { collectEncoded } from './derived.ts';
import { chNames, times, type AppState } from './store.ts';
import { version as appVersion } from '../../package.json';


export interface ExportBundle {
  npy: Uint8Array;
  sidecar: Record<string, unknown>;
  stem: string;
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
  const allTimes = times(s);
  const sidecar: Record<string, unknown> = {
    description: 'In-silico EEG responses from BERG eeg-things_eeg_2-alexnet_untrained (TypeScript/TF.js re-implementation)',
    file: `${stem}.npy`,
    model_id: model.modelId,
    subject: model.subject,
    synthetic: model.synthetic,
    ...(model.synthetic ? { synthetic_notice: SYNTHETIC_NOTICE } : {}),
    shape,
    dtype: 'float32',
    order: 'C',
    axes: ['image', 'repetition', 'channel', 'time'],
    units: EEG_UNIT_LONG,
    ch_names: Array.from(ch, (i) => names[i]),
    times: Array.from(t, (i) => allTimes[i]),
    times_unit: 's',
    timepoint_mask: s.timeMask.join(''),
    n_channels_model: N_CHANNELS,
    n_times_model: N_TIMES,
    images: enc.items.map((it, i) => {
      const mode = it.squareMode!;
      const g = squareGeometry(it.width!, it.height!, mode);
      return {
        index: i,
        name: it.name,
        original_width: it.width,
        original_height: it.height,
        square_size: g.size,
        crop_mode: it.width === it.height ? 'none (square)' : mode,
        crop_mode_description: it.width === it.height ? 'already square' : SQUARE_MODE_LABEL[mode],
        ...(it.condition ? { condition: it.condition } : {}),
      };
    }),
    conditions: s.conditions,
    image_decoding: "browser createImageBitmap: EXIF orientation applied, no colour-space conversion, alpha ignored; centre crop offsets as torchvision's center_crop",
    preprocessing: 'torchvision AlexNet_Weights.IMAGENET1K_V1 transforms on uint8: resize shorter side to 256 (bilinear, antialias), centre crop 224, /255, ImageNet mean/std',
    backend: model.backend,
    backend_note: model.backendNote ?? null,
    precision: model.precision,
    ...(model.compact ? { compact: { note: describeCompact(model.compact), ...model.compact } } : {}),
    weights_sha256: model.weightsSha256,
    app: { name: 'insilico-eeg', version: appVersion },
    created_at: now.toISOString(),
  };
  return { npy, sidecar, stem, shape };
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
