/**
 * `cpu`: the conditional GAN sized for 2 CPU cores and a few hours (see README "## Training" for
 * how the size was chosen from measured images/second).
 *
 * Measured on the 2-core build machine (shared with other jobs, OMP_NUM_THREADS=1): this size
 * costs ≈ 87 GFLOP per step at batch 64 (G ≈ 163 MFLOP and D ≈ 89 MFLOP per image forward) and ran
 * at ≈ 2.6 s per step; batch 32 halves that so a few hours give several thousand G updates, which
 * matter more than batch size this early in training. A 256-channel generator (the `gpu` preset)
 * would be ~4× slower per step.
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
    generator: { zDim: 128, embDim: 128, baseChannels: 128, blockChannels: [128, 64, 32] },
    discriminator: { blockChannels: [32, 64, 128, 128], downsample: [true, true, true, false] },
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
