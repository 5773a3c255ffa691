/**
 * The class-conditional generator: z → 4×4 map → residual up-blocks → 32×32 RGB in [−1, 1].
 *
 * Architecture of the SNGAN/cGAN-projection CIFAR-10 generators (Miyato et al. 2018, "Spectral
 * Normalization for Generative Adversarial Networks", appendix; Miyato & Koyama 2018, "cGANs with
 * Projection Discriminator") with BigGAN's shared class embedding (Brock et al. 2019, "Large Scale
 * GAN Training for High Fidelity Natural Image Synthesis"), sized by `GeneratorConfig`.
 *
 * The condition can be
 * - class indices (Int32Array, one per sample): each sample gets its class's embedding;
 * - one [N, embDim] tensor of embeddings (e.g. a mixture of class embeddings) for every layer;
 * - an array of [N, embDim] tensors, one per conditional layer (`numConditionalLayers`), to mix
 *   classes differently at coarse and fine layers; an entry may be a `RegionCondition` (two
 *   embeddings blended by a mask over the image, see conditionalBatchNorm.ts).
 */
import {
  add,
  matmul,
  noGrad,
  relu,
  Rng,
  reshape,
  tanh,
  tensor,
  truncatedRandn,
  upsampleNearest2x,
  type Tensor,
} from '../../engine/index.js';
import { BatchNorm2d, Conv2d, Embedding, Linear, Module } from '../../nn/index.js';
import { ConditionalBatchNorm2d, isRegionCondition, type LayerCondition } from './conditionalBatchNorm.js';
import type { CganConfig } from './config.js';

export type GeneratorCondition = Int32Array | Tensor | readonly LayerCondition[];

/**
 * Residual up-block (Miyato et al. 2018, Fig. 8a; He et al. 2016 for the residual form):
 * h = conv3(relu(CBN(conv3(up(relu(CBN(x))))))) + conv1(up(x)), the first up + conv3 as one
 * transposed convolution and the shortcut as up(conv1(x)) (the same function, less work).
 */
export class GBlock extends Module {
  readonly bn1: ConditionalBatchNorm2d;
  readonly conv1: Conv2d;
  readonly bn2: ConditionalBatchNorm2d;
  readonly conv2: Conv2d;
  readonly shortcut: Conv2d;

  constructor(cIn: number, cOut: number, embDim: number, rng: Rng) {
    super();
    this.bn1 = new ConditionalBatchNorm2d(cIn, embDim, rng, { relu: true });
    this.conv1 = new Conv2d(cIn, cOut, 3, { padding: 1, upsample: true, rng });
    this.bn2 = new ConditionalBatchNorm2d(cOut, embDim, rng, { relu: true });
    this.conv2 = new Conv2d(cOut, cOut, 3, { padding: 1, rng });
    this.shortcut = new Conv2d(cIn, cOut, 1, { rng });
  }

  forward(x: Tensor, e1: LayerCondition, e2: LayerCondition): Tensor {
    // conv1 upsamples its input first (Conv2d's `upsample`: one transposed convolution)
    let h = this.conv1.forward(this.bn1.forward(x, e1));
    h = this.conv2.forward(this.bn2.forward(h, e2));
    // NOTE: conv1×1(up(x)) = up(conv1×1(x)) (nearest upsampling copies pixels, a 1×1 conv maps
    // each pixel alone): the shortcut convolves the smaller map and never builds up(x).
    return add(h, upsampleNearest2x(this.shortcut.forward(x)));
  }
}

export class Generator extends Module {
  readonly embed: Embedding;
  readonly linear: Linear;
  readonly blocks: GBlock[];
  readonly bnOut: BatchNorm2d;
  readonly convOut: Conv2d;

  constructor(
    readonly config: CganConfig,
    rng: Rng,
  ) {
    super();
    const g = config.generator;
    this.embed = new Embedding(config.numClasses, g.embDim, { rng });
    this.linear = new Linear(g.zDim, 4 * 4 * g.baseChannels, { rng });
    this.blocks = [];
    let c = g.baseChannels;
    for (const cOut of g.blockChannels) {
      this.blocks.push(new GBlock(c, cOut, g.embDim, rng));
      c = cOut;
    }
    this.bnOut = new BatchNorm2d(c);
    this.convOut = new Conv2d(c, 3, 3, { padding: 1, rng });
  }

