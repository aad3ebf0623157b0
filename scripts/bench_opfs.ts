// Loading a converted subject from browser storage (OPFS) into the wasm backend, as a user meets
// it: a fresh page whose backbone is ready. The folder is first copied into the store as an
// import leaves it (not timed). `npm run bench` reports the same number (opfsLoad, through
// opfsTiming below); this script measures only that, repeatedly, and can split it into parts:
//   node bin/run-ts.mjs scripts/bench_opfs.ts [--k 250] [--dtype float32|float16] [--runs 3]
//       [--modes load,phases,worker,raw] [--models DIR] [--persistent] [--baseline REV]
// Modes (each in a fresh page): load = getEncodingModel, the number to watch (split at the last
// shard's arrival into reading and uploading); phases = readModelFolder and uploadEncoder timed
// apart; worker = readModelFolder in a dedicated worker, where the app's engine reads a stored
// subject; raw = the shard files' bytes only: File.arrayBuffer 1, 4 and 16 at once, and
// readFiles (sync access handles, one weight's shards per call) where the store has it.
// A mode may name how the store reads shards (StoreOptions.read): --modes load:file,load:auto
// compares File.arrayBuffer per shard with sync access handles in the same run, and
// --baseline REV --modes load:before,load:auto the reading code of commit REV with today's.
// --persistent keeps OPFS on disk as a user's profile does (default: an off-the-record context,
// like npm run bench, whose OPFS the browser process holds in memory). --models reuses a folder
// holding <model_id>/sub-01 (default: a random K-component model written to a temporary folder,
// removed afterwards). The machine's load moves these numbers: compare within one run.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createServer, type Plugin } from 'vite';
import { MODEL_ID } from '../src/core/types.ts';
import { writeRandomModel } from './bench_model.ts';

export type OpfsMode = 'load' | 'phases' | 'raw' | 'worker';
/**
 * how opfsSource reads shards (StoreOptions.read): 'file' is the File.arrayBuffer path alone;
 * 'before' is the reading code as of --baseline REV (src/io's reader and store served from git)
 */
export type OpfsRead = 'auto' | 'sync' | 'file' | 'before';

export interface OpfsTiming {
  mode: OpfsMode;
  /** getEncodingModel, seconds (load) */
  load?: number;
  /** readModelFolder and uploadEncoder, seconds (phases) */
  read?: number;
  upload?: number;
  /** every shard's bytes, seconds, per way of reading them (raw) */
  raw?: Record<string, number>;
  bytes?: number;
  note?: string;
}

/** Files of a model folder (`<models>/<model_id>/{sub-01,shared}/…`), relative to <model_id>/. */
export function modelFiles(models: string): string[] {
  const root = join(models, MODEL_ID);
  return ['sub-01', 'shared'].flatMap((d) => readdirSync(join(root, d)).map((f) => `${d}/${f}`));
}

/**
 * In a page of the parity harness (e2e/parity/index.html, already loaded): copies the folder
 * served under `base` into OPFS, loads it as `mode` says, and empties the store again.
 */
