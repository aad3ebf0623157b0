// The untrained AlexNet on the active TF.js backend, kept between models.
import * as tf from '@tensorflow/tfjs-core';
import type { Precision } from '../core/types.ts';
import { uploadAlexNet, type AlexNet } from './alexnet.ts';
import { generateAlexNetWeights } from './backbone_weights.ts';
import { releaseFreeBuffers } from './webgpu_backend.ts';

/** getEncodingModel's progress: one stage at a time, `done` counting up to `total`. */
export interface LoadProgress {
  /** 'backbone': AlexNet generated and uploaded; 'weights': the folder's shards read; 'upload': the encoder placed on the backend */
  stage: 'backbone' | 'weights' | 'upload';
  done: number;
  total: number;
}

// The backbone is the same for every subject: uploaded once per backend and precision (compact
// rounds fc6-fc8 to float16). Its 244 MB of JS-side weights are not kept: regenerating them
// is cheaper than holding them.
let backbone: { backend: string; fcFloat16: boolean; net: AlexNet } | null = null;

export function hasBackbone(precision: Precision): boolean {
  return backbone !== null && backbone.backend === tf.getBackend() && backbone.fcFloat16 === (precision === 'compact');
}

export function getBackbone(onProgress?: (p: LoadProgress) => void, precision: Precision = backbone?.net.fcFloat16 ? 'compact' : 'exact'): AlexNet {
  const active = tf.getBackend();
  const fcFloat16 = precision === 'compact';
  if (hasBackbone(precision)) return backbone!.net;
  onProgress?.({ stage: 'backbone', done: 0, total: 1 });
  backbone?.net.dispose();
  backbone = null; // (a failed upload leaves none)
  releaseFreeBuffers();
  backbone = { backend: active, fcFloat16, net: uploadAlexNet(generateAlexNetWeights(), undefined, { fcFloat16 }) };
  onProgress?.({ stage: 'backbone', done: 1, total: 1 });
  return backbone.net;
}

/**
 * Release the backbone's tensors (about 244 MB on the backend where it was uploaded; they are
 * otherwise kept for the next model of the same backend and precision). Models already loaded
 * keep their encoder but need the backbone again: the next getEncodingModel, prepareBackbone or
 * encode() regenerates and uploads it (about a second). Safe to call when none is held.
 *
 * @returns nothing; frees WebGPU buffers TF.js keeps for reuse as well.
 */
export function disposeBackbone(): void {
  backbone?.net.dispose();
  backbone = null;
  releaseFreeBuffers();
}
