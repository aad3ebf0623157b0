// Threaded wasm in Node. TF.js's wasm backend runs single-threaded in Node (its threaded build
// starts pthreads from a Blob URL, which Node's worker_threads cannot load). The build itself
// supports Node: this starts it with its pthread worker script written to a file, and registers
// it as the 'wasm' backend. Node only (CLI, benchmarks); browsers use the package's own loader.

import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const WASM_PRIORITY = 2; // the package's own priority for 'wasm'

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  tfjs?: Record<string, (...a: number[]) => number>;
}

let enabled = false;

/** The logical cores Node may use: the default thread count. */
export function nodeLogicalCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * Make the 'wasm' backend start TF.js's threaded SIMD build (call before the backend starts;
 * the thread count comes from selectBackend's `wasmThreads`). Idempotent.
 */
export function enableWasmThreads(): void {
  if (enabled) return;
  enabled = true;
  const pkg = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const factory = require(join(pkg, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js')) as (config: object) => Promise<EmscriptenModule>;
  const { wasmWorkerContents } = require(join(pkg, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const wasmFile = join(pkg, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm');

  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      // The worker script is embedded as a template string whose '\n' escapes became newlines:
      // write them back as escapes, as the package does for its Blob.
      const dir = mkdtempSync(join(os.tmpdir(), 'insilico-eeg-wasm-'));
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      const workerFile = join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');
      writeFileSync(workerFile, wasmWorkerContents.replace(/\n/g, '\\n'));
      // The module caps its pool at half of os.cpus().length (assuming hyperthreads), read once
      // as it starts; show it enough cores that the requested count decides (its own limit is 8).
      const cpus = os.cpus;
      const one = cpus()[0];
      os.cpus = () => Array.from({ length: 16 }, () => one);
      try {
        const module = await factory({
          locateFile: (path: string) => (path.endsWith('.worker.js') ? workerFile : path.endsWith('.wasm') ? wasmFile : path),
        });
        module.tfjs = {
          init: module.cwrap('init', null, []),
          initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
          getThreadsCount: module.cwrap('get_threads_count', 'number', []),
          registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
          disposeData: module.cwrap('dispose_data', null, ['number']),
          dispose: module.cwrap('dispose', null, []),
        };
        return new BackendWasm(module as never);
      } finally {
        os.cpus = cpus;
      }
    },
    WASM_PRIORITY,
  );
}
