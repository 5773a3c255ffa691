/**
 * A diffusion run's config from a preset name plus command-line overrides.
 */
import { UserError } from '../errors.js';
import { validateUNetConfig } from '../models/diffusion/config.js';
import { definedOnly } from '../defined.js';
import { canonicalClasses } from '../train/resolve.js';
import type { DiffusionRunConfig } from './config.js';
import { DIFFUSION_PRESETS } from '../train/presets/diffusion.js';

/** Fields a user may override from the command line (undefined = keep the preset's). */
export interface DiffusionOverrides {
  readonly classes?: readonly string[];
  readonly steps?: number;
  readonly batchSize?: number;
  readonly seed?: number;
  readonly lr?: number;
}

/**
 * @example resolveDiffusionConfig('cpu', { classes: ['horse', 'bird'], steps: 1000 })
 */
export function resolveDiffusionConfig(presetName: string, o: DiffusionOverrides = {}): DiffusionRunConfig {
  const preset = DIFFUSION_PRESETS[presetName];
  if (preset === undefined) {
    throw new UserError(`unknown preset "${presetName}"; choose one of ${Object.keys(DIFFUSION_PRESETS).join(', ')}`);
  }
  const classes = canonicalClasses(o.classes ?? preset.train.classes);
  const unet = { ...preset.unet, numClasses: classes.length };
  validateUNetConfig(unet);
  return {
    model: 'diffusion',
    preset: presetName,
    unet,
    edm: preset.edm,
    train: {
      ...preset.train,
      ...definedOnly({ steps: o.steps, batchSize: o.batchSize, seed: o.seed, lr: o.lr }),
      classes,
    },
  };
}
