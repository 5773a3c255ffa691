/**
 * Normalisation layers: BatchNorm2d (Ioffe & Szegedy 2015), GroupNorm (Wu & He 2018) and
 * LayerNorm (Ba et al. 2016), initialised as in PyTorch (γ = 1, β = 0).
 */
import { batchNorm2d, groupNorm, keep, layerNorm, ones, type FusedActivation, type Tensor, zeros } from '../engine/index.js';
import { Module, parameter } from './module.js';

export interface BatchNorm2dOptions {
  /** Weight of each new batch statistic in the running averages (0.1). */
  readonly momentum?: number;
  /** Added to the variance for stability (1e-5). */
  readonly eps?: number;
  /** Learn γ and β (true). */
  readonly affine?: boolean;
}

/** Batch norm over [N, C, H, W] (or [N, C]); running statistics are buffers. */
export class BatchNorm2d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly momentum: number;
  readonly eps: number;

  constructor(
    readonly numFeatures: number,
    opts: BatchNorm2dOptions = {},
  ) {
    super();
    this.momentum = opts.momentum ?? 0.1;
    this.eps = opts.eps ?? 1e-5;
    const affine = opts.affine ?? true;
    this.weight = affine ? parameter(ones([numFeatures])) : null;
    this.bias = affine ? parameter(zeros([numFeatures])) : null;
    this.runningMean = keep(zeros([numFeatures]));
    this.runningVar = keep(ones([numFeatures]));
  }

  /** Batch norm of x, then `activation` (a ReLU or leaky ReLU) when given, as one op. */
  forward(x: Tensor, activation: FusedActivation = {}): Tensor {
    return batchNorm2d(x, this.weight, this.bias, this.runningMean, this.runningVar, {
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
      ...activation,
    });
  }
}

/** Group norm over [N, C, ...] with `numGroups` groups and per-channel γ, β. */
export class GroupNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    readonly eps = 1e-5, // PyTorch's default
  ) {
    super();
    if (numChannels % numGroups !== 0) throw new Error(`GroupNorm: ${numGroups} groups do not divide ${numChannels} channels`);
    this.weight = parameter(ones([numChannels]));
    this.bias = parameter(zeros([numChannels]));
  }

  forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }
}

/** Layer norm over the trailing `normalizedShape` dimensions, with γ, β of that shape. */
export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;

  constructor(
    readonly normalizedShape: readonly number[],
    readonly eps = 1e-5, // PyTorch's default
  ) {
    super();
    this.weight = parameter(ones(normalizedShape));
    this.bias = parameter(zeros(normalizedShape));
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}
