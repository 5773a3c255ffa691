/**
 * `pegasus sample`: draw a grid of images for a class (or a mixture of class embeddings) from a
 * trained generator checkpoint.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { intIn, numberIn, parseSeed } from './parsers.js';

/** Images one command draws: a 64×64 grid of 32×32 images at scale 2 is already 16 MB of pixels. */
const MAX_SAMPLES = 4096;
const MAX_SCALE = 16;
/** Below it, rejection sampling of truncated normals needs too many draws (P(|z| ≤ ψ) ≈ 0.8ψ). */
const MIN_TRUNCATION = 0.05;

export function sampleCommand() {
  return new Command('sample')
    .description('Draw images from a trained GAN generator checkpoint into a PNG grid.')
    .requiredOption('--checkpoint <file>', "generator-ema.pgc (or a run's checkpoint.pgc)")
    .option('--class <spec>', 'a class ("horse") or a mixture of class embeddings ("horse:0.7,bird:0.3")')
    .option('--n <count>', `number of images (at most ${MAX_SAMPLES})`, intIn(1, MAX_SAMPLES), 64)
    .option('--seed <n>', 'seed of the noise', parseSeed, 0)
    .option('--scale <k>', `upscale each image k× in the grid (at most ${MAX_SCALE})`, intIn(1, MAX_SCALE), 2)
    .option(
      '--truncation <psi>',
      `gan: draw z from N(0, I) truncated to [−ψ, ψ] (BigGAN's truncation trick): clearer, less varied; e.g. 1 (at least ${MIN_TRUNCATION})`,
      numberIn(MIN_TRUNCATION, 100, true),
    )
    .requiredOption('--out <file>', 'PNG file to write')
    .option('--force', 'replace --out even when it is not a PNG', false)
    .addOption(new Option('--model <kind>', 'kind of checkpoint').choices(['gan', 'diffusion'] as const).default('gan' as const))
    .option('--concept <spec>', 'diffusion: classes with guidance weights, e.g. "horse:3,bird:2,deer:-0.5" (none: unconditional)')
    .option('--steps <n>', 'diffusion: sampler steps (at most 1000)', intIn(1, 1000), 18)
    .addOption(
      new Option('--sampler <kind>', 'diffusion: deterministic Heun or stochastic (EDM)')
        .choices(['heun', 'stochastic'] as const)
        .default('heun' as const),
    )
    .action(async (opts) => {
      if (opts.model === 'diffusion') return (await import('../diffusion/command.js')).runDiffusionSampleCommand(opts);
      const { runSampleCommand } = await import('../sample/command.js');
      runSampleCommand(opts);
    });
}
