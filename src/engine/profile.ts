/**
 * A kernel profiler: `PEGASUS_PROFILE=1` wraps the backend so that every kernel call is timed, and
 * prints a table to stderr when the process exits — calls, total milliseconds and share of the
 * wall time per kernel, and the time spent outside kernels (autograd, JavaScript between kernels,
 * data loading, I/O). It answers "where does a training step go?" on the machine at hand; it costs
 * two clock reads per kernel call, so leave it off for real runs.
 */
import type { Backend } from './backend.js';

export interface KernelTime {
  readonly kernel: string;
  readonly calls: number;
  readonly ms: number;
}

export interface Profile {
  /** The backend with every method timed. */
  readonly backend: Backend;
  /** Kernels by total time, most first. */
  times(): KernelTime[];
  /** Milliseconds since the profile started. */
  wallMs(): number;
}

const now = (): number => performance.now();

/** Wraps every method of `b` (and of its blocked kernels, named "blocked.…") with a timer. */
export function profileBackend(b: Backend): Profile {
  const calls = new Map<string, { calls: number; ms: number }>();
  const start = now();
  const timed = (target: object, prefix: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(target)) {
      if (typeof v !== 'function') {
        out[key] = v !== null && typeof v === 'object' && key === 'blocked' ? timed(v as object, 'blocked.') : v;
        continue;
      }
      const fn = v as (...args: unknown[]) => unknown;
      const entry = { calls: 0, ms: 0 };
      calls.set(prefix + key, entry);
      out[key] = (...args: unknown[]) => {
        const t0 = now();
        try {
          return fn.apply(target, args);
        } finally {
          entry.ms += now() - t0;
          entry.calls++;
        }
      };
    }
    return out;
  };
  const wrapped = timed(b, '');
  return {
    backend: wrapped as unknown as Backend,
    times: () =>
      [...calls]
        .filter(([, e]) => e.calls > 0)
        .map(([kernel, e]) => ({ kernel, calls: e.calls, ms: e.ms }))
        .sort((x, y) => y.ms - x.ms),
    wallMs: () => now() - start,
  };
}

/** The profile as a text table (what PEGASUS_PROFILE prints at exit). */
export function formatProfile(p: Profile): string {
  const wall = p.wallMs();
  const times = p.times();
  const inKernels = times.reduce((s, t) => s + t.ms, 0);
  const row = (name: string, calls: string, ms: number) =>
    `${name.padEnd(28)} ${calls.padStart(10)} ${ms.toFixed(0).padStart(10)} ${((100 * ms) / wall).toFixed(1).padStart(6)}%`;
  return [
    `pegasus profile: ${(wall / 1000).toFixed(1)} s of wall time, ${((100 * inKernels) / wall).toFixed(1)}% in backend kernels`,
    `${'kernel'.padEnd(28)} ${'calls'.padStart(10)} ${'ms'.padStart(10)} ${'share'.padStart(7)}`,
    ...times.map((t) => row(t.kernel, String(t.calls), t.ms)),
    row('(outside kernels)', '', wall - inKernels),
  ].join('\n');
}
