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

// Cross-origin isolation (COOP/COEP) lets the wasm backend use threads (SharedArrayBuffer).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react(), tfjsWasmThreadSource()],
  server: { port: 5173, strictPort: true, headers: isolation },
  preview: { port: 5173, strictPort: true, headers: isolation },
  worker: { format: 'es', plugins: () => [tfjsWasmThreadSource()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 8000 },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});
