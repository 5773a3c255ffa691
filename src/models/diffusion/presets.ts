/**
 * Named U-Net sizes. `numClasses` is a placeholder here: a run sets it from its class list.
 */
import type { UNetConfig } from './config.js';

/** For tests of the training workflow: 32×32, two levels, 8 channels (attention only in the middle). */
export const UNET_TINY: UNetConfig = {
  imageSize: 32,
  inChannels: 3,
  channels: 8,
  channelMult: [1, 2],
  numResBlocks: 1,
  attentionResolutions: [],
  groups: 2,
  numClasses: 2,
  dropout: 0,
};

/**
 * What 2 CPU cores can train in hours: 32×32, three levels (32, 16, 8), one residual block a
 * level, attention at 8×8 only (64 tokens: cheap). About 0.25 GMAC per image forward.
 */
export const UNET_CPU: UNetConfig = {
  imageSize: 32,
  inChannels: 3,
  channels: 32, // DDPM uses 128; a quarter keeps a training step near a second for 32 images
  channelMult: [1, 2, 2],
  numResBlocks: 1,
  attentionResolutions: [8],
  groups: 8,
  numClasses: 10,
  dropout: 0, // the model underfits on this budget; dropout would only slow it down
};

/** For a real accelerator: DDPM's CIFAR-10 U-Net (Ho et al. 2020, 35.7 M parameters). */
export const UNET_GPU: UNetConfig = {
  imageSize: 32,
  inChannels: 3,
  channels: 128,
  channelMult: [1, 2, 2, 2],
  numResBlocks: 2,
  attentionResolutions: [16],
  groups: 32,
  numClasses: 10,
  dropout: 0.1,
};
