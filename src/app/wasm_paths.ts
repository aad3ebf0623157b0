// tfjs-backend-wasm loads its binaries by file name; Vite fingerprints them, so hand the
// engine an explicit name -> URL map rather than a folder prefix.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export function wasmPaths(base: string = location.href): Record<string, string> {
  return {
    'tfjs-backend-wasm.wasm': new URL(wasmPlain, base).href,
    'tfjs-backend-wasm-simd.wasm': new URL(wasmSimd, base).href,
    'tfjs-backend-wasm-threaded-simd.wasm': new URL(wasmThreaded, base).href,
  };
}
