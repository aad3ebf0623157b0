// The playground at experiment scale, through the real page (production build, headless Chromium,
// wasm backend, the demo subject), against the issue's targets:
//   - page JS heap (main thread, after a GC) with N images encoded: <= 150 MB at 1,000, <= 300 MB at 10,000;
//     the tab's total (page and its workers) where Chromium measures it;
//   - a cursor, window, channel or image/condition change -> every view updated and the next
//     frame painted, median: <= 16 ms at 1,000, <= 50 ms at 10,000;
//   - the longest main-thread task while encoding (reported);
//   - encoding in the page >= 0.9x the CLI's img/s on the same backend (wasm), the same thread
//     count and the same images, in the same run (both from the model being ready to the last row);
//   - reload of the session: navigation to every image encoded from storage (none sent to the
//     engine again), <= 3 s at 1,000; and to the topomap and time course drawn again.
// The images come as a folder with two subfolders (two conditions), and the reloaded session's
// full .npy export is downloaded to disk and memory-mapped by numpy, its first and last rows
// checked against the CLI's responses to those images.
// Run: `node bin/run-ts.mjs scripts/bench_scale.ts [--images 1000] [--views-only] [--no-cli] [--keep DIR]`
// or `npm run bench -- --only scale` (--views-only: the view updates alone; --no-cli: without the
// CLI's run on the same images, e.g. at 10,000; --keep: see benchScale; BENCH_PROFILE=1 /
// BENCH_TRACE=1 print where each row's main-thread time goes, BENCH_PROFILE=encode where the
// encoding's longest tasks' time goes, BENCH_VERBOSE=1 the long animation frames and their scripts,
// BENCH_SHOT=<stem> a screenshot of the page before the view updates).
// Timings vary with machine load: on a shared machine run it more than once.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import jpeg from 'jpeg-js';
import { build, preview } from 'vite';
import { fullPageShot } from '../e2e/helpers.ts';
import { frameName, selfTimes, type CpuProfile } from './bench_playground.ts';

// BENCH_SCALE_OUT / BENCH_SCALE_PORT: another run of this bench may hold the default build folder and port
const OUT_DIR = process.env.BENCH_SCALE_OUT ?? '.cache/bench-scale';
const PORT = Number(process.env.BENCH_SCALE_PORT ?? 5177);
const DEMO = 'public/models/eeg-things_eeg_2-alexnet_untrained/demo';

export interface ScaleResult {
  images: number;
  heapMb: number;
  /** the page heap again with the Lab on screen (its measures of every image computed), and how long they took */
  labHeapMb: number;
  labS: number;
  tabMb: number | null;
  resident: { renderers: number; browser: number } | null;
  updateMs: Record<string, number>;
  longestTaskMs: number;
  /** the longest main-thread task over the view-update rows */
  longestInteractMs: number;
  pageImgPerS: number;
  cliImgPerS: number;
  threads: number;
  reloadS: number;
  /** navigation to the topomap and time course drawn again */
  reloadViewsS: number;
  reloadSent: number;
  /** images per condition, from the sidecar */
  perCondition: Record<string, number>;
  npyExport: NpyExport;
}

export interface NpyExport {
  bytes: number;
  /** from the click to the download on disk */
  seconds: number;
  /** page JS heap just after */
  heapMb: number;
  /** what numpy's memory map of it says */
  shape: number[];
  dtype: string;
  memmap: boolean;
  /** its first and last rows against the CLI's responses to those two images: max |diff| and max |ref| */
  maxAbsDiff: number;
  maxAbsRef: number;
}

/**
 * N distinct 256 px JPEGs (the issue's stimuli; distinct bytes: the page skips duplicate files) in
 * two subfolders, set/a and set/b (the first and second half: two conditions in the page), and the
 * same files linked into one folder, flat/ (the CLI reads one level), as a_<name> and b_<name>.
 */
function writeImages(dir: string, n: number): { set: string; flat: string; names: string[] } {
  const root = join(dir, 'set');
  const flat = join(dir, 'flat');
  for (const d of [join(root, 'a'), join(root, 'b'), flat]) mkdirSync(d, { recursive: true });
  const names: string[] = [];
  const S = 256;
  const data = new Uint8Array(S * S * 4);
  for (let i = 0; i < n; i++) {
    // a photo-like mix: gradients whose angle and colours follow the image, and some noise
    let s = (i * 2654435761 + 1) >>> 0;
    const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const a = rnd() * Math.PI;
    const base = [rnd() * 255, rnd() * 255, rnd() * 255];
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        const k = (y * S + x) * 4;
        const g = (Math.cos(a) * x + Math.sin(a) * y) / S;
        for (let c = 0; c < 3; c++) data[k + c] = Math.max(0, Math.min(255, base[c] * (1 - g) + (255 - base[c]) * g + (rnd() - 0.5) * 40));
        data[k + 3] = 255;
      }
    const half = i < n / 2 ? 'a' : 'b';
    const name = `img${String(i).padStart(5, '0')}.jpg`;
    writeFileSync(join(root, half, name), jpeg.encode({ data, width: S, height: S }, 85).data);
    linkSync(join(root, half, name), join(flat, `${half}_${name}`));
    names.push(`${half}/${name}`);
  }
  return { set: root, flat, names };
}

