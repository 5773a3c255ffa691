// Runs the `pegasus` CLI from source as a user would (node + tsx), for end-to-end CLI tests.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: CLI runs start here, so relative paths resolve as in the README. */
export const repo = fileURLToPath(new URL('../..', import.meta.url));
/** Node arguments that run the CLI from its TypeScript source. */
export const cli = ['--import', 'tsx', 'src/cli/main.ts'];

/**
 * Runs `pegasus ...args` to completion. PEGASUS_DATA is cleared so that only `--data` can point at
 * data (a developer's own setting never leaks into a test).
 */
export function pegasus(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...cli, ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, PEGASUS_DATA: '' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
