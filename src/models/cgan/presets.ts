/**
 * Named sizes of the conditional GAN (generator and discriminator); a run preset
 * (src/train/presets/) pairs one with a training schedule. `numClasses` follows from a run's class
 * list. Why each size: src/train/presets/cpu.ts and docs/lab/gan-sizing.md.
 */
import type { CganConfig } from './config.js';

export type CganSize = Omit<CganConfig, 'numClasses'>;

/** For tests and smoke runs: a few thousand parameters. */
export const CGAN_TINY: CganSize = {
  imageSize: 32,
  generator: { zDim: 8, embDim: 8, baseChannels: 8, blockChannels: [8, 8, 4] },
  discriminator: { blockChannels: [4, 8], downsample: [true, true] },
};

/** Sized for 2 CPU cores: channels shrink as resolution grows (≈ 29 GFLOP per step at batch 32). */
export const CGAN_CPU: CganSize = {
  imageSize: 32,
  generator: { zDim: 128, embDim: 128, baseChannels: 128, blockChannels: [96, 48, 24] },
  discriminator: { blockChannels: [32, 64, 64, 128], downsample: [true, true, true, false] },
};

/** The SNGAN/BigGAN CIFAR-10 sizes (Miyato et al. 2018; Brock et al. 2019). */
export const CGAN_GPU: CganSize = {
  imageSize: 32,
  generator: { zDim: 128, embDim: 128, baseChannels: 256, blockChannels: [256, 256, 256] },
  discriminator: { blockChannels: [128, 128, 128, 128], downsample: [true, true, false, false] },
};