type LongFrame = { start: number; ms: number; renderMs: number; scripts: string[] };

/** With BENCH_VERBOSE, the longest animation frames between two times, with their scripts. */
async function printLongFrames(page: Page, label: string, from: number, to: number) {
  if (!process.env.BENCH_VERBOSE) return;
  const frames = (await page.evaluate(`window.__frames.filter((f) => f.start >= ${from} && f.start < ${to})`)) as LongFrame[];
  console.error(`  ${label}: ${frames.length} animation frames over 100 ms or with a task over 50 ms`);
  for (const f of frames.sort((a, b) => b.ms - a.ms).slice(0, 5)) {
    console.error(`    ${f.ms.toFixed(0)} ms at ${((f.start - from) / 1000).toFixed(1)} s (rendering ${f.renderMs.toFixed(0)} ms)`);
    for (const x of f.scripts) console.error(`      ${x}`);
  }
}

/** encode-status changes and long tasks, recorded from the first script on. */
async function instrument(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { __long: { start: number; ms: number }[]; __frames: LongFrame[]; __states: { state: string; t: number }[] };
    w.__long = [];
    w.__frames = [];
    w.__states = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    // the long animation frames (over 100 ms, or with a task over 50 ms: blocking time) with the
    // scripts that ran in them, for BENCH_VERBOSE
    type Script = { invoker: string; sourceFunctionName: string; sourceURL: string; sourceCharPosition: number; duration: number; forcedStyleAndLayoutDuration: number };
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as unknown as { startTime: number; duration: number; blockingDuration: number; renderStart: number; styleAndLayoutStart: number; scripts: Script[] }[])
          if (e.duration > 100 || e.blockingDuration > 0)
            w.__frames.push({
              start: e.startTime,
              ms: e.duration,
              renderMs: e.renderStart ? e.startTime + e.duration - e.renderStart : 0,
              scripts: e.scripts.map((x) => `${x.invoker} ${x.sourceFunctionName || '?'} @${x.sourceURL.split('/').pop()}:${x.sourceCharPosition} ${x.duration.toFixed(0)} ms (forced layout ${x.forcedStyleAndLayoutDuration.toFixed(0)})`),
            });
      }).observe({ type: 'long-animation-frame', buffered: true });
    } catch {
      // (no long-animation-frame entries in this browser)
    }
    new MutationObserver(() => {
      const state = document.querySelector('[data-testid=encode-status]')?.getAttribute('data-state');
      if (state && w.__states[w.__states.length - 1]?.state !== state) w.__states.push({ state, t: performance.now() });
    }).observe(document, { subtree: true, attributes: true, childList: true });
  });
}

function stateAt(page: Page, state: string, after = 0, timeout = 3_600_000): Promise<number> {
  return page
    .waitForFunction(([s, a]) => (window as unknown as { __states: { state: string; t: number }[] }).__states.find((x) => x.state === s && x.t >= (a as number))?.t ?? false, [state, after] as const, { timeout, polling: 50 })
    .then((h) => h.jsonValue() as Promise<number>);
}

/** The gallery's count and what the page says about it (status, intake note, duplicates). */
async function galleryState(page: Page): Promise<string> {
  // a string, so that the bundler's helpers (function names) do not reach the page
  return (await page.evaluate(`(() => {
    const text = (id) => document.querySelector('[data-testid=' + id + ']')?.textContent?.trim() ?? '-';
    return document.querySelector('[data-testid=gallery]')?.getAttribute('data-count') + ' images; status "' + text('encode-status') + '"; intake note "' + text('intake-note') + '"; duplicates "' + text('duplicate-report') + '"; errors: ' + ([...document.querySelectorAll('[data-testid=error-chip]')].slice(0, 3).map((e) => e.textContent).join(' | ') || 'none');
  })()`)) as string;
}

/** Main-thread JS heap after a GC (CDP), MB. */
async function heapMb(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  await cdp.detach();
  return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN) / 1e6;
}

/**
 * The resident memory (PSS: shared pages split among their processes) of this process's Chromium
 * renderers (the tab: page and workers) and of the whole browser, MB; null where /proc is missing.
 * What the system holds, beside the JavaScript engine's own measure (tabMb).
 */
function residentMb(): { renderers: number; browser: number } | null {
  if (!existsSync('/proc/self/smaps_rollup')) return null;
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // the parent pid follows the command name, which may hold spaces and parentheses
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // (gone meanwhile)
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = parent.get(pid), hops = 0; p !== undefined && p > 1 && hops < 64; p = parent.get(p), hops++) if (p === process.pid) return true;
    return false;
  };
  let renderers = 0;
  let browser = 0;
  for (const pid of parent.keys()) {
    if (!mine(pid)) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('chrom')) continue;
      const kb = Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
      browser += kb / 1e3;
      if (cmd.includes('--type=renderer')) renderers += kb / 1e3;
    } catch {
      // (gone meanwhile)
    }
  }
  return { renderers, browser };
}

