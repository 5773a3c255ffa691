/**
 * Runs a step benchmark (bench/dcgan-step.ts, bench/cgan-step.ts) in a child process and reads back
 * its median step time, peak RSS and the ops of one step, so that the memory figure is a whole
 * process's (as for the Python reference).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export type StepResult =
  { medianS: number; peakMiB: number; ops: string[]; imagesPerS?: number; boundFraction?: number } | { error: string };

/**
 * `dir`: the checkout whose bench/`file` runs (this one by default; bench/compare.ts passes an
 * earlier commit's worktree).
 * @example runStepChild('dcgan-step.ts', 2)
 */
export function runStepChild(file: string, threads: number, dir = join(here, '..')): StepResult {
  const script = join(dir, 'bench', file);
  if (!existsSync(script)) return { error: `bench/${file} missing` };
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, String(threads)], {
    encoding: 'utf8',
    cwd: dir,
    env: { ...process.env, PEGASUS_BACKEND: 'native', PEGASUS_THREADS: String(threads) },
    maxBuffer: 1 << 24,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) {
    const err = (r.stderr || r.stdout || '').trim().split('\n').filter(Boolean);
    return { error: err.slice(-2).join(' | ') || `exit ${r.status}` };
  }
  const o = JSON.parse(line) as { median_s: number; maxrss_kib: number; ops: string[]; images_per_s?: number; bound_fraction?: number };
  return {
    medianS: o.median_s,
    peakMiB: o.maxrss_kib / 1024,
    ops: o.ops,
    ...(o.images_per_s !== undefined && { imagesPerS: o.images_per_s }),
    ...(o.bound_fraction !== undefined && { boundFraction: o.bound_fraction }),
  };
}
