// Backend choice. 'auto' prefers a hardware GPU (WebGPU, then WebGL), then in Node ONNX Runtime's
// CPU kernels ('onnx'), then wasm, then the pure-JS cpu backend, and never picks a software GPU
// (SwiftShader, llvmpipe) over a CPU runtime: there it is 10-100x slower than wasm. In Node,
// WebGPU comes from Dawn (webgpu_node.ts); 'onnx' runs outside TF.js (runtime_onnx.ts).

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { InvalidParameterError, BackendError } from '../core/errors.ts';
import type { Backend, Device } from '../core/types.ts';

export interface BackendChoice {
  backend: Backend;
  /** Why this backend (or why others were skipped), for the UI and the CLI. */
  note: string;
}

export interface BackendOptions {
  /** Where tfjs-backend-wasm's .wasm files are served (browser): a URL prefix or a file-name map. */
  wasmPaths?: string | Record<string, string>;
  /**
   * Threads for the wasm backend where it can run threaded (a cross-origin-isolated page or
   * worker). Default: every logical core. One thread uses the single-threaded build. Fixed once
   * the wasm backend has started.
   */
  wasmThreads?: number;
}

const SOFTWARE_GPU = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render|microsoft basic/i;

const isNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string' && typeof window === 'undefined';

// Node-only modules, imported by a name bundlers leave alone: browser bundles never include
// onnxruntime-node or Dawn.
const ONNX_RUNTIME_MODULE = './runtime_onnx.ts';
const DAWN_MODULE = './webgpu_node.ts';

type OnnxModule = typeof import('./runtime_onnx.ts');
let onnxModule: Promise<OnnxModule | null> | null = null;

/** The onnx runtime's module where ONNX Runtime loads (Node with onnxruntime-node), else null. */
export function onnxRuntime(): Promise<OnnxModule | null> {
  onnxModule ??= isNode()
    ? (import(/* @vite-ignore */ ONNX_RUNTIME_MODULE) as Promise<OnnxModule>).then((m) => (m.onnxRuntimeAvailable() ? m : null)).catch(() => null)
    : Promise.resolve(null);
  return onnxModule;
}