/** The tab's memory, page and workers (measureUserAgentSpecificMemory: cross-origin isolated pages only), MB. */
async function tabMb(page: Page): Promise<number | null> {
  return page.evaluate(async () => {
    type Entry = { bytes: number; types: string[]; attribution: { url?: string; scope?: string }[] };
    const p = performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number; breakdown: Entry[] }> };
    if (!p.measureUserAgentSpecificMemory) return null;
    const r = await Promise.race([p.measureUserAgentSpecificMemory(), new Promise<null>((res) => setTimeout(() => res(null), 60_000))]);
    if (!r) return null;
    // where the bytes are: by memory type and the context (window, worker) they belong to
    const parts = r.breakdown
      .filter((e) => e.bytes > 1e6)
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 8)
      .map((e) => `${(e.bytes / 1e6).toFixed(0)} MB ${e.types.join('+') || '(untyped)'} ${e.attribution.map((a) => `${a.scope ?? ''} ${(a.url ?? '').replace(/^.*\//, '')}`).join(', ')}`);
    return { mb: r.bytes / 1e6, parts };
  }).then((r) => {
    if (r && process.env.BENCH_VERBOSE) for (const line of r.parts) console.error(`    tab: ${line}`);
    return r ? r.mb : null;
  });
}

/**
 * Median time from one change (`act` in the page, run at the start of a frame, where Chromium
 * delivers continuous input) to the end of the rendering of the first frame that shows every view
 * updated: the panels' data-values-sum attributes (topomap, time course) differ from before and no
 * plotly draw is waiting (Plot's data-plot-pending). The time is taken in a task posted from that
 * frame's animation-frame callback, which runs once its style, layout and paint are done; waiting
 * for the animation frame after it instead would add a frame interval (16.7 ms) to every change.
 * For a change shown in the input's own frame the task is posted before the input, so that tasks
 * the input posts (deferred renders of panels that need not keep up) run after it.
 */
async function updateMedian(page: Page, label: string, steps: number, act: string): Promise<number> {
  // a string, so that the bundler's helpers (function names) do not reach the page
  const ms = (await page.evaluate(`(async () => {
    const run = (k) => { ${act} };
    const views = () => ['topomap', 'timecourse', 'conditions'].map((id) => document.querySelector('[data-testid=' + id + ']')?.getAttribute('data-values-sum') ?? '').join('|');
    const pending = () => document.querySelector('[data-plot-pending]') !== null;
    const frame = () => new Promise((r) => requestAnimationFrame(() => r(performance.now())));
    const afterRender = () => new Promise((r) => { const ch = new MessageChannel(); ch.port1.onmessage = () => r(performance.now()); ch.port2.postMessage(0); });
    const out = [];
    const sync = [];
    let inFrame = 0;
    const from = performance.now();
    for (let k = 0; k < ${steps}; k++) {
      await frame();
      while (pending()) await frame();
      await frame();
      const before = views();
      const t0 = performance.now();
      // posted before the input, so that it is the first task after this frame's rendering: work
      // the input leaves to later tasks (React's deferred renders of other panels) is not counted
      let painted = afterRender();
      run(k);
      // A user's input event returns to an empty stack, and React's update, queued as a microtask,
      // renders at once, before the frame. Here this function is on the stack: let those microtasks
      // run before asking whether the views changed, else a change shown in this frame would be
      // counted at the next one.
      await Promise.resolve();
      sync.push(performance.now() - t0);
      if (views() !== before && !pending()) inFrame++;
      else {
        // until the views change and their plots are drawn (at most 2 s: a change that leaves them equal counts as 2 s)
        while ((views() === before || pending()) && performance.now() - t0 < 2000) await frame();
        painted = afterRender();
      }
      const t = await painted;
      out.push(t - t0);
    }
    const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
    await new Promise((r) => setTimeout(r, 300)); // (tasks the last change left to later)
    const longest = Math.max(0, ...window.__long.filter((e) => e.start >= from).map((e) => e.ms));
    return [median(out), median(sync), inFrame, longest];
  })()`)) as [number, number, number, number];
  console.error(`  ${label}: median ${ms[0].toFixed(1)} ms over ${steps} (of which the input's own handling ${ms[1].toFixed(1)} ms; shown in the input's own frame: ${ms[2]} of ${steps}; longest task ${ms[3].toFixed(0)} ms)`);
  return ms[0];
}

/**
 * With BENCH_PROFILE=1 the main thread's CPU profile (self time per function) over one row's
 * changes; with BENCH_TRACE=1 its trace events' total time per kind (script, style, layout, paint).
 */
