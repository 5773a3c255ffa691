/**
 * The `pegasus` command line. Each subcommand lives in its own file and is added here;
 * this file only wires them together and turns thrown errors into one-line messages.
 */
import { Command, CommanderError, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { UserError } from '../errors.js';
import { setNumThreads } from '../engine/native/index.js';
import { intIn } from './parsers.js';
import { fsErrorMessage } from '../outPath.js';
import { dataCommand } from './data.js';
import { trainCommand } from './train.js';
import { sampleCommand } from './sample.js';
import { plotCommand } from './plot.js';
import { classifierCommand } from './classifier.js';
import { evaluateCommand } from './evaluate.js';
import { diagramCommand } from './diagram.js';
import { reportCommand } from './report.js';
import { generateCommand } from './generate.js';
import { serveCommand } from './serve.js';
import { exportCommand, importCommand } from './export.js';
import { siteCommand } from './site.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('pegasus')
    .description('Train generative models on CIFAR-10 from scratch and compose a Pegasus.')
    .version('0.1.0')
    .configureOutput({ outputError: writeOneLineError })
    .configureHelp({ showGlobalOptions: true })
    .option('--threads <n>', 'CPU threads of the native backend (default: every core this process may use)', intIn(1, 1024))
    .addHelpText('after', ENVIRONMENT_HELP)
    .hook('preAction', (thisCommand) => {
      const threads = (thisCommand.opts() as { threads?: number }).threads;
      if (threads === undefined) return;
      process.env['PEGASUS_THREADS'] = String(threads); // worker threads (serve) read it when they load the backend
      setNumThreads(threads);
    })
    .exitOverride();
  // Subcommands register here, one file each (see src/cli/*.ts).
  program.addCommand(dataCommand());
  program.addCommand(trainCommand());
  program.addCommand(sampleCommand());
  program.addCommand(plotCommand());
  program.addCommand(classifierCommand());
  program.addCommand(evaluateCommand());
  program.addCommand(diagramCommand());
  program.addCommand(reportCommand());
  program.addCommand(generateCommand());
  program.addCommand(serveCommand());
  program.addCommand(exportCommand());
  program.addCommand(importCommand());
  program.addCommand(siteCommand());
  applyToAll(program);
  return program;
}

/** The environment variables pegasus reads, for `pegasus --help`. */
const ENVIRONMENT_HELP = `
Environment:
  PEGASUS_DATA=DIR         the CIFAR-10 folder when --data is not given (then ~/.cache/pegasus)
  PEGASUS_THREADS=N        CPU threads of the native backend (as --threads; else OMP_NUM_THREADS, else every core)
  PEGASUS_BACKEND=native|js  the compute backend (default: native when its addon is built, else js)
  PEGASUS_PROFILE=1        print where the time of each op goes when the command ends
  PEGASUS_BLOCKED=0        keep activations in plain NCHW (default: channel-blocked between convolutions)
  PEGASUS_CHROMIUM=PATH    the headless Chromium for PDFs and PNG diagrams (default: found on PATH)`;

/** Usage errors are one line: what is wrong, and where to read more. */
function writeOneLineError(message: string, write: (s: string) => void): void {
  write(`pegasus: ${message.replace(/^error: /, '').trim()} (see --help)\n`);
}

/**
 * NOTE: commander copies settings only to subcommands made with `.command()`, not to those added
 * with `.addCommand()`, so we apply ours to the whole tree: usage errors are thrown to `main`
 * (which exits non-zero with commander's one-line message) instead of exiting from inside parse.
 */
function applyToAll(cmd: CommandUnknownOpts): void {
  for (const sub of cmd.commands) {
    sub.exitOverride().configureOutput({ outputError: writeOneLineError }).configureHelp({ showGlobalOptions: true });
    applyToAll(sub);
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    // a command may have set its own status (e.g. 130 for a run stopped by Ctrl-C)
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (help, version or a usage error).
      return err.exitCode;
    }
    if (err instanceof UserError) {
      console.error(`pegasus: ${err.message}`);
      return err.exitCode;
    }
    // a file-system error the command did not foresee still gets one line naming the path
    const fsMessage = fsErrorMessage(err);
    if (fsMessage !== undefined) {
      console.error(`pegasus: ${fsMessage}`);
      return 1;
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
