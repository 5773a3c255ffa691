/**
 * Runs the PyTorch reference (../shared/bench/torch_reference.py) in a child process and reads its
 * JSON lines, plus the child's peak resident memory (ru_maxrss of the whole Python process).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's python3 (python3-torch), or PEGASUS_PYTHON: a Python whose torch is installed elsewhere (a virtual environment). */
export const python = process.env['PEGASUS_PYTHON'] || '/usr/bin/python3';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface TorchResult {
  /** Median seconds per workload name. */
  readonly medians: ReadonlyMap<string, number>;
  /** Peak RSS of the whole Python process in MiB (all workloads, the DCGAN step dominates). */
  readonly peakMiB: number;
}

/**
 * The reference script: PEGASUS_TORCH_REFERENCE, else ../shared/bench beside the repository, else
 * shared/bench inside it; walking up from the repository covers worktrees kept elsewhere.
 */
export function findTorchReference(): string | null {
  const env = process.env['PEGASUS_TORCH_REFERENCE'];
  if (env) return existsSync(env) ? env : null;
  let dir = repoRoot;
  for (let i = 0; i < 4; i++) {
    for (const candidate of [join(dir, '..', 'shared', 'bench'), join(dir, 'shared', 'bench')]) {
      const p = join(candidate, 'torch_reference.py');
      if (existsSync(p)) return p;
    }
    dir = dirname(dir);
  }
  return null;
}

/** Whether PyTorch is importable by `python`; the reason when not. */
export function torchUnavailable(): string | null {
  if (!existsSync(python)) return `${python} not found`;
  const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'python3 cannot import torch (apt-get install -y python3-torch)';
}

// NOTE: runpy runs the reference unchanged as __main__, then the same interpreter reports its own
// peak RSS (Linux: KiB), so the memory figure covers exactly that run.
const wrapper = `
import json, resource, runpy, sys
path = sys.argv[1]
sys.argv = [path] + sys.argv[2:]
runpy.run_path(path, run_name='__main__')
print(json.dumps({'maxrss_kib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), flush=True)
`;

/** Runs the reference with `threads` threads; throws with its stderr when it fails. */
export function runTorchReference(script: string, threads: number): TorchResult {
  const r = spawnSync(python, ['-c', wrapper, script, String(threads)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
  });
  if (r.status !== 0) throw new Error(`torch_reference.py failed: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  const medians = new Map<string, number>();
  let peakMiB = NaN;
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const o = JSON.parse(line) as { workload?: string; median_s?: number; maxrss_kib?: number };
    if (o.workload !== undefined && o.median_s !== undefined) medians.set(o.workload, o.median_s);
    if (o.maxrss_kib !== undefined) peakMiB = o.maxrss_kib / 1024;
  }
  return { medians, peakMiB };
}

/** "PyTorch 1.13.1 (BLAS: generic)": the version and the BLAS its build reports, or null without torch. */
export function torchIdentity(): string | null {
  const code =
    'import torch, re\n' +
    'c = torch.__config__.show()\n' +
    'm = re.search(r"BLAS_INFO=([^,\\n]+)", c)\n' +
    'print(torch.__version__, m.group(1) if m else ("MKL" if torch.backends.mkl.is_available() else "unknown"))';
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const [version, blas] = r.stdout.trim().split(' ');
  return `PyTorch ${version} (BLAS: ${blas})`;
}
