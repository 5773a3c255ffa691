/**
 * Convolution layers (PyTorch's nn.Conv2d and nn.ConvTranspose2d, same layouts and initialisation).
 */
import {
  activation,
  conv2d,
  convAvgPool2d,
  convTranspose2d,
  type FusedActivation,
  type Rng,
  type Tensor,
  upsampleConv2d,
} from '../engine/index.js';
import { defaultBound, uniform } from './init.js';
import { Module, parameter } from './module.js';

export interface Conv2dOptions {
  /** Source of the initial weights. */
  readonly rng: Rng;
  /** Step between windows (1). */
  readonly stride?: number;
  /** Zeros added on each side (0). */
  readonly padding?: number;
  /** Learn a per-channel bias (true). */
  readonly bias?: boolean;
  /**
   * Nearest 2× upsampling of the input first (false): a generator's "up → conv" in one op
   * (engine `upsampleConv2d`), the same function at under half the cost for a 3×3 kernel.
   */
  readonly upsample?: boolean;
  /**
   * 2×2 average pooling of the output (false): a discriminator's "conv → pool" in one op (engine
   * `convAvgPool2d`), the same function as a 4×4 convolution of stride 2 for a 3×3 kernel.
   */
  readonly downsample?: boolean;
}

/**
 * 2-D convolution with a square kernel; weight [cOut, cIn, k, k].
 * @example new Conv2d(3, 64, 4, { stride: 2, padding: 1, rng }) // 32×32 → 16×16
 */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: number;
  readonly upsample: boolean;
  readonly downsample: boolean;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    opts: Conv2dOptions,
  ) {
    super();
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.upsample = opts.upsample ?? false;
    this.downsample = opts.downsample ?? false;
    for (const [name, on] of [
      ['upsample', this.upsample],
      ['downsample', this.downsample],
    ] as const) {
      if (on && (this.stride !== 1 || this.padding !== 1 || kernelSize !== 3)) {
        throw new Error(`Conv2d: ${name} needs a 3×3 kernel with stride 1 and padding 1`);
      }
    }
    if (this.upsample && this.downsample) throw new Error('Conv2d: upsample and downsample exclude each other');
    const bound = defaultBound(inChannels * kernelSize * kernelSize);
    this.weight = parameter(uniform([outChannels, inChannels, kernelSize, kernelSize], bound, opts.rng));
    this.bias = opts.bias === false ? null : parameter(uniform([outChannels], bound, opts.rng));
  }

  /**
   * The convolution of x, then `act` (a ReLU or leaky ReLU) when given, fused where the backend can.
   * With `downsample` the pooling comes last, so no activation may sit between it and the convolution.
   */
  forward(x: Tensor, act: FusedActivation = {}): Tensor {
    if (this.upsample) return activation(upsampleConv2d(x, this.weight, this.bias), act);
    if (this.downsample) {
      if (act.relu === true || act.negativeSlope !== undefined) {
        throw new Error('Conv2d: a downsampling conv takes no fused activation (it would sit before the pooling)');
      }
      return convAvgPool2d(x, this.weight, this.bias);
    }
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, ...act });
  }
}

export interface ConvTranspose2dOptions extends Omit<Conv2dOptions, 'upsample'> {
  /** Extra rows/columns at the bottom/right of the output (0). */
  readonly outputPadding?: number;
}

/**
 * 2-D transposed convolution with a square kernel; weight [cIn, cOut, k, k].
 * @example new ConvTranspose2d(256, 128, 4, { stride: 2, padding: 1, bias: false, rng }) // 4×4 → 8×8
 */
export class ConvTranspose2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    opts: ConvTranspose2dOptions,
  ) {
    super();
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.outputPadding = opts.outputPadding ?? 0;
    // NOTE: PyTorch computes the fan-in of a transposed conv from weight.size(1) = cOut.
    const bound = defaultBound(outChannels * kernelSize * kernelSize);
    this.weight = parameter(uniform([inChannels, outChannels, kernelSize, kernelSize], bound, opts.rng));
    this.bias = opts.bias === false ? null : parameter(uniform([outChannels], bound, opts.rng));
  }

  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
    });
  }
}
