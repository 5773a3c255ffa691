/**
 * Configuration of the class-conditional GAN (generator + projection discriminator).
 *
 * One typed, read-only object per network (STYLE.md habit 6). Named sizes live in `presets.ts`, run presets in `src/train/presets/`; the
 * resolved config is written into every run folder and checkpoint, so a checkpoint can rebuild
 * its own networks without any other file.
 */

/** Generator: residual up-sampling blocks with class-conditional batch norm (see generator.ts). */
export interface GeneratorConfig {
  /** Length of the latent vector z ~ N(0, I). */
  readonly zDim: number;
  /** Length of the learned class embedding shared by every conditional batch norm. */
  readonly embDim: number;
  /** Channels of the 4×4 map the linear layer produces from z. */
  readonly baseChannels: number;
  /** Output channels of each residual up-block; one block per doubling, so 3 blocks give 32×32. */
  readonly blockChannels: readonly number[];
}

/** Discriminator: residual down-sampling blocks, spectral norm, projection head. */
export interface DiscriminatorConfig {
  /** Output channels of each residual block. */
  readonly blockChannels: readonly number[];
  /** Whether each block halves the resolution (average pooling), same length as blockChannels. */
  readonly downsample: readonly boolean[];
}

export interface CganConfig {
  /** Number of classes the embedding tables hold (the run's class list, in order). */
  readonly numClasses: number;
  /** Image side in pixels (CIFAR-10: 32). */
  readonly imageSize: number;
  readonly generator: GeneratorConfig;
  readonly discriminator: DiscriminatorConfig;
}

/** Checks a config for inconsistencies that would only show up deep inside a forward pass. */
export function validateCganConfig(c: CganConfig): void {
  const g = c.generator;
  const d = c.discriminator;
  const fail = (msg: string): never => {
    throw new Error(`cgan config: ${msg}`);
  };
  if (c.numClasses < 1) fail(`numClasses must be ≥ 1, got ${c.numClasses}`);
  if (4 * 2 ** g.blockChannels.length !== c.imageSize) {
    fail(`${g.blockChannels.length} generator blocks give ${4 * 2 ** g.blockChannels.length}px, not ${c.imageSize}px`);
  }
  if (d.blockChannels.length !== d.downsample.length) {
    fail('discriminator.blockChannels and discriminator.downsample differ in length');
  }
  if (d.blockChannels.length === 0) fail('the discriminator needs at least one block');
  for (const n of [g.zDim, g.embDim, g.baseChannels, ...g.blockChannels, ...d.blockChannels]) {
    if (!Number.isInteger(n) || n < 1) fail(`sizes must be positive integers, got ${n}`);
  }
}
