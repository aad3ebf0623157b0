import { describe, expect, it } from 'vitest';
import { pageOptions } from '../../src/app/url.ts';

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
