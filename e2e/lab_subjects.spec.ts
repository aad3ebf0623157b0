// The Lab and the Statistics view with a subject mean: three seeded synthetic demo subjects encode
// a contrast sweep (a condition per step). The tuning curve's band across subjects draws each
// subject's own curve, and the Statistics view each subject's own condition difference; both equal
// what the per-subject export [S, B, 4, C, T] gives. A cursor or window move re-renders neither
// panel (React's commits, seen through the devtools hook).
import { test, expect } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { subjectTuning } from '../src/analysis/subjects.ts';
import { MODEL_ID } from '../src/engine/index.ts';
import { COMPONENT_PRESETS, measureImages } from '../src/lab/measures.ts';
import { writeFixtures } from './fixtures.ts';
import { exportBoth, waitForState } from './helpers.ts';

const PATHS = ['demo', 'demo-2', 'demo-3'].map((s) => `${MODEL_ID}/${s}/`);
const RMS = [0.05, 0.15, 0.25];
const SHOTS = process.env.LAB_SHOTS;

/** Counts the renders of the components whose <section> carries these test ids: a render gives the component new hook objects. */
function countRenders(ids: string[]) {
  type Fiber = { tag: number; memoizedProps?: Record<string, unknown> | null; memoizedState?: unknown; return?: Fiber | null; child?: Fiber | null; sibling?: Fiber | null };
  const renders: Record<string, number> = Object.fromEntries(ids.map((i) => [i, 0]));
  const last: Record<string, unknown> = {};
  (window as unknown as { __renders: Record<string, number> }).__renders = renders;
  const renderers = new Map<number, unknown>();
  (window as unknown as { __REACT_DEVTOOLS_GLOBAL_HOOK__: unknown }).__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    renderers,
    inject(r: unknown) {
      renderers.set(1, r);
      return 1;
    },
    checkDCE() {},
    onScheduleFiberRoot() {},
    onCommitFiberUnmount() {},
    onPostCommitFiberRoot() {},
    onCommitFiberRoot(_id: number, root: { current: Fiber }) {
      const stack: Fiber[] = [root.current];
      while (stack.length) {
        const f = stack.pop()!;
        const id = f.tag === 5 ? (f.memoizedProps?.['data-testid'] as string | undefined) : undefined;
        if (id && id in renders && f.return) {
          const state = f.return.memoizedState;
          if (state !== last[id]) renders[id]++;
          last[id] = state;
        }
        if (f.sibling) stack.push(f.sibling);
        if (f.child) stack.push(f.child);
      }
    },
  };
}

