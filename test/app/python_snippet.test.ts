// The "Load in Python" recipe runs as printed on a real CLI export (channels reordered, one listed
// twice), with the MNE of Debian's python3-mne, and labels the plots a.u. rather than µV.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/io/npy.ts';
import { pythonSnippet } from '../../src/app/python_snippet.ts';
import { ROOT } from '../helpers.ts';

const PYTHON = '/usr/bin/python3';
const hasMne = spawnSync(PYTHON, ['-c', 'import mne, matplotlib'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'insilico-snippet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasMne)('Load in Python', () => {
  it('builds an mne.EvokedArray with the standard_1005 montage and a.u. labels', () => {
    const images = new Uint8Array(2 * 3 * 64 * 64).map((_, i) => (i * 37) & 255);
    writeFileSync(join(dir, 'in.npy'), writeNpy([2, 3, 64, 64], images));
    const out = join(dir, 'responses');
    execFileSync(process.execPath, [join(ROOT, 'bin/insilico-eeg.mjs'), 'encode', '--model', join(ROOT, 'public/models/eeg-things_eeg_2-alexnet_untrained/demo'),
      '--images', join(dir, 'in.npy'), '--out', `${out}.npy`, '--channels', 'Oz,Cz,Fp1,PO8,O1,Oz,Pz,P7,P8'], { cwd: ROOT, stdio: 'pipe' });
    const check = `
import matplotlib
matplotlib.use("Agg")
${pythonSnippet(out)}
import matplotlib.pyplot as plt
labels = [ax.get_ylabel() for n in plt.get_fignums() for ax in plt.figure(n).axes] + [ax.get_title() for n in plt.get_fignums() for ax in plt.figure(n).axes]
assert "a.u." in labels and not any("µV" in l for l in labels), labels
assert evoked.ch_names == ["Oz", "Cz", "Fp1", "PO8", "O1", "Pz", "P7", "P8"], evoked.ch_names
assert evoked.get_montage() is not None and abs(evoked.times[0] + 0.1) < 1e-9
print("ok", evoked.data.shape)
`;
    const r = spawnSync(PYTHON, ['-c', check], { cwd: dir, encoding: 'utf8', env: { ...process.env, MPLBACKEND: 'Agg' } });
    expect(r.stderr + r.stdout).toContain('ok (8, 140)');
  }, 120_000);
});