  /** Conditional batch norms in forward order (two per block). */
  get numConditionalLayers(): number {
    return 2 * this.blocks.length;
  }

  /** [N, embDim] embeddings of the given class indices. */
  classEmbedding(labels: Int32Array): Tensor {
    return this.embed.forward(labels);
  }

  /**
   * [n, embDim]: the mixture Σ_k w_k·embed_k repeated n times, w given per class index.
   *
   * @example G.mixEmbedding(Float64Array.of(0, 0, 0.3, 0.7), 16) // 0.3·bird + 0.7·horse
   */
  mixEmbedding(weights: ArrayLike<number>, n: number): Tensor {
    const k = this.config.numClasses;
    if (weights.length !== k) throw new Error(`mixEmbedding: ${weights.length} weights for ${k} classes`);
    const w = new Float32Array(n * k);
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) w[i * k + j] = weights[j]!;
    return matmul(tensor(w, [n, k]), this.embed.weight);
  }

  /**
   * n images [n, 3, 32, 32] of the mixture `weights` (per class index) from the noise of Rng(seed),
   * z truncated to [−ψ, ψ] (BigGAN's truncation trick; Infinity: none), without gradients: the one
   * mapping from a seed to images that `pegasus sample` and the static page share.
   * @example G.drawMixture(Float64Array.of(0, 0, 0, 0, 1), 16, 7) // 16 images of class 4
   */
  drawMixture(weights: ArrayLike<number>, n: number, seed: number, truncation = Infinity): Tensor {
    const z = truncatedRandn([n, this.config.generator.zDim], new Rng(seed), truncation);
    try {
      return noGrad(() => this.forward(z, this.mixEmbedding(weights, n)));
    } finally {
      z.dispose();
    }
  }

  /** z: [N, zDim] → images [N, 3, 32, 32] in [−1, 1]. */
  forward(z: Tensor, condition: GeneratorCondition): Tensor {
    const n = z.shape[0]!;
    const perLayer = this.conditionPerLayer(condition, n);
    let h = reshape(this.linear.forward(z), [n, this.config.generator.baseChannels, 4, 4]);
    this.blocks.forEach((block, i) => {
      h = block.forward(h, perLayer[2 * i]!, perLayer[2 * i + 1]!);
    });
    h = relu(this.bnOut.forward(h));
    return tanh(this.convOut.forward(h));
  }

  private conditionPerLayer(condition: GeneratorCondition, n: number): LayerCondition[] {
    const layers = this.numConditionalLayers;
    let list: readonly LayerCondition[];
    if (condition instanceof Int32Array) {
      if (condition.length !== n) throw new Error(`Generator: ${condition.length} labels for ${n} latents`);
      list = new Array<Tensor>(layers).fill(this.classEmbedding(condition));
    } else if (Array.isArray(condition)) {
      list = condition as readonly LayerCondition[];
      if (list.length !== layers) throw new Error(`Generator: ${list.length} per-layer embeddings, need ${layers}`);
    } else {
      list = new Array<Tensor>(layers).fill(condition as Tensor);
    }
    const embDim = this.config.generator.embDim;
    const size = this.config.imageSize;
    const check = (e: Tensor) => {
      if (e.shape.length !== 2 || e.shape[0] !== n || e.shape[1] !== embDim) {
        throw new Error(`Generator: embeddings must be [${n}, ${embDim}], got [${e.shape.join(', ')}]`);
      }
    };
    for (const e of list) {
      if (!isRegionCondition(e)) {
        check(e);
        continue;
      }
      check(e.outside);
      check(e.inside);
      const s = e.mask.shape;
      if (s.length !== 4 || (s[0] !== n && s[0] !== 1) || s[1] !== 1 || s[2] !== size || s[3] !== size) {
        throw new Error(`Generator: a region mask must be [${n} or 1, 1, ${size}, ${size}], got [${s.join(', ')}]`);
      }
    }
    return [...list];
  }
}
