/**
 * The configuration of one diffusion training run: the U-Net, EDM's constants, the schedule, and
 * how training-time sample grids are drawn. Like the GAN's RunConfig (src/train/config.ts) it is
 * resolved once from a preset plus flags, written to the run folder's config.json and into every
 * checkpoint, and read back on --resume.
 */
import type { UNetConfig } from '../models/diffusion/config.js';
import type { EdmConfig } from './edm.js';

export interface DiffusionTrainConfig {
  /** CIFAR-10 class names to train on, in this order (the model's class index i is classes[i]). */
  readonly classes: readonly string[];
  /** Seed of everything random: initial weights, data order, noise levels, noise, label dropout. */
  readonly seed: number;
  /** Optimiser updates in total. */
  readonly steps: number;
  /** Images per update. */
  readonly batchSize: number;
  /** Adam learning rate after the warm-up. */
  readonly lr: number;
  /** Updates over which the learning rate ramps up linearly from 0 (EDM does the same, in images). */
  readonly lrWarmupSteps: number;
  /** Probability of replacing a label by the "no class" token (Ho & Salimans 2022: 0.1–0.2). */
  readonly labelDropout: number;
  /** Decay of the EMA of the weights, per update (the EMA network is the one that samples). */
  readonly emaDecay: number;
  /** Updates before the EMA starts averaging (until then it copies the network). */
  readonly emaStart: number;
  /** Clip the global gradient norm to this (0 = off). */
  readonly gradClip: number;
  /** Flip training images left–right with probability ½. */
  readonly randomFlip: boolean;
  /** Write one metrics line every this many updates. */
  readonly logEvery: number;
  /** Write a sample grid at most this often (seconds; also at the end). */
  readonly sampleEverySeconds: number;
  /** Write a checkpoint at most this often (seconds; also at the end and on Ctrl-C). */
  readonly checkpointEverySeconds: number;
  /** Columns of the per-class sample grid (one row per class). */
  readonly samplesPerClass: number;
  /** Heun steps of the training-time sample grids. */
  readonly sampleSteps: number;
  /** Guidance weight of the training-time sample grids (1 = the plain conditional model). */
  readonly sampleGuidance: number;
}

export interface DiffusionRunConfig {
  readonly model: 'diffusion';
  /** Name of the preset this run was resolved from (for the record). */
  readonly preset: string;
  readonly unet: UNetConfig;
  readonly edm: EdmConfig;
  readonly train: DiffusionTrainConfig;
}

/** A named architecture plus schedule (numClasses and classes may be overridden per run). */
export interface DiffusionPreset {
  readonly description: string;
  readonly unet: UNetConfig;
  readonly edm: EdmConfig;
  readonly train: DiffusionTrainConfig;
}
