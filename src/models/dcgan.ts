/**
 * DCGAN for 32×32 images: the reference workload of `npm run bench` (../shared/bench/workloads.md)
 * and the simplest complete GAN in the project.
 *
 * Radford, Metz & Chintala 2015, "Unsupervised Representation Learning with Deep Convolutional
 * Generative Adversarial Networks" (arXiv:1511.06434): strided (transposed) convolutions instead
 * of pooling, batch norm in both networks except the generator's output and the
 * discriminator's input layer, ReLU in the generator with a tanh output, LeakyReLU(0.2) in the
 * discriminator, Adam(2e-4, β₁ = 0.5).
 *
 * Sized for CIFAR-10 as in workloads.md: every conv is 4×4, stride 2, padding 1, so each layer
 * halves (D) or doubles (G) the resolution: 4 → 8 → 16 → 32.
 */
import { reshape, type Rng, type Tensor } from '../engine/index.js';
import {
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  Flatten,
  LeakyReLU,
  Linear,
  Module,
  ReLU,
  Sequential,
  Tanh,
} from '../nn/index.js';

export interface DcganConfig {
  readonly zDim: number; // latent size (100, as in the paper)
  readonly width: number; // channels of the widest-resolution layer; others are 2× and 4× (64)
  readonly imageChannels: number; // RGB (3)
}

/** workloads.md's DCGAN: G 100 → 256·4·4 → 128 → 64 → 3, D 3 → 64 → 128 → 256 → 1. */
export const dcganDefaults: DcganConfig = { zDim: 100, width: 64, imageChannels: 3 };

/** Radford et al.'s setting: Adam with lr 2e-4 and β₁ = 0.5 (β₁ = 0.9 made training oscillate). */
export const dcganAdam = { lr: 2e-4, betas: [0.5, 0.999] } as const;

/** 4×4 kernel, stride 2, padding 1: halves (conv) or doubles (transposed conv) the resolution. */
const down = { stride: 2, padding: 1 } as const;

/**
 * z [N, zDim] → images [N, 3, 32, 32] in [−1, 1]: Linear → 256×4×4, BN, ReLU, then three
 * transposed convs (BN + ReLU after the first two, bias + tanh after the last).
 */
export class DcganGenerator extends Module {
  readonly project: Linear;
  readonly body: Sequential;
  readonly baseChannels: number;

  constructor(
    readonly config: DcganConfig,
    rng: Rng,
  ) {
    super();
    const c = config.width;
    this.baseChannels = 4 * c;
    this.project = new Linear(config.zDim, 4 * 4 * this.baseChannels, { rng });
    this.body = new Sequential(
      new BatchNorm2d(4 * c),
      new ReLU(),
      new ConvTranspose2d(4 * c, 2 * c, 4, { ...down, bias: false, rng }),
      new BatchNorm2d(2 * c),
      new ReLU(),
      new ConvTranspose2d(2 * c, c, 4, { ...down, bias: false, rng }),
      new BatchNorm2d(c),
      new ReLU(),
      new ConvTranspose2d(c, config.imageChannels, 4, { ...down, rng }),
      new Tanh(),
    );
  }

  forward(z: Tensor): Tensor {
    const h = reshape(this.project.forward(z), [z.shape[0]!, this.baseChannels, 4, 4]);
    return this.body.forward(h);
  }
}

/**
 * images [N, 3, 32, 32] → one logit per image [N, 1]: three strided convs (no BN on the first,
 * as in the paper), LeakyReLU(0.2), then a linear read-out of the 256×4×4 features.
 */
export class DcganDiscriminator extends Module {
  readonly body: Sequential;

  constructor(
    readonly config: DcganConfig,
    rng: Rng,
  ) {
    super();
    const c = config.width;
    this.body = new Sequential(
      new Conv2d(config.imageChannels, c, 4, { ...down, rng }),
      new LeakyReLU(0.2),
      new Conv2d(c, 2 * c, 4, { ...down, bias: false, rng }),
      new BatchNorm2d(2 * c),
      new LeakyReLU(0.2),
      new Conv2d(2 * c, 4 * c, 4, { ...down, bias: false, rng }),
      new BatchNorm2d(4 * c),
      new LeakyReLU(0.2),
      new Flatten(),
      new Linear(4 * c * 4 * 4, 1, { rng }),
    );
  }

  forward(x: Tensor): Tensor {
    return this.body.forward(x);
  }
}
