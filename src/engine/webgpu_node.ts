// WebGPU in Node: Dawn's Node binding (the `webgpu` package) as navigator.gpu, so that TF.js's
// WebGPU backend and the engine's own kernels run in the CLI as they do in a browser. Node only:
// backend.ts imports this file dynamically, so browser bundles never see the package.

import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let installed: boolean | undefined;

/**
 * Whether this machine may have a GPU for Dawn to find: an NVIDIA or DRM render device, or a
 * Vulkan driver named in VK_ICD_FILENAMES. Without one 'auto' does not start Dawn at all: the
 * Vulkan loader and CPU drivers (lavapipe) print warnings to stderr while Dawn looks.
 */
export function gpuMayBePresent(): boolean {
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return true;
  if (existsSync('/dev/nvidia0') || existsSync('/dev/nvidiactl')) return true;
  try {
    return readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  } catch {
    // no /dev/dri: Linux without a GPU, or another system (macOS, Windows), where Dawn is asked
    return process.platform !== 'linux';
  }
}

/**
 * Put Dawn's GPU object on navigator.gpu (before TF.js's WebGPU backend is imported: it registers
 * itself only where navigator.gpu exists). False when the package or its binary is missing.
 * Which adapter Dawn finds depends on the Vulkan drivers (VK_ICD_FILENAMES picks one).
 */
export function installDawn(): boolean {
  if (installed !== undefined) return installed;
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return (installed = true);
  try {
    const { create, globals } = require('webgpu') as { create(options: string[]): unknown; globals: Record<string, unknown> };
    const gpu = create([]);
    // Dawn's GPU* classes (GPUBufferUsage and the like), as a browser defines them
    for (const [k, v] of Object.entries(globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    else {
      const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
      // (hardwareConcurrency on the prototype: backend.ts shadows it for a while and deletes its own)
      const navigator = Object.assign(Object.create({ hardwareConcurrency: cores }), { gpu });
      Object.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true, writable: true });
    }
    installed = true;
  } catch {
    installed = false;
  }
  return installed;
}
