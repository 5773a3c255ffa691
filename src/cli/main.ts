/**
 * The `pegasus` command line. Each subcommand lives in its own file and is added here;
 * this file only wires them together and turns thrown errors into one-line messages.
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { UserError } from '../errors.js';
import { dataCommand } from './data.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('pegasus')
    .description('Train generative models on CIFAR-10 from scratch and compose a Pegasus.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  // Subcommands register here, one file each (see src/cli/*.ts).
  program.addCommand(dataCommand());
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (help, version or a usage error).
      return err.exitCode;
    }
    if (err instanceof UserError) {
      console.error(`pegasus: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  }
}

const isEntry = process.argv[1] !== undefined && /[\\/](main)\.(ts|js)$/.test(process.argv[1]);
const invokedViaBin = process.argv[1] !== undefined && /pegasus(\.js)?$/.test(process.argv[1]);
if (isEntry || invokedViaBin) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
