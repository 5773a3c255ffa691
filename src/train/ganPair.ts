/**
 * The two networks of a run behind one small interface, so one training loop serves DCGAN and the
 * conditional GAN. DCGAN is unconditional: it ignores the labels it is given.
 */
import { bceWithLogits, hingeLossD, hingeLossG, mean, type Rng, type Tensor } from '../engine/index.js';
import { Discriminator, Generator } from '../models/cgan/index.js';
import type { Module } from '../nn/index.js';
import type { RunConfig } from './config.js';

/** A generator as the loop sees it: z and class indices in, images in [−1, 1] out. */
export interface ImageGenerator extends Module {
  forward(z: Tensor, labels: Int32Array): Tensor;
}

export interface GanPair {
  readonly generator: ImageGenerator;
  readonly discriminator: Module;
  readonly zDim: number;
  /** D's logits [N] for images x of classes `labels`. */
  discriminate(x: Tensor, labels: Int32Array): Tensor;
  /** The discriminator's loss from its logits on real and on fake images. */
  lossD(realLogits: Tensor, fakeLogits: Tensor): Tensor;
  /** The generator's loss from D's logits on fake images. */
  lossG(fakeLogits: Tensor): Tensor;
  /** A fresh generator of the same architecture (for the EMA copy). */
  newGenerator(rng: Rng): ImageGenerator;
}

/**
 * Builds the networks of `config`, drawing initial weights from `rng`.
 *
 * The conditional GAN uses the hinge loss (Lim & Ye 2017, "Geometric GAN"; Tran et al. 2017),
 * as in Miyato et al. 2018 and Brock et al. 2019: L_D = E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))],
 * L_G = −E[D(G(z))].
 */
export function buildGanPair(config: RunConfig, rng: Rng): GanPair {
  if (config.model === 'cgan') {
    const generator = new Generator(config.cgan, rng);
    const discriminator = new Discriminator(config.cgan, rng);
    return {
      generator,
      discriminator,
      zDim: config.cgan.generator.zDim,
      discriminate: (x, labels) => discriminator.forward(x, labels),
      lossD: (real, fake) => hingeLossD(real, fake),
      lossG: (fake) => hingeLossG(fake),
      newGenerator: (r) => new Generator(config.cgan, r),
    };
  }
  return buildDcganPair(rng);
}

/** The generator alone (for sampling from a checkpoint). */
export function buildGenerator(config: RunConfig, rng: Rng): ImageGenerator {
  return config.model === 'cgan' ? new Generator(config.cgan, rng) : buildDcganPair(rng).generator;
}

function buildDcganPair(rng: Rng): GanPair {
  void rng;
  void bceWithLogits;
  void mean;
  throw new Error('dcgan: not wired yet');
}
