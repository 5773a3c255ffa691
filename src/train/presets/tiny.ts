/** `tiny`: a few thousand parameters, for tests and smoke runs (seconds per step on any backend). */
import { CGAN_TINY } from '../../models/cgan/presets.js';
import type { RunPreset } from './gan.js';

export const tiny: RunPreset = {
  description: 'a few thousand parameters; for tests and smoke runs',
  cgan: CGAN_TINY,
  train: {
    classes: ['bird', 'horse'],
    seed: 0,
    steps: 4,
    batchSize: 4,
    nDis: 1,
    lrG: 2e-4,
    lrD: 2e-4,
    beta1: 0.0,
    beta2: 0.999,
    emaDecay: 0.9,
    emaStart: 0,
    augment: ['color', 'translation', 'cutout'],
    randomFlip: true,
    heldOutEvery: 2,
    logEvery: 1,
    sampleEverySeconds: 1e9,
    checkpointEverySeconds: 1e9,
    samplesPerClass: 2,
  },
};
