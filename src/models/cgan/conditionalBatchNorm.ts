/**
 * Class-conditional batch normalisation.
 *
 * Batch norm without its own affine parameters, followed by a per-sample scale and shift computed
 * from a class embedding: y = BN(x)·(1 + γ(e)) + β(e), with γ and β linear maps of e.
 * de Vries et al. 2017 ("Modulating early visual processing by language") and Dumoulin et al. 2017
 * introduced the conditional affine; Miyato & Koyama 2018 (cGANs with projection discriminator)
 * and Brock et al. 2019 (BigGAN) use it in the generator. Following BigGAN, the embedding e is
 * shared by all layers and each layer owns only the linear maps γ, β.
 *
 * NOTE: because e enters only through these linear maps, any vector in embedding space is a valid
 * condition: a weighted mixture of class embeddings ("0.7·horse + 0.3·bird") or a different
 * embedding for every layer. The "1 +" keeps the layer an identity scale at initialisation.
 *
 * A `RegionCondition` makes the condition vary over the image: γ and β of two embeddings blended
 * by a soft mask, y = BN(x)·(1 + γ_out + m·(γ_in − γ_out)) + β_out + m·(β_in − β_out), the
 * spatially varying modulation of SPADE (Park et al. 2019, "Semantic Image Synthesis with
 * Spatially-Adaptive Normalization") with a class mixture in place of a semantic map: "horse
 * everywhere, bird/airplane above the back". The mask is given at image resolution and averaged
 * down to each layer's.
 */
import { add, avgPool2d, batchNormAffine2d, mul, relu, reshape, sub, type Rng, type Tensor } from '../../engine/index.js';
import { BatchNorm2d, Linear, Module } from '../../nn/index.js';

/** Two conditions blended over the image by `mask` (see the file comment). */
export interface RegionCondition {
  /** [N, embDim]: the condition where the mask is 0. */
  readonly outside: Tensor;
  /** [N, embDim]: the condition where the mask is 1. */
  readonly inside: Tensor;
  /** [N or 1, 1, S, S] weights in [0, 1] at the image's resolution S (a multiple of every layer's). */
  readonly mask: Tensor;
}

/** What one conditional layer takes: an embedding per sample, or two blended by a mask. */
export type LayerCondition = Tensor | RegionCondition;

export function isRegionCondition(c: LayerCondition): c is RegionCondition {
  return (c as RegionCondition).mask !== undefined;
}

export class ConditionalBatchNorm2d extends Module {
  readonly bn: BatchNorm2d;
  readonly gamma: Linear;
  readonly beta: Linear;

  /** Whether a ReLU follows (fused with the affine): the generator block's use. */
  readonly relu: boolean;

  constructor(
    readonly channels: number,
    embDim: number,
    rng: Rng,
    opts: { readonly relu?: boolean } = {},
  ) {
    super();
    this.bn = new BatchNorm2d(channels, { affine: false });
    this.gamma = new Linear(embDim, channels, { bias: false, rng });
    this.beta = new Linear(embDim, channels, { bias: false, rng });
    this.relu = opts.relu ?? false;
  }

  /**
   * x: [N, C, H, W]; e: [N, embDim] class embeddings (or mixtures of them), or a region condition.
   * With `relu` (constructor), max(·, 0) follows, fused with the affine for a per-sample condition.
   */
  forward(x: Tensor, e: LayerCondition): Tensor {
    if (isRegionCondition(e)) {
      const y = this.forwardRegion(x, e);
      return this.relu ? relu(y) : y;
    }
    const bn = this.bn;
    return batchNormAffine2d(x, add(this.gamma.forward(e), 1), this.beta.forward(e), bn.runningMean, bn.runningVar, {
      training: bn.training,
      momentum: bn.momentum,
      eps: bn.eps,
      relu: this.relu,
    });
  }

  private forwardRegion(x: Tensor, r: RegionCondition): Tensor {
    const [n, c, h] = x.shape as [number, number, number, number];
    const size = r.mask.shape[2]!;
    if (size % h !== 0) throw new Error(`ConditionalBatchNorm2d: a ${size}×${size} mask does not average down to ${h}×${h}`);
    const m = size === h ? r.mask : avgPool2d(r.mask, size / h);
    const gammaOut = reshape(this.gamma.forward(r.outside), [n, c, 1, 1]);
    const shiftOut = reshape(this.beta.forward(r.outside), [n, c, 1, 1]);
    const dScale = sub(reshape(this.gamma.forward(r.inside), [n, c, 1, 1]), gammaOut);
    const dShift = sub(reshape(this.beta.forward(r.inside), [n, c, 1, 1]), shiftOut);
    const scale = add(add(gammaOut, 1), mul(m, dScale));
    const shift = add(shiftOut, mul(m, dShift));
    return add(mul(this.bn.forward(x), scale), shift);
  }
}
