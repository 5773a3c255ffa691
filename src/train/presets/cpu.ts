/**
 * `cpu`: the conditional GAN sized for 2 CPU cores and a few hours (see README "## Training" for
 * how the size was chosen from measured images/second).
 *
 * NOTE: schedule after Zhang et al. 2019 (SAGAN, "Self-Attention GANs"): one D update per G update
 * with the two-timescale learning rates of Heusel et al. 2017 (TTUR), which is what makes nDis = 1
 * stable with spectral norm and hinge loss; nDis = 1 matters here because every D update costs
 * CPU time we do not have.
 */
import type { RunPreset } from './index.js';

export const cpu: RunPreset = {
  description: 'sized for 2 CPU cores and a few hours; airplane, bird, deer, horse',
  cgan: {
    imageSize: 32,
    generator: { zDim: 128, embDim: 128, baseChannels: 256, blockChannels: [128, 64, 32] },
    discriminator: { blockChannels: [64, 128, 128, 128], downsample: [true, true, true, false] },
  },
  train: {
    classes: ['airplane', 'bird', 'deer', 'horse'],
    seed: 1,
    steps: 100_000,
    batchSize: 64,
    nDis: 1,
    lrG: 1e-4,
    lrD: 4e-4,
    beta1: 0.0,
    beta2: 0.9,
    emaDecay: 0.999,
    emaStart: 500,
    augment: ['color', 'translation', 'cutout'],
    randomFlip: true,
    logEvery: 10,
    sampleEverySeconds: 300,
    checkpointEverySeconds: 300,
    samplesPerClass: 10,
  },
};
