/**
 * Drawing images from a trained generator checkpoint (`generator-ema.pgc`, or a run's
 * `checkpoint.pgc`, whose EMA generator is used).
 */
import { Rng, noGrad, truncatedRandn, type Tensor } from '../engine/index.js';
import { UserError } from '../errors.js';
import { Generator } from '../models/cgan/index.js';
import { dcganDefaults } from '../models/dcgan.js';
import { loadCheckpoint } from '../nn/index.js';
import type { RunConfig } from '../train/config.js';
import { buildGenerator, type ImageGenerator } from '../train/ganPair.js';
import { standingStats } from '../train/standingStats.js';
import { GENERATOR_KIND, TRAIN_KIND } from '../train/trainState.js';
import { classWeights, type ClassWeight } from './classMix.js';

export interface LoadedGenerator {
  readonly config: RunConfig;
  readonly generator: ImageGenerator;
  readonly step: number;
}

/**
 * Loads the (EMA) generator of a checkpoint, rebuilt from the config stored in it, with standing
 * batch-norm statistics (see train/standingStats.ts), in eval mode.
 */
export function loadGenerator(path: string): LoadedGenerator {
  const ck = loadCheckpoint(path);
  let prefix: string;
  if (ck.kind === GENERATOR_KIND) prefix = '';
  else if (ck.kind === TRAIN_KIND) prefix = 'emaG.';
  else throw new UserError(`${path} holds a "${ck.kind}" checkpoint, not a GAN generator`);
  const config = ck.config as RunConfig;
  const generator = buildGenerator(config, new Rng(0));
  const dict: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(ck.tensors)) if (k.startsWith(prefix)) dict[k.slice(prefix.length)] = v;
  generator.loadStateDict(dict);
  // Recomputed here too, so checkpoints written before the trainer did it sample as well.
  standingStats(generator, { zDim: zDimOf(config), numClasses: config.train.classes.length, seed: 0 });
  return { config, generator, step: Number((ck.meta as { step?: number }).step ?? 0) };
}

/**
 * n images [n, 3, 32, 32] in [−1, 1] for a class or a mixture of class embeddings, noise from
 * Rng(seed). An unconditional generator (DCGAN) takes no classes: pass an empty mixture. A finite
 * `truncation` ψ draws z from N(0, I) truncated to [−ψ, ψ] (BigGAN's truncation trick, see
 * truncatedRandn): clearer images, less variety.
 *
 * @example sampleImages(g, [{ name: 'horse', weight: 0.7 }, { name: 'bird', weight: 0.3 }], 16, 0)
 */
export function sampleImages(g: LoadedGenerator, mix: readonly ClassWeight[], n: number, seed: number, truncation = Infinity): Tensor {
  const gen = g.generator;
  if (!(gen instanceof Generator)) {
    if (mix.length > 0) throw new UserError(`this ${g.config.model} generator is unconditional; drop --class`);
    const z = truncatedRandn([n, zDimOf(g.config)], new Rng(seed), truncation);
    return noGrad(() => gen.forward(z, new Int32Array(n)));
  }
  if (mix.length === 0) throw new UserError(`choose a class with --class (one of ${g.config.train.classes.join(', ')})`);
  return gen.drawMixture(classWeights(mix, g.config.train.classes), n, seed, truncation);
}

function zDimOf(config: RunConfig): number {
  return config.model === 'cgan' ? config.cgan.generator.zDim : dcganDefaults.zDim;
}
