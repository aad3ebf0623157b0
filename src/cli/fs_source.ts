// A model folder on disk as a ModelSource.
import { readFile } from 'node:fs/promises';
import { resolve, join } from 'node:path';
import type { ModelSource } from '../engine/source.ts';

export function fsSource(dir: string): ModelSource {
  const root = resolve(dir);
  return {
    location: root,
    readText: (name) => readFile(join(root, name), 'utf8'),
    readBytes: async (name) => new Uint8Array(await readFile(join(root, name))),
  };
}
