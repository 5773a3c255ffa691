/**
 * `cpu`: the conditional GAN sized for 2 CPU cores and a few hours (see README "## Training" for
 * how the size was chosen from measured images/second).
 *
 * Chosen by measurement on the 2-core build machine (see README "## Training"): a first size
 * (G blocks 128/64/32, D 32/64/128/128; ≈ 163 + 89 MFLOP per image forward) ran at ≈ 3 s per step
 * at batch 32 with the machine shared — under 2,000 G updates in the time we had. This size
 * (≈ 95 + 27 MFLOP per image) costs ≈ 19 GFLOP per step at batch 32, about 2.3× less, and G
 * updates matter more than width or batch size this early in training.
 *
 * Channels shrink as resolution grows (BigGAN's habit, Brock et al. 2019) so that no 3×3 conv runs
 * wide at 32×32, where most of the FLOPs would be.
 *
 * NOTE: schedule of setting "C" of Miyato et al. 2018 (Table 1: Adam 2e-4, β = (0.5, 0.999), one D
 * update per G update), under which spectrally normalised GANs trained well; nDis = 1 matters here
 * because every D update costs CPU time we do not have.
 */
import type { RunPreset } from './index.js';

export const cpu: RunPreset = {
  description: 'sized for 2 CPU cores and a few hours; airplane, bird, deer, horse',
  cgan: {
    imageSize: 32,
    generator: { zDim: 128, embDim: 128, baseChannels: 128, blockChannels: [96, 48, 24] },
    discriminator: { blockChannels: [16, 32, 64, 128], downsample: [true, true, true, false] },
  },
  train: {
    classes: ['airplane', 'bird', 'deer', 'horse'],
    seed: 1,
    steps: 20_000,
    batchSize: 32,
    nDis: 1,
    lrG: 2e-4,
    lrD: 2e-4,
    beta1: 0.5,
    beta2: 0.999,
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
