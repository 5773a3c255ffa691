/**
 * One training process per run folder. `lock` in the folder holds the pid of the process that
 * trains it, made with an exclusive create; a second `pegasus train` on the same folder is refused
 * while that process lives, and a lock left by a process that died (SIGKILL, a power cut) is taken
 * over. Holding the lock also means that temporary files in the folder (`*.tmp-<pid>`) belong to a
 * writer that is gone, so they are removed.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { assertOutFolder } from '../outPath.js';
import { CHECKPOINT_FILE, writeRunData } from './runFolder.js';

export const LOCK_FILE = 'lock';

/** Whether a process with this pid exists (EPERM: it exists but belongs to another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/**
 * The pid of the living process that trains the run folder `dir` (its lock), or undefined when
 * none does (no lock, a torn one, or one left by a process that is gone).
 * @example const training = runLockHolder('runs/cgan-cpu') !== undefined;
 */
export function runLockHolder(dir: string): number | undefined {
  const pid = holder(join(dir, LOCK_FILE));
  return pid !== undefined && alive(pid) ? pid : undefined;
}

function holder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Removes temporary files left in `dir` (and its samples/) by writers that were killed mid-write. */
function removeStaleTemporaries(dir: string): void {
  for (const sub of [dir, join(dir, 'samples')]) {
    let names: string[];
    try {
      names = readdirSync(sub);
    } catch {
      continue;
    }
    for (const name of names) if (/\.tmp-\d+$/.test(name)) rmSync(join(sub, name), { recursive: true, force: true });
  }
}

/**
 * Takes the run folder `dir` (created if missing) for this process; returns the function that
 * gives it back (also called when the process exits). Throws a UserError while another living
 * process holds it.
 * @example const release = lockRunFolder('runs/cgan-cpu'); try { … } finally { release(); }
 */
export function lockRunFolder(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
      const pid = holder(path);
      if (pid !== undefined && pid !== process.pid && alive(pid)) {
        throw new UserError(`${dir} is being trained by another pegasus process (pid ${pid}); wait for it to finish or stop it first`);
      }
      // a stale lock (its process is gone) or one torn while being written: take it over once
      if (attempt > 0) throw new UserError(`${dir}: cannot take ${path}; remove it if no pegasus process trains this folder`);
      rmSync(path, { force: true });
    }
  }
  removeStaleTemporaries(dir);
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    if (holder(path) === process.pid) rmSync(path, { force: true });
  };
  process.on('exit', release);
  return release;
}

/**
 * What every `pegasus train` does around its loop, GAN or diffusion: checks the folder can be
 * written, takes it, runs `train`, gives it back, and reports (exit status 130 for a run stopped
 * by Ctrl-C or SIGTERM: saved, not finished).
 * @example await trainInRunFolder('runs/a', { resuming: false, restarting: false, dataDir }, () => trainRun(…));
 */
export async function trainInRunFolder(
  runDir: string,
  how: { readonly resuming: boolean; readonly restarting: boolean; readonly dataDir: string },
  train: () => Promise<{ readonly step: number; readonly interrupted: boolean }>,
): Promise<void> {
  assertOutFolder(runDir, how.resuming ? '--resume' : '--out');
  const release = lockRunFolder(runDir);
  if (how.restarting) console.error(`${runDir} was stopped before its first checkpoint; starting it over from its config.json`);
  let result: { readonly step: number; readonly interrupted: boolean };
  try {
    // (a new run into a folder that holds one is refused by train(): its record stays)
    if (how.resuming || !existsSync(join(runDir, CHECKPOINT_FILE))) writeRunData(runDir, how.dataDir);
    result = await train();
  } finally {
    release();
  }
  if (!result.interrupted) console.error(`done: ${result.step} steps; run folder ${runDir}`);
  else process.exitCode = 130;
}
