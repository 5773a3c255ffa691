/**
 * The models committed under `models/` that the product uses by default (`npm start`,
 * `pegasus generate`, `pegasus serve`, `pegasus report`). One place, so that training a better model
 * means changing one path.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** The folder of this installation (holding `models/`), whether run from source or from dist/. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A default path of a committed file (such as `models/classifier/classifier.pgc`), found from any
 * working folder: as given when it exists there, else inside this installation.
 * @example packageFile(COMMITTED_MODELS.classifier)
 */
export function packageFile(path: string): string {
  if (isAbsolute(path) || existsSync(path)) return path;
  const inPackage = join(PACKAGE_ROOT, path);
  return existsSync(inPackage) ? inPackage : path;
}