async function profiled<T>(page: Page, label: string, run: () => Promise<T>): Promise<T> {
  const profile = Boolean(process.env.BENCH_PROFILE);
  const trace = Boolean(process.env.BENCH_TRACE);
  if (!profile && !trace) return run();
  const cdp = await page.context().newCDPSession(page);
  const events: { name: string; ph: string; dur?: number; pid: number; tid: number; args?: { name?: string } }[] = [];
  if (profile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
  }
  if (trace) {
    cdp.on('Tracing.dataCollected', (e) => void events.push(...(e.value as unknown as typeof events)));
    await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,v8', transferMode: 'ReportEvents' });
  }
  const out = await run();
  if (profile) {
    const p = (await cdp.send('Profiler.stop')).profile as CpuProfile;
    console.error(`  ${label}: main-thread self time`);
    for (const [k, ms] of selfTimes(p).slice(0, 25)) console.error(`  ${ms.toFixed(1).padStart(8)} ms  ${k}`);
    console.error(`  ${label}: time on the stack (callees included)`);
    for (const [k, ms] of onStackTimes(p as CpuProfile & { nodes: { id: number; children?: number[] }[] }).slice(0, 30)) console.error(`  ${ms.toFixed(1).padStart(8)} ms  ${k}`);
  }
  if (trace) {
    const done = new Promise<void>((r) => cdp.once('Tracing.tracingComplete', () => r()));
    await cdp.send('Tracing.end');
    await done;
    const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
    const total = new Map<string, number>();
    for (const e of events) if (main && e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur) total.set(e.name, (total.get(e.name) ?? 0) + e.dur / 1000);
    console.error(`  ${label}: main-thread trace events (nested ones counted in their parents too)`);
    for (const [k, ms] of [...total].sort((a, b) => b[1] - a[1]).slice(0, 22)) console.error(`  ${ms.toFixed(1).padStart(8)} ms  ${k}`);
  }
  await cdp.detach();
  return out;
}

/** Each function's time on the stack (its callees' included), over the given samples (all by default). */
function onStackTimes(p: CpuProfile & { nodes: { id: number; children?: number[] }[] }, indices?: number[]): [string, number][] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const samples = p.samples ?? [];
  const total = new Map<string, number>();
  for (const k of indices ?? samples.keys()) {
    const seen = new Set<string>();
    for (let n: number | undefined = samples[k]; n !== undefined; n = parent.get(n)) seen.add(frameName(byId.get(n)!.callFrame));
    for (const f of seen) total.set(f, (total.get(f) ?? 0) + (p.timeDeltas?.[k] ?? 0) / 1000);
  }
  return [...total].sort((a, b) => b[1] - a[1]);
}

function keepDir(): string | null {
  const i = process.argv.indexOf('--keep');
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : null;
}

/**
 * With BENCH_PROFILE=encode, the main thread's CPU profile over the intake and encoding (a kept
 * session: its thumbnails decoded again), summed
 * over its long stretches only: runs of samples without idle longer than 50 ms, the long tasks
 * (with the microtasks and rendering that end them). Printed: self time per function, and the
 * time each function was on the stack (its callees' included). Returns the function that stops
 * it and prints.
 */
async function encodeProfiler(page: Page, label: string): Promise<() => Promise<void>> {
  if (process.env.BENCH_PROFILE !== 'encode') return async () => undefined;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
  await cdp.send('Profiler.start');
  return async () => {
    const p = (await cdp.send('Profiler.stop')).profile as CpuProfile & { nodes: { id: number; children?: number[] }[] };
    await cdp.detach();
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const samples = p.samples ?? [];
    const dt = (p.timeDeltas ?? []).map((d) => d / 1000);
    const idle = (id: number) => byId.get(id)!.callFrame.functionName === '(idle)';
    const inLong: number[] = [];
    let runs = 0;
    const stretches: { from: number; to: number; ms: number }[] = [];
    for (let i = 0; i < samples.length; ) {
      if (idle(samples[i])) {
        i++;
        continue;
      }
      let j = i;
      let ms = 0;
      while (j < samples.length && !idle(samples[j])) ms += dt[j++] ?? 0;
      if (ms > 50) {
        runs++;
        stretches.push({ from: i, to: j, ms });
        for (let k = i; k < j; k++) inLong.push(k);
      }
      i = j;
    }
    const self = selfTimes({ ...p, samples: inLong.map((k) => samples[k]), timeDeltas: inLong.map((k) => 1000 * dt[k]) });
    console.error(`  ${label}: ${runs} main-thread stretches over 50 ms; self time in them`);
    for (const [k, ms] of self.slice(0, 30)) console.error(`  ${ms.toFixed(1).padStart(8)} ms  ${k}`);
    console.error('  and time on the stack (callees included)');
    for (const [k, ms] of onStackTimes(p, inLong).slice(0, 30)) console.error(`  ${ms.toFixed(1).padStart(8)} ms  ${k}`);
    // the three longest, each on its own: what one long task is made of
    for (const st of stretches.sort((a, b) => b.ms - a.ms).slice(0, 3)) {
      const own = onStackTimes(p, Array.from({ length: st.to - st.from }, (_, d) => st.from + d));
      console.error(`  one stretch of ${st.ms.toFixed(0)} ms, time on the stack:`);
      for (const [k, ms] of own.slice(0, 40)) console.error(`  ${ms.toFixed(1).padStart(8)} ms  ${k}`);
    }
  };
}

