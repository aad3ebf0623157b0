import { describe, expect, it } from 'vitest';
import { pageOptions, viewFromQuery, viewToQuery } from '../../src/app/url.ts';
import { DEFAULT_CH_NAMES, DEFAULT_TIMES } from '../../src/app/state/store.ts';

describe('page options from the address', () => {
  it('reads backend, batch and subject', () => {
    expect(pageOptions('?backend=wasm&batch=16&subject=3')).toEqual({ device: 'wasm', batchSize: 16, subject: '3' });
    expect(pageOptions('?subject=demo').subject).toBe('demo');
  });

  it('leaves out unknown backends and malformed batch sizes', () => {
    expect(pageOptions('?backend=cuda&batch=0')).toEqual({ device: undefined, batchSize: undefined, subject: null });
    expect(pageOptions('?batch=2.5').batchSize).toBeUndefined();
    expect(pageOptions('').subject).toBeNull();
  });
});

describe('the view in the address', () => {
  const ch = DEFAULT_CH_NAMES;
  const times = DEFAULT_TIMES;
  const base = {
    selectedChannels: [...ch],
    timeMask: new Array(140).fill(1),
    cursor: 40,
    topoMode: 'cursor' as const,
    channelView: 'butterfly' as const,
    imageView: 'mean',
    mapSource: 'all',
    topoMethod: 'mne' as const,
    colorScale: 'fixed' as const,
  };

  it('writes the channels, windows as ms runs, the cursor in ms, and keeps the other parameters', () => {
    const mask = new Array(140).fill(0);
    for (let i = 36; i <= 46; i++) mask[i] = 1; // 80..130 ms
    mask[60] = 1; // 200 ms
    const q = viewToQuery('?backend=wasm&subject=demo', { ...base, selectedChannels: ['Oz', 'Cz'], timeMask: mask, cursor: 44, channelView: 'mean', mapSource: 'cond:faces' }, ch, times);
    const p = new URLSearchParams(q);
    expect(p.get('backend')).toBe('wasm');
    expect(p.get('subject')).toBe('demo');
    expect(p.get('ch')).toBe('Oz,Cz');
    expect(p.get('t')).toBe('80-130,200');
    expect(p.get('at')).toBe('120');
    expect(p.get('chview')).toBe('mean');
    expect(p.get('map')).toBe('cond:faces');
    expect(q).toContain('ch=Oz,Cz');
    // a selection is a set in the model's order, however a link lists it
    expect(viewFromQuery('?ch=Cz,Oz,Cz', ch, times).selectedChannels).toEqual(['Oz', 'Cz']);
    // and reads back as the same view
    const v = viewFromQuery(q, ch, times);
    expect(v.selectedChannels).toEqual(['Oz', 'Cz']);
    expect(v.timeMask).toEqual(mask);
    expect(v.cursor).toBe(44);
    expect(v.channelView).toBe('mean');
    expect(v.mapSource).toBe('cond:faces');
  });

  it('leaves out all channels and all times, and an image-specific map', () => {
    const p = new URLSearchParams(viewToQuery('', { ...base, mapSource: 'img:abc', imageView: 'img:abc' }, ch, times));
    expect(p.has('ch')).toBe(false);
    expect(p.has('t')).toBe(false);
    expect(p.has('map')).toBe(false);
    expect(p.has('view')).toBe(false);
  });

  it('refuses what the page cannot use instead of guessing', () => {
    expect(viewFromQuery('?ch=Oz,XX&t=81-130&at=7&topo=sideways&chview=&interp=spline&map=cond:', ch, times)).toEqual({});
    expect(viewFromQuery('?t=130-80', ch, times)).toEqual({});
    expect(viewFromQuery('?t=-100-595&at=-100', ch, times)).toEqual({ timeMask: new Array(140).fill(1), cursor: 0 });
  });
});
