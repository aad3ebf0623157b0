// The playground as a user meets it, measured in headless Chromium on the production build:
//   - demo subject ready: navigation start -> encode-status 'idle' ("Model ready"), target < 2 s;
//   - main-thread responsiveness while encoding: every task over 50 ms (Long Tasks API) between
//     dropping the images and encode-status 'done', target: none (24 images: several batches, so
//     that results arrive while encoding goes on); the plots' catch-up draw in the second after
//     'done' is reported on its own;
//   - view updates after a channel or time change (the panels' data-compute-ms), target < 16 ms.
// Run alone with `node bin/run-ts.mjs scripts/bench_playground.ts [--images 24] [--backend wasm]`;
// `npm run bench` runs it too. Numbers vary with machine load: run it more than once.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { writeFixtures } from '../e2e/fixtures.ts';

export interface PlaygroundResult {
  backend: string;
  images: number;
  /** Seconds from navigation start to the demo model being ready. */
  readyS: number;
  /** Seconds from dropping the images to encode-status 'done'. */
  encodeS: number;
  /** Main-thread tasks over 50 ms while encoding, ms, longest first. */
  longTasksMs: number[];
  /** Tasks over 50 ms in the second after encoding ends (the plots catching up), ms. */
  catchUpMs: number[];
  /** Panel view computations after a selection change, ms. */
  updateMs: Record<string, number>;
}

const OUT_DIR = '.cache/bench-app';
const PORT = 5176;

