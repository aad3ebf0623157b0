// The parts of TF.js's WebGPU backend that the engine's own shaders (preprocess.ts,
// matmul_webgpu.ts) and transfers (transfer_webgpu.ts) use. They are public methods of the backend
// object, not of TF.js's typed API, so they are declared once here.

import * as tf from '@tensorflow/tfjs-core';

export interface WebGPUBackendInternals {
  device: GPUDevice;
  tensorMap: { get(dataId: object): { resource?: unknown; values?: unknown } };
  makeTensorInfo(shape: number[], dtype: 'int32' | 'float32'): tf.TensorInfo;
  uploadToGPU(dataId: object): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  commandEncoder: GPUCommandEncoder;
  submitQueue(): void;
  runWebGPUProgram(program: object, inputs: tf.TensorInfo[], dtype: 'float32', uniforms: Array<{ type: 'int32'; data: number[] }>, output?: tf.TensorInfo): tf.TensorInfo;
  bufferManager: { freeBuffers: Map<string, GPUBuffer[]>; numFreeBuffers: number; numBytesAllocated: number };
}

/** The active backend's internals (call only while the WebGPU backend is active). */
export function webgpuBackend(): WebGPUBackendInternals {
  return tf.backend() as unknown as WebGPUBackendInternals;
}

/**
 * A shader program for runWebGPUProgram: `fields` as an object whose constructor is called
 * `name`, because TF.js's profiler names programs by their constructor.
 */
export function webgpuProgram<T extends object>(name: string, fields: T): T {
  const Named = {
    [name]: class {
      constructor() {
        Object.assign(this, fields);
      }
    },
  }[name];
  return new Named() as T;
}

/**
 * Destroys the GPU buffers TF.js keeps for reuse. It pools every released buffer by size for good,
 * so after a model or the backbone is released (a subject or precision switch) its memory would
 * otherwise stay allocated. A no-op on other backends.
 */
export function releaseFreeBuffers(): void {
  if (tf.getBackend() !== 'webgpu') return;
  const manager = webgpuBackend().bufferManager;
  if (!manager?.freeBuffers) return;
  // Empty each pool but keep its key: TF.js stops tracking releases once the map itself is empty.
  for (const pool of manager.freeBuffers.values()) {
    for (const buffer of pool.splice(0)) {
      manager.numBytesAllocated -= buffer.size;
      manager.numFreeBuffers--;
      buffer.destroy();
    }
  }
}
