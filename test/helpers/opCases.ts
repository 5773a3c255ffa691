/**
 * The op cases shared by the engine tests: every op of the engine, on random shapes that include
 * broadcasting and odd sizes. The gradient check runs them in float64, the cross-backend test in
 * float32. Input makers draw from one seeded generator so every run sees the same numbers.
 */
import * as E from '../../src/engine/index.js';
import type { DType, Tensor } from '../../src/engine/index.js';
import type { GradcheckOptions } from './gradcheck.js';

export type OpCase = [name: string, fn: (...x: Tensor[]) => Tensor, inputs: () => Tensor[], opts?: GradcheckOptions];

/** The cases, with inputs of the given dtype drawn from a generator seeded with `seed`. */
export function opCases(dtype: DType, seed = 7): OpCase[] {
  const rng = new E.Rng(seed);

  /** A leaf of normal samples, scaled and shifted. */
  function r(shape: number[], scale = 1, shift = 0): Tensor {
    const t = E.randn(shape, rng, { dtype });
    for (let i = 0; i < t.size; i++) t.data[i] = t.data[i]! * scale + shift;
    t.requiresGrad = true;
    return t;
  }

  /** Positive values in [lo, lo + 1). */
  function pos(shape: number[], lo = 0.5): Tensor {
    const t = E.rand(shape, rng, { dtype });
    for (let i = 0; i < t.size; i++) t.data[i] = t.data[i]! + lo;
    t.requiresGrad = true;
    return t;
  }

  /** ±size in a fixed pattern, a leaf that requires grad. */
  function signs(shape: number[], size: number): Tensor {
    const t = r(shape);
    for (let i = 0; i < t.size; i++) t.data[i] = (i % 3 === 1 ? -1 : 1) * size;
    return t;
  }

  /** Values bounded away from 0 (for kinks at 0: relu, abs). */
  function awayFromZero(shape: number[]): Tensor {
    const t = r(shape);
    for (let i = 0; i < t.size; i++) t.data[i] = t.data[i]! + Math.sign(t.data[i]!) * 0.05;
    return t;
  }

  const labels = new Int32Array([2, 0, 4, 4, 1]);
  const spectralU = E.tensor([0.9, 1.1, 0.7, 1.3], [4], { dtype });
  const spectralU5 = E.tensor([0.9, 1.1, 0.7, 1.3, 0.6], [5], { dtype });
  const spectralV4 = E.tensor([0.5, 0.8, 1.2, 0.9], [4], { dtype });
  const spectralV = E.tensor(
    Array.from({ length: 12 }, (_, i) => 0.5 + 0.1 * i),
    [12],
    { dtype },
  );
  const dt = { dtype };

  return [
    // element-wise, with broadcasting
    ['add same shape', (a, b) => E.add(a!, b!), () => [r([3, 4]), r([3, 4])]],
    ['add broadcast [2,3,4]+[3,1]', (a, b) => E.add(a!, b!), () => [r([2, 3, 4]), r([3, 1])]],
    ['add broadcast [1,4]+[3,1]', (a, b) => E.add(a!, b!), () => [r([1, 4]), r([3, 1])]],
    ['add number', (a) => E.add(a!, 2.5), () => [r([5])]],
    ['add 0-d tensor', (a, b) => E.add(a!, b!), () => [r([2, 3]), r([])]],
    ['add x+x (accumulation)', (a) => E.add(a!, a!), () => [r([4, 3])]],
    ['sub broadcast', (a, b) => E.sub(a!, b!), () => [r([2, 1, 5]), r([3, 5])]],
    ['sub number first', (a) => E.sub(1, a!), () => [r([3])]],
    ['mul broadcast NCHW·[1,C,1,1]', (a, b) => E.mul(a!, b!), () => [r([2, 3, 4, 5]), r([1, 3, 1, 1])]],
    ['mul x·x', (a) => E.mul(a!, a!), () => [r([6])]],
    ['div broadcast', (a, b) => E.div(a!, b!), () => [r([3, 4]), pos([4], 1)]],
    ['div number by tensor', (a) => E.div(2, a!), () => [pos([5], 1)]],
    ['neg', (a) => E.neg(a!), () => [r([3, 3])]],
    ['abs', (a) => E.abs(a!), () => [awayFromZero([7])]],
    ['relu', (a) => E.relu(a!), () => [awayFromZero([3, 5])]],
    ['leakyRelu 0.2', (a) => E.leakyRelu(a!, 0.2), () => [awayFromZero([3, 5])]],
    ['tanh', (a) => E.tanh(a!), () => [r([11])]],
    ['sigmoid', (a) => E.sigmoid(a!), () => [r([11], 3)]],
    ['silu', (a) => E.silu(a!), () => [r([11], 3)]],
    ['exp', (a) => E.exp(a!), () => [r([7])]],
    ['log', (a) => E.log(a!), () => [pos([7])]],
    ['sqrt', (a) => E.sqrt(a!), () => [pos([7])]],
    ['pow 3', (a) => E.pow(a!, 3), () => [r([7])]],
    ['pow -1.5', (a) => E.pow(a!, -1.5), () => [pos([7])]],
    ['clone', (a) => E.mul(a!.clone(), 2), () => [r([4])]],
    // reductions
    ['sum all', (a) => E.sum(a!), () => [r([3, 4])]],
    ['sum axes [0,2]', (a) => E.sum(a!, [0, 2]), () => [r([2, 3, 4])]],
    ['sum axis -1 keepDims', (a) => E.sum(a!, -1, true), () => [r([2, 3, 5])]],
    ['mean axes [2,3] keepDims', (a) => E.mean(a!, [2, 3], true), () => [r([2, 3, 3, 5])]],
    ['mean all', (a) => E.mean(a!), () => [r([3, 7])]],
    ['max axis 1', (a) => E.max(a!, 1), () => [r([3, 5, 2])]],
    ['max all', (a) => E.max(a!), () => [r([4, 3])]],
    ['max axes [0,2] keepDims', (a) => E.max(a!, [0, 2], true), () => [r([3, 2, 4])]],
    ['broadcastTo', (a) => E.broadcastTo(a!, [2, 3, 4]), () => [r([3, 1])]],
    ['softmax last', (a) => E.softmax(a!), () => [r([3, 5], 2)]],
    ['softmax axis 1 of 3-D', (a) => E.softmax(a!, 1), () => [r([2, 4, 3], 2)]],
    ['logSoftmax axis 0', (a) => E.logSoftmax(a!, 0), () => [r([4, 3], 2)]],
    // shapes
    ['reshape', (a) => E.mul(E.reshape(a!, [3, -1]), 3), () => [r([2, 3, 2])]],
    ['flatten', (a) => E.flatten(a!), () => [r([2, 3, 2, 2])]],
    ['permute [2,0,1]', (a) => E.permute(a!, [2, 0, 1]), () => [r([2, 3, 4])]],
    ['transpose', (a) => E.transpose(a!), () => [r([2, 3, 5])]],
    ['concat axis 1', (a, b, c) => E.concat([a!, b!, c!], 1), () => [r([2, 1, 3]), r([2, 3, 3]), r([2, 2, 3])]],
    ['concat axis 0', (a, b) => E.concat([a!, b!], 0), () => [r([1, 4]), r([2, 4])]],
    ['slice with negatives', (a) => E.slice(a!, [1, 0, -3], [3, 2]), () => [r([4, 3, 5])]],
    [
      'pad H and W',
      (a) =>
        E.pad(a!, [
          [1, 2],
          [0, 1],
        ]),
      () => [r([2, 2, 3, 3])],
    ],
    ['upsampleNearest2x', (a) => E.upsampleNearest2x(a!), () => [r([2, 3, 3, 5])]],
    [
      'batchNormAffine2d training',
      (x, s, t) => E.batchNormAffine2d(x!, s!, t!, E.zeros([3], dt), E.ones([3], dt), { training: true }),
      () => [r([4, 3, 2, 3], 2, 1), r([4, 3]), r([4, 3])],
    ],
    // a ReLU after the normalisation: shifts far from 0 (±2) keep every value away from its kink
    [
      'batchNormAffine2d relu',
      (x, s, t) => E.batchNormAffine2d(x!, s!, t!, null, null, { training: true, relu: true }),
      () => [r([3, 2, 5]), r([3, 2], 0.1), signs([3, 2], 2)],
    ],
    [
      'batchNormAffine2d leaky relu',
      (x, s, t) => E.batchNormAffine2d(x!, s!, t!, null, null, { training: true, relu: true, negativeSlope: 0.2 }),
      () => [r([3, 2, 5]), r([3, 2], 0.1), signs([3, 2], 2)],
    ],
    // batch norm with γ, β and a leaky ReLU as one op (plain x: the fused path of batchNorm2d)
    [
      'batchNorm2d leaky relu',
      (x, g, b) => E.batchNorm2d(x!, g!, b!, null, null, { training: true, relu: true, negativeSlope: 0.2 }),
      () => [r([3, 2, 5]), r([2], 0.1), signs([2], 2)],
    ],
    ['conv2d relu', (x, w, b) => E.conv2d(x!, w!, b!, { padding: 1, relu: true }), () => [r([2, 3, 4, 4]), r([4, 3, 3, 3]), r([4])]],
    [
      'conv2d leaky relu',
      (x, w, b) => E.conv2d(x!, w!, b!, { stride: 2, padding: 1, relu: true, negativeSlope: 0.2 }),
      () => [r([2, 3, 5, 4]), r([4, 3, 3, 3]), r([4])],
    ],
    ['upsampleConv2d', (x, w, b) => E.upsampleConv2d(x!, w!, b!), () => [r([2, 3, 3, 4]), r([4, 3, 3, 3]), r([4])]],
    ['convAvgPool2d', (x, w, b) => E.convAvgPool2d(x!, w!, b!), () => [r([2, 3, 4, 6]), r([4, 3, 3, 3]), r([4])]],
    ['translate2d', (a) => E.translate2d(a!, [1, -2, 0], [-1, 3, 7]), () => [r([3, 2, 4, 5])]],
    ['channelAffine', (x, s, t) => E.channelAffine(x!, s!, t!), () => [r([2, 3, 4, 5]), r([2, 3]), r([2, 3])]],
    // x away from 0, scale ≥ 0.5 and a small shift keep every value away from ReLU's kink
    [
      'channelAffine relu',
      (x, s, t) => E.channelAffine(x!, s!, t!, { relu: true }),
      () => [awayFromZero([3, 2, 5]), pos([3, 2]), r([3, 2], 0.001)],
    ],
    [
      'channelAffine leaky relu',
      (x, s, t) => E.channelAffine(x!, s!, t!, { relu: true, negativeSlope: 0.3 }),
      () => [awayFromZero([3, 2, 5]), pos([3, 2]), r([3, 2], 0.001)],
    ],
    ['avgPool2d 2', (a) => E.avgPool2d(a!, 2), () => [r([2, 3, 4, 6])]],
    ['maxPool2d 2', (a) => E.maxPool2d(a!, 2), () => [r([2, 3, 4, 6])]],
    ['maxPool2d 3', (a) => E.maxPool2d(a!, 3), () => [r([1, 2, 6, 3])]],
    ['avgPool2d 3', (a) => E.avgPool2d(a!, 3), () => [r([1, 2, 6, 3])]],
    // matrix products
    ['matmul 2-D', (a, b) => E.matmul(a!, b!), () => [r([3, 4]), r([4, 5])]],
    ['matmul batched', (a, b) => E.matmul(a!, b!), () => [r([2, 3, 4]), r([2, 4, 5])]],
    ['matmul batch · 2-D', (a, b) => E.matmul(a!, b!), () => [r([2, 3, 4]), r([4, 2])]],
    ['matmul 2-D · batch', (a, b) => E.matmul(a!, b!), () => [r([3, 4]), r([2, 4, 2])]],
    ['linear with bias', (x, w, b) => E.linear(x!, w!, b!), () => [r([3, 5]), r([4, 5]), r([4])]],
    ['linear 3-D input, no bias', (x, w) => E.linear(x!, w!), () => [r([2, 3, 5]), r([4, 5])]],
    // W / uᵀWv with constant u, v (σ kept away from 0 by the shift)
    ['spectralNormalize [4, 3, 2, 2]', (w) => E.spectralNormalize(w!, spectralU, spectralV), () => [r([4, 3, 2, 2], 1, 0.5)]],
    // 20 elements: the backward's dot product is one 16-element block and 4 by hand
    ['spectralNormalize [5, 4]', (w) => E.spectralNormalize(w!, spectralU5, spectralV4), () => [r([5, 4], 1, 0.5)]],
    // convolutions
    [
      'conv2d odd sizes, stride 2, pad 1, bias',
      (x, w, b) => E.conv2d(x!, w!, b!, { stride: 2, padding: 1 }),
      () => [r([2, 3, 7, 5]), r([4, 3, 3, 3]), r([4])],
    ],
    ['conv2d 4×4 s2 p1 no bias', (x, w) => E.conv2d(x!, w!, null, { stride: 2, padding: 1 }), () => [r([2, 2, 8, 8]), r([3, 2, 4, 4])]],
    [
      'conv2d stride (2,1), pad (0,2), 2×3 kernel',
      (x, w) => E.conv2d(x!, w!, null, { stride: [2, 1], padding: [0, 2] }),
      () => [r([1, 2, 5, 4]), r([3, 2, 2, 3])],
    ],
    [
      'convTranspose2d s2 p1 outputPadding 1 bias',
      (x, w, b) => E.convTranspose2d(x!, w!, b!, { stride: 2, padding: 1, outputPadding: 1 }),
      () => [r([2, 3, 3, 4]), r([3, 2, 3, 3]), r([2])],
    ],
    [
      'convTranspose2d 4×4 s2 p1',
      (x, w) => E.convTranspose2d(x!, w!, null, { stride: 2, padding: 1 }),
      () => [r([2, 4, 3, 3]), r([4, 3, 4, 4])],
    ],
    [
      'convTranspose2d stride 1 odd',
      (x, w) => E.convTranspose2d(x!, w!, null, { stride: 1, padding: 0 }),
      () => [r([1, 2, 3, 5]), r([2, 3, 2, 3])],
    ],
    // normalisation
    [
      'batchNorm2d training, affine',
      (x, g, b) => E.batchNorm2d(x!, g!, b!, E.zeros([3], dt), E.ones([3], dt), { training: true }),
      () => [r([4, 3, 3, 2]), r([3], 0.5, 1), r([3])],
    ],
    ['batchNorm2d training, no affine, [N,C]', (x) => E.batchNorm2d(x!, null, null, null, null, { training: true }), () => [r([5, 3])]],
    [
      'batchNorm2d eval',
      (x, g, b) => E.batchNorm2d(x!, g!, b!, E.tensor([0.1, -0.2], [2], dt), E.tensor([0.5, 2], [2], dt), { training: false }),
      () => [r([2, 2, 3, 3]), r([2]), r([2])],
    ],
    ['groupNorm 2 groups', (x, g, b) => E.groupNorm(x!, 2, g!, b!), () => [r([2, 4, 3, 3]), r([4], 0.5, 1), r([4])]],
    ['groupNorm 1 group, no affine', (x) => E.groupNorm(x!, 1, null, null), () => [r([3, 2, 2, 3])]],
    ['layerNorm last dim', (x, g, b) => E.layerNorm(x!, [5], g!, b!), () => [r([3, 5]), r([5], 0.5, 1), r([5])]],
    ['layerNorm last two dims', (x, g, b) => E.layerNorm(x!, [2, 3], g!, b!), () => [r([2, 2, 3]), r([2, 3]), r([2, 3])]],
    // misc
    ['embedding with repeats', (w) => E.embedding(w!, new Int32Array([1, 3, 1, 0])), () => [r([4, 3])]],
    ['dropout (fixed mask)', (x) => E.dropout(x!, 0.3, new E.Rng(3), true), () => [r([4, 5])]],
    // losses
    ['crossEntropy', (x) => E.crossEntropy(x!, labels), () => [r([5, 6], 2)]],
    ['nllLoss', (x) => E.nllLoss(x!, labels), () => [r([5, 6])]],
    ['bceWithLogits tensor targets', (x, t) => E.bceWithLogits(x!, t!), () => [r([4, 3], 3), pos([4, 3], 0)]],
    ['bceWithLogits number target', (x) => E.bceWithLogits(x!, 1), () => [r([6, 1], 3)]],
    ['mseLoss', (a, b) => E.mseLoss(a!, b!), () => [r([3, 4]), r([3, 4])]],
    ['hingeLossD', (a, b) => E.hingeLossD(a!, b!), () => [awayFromZero([6]), awayFromZero([6])]],
    ['hingeLossG', (a) => E.hingeLossG(a!), () => [r([6])]],
  ];
}
