import { chromium } from 'playwright-core';
import { preview } from 'vite';
const server = await preview({ logLevel: 'error', build: { outDir: '.cache/bench-app' }, preview: { port: 5177, strictPort: true } });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless=new'] });
const page = await browser.newPage({ viewport: { width: 1680, height: 1050 } });
await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'toplevel'] });
const t0 = Date.now();
await page.goto('http://localhost:5177/?backend=wasm');
await page.waitForSelector('[data-testid=encode-status][data-state=idle]', { timeout: 120000 });
console.log('ready after', Date.now() - t0);
const buf = await browser.stopTracing();
await browser.close(); server.httpServer.close();
const ev = JSON.parse(buf.toString()).traceEvents;
const names = new Map(ev.filter((e: any) => e.name === 'thread_name').map((e: any) => [`${e.pid}:${e.tid}`, e.args.name]));
const busy = new Map<string, number>();
const nav = ev.find((e: any) => e.name === 'navigationStart')?.ts ?? Math.min(...ev.filter((e: any) => e.ts).map((e: any) => e.ts));
for (const e of ev) if ((e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && e.dur) { const k = `${names.get(`${e.pid}:${e.tid}`) ?? e.tid}`; busy.set(k, (busy.get(k) ?? 0) + e.dur / 1000); }
console.log([...busy].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([k, v]) => `${k}: ${v.toFixed(0)} ms`).join('\n'));
// biggest tasks on worker threads
const big = ev.filter((e: any) => e.dur > 100000 && (e.name === 'RunTask' || e.name === 'FunctionCall' || e.name.startsWith('v8.'))).map((e: any) => `${names.get(`${e.pid}:${e.tid}`)} ${e.name} ${(e.dur/1000).toFixed(0)} @${((e.ts - nav)/1000).toFixed(0)}`);
console.log(big.slice(0, 30).join('\n'));
process.exit(0);
