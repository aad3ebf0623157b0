import { availableParallelism } from 'node:os';
import { defineConfig, type Plugin } from 'vitest/config';
import react from '@vitejs/plugin-react';

/**
 * tfjs-backend-wasm starts its pthread workers from a Blob holding its factory function's source
 * (`factory.toString()`). Once bundled and minified, that function refers to renamed names outside
 * itself, and every worker fails ("e is not defined"). Hand the Blob the factory file's own text.
 */
function tfjsWasmThreadSource(): Plugin {
  const blob = /new Blob\(\[`var WasmBackendModuleThreadedSimd = ` \+\s*wasmFactoryThreadedSimd\.toString\(\)\]/;
  return {
    name: 'tfjs-wasm-thread-source',
    enforce: 'pre',
    transform(code, id) {
      if (!/tfjs-backend-wasm[\\/]dist[\\/]/.test(id) || !code.includes('wasmFactoryThreadedSimd.toString()')) return null;
      if (!blob.test(code)) throw new Error(`${id}: tfjs-backend-wasm's threaded worker source changed; update tfjsWasmThreadSource`);
      return (
        `import __threadedFactorySource from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';\n` +
        code.replace(blob, 'new Blob([__threadedFactorySource]')
      );
    },
  };
}

/**
 * Content-Security-Policy of the page, in dev, preview and the static deploy (public/_headers
 * carries the same line; e2e/page.spec.ts checks both). Nothing may be fetched from or sent to
 * another origin (connect-src 'self'), and no inline script runs. What the app needs beyond 'self':
 * 'wasm-unsafe-eval' to compile TF.js's wasm backend; blob: workers and blob: scripts (its threads
 * start from a Blob and importScripts the backend's glue from another Blob that page code made); blob:/data: images (thumbnails, plotly's and the canvas figures' PNG exports); inline
 * styles (plotly writes <style> elements and style attributes at run time).
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

// Cross-origin isolation (COOP/COEP) lets the wasm backend use threads (SharedArrayBuffer).
const headers = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * The dev server's inline module scripts (React Fast Refresh's preamble) served as files instead,
 * so that dev runs under the same CSP as the build, without 'unsafe-inline'.
 */
function inlineScriptsAsFiles(): Plugin {
  const scripts = new Map<string, string>();
  return {
    name: 'inline-scripts-as-files',
    apply: 'serve',
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        return html.replace(/<script type="module">([\s\S]*?)<\/script>/g, (_, code: string) => {
          let h = 5381;
          for (let i = 0; i < code.length; i++) h = ((h * 33) ^ code.charCodeAt(i)) >>> 0;
          const name = `/@inline-script/${h.toString(36)}.js`;
          scripts.set(name, code);
          return `<script type="module" src="${name}"></script>`;
        });
      },
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const code = req.url ? scripts.get(req.url.split('?')[0]) : undefined;
        if (code === undefined) return next();
        res.setHeader('Content-Type', 'text/javascript');
        res.end(code);
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), tfjsWasmThreadSource(), inlineScriptsAsFiles()],
  server: { port: 5173, strictPort: true, headers },
  preview: { port: 5173, strictPort: true, headers },
  worker: { format: 'es', plugins: () => [tfjsWasmThreadSource()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 8000 },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/typed_array_equality.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one on a 2-core machine, where most
    // files keep a single core busy (TF.js's wasm backend runs one thread) and wait on child
    // processes (the CLI tests). Two there; the default above that.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
