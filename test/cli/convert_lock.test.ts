// Concurrent converts into one models root keep every index entry (the index lock), and a run
// after a killed one removes what it left behind.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_ID } from '../../src/core/types.ts';
import { lockModels, processAlive, updateModelIndex } from '../../src/io/model_folder_node.ts';
import { BIN, fixturePath, ROOT, run } from '../helpers.ts';

const LAYOUT_B = fixturePath('test/fixtures/berg/layout-b');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'insilico-lock-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const convert = (out: string, subject: number) =>
  run(process.execPath, [BIN, 'convert', '--berg-dir', LAYOUT_B, '--subject', String(subject), '--out', out], { cwd: ROOT });

/** A pid no process has: one that has just exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  const pid = Number(r.stdout.toString());
  expect(processAlive(pid)).toBe(false);
  return pid;
}

const index = (out: string) => JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')).models.map((m: { subject: number }) => m.subject);

describe('convert and the models root lock', () => {
  it('four processes converting two subjects at once: both listed, nothing left over', async () => {
    const out = join(dir, 'concurrent');
    await Promise.all([convert(out, 1), convert(out, 2), convert(out, 2), convert(out, 1)]);
    expect(index(out)).toEqual([1, 2]);
    expect(readdirSync(out).sort()).toEqual([MODEL_ID, 'index.json']);
    expect(readdirSync(join(out, MODEL_ID)).sort()).toEqual(['shared', 'sub-01', 'sub-02']);
    expect(readdirSync(join(out, MODEL_ID, 'shared')).every((n) => /^[0-9a-f]{16}-shard\d+of\d+\.bin$/.test(n))).toBe(true);
  }, 120_000);

  it('sixteen index updates at once in one process: none lost (each read-modify-write holds the lock)', async () => {
    const out = join(dir, 'updates');
    const subjects = Array.from({ length: 16 }, (_, i) => i + 1);
    await Promise.all(subjects.map((s) => updateModelIndex(out, [{ model_id: MODEL_ID, subject: s, path: `x/${s}/`, synthetic: false, label: `${s}` }])));
    expect(index(out)).toEqual(subjects);
    expect(readdirSync(out)).toEqual(['index.json']);
  });

  it('after a killed run: stale lock broken, temporary folders and files and orphan shards removed, a half-swapped subject restored', async () => {
    const out = join(dir, 'killed');
    await convert(out, 1);
    await convert(out, 2);
    const model = join(out, MODEL_ID);
    const shared = join(model, 'shared');
    const pid = deadPid();
    const before = readdirSync(shared).sort();
    // what a convert killed at various points leaves
    writeFileSync(join(out, 'index.json.lock'), JSON.stringify({ pid, host: hostname(), token: 'x', since: 'then' }));
    writeFileSync(join(out, `index.json.tmp-${pid}-0badf00d`), '{');
    mkdirSync(join(model, `.sub-03.tmp-${pid}-0badf00d`));
    writeFileSync(join(model, `.sub-03.tmp-${pid}-0badf00d`, 'manifest.json'), '{}');
    writeFileSync(join(shared, `0123456789abcdef-shard1of1.bin.tmp-${pid}-0badf00d`), 'x');
    writeFileSync(join(shared, '0123456789abcdef-shard1of1.bin'), 'orphan');
    // killed between moving sub-02 aside and moving its replacement in
    spawnSync('mv', [join(model, 'sub-02'), join(model, `.sub-02.old.tmp-${pid}-0badf00d`)]);
    // a live process's temporary file is left alone
    writeFileSync(join(shared, `0123456789abcdef-shard1of1.bin.tmp-${process.pid}-0badf00d`), 'mine');

    await convert(out, 1);
    expect(readdirSync(out).sort()).toEqual([MODEL_ID, 'index.json']);
    expect(readdirSync(model).sort()).toEqual(['shared', 'sub-01', 'sub-02']);
    expect(readdirSync(shared).sort()).toEqual([...before, `0123456789abcdef-shard1of1.bin.tmp-${process.pid}-0badf00d`].sort());
    expect(existsSync(join(model, 'sub-02', 'manifest.json'))).toBe(true);
    expect(index(out)).toEqual([1, 2]);
  }, 120_000);

  it('a live holder is waited for, then named when the wait runs out', async () => {
    const out = join(dir, 'held');
    const lock = await lockModels(out);
    const t0 = Date.now();
    const err = await lockModels(out, { timeoutMs: 300, pollMs: 20 }).then(() => null, (e: Error) => e);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(err?.message).toBe(
      `${join(out, 'index.json.lock')} is held by process ${process.pid} on ${hostname()} (since ${JSON.parse(readFileSync(lock.file, 'utf8')).since}): ` +
        `another convert is writing to ${out}; wait for it, or remove the file if none is running`,
    );
    const waiting = lockModels(out, { pollMs: 20 });
    setTimeout(() => void lock.release(), 100);
    const second = await waiting;
    await second.release();
    expect(existsSync(lock.file)).toBe(false);
  });
});
