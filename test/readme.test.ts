// The README's first command-line example works as pasted on a fresh clone (the demo subject's
// folder and the example stimuli ship with the project), run from a folder that mirrors the clone.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNpy } from '../src/io/npy.ts';
import { ROOT } from './helpers.ts';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'insilico-readme-'));
for (const sub of ['public', 'docs']) symlinkSync(join(ROOT, sub), join(dir, sub));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The commands of the first ```sh block after `marker`, continuation lines joined. */
function commandsAfter(marker: string): string[][] {
  const at = readme.indexOf(marker);
  expect(at, `README lacks "${marker}"`).toBeGreaterThan(0);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))![1];
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean)
    .map((l) => l.split(/\s+/));
}

describe('README', () => {
  it('the demo encode and metadata commands run as written', () => {
    const cmds = commandsAfter('On a fresh clone the demo subject is there to try');
    expect(cmds.length).toBe(2);
    for (const words of cmds) {
      expect(words.slice(0, 2)).toEqual(['npx', 'insilico-eeg']);
      const redirect = words.indexOf('>');
      const args = redirect >= 0 ? words.slice(2, redirect) : words.slice(2);
      const stdout = execFileSync(process.execPath, [join(ROOT, 'bin/insilico-eeg.mjs'), ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
      if (args[0] === 'metadata') expect(JSON.parse(stdout).eeg.ch_names).toHaveLength(63);
    }
    const y = parseNpy(new Uint8Array(readFileSync(join(dir, 'responses.npy'))), 'responses.npy');
    expect(y.shape).toEqual([3, 4, 5, 140]);
    const meta = JSON.parse(readFileSync(join(dir, 'responses.npy.json'), 'utf8'));
    expect(meta.ch_names).toEqual(['Oz', 'O1', 'O2', 'PO7', 'PO8']);
    expect(meta.synthetic).toBe(true);
  }, 180_000);
});
