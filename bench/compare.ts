/**
 * `npm run bench:compare -- <commit>`: GAN training speed of an earlier commit against this
 * checkout, on the same machine in one run. The commit is checked out into a temporary git
 * worktree (its native addon built there); then the two alternate `--rounds` times (old, new,
 * old, new, …) on bench/cgan-step.ts (one update of the committed Pegasus configuration) and
 * bench/dcgan-step.ts, so a drift of the machine's speed hits both alike. Prints each round and
 * the median over rounds of the paired speed-ups (new images/s ÷ old images/s).
 *
 *   npm run bench:compare -- ec2d57e
 *   npm run bench:compare -- ec2d57e --rounds 5 --threads 2
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runStepChild } from './step-child.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
  },
});
const rounds = Number(values.rounds);
const threads = Number(values.threads);
const commit = positionals[0];
if (
  commit === undefined ||
  positionals.length > 1 ||
  !Number.isInteger(rounds) ||
  rounds < 1 ||
  !Number.isInteger(threads) ||
  threads < 1
) {
  console.error('usage: npm run bench:compare -- <commit> [--rounds N] [--threads N]');
  process.exit(2);
}

function git(...args: string[]): string {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
  return r.stdout.trim();
}

interface Step {
  readonly medianS: number;
  readonly imagesPerS: number;
}

/** One run of a step benchmark in checkout `dir` (its own process, as bench/index.ts runs them). */
function runStep(dir: string, file: string, imagesPerStep: number): Step {
  const r = runStepChild(file, threads, dir);
  if ('error' in r) throw new Error(`${dir}: bench/${file} failed: ${r.error}`);
  return { medianS: r.medianS, imagesPerS: r.imagesPerS ?? imagesPerStep / r.medianS };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

let sha: string;
try {
  sha = git('rev-parse', '--short', '--verify', `${commit}^{commit}`);
} catch {
  console.error(`bench:compare: "${commit}" is not a commit of this repository (try a hash from git log)`);
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), `pegasus-${sha}-`));
try {
  console.log(`checking out ${sha} into ${dir} …`);
  git('worktree', 'add', '--detach', dir, sha);
  // the same dependencies (the lockfile rarely changes what a step benchmark uses)
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  console.log(`building its native addon …`);
  const build = spawnSync(process.execPath, ['scripts/build-native.mjs'], { cwd: dir, encoding: 'utf8' });
  if (build.status !== 0 || !existsSync(join(dir, 'build', 'Release', 'pegasus_native.node'))) {
    throw new Error(`the native addon of ${sha} did not build: ${(build.stderr || build.stdout).trim().split('\n').at(-1)}`);
  }
  // images per step: the cGAN bench reports its own images/s; a DCGAN step trains on one batch of 64
  const workloads: [string, string, number][] = [
    ['cgan_update', 'cgan-step.ts', 0],
    ['dcgan_step_b64', 'dcgan-step.ts', 64],
  ];
  for (const [name, file, images] of workloads) {
    if (!existsSync(join(dir, 'bench', file))) {
      console.log(`${name}: ${sha} has no bench/${file}; skipped`);
      continue;
    }
    const speedups: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const old = runStep(dir, file, images);
      const now = runStep(root, file, images);
      speedups.push(now.imagesPerS / old.imagesPerS);
      console.log(
        `${name} round ${round}: ${sha} ${old.medianS.toFixed(4)} s (${old.imagesPerS.toFixed(1)} img/s), ` +
          `this checkout ${now.medianS.toFixed(4)} s (${now.imagesPerS.toFixed(1)} img/s), ×${(now.imagesPerS / old.imagesPerS).toFixed(2)}`,
      );
    }
    console.log(`${name}: images/s ×${median(speedups).toFixed(2)} over ${sha} (median of ${rounds} paired rounds, ${threads} threads)`);
  }
} catch (e) {
  console.error(`bench:compare: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: root });
  rmSync(dir, { recursive: true, force: true });
}
