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
 */
import { add, mul, reshape, type Rng, type Tensor } from '../../engine/index.js';
import { BatchNorm2d, Linear, Module } from '../../nn/index.js';

export class ConditionalBatchNorm2d extends Module {
  readonly bn: BatchNorm2d;
  readonly gamma: Linear;
  readonly beta: Linear;

  constructor(
    readonly channels: number,
    embDim: number,
    rng: Rng,
  ) {
    super();
    this.bn = new BatchNorm2d(channels, { affine: false });
    this.gamma = new Linear(embDim, channels, { bias: false, rng });
    this.beta = new Linear(embDim, channels, { bias: false, rng });
  }

  /** x: [N, C, H, W]; e: [N, embDim] class embeddings (or mixtures of them). */
  forward(x: Tensor, e: Tensor): Tensor {
    const n = x.shape[0]!;
    const c = this.channels;
    const scale = reshape(add(this.gamma.forward(e), 1), [n, c, 1, 1]);
    const shift = reshape(this.beta.forward(e), [n, c, 1, 1]);
    return add(mul(this.bn.forward(x), scale), shift);
  }
}
