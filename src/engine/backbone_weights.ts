// The untrained AlexNet's weights, regenerated bit for bit from PyTorch's seed:
// torch.manual_seed(20200220); torchvision.models.alexnet(weights=None).
// Layers are initialised in construction order, weight then bias, from one MT19937 stream:
// weight ~ kaiming_uniform_(a=sqrt(5)) = U(-b, b) with b = sqrt(3) * sqrt(2 / (1 + a^2)) / sqrt(fan_in),
// bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)). Nothing is downloaded.

import { MT19937 } from './mt19937.ts';

export const ALEXNET_SEED = 20200220;

export interface ParamSpec {
  /** torchvision parameter name, e.g. 'features.0.weight' */
  name: string;
  /** PyTorch layout: conv [out, in, kh, kw], linear [out, in], bias [out] */
  shape: number[];
}

/** AlexNet's learnable layers in construction order. */
export const ALEXNET_LAYERS = [
  { name: 'features.0', shape: [64, 3, 11, 11] },
  { name: 'features.3', shape: [192, 64, 5, 5] },
  { name: 'features.6', shape: [384, 192, 3, 3] },
  { name: 'features.8', shape: [256, 384, 3, 3] },
  { name: 'features.10', shape: [256, 256, 3, 3] },
  { name: 'classifier.1', shape: [4096, 9216] },
  { name: 'classifier.4', shape: [4096, 4096] },
  { name: 'classifier.6', shape: [1000, 4096] },
] as const;

export const ALEXNET_PARAMS: ParamSpec[] = ALEXNET_LAYERS.flatMap((l) => [
  { name: `${l.name}.weight`, shape: [...l.shape] },
  { name: `${l.name}.bias`, shape: [l.shape[0]] },
]);

/** 61,100,840: every weight and bias. */
export const ALEXNET_PARAM_COUNT = ALEXNET_PARAMS.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);

/** Weights keyed by torchvision parameter name, in PyTorch layout. */
export type AlexNetWeights = Map<string, Float32Array>;

/** Regenerate all 61.1 M parameters (about 0.5 s in Node). */
export function generateAlexNetWeights(seed = ALEXNET_SEED): AlexNetWeights {
  const rng = new MT19937(seed);
  const weights: AlexNetWeights = new Map();
  const a = Math.sqrt(5);
  for (const layer of ALEXNET_LAYERS) {
    const shape = layer.shape as readonly number[];
    const fanIn = shape.slice(1).reduce((p, d) => p * d, 1);
    // Same double-precision expressions as torch.nn.init, so the float32 bounds match exactly.
    const gain = Math.sqrt(2.0 / (1 + a * a));
    const wBound = Math.sqrt(3.0) * (gain / Math.sqrt(fanIn));
    const w = new Float32Array(shape.reduce((p, d) => p * d, 1));
    rng.fillUniformFloat32(w, -wBound, wBound);
    const bBound = 1 / Math.sqrt(fanIn);
    const b = new Float32Array(shape[0]);
    rng.fillUniformFloat32(b, -bBound, bBound);
    weights.set(`${layer.name}.weight`, w);
    weights.set(`${layer.name}.bias`, b);
  }
  return weights;
}
