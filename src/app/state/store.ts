// The page's one state store (zustand): its shape and its initial values. Encoded responses live
// outside it (../responses.ts): they are large typed arrays, and the store only records a version
// number for them. Components read it through useApp(selector); only actions (../actions/) change it.
import { create } from 'zustand';
import type { Device, Precision } from '../../core/types.ts';
import type { Manipulation } from '../../lab/manipulations.ts';
import type { SweepSpec } from '../../lab/sweep.ts';
import { MONTAGE_SENSORS } from '../../viz/channels.ts';
import type { BandKind } from '../../viz/stats.ts';
import type { SquareImage, SquareMode } from '../../io/image_square.ts';
import type { CatalogEntry, LoadedModelInfo, QualityArrays } from '../protocol.ts';

/** The between-subject spread a subject-mean figure draws (over subjects, n = S), or none. */
export type SubjectSpreadKind = 'sem' | 'ci95' | 'sd' | 'off';

export type EncodeState = 'idle' | 'loading' | 'encoding' | 'done' | 'error';

export interface Status {
  state: EncodeState;
  text: string;
  done?: number;
  total?: number;
}

export interface ImageItem {
  id: string;
  name: string;
  file: Blob;
  status: 'decoding' | 'ready' | 'error';
  error?: string;
  /** Size after EXIF orientation. */
  width?: number;
  height?: number;
  /** Per-image square mode; undefined follows the global mode. */
  mode?: SquareMode;
  /**
   * A 32×32 block-mean summary of the square pixels (what pixel-model RDMs use); the decoded pixels
   * themselves are not kept: encoding decodes the file again. squareMode: the mode they were made with.
   */
  square?: SquareImage;
  squareMode?: SquareMode;
  /** Object URL of the 96 px thumbnail (revoked when the image goes). */
  thumb?: string;
  transparent?: boolean;
  /** EXIF orientation tag (1..8, null when none) and whether the pixels were turned by it. */
  exifOrientation?: number | null;
  orientationApplied?: boolean;
  condition?: string;
  /** Path inside a picked or dropped folder (else the file name). */
  path?: string;
  /** SHA-256 of the file's bytes (duplicate detection). */
  hash?: string;
  /** Other columns of a stimulus list's row for this image. */
  meta?: Record<string, string>;
}

/** What the topomap shows: all images, one image, one condition, or condition A - B. */
export type MapSource = 'all' | `img:${string}` | `cond:${string}` | 'diff';
export type ImageView = 'mean' | 'each' | 'conditions' | `img:${string}`;
export type ChannelView = 'mean' | 'each' | 'butterfly';

/** What the Lab knows about a derived gallery image. */
export interface DerivedInfo {
  sweepId: number;
  source: string;
  sourceId: string;
  manipulation: Manipulation;
  param: string;
  value: number;
  step: number;
}

export interface SweepRecord {
  id: number;
  spec: SweepSpec;
  sourceIds: string[];
  values: number[];
  /** worker time: manipulations, then manipulations + PNG encoding */
  ms: number;
  totalMs: number;
}

/** Default times (s) until a model is loaded: -100..595 ms at 200 Hz. */
export const DEFAULT_TIMES = Array.from({ length: 140 }, (_, i) => Math.round(-100 + 5 * i) / 1000);
export const DEFAULT_CH_NAMES = MONTAGE_SENSORS.map((s) => s.name);

export interface AppState {
  catalog: CatalogEntry[];
  catalogError?: string;
  modelPath: string | null;
  device: Device;
  /** what the user asked for; models without a compact form load exact */
  precision: Precision;
  model: LoadedModelInfo | null;
  quality: QualityArrays | null;
  qualityNote?: string;
  status: Status;
  /** Paused after a cancel, until the user resumes or adds images. */
  paused: boolean;
  /** images per forward pass (the page's `?batch=`); null: the engine's default for the backend, as the CLI's */
  batchSize: number | null;

