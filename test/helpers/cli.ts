// Runs the `pegasus` CLI from source as a user would (node + tsx), for end-to-end CLI tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeCifarFixture, type Fixture } from './cifarFixture.js';

/** The repository root: CLI runs start here, so relative paths resolve as in the README. */
export const repo = fileURLToPath(new URL('../..', import.meta.url));
/** Node arguments that run the CLI from its TypeScript source. */
export const cli = ['--import', 'tsx', 'src/cli/main.ts'];

/**
 * Runs `pegasus ...args` to completion. PEGASUS_DATA is cleared so that only `--data` can point at
 * data (a developer's own setting never leaks into a test). `cwd` runs it from another folder
 * (for defaults that are relative paths), with tsx and the CLI named by absolute paths.
 */
export function pegasus(
  args: string[],
  o: { cwd?: string; env?: Record<string, string> } = {},
): { status: number | null; stdout: string; stderr: string } {
  const from = o.cwd === undefined ? cli : ['--import', import.meta.resolve('tsx'), join(repo, 'src', 'cli', 'main.ts')];
  const r = spawnSync(process.execPath, [...from, ...args], {
    cwd: o.cwd ?? repo,
    encoding: 'utf8',
    env: { ...process.env, PEGASUS_DATA: '', ...o.env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A CIFAR-10 fixture folder and a scratch folder for CLI runs; filled in by the suite's `before`. */
export interface CliWorkspace {
  fx: Fixture;
  /** Scratch folder, removed after the suite. */
  tmp: string;
  /** `--data DIR --records-per-file N` for the fixture. */
  data: string[];
}

/**
 * Registers `before`/`after` hooks (call inside a `describe`) that write a fixture with
 * `imagesPerClass` images per class and a scratch folder named `pegasus-<name>-…`, and remove both.
 */
export function useCliWorkspace(imagesPerClass: number, name: string): CliWorkspace {
  const ws = {} as CliWorkspace;
  before(() => {
    ws.fx = writeCifarFixture(imagesPerClass);
    ws.tmp = mkdtempSync(join(tmpdir(), `pegasus-${name}-`));
    ws.data = ['--data', ws.fx.dir, '--records-per-file', String(ws.fx.recordsPerFile)];
  });
  after(() => {
    ws.fx.cleanup();
    rmSync(ws.tmp, { recursive: true, force: true });
  });
  return ws;
}
