// nn: modules, layers, spectral normalisation, optimisers, EMA and checkpoints.
export { Module, parameter } from './module.js';
export { uniform, normal, defaultBound } from './init.js';
export { Linear, Embedding, type LinearOptions, type EmbeddingOptions } from './linear.js';
export { Conv2d, ConvTranspose2d, type Conv2dOptions, type ConvTranspose2dOptions } from './conv.js';
export { BatchNorm2d, GroupNorm, LayerNorm, type BatchNorm2dOptions } from './norm.js';
export { Sequential, ReLU, LeakyReLU, Tanh, Sigmoid, SiLU, Flatten, type TensorModule } from './sequential.js';
export { spectralNorm, type SpectralNormOptions } from './spectralNorm.js';
export { Optimizer } from './optim/optimizer.js';
export { Adam, AdamW, type AdamOptions, type AdamState } from './optim/adam.js';
export { SGD, type SgdOptions, type SgdState } from './optim/sgd.js';
export { clipGradNorm } from './optim/clip.js';
export { EMA } from './ema.js';
export { saveCheckpoint, saveCheckpoints, loadCheckpoint, loadCheckpointHeader } from './checkpointFile.js';
export {
  encodeCheckpoint,
  decodeCheckpoint,
  crc32,
  CHECKPOINT_MAGIC,
  CHECKPOINT_VERSION,
  type CheckpointContents,
  type LoadedCheckpoint,
  type LoadOptions,
} from './checkpoint.js';