export async function opfsTiming(page: Page, files: string[], base: string, mode: OpfsMode, read: OpfsRead = 'auto'): Promise<OpfsTiming> {
  return page.evaluate(
    async ({ files, base, modelId, mode, read }) => {
      const P = (window as any).parity; // eslint-disable-line @typescript-eslint/no-explicit-any
      await P.engine.prepareBackbone({ device: 'wasm', wasmPaths: P.wasmPaths });
      const store = await import('/src/io/browser_store.ts' as string);
      const opfs = await navigator.storage.getDirectory();
      await opfs.removeEntry(store.STORE_DIR, { recursive: true }).catch(() => {});
      let dir = await opfs.getDirectoryHandle(store.STORE_DIR, { create: true });
      dir = await dir.getDirectoryHandle(modelId, { create: true });
      for (const f of files) {
        const [sub, name] = f.split('/');
        const h = await (await dir.getDirectoryHandle(sub, { create: true })).getFileHandle(name, { create: true });
        await (await fetch(`${base}${f}`)).body!.pipeTo(await h.createWritable());
      }
      const source = store.opfsSource(`${modelId}/sub-01/`, read === 'before' ? {} : { read });
      const out: Record<string, unknown> = { mode };
      try {
        if (mode === 'load') {
          // the last shard's arrival splits the load into reading and uploading
          let lastRead = 0;
          const timed = {
            ...source,
            readBytes: async (name: string) => {
              const b = await source.readBytes(name);
              lastRead = performance.now();
              return b;
            },
            ...(source.readFiles
              ? {
                  readFiles: async (names: string[], sizes: number[], onBytes?: (n: number) => void) => {
                    const b = await source.readFiles(names, sizes, onBytes);
                    lastRead = performance.now();
                    return b;
                  },
                }
              : {}),
          };
          const t0 = performance.now();
          const model = await P.engine.getEncodingModel(modelId, 1, { source: timed, device: 'wasm', wasmPaths: P.wasmPaths });
          out.load = (performance.now() - t0) / 1000;
          out.read = (lastRead - t0) / 1000;
          out.upload = (performance.now() - lastRead) / 1000;
          out.note = model.backendNote;
          model.dispose();
        } else if (mode === 'worker') {
          // readModelFolder in a dedicated worker, where the app's engine reads a stored subject
          const code = `
            const store = await import('${location.origin}/src/io/browser_store.ts');
            const mf = await import('${location.origin}/src/io/model_folder.ts');
            const s = store.opfsSource('${modelId}/sub-01/', ${JSON.stringify(read === 'before' ? {} : { read })});
            let calls = 0, nulls = 0;
            const source = { ...s, readFiles: s.readFiles && (async (...a) => { calls++; const b = await s.readFiles(...a); if (!b) nulls++; return b; }) };
            const t0 = performance.now();
            await mf.readModelFolder(source, { keepFloat16: (n) => n.endsWith('/components') });
            postMessage({ read: (performance.now() - t0) / 1000, calls, nulls });`;
          const w = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })), { type: 'module' });
          const r = await new Promise<{ read: number; calls: number; nulls: number }>((res, rej) => {
            w.onmessage = (e) => res(e.data);
            w.onerror = (e) => rej(new Error(e.message || 'worker failed'));
          });
          w.terminate();
          out.read = r.read;
          out.note = `${r.calls} whole-weight reads, ${r.nulls} of them fell back to File reads`;
        } else if (mode === 'phases') {
          const mf = await import('/src/io/model_folder.ts' as string);
          const enc = await import('/src/engine/encoder.ts' as string);
          const t0 = performance.now();
          const folder = await mf.readModelFolder(source, { keepFloat16: (n: string) => n.endsWith('/components') });
          const t1 = performance.now();
          const arrays = new Map([...folder.arrays, ...folder.float16]);
          const k = folder.manifest.encoder.n_components;
          const all = Array.from({ length: 63 * 140 }, (_, i) => i);
          const tensors = enc.uploadEncoder(arrays, k, folder.manifest.encoder.pca_layout === 'shared', Int32Array.from(all));
          const t2 = performance.now();
          out.read = (t1 - t0) / 1000;
          out.upload = (t2 - t1) / 1000;
          tensors.dispose();
        } else {
          const manifest = JSON.parse(await source.readText('manifest.json'));
          const shards = Object.keys(manifest.shards);
          out.bytes = shards.reduce((a: number, s: string) => a + manifest.shards[s].bytes, 0);
          const files = async (n: number) => {
            const t0 = performance.now();
            let next = 0;
            await Promise.all(
              Array.from({ length: n }, async () => {
                while (next < shards.length) await source.readBytes(shards[next++]);
              }),
            );
            return (performance.now() - t0) / 1000;
          };
          const raw: Record<string, number> = (out.raw = { 'File 1 at once': await files(1), 'File 4 at once': await files(4), 'File 16 at once': await files(16) });
          if (source.readFiles) {
            // each weight's shards in one call, as readModelFolder asks
            const groups: string[][] = manifest.weightsManifest.map((g: { paths: string[] }) => g.paths);
            const t0 = performance.now();
            for (const g of groups) await source.readFiles(g, g.map((p) => manifest.shards[p].bytes));
            raw['readFiles per weight'] = (performance.now() - t0) / 1000;
            let next = 0;
            const t1 = performance.now();
            await Promise.all(
              Array.from({ length: 4 }, async () => {
                while (next < groups.length) {
                  const g = groups[next++];
                  await source.readFiles(g, g.map((p) => manifest.shards[p].bytes));
                }
              }),
            );
            raw['readFiles 4 weights at once'] = (performance.now() - t1) / 1000;
          }
        }
      } finally {
        await opfs.removeEntry(store.STORE_DIR, { recursive: true });
      }
      return out as unknown as OpfsTiming;
    },
    { files, base, modelId: MODEL_ID, mode, read },
  );
}

/** A fresh page (its own context unless the browser is a persistent context) on the parity harness. */
export async function harnessPage(b: Browser | BrowserContext, origin: string): Promise<Page> {
  const page = await b.newPage();
  if (process.env.BENCH_DEBUG) page.on('console', (m) => console.error(`[page] ${m.text()}`));
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  // tsx keeps function names with a helper the evaluated functions then call in the page
  await page.addInitScript({ content: 'window.__name = (f) => f;' });
  await page.goto(`${origin}/e2e/parity/index.html`);
  await page.waitForFunction(() => (window as any).parityReady === true, null, { timeout: 120_000 }); // eslint-disable-line @typescript-eslint/no-explicit-any
  return page;
}

