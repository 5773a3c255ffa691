/**
 * `pegasus serve`: a local web page to make, compare and choose images of a generator checkpoint
 * (class-mixture sliders, seeds, an interpolation strip, scores, nearest training images, export).
 */
import { Command, InvalidArgumentError } from '@commander-js/extra-typings';
import { COMMITTED_MODELS } from '../models/committed.js';
import { recordsPerFileOption } from './parsers.js';
import { withPackageDefaults } from './defaults.js';

/** A TCP port, 0–65535 (0: any free port, printed on start). */
function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n > 65535) throw new InvalidArgumentError(`expected a port number 0–65535, got "${value}".`);
  return n;
}

export function serveCommand() {
  return new Command('serve')
    .description(
      'Start a local web app to make, compare and choose images (sliders per class, seeds, interpolation, nearest training images, export).',
    )
    .option('--port <n>', 'port to listen on (0: any free port)', parsePort, 8080)
    .option('--host <address>', 'address to listen on (0.0.0.0 to share on the network)', '127.0.0.1')
    .option(
      '--checkpoint <file>',
      'generator checkpoint (generator-ema.pgc or a run checkpoint.pgc); the default has the pegasus class',
      COMMITTED_MODELS.pegasus,
    )
    .option('--classifier <file>', 'classifier that scores the images', COMMITTED_MODELS.classifier)
    .option('--data <dir>', 'CIFAR-10 folder for nearest training images (default: $PEGASUS_DATA or the cache)')
    .addOption(recordsPerFileOption())
    .option('--cache <dir>', 'where training-set features are cached (shared with pegasus evaluate)', 'runs/.cache')
    .option('--gallery <dir>', 'output folder of `pegasus generate` whose chosen images the page shows', 'out')
    .option('--runs <dir>', 'folder whose training runs the page lists, live while they train', 'runs')
    .option('--no-neighbours', 'do not load the training images (no nearest-neighbour search)')
    .action(async (opts, cmd) => {
      const { runServe } = await import('../web/serveCommand.js');
      await runServe(withPackageDefaults(cmd, opts, ['checkpoint', 'classifier']));
    });
}
