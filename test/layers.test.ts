// The house's one rule: every import points down the layers (src/core/README.md lists them).
// A module may import its own folder and any folder below it, never one above.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.ts';

/** Bottom first. Folders on one line are peers and may not import each other. */
const LAYERS: string[][] = [['core', 'data'], ['io'], ['engine'], ['convert'], ['analysis'], ['viz'], ['lab'], ['app', 'cli']];
const rank = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i] as const)));
const SRC = join(ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(n) ? [p] : [];
  });
}

/** Relative module specifiers of a file's imports, exports, dynamic imports and worker URLs. */
function specifiers(text: string): string[] {
  const re = /(?:from\s*|import\s*\(\s*|new URL\(\s*)(['"])(\.{1,2}\/[^'"]+)\1/g;
  return [...text.matchAll(re)].map((m) => m[2]);
}

describe('layers', () => {
  const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());

  it('every folder of src/ has a place in the layer order and a README', () => {
    for (const f of folders) {
      expect(rank.has(f), `src/${f} is not in the layer order`).toBe(true);
      expect(statSync(join(SRC, f, 'README.md')).isFile(), `src/${f}/README.md`).toBe(true);
    }
  });

  it('no module imports a folder above its own or a peer', () => {
    const wrong: string[] = [];
    for (const file of files(SRC)) {
      const from = relative(SRC, file).split('/')[0];
      if (!rank.has(from)) continue; // (src/main.tsx, the page's entry, sits above everything)
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const target = relative(SRC, resolve(dirname(file), spec));
        if (target.startsWith('..')) continue; // package.json
        const to = target.split('/')[0];
        if (to === from) continue;
        const a = rank.get(from)!;
        const b = rank.get(to);
        if (b === undefined || b >= a) wrong.push(`${relative(ROOT, file)} imports ${spec} (${from} -> ${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
