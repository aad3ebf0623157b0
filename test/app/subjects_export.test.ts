// Subject-mean exports: per subject [S, B, 4, C, T] and the mean [B, 4, C, T], with a sidecar that
// lists the subjects, their synthetic status and weights, and the reduction; valid against the schema.
import { describe, expect, it } from 'vitest';
import { expectValidSidecar, schemaErrors } from '../cli/sidecar_schema.ts';
import { buildExport, exportBlocker } from '../../src/app/export.ts';
import { gatherResponses, putResponse, modelTag, pixelKey } from '../../src/app/responses.ts';
import { collectSubjects } from '../../src/app/state/subjects.ts';
import { useApp, DEFAULT_CH_NAMES, DEFAULT_TIMES, type ImageItem } from '../../src/app/state/store.ts';
import type { CatalogEntry, LoadedModelInfo } from '../../src/app/protocol.ts';

const demo = (subject: 'demo' | `demo-${number}`, seed: number): LoadedModelInfo => ({
  modelId: 'eeg-things_eeg_2-alexnet_untrained',
  subject,
  synthetic: true,
  backend: 'wasm',
  chNames: DEFAULT_CH_NAMES,
  times: DEFAULT_TIMES,
  weightsSha256: {},
  generator: { kind: 'erp-templates/1', seed },
  precision: 'exact',
});
const fitted: LoadedModelInfo = { ...demo('demo', 0), subject: 1, synthetic: false, generator: undefined, weightsSha256: { 'pca/components': 'a'.repeat(64) } };

const catalog: CatalogEntry[] = [
  { model_id: 'eeg-things_eeg_2-alexnet_untrained', subject: 'demo', path: 'm/demo/', synthetic: true, label: 'Demo subject (synthetic)' },
  { model_id: 'eeg-things_eeg_2-alexnet_untrained', subject: 'demo-2', path: 'm/demo-2/', synthetic: true, label: 'Demo subject 2 (synthetic)' },
  { model_id: 'eeg-things_eeg_2-alexnet_untrained', subject: 1, path: 'm/sub-01/', synthetic: false, label: 'Subject 01' },
];

const item = (id: string): ImageItem => ({ id, name: `${id}.png`, file: new Blob([]), status: 'ready', width: 8, height: 8, squareMode: 'crop', square: { data: new Uint8Array(3), size: 8 } });
const block = (seed: number) => Float32Array.from({ length: 4 * 63 * 140 }, (_, i) => Math.sin(seed * 7.1 + i * 0.013) * (seed + 1));

