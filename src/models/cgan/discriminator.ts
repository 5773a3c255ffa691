/**
 * The projection discriminator with spectral normalisation.
 *
 * Miyato & Koyama 2018 ("cGANs with Projection Discriminator"): instead of feeding the label in,
 * D(x, y) = ψ(φ(x)) + embed(y)ᵀ φ(x), where φ is a residual feature extractor, ψ a linear map to a
 * scalar and embed a learned class embedding; this is the form that follows from a log-linear
 * model of p(y|x). Every weight is spectrally normalised (Miyato et al. 2018, "Spectral
 * Normalization for Generative Adversarial Networks"), which bounds D's Lipschitz constant and is
 * what lets the hinge loss train without a gradient penalty.
 *
 * The same embedding also reads as a classifier: p(k | x) ∝ exp(embed(k)ᵀ φ(x)) over the run's
 * classes. `forwardWithClasses` returns those class logits too, for the classification loss of
 * Dual Projection GANs (Han et al. 2021, "Dual Projection Generative Adversarial Networks for
 * Conditional Image Generation", ICCV; their P2GAN, here with a fixed weight instead of their
 * learned balance), which trains D to name the class of real images and G to make images D names
 * correctly, with no new weights (see TrainConfig.classLoss).
 */
import { add, avgPool2d, linear, mul, relu, reshape, sum, type Rng, type Tensor } from '../../engine/index.js';
import { Conv2d, Embedding, Linear, Module, spectralNorm } from '../../nn/index.js';
import type { CganConfig } from './config.js';

/**
 * Residual down-block (Miyato et al. 2018, Fig. 8b). The first block ("optimized block" in the
 * SNGAN code) skips the leading ReLU because its input is the image. Every block pools before its
 * 1×1 shortcut conv (the SNGAN code does so only in the first): average pooling and a 1×1
 * convolution commute, both being linear and one acting per channel, the other per pixel, so
 * this is the same function with the convolution on a quarter of the pixels. For the same reason
 * the main path's pooling runs inside conv2 (a 4×4 convolution of stride 2, `convAvgPool2d`).
 */
export class DBlock extends Module {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly shortcut: Conv2d | null;

  constructor(
    cIn: number,
    cOut: number,
    readonly down: boolean,
    readonly first: boolean,
    rng: Rng,
  ) {
    super();
    this.conv1 = spectralNorm(new Conv2d(cIn, cOut, 3, { padding: 1, rng }), rng);
    // a downsampling block's average pooling runs inside conv2 (Conv2d `downsample`: one 4×4 conv of stride 2)
    this.conv2 = spectralNorm(new Conv2d(cOut, cOut, 3, { padding: 1, downsample: down, rng }), rng);
    this.shortcut = cIn !== cOut || down ? spectralNorm(new Conv2d(cIn, cOut, 1, { rng }), rng) : null;
  }

  forward(x: Tensor): Tensor {
    // the ReLU between the convolutions runs as part of conv1 (its fused activation)
    let h = this.conv1.forward(this.first ? x : relu(x), { relu: true });
    h = this.conv2.forward(h);
    let s = x;
    if (this.down) s = avgPool2d(s, 2);
    if (this.shortcut !== null) s = this.shortcut.forward(s);
    return add(h, s);
  }
}

export class Discriminator extends Module {
  readonly blocks: DBlock[];
  readonly linear: Linear;
  readonly embed: Embedding;

  constructor(
    readonly config: CganConfig,
    rng: Rng,
  ) {
    super();
    const d = config.discriminator;
    this.blocks = [];
    let c = 3;
    d.blockChannels.forEach((cOut, i) => {
      this.blocks.push(new DBlock(c, cOut, d.downsample[i]!, i === 0, rng));
      c = cOut;
    });
    this.linear = spectralNorm(new Linear(c, 1, { rng }), rng);
    this.embed = spectralNorm(new Embedding(config.numClasses, c, { rng }), rng);
  }

  /** x: [N, 3, 32, 32], labels: [N] class indices → logits [N]. */
  forward(x: Tensor, labels: Int32Array): Tensor {
    return this.head(x, labels).logits;
  }

  /**
   * The logits [N] and the class logits [N, numClasses] = φ(x) embedᵀ; the projection term of
   * `logits` is the class logit of the given label, so logits − ψ(φ(x)) = classLogits[i, labels[i]].
   */
  forwardWithClasses(x: Tensor, labels: Int32Array): { logits: Tensor; classLogits: Tensor } {
    const { phi, logits } = this.head(x, labels);
    // NOTE: after head's embed.forward, embed.weight is the spectrally normalised table (see spectralNorm.ts).
    return { logits, classLogits: linear(phi, this.embed.weight) };
  }

  /** The pooled features φ(x) [N, C] and the logits ψ(φ(x)) + embed(y)ᵀ φ(x) [N]. */
  private head(x: Tensor, labels: Int32Array): { phi: Tensor; logits: Tensor } {
    const n = x.shape[0]!;
    let h = x;
    for (const block of this.blocks) h = block.forward(h);
    // Global sum pooling of ReLU features (as in the SNGAN/projection code).
    const phi = sum(relu(h), [2, 3]); // [N, C]
    const psi = reshape(this.linear.forward(phi), [n]);
    const projection = sum(mul(this.embed.forward(labels), phi), [1]); // embed(y)ᵀ φ(x)
    return { phi, logits: add(psi, projection) };
  }
}
