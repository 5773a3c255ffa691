/**
 * The checks every `pegasus train --resume` makes, whatever the model: flags that would change the
 * run's schedule are refused (the run keeps its own config), and the run folder must hold a
 * checkpoint.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';

/**
 * Throws a UserError naming the offending flags (as typed, e.g. `--lr-g`), or the missing file.
 *
 * @example checkResumable('runs/cgan-cpu', 'checkpoint.pgc', FIXED_ON_RESUME.filter((k) => o[k] !== undefined))
 */
export function checkResumable(runDir: string, checkpointFile: string, fixedFlagsGiven: readonly string[]): void {
  if (fixedFlagsGiven.length > 0) {
    const flags = fixedFlagsGiven.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw new UserError(`--resume continues a run with its own config; drop ${flags.join(', ')}`);
  }
  if (!existsSync(join(runDir, checkpointFile))) throw new UserError(`${runDir} has no ${checkpointFile} to resume from`);
}
