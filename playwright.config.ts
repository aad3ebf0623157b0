import { defineConfig } from '@playwright/test';

// Debian's chromium (Playwright cannot download browsers here). WebGPU and WebGL run on
// SwiftShader in headless mode: correct but slow, so GPU-backend tests use one small image.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--enable-unsafe-webgpu',
  '--headless=new',
];

// E2E_PORT / E2E_OUTDIR let a second checkout or a parallel run use its own server and build.
const PORT = Number(process.env.E2E_PORT ?? 5173);
const OUT_DIR = process.env.E2E_OUTDIR ?? 'dist';

export default defineConfig({
  testDir: 'e2e',
  outputDir: process.env.E2E_RESULTS ?? 'test-results',
  // One worker: the suite shares one preview server, and CI machines have 2 cores.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 240_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    viewport: { width: 1680, height: 1050 },
    acceptDownloads: true,
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
    trace: 'retain-on-failure',
  },
  webServer: {
    command: `npx vite build --outDir ${OUT_DIR} --emptyOutDir && npx vite preview --outDir ${OUT_DIR} --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}/models/index.json`,
    reuseExistingServer: true,
    timeout: 240_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
