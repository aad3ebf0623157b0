import { describe, expect, it } from 'vitest';
import { imageById, indexById } from '../../src/app/state/selectors.ts';
import { useApp, type ImageItem } from '../../src/app/state/store.ts';

const item = (id: string, name = id): ImageItem => ({ id, name, file: new Blob([]), status: 'decoding' });

describe('lookups by id', () => {
  it('finds each position, -1 for an id not in the list', () => {
    const list = ['a', 'b', 'c'].map((id) => ({ id }));
    expect(['a', 'b', 'c', 'd'].map((id) => indexById(list, id))).toEqual([0, 1, 2, -1]);
    expect(indexById([], 'a')).toBe(-1);
  });

  it('takes the first of repeated ids, as a walk from the start would', () => {
    const list = [{ id: 'x' }, { id: 'y' }, { id: 'x' }];
    expect(indexById(list, 'x')).toBe(0);
    expect(indexById(list, 'y')).toBe(1);
  });

  it('answers for each list as it is: a new list (the store replaces, never mutates) gets its own positions', () => {
    const first = [{ id: 'a' }, { id: 'b' }];
    expect(indexById(first, 'b')).toBe(1);
    const second = first.filter((it) => it.id !== 'a');
    expect(indexById(second, 'b')).toBe(0);
    expect(indexById(second, 'a')).toBe(-1);
    expect(indexById(first, 'b')).toBe(1);
  });

  it('gives the store image with the id, after each change of the gallery', () => {
    const before = useApp.getState().images;
    try {
      useApp.setState({ images: [item('i1', 'one.jpg'), item('i2', 'two.jpg')] });
      expect(imageById('i2')?.name).toBe('two.jpg');
      expect(imageById('i3')).toBeUndefined();
      useApp.setState({ images: [item('i3', 'three.jpg'), ...useApp.getState().images.filter((i) => i.id !== 'i2')] });
      expect(imageById('i2')).toBeUndefined();
      expect(imageById('i3')?.name).toBe('three.jpg');
      expect(imageById('i1')?.name).toBe('one.jpg');
    } finally {
      useApp.setState({ images: before });
    }
  });
});