test('three demo subjects: tuning curves and condition differences per subject, their spread across subjects, no re-render on a cursor move', async ({ page }, info) => {
  test.setTimeout(480_000);
  await page.addInitScript(countRenders, ['lab-panel', 'stats']);
  await page.goto('/?backend=wasm');
  await waitForState(page, 'idle');
  const { images } = writeFixtures(info.outputPath('img'));
  await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles([images[0].path, images[3].path]);
  await waitForState(page, 'done');

  // a contrast sweep over both images, one condition per step
  const lab = page.getByTestId('lab-panel');
  await lab.scrollIntoViewIfNeeded();
  await page.getByTestId('lab-sweep-param').selectOption('rms');
  for (const [id, v] of [['lab-sweep-from', RMS[0]], ['lab-sweep-to', RMS[2]], ['lab-sweep-steps', RMS.length]] as const) {
    await page.getByTestId(id).fill(String(v));
    await page.getByTestId(id).press('Enter');
  }
  await lab.getByLabel('a condition per step').check();
  await page.getByTestId('lab-sweep-run').click();
  await expect(page.getByTestId('lab-sweep-status')).toContainText('6 stimuli added');
  await waitForState(page, 'done');

  const panel = page.getByTestId('subjects');
  for (const p of PATHS) await panel.locator(`input[value="${p}"]`).check();
  await page.getByTestId('subjects-encode').click();
  await expect(page.getByTestId('subjects-status')).toHaveText(/Encoded for 3 subjects/, { timeout: 360_000 });
  await expect(page.getByTestId('subject-view')).toHaveValue('mean');
  // occipital sensors (the P1 channels among them); the export keeps the selection
  await page.getByRole('button', { name: 'occipital', exact: true }).click();

  // ---- Lab: the band across subjects
  const tuning = page.getByTestId('lab-tuning');
  await expect(tuning).toHaveAttribute('data-across', 'images');
  await page.getByTestId('lab-tuning-spread').selectOption('subjects-sem');
  await expect(tuning).toHaveAttribute('data-across', 'subjects');
  await expect(tuning).toHaveAttribute('data-subject-curves', /,/);
  await expect(page.getByTestId('lab-tuning-caption')).toContainText('Observations: the 3 subjects');
  await expect(tuning.locator('.js-plotly-plot')).toBeVisible();
  const curves = (await tuning.getAttribute('data-subject-curves'))!.split(',').map(Number);
  const means = (await tuning.getAttribute('data-subject-means'))!.split(',').map(Number);
  expect(curves).toHaveLength(3 * RMS.length);

  // ---- Statistics: each subject's own A − B (the first two steps' conditions)
  const condA = `contrast rms=${RMS[0]}`;
  const condB = `contrast rms=${RMS[1]}`;
  await page.getByLabel('Condition A', { exact: true }).selectOption(condA);
  await page.getByLabel('Condition B', { exact: true }).selectOption(condB);
  const stats = page.getByTestId('stats');
  const sub = stats.getByTestId('stats-subjects');
  await expect(sub).toHaveAttribute('data-subjects', '3');
  await expect(sub).toHaveAttribute('data-mean', /,/);
  await expect(page.getByTestId('stats-subjects-caption')).toContainText('Observations here: the 3 subjects');
  await expect(page.getByTestId('stats-subjects-caption')).toContainText('tests below use the images as observations');
  const effect = (await sub.getAttribute('data-mean'))!.split(',').map(Number);
  expect(effect).toHaveLength(140);

  // ---- both against the per-subject export
  await page.getByTestId('export-subjects').selectOption('per-subject');
  const per = await exportBoth(page);
  const [S, B, R, C, T] = per.npy.shape;
  expect([S, B, R, T]).toEqual([3, 8, 4, 140]);
  const x = per.npy.data;
  const block = R * C * T;
  const n = B * block;
  const names = per.sidecar.images.map((i) => i.name);
  const conds = (per.sidecar.images as { condition?: string }[]).map((i) => i.condition);
  // gallery order: the two sources, then each source's three steps
  const derived = names.slice(2);
  const values = derived.map((nm) => Number(/rms=([\d.]+)\.png$/.exec(nm)![1]));
  expect(values).toEqual([...RMS, ...RMS]);
  const p1 = COMPONENT_PRESETS[0];
  const scores = Array.from({ length: S }, (_, s) => {
    const blocks = Array.from({ length: B - 2 }, (_, i) => x.subarray(s * n + (i + 2) * block, s * n + (i + 3) * block));
    return measureImages(blocks, { R, C, T }, per.sidecar.ch_names, per.sidecar.times, { kind: 'mean', channels: p1.channels, tmin: p1.tmin, tmax: p1.tmax });
  });
  const want = subjectTuning(scores, values);
  const tol = (v: number) => 1e-5 * Math.max(1, Math.abs(v));
  want.curves.forEach((v, i) => expect(Math.abs(curves[i] - v), `curve value ${i}`).toBeLessThan(tol(v)));
  want.spread.mean.forEach((v, i) => expect(Math.abs(means[i] - v)).toBeLessThan(tol(v)));
  // the subjects differ
  expect(Math.abs(want.curves[0] - want.curves[RMS.length])).toBeGreaterThan(0);

  const ofCond = (c: string) => conds.flatMap((k, i) => (k === c ? [i] : []));
  const [ia, ib] = [ofCond(condA), ofCond(condB)];
  expect([ia.length, ib.length]).toEqual([2, 2]);
  const meanOver = (s: number, idx: number[], t: number) => {
    let v = 0;
    for (const b of idx) for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) v += x[s * n + b * block + (r * C + c) * T + t];
    return v / (idx.length * R * C);
  };
  for (let t = 0; t < T; t++) {
    let m = 0;
    for (let s = 0; s < S; s++) m += (meanOver(s, ia, t) - meanOver(s, ib, t)) / S;
    expect(Math.abs(effect[t] - m), `time ${t}`).toBeLessThan(tol(m));
  }

  // ---- a cursor or window move re-renders neither panel
  await page.waitForTimeout(500);
  const before = await page.evaluate(() => ({ ...(window as unknown as { __renders: Record<string, number> }).__renders }));
  expect(before['lab-panel']).toBeGreaterThan(0);
  expect(before.stats).toBeGreaterThan(0);
  for (const v of ['30', '40', '54']) {
    await page.getByTestId('cursor').fill(v);
    await expect(page.getByTestId('time-picker')).toHaveAttribute('data-cursor-ms', String(-100 + 5 * Number(v)));
  }
  await page.getByTestId('window-start').fill('20');
  await expect(page.getByTestId('time-picker')).toHaveAttribute('data-window', /^0,/);
  await page.waitForTimeout(500);
  const after = await page.evaluate(() => ({ ...(window as unknown as { __renders: Record<string, number> }).__renders }));
  expect(after).toEqual(before);

  if (SHOTS) {
    mkdirSync(SHOTS, { recursive: true });
    for (const [w, h] of [[1680, 1050], [390, 844]]) {
      await page.setViewportSize({ width: w, height: h });
      await tuning.scrollIntoViewIfNeeded();
      await page.waitForTimeout(800);
      await tuning.screenshot({ path: `${SHOTS}/lab-tuning-subjects-${w}.png` });
      await sub.scrollIntoViewIfNeeded();
      await page.waitForTimeout(800);
      await sub.screenshot({ path: `${SHOTS}/stats-subjects-${w}.png` });
      await stats.screenshot({ path: `${SHOTS}/stats-${w}.png` });
    }
  }
});
