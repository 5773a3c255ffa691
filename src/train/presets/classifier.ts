/**
 * Options of `pegasus classifier train`, defaults after Page (2018) "How to train your ResNet",
 * shortened and narrowed for 2 CPU cores.
 */
import { defaultClassifierConfig, type ClassifierConfig } from '../../models/classifier/index.js';

export interface ClassifierTrainConfig {
  readonly model: ClassifierConfig;
  /** Passes over the 50,000 training images (13: the committed classifier, 88.5% test accuracy, ~80 min on one core). */
  readonly epochs: number;
  /** Images per step (256; Page uses 512, the learning rate is scaled linearly, Goyal et al. 2017). */
  readonly batchSize: number;
  /** Peak learning rate of the one-cycle schedule (0.2 = Page's 0.4 at batch 512, scaled to 256). */
  readonly lr: number;
  /** Fraction of training spent warming the learning rate up (0.2 ≈ Page's 5 of 24 epochs). */
  readonly warmup: number;
  /** Nesterov momentum (0.9, Page). */
  readonly momentum: number;
  /** L2 weight decay (5e-4, Page). */
  readonly weightDecay: number;
  /** Label smoothing ε (0.2, Page's final ResNet-9 and airbench, Jordan 2024). */
  readonly labelSmoothing: number;
  /** Reflection padding before random 32×32 crops (4, Page). */
  readonly cropPad: number;
  /** Random horizontal flips (true). */
  readonly flip: boolean;
  /** One seed decides initialisation, order and augmentation (0). */
  readonly seed: number;
}

export const defaultClassifierTrainConfig: ClassifierTrainConfig = {
  model: defaultClassifierConfig,
  epochs: 20, // 13 epochs gave 88.46%, 20 gave 89.94% (115 min on one core); 24 gave 89.90% (76 min on two): at this width more epochs stopped paying
  batchSize: 256,
  lr: 0.2,
  warmup: 0.2,
  momentum: 0.9,
  weightDecay: 5e-4,
  labelSmoothing: 0.2,
  cropPad: 4,
  flip: true,
  seed: 0,
};

/** The detector's training options: the classifier recipe at quarter width, fewer epochs. */
export const defaultWingTrainConfig: ClassifierTrainConfig = {
  ...defaultClassifierTrainConfig,
  model: { ...defaultClassifierTrainConfig.model, widths: [16, 32, 64, 128], numClasses: 2 },
  epochs: 8,
  batchSize: 128,
  lr: 0.1,
};
