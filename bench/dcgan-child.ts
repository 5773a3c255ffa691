/**
 * Runs bench/dcgan-step.ts in a child process and reads back its median step time and peak RSS,
 * so that the memory figure is a whole process's (as for the Python reference).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export type DcganResult = { medianS: number; peakMiB: number } | { error: string };

export function runDcganChild(threads: number): DcganResult {
  const script = join(here, 'dcgan-step.ts');
  if (!existsSync(script)) return { error: 'bench/dcgan-step.ts missing' };
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, String(threads)], {
    encoding: 'utf8',
    cwd: join(here, '..'),
    env: { ...process.env, PEGASUS_BACKEND: 'native', PEGASUS_THREADS: String(threads) },
    maxBuffer: 1 << 24,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) {
    const err = (r.stderr || r.stdout || '').trim().split('\n').filter(Boolean);
    return { error: err.slice(-2).join(' | ') || `exit ${r.status}` };
  }
  const o = JSON.parse(line) as { median_s: number; maxrss_kib: number };
  return { medianS: o.median_s, peakMiB: o.maxrss_kib / 1024 };
}
