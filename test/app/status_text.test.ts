import { describe, expect, it } from 'vitest';
import { clock, duplicatesNote, errorText, missingImagesNote, progressText, settledStatus } from '../../src/app/status_text.ts';

describe('status text', () => {
  it('says durations in seconds, then minutes', () => {
    expect(clock(0.2)).toBe('1 s');
    expect(clock(42.4)).toBe('42 s');
    expect(clock(125)).toBe('2 min 05 s');
  });

  it('adds rate and time left once the run has finished an image', () => {
    expect(progressText('wasm', 4, 10, { t0: 0, before: 4 }, 1000)).toBe('Encoding on wasm: 4 of 10 images');
    expect(progressText('wasm', 6, 10, { t0: 0, before: 4 }, 1000)).toBe('Encoding on wasm: 6 of 10 images · 2.0 images/s · 2 s left');
    expect(progressText('webgpu', 30, 50, { t0: 0, before: 0 }, 1000)).toBe('Encoding on webgpu: 30 of 50 images · 30 images/s · 1 s left');
  });

  it('settles as cancelled, decoding, waiting or done', () => {
    const g = { backend: 'wasm', ready: 3, missing: 0, decoding: false, errors: 0, paused: false, lastRun: null };
    expect(settledStatus({ ...g, paused: true, missing: 2 })).toEqual({ state: 'idle', text: 'Cancelled: 1 of 3 images encoded' });
    expect(settledStatus({ ...g, decoding: true })).toEqual({ state: 'encoding', text: 'Decoding images…' });
    expect(settledStatus({ ...g, ready: 0, errors: 2 })).toEqual({ state: 'idle', text: 'Model ready on wasm. Add images to encode; 2 files could not be read.' });
    expect(settledStatus({ ...g, lastRun: { n: 3, ms: 1500 } })).toEqual({ state: 'done', text: '3 images encoded on wasm (last 3 in 1.5 s)' });
    expect(settledStatus({ ...g, ready: 1, errors: 1 }).text).toBe('1 image encoded on wasm; 1 file could not be read');
  });

  it('shows error class names only when they are real ones', () => {
    const e = new Error('bad file');
    e.name = 'ModelLoadError';
    expect(errorText(e)).toBe('bad file (ModelLoadError)');
    const w = new Error('gone');
    w.name = 'WorkerError';
    expect(errorText(w)).toBe('gone');
    expect(errorText(new Error('plain'))).toBe('plain');
    expect(errorText('text')).toBe('text');
  });

  it('counts skipped duplicates and missing images', () => {
    expect(duplicatesNote(['b (= a)'])).toBe('1 duplicate file skipped: b (= a)');
    expect(duplicatesNote(['1', '2', '3', '4', '5', '6'])).toBe('6 duplicate files skipped: 1, 2, 3, 4, 5, …');
    expect(missingImagesNote(1)).toBe('1 stored image is missing from browser storage');
    expect(missingImagesNote(2)).toBe('2 stored images are missing from browser storage');
  });
});
