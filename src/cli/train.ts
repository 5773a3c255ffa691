/**
 * `pegasus train`: train DCGAN or the class-conditional GAN on CIFAR-10, or resume a run.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { MODEL_KINDS } from '../train/config.js';
import {
  intIn,
  numberIn,
  parseAugment,
  parseClassList,
  parseInitClasses,
  parseLrDecay,
  recordsPerFileOption,
  parseSeed,
} from './parsers.js';
import { PRESETS } from '../train/presets/gan.js';

export function trainCommand() {
  return (
    new Command('train')
      .description(
        'Train a GAN (cgan, dcgan) or a diffusion model on CIFAR-10 from scratch, or resume a run; writes a run folder with checkpoints, metrics and samples.',
      )
      .addOption(new Option('--model <kind>', 'model to train').choices([...MODEL_KINDS, 'diffusion' as const]).default('cgan' as const))
      .addOption(
        new Option(
          '--preset <name>',
          `size and schedule: ${Object.entries(PRESETS)
            .map(([k, p]) => `${k} (${p.description})`)
            .join('; ')}`,
        )
          .choices(Object.keys(PRESETS))
          .default('cpu'),
      )
      .option('--classes <names>', "comma-separated CIFAR-10 classes to train on (default: the preset's)", parseClassList)
      .addOption(
        new Option('--steps <n>', "generator updates in total (default: the preset's)")
          .argParser(intIn(1, 100_000_000))
          .conflicts('epochs'),
      )
      .addOption(new Option('--epochs <n>', 'passes over the training images instead of --steps').argParser(numberIn(0.001, 100_000, true)))
      .option('--batch <n>', "images per batch (default: the preset's)", intIn(1, 4096))
      .option('--seed <n>', "seed of weights, data order, noise and augmentation (default: the preset's)", parseSeed)
      .option('--lr <x>', "learning rate: a GAN's generator, a diffusion model's network (default: the preset's)", numberIn(1e-8, 1, true))
      .option('--lr-d <x>', "GAN: the discriminator's learning rate (default: the preset's)", numberIn(1e-8, 1, true))
      // the earlier name of --lr, still accepted
      .addOption(
        new Option('--lr-g <x>')
          .argParser(numberIn(1e-8, 1, true))
          .conflicts('lr')
          .hideHelp(),
      )
      .option(
        '--lr-decay <start:end>',
        'decay both learning rates linearly to zero from update START to END (also on --resume, from its step on)',
        parseLrDecay,
      )
      .option('--augment <list>', "DiffAugment transforms D sees: none or color,translation,cutout (default: the preset's)", parseAugment)
      .option(
        '--init-from <checkpoint>',
        "start this new run from another run's checkpoint.pgc, or from a generator file such as models/cgan-dp/generator-ema.pgc with a new D (same networks and classes; its own schedule)",
      )
      .option(
        '--d-warmup <n>',
        'hold the generator still for the first N updates of this new run while D learns it (for a new D: --init-from a generator file)',
        intIn(1, 100_000_000),
      )
      .option(
        '--class-loss <lambda>',
        "cgan: also train D's projection embedding as a classifier and G to make images it classifies as asked (Dual Projection GAN), with this weight, e.g. 0.5",
        numberIn(1e-6, 100, true),
      )
      .option(
        '--pegasi <dir>',
        'cgan: winged-horse composites (made by pegasus data pegasi) as the images of the class "pegasus" in --classes',
      )
      .option(
        '--init-class <new=old>',
        'with --init-from: classes the checkpoint lacks start as a copy of one it has, e.g. pegasus=horse (repeat or comma-separate)',
        parseInitClasses,
      )
      .addOption(
        new Option(
          '--train-g <which>',
          'cgan: train all of G, or only its class embedding and conditional batch norms (batch statistics adaptation)',
        ).choices(['all', 'conditional'] as const),
      )
      .option('--data <dir>', 'CIFAR-10 binary folder (default: $PEGASUS_DATA, then the download cache)')
      .addOption(recordsPerFileOption())
      .option('--out <dir>', 'run folder to create (default: runs/<model>-<preset>)')
      .option('--resume <rundir>', 'continue the run in this folder from its checkpoint (--steps may extend it)')
      .action(async (opts, cmd) => {
        const given = ['model', 'preset'].filter((k) => cmd.getOptionValueSource(k) === 'cli');
        const { lr, ...rest } = opts;
        const o = { ...rest, lrG: lr ?? opts.lrG, given };
        const diffusion = await import('../diffusion/command.js');
        if (opts.model === 'diffusion' || (opts.resume !== undefined && diffusion.isDiffusionRunDir(opts.resume)))
          return diffusion.runDiffusionTrainCommand(o);
        const { runTrainCommand } = await import('../train/command.js');
        await runTrainCommand({ ...o, model: opts.model });
      })
  );
}
