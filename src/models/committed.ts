/**
 * The models committed under `models/` that the product uses by default (`npm start`,
 * `pegasus generate`, `pegasus serve`, `pegasus report`). One place, so that training a better model
 * means changing one path.
 */
export const COMMITTED_MODELS = {
  /** The GAN with a pegasus class, learned from winged-horse composites: what `pegasus generate` draws. */
  pegasus: 'models/cgan-pegasus/generator-ema.pgc',
  /** The class-conditional GAN's EMA generator of CIFAR-10 classes (see models/<name>/README.md for how it was trained). */
  generator: 'models/cgan-dp/generator-ema.pgc',
  /** The wing detector trained from scratch on test-split composites (pegasus classifier wings). */
  detector: 'models/wing-detector/classifier.pgc',
  /** The classifier trained from scratch on CIFAR-10, used for scores and features. */
  classifier: 'models/classifier/classifier.pgc',
  /** The diffusion model's EMA denoiser. */
  denoiser: 'models/diffusion-cpu/denoiser-ema.pgc',
} as const;