// React reads a controlled input's value through its own setter: set it that way, then 'input'.
const SET_INPUT = `
  const set = (el, v) => { Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, String(v)); el.dispatchEvent(new Event('input', { bubbles: true })); el.dispatchEvent(new Event('change', { bubbles: true })); };
  const setSel = (el, v) => { Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set.call(el, String(v)); el.dispatchEvent(new Event('change', { bubbles: true })); };
`;

/** The CLI on the same images, backend and threads: img/s from the model being ready to exit. */
async function cliRate(folder: string, threads: number, n: number): Promise<number> {
  const out = join(tmpdir(), `bench-scale-${process.pid}.npy`);
  const child = spawn(process.execPath, ['bin/insilico-eeg.mjs', 'encode', '--model', DEMO, '--images', folder, '--out', out, '--device', 'wasm', '--threads', String(threads)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let ready = 0;
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    if (!ready && /(^|[\r\n])model .* on /.test(err)) ready = performance.now();
  });
  const code = await new Promise<number>((r) => child.on('exit', (c) => r(c ?? 1)));
  const end = performance.now();
  rmSync(out, { force: true });
  rmSync(`${out}.json`, { force: true });
  if (code !== 0 || !ready) throw new Error(`CLI encode failed (${code}): ${err.slice(-400)}`);
  return n / ((end - ready) / 1000);
}

/**
 * The page's full .npy export (written from browser storage into a file that is downloaded, never
 * one array in memory), memory-mapped by numpy (Debian's /usr/bin/python3); its first and last
 * rows compared with the CLI's responses to those two images (wasm, the page's thread count).
 */
async function exportCheck(page: Page, tmp: string, stimuli: { flat: string; names: string[] }, threads: number): Promise<NpyExport> {
  // the whole response: every channel, every time point
  await page.locator('[data-preset=all]').click();
  await page.evaluate(`${SET_INPUT} set(document.querySelector('[data-testid=window-start]'), 0); set(document.querySelector('[data-testid=window-end]'), 139);`);
  await page.getByTestId('export-shape').filter({ hasText: ', 4, 63, 140]' }).waitFor();
  const t0 = performance.now();
  const [dl] = await Promise.all([page.waitForEvent('download', { predicate: (d) => d.suggestedFilename().endsWith('.npy'), timeout: 1_800_000 }), page.getByTestId('export-npy').click()]);
  const path = await dl.path();
  const failure = await dl.failure();
  if (!path || failure) throw new Error(`the .npy download failed: ${failure}`);
  const seconds = (performance.now() - t0) / 1000;
  const heap = await heapMb(page);
  const bytes = statSync(path).size;
  // the CLI on the first and last image alone
  const two = join(tmp, 'two');
  mkdirSync(two, { recursive: true });
  const [first, last] = [stimuli.names[0], stimuli.names[stimuli.names.length - 1]].map((n) => n.replace('/', '_'));
  for (const n of [first, last]) linkSync(join(stimuli.flat, n), join(two, n));
  const cliOut = join(tmp, 'two.npy');
  execFileSync(process.execPath, ['bin/insilico-eeg.mjs', 'encode', '--model', DEMO, '--images', two, '--out', cliOut, '--device', 'wasm', '--threads', String(threads), '--quiet'], { stdio: 'ignore' });
  const py = `
import json, sys, numpy as np
a = np.load(sys.argv[1], mmap_mode='r')
ref = np.load(sys.argv[2])
rows = np.stack([a[0], a[-1]]).astype(np.float64)
print(json.dumps({'shape': list(a.shape), 'dtype': str(a.dtype), 'memmap': isinstance(a, np.memmap), 'maxAbsDiff': float(np.abs(rows - ref).max()), 'maxAbsRef': float(np.abs(ref).max())}))
`;
  const r = JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, path, cliOut], { encoding: 'utf8' })) as Omit<NpyExport, 'bytes' | 'seconds' | 'heapMb'>;
  rmSync(path, { force: true });
  console.error(`  .npy export: ${(bytes / 1e9).toFixed(2)} GB on disk in ${seconds.toFixed(1)} s, page heap then ${heap.toFixed(0)} MB; numpy: ${JSON.stringify(r)}`);
  return { bytes, seconds, heapMb: heap, ...r };
}