/** Serves src/io's model-folder reader and browser store as they were at `rev` (a second server, for before/after runs). */
function baselineReader(rev: string): Plugin {
  const files = ['src/io/model_folder.ts', 'src/io/browser_store.ts'];
  const text = new Map(files.map((f) => [resolve(f), execFileSync('git', ['show', `${rev}:${f}`], { encoding: 'utf8' })]));
  return { name: 'baseline-reader', enforce: 'pre', load: (id) => text.get(id.split('?')[0]) ?? null };
}

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--headless=new'];

async function main(): Promise<void> {
  const args = Object.fromEntries(
    process.argv.slice(2).reduce<string[][]>((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]?.startsWith('--') ? 'true' : (all[i + 1] ?? 'true')]] : acc), []),
  );
  const K = Number(args.k ?? 250);
  const dtype = (args.dtype ?? 'float32') as 'float32' | 'float16';
  const runs = Number(args.runs ?? 3);
  // mode[:read], e.g. load:file,load:auto
  const modes = String(args.modes ?? 'load').split(',').map((m) => m.split(':') as [OpfsMode, OpfsRead?]);
  const port = Number(args.port ?? 5181);
  let models = args.models ? resolve(String(args.models)) : '';
  let tmp = '';
  if (!models || !existsSync(join(models, MODEL_ID, 'sub-01', 'manifest.json'))) {
    tmp = mkdtempSync(join(tmpdir(), 'bench-opfs-'));
    models = models || tmp;
    console.error(`writing a K=${K} per-repetition ${dtype} model to ${models}...`);
    await writeRandomModel(models, K, dtype, 'bench');
  }
  const files = modelFiles(models);
  const serve = async (p: number, plugins: Plugin[] = []) => {
    const server = await createServer({ plugins, server: { port: p, strictPort: true, hmr: false, watch: null, fs: { allow: [process.cwd(), models] } }, logLevel: 'error' });
    await server.listen();
    return server;
  };
  const servers = [await serve(port)];
  const origin = `http://localhost:${port}`;
  if (modes.some(([, r]) => r === 'before')) {
    if (!args.baseline) throw new Error("--modes …:before needs --baseline REV (the commit whose reading code is 'before')");
    servers.push(await serve(port + 1, [baselineReader(String(args.baseline))]));
  }
  const base = `/@fs${join(models, MODEL_ID)}/`;
  const profile = args.persistent ? mkdtempSync(join(tmpdir(), 'bench-opfs-profile-')) : '';
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const browser: Browser | BrowserContext = profile
    ? await chromium.launchPersistentContext(profile, { executablePath, args: CHROMIUM_ARGS })
    : await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  const f = (v: number | undefined) => (v === undefined ? '' : `${v.toFixed(2)} s`);
  try {
    console.log(`K=${K} ${dtype}, ${files.length} files, OPFS ${profile ? 'on disk (persistent profile)' : 'off the record'}`);
    for (let run = 0; run < runs; run++) {
      for (const [mode, read = 'auto'] of modes) {
        const page = await harnessPage(browser, read === 'before' ? `http://localhost:${port + 1}` : origin);
        try {
          const r = await opfsTiming(page, files, base, mode, read);
          if (mode === 'load') console.log(`run ${run + 1} load:${read.padEnd(4)}  getEncodingModel ${f(r.load)}  (last shard read at ${f(r.read)}, then ${f(r.upload)}; ${r.note})`);
          else if (mode === 'worker') console.log(`run ${run + 1} worker:${read.padEnd(4)} readModelFolder in a worker ${f(r.read)} (${r.note})`);
          else if (mode === 'phases') console.log(`run ${run + 1} phases:${read.padEnd(4)} readModelFolder ${f(r.read)}  uploadEncoder ${f(r.upload)}  sum ${f(r.read! + r.upload!)}`);
          else console.log(`run ${run + 1} raw:${read.padEnd(4)}   ${(r.bytes! / 1e6).toFixed(0)} MB: ${Object.entries(r.raw!).map(([k, v]) => `${k} ${f(v)}`).join(', ')}`);
        } finally {
          await page.close();
        }
      }
    }
  } finally {
    await browser.close();
    for (const server of servers) await server.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (tmp && !args.keep) rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${resolve(process.argv[1])}`) {
  await main();
  process.exit(0);
}