export async function benchPlayground(opts: { images?: number; backend?: string; runs?: number } = {}): Promise<PlaygroundResult[]> {
  const nImages = opts.images ?? 24;
  const backend = opts.backend ?? 'wasm';
  // (BENCH_PROFILE: unminified, so that the profile names functions)
  await build({ logLevel: 'error', build: { outDir: OUT_DIR, emptyOutDir: true, ...(process.env.BENCH_PROFILE ? { minify: false } : {}) } });
  const server = await preview({ logLevel: 'error', build: { outDir: OUT_DIR }, preview: { port: PORT, strictPort: true } });
  const tmp = mkdtempSync(join(tmpdir(), 'bench-playground-'));
  const fixtures = writeFixtures(tmp).images;
  const files = Array.from({ length: nImages }, (_, i) => fixtures[i % fixtures.length].path);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--headless=new'],
  });
  const results: PlaygroundResult[] = [];
  try {
    for (let run = 0; run < (opts.runs ?? 1); run++) {
      const page = await browser.newPage({ viewport: { width: 1680, height: 1050 } });
      // Recorded from the first script on: long tasks, and when encode-status changes state.
      await page.addInitScript(() => {
        const w = window as unknown as { __long: { start: number; ms: number }[]; __states: { state: string; t: number }[]; __texts: [number, string][] };
        w.__long = [];
        w.__states = [];
        w.__texts = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) w.__long.push({ start: e.startTime, ms: e.duration });
        }).observe({ type: 'longtask', buffered: true });
        new MutationObserver(() => {
          const el = document.querySelector('[data-testid=encode-status]');
          const state = el?.getAttribute('data-state');
          if (state && w.__states[w.__states.length - 1]?.state !== state) w.__states.push({ state, t: performance.now() });
          const text = el?.textContent ?? '';
          if (text && w.__texts[w.__texts.length - 1]?.[1] !== text) w.__texts.push([Math.round(performance.now()), text]);
        }).observe(document, { subtree: true, attributes: true, childList: true, characterData: true });
      });
      if (process.env.BENCH_VERBOSE) page.on('console', (m) => console.log('console:', m.text()));
      await page.goto(`http://localhost:${PORT}/?backend=${backend}`);
      const stateAt = (state: string, after = 0) =>
        page.waitForFunction(
          ([s, a]) => (window as unknown as { __states: { state: string; t: number }[] }).__states.find((x) => x.state === s && x.t >= (a as number))?.t ?? false,
          [state, after] as const,
          { timeout: 300_000, polling: 50 },
        ).then((h) => h.jsonValue() as Promise<number>);
      const readyMs = await stateAt('idle');
      if (process.env.BENCH_VERBOSE) console.log(await page.evaluate(() => (window as unknown as { __texts: unknown }).__texts));
      // Let the page settle (plotly warm-up runs while idle), as a user reading the page would.
      await page.waitForTimeout(1500);
      // BENCH_PROFILE=1: a CPU profile of the page's main thread from the drop to 'done' + 1 s
      const cdp = process.env.BENCH_PROFILE ? await page.context().newCDPSession(page) : null;
      if (cdp) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
        await cdp.send('Profiler.start');
      }
      const t0 = await page.evaluate(() => performance.now());
      await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles(files);
      const tDone = await stateAt('done', t0);
      // Tasks that start before 'done', and apart from them the redraws that follow it.
      await page.waitForTimeout(1000);
      const tasks = ([a, b]: number[]) =>
        page.evaluate(
          ([a, b]) =>
            (window as unknown as { __long: { start: number; ms: number }[] }).__long
              .filter((e) => e.start >= a && e.start < b)
              .map((e) => Math.round(e.ms))
              .sort((x, y) => y - x),
          [a, b],
        );
      if (cdp) printProfile((await cdp.send('Profiler.stop')).profile);
      const longTasksMs = await tasks([t0, tDone]);
      const catchUpMs = await tasks([tDone, tDone + 1000]);
      if (process.env.BENCH_VERBOSE) {
        // What ran when: long tasks next to the plot draws (user-timing measures over 10 ms).
        const timeline = await page.evaluate(([a, b]) => {
          const w = window as unknown as { __long: { start: number; ms: number }[] };
          const rows = w.__long.filter((e) => e.start >= a && e.start <= b).map((e) => [Math.round(e.start), `long task ${Math.round(e.ms)} ms`] as const);
          const plots = performance.getEntriesByType('measure').filter((m) => m.startTime >= a && m.startTime <= b && m.duration > 10);
          return [...rows, ...plots.map((m) => [Math.round(m.startTime), `${m.name} ${Math.round(m.duration)} ms`] as const)].sort((x, y) => x[0] - y[0]);
        }, [t0, tDone + 1000]);
        for (const [t, what] of timeline) console.log(`  ${t} ms: ${what}`);
      }
      // A channel preset and a time-window change: each panel reports the time its view took.
      const updateMs: Record<string, number> = {};
      await page.locator('[data-preset=occipital]').click();
      await page.waitForTimeout(300);
      for (const id of ['topomap', 'timecourse']) {
        const v = await page.getByTestId(id).getAttribute('data-compute-ms');
        if (v) updateMs[`${id} (channels)`] = Number(v);
      }
      results.push({ backend, images: nImages, readyS: readyMs / 1000, encodeS: (tDone - t0) / 1000, longTasksMs, catchUpMs, updateMs });
      await page.close();
    }
  } finally {
    await browser.close();
    await new Promise<void>((r) => server.httpServer.close(() => r()));
    rmSync(tmp, { recursive: true, force: true });
  }
  return results;
}

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples?: number[];
  timeDeltas?: number[];
}
/** A profile node's function as the profiles print it: name, file and line. */
export function frameName(f: CpuProfile['nodes'][number]['callFrame']): string {
  return `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
}

/** Main-thread self time per function (ms), most first: what BENCH_PROFILE prints. */
export function selfTimes(p: CpuProfile): [string, number][] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  (p.samples ?? []).forEach((id, i) => {
    const key = frameName(byId.get(id)!.callFrame);
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas?.[i] ?? 0) / 1000);
  });
  return [...self].sort((a, b) => b[1] - a[1]);
}

function printProfile(p: CpuProfile): void {
  console.log('  main-thread self time, drop to done + 1 s:');
  for (const [k, ms] of selfTimes(p).slice(0, 25)) console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${k}`);
}

export function describePlayground(r: PlaygroundResult): string {
  const longest = r.longTasksMs[0] ?? 0;
  const updates = Object.entries(r.updateMs)
    .map(([k, v]) => `${k} ${v.toFixed(1)} ms`)
    .join(', ');
  return [
    `playground (${r.backend}): demo ready ${r.readyS.toFixed(2)} s after navigation (target < 2 s)`,
    `  ${r.images} images encoded in ${r.encodeS.toFixed(1)} s; main-thread tasks > 50 ms while encoding: ${r.longTasksMs.length}` +
      (r.longTasksMs.length ? ` (longest ${longest} ms; all: ${r.longTasksMs.join(', ')})` : '') +
      ' (target: none)',
    `  when encoding ends, the plots catch up: ${r.catchUpMs.length ? `tasks of ${r.catchUpMs.join(', ')} ms` : 'no task > 50 ms'}`,
    `  view updates: ${updates || '-'} (target < 16 ms)`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench_playground.ts')) {
  const args = Object.fromEntries(
    process.argv.slice(2).reduce<string[][]>((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
  );
  const res = await benchPlayground({ images: Number(args.images ?? 24), backend: args.backend ?? 'wasm', runs: Number(args.runs ?? 1) });
  for (const r of res) console.log(describePlayground(r));
  process.exit(0);
}
