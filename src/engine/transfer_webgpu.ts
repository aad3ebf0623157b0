// Moving a batch's bytes onto and its responses off a WebGPU device without TF.js's generic
// paths, which cost the CPU more than the GPU's whole forward pass at batch 32 and more: TF.js
// uploads through a freshly mapped buffer per tensor and reads back into a new array that encode()
// then copies again. Here both directions go through staging buffers reused batch after batch,
// and responses land straight in the caller's array.

import * as tf from '@tensorflow/tfjs-core';
import { webgpuBackend } from './webgpu_backend.ts';

/** Set to false to upload images with TF.js's own path (for comparisons). */
export const WEBGPU_STAGED_UPLOAD_FLAG = 'INSILICO_WEBGPU_STAGED_UPLOAD';
tf.env().registerFlag(WEBGPU_STAGED_UPLOAD_FLAG, () => true);

/** Set to false to read responses back with TF.js's own data() (for comparisons). */
export const WEBGPU_DIRECT_READ_FLAG = 'INSILICO_WEBGPU_DIRECT_READ';
tf.env().registerFlag(WEBGPU_DIRECT_READ_FLAG, () => true);

/**
 * MAP_WRITE staging buffers kept mapped between batches. Writing into one and copying it on the
 * device costs the CPU a fraction of what queue.writeBuffer or a buffer mapped at creation
 * (TF.js's way) cost (scripts/bench_webgpu.ts).
 */
const mappedStaging: GPUBuffer[] = [];
let stagingDevice: GPUDevice | null = null;

/** An int32 tensor on the device holding `words` (the copy is queued at once). */
export function uploadWords(words: Int32Array): tf.Tensor1D {
  if (!tf.env().getBool(WEBGPU_STAGED_UPLOAD_FLAG)) return tf.tensor1d(words, 'int32');
  const backend = webgpuBackend();
  const device = backend.device;
  if (stagingDevice !== device) {
    mappedStaging.length = 0; // buffers of another (lost or replaced) device
    stagingDevice = device;
  }
  const info = backend.makeTensorInfo([words.length], 'int32');
  backend.uploadToGPU(info.dataId);
  const target = backend.tensorMap.get(info.dataId).resource as GPUBuffer;
  const size = words.byteLength;
  const i = mappedStaging.findIndex((b) => b.size === size);
  const staging = i >= 0 ? mappedStaging.splice(i, 1)[0] : device.createBuffer({ size, usage: GPUBufferUsage.MAP_WRITE | GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
  new Int32Array(staging.getMappedRange(0, size)).set(words);
  staging.unmap();
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.commandEncoder.copyBufferToBuffer(staging, 0, target, 0, size);
  backend.submitQueue();
  // mapped again once the copy has run: ready for the batch after next
  staging.mapAsync(GPUMapMode.WRITE).then(
    () => {
      if (stagingDevice !== device) return staging.destroy();
      mappedStaging.push(staging);
      if (mappedStaging.length > 4) mappedStaging.shift()!.destroy(); // the least recently used
    },
    () => staging.destroy(),
  );
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor1D;
}

/**
 * Reads float32 tensors into a caller's array through a few reused MAP_READ buffers. read()
 * queues the copy at once (so it runs right after the tensor's own work, before anything queued
 * later) and resolves once the values are in `out`.
 */
export class WebGPUReader {
  private free: GPUBuffer[] = [];
  private all: GPUBuffer[] = [];

  async read(y: tf.Tensor, out: Float32Array, offset: number): Promise<void> {
    const backend = webgpuBackend();
    const data = backend.tensorMap.get(y.dataId);
    const source = data.resource as GPUBuffer | undefined;
    if (y.dtype !== 'float32' || !tf.env().getBool(WEBGPU_DIRECT_READ_FLAG) || data.values || !source || typeof source.mapAsync !== 'function') {
      out.set((await y.data()) as Float32Array, offset); // on the CPU already, or not a plain buffer
      return;
    }
    const size = y.size * 4;
    const staging = this.acquire(backend.device, size);
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    backend.commandEncoder.copyBufferToBuffer(source, 0, staging, 0, size);
    backend.submitQueue();
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, size);
      out.set(new Float32Array(staging.getMappedRange(0, size)), offset);
      staging.unmap();
      this.free.push(staging);
    } catch (e) {
      staging.destroy(); // a lost device, most likely: never reused
      throw e;
    }
  }

  private acquire(device: GPUDevice, size: number): GPUBuffer {
    const i = this.free.findIndex((b) => b.size === size);
    if (i >= 0) return this.free.splice(i, 1)[0];
    const buffer = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.all.push(buffer);
    return buffer;
  }

  /** Frees the staging buffers (once no read is pending). */
  dispose(): void {
    for (const b of this.all) b.destroy();
    this.all = [];
    this.free = [];
  }
}