  images: ImageItem[];
  globalMode: SquareMode;
  /** EXIF orientation: 'ignore' as PIL's Image.open (BERG users' pixels), or 'apply'. */
  exifOrientation: 'ignore' | 'apply';
  conditions: string[];
  /** What the last folder or stimulus list did (matched rows, skipped files), shown by the image panel. */
  intakeNote: string | null;
  responsesVersion: number;
  /** bumped when the responses worker's answers for the views arrive (state/encoded.ts) */
  aggregatesVersion: number;

  selectedChannels: string[];
  timeMask: number[];
  cursor: number;
  topoMode: 'cursor' | 'window';
  colorScale: 'fixed' | 'frame';
  mapSource: MapSource;
  multiples: 'off' | 'peaks' | 'times';
  multipleTimes: string;
  /** Topomap interpolation: MNE's default (Clough-Tocher) or EEGLAB's v4 spline. */
  topoMethod: 'mne' | 'v4';
  /** Joint plot's GFP peaks: the fraction of the window's largest GFP a peak must reach. */
  peakThreshold: number;
  imageView: ImageView;
  channelView: ChannelView;
  band: BandKind;
  diffA: string;
  diffB: string;
  playing: boolean;

  /**
   * Subject means: the catalog paths of the subjects whose responses are averaged (two or more),
   * whether the views show their mean ('mean') or the loaded subject alone ('one'), and which
   * between-subject spread the figures draw. subjectModels: each chosen subject as it was last
   * loaded (its responses are cached under its model tag); subjectsRun: encoding them all.
   */
  subjectPaths: string[];
  subjectView: 'one' | 'mean';
  subjectSpread: SubjectSpreadKind;
  subjectModels: Record<string, LoadedModelInfo>;
  subjectsRun: { state: 'idle' | 'running' | 'error'; text: string };

  /** The Lab's record of derived gallery images (by image id) and of the sweeps that made them. */
  lab: { derived: Record<string, DerivedInfo>; sweeps: SweepRecord[] };

  /** A model import's progress (import_client.ts runs it). */
  modelImport: ImportUi;
}

export type ImportState = 'idle' | 'asking' | 'running' | 'done' | 'error' | 'cancelled';

export interface ImportUi {
  state: ImportState;
  text: string;
  done?: number;
  total?: number;
  /** imports started on this page (parses of BERG files or folders) */
  runs: number;
  /** files waiting for a subject number the file names do not tell */
  pending?: { weights: File; metadata?: File };
  removing?: number;
}

export const useApp = create<AppState>(() => ({
  catalog: [],
  modelPath: null,
  device: 'auto',
  precision: 'exact',
  model: null,
  quality: null,
  status: { state: 'loading', text: 'Starting…' },
  paused: false,
  batchSize: null,

  images: [],
  globalMode: 'crop',
  exifOrientation: 'ignore',
  conditions: [],
  intakeNote: null,
  responsesVersion: 0,
  aggregatesVersion: 0,

  selectedChannels: [...DEFAULT_CH_NAMES],
  timeMask: new Array(140).fill(1),
  cursor: 40, // 100 ms
  topoMode: 'cursor',
  colorScale: 'fixed',
  mapSource: 'all',
  multiples: 'off',
  multipleTimes: '100, 170, 250, 400',
  topoMethod: 'mne',
  peakThreshold: 0.5,
  imageView: 'mean',
  // Butterfly + GFP is the first look at all 63 channels (a fresh page selects them all).
  channelView: 'butterfly',
  band: 'minmax',
  diffA: '',
  diffB: '',
  playing: false,

  subjectPaths: [],
  subjectView: 'one',
  subjectSpread: 'sem',
  subjectModels: {},
  subjectsRun: { state: 'idle', text: '' },

  lab: { derived: {}, sweeps: [] },
  modelImport: { state: 'idle', text: '', runs: 0 },
}));
