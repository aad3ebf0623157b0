// The whole pipeline (normalisation of the cropped images, seeded AlexNet, eight taps, PCA
// projections, regressions) as one ONNX graph, for ONNX Runtime's CPU kernels (runtime_onnx.ts).
// Built with onnx-proto, ONNX's own protobuf schema, from the shapes alone: every weight is an
// external initializer, a byte range of one data file the runtime writes, so the model message
// itself stays a few kilobytes (the normalisation's six numbers are constants in it).
//
// ONNX is channels-first like PyTorch, so AlexNet's weights and BERG's channel-major taps need no
// permutation. The large matrices (fc6-fc8 and the PCA blocks) sit on the left of their products,
// W · Xᵀ, with activations as [features, B]: ONNX Runtime then reads them in place from the
// memory-mapped file. On the right it would pack a private copy of each at load (twice the memory
// while it packs).

import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { TAPS } from './alexnet.ts';
import { ALEXNET_LAYERS } from './backbone_weights.ts';
import { IMAGENET_MEAN, IMAGENET_STD } from './preprocess.ts';
import { N_FEATURES, N_REPETITIONS } from '../core/types.ts';

const { onnx } = onnxProto;

export interface EncoderGraphSpec {
  nComponents: number;
  /** one PCA feeds the four regressions (else one PCA per repetition) */
  sharedPca: boolean;
  /** selected regression rows (channel x time) per repetition */
  rows: number;
  /** also output BERG's feature vector [B, 205672] (FEATURES_NAME), for parity checks */
  features?: boolean;
}

export interface InitializerSpec {
  name: string;
  dims: number[];
}

/** Where each initializer's float32 values lie in the data file. */
export interface ExternalPlacement {
  offset: number;
  length: number;
}

export const INPUT_NAME = 'images';
export const OUTPUT_NAME = 'responses';
export const FEATURES_NAME = 'features';

/** The PCA prefixes a spec needs: 'pca' (shared) or 'pca/rep-1' ... 'pca/rep-4'. */
export function pcaPrefixes(spec: EncoderGraphSpec): string[] {
  return spec.sharedPca ? ['pca'] : Array.from({ length: N_REPETITIONS }, (_, r) => `pca/rep-${r + 1}`);
}

/** Name of a PCA block: the components of one PCA restricted to one tap's features, [K, tap size]. */
export function pcaBlockName(prefix: string, tap: number): string {
  return `${prefix}/components/${TAPS[tap].node}`;
}

/** Every initializer the graph reads, with its shape. */
export function encoderInitializers(spec: EncoderGraphSpec): InitializerSpec[] {
  const K = spec.nComponents;
  const out: InitializerSpec[] = [];
  for (const l of ALEXNET_LAYERS) {
    const dense = l.shape.length === 2;
    out.push({ name: `${l.name}.weight`, dims: [...l.shape] });
    // (dense biases as columns: added to [out, B])
    out.push({ name: `${l.name}.bias`, dims: dense ? [l.shape[0], 1] : [l.shape[0]] });
  }
  for (const p of pcaPrefixes(spec)) {
    TAPS.forEach((tap, i) => out.push({ name: pcaBlockName(p, i), dims: [K, tap.size] }));
    out.push({ name: `${p}/offset`, dims: [K, 1] });
  }
  for (let r = 1; r <= N_REPETITIONS; r++) {
    out.push({ name: `reg/rep-${r}/coef`, dims: [spec.rows, K] });
    out.push({ name: `reg/rep-${r}/intercept`, dims: [spec.rows] });
  }
  return out;
}

type Attr = Onnx.IAttributeProto;
type AddNode = (opType: string, inputs: string[], attribute?: Attr[], outName?: string) => string;
const ints = (name: string, v: number[]): Attr => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
const int = (name: string, v: number): Attr => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: v });

const constant = (values: number[], dims: number[]): Attr => ({
  name: 'value',
  type: onnx.AttributeProto.AttributeType.TENSOR,
  t: { dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values },
});

/**
 * torchvision's Normalize of the uint8 crop [B, 3, 224, 224], in the graph: ((v / 255) - mean) /
 * std in float32, each operation rounded once, as the engine's normalisation table computes it
 * (preprocess.ts: there each operation is computed in double and rounded to float32, which gives
 * the same float32 for a sum, difference or quotient of float32 operands). In the graph the
 * runtime does it on its own threads, and the crop crosses to it at a quarter of the size.
 */
export function normalisationNodes(node: AddNode, input: string): string {
  const x = node('Cast', [input], [int('to', onnx.TensorProto.DataType.FLOAT)], 'normalise/cast');
  const scale = node('Constant', [], [constant([255], [])], 'normalise/255');
  const mean = node('Constant', [], [constant(IMAGENET_MEAN.map(Math.fround), [1, 3, 1, 1])], 'normalise/mean');
  const std = node('Constant', [], [constant(IMAGENET_STD.map(Math.fround), [1, 3, 1, 1])], 'normalise/std');
  return node('Div', [node('Sub', [node('Div', [x, scale], [], 'normalise/scaled'), mean], [], 'normalise/centred'), std], [], 'normalise');
}

/**
 * The model message: input uint8 [B, 3, 224, 224] (the resized, centre-cropped images, NCHW; the
 * graph normalises them, see normalisationNodes), output float32
 * [B, 4 * rows] (= [B, 4, C, T] in C order). `dataFile` is the data file's name, relative to
 * the folder the model is loaded from.
 */