/** Node: Dawn as navigator.gpu (once), so that WebGPU can be asked for ('auto': only where a GPU may be). */
async function nodeWebGPU(device: Device): Promise<void> {
  if (!isNode() || (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) return;
  const m = (await import(/* @vite-ignore */ DAWN_MODULE).catch(() => null)) as typeof import('./webgpu_node.ts') | null;
  if (m && (device === 'webgpu' || m.gpuMayBePresent())) m.installDawn();
}

// TF.js's WebGPU matMul gives a product more parallel work (splitting the inner dimension) only
// below 8 tiles of 32 x 32 outputs, a value tuned for integrated GPUs. This pipeline's big
// products have few outputs and a huge inner dimension (a batch of 32 times 64,896 features by
// 1,000 PCA columns: 32 tiles, each summing 64,896 terms), which leaves a large GPU mostly idle.
// 256 tiles lets them split; a value set by the user (flag > 0) is kept.
const WEBGPU_SPLIT_MATMUL_BELOW_TILES = 256;

async function importBackend(name: Backend, options: BackendOptions): Promise<void> {
  if (name === 'webgpu') {
    await import('@tensorflow/tfjs-backend-webgpu');
    const flag = 'WEBGPU_THRESHOLD_TO_INCREASE_WORKGROUPS_FOR_MATMUL';
    if (!(tf.env().getNumber(flag) > 0)) tf.env().set(flag, WEBGPU_SPLIT_MATMUL_BELOW_TILES);
  }
  else if (name === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
  else if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (options.wasmPaths) wasm.setWasmPaths(options.wasmPaths as never);
    const threads = wasmThreads(options);
    // The threaded build starts a pool of 8 workers up front: not worth it for one thread.
    if (threads === 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setThreadsCount(threads);
  }
}

/** 'wasm, 2 threads': how the active wasm backend runs. */
async function wasmDescription(): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const n = wasm.getThreadsCount();
  return `wasm, ${n} thread${n === 1 ? '' : 's'}`;
}

/** The wasm thread count asked for: options.wasmThreads, else every logical core. */
function wasmThreads(options: BackendOptions): number {
  return Math.max(1, Math.floor(options.wasmThreads ?? logicalCores()));
}

function logicalCores(): number {
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

/**
 * TF.js's wasm module caps its thread pool at half of navigator.hardwareConcurrency (it assumes
 * two hyperthreads per core), read once as the module starts: on a 2-vCPU machine that is one
 * thread, at half the speed two give (measured). Let it see `n` logical cores while it starts.
 */
async function withLogicalCores<T>(n: number, start: () => Promise<T>): Promise<T> {
  const nav = (globalThis as { navigator?: object }).navigator;
  if (!nav || logicalCores() >= n) return start();
  Object.defineProperty(nav, 'hardwareConcurrency', { value: n, configurable: true });
  try {
    return await start();
  } finally {
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

/** Describe the WebGPU adapter, or null when there is none. */
async function webgpuAdapter(): Promise<{ software: boolean; description: string } | null> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const description = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' ');
  const software = Boolean((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter) || SOFTWARE_GPU.test(description);
  return { software, description: description || 'unknown adapter' };
}

/** Describe the WebGL2 renderer, or null when WebGL2 is unavailable. */
function webglRenderer(): { software: boolean; description: string } | null {
  if (typeof OffscreenCanvas === 'undefined' && typeof document === 'undefined') return null;
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
  const gl = canvas.getContext('webgl2') as WebGL2RenderingContext | null;
  if (!gl) return null;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const description = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { software: SOFTWARE_GPU.test(description), description };
}

async function activate(name: Backend, options: BackendOptions): Promise<boolean> {
  if (name === 'onnx') return (await onnxRuntime()) !== null;
  try {
    await importBackend(name, options);
    if (!tf.findBackendFactory(name)) return false;
    if (tf.getBackend() === name) return true;
    if (name === 'wasm') return await withLogicalCores(2 * wasmThreads(options), () => tf.setBackend(name));
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

// TF.js has one global backend: concurrent switches would race ("backend not yet initialized").
let switching: Promise<unknown> = Promise.resolve();

/** Switch TF.js to the requested device; 'auto' picks the fastest real one. Calls run one at a time. */
export function selectBackend(device: Device = 'auto', options: BackendOptions = {}): Promise<BackendChoice> {
  const run = switching.then(() => selectBackendNow(device, options));
  switching = run.catch(() => undefined);
  return run;
}

async function selectBackendNow(device: Device, options: BackendOptions): Promise<BackendChoice> {
  const valid: Device[] = ['auto', 'webgpu', 'webgl', 'onnx', 'wasm', 'cpu'];
  if (!valid.includes(device)) {
    throw new InvalidParameterError(`device must be one of ${valid.join(', ')}; got '${device}'`);
  }
  if (device === 'auto' || device === 'webgpu') await nodeWebGPU(device);
  if (device !== 'auto') {
    if (!(await activate(device, options))) {
      throw new BackendError(`the ${device} backend is not available here; use device 'auto' or another of ${valid.slice(1).join(', ')}`);
    }
    if (device === 'webgpu') {
      const gpu = await webgpuAdapter().catch(() => null);
      return { backend: device, note: `webgpu on ${gpu?.description ?? 'unknown adapter'} (requested)` };
    }
    // (the onnx runtime's note, with its version and threads, comes with its model)
    return { backend: device, note: `${device === 'wasm' ? await wasmDescription() : device} (requested)` };
  }
  const skipped: string[] = [];
  const gpu = await webgpuAdapter().catch(() => null);
  if (gpu && !gpu.software && (await activate('webgpu', options))) {
    return { backend: 'webgpu', note: `webgpu on ${gpu.description}` };
  }
  if (gpu?.software) skipped.push(`WebGPU adapter is software (${gpu.description})`);
  const gl = webglRenderer();
  if (gl && !gl.software && (await activate('webgl', options))) {
    return { backend: 'webgl', note: `webgl on ${gl.description}` };
  }
  if (gl?.software) skipped.push(`WebGL renderer is software (${gl.description})`);
  if (await activate('onnx', options)) {
    return { backend: 'onnx', note: ['onnx', ...skipped].join('; ') };
  }
  if (await activate('wasm', options)) {
    return { backend: 'wasm', note: [await wasmDescription(), ...skipped].join('; ') };
  }
  if (await activate('cpu', options)) {
    return { backend: 'cpu', note: ['cpu (slow: wasm unavailable)', ...skipped].join('; ') };
  }
  throw new BackendError('no TF.js backend could be started');
}

/**
 * What `--device` accepts in Node, as BERG users type it plus explicit runtimes: 'auto' (a real
 * GPU, else the fastest CPU runtime), 'cpu' (ONNX Runtime where it loads, else wasm), a GPU name
 * ('cuda', 'gpu': WebGPU through Dawn, which drives the same GPU through Vulkan), or one runtime:
 * 'webgpu', 'onnx', 'wasm', 'tfjs-cpu' (TF.js's pure-JS backend).
 */
export const NODE_DEVICE_NAMES = ['auto', 'cpu', 'cuda', 'gpu', 'webgpu', 'onnx', 'wasm', 'tfjs-cpu'] as const;

/** The engine device for a `--device` name (NODE_DEVICE_NAMES). */
export async function nodeDevice(name: string): Promise<Device> {
  switch (name) {
    case 'auto':
    case 'webgpu':
    case 'onnx':
    case 'wasm':
      return name;
    case 'cpu':
      return (await onnxRuntime()) ? 'onnx' : 'wasm';
    case 'cuda':
    case 'gpu':
      return 'webgpu';
    case 'tfjs-cpu':
      return 'cpu';
    default:
      throw new InvalidParameterError(`--device must be one of ${NODE_DEVICE_NAMES.join(', ')}; got '${name}'`);
  }
}