/** viewsOnly: stop after the view updates (no heap, reload or CLI rows), for iterating on the views. */
export async function benchScale(nImages: number, viewsOnly = false, withCli = true): Promise<ScaleResult> {
  // (BENCH_PROFILE: unminified, and the main thread's CPU profile over the cursor changes printed)
  await build({ logLevel: 'error', build: { outDir: OUT_DIR, emptyOutDir: true, ...(process.env.BENCH_PROFILE ? { minify: false } : {}) } });
  const server = await preview({ logLevel: 'error', build: { outDir: OUT_DIR }, preview: { port: PORT, strictPort: true } });
  const tmp = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  // --keep DIR: the browser profile (the session in its storage) is kept there, and a later
  // --views-only run on it measures the views on the stored session, without the intake
  const kept = keepDir();
  const resumed = kept !== null && viewsOnly && existsSync(join(kept, 'Default'));
  const profile = kept ?? mkdtempSync(join(tmpdir(), 'bench-scale-profile-'));
  const stimuli = resumed ? null : writeImages(tmp, nImages);
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1680, height: 1050 },
    acceptDownloads: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-precise-memory-info'],
  });
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await instrument(page);
    if (process.env.BENCH_VERBOSE) page.on('console', (m) => console.error('console:', m.text()));
    await page.goto(`http://localhost:${PORT}/?backend=wasm`);
    let pageImgPerS = NaN;
    let longestTaskMs = NaN;
    if (resumed) {
      // (a stored session may go from loading to done without an idle state between)
      await stateAt(page, 'done', 0, 600_000);
      await page.waitForTimeout(1500);
      const count = Number(await page.getByTestId('gallery').getAttribute('data-count'));
      if (count !== nImages) throw new Error(`the kept session has ${count} images, not ${nImages}`);
      console.error(`  the kept session's ${count} images back from storage`);
      // its thumbnails are decoded again in the background: measured once that is over (as a
      // fresh run measures once encoding is); BENCH_PROFILE=encode profiles it
      const background = await encodeProfiler(page, 'while the thumbnails were decoded again');
      const quietFrom = await page.evaluate('performance.now()');
      await page.waitForFunction((n) => document.querySelector('[data-testid=gallery]')?.getAttribute('data-thumbs') === String(n), nImages, { timeout: 600_000, polling: 250 });
      console.error(`  thumbnails decoded again in ${((((await page.evaluate('performance.now()')) as number) - (quietFrom as number)) / 1000).toFixed(1)} s`);
      await background();
      await page.waitForTimeout(2000);
      await printLongFrames(page, 'while the thumbnails were decoded again', quietFrom as number, Infinity);
      // the view as a fresh session starts it (the kept one comes back as the last run left it)
      await page.getByRole('button', { name: 'At cursor' }).click();
      await page.getByTestId('channel-view').selectOption('butterfly');
      await page.getByTestId('map-source').selectOption('all');
      await page.locator('[data-preset=all]').click();
    } else {
      const tReady = await stateAt(page, 'idle');
      // what a reload cannot beat: the page and the model on a fresh start, no session
      console.error(`  fresh page: model ready at ${(tReady / 1000).toFixed(2)} s`);
      await page.waitForTimeout(1500);
      const t0 = await page.evaluate(() => performance.now());
      const encodeProfile = await encodeProfiler(page, 'while encoding');
      await page.locator('[data-testid=folder-input]').setInputFiles(stimuli!.set);
      const tEnc = await stateAt(page, 'encoding', t0);
      const tDone = await stateAt(page, 'done', t0);
      await encodeProfile();
      pageImgPerS = nImages / ((tDone - tEnc) / 1000);
      longestTaskMs = await page.evaluate(([a, b]) => Math.max(0, ...(window as unknown as { __long: { start: number; ms: number }[] }).__long.filter((e) => e.start >= a && e.start < b).map((e) => e.ms)), [tEnc, tDone]);
      await printLongFrames(page, 'while encoding', tEnc, tDone);
    }
    // the page's wasm thread count, from its sidecar's backend note
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-sidecar').click()]);
    const sidecar = JSON.parse(readFileSync((await dl.path())!, 'utf8')) as { backend_note?: string; images: { name: string; condition?: string }[] };
    const threads = Number(/(\d+) thread/.exec(String(sidecar.backend_note ?? ''))?.[1] ?? 1);
    // the two subfolders, two conditions
    const perCondition = sidecar.images.reduce<Record<string, number>>((acc, im) => ((acc[im.condition ?? '(none)'] = (acc[im.condition ?? '(none)'] ?? 0) + 1), acc), {});
    if (!resumed && (perCondition.a !== Math.ceil(nImages / 2) || perCondition.b !== Math.floor(nImages / 2))) throw new Error(`the sidecar's conditions are ${JSON.stringify(perCondition)}, not a and b by halves`);
    await page.waitForTimeout(2000);

    // BENCH_SHOT=<path stem>: the page as the view updates find it, whole
    if (process.env.BENCH_SHOT) await fullPageShot(page, `${process.env.BENCH_SHOT}-${nImages}-${resumed ? 'kept' : 'fresh'}.png`);
    const updateMs: Record<string, number> = {};
    const tInteract = await page.evaluate(() => performance.now());
    updateMs.cursor = await profiled(page, 'cursor', () => updateMedian(page, 'cursor', 21, `${SET_INPUT} set(document.querySelector('[data-testid=cursor]'), 30 + (k * 7) % 100);`));
    // the map over the window, so that a window change changes it
    await page.getByTestId('topo-window').click();
    updateMs.window = await profiled(page, 'window', () => updateMedian(page, 'window', 11, `${SET_INPUT} set(document.querySelector('[data-testid=window-end]'), 60 + 5 * k);`));
    // the time course as the mean over the selected channels, so that a channel change changes it
    await page.getByTestId('channel-view').selectOption('mean');
    updateMs.channels = await profiled(page, 'channels', () => updateMedian(page, 'channels', 10, `document.querySelector(k % 2 ? '[data-preset=all]' : '[data-preset=occipital]').click();`));
    updateMs['map source'] = await profiled(page, 'map source', () =>
      // the mean over images and one image in turn, a different image each time (by its number, as a user picks it)
      updateMedian(
        page,
        'map source (all, an image)',
        10,
        `${SET_INPUT} const el = document.querySelector('[data-testid=map-source]');
        if (k % 2 === 1) setSel(el, 'all');
        else {
          setSel(el, [...el.options].find((o) => o.textContent.startsWith('one image')).value);
          const field = document.querySelector('[data-testid=map-source-number]');
          set(field, 1 + ((k * 389) % ${nImages}));
          field.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
        }`,
      ),
    );
    const longestInteractMs = await page.evaluate((a) => Math.max(0, ...(window as unknown as { __long: { start: number; ms: number }[] }).__long.filter((e) => e.start >= a).map((e) => e.ms)), tInteract);
    await printLongFrames(page, 'while interacting', tInteract, Infinity);
    if (viewsOnly) return { images: nImages, updateMs, longestInteractMs } as ScaleResult; // what describeViews reads
    const heap = await heapMb(page);
    const tab = await tabMb(page);
    const resident = residentMb();
    console.error(`  page heap ${heap.toFixed(0)} MB, tab ${tab === null ? 'n/a' : tab.toFixed(0)} MB, resident ${resident ? `${resident.renderers.toFixed(0)} MB renderers, ${resident.browser.toFixed(0)} MB browser` : 'n/a'}`);
    // the Lab on screen: its measures and ranking of every image, computed in the responses worker
    const tLab = await page.evaluate(() => performance.now());
    await page.getByTestId('lab-panel').scrollIntoViewIfNeeded();
    await page.waitForFunction((n) => document.querySelector('[data-testid=lab-ranking]')?.getAttribute('data-n') === String(n), nImages, { timeout: 600_000, polling: 100 });
    const labS = ((await page.evaluate(() => performance.now())) - tLab) / 1000;
    const labHeap = await heapMb(page);
    console.error(`  the Lab's ranking of ${nImages} images in ${labS.toFixed(2)} s; page heap then ${labHeap.toFixed(0)} MB`);

    // reload: navigation to every image back from storage
    console.error(`  before the reload: ${await galleryState(page)}`);
    await page.waitForTimeout(1500); // the session state is written half a second after the last change
    await page.reload();
    const tBack = await stateAt(page, 'done', 0, 600_000);
    // and the views drawn from the group means the responses worker rebuilt from storage
    const tViews = (await page
      .waitForFunction(() => (document.querySelector('[data-testid=topomap]')?.getAttribute('data-has-data') === 'true' && document.querySelector('[data-testid=timecourse]')?.getAttribute('data-has-data') === 'true' ? performance.now() : false), undefined, { timeout: 600_000, polling: 50 })
      .then((h) => h.jsonValue())) as number;
    const states = await page.evaluate(() => (window as unknown as { __states: { state: string; t: number }[] }).__states);
    console.error(`  after the reload, encode-status: ${states.map((x) => `${x.state} at ${(x.t / 1000).toFixed(2)} s`).join(', ')}; views drawn at ${(tViews / 1000).toFixed(2)} s`);
    console.error(`  after the reload: ${await galleryState(page)}`);
    const reloadSent = Number(await page.getByTestId('encode-status').getAttribute('data-images-sent'));
    const count = Number(await page.getByTestId('gallery').getAttribute('data-count'));
    if (count !== nImages) throw new Error(`after the reload the gallery has ${count} images, not ${nImages}: ${await galleryState(page)}`);

    // the reloaded session's full export, to disk and into numpy
    const npyExport = await exportCheck(page, tmp, stimuli!, threads);
    const cliImgPerS = withCli ? await cliRate(stimuli!.flat, threads, nImages) : NaN;
    return { images: nImages, heapMb: heap, labHeapMb: labHeap, labS, tabMb: tab, resident, updateMs, longestTaskMs, longestInteractMs, pageImgPerS, cliImgPerS, threads, reloadS: tBack / 1000, reloadViewsS: tViews / 1000, reloadSent, perCondition, npyExport };
  } finally {
    await ctx.close();
    await new Promise<void>((r) => server.httpServer.close(() => r()));
    rmSync(tmp, { recursive: true, force: true });
    if (!kept) rmSync(profile, { recursive: true, force: true });
  }
}


