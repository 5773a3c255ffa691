/**
 * The two networks of a run behind one small interface, so one training loop serves DCGAN and the
 * conditional GAN. DCGAN is unconditional: it ignores the labels it is given.
 */
import { add, bceWithLogits, hingeLossD, hingeLossG, reshape, type Rng, type Tensor } from '../engine/index.js';
import { DcganDiscriminator, DcganGenerator, dcganDefaults } from '../models/dcgan.js';
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
  /**
   * Whether real and fake images may share one D batch. Only when D has no batch statistics:
   * DCGAN's batch-normed D must see them in separate batches (Radford et al. 2015).
   */
  readonly jointBatch: boolean;
  /** D's logits [N] for images x of classes `labels`. */
  discriminate(x: Tensor, labels: Int32Array): Tensor;
  /**
   * D's logits [N] and its class logits [N, classes] (a conditional D's embedding read as a
   * classifier, for TrainConfig.classLoss); absent for an unconditional D.
   */
  readonly discriminateWithClasses?: (x: Tensor, labels: Int32Array) => { logits: Tensor; classLogits: Tensor };
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
      jointBatch: true,
      discriminate: (x, labels) => discriminator.forward(x, labels),
      discriminateWithClasses: (x, labels) => discriminator.forwardWithClasses(x, labels),
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

/** DCGAN's generator seen through the loop's interface: it takes labels and ignores them. */
class UnconditionalGenerator extends DcganGenerator {
  override forward(z: Tensor, _labels?: Int32Array): Tensor {
    return super.forward(z);
  }
}

/**
 * DCGAN (Radford et al. 2015) with its original loss: the non-saturating GAN loss of Goodfellow
 * et al. 2014, written with binary cross-entropy on logits (D: real → 1, fake → 0; G: fake → 1).
 */
function buildDcganPair(rng: Rng): GanPair {
  const generator = new UnconditionalGenerator(dcganDefaults, rng);
  const discriminator = new DcganDiscriminator(dcganDefaults, rng);
  return {
    generator,
    discriminator,
    zDim: dcganDefaults.zDim,
    jointBatch: false,
    discriminate: (x) => reshape(discriminator.forward(x), [x.shape[0]!]),
    lossD: (real, fake) => add(bceWithLogits(real, 1), bceWithLogits(fake, 0)),
    lossG: (fake) => bceWithLogits(fake, 1),
    newGenerator: (r) => new UnconditionalGenerator(dcganDefaults, r),
  };
}
