// Multi-threaded wasm backend in Node. tfjs-backend-wasm ships a pthreads build whose Emscripten
// glue supports Node's worker_threads, but tfjs hands it Blob URLs (browser-only) for the worker
// script and disables threads under Node. Here the two scripts are written to a temporary folder
// and the worker is pointed at them, so XNNPACK's thread pool runs on real cores.
// Node-only: imported by the CLI and benchmarks, never by browser code.

import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

const require = createRequire(import.meta.url);
const LOAD_MAIN = 'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';

let prepared = false;

/**
 * Make the next `setBackend('wasm')` start the threaded build with `threads` workers.
 * Returns false (and changes nothing) when this tfjs version's scripts don't have the expected shape.
 */
export async function enableNodeWasmThreads(threads: number): Promise<boolean> {
  if (threads < 2) return false;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!prepared) {
    const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as { wasmWorkerContents: string };
    const factory = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js') as { toString(): string };
    if (!wasmWorkerContents.includes(LOAD_MAIN)) return false;
    const dir = mkdtempSync(join(tmpdir(), 'insilico-eeg-wasm-'));
    const mainPath = join(dir, 'threaded-simd-main.js');
    const workerPath = join(dir, 'threaded-simd-worker.js');
    // The same text tfjs would put in its Blob: a global factory the worker evaluates.
    writeFileSync(mainPath, `var WasmBackendModuleThreadedSimd = ${factory.toString()}`);
    // As tfjs does for its Blob: the exported text holds real newlines where the script has '\n' escapes.
    writeFileSync(workerPath, wasmWorkerContents.replace(/\n/g, '\\n').replace(LOAD_MAIN, `importScripts(${JSON.stringify(mainPath)});`));
    // tfjs asks URL.createObjectURL for the worker script's URL; Node's Worker needs a file path.
    const original = URL.createObjectURL;
    URL.createObjectURL = (obj: Blob | MediaSource) =>
      obj instanceof Blob && obj.type === 'application/javascript' ? workerPath : original(obj as Blob);
    prepared = true;
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  return true;
}
