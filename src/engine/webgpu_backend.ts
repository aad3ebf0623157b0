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
