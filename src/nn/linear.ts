/**
 * Linear and Embedding layers.
 */
import { embedding, linear, type Rng, type Tensor } from '../engine/index.js';
import { defaultBound, normal, uniform } from './init.js';
import { Module, parameter } from './module.js';

export interface LinearOptions {
  /** Source of the initial weights. */
  readonly rng: Rng;
  /** Learn an additive bias (true). */
  readonly bias?: boolean;
}

/**
 * y = x·Wᵀ + b, W [out, in] (PyTorch's nn.Linear, same initialisation).
 * @example const fc = new Linear(100, 4 * 4 * 256, { rng });
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions,
  ) {
    super();
    const bound = defaultBound(inFeatures);
    this.weight = parameter(uniform([outFeatures, inFeatures], bound, opts.rng));
    this.bias = opts.bias === false ? null : parameter(uniform([outFeatures], bound, opts.rng));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

export interface EmbeddingOptions {
  /** Source of the initial weights (N(0, 1), as PyTorch). */
  readonly rng: Rng;
}

/** A lookup table of `num` learned vectors of size `dim` (PyTorch's nn.Embedding). */
export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(
    readonly num: number,
    readonly dim: number,
    opts: EmbeddingOptions,
  ) {
    super();
    this.weight = parameter(normal([num, dim], 1, opts.rng));
  }

  /** indices [n] → [n, dim]. */
  forward(indices: Int32Array): Tensor {
    return embedding(this.weight, indices);
  }
}
