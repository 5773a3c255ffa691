/**
 * The checks every `pegasus train --resume` makes, whatever the model: flags that would change the
 * run's schedule are refused (the run keeps its own config), and the folder must hold a run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';

/**
 * Throws a UserError naming the offending flags (as typed, e.g. `--lr-d`), or saying that the
 * folder holds no run. Returns whether the run has a checkpoint: a run stopped before its first
 * one has only its config.json, and is started over from it.
 *
 * @example checkResumable('runs/cgan-cpu', 'checkpoint.pgc', FIXED_ON_RESUME.filter((k) => o[k] !== undefined))
 */
export function checkResumable(runDir: string, checkpointFile: string, fixedFlagsGiven: readonly string[]): boolean {
  if (fixedFlagsGiven.length > 0) {
    const flags = fixedFlagsGiven.map((k) => (k === 'lrG' ? '--lr' : `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`));
    throw new UserError(`--resume continues a run with its own config; drop ${flags.join(', ')}`);
  }
  if (existsSync(join(runDir, checkpointFile))) return true;
  if (!existsSync(join(runDir, 'config.json'))) {
    throw new UserError(`${runDir} holds no run (no config.json or ${checkpointFile}); start one with pegasus train --out ${runDir}`);
  }
  return false;
}