/** Chromium reports long tasks only, those over 50 ms: none is reported as 0. */
const longTask = (ms: number) => (ms > 0 ? `${ms.toFixed(0)} ms` : 'none over 50 ms');

function viewsLine(r: Pick<ScaleResult, 'images' | 'updateMs' | 'longestInteractMs'>): string {
  const viewT = r.images >= 10_000 ? 50 : 16;
  const worst = Math.max(...Object.values(r.updateMs));
  const ok = (b: boolean) => (b ? 'met' : 'NOT met');
  return [
    `  view updates, input to the painted frame that shows them, median: ${Object.entries(r.updateMs)
      .map(([k, v]) => `${k} ${v.toFixed(1)} ms`)
      .join(', ')} (target <= ${viewT} ms: ${ok(worst <= viewT)})`,
    `  longest main-thread task over those changes: ${longTask(r.longestInteractMs)} (target <= 50 ms: ${ok(r.longestInteractMs <= 50)})`,
  ].join('\n');
}

function npyLine(r: ScaleResult): string {
  const e = r.npyExport;
  const want = [r.images, 4, 63, 140];
  const ok = e.memmap && e.dtype === 'float32' && e.shape.join() === want.join() && e.maxAbsDiff <= 1e-5 * e.maxAbsRef;
  return `  full .npy export of the reloaded session: ${(e.bytes / 1e9).toFixed(2)} GB to disk in ${e.seconds.toFixed(1)} s, page JS heap then ${e.heapMb.toFixed(0)} MB; numpy memory-maps it as ${e.dtype} [${e.shape.join(', ')}], first and last rows vs the CLI max |diff| ${e.maxAbsDiff.toExponential(2)} of max |ref| ${e.maxAbsRef.toFixed(3)} (${ok ? 'met' : 'NOT met'})`;
}

