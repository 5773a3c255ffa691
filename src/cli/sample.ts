/**
 * `pegasus sample`: draw a grid of images for a class (or a mixture of class embeddings) from a
 * trained generator checkpoint.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { parseNonNegativeInt, parsePositiveInt, parsePositiveNumber } from './parsers.js';

export function sampleCommand() {
  return new Command('sample')
    .description('Draw images from a trained GAN generator checkpoint into a PNG grid.')
    .requiredOption('--checkpoint <file>', 'generator-ema.pgc (or a run\'s checkpoint.pgc)')
    .option('--class <spec>', 'a class ("horse") or a mixture of class embeddings ("horse:0.7,bird:0.3")')
    .option('--n <count>', 'number of images', parsePositiveInt, 64)
    .option('--seed <n>', 'seed of the noise', parseNonNegativeInt, 0)
    .option('--scale <k>', 'upscale each image k× in the grid', parsePositiveInt, 2)
    .option('--truncation <psi>', 'gan: draw z from N(0, I) truncated to [−ψ, ψ] (BigGAN\'s truncation trick): clearer, less varied; e.g. 1', parsePositiveNumber)
    .requiredOption('--out <file>', 'PNG file to write')
    .addOption(new Option('--model <kind>', 'kind of checkpoint').choices(['gan', 'diffusion'] as const).default('gan' as const))
    .option('--concept <spec>', 'diffusion: classes with guidance weights, e.g. "horse:3,bird:2,deer:-0.5" (none: unconditional)')
    .option('--steps <n>', 'diffusion: sampler steps', parsePositiveInt, 18)
    .addOption(new Option('--sampler <kind>', 'diffusion: deterministic Heun or stochastic (EDM)').choices(['heun', 'stochastic'] as const).default('heun' as const))
    .action(async (opts) => {
      if (opts.model === 'diffusion') return (await import('../diffusion/command.js')).runDiffusionSampleCommand(opts);
      const { runSampleCommand } = await import('../sample/command.js');
      runSampleCommand(opts);
    });
}
