/**
 * nn's layers as ONNX operators (see onnx.ts), for the model files that describe their forward
 * pass in ONNX. Each takes the graph, the name its weights get (the layer's state-dict prefix, so
 * that Netron shows the same names as a .pgc), the layer and its input, and returns its output.
 */
import { ones, zeros } from '../engine/index.js';
import type { Conv2d } from './conv.js';
import type { Linear } from './linear.js';
import type { BatchNorm2d } from './norm.js';
import type { OnnxGraph } from './onnx.js';

/**
 * Conv with the layer's kernel, stride, padding and bias; a Resize before it for `upsample`, a 2×2
 * AveragePool after it for `downsample` (the function the engine computes as one convolution).
 */
export function onnxConv2d(g: OnnxGraph, name: string, conv: Conv2d, x: string): string {
  const inputs = [conv.upsample ? onnxUpsample2x(g, x) : x, g.weight(`${name}.weight`, conv.weight)];
  if (conv.bias !== null) inputs.push(g.weight(`${name}.bias`, conv.bias));
  const k = conv.kernelSize;
  const p = conv.padding;
  const y = g.op('Conv', inputs, { kernel_shape: [k, k], strides: [conv.stride, conv.stride], pads: [p, p, p, p] });
  return conv.downsample ? g.op('AveragePool', [y], { kernel_shape: [2, 2], strides: [2, 2] }) : y;
}

/** Batch norm with the running statistics (evaluation mode); scale 1 and shift 0 without affine parameters. */
export function onnxBatchNorm2d(g: OnnxGraph, name: string, bn: BatchNorm2d, x: string): string {
  const c = bn.numFeatures;
  const scale = g.weight(`${name}.weight`, bn.weight ?? ones([c]));
  const shift = g.weight(`${name}.bias`, bn.bias ?? zeros([c]));
  const mean = g.weight(`${name}.runningMean`, bn.runningMean);
  const variance = g.weight(`${name}.runningVar`, bn.runningVar);
  return g.op('BatchNormalization', [x, scale, shift, mean, variance], { epsilon: bn.eps });
}

/** x·Wᵀ + b for x [N, in] (Gemm with transB). */
export function onnxLinear(g: OnnxGraph, name: string, lin: Linear, x: string): string {
  const inputs = [x, g.weight(`${name}.weight`, lin.weight)];
  if (lin.bias !== null) inputs.push(g.weight(`${name}.bias`, lin.bias));
  return g.op('Gemm', inputs, { transB: { int: 1 } });
}

/** Nearest-neighbour 2× upsampling: out[y, x] = in[⌊y/2⌋, ⌊x/2⌋], as upsampleNearest2x. */
export function onnxUpsample2x(g: OnnxGraph, x: string): string {
  return g.op('Resize', [x, '', g.constant('upsample2x.scales', [1, 1, 2, 2], [4])], {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
}