/** The --views-only run's lines. */
export function describeViews(r: Pick<ScaleResult, 'images' | 'updateMs' | 'longestInteractMs'>): string {
  return [`playground at scale: ${r.images} images, view updates only`, viewsLine(r)].join('\n');
}

export function describeScale(r: ScaleResult): string {
  const big = r.images >= 10_000;
  const heapT = big ? 300 : 150;
  const ok = (b: boolean) => (b ? 'met' : 'NOT met');
  const lines = [
    `playground at scale: ${r.images} images, wasm ${r.threads} thread(s), Chromium`,
    `  page JS heap ${r.heapMb.toFixed(0)} MB (target <= ${heapT} MB: ${ok(r.heapMb <= heapT)}); tab total (page + workers) ${r.tabMb === null ? 'not measurable here' : `${r.tabMb.toFixed(0)} MB as the JavaScript engine counts it`}${r.resident ? `, ${r.resident.renderers.toFixed(0)} MB resident in the tab's processes (PSS; ${r.resident.browser.toFixed(0)} MB the whole browser)` : ''}`,
    `  with the Lab on screen (every image measured and ranked in ${r.labS.toFixed(1)} s): page JS heap ${r.labHeapMb.toFixed(0)} MB (target <= ${heapT} MB: ${ok(r.labHeapMb <= heapT)})`,
    viewsLine(r),
    `  longest main-thread task while encoding: ${longTask(r.longestTaskMs)}`,
    Number.isNaN(r.cliImgPerS)
      ? `  encoding: page ${r.pageImgPerS.toFixed(1)} img/s (the CLI not run: --no-cli)`
      : `  encoding: page ${r.pageImgPerS.toFixed(1)} img/s, CLI ${r.cliImgPerS.toFixed(1)} img/s = ${(r.pageImgPerS / r.cliImgPerS).toFixed(2)}x (target >= 0.9x: ${ok(r.pageImgPerS >= 0.9 * r.cliImgPerS)})`,
    `  subfolders a and b as conditions: ${Object.entries(r.perCondition).map(([c, n]) => `${c} ${n}`).join(', ')} images`,
    npyLine(r),
    `  reload to every image back from storage: ${r.reloadS.toFixed(2)} s (views drawn at ${r.reloadViewsS.toFixed(2)} s), ${r.reloadSent} sent to the engine (target <= 3 s${r.images > 1000 ? ' at 1,000' : ''}, none sent: ${ok((r.images > 1000 || r.reloadS <= 3) && r.reloadSent === 0)})`,
  ];
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('bench_scale.ts')) {
  const args = Object.fromEntries(process.argv.slice(2).reduce<string[][]>((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
  const viewsOnly = process.argv.includes('--views-only');
  for (const n of String(args.images ?? '1000').split(',').map(Number)) {
    const r = await benchScale(n, viewsOnly, !process.argv.includes('--no-cli'));
    console.log(viewsOnly ? describeViews(r) : describeScale(r));
  }
  process.exit(0);
}
