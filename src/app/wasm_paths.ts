// tfjs-backend-wasm loads its binaries by file name; Vite fingerprints them, so hand the
// engine an explicit name -> URL map rather than a folder prefix.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export interface WasmSetup {
  wasmPaths: Record<string, string>;
  wasmThreads: number;
}

/**
 * The wasm binaries' URLs and the thread count: ?threads=N, else every logical core but one,
 * which stays with the page (plots and input) while the engine worker encodes.
 */
export function wasmSetup(base: string = location.href, search: string = location.search): WasmSetup {
  const asked = Number(new URLSearchParams(search).get('threads'));
  return {
    wasmPaths: {
      'tfjs-backend-wasm.wasm': new URL(wasmPlain, base).href,
      'tfjs-backend-wasm-simd.wasm': new URL(wasmSimd, base).href,
      'tfjs-backend-wasm-threaded-simd.wasm': new URL(wasmThreaded, base).href,
    },
    wasmThreads: Number.isInteger(asked) && asked > 0 ? asked : Math.max(1, (navigator.hardwareConcurrency || 1) - 1),
  };
}
