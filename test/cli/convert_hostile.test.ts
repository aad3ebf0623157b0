// Hostile files through the command line: exit 1, one line on stderr naming the file and the
// problem, quickly, and nothing written.
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_ID } from '../../src/core/types.ts';
import { BERG_MODEL_SUBDIR as SUB, cli, fixturePath, ROOT } from '../helpers.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'insilico-hostile-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hostile files through the CLI', () => {
  it('convert of a 128-byte weights file claiming 10^12 zero-width strings', async () => {
    const berg = join(dir, 'berg');
    mkdirSync(join(berg, SUB, 'encoding_models_weights'), { recursive: true });
    mkdirSync(join(berg, SUB, 'metadata'), { recursive: true });
    const weights = join(berg, SUB, 'encoding_models_weights', 'weights_subject-01.npy');
    copyFileSync(join(ROOT, 'test/fixtures/hostile/pickled_s0_huge.npy'), weights);
    copyFileSync(fixturePath(`test/fixtures/berg/layout-a/${SUB}/metadata/metadata_subject-01.npy`), join(berg, SUB, 'metadata', 'metadata_subject-01.npy'));
    const out = join(dir, 'out');
    const r = await cli(['convert', '--berg-dir', berg, '--subject', '1', '--out', out], { timeout: 60_000 });
    expect(r.code).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => !l.startsWith('sub-01: reading'));
    expect(errors.join('\n')).toMatch(new RegExp(`^error: ${weights}: .*shape \\(1000000000000\\) has 1000000000000 items, more than the 4294967295 an array may have here\\n$`));
    expect(r.ms).toBeLessThan(30_000);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('metadata of a folder whose manifest names /etc/passwd', async () => {
    const models = join(dir, 'models');
    cpSync(join(ROOT, 'public/models'), models, { recursive: true });
    const demo = join(models, MODEL_ID, 'demo');
    const m = JSON.parse(readFileSync(join(demo, 'manifest.json'), 'utf8'));
    // a converted subject's manifest would be refused the same way; the demo's is enough to reach metadata
    writeFileSync(join(demo, 'manifest.json'), JSON.stringify({ ...m, metadata: '../../../../etc/passwd' }));
    const r = await cli(['metadata', '--model', demo], { timeout: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${demo}/manifest.json: the metadata path "../../../../etc/passwd" leaves the model folder: the model folder is corrupt; convert again\n`);
    expect(r.stderr).not.toContain('root:');
  }, 60_000);
});
