/**
 * The configuration of one training run: which model, its architecture, and the schedule.
 *
 * A run is decided entirely by this object (STYLE.md habit 11: one seed decides a run). It is
 * resolved once from a preset plus command-line overrides, written to `config.json` in the run
 * folder and into every checkpoint, and read back by `--resume` so a resumed run cannot silently
 * change its schedule.
 */
import type { CganConfig } from '../models/cgan/config.js';
import type { AugmentPolicy } from '../models/cgan/diffAugment.js';

export interface TrainConfig {
  /** CIFAR-10 class names to train on, in this order (the model's class index i is classes[i]). */
  readonly classes: readonly string[];
  /** Seed of everything random: initial weights, data order, noise, augmentation. */
  readonly seed: number;
  /** Generator updates to run in total (one "step" = nDis discriminator updates + one G update). */
  readonly steps: number;
  /** Images per batch, for real and for fake images alike. */
  readonly batchSize: number;
  /** Discriminator updates per generator update. */
  readonly nDis: number;
  /** Adam learning rate of the generator. */
  readonly lrG: number;
  /** Adam learning rate of the discriminator. */
  readonly lrD: number;
  /**
   * Decay both learning rates linearly to zero between these generator updates (see
   * lrSchedule.ts); absent = constant rates.
   */
  readonly lrDecay?: LrDecay;
  /** Adam β₁ (0 for the spectrally normalised GANs of Miyato et al. 2018 / Zhang et al. 2019). */
  readonly beta1: number;
  /** Adam β₂. */
  readonly beta2: number;
  /** Decay of the exponential moving average of the generator's weights (used for sampling). */
  readonly emaDecay: number;
  /** Steps before the EMA starts to average (until then it copies the generator). */
  readonly emaStart: number;
  /**
   * The training checkpoint of another run this run started from (`--init-from`): a new run loads
   * it instead of drawing random weights; a resumed one has its own checkpoint and keeps this as a record.
   */
  readonly initFrom?: string;
  /**
   * The generator is held still (learning rate 0) for the updates before this one, so that a new
   * discriminator learns the current generator before the generator follows it (`--d-warmup N`
   * on a run started with --init-from from a generator file: the file's step + N).
   */
  readonly holdGUntil?: number;
  /**
   * Weight λ of the class loss of Dual Projection GANs (Han et al. 2021): D's projection
   * embedding read as a classifier (see models/cgan/discriminator.ts) adds λ·CE(real images, their
   * labels) to D's loss and λ·CE(fake images, the labels they were drawn for) to G's, pushing G
   * towards images of the class it was asked for; absent or 0 = the projection loss alone (cgan only).
   */
  readonly classLoss?: number;
  /**
   * The folder of winged-horse composites (`pegasus data pegasi`) whose images are the real images
   * of the `pegasus` class; needed when `classes` holds "pegasus".
   */
  readonly pegasi?: string;
  /**
   * Classes this run has and its --init-from checkpoint lacks, each mapped to a class the checkpoint
   * has: the new class's rows of G's and D's class embeddings (and their Adam state) start as copies
   * of that class's, e.g. { pegasus: 'horse' }: a new concept starts from the nearest one it knows.
   */
  readonly initClasses?: Readonly<Record<string, string>>;
  /**
   * Which of G's weights are trained: 'all', or 'conditional' — only the class embedding and the
   * conditional batch norms' gains and biases, the rest frozen (batch statistics adaptation,
   * Noguchi & Harada 2019, "Image Generation From Small Datasets via Batch Statistics Adaptation").
   * Default 'all'.
   */
  readonly trainG?: 'all' | 'conditional';
  /** DiffAugment transforms applied to every image the discriminator sees; empty = none. */
  readonly augment: readonly AugmentPolicy[];
  /** Flip real images left–right with probability ½ (CIFAR-10 is left–right symmetric). */
  readonly randomFlip: boolean;
  /**
   * Every this many steps, D's mean logit on fixed training and held-out test images goes into the
   * metrics line (`dTrain`, `dHeldOut`: a growing gap means D memorises; see heldOut.ts); absent = never.
   */
  readonly heldOutEvery?: number;
  /** Write one metrics line every this many steps. */
  readonly logEvery: number;
  /** Write a fixed-noise sample grid at most this often (seconds; also at the end). */
  readonly sampleEverySeconds: number;
  /** Write a checkpoint at most this often (seconds; also at the end and on Ctrl-C). */
  readonly checkpointEverySeconds: number;
  /** Columns of the per-class sample grid (one row per class). */
  readonly samplesPerClass: number;
}

/** A linear learning-rate decay: full rates before `start`, zero at `end` (generator updates). */
export interface LrDecay {
  readonly start: number;
  readonly end: number;
}

export type ModelKind = 'cgan' | 'dcgan';
export const MODEL_KINDS: readonly ModelKind[] = ['cgan', 'dcgan'];

/** Everything a run needs; `cgan` is the architecture (DCGAN's is fixed, see models/dcgan.ts). */
export interface RunConfig {
  readonly model: ModelKind;
  /** Name of the preset this run was resolved from (for the record). */
  readonly preset: string;
  readonly cgan: CganConfig;
  readonly train: TrainConfig;
}
