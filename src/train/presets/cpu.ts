/**
 * `cpu`: the conditional GAN sized for 2 CPU cores and a few hours (docs/lab/gan-sizing.md tells how
 * the size was chosen from measured speed and three short runs).
 *
 * - Size: G blocks 96/48/24 channels (≈ 95 MFLOP per image forward), D 32/64/64/128 (≈ 66 MFLOP;
 *   ≈ 43 as the engine runs it, its average pooling folded into the convolutions), ≈ 29 GFLOP per
 *   step at batch 32 as written. Channels shrink as resolution grows (BigGAN's habit, Brock et
 *   al. 2019) so no 3×3 conv runs wide at 32×32. A first size (G 128/64/32, D 32/64/128/128,
 *   ≈ 44 GFLOP per step) ran at ≈ 3 s per step on the shared machine: too few G updates. A
 *   16/32/64/128 D was cheaper but too weak: its hinge loss stayed at ≈ 2.0 (no separation) for
 *   800 steps while G collapsed to one coloured box per class; the same D separated real from
 *   fixed fakes within 60 steps on its own, so it was being out-run by G, not broken.
 * - Schedule: one D update per G update, because every D update costs CPU time we do not have;
 *   with nDis = 1 the discriminator gets the larger step (two time-scale update rule, Heusel et al.
 *   2017, as in SAGAN, Zhang et al. 2019, with β = (0, 0.9)).
 */
import { CGAN_CPU } from '../../models/cgan/presets.js';
import type { RunPreset } from './gan.js';

export const cpu: RunPreset = {
  description: 'sized for 2 CPU cores and a few hours; airplane, bird, deer, horse',
  cgan: CGAN_CPU,
  train: {
    classes: ['airplane', 'bird', 'deer', 'horse'],
    seed: 1,
    steps: 20_000,
    batchSize: 32,
    nDis: 1,
    lrG: 2e-4,
    lrD: 4e-4,
    beta1: 0.0,
    beta2: 0.9,
    emaDecay: 0.999,
    emaStart: 500,
    // NOTE: translation only: in a run this short, D is the bottleneck (below) and colour and cutout
    // slowed its learning ~3× in a 60-step check; they pay off once D starts to overfit (many epochs).
    augment: ['translation'],
    randomFlip: true,
    heldOutEvery: 500,
    logEvery: 10,
    sampleEverySeconds: 300,
    checkpointEverySeconds: 300,
    samplesPerClass: 10,
  },
};
