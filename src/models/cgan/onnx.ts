/**
 * The class-conditional generator as an ONNX graph (see src/nn/onnx.ts), the same forward pass as
 * generator.ts in evaluation mode (batch norms on their standing statistics).
 *
 * Inputs: `z` [N, zDim] and `class_weights` [N, numClasses]; the condition is class_weights ×
 * the embedding table, so a one-hot row draws a class (the pegasus class included), and any
 * weights draw a mixture of classes, as `Generator.mixEmbedding`. Output: `images` [N, 3, 32, 32]
 * in [−1, 1].
 */
import { OnnxGraph } from '../../nn/onnx.js';
import { onnxBatchNorm2d, onnxConv2d, onnxLinear, onnxUpsample2x } from '../../nn/onnxLayers.js';
import type { ConditionalBatchNorm2d } from './conditionalBatchNorm.js';
import type { Generator } from './generator.js';

/**
 * The generator's graph; call `encode()` on it for the file's bytes.
 * @example writeFileSync('g.onnx', generatorOnnx(loadGenerator(path).generator).encode());
 */
export function generatorOnnx(gen: Generator): OnnxGraph {
  const g = new OnnxGraph('pegasus-cgan-generator');
  const cfg = gen.config.generator;
  const z = g.input('z', ['N', cfg.zDim]);
  const weights = g.input('class_weights', ['N', gen.config.numClasses]);
  const e = g.op('MatMul', [weights, g.weight('embed.weight', gen.embed.weight)]);
  let h = onnxLinear(g, 'linear', gen.linear, z);
  h = g.op('Reshape', [h, g.ints('linear.shape', [-1, cfg.baseChannels, 4, 4])]);
  gen.blocks.forEach((b, i) => {
    const p = `blocks.${i}`;
    let r = g.op('Relu', [conditionalBatchNorm(g, `${p}.bn1`, b.bn1, h, e)]);
    r = onnxConv2d(g, `${p}.conv1`, b.conv1, r); // conv1 upsamples first (Conv2d `upsample`)
    r = g.op('Relu', [conditionalBatchNorm(g, `${p}.bn2`, b.bn2, r, e)]);
    r = onnxConv2d(g, `${p}.conv2`, b.conv2, r);
    h = g.op('Add', [r, onnxUpsample2x(g, onnxConv2d(g, `${p}.shortcut`, b.shortcut, h))]);
  });
  h = g.op('Relu', [onnxBatchNorm2d(g, 'bnOut', gen.bnOut, h)]);
  g.output(g.op('Tanh', [onnxConv2d(g, 'convOut', gen.convOut, h)]), ['N', 3, gen.config.imageSize, gen.config.imageSize], 'images');
  return g;
}

/** BN(x)·(1 + γ(e)) + β(e), γ and β reshaped to [N, C, 1, 1]. */
function conditionalBatchNorm(g: OnnxGraph, name: string, cbn: ConditionalBatchNorm2d, x: string, e: string): string {
  const shape = g.ints(`${name}.shape`, [-1, cbn.channels, 1, 1]);
  const gamma = onnxLinear(g, `${name}.gamma`, cbn.gamma, e);
  const scale = g.op('Reshape', [g.op('Add', [gamma, g.constant('one', [1], [])]), shape]);
  const shift = g.op('Reshape', [onnxLinear(g, `${name}.beta`, cbn.beta, e), shape]);
  return g.op('Add', [g.op('Mul', [onnxBatchNorm2d(g, `${name}.bn`, cbn.bn, x), scale]), shift]);
}