describe('subject-mean exports', () => {
  const models = { 'm/demo/': demo('demo', 20240607), 'm/demo-2/': demo('demo-2', 20240608), 'm/sub-01/': fitted };
  const paths = ['m/demo/', 'm/demo-2/', 'm/sub-01/'];
  const images = [item('x'), item('y')];
  paths.forEach((p, s) => images.forEach((it, b) => putResponse(modelTag(models[p as keyof typeof models]), pixelKey(it.id, 'crop'), block(10 * s + b))));
  const mask = new Array(140).fill(0);
  mask[40] = 1;
  mask[41] = 1;

  it('waits until every chosen subject has encoded the images', () => {
    useApp.setState({ catalog, model: models['m/demo/'], images, subjectPaths: paths, subjectView: 'mean', subjectModels: { 'm/demo/': models['m/demo/'] }, selectedChannels: ['Oz', 'Pz'], timeMask: mask });
    expect(exportBlocker(useApp.getState())).toMatch(/every chosen subject/);
  });

  it('per subject: [S, B, 4, C, T], subject s at x[s]; the mean equals the mean of the per-subject blocks', async () => {
    useApp.setState({ subjectModels: models });
    expect(exportBlocker(useApp.getState())).toBeNull();
    const per = await buildExport(useApp.getState(), new Date('2026-01-02T03:04:05Z'), 'responses', 'per-subject');
    const mean = await buildExport(useApp.getState(), new Date('2026-01-02T03:04:05Z'), 'responses', 'mean');
    expect(per.shape).toEqual([3, 2, 4, 2, 2]);
    expect(mean.shape).toEqual([2, 4, 2, 2]);
    const body = (npy: Uint8Array) => new Float32Array(npy.slice(10 + (npy[8] | (npy[9] << 8))).buffer);
    const x = body(per.npy);
    const m = body(mean.npy);
    const n = 2 * 4 * 2 * 2;
    // Oz is channel 15, Pz 11: ch_names order Pz (11), Oz (15); subject 1, image 0, rep 2, Oz, t 41
    const at = (s: number, b: number, r: number, c: number, t: number) => block(10 * s + b)[(r * 63 + c) * 140 + t];
    expect(x[n + ((0 * 4 + 2) * 2 + 1) * 2 + 1]).toBe(at(1, 0, 2, 15, 41));
    for (let i = 0; i < n; i++) expect(m[i]).toBe(Math.fround((x[i] + x[n + i] + x[2 * n + i]) / 3));
    // and the views' subject mean is the same array
    const enc = collectSubjects(useApp.getState());
    expect(enc.subjects?.labels).toEqual(['Demo subject (synthetic)', 'Demo subject 2 (synthetic)', 'Subject 01']);
    // the subject-mean responses the responses worker gives the views (statistics, the Lab) for image 1
    const view = await gatherResponses(enc.tags, [enc.keys[1]]);
    expect(view[3 * 63 * 140 + 11 * 140 + 40]).toBe(m[((1 * 4 + 3) * 2 + 0) * 2 + 0]);

    for (const b of [per, mean]) {
      const sc = b.sidecar;
      expectValidSidecar(sc);
      expect(sc.subject).toBe('group');
      expect(sc.synthetic).toBe(true);
      expect(String(sc.synthetic_notice)).toContain('synthetic demo weights, not fitted to EEG');
      expect(sc.subjects?.list.map((l) => [l.subject, l.synthetic])).toEqual([['demo', true], ['demo-2', true], [1, false]]);
      expect(sc.subjects?.list[1].synthetic_weights).toEqual({ generator: 'erp-templates/1', seed: 20240608 });
      expect(sc.subjects?.list[2].weights_sha256).toEqual({ 'pca/components': 'a'.repeat(64) });
      expect(sc.ch_names).toEqual(['Pz', 'Oz']);
    }
    expect(per.sidecar.subjects?.reduction).toBe('none');
    expect(per.sidecar.dims).toEqual(['subject', 'image', 'repetition', 'channel', 'time']);
    expect(per.sidecar.shape).toEqual([3, 2, 4, 2, 2]);
    expect(mean.sidecar.subjects?.reduction).toBe('mean');
    expect(mean.sidecar.dims).toEqual(['image', 'repetition', 'channel', 'time']);
    expect(per.npyName).toMatch(/^insilico-eeg_subjects-3_3x2x4x2x2_/);
    expect(mean.npyName).toMatch(/^insilico-eeg_mean-of-3-subjects_2x4x2x2_/);
  });

  it('the schema refuses a group file without its subjects, and a per-subject shape with 4-D dims', async () => {
    const sc = (await buildExport(useApp.getState(), new Date(), 'responses', 'per-subject')).sidecar;
    const { subjects: _s, ...noList } = sc;
    expect(schemaErrors(noList).length).toBeGreaterThan(0);
    expect(schemaErrors({ ...sc, dims: ['image', 'repetition', 'channel', 'time'] }).length).toBeGreaterThan(0);
    expect(schemaErrors({ ...sc, subjects: { ...sc.subjects!, list: sc.subjects!.list.map(({ synthetic_weights: _w, weights_sha256: _h, ...l }) => l) } }).length).toBeGreaterThan(0);
  });

  it('the repetition and condition means of the subject mean: numpy-style means of the mean export, with the group sidecar and its reduction', async () => {
    useApp.setState({ subjectView: 'mean', images: [{ ...images[0], condition: 'a' }, { ...images[1], condition: 'a' }] });
    const now = new Date('2026-01-02T03:04:05Z');
    const mean = await buildExport(useApp.getState(), now, 'responses', 'mean');
    const rep = await buildExport(useApp.getState(), now, 'repetition_mean', 'mean');
    const cond = await buildExport(useApp.getState(), now, 'condition_mean', 'mean');
    const body = (npy: Uint8Array) => new Float32Array(npy.slice(10 + (npy[8] | (npy[9] << 8))).buffer);
    const m = body(mean.npy);
    expect(rep.shape).toEqual([2, 2, 2]);
    expect(cond.shape).toEqual([1, 4, 2, 2]);
    const n = 2 * 2; // C × T
    // float32 sums in repetition (image) order, divided by the count, as numpy's mean of the file
    const r = body(rep.npy);
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < n; i++) {
        let v = m[(b * 4 + 0) * n + i];
        for (let k = 1; k < 4; k++) v = Math.fround(v + m[(b * 4 + k) * n + i]);
        expect(r[b * n + i]).toBe(Math.fround(v / 4));
      }
    const c = body(cond.npy);
    for (let i = 0; i < 4 * n; i++) expect(c[i]).toBe(Math.fround(Math.fround(m[i] + m[4 * n + i]) / 2));
    for (const b of [rep, cond]) {
      expectValidSidecar(b.sidecar);
      expect(b.sidecar.subject).toBe('group');
      expect(b.sidecar.subjects?.reduction).toBe('mean');
      expect(b.sidecar.subjects?.list.map((l) => l.subject)).toEqual(['demo', 'demo-2', 1]);
      expect(b.npyName).toMatch(/^insilico-eeg_mean-of-3-subjects_(repetition|condition)-mean_/);
    }
    expect('reduction' in rep.sidecar && rep.sidecar.reduction.kind).toBe('repetition_mean');
    expect('reduction' in cond.sidecar && cond.sidecar.reduction.kind).toBe('condition_mean');
    // each subject's [S, B, 4, C, T] has no reduced form: one clear message, and the schema refuses it
    expect(exportBlocker(useApp.getState(), 'repetition_mean', 'per-subject')).toMatch(/subject mean, not each subject/);
    expect(exportBlocker(useApp.getState(), 'responses', 'per-subject')).toBeNull();
    expect(schemaErrors({ ...rep.sidecar, subjects: { ...rep.sidecar.subjects!, reduction: 'none' } }).length).toBeGreaterThan(0);
    useApp.setState({ images });
  });

  it('one subject per file stays as it was: the loaded subject, 4-D, no subjects field', async () => {
    useApp.setState({ subjectView: 'one' });
    const b = await buildExport(useApp.getState(), new Date());
    expect(b.shape).toEqual([2, 4, 2, 2]);
    expect(b.sidecar.subject).toBe('demo');
    expect(b.sidecar.subjects).toBeUndefined();
    expectValidSidecar(b.sidecar);
  });
});
