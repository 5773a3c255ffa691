// The class-conditional GAN. Re-exports only.
export * from './config.js';
export * from './conditionalBatchNorm.js';
export * from './generator.js';
export * from './discriminator.js';
export * from './diffAugment.js';
export * from './presets.js';
