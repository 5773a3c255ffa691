/**
 * `pegasus generate`: the product's main job. Redraws the recorded Pegasus and its 64-image batch
 * (seconds), or with --search runs the full candidate search and records a new choice.
 */
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { COMMITTED_MODELS, packageFile } from '../models/committed.js';
import { STRATEGIES, type Strategy } from '../generate/recipe.js';
import { defaultGenerateConfig, defaultSearchConfig } from '../generate/config.js';
import { defaultModelGenerateConfig } from '../generate/model.js';
import { UserError } from '../errors.js';
import { assertGenerateOut } from '../generate/outputs.js';
import { assertOutFile, JSON_OUTPUT } from '../outPath.js';
import { intIn, recordsPerFileOption, parseSeed, splitList } from './parsers.js';
import { withPackageDefaults } from './defaults.js';

/** The default recorded choice, committed beside the models. */
export const DEFAULT_CHOICE = 'models/pegasus-choice.json';

function strategyList(value: string): Strategy[] {
  const names = splitList(value);
  const bad = names.filter((n) => !(STRATEGIES as readonly string[]).includes(n));
  if (names.length === 0 || bad.length > 0)
    throw new InvalidArgumentError(`expected strategies from ${STRATEGIES.join(', ')}, got "${value}".`);
  return [...new Set(names)] as Strategy[];
}

/** Candidates: at least the 64 of the batch. */
const atLeast64 = intIn(64, 100_000);

/** A share between 0 and 1 (0.01 to 0.99: the ends would ignore one side of the score). */
function share(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0.01 || n > 0.99)
    throw new InvalidArgumentError(`expected a number between 0 and 1 (0.01 to 0.99), got "${value}".`);
  return n;
}

/** ψ of the truncation trick (a positive number), or "none". */
// NOTE: not null for "none": commander turns a parser's null into the empty string
function truncationValue(value: string): number | 'none' {
  if (value.trim().toLowerCase() === 'none') return 'none';
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0.05 || n > 100)
    throw new InvalidArgumentError(`expected a number from 0.05 to 100 (e.g. 1) or "none", got "${value}".`);
  return n;
}

export function generateCommand() {
  const s = defaultSearchConfig;
  return new Command('generate')
    .description(
      'Make the Pegasus: pegasus.png, pegasus-x8.png, batch/00-63.png, batch64.png, neighbours.png, strategies.png and pegasus.json in --out. ' +
        "By default the generator's pegasus class draws them (64 random samples, the best of --candidates by wing detector and classifier); " +
        'with --composed, the composed strategies (embedding mixes, collage, guidance, diffusion) redraw their recorded choice, or search again with --search.',
    )
    .option('--checkpoint <file>', `GAN generator (default: ${COMMITTED_MODELS.pegasus}, with --composed ${COMMITTED_MODELS.generator})`)
    .option('--detector <file>', 'wing detector that scores the candidates', COMMITTED_MODELS.detector)
    .option('--composed', 'compose the Pegasus from CIFAR-10 classes instead (the earlier strategies)', false)
    .option('--classifier <file>', 'from-scratch CIFAR-10 classifier that scores the candidates', COMMITTED_MODELS.classifier)
    .option('--denoiser <file>', 'diffusion model for the diffusion strategy', COMMITTED_MODELS.denoiser)
    .option('--choice <file>', 'recorded choice: read without --search, written with it', DEFAULT_CHOICE)
    .option('--out <dir>', 'output folder', 'out')
    .option('--search', 'with --composed: search thousands of candidates and record a new choice', false)
    .addOption(
      new Option('--strategy <list>', `with --search: strategies to try (default ${s.strategies.join(',')})`).argParser(strategyList),
    )
    .addOption(
      new Option(
        '--candidates <n>',
        `samples the best image is chosen from (default ${defaultModelGenerateConfig.candidates}; with --search: GAN candidates, default ${s.candidates})`,
      ).argParser(atLeast64),
    )
    .addOption(
      new Option(
        '--diffusion-candidates <n>',
        `with --search: diffusion candidates, 0 for none (default ${s.diffusionCandidates})`,
      ).argParser(intIn(0, 10_000)),
    )
    .addOption(
      new Option('--diffusion-steps <n>', `with --search: Heun steps per diffusion candidate (default ${s.diffusionSteps})`).argParser(
        intIn(1, 1000),
      ),
    )
    .addOption(
      new Option(
        '--seed <n>',
        `first seed of the batch (default ${defaultModelGenerateConfig.batchSeed}; with --search: seed of the search, default ${s.seed})`,
      ).argParser(parseSeed),
    )
    .addOption(
      new Option(
        '--body-share <a>',
        `with --search: the horse's share of the ideal belief horse vs bird+airplane; more asks for a clearer horse (default ${defaultGenerateConfig.score.bodyShare})`,
      ).argParser(share),
    )
    .addOption(
      new Option(
        '--truncation <psi>',
        `with --search: draw GAN latents from N(0, I) truncated to [−ψ, ψ] (BigGAN's truncation trick), or "none" (default ${s.truncation ?? 'none'})`,
      ).argParser(truncationValue),
    )
    .option('--data <dir>', 'CIFAR-10 folder, for nearest training images (default: $PEGASUS_DATA or the cache)')
    .addOption(recordsPerFileOption())
    .option('--cache <dir>', 'where training-set features are cached (shared with pegasus evaluate)', 'runs/.cache')
    .action(async (given, cmd) => {
      const o = withPackageDefaults(cmd, given, ['classifier', 'detector', 'denoiser', 'choice']);
      const { composed, detector, checkpoint, ...rest } = o;
      assertGenerateOut(o.out);
      if (o.search) assertOutFile(o.choice, '--choice', JSON_OUTPUT);
      if (composed || o.search) {
        const { runGenerateCommand } = await import('../generate/command.js');
        runGenerateCommand({ ...rest, checkpoint: checkpoint ?? packageFile(COMMITTED_MODELS.generator) });
        return;
      }
      const extra = (['strategy', 'diffusionCandidates', 'diffusionSteps', 'bodyShare', 'truncation'] as const).filter(
        (k) => o[k] !== undefined,
      );
      if (extra.length > 0)
        throw new UserError(
          `--${extra.map((k) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)).join(', --')} choose what the composed search tries; add --composed --search`,
        );
      const { runModelGenerateCommand } = await import('../generate/modelCommand.js');
      runModelGenerateCommand({
        checkpoint: checkpoint ?? packageFile(COMMITTED_MODELS.pegasus),
        classifier: o.classifier,
        detector,
        choice: o.choice,
        composedCheckpoint: packageFile(COMMITTED_MODELS.generator),
        denoiser: o.denoiser,
        out: o.out,
        ...(o.candidates !== undefined && { candidates: o.candidates }),
        ...(o.seed !== undefined && { seed: o.seed }),
        ...(o.data !== undefined && { data: o.data }),
        recordsPerFile: o.recordsPerFile,
      });
    });
}
