/**
 * Turns a preset name plus command-line overrides into the one RunConfig a run is decided by.
 */
import { CLASS_NAMES } from '../data/cifar10Format.js';
import { classMask, loadCifar10 } from '../data/cifar10.js';
import { definedOnly } from '../defined.js';
import { UserError } from '../errors.js';
import { validateCganConfig } from '../models/cgan/config.js';
import type { LrDecay, ModelKind, RunConfig, TrainConfig } from './config.js';
import { PRESETS } from './presets/gan.js';
import { PEGASUS_CLASS, PEGASUS_LABEL } from '../pegasi/dataset.js';
import type { AugmentPolicy } from '../models/cgan/diffAugment.js';

/**
 * DCGAN's own schedule (Radford et al. 2015, "Unsupervised Representation Learning with Deep
 * Convolutional GANs": Adam 2e-4, β₁ = 0.5, one D update per G update); no DiffAugment, so it
 * stays the plain baseline.
 */
const DCGAN_SCHEDULE = { lrG: 2e-4, lrD: 2e-4, beta1: 0.5, beta2: 0.999, nDis: 1, augment: [] } as const;

/** The fields a user may override from the command line (undefined = keep the preset's); named as in TrainConfig. */
export interface RunOverrides {
  readonly classes?: readonly string[];
  readonly steps?: number;
  readonly batchSize?: number;
  readonly seed?: number;
  readonly lrG?: number;
  readonly lrD?: number;
  readonly lrDecay?: LrDecay;
  readonly augment?: readonly AugmentPolicy[];
  readonly initFrom?: string;
  readonly holdGUntil?: number;
  readonly classLoss?: number;
  readonly pegasi?: string;
  readonly initClasses?: Readonly<Record<string, string>>;
  readonly trainG?: 'all' | 'conditional';
}

/**
 * The resolved config of a new run.
 *
 * @example resolveRunConfig('cgan', 'cpu', { classes: ['horse', 'bird'], steps: 1000 })
 */
export function resolveRunConfig(model: ModelKind, presetName: string, o: RunOverrides): RunConfig {
  const preset = PRESETS[presetName];
  if (preset === undefined) {
    throw new UserError(`unknown preset "${presetName}"; choose one of ${Object.keys(PRESETS).join(', ')}`);
  }
  const { classes: given, ...fields } = o;
  const classes = canonicalClasses(given ?? preset.train.classes);
  const train: TrainConfig = { ...preset.train, ...(model === 'dcgan' && DCGAN_SCHEDULE), ...definedOnly(fields), classes };
  if (classes.includes(PEGASUS_CLASS) && train.pegasi === undefined) {
    throw new UserError('the pegasus class needs its images: give --pegasi DIR (made by pegasus data pegasi)');
  }
  if (train.pegasi !== undefined && !classes.includes(PEGASUS_CLASS)) {
    throw new UserError('--pegasi gives the images of the pegasus class; add pegasus to --classes');
  }
  if (model === 'dcgan' && (train.classLoss ?? 0) > 0) {
    throw new UserError("--class-loss needs the conditional GAN (--model cgan): DCGAN's discriminator has no classes");
  }
  const cgan = { ...preset.cgan, numClasses: classes.length };
  validateCganConfig(cgan);
  return { model, preset: presetName, cgan, train };
}

/**
 * Validates class names (case-insensitive) and returns them lower-cased, duplicates removed, in
 * the order given: that order is the model's class index.
 */
export function canonicalClasses(classes: readonly string[]): string[] {
  classMask(cifarClasses(classes)); // throws a UserError naming the valid classes
  const out: string[] = [];
  for (const c of classes) {
    const name = c.trim().toLowerCase();
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/**
 * Steps that make `epochs` passes over `datasetSize` images (each step reads nDis real batches; one
 * where there is no nDis, as in diffusion).
 */
export function stepsForEpochs(epochs: number, datasetSize: number, train: { readonly batchSize: number; readonly nDis?: number }): number {
  const batchesPerEpoch = Math.floor(datasetSize / train.batchSize);
  if (batchesPerEpoch < 1) {
    throw new UserError(`--batch ${train.batchSize} is larger than the ${datasetSize} training images`);
  }
  return Math.max(1, Math.ceil((epochs * batchesPerEpoch) / (train.nDis ?? 1)));
}

/**
 * Steps that make `epochs` passes over the training images of `train.classes` in `dataDir` (for
 * `--epochs`, GAN and diffusion runs alike).
 */
export function stepsForEpochsOn(
  epochs: number,
  train: { readonly classes: readonly string[]; readonly batchSize: number; readonly nDis?: number },
  dataDir: string,
  recordsPerFile: number,
): number {
  const count = loadCifar10({ dir: dataDir, split: 'train', classes: train.classes, recordsPerFile }).count;
  return stepsForEpochs(epochs, count, train);
}

/** Maps CIFAR-10 labels (0–9) to the run's class indices (−1 for classes not in the run). */
export function labelToClassIndex(classes: readonly string[]): Int32Array {
  const map = new Int32Array(PEGASUS_LABEL + 1).fill(-1);
  classes.forEach((name, i) => {
    map[name === PEGASUS_CLASS ? PEGASUS_LABEL : (CLASS_NAMES as readonly string[]).indexOf(name)] = i;
  });
  return map;
}

/** The CIFAR-10 classes among a run's classes (all but "pegasus", whose images are composites). */
export function cifarClasses(classes: readonly string[]): string[] {
  return classes.filter((c) => c.trim().toLowerCase() !== PEGASUS_CLASS);
}