export function buildEncoderGraph(spec: EncoderGraphSpec, placement: Map<string, ExternalPlacement>, dataFile: string): Uint8Array {
  const nodes: Onnx.INodeProto[] = [];
  let seq = 0;
  const node: AddNode = (opType, inputs, attribute = [], outName) => {
    const y = outName ?? `${opType.toLowerCase()}_${seq++}`;
    nodes.push({ opType, input: inputs, output: [y], attribute, name: y });
    return y;
  };
  // Nodes carry the names of PyTorch's modules (features.0 ... classifier.6) and the projections
  // pca/.../<tap>: ONNX Runtime's profile then reads like the model (a convolution fused with its
  // ReLU goes by the ReLU's name there: features.4 is features.3 and its ReLU).
  const mod = (i: number) => `features.${i}`;
  const conv = (x: string, i: number, stride: number, pad: number, k: number) =>
    node('Relu', [node('Conv', [x, `${mod(i)}.weight`, `${mod(i)}.bias`], [ints('kernel_shape', [k, k]), ints('strides', [stride, stride]), ints('pads', [pad, pad, pad, pad])], mod(i))], [], mod(i + 1));
  const pool = (x: string, i: number) => node('MaxPool', [x], [ints('kernel_shape', [3, 3]), ints('strides', [2, 2])], mod(i));

  // Conv taps, [B, C, H, W] flattened channel-major to [B, size] as BERG's features are.
  const f2 = pool(conv(normalisationNodes(node, INPUT_NAME), 0, 4, 2, 11), 2);
  const f5 = pool(conv(f2, 3, 1, 2, 5), 5);
  const f7 = conv(f5, 6, 1, 1, 3);
  const f9 = conv(f7, 8, 1, 1, 3);
  const f12 = pool(conv(f9, 10, 1, 1, 3), 12); // avgpool(6x6) is the identity at 224 px
  const convTaps = [f2, f5, f7, f9, f12].map((t) => node('Flatten', [t], [int('axis', 1)], `${t}/flat`));
  // fc6-fc8 as W · Xᵀ: [out, B]. fc6 reads the flattened [B, 9216] rows directly (transB).
  const gemm = (a: string, b: string, c: string, transB: 0 | 1, name?: string) => node('Gemm', [a, b, c], [int('transB', transB)], name);
  const h6 = node('Relu', [gemm('classifier.1.weight', convTaps[4], 'classifier.1.bias', 1, 'classifier.1')], [], 'classifier.2');
  const h7 = node('Relu', [gemm('classifier.4.weight', h6, 'classifier.4.bias', 0, 'classifier.4')], [], 'classifier.5');
  const h8 = gemm('classifier.6.weight', h7, 'classifier.6.bias', 0, 'classifier.6');
  // Each tap projected as soon as it exists: scores [K, B] = sum over taps of C_tap · tapᵀ + offset.
  const taps: Array<{ x: string; transB: 0 | 1 }> = [...convTaps.map((x) => ({ x, transB: 1 as const })), ...[h6, h7, h8].map((x) => ({ x, transB: 0 as const }))];
  const scores = pcaPrefixes(spec).map((p) => {
    const parts = taps.map((t, i) =>
      i === 0 ? gemm(pcaBlockName(p, i), t.x, `${p}/offset`, t.transB, `${p}/${TAPS[i].node}`) : node('Gemm', [pcaBlockName(p, i), t.x], [int('transB', t.transB)], `${p}/${TAPS[i].node}`),
    );
    return node('Sum', parts, [], `${p}/scores`);
  });
  // Regressions: [B, rows] = scoresᵀ · coefᵀ + intercept, the four repetitions side by side.
  const perRep = Array.from({ length: N_REPETITIONS }, (_, r) =>
    node('Gemm', [scores[spec.sharedPca ? 0 : r], `reg/rep-${r + 1}/coef`, `reg/rep-${r + 1}/intercept`], [int('transA', 1), int('transB', 1)], `reg/rep-${r + 1}`),
  );
  node('Concat', perRep, [int('axis', 1)], OUTPUT_NAME);
  if (spec.features) {
    const rowsOf = [h6, h7, h8].map((h) => node('Transpose', [h], [ints('perm', [1, 0])]));
    node('Concat', [...convTaps, ...rowsOf], [int('axis', 1)], FEATURES_NAME);
  }

  const initializer: Onnx.ITensorProto[] = encoderInitializers(spec).map(({ name, dims }) => {
    const at = placement.get(name);
    if (!at) throw new Error(`onnx graph: no data placed for ${name}`);
    const n = dims.reduce((a, b) => a * b, 1);
    if (at.length !== 4 * n) throw new Error(`onnx graph: ${name} has ${at.length} bytes, expected ${4 * n}`);
    return {
      name,
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: dataFile },
        { key: 'offset', value: String(at.offset) },
        { key: 'length', value: String(at.length) },
      ],
    };
  });
  const tensorType = (dims: Array<number | string>, elemType: number = onnx.TensorProto.DataType.FLOAT): Onnx.ITypeProto => ({
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'insilico-eeg',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'alexnet_untrained_eeg_encoder',
      node: nodes,
      initializer,
      input: [{ name: INPUT_NAME, type: tensorType(['batch', 3, 224, 224], onnx.TensorProto.DataType.UINT8) }],
      output: [
        { name: OUTPUT_NAME, type: tensorType(['batch', N_REPETITIONS * spec.rows]) },
        ...(spec.features ? [{ name: FEATURES_NAME, type: tensorType(['batch', N_FEATURES]) }] : []),
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
