/**
 * Named diffusion runs: a U-Net size plus a training schedule, under the same names as the GAN's
 * presets (`--preset tiny|cpu|gpu`). The run's class list sets the U-Net's numClasses.
 */
import { UNET_CPU, UNET_GPU, UNET_TINY } from '../../models/diffusion/presets.js';
import type { DiffusionPreset, DiffusionTrainConfig } from '../../diffusion/config.js';
import { EDM_DEFAULTS } from '../../diffusion/edm.js';

const PEGASUS_CLASSES = ['airplane', 'bird', 'deer', 'horse'];

const CPU_TRAIN: DiffusionTrainConfig = {
  classes: PEGASUS_CLASSES, // the parts of a Pegasus: horse, bird (wings), and two for contrast
  seed: 1,
  steps: 100_000, // far more than a day of 2 cores; stop and resume at will
  batchSize: 32,
  lr: 3e-4, // DDPM's 2e-4 at batch 128; a little higher for the small net
  lrWarmupSteps: 200, // short: a CPU run sees few updates, and Adam at 3e-4 is stable after a few hundred
  labelDropout: 0.1, // Ho & Salimans 2022 found 0.1–0.2 best
  emaDecay: 0.999, // half-life ≈ 700 updates ≈ 22k images
  emaStart: 1000,
  gradClip: 1,
  randomFlip: true,
  logEvery: 10,
  sampleEverySeconds: 1800, // a grid costs 2 × 35 network evaluations per image: keep it rare on a CPU
  checkpointEverySeconds: 300,
  samplesPerClass: 6,
  sampleSteps: 18, // EDM's CIFAR-10 Heun setting
  sampleGuidance: 2,
};

export const DIFFUSION_PRESETS: Readonly<Record<string, DiffusionPreset>> = {
  tiny: {
    description: 'a few-second smoke test (tests, CI)',
    unet: UNET_TINY,
    edm: EDM_DEFAULTS,
    train: {
      ...CPU_TRAIN,
      classes: ['bird', 'horse'],
      steps: 4,
      batchSize: 4,
      lr: 1e-3,
      lrWarmupSteps: 1,
      emaDecay: 0.9,
      emaStart: 1,
      logEvery: 1,
      samplesPerClass: 2,
      sampleSteps: 3,
    },
  },
  cpu: {
    description: 'U-Net of 1.2M parameters sized for 2 CPU cores; airplane, bird, deer, horse',
    unet: UNET_CPU,
    edm: EDM_DEFAULTS,
    train: CPU_TRAIN,
  },
  gpu: {
    description: "DDPM's 35.7M-parameter CIFAR-10 U-Net, all ten classes; needs a much faster machine",
    unet: UNET_GPU,
    edm: EDM_DEFAULTS,
    train: {
      ...CPU_TRAIN,
      classes: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
      steps: 400_000,
      batchSize: 128,
      lr: 2e-4,
      lrWarmupSteps: 5000,
      emaDecay: 0.9999,
      emaStart: 5000,
      sampleEverySeconds: 1800,
      checkpointEverySeconds: 900,
    },
  },
};
