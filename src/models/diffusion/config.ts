/**
 * The class-conditional U-Net's architecture, as one typed, read-only object (saved in every run
 * folder and checkpoint), and its named sizes.
 *
 * Sizes follow the U-Nets of Ho et al. 2020 (DDPM, CIFAR-10: 128 channels, multipliers 1,2,2,2,
 * self-attention at 16×16) and Karras et al. 2022 (EDM's DDPM++ for CIFAR-10: 128 channels,
 * multipliers 2,2,2, four residual blocks per resolution), scaled down for a 2-core CPU.
 */
export interface UNetConfig {
  /** Height and width of the (square) images; must be divisible by 2^(levels − 1). */
  readonly imageSize: number;
  /** Image channels (3 for RGB). */
  readonly inChannels: number;
  /** Base channel count C; level l has C·channelMult[l] channels. */
  readonly channels: number;
  /** Channel multiplier per resolution, highest resolution first; one level per entry. */
  readonly channelMult: readonly number[];
  /** Residual blocks per level in the encoder (the decoder has one more, as in DDPM). */
  readonly numResBlocks: number;
  /** Resolutions (e.g. 8 for 8×8) whose blocks are followed by self-attention. */
  readonly attentionResolutions: readonly number[];
  /** Groups of every group norm (must divide every channel count). */
  readonly groups: number;
  /** Number of real classes; the class embedding has one more row, the learned "no class" token. */
  readonly numClasses: number;
  /** Dropout inside residual blocks during training (DDPM: 0.1 on CIFAR-10). */
  readonly dropout: number;
}

/** Checks a config and says what is wrong. */
export function validateUNetConfig(c: UNetConfig): void {
  const fail = (why: string): never => {
    throw new Error(`UNetConfig: ${why}`);
  };
  const positiveInt = (v: number) => Number.isInteger(v) && v > 0;
  if (!positiveInt(c.channels) || !positiveInt(c.inChannels) || !positiveInt(c.numResBlocks) || !positiveInt(c.numClasses)) {
    fail('channels, inChannels, numResBlocks and numClasses must be positive integers');
  }
  if (c.channelMult.length === 0 || !c.channelMult.every(positiveInt)) fail('channelMult must be a non-empty list of positive integers');
  const down = 2 ** (c.channelMult.length - 1);
  if (!positiveInt(c.imageSize) || c.imageSize % down !== 0) fail(`imageSize ${c.imageSize} is not divisible by ${down}`);
  for (const m of c.channelMult) if ((c.channels * m) % c.groups !== 0) fail(`${c.groups} groups do not divide ${c.channels * m} channels`);
  if (!(c.dropout >= 0 && c.dropout < 1)) fail(`dropout must be in [0, 1), got ${c.dropout}`);
}

/** The resolution of each level: imageSize, imageSize/2, … */
export function levelResolutions(c: UNetConfig): number[] {
  return c.channelMult.map((_, l) => c.imageSize / 2 ** l);
}
