/**
 * `gpu`: the SNGAN/BigGAN CIFAR-10 sizes (Miyato et al. 2018, 256-channel generator and
 * 128-channel discriminator; Brock et al. 2019 for the conditional batch norm and nDis = 4 with
 * β₁ = 0). Far too slow for a 2-core CPU; here for a bigger machine.
 */
import { CGAN_GPU } from '../../models/cgan/presets.js';
import type { RunPreset } from './gan.js';

export const gpu: RunPreset = {
  description: 'SNGAN/BigGAN CIFAR-10 sizes; needs a much faster machine than 2 CPU cores',
  cgan: CGAN_GPU,
  train: {
    classes: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
    seed: 1,
    steps: 100_000,
    batchSize: 64,
    nDis: 4,
    lrG: 2e-4,
    lrD: 2e-4,
    beta1: 0.0,
    beta2: 0.999,
    emaDecay: 0.9999,
    emaStart: 1000,
    augment: ['color', 'translation', 'cutout'],
    randomFlip: true,
    heldOutEvery: 1000,
    logEvery: 50,
    sampleEverySeconds: 600,
    checkpointEverySeconds: 600,
    samplesPerClass: 10,
  },
};
