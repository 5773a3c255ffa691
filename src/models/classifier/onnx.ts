/**
 * ResNet-9 as an ONNX graph (see src/nn/onnx.ts), the same forward pass as resnet9.ts in
 * evaluation mode. Input: `images` [N, 3, 32, 32] in [−1, 1]. Outputs: `logits` [N, numClasses]
 * and `features` [N, widths[3]] (the penultimate layer that evaluation measures distances in).
 */
import { OnnxGraph } from '../../nn/onnx.js';
import { onnxBatchNorm2d, onnxConv2d, onnxLinear } from '../../nn/onnxLayers.js';
import type { ConvBn, Layer, ResNet9 } from './resnet9.js';

/**
 * The classifier's graph; call `encode()` on it for the file's bytes.
 * @example writeFileSync('c.onnx', classifierOnnx(loadClassifier(path).net).encode());
 */
export function classifierOnnx(net: ResNet9): OnnxGraph {
  const g = new OnnxGraph('pegasus-resnet9');
  const x = g.input('images', ['N', 3, 32, 32]);
  const z = g.op('Add', [g.op('Mul', [x, g.weight('input.scale', net._scale)]), g.weight('input.shift', net._shift)]);
  let h = convBn(g, 'prep', net.prep, z);
  h = layer(g, 'layer1', net.layer1, h);
  h = layer(g, 'layer2', net.layer2, h);
  h = layer(g, 'layer3', net.layer3, h);
  const features = g.op('ReduceMax', [h], { axes: [2, 3], keepdims: { int: 0 } });
  const logits = g.op('Mul', [onnxLinear(g, 'fc', net.fc, features), g.constant('logitScale', [net.config.logitScale], [])]);
  g.output(logits, ['N', net.config.numClasses], 'logits');
  g.output(features, ['N', net.config.widths[3]], 'features');
  return g;
}

function convBn(g: OnnxGraph, name: string, m: ConvBn, x: string): string {
  return g.op('Relu', [onnxBatchNorm2d(g, `${name}.bn`, m.bn, onnxConv2d(g, `${name}.conv`, m.conv, x))]);
}

function layer(g: OnnxGraph, name: string, m: Layer, x: string): string {
  const h = g.op('MaxPool', [convBn(g, `${name}.conv`, m.conv, x)], { kernel_shape: [2, 2], strides: [2, 2] });
  if (m.res.length === 0) return h;
  return g.op('Add', [h, convBn(g, `${name}.res.1`, m.res[1]!, convBn(g, `${name}.res.0`, m.res[0]!, h))]);
}
