/**
 * ResNet-9: the small residual network of David Page, "How to train your ResNet" (Myrtle.ai blog,
 * 2018), the DAWNBench CIFAR-10 winner: prep conv → (conv, pool, residual) → (conv, pool) →
 * (conv, pool, residual) → global max pool → linear, every conv 3×3 followed by batch norm and ReLU.
 *
 * It takes images in [−1, 1] (the generators' range) and standardises them itself, so callers never
 * have to know the training statistics. `features(x)` gives the penultimate (pooled) features that
 * evaluation measures distances in; `logits(x)` the class scores.
 *
 * @example
 *   const net = new ResNet9(defaultClassifierConfig, new Rng(0)).eval();
 *   const p = softmax(net.logits(x), 1);
 */
import { add, keep, linear, max, maxPool2d, mul, relu, tensor, type Rng, type Tensor } from '../../engine/index.js';
import { BatchNorm2d, Conv2d, Linear, Module } from '../../nn/index.js';
import type { ClassifierConfig } from './config.js';

/** conv 3×3 (no bias: batch norm follows) → batch norm → ReLU. */
export class ConvBn extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;

  constructor(cIn: number, cOut: number, rng: Rng) {
    super();
    this.conv = new Conv2d(cIn, cOut, 3, { padding: 1, bias: false, rng });
    this.bn = new BatchNorm2d(cOut);
  }

  forward(x: Tensor): Tensor {
    return relu(this.bn.forward(this.conv.forward(x)));
  }
}

/** A ResNet-9 layer: ConvBn, max pool, and optionally x + res2(res1(x)) (Page 2018). */
export class Layer extends Module {
  readonly conv: ConvBn;
  readonly res: ConvBn[];

  constructor(cIn: number, cOut: number, residual: boolean, rng: Rng) {
    super();
    this.conv = new ConvBn(cIn, cOut, rng);
    this.res = residual ? [new ConvBn(cOut, cOut, rng), new ConvBn(cOut, cOut, rng)] : [];
  }

  forward(x: Tensor): Tensor {
    const h = maxPool2d(this.conv.forward(x), 2);
    if (this.res.length === 0) return h;
    return add(h, this.res[1]!.forward(this.res[0]!.forward(h)));
  }
}

export class ResNet9 extends Module {
  readonly prep: ConvBn;
  readonly layer1: Layer;
  readonly layer2: Layer;
  readonly layer3: Layer;
  readonly fc: Linear;
  /** @internal (not a buffer: derived from the config) */
  readonly _shift: Tensor;
  readonly _scale: Tensor;

  constructor(
    readonly config: ClassifierConfig,
    rng: Rng,
  ) {
    super();
    const [w0, w1, w2, w3] = config.widths;
    this.prep = new ConvBn(3, w0, rng);
    this.layer1 = new Layer(w0, w1, true, rng);
    this.layer2 = new Layer(w1, w2, false, rng);
    this.layer3 = new Layer(w2, w3, true, rng);
    this.fc = new Linear(w3, config.numClasses, { bias: false, rng });
    // x in [−1, 1] → ((x + 1)/2 − mean)/std = x·(1/(2·std)) + (0.5 − mean)/std
    this._scale = keep(tensor(config.std.map((s) => 1 / (2 * s)), [1, 3, 1, 1]));
    this._shift = keep(tensor(config.std.map((s, i) => (0.5 - config.mean[i]!) / s), [1, 3, 1, 1]));
  }

  /** Penultimate features [N, widths[3]]: the global max pool of layer 3 (non-negative). */
  features(x: Tensor): Tensor {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    if (x.ndim !== 4 || c !== 3 || h !== 32 || w !== 32) throw new Error(`ResNet9: expects [N, 3, 32, 32] images, got [${x.shape.join(',')}] (n=${n})`);
    const z = add(mul(x, this._scale), this._shift);
    const h3 = this.layer3.forward(this.layer2.forward(this.layer1.forward(this.prep.forward(z))));
    return max(h3, [2, 3]);
  }

  /** Class scores [N, numClasses] from features [N, widths[3]]. */
  head(features: Tensor): Tensor {
    return mul(linear(features, this.fc.weight), this.config.logitScale);
  }

  /** Class scores [N, numClasses] for images in [−1, 1]. */
  logits(x: Tensor): Tensor {
    return this.head(this.features(x));
  }

  forward(x: Tensor): Tensor {
    return this.logits(x);
  }
}

