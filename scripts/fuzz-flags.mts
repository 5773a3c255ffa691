/**
 * A fuzz pass over the numeric flags of every subcommand: each flag that takes a number is given
 * hostile values (0, negatives, 1e308, NaN, Infinity, 1e-300, huge integers, words, nothing) on top
 * of arguments that otherwise run quickly (a small CIFAR-10 fixture, tiny models), and each run is
 * classified: refused with one line, ran, stack trace, or hang (no exit within the time limit).
 *
 *   npm run build && npx tsx scripts/fuzz-flags.mts [--out docs/lab/flag-fuzz.json] [--timeout 60]
 *
 * Prints a summary and writes every run (command line, exit status, first line of stderr).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command, Option } from '@commander-js/extra-typings';
import { buildProgram } from '../src/cli/main.js';
import { Rng } from '../src/engine/index.js';
import { Generator } from '../src/models/cgan/index.js';
import { resolveRunConfig } from '../src/train/resolve.js';
import { saveEmaGenerator } from '../src/train/trainState.js';
import { writeCifarFixture } from '../test/helpers/cifarFixture.js';

const { values: flags } = parseArgs({ options: { out: { type: 'string' }, timeout: { type: 'string', default: '60' } } });
const TIMEOUT_S = Number(flags.timeout);
const HOSTILE = ['0', '-1', '1', '1.5', '1e308', '-1e308', 'NaN', 'Infinity', '1e-300', '99999999999', 'abc', ''];

const tmp = mkdtempSync(join(tmpdir(), 'pegasus-fuzz-'));
const fx = writeCifarFixture(2);
const data = ['--data', fx.dir, '--records-per-file', String(fx.recordsPerFile)];
const config = resolveRunConfig('cgan', 'tiny', {});
const g = join(tmp, 'g.pgc');
saveEmaGenerator(g, config, new Generator(config.cgan, new Rng(1)).stateDict(), 3);
let k = 0;
const fresh = (name: string) => join(tmp, `${name}-${k++}`);

/** Arguments that make each subcommand run quickly; the fuzzed flag is added after them. */
const BASE: Record<string, () => string[]> = {
  'data check': () => [...data],
  'data pegasi': () => [...data, '--n', '4', '--out', fresh('pegasi')],
  train: () => ['--preset', 'tiny', '--steps', '2', ...data, '--out', fresh('run')],
  sample: () => ['--checkpoint', g, '--n', '4', '--out', `${fresh('s')}.png`],
  'classifier train': () => ['--epochs', '1', '--widths', '4,4,4,4', ...data, '--out', fresh('c')],
  'classifier eval': () => [...data, '--out', `${fresh('e')}.json`],
  'classifier wings': () => ['--pegasi', join(tmp, 'no-pegasi'), ...data, '--out', fresh('w')],
  evaluate: () => [
    '--checkpoint',
    g,
    '--n',
    '40',
    '--prdc',
    '8',
    '--nn-queries',
    '4',
    '--kid-subsets',
    '2',
    ...data,
    '--cache',
    join(tmp, 'cache'),
    '--out',
    fresh('ev'),
  ],
  generate: () => ['--candidates', '64', ...data, '--cache', join(tmp, 'cache'), '--out', fresh('gen')],
  serve: () => ['--no-neighbours', '--gallery', tmp],
};
/** Flags whose values are numbers inside a list (class and guidance weights). */
const WEIGHTED: [string, string, (v: string) => string][] = [
  ['sample', '--class', (v) => `horse:${v}`],
  ['sample', '--concept', (v) => `horse:${v}`],
  ['evaluate', '--concept', (v) => `horse:${v}`],
  ['train', '--lr-decay', (v) => `1:${v}`],
  ['classifier train', '--widths', (v) => `4,4,4,${v}`],
];

interface Run {
  readonly command: string;
  readonly flag: string;
  readonly value: string;
  readonly status: number | null;
  readonly outcome: 'refused' | 'ran' | 'stack trace' | 'hang' | 'several lines';
  readonly first: string;
  readonly seconds: number;
}

function run(command: string, flag: string, value: string, given: string): Run {
  const args = [...command.split(' '), ...BASE[command]!(), flag, given];
  if (command === 'sample' && flag === '--concept')
    args.push('--model', 'diffusion', '--checkpoint', 'models/diffusion-cpu/denoiser-ema.pgc');
  const serve = command === 'serve';
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['dist/cli/main.js', ...args], {
    encoding: 'utf8',
    timeout: (serve ? 8 : TIMEOUT_S) * 1000,
    env: { ...process.env, PEGASUS_DATA: '' },
  });
  const seconds = (performance.now() - t0) / 1000;
  const err = r.stderr ?? '';
  const lines = err.split('\n').filter((l) => l.trim() !== '' && !/^(step|epoch|evaluate:| {2})/.test(l));
  const timedOut = r.error !== undefined && (r.error as { code?: string }).code === 'ETIMEDOUT';
  let outcome: Run['outcome'];
  if (/\n\s+at /.test(err) || /^\s*at /m.test(err)) outcome = 'stack trace';
  else if (timedOut) outcome = serve && /pegasus serve: http/.test(r.stdout ?? '') ? 'ran' : 'hang';
  else if (r.status === 0) outcome = 'ran';
  else outcome = lines.length <= 1 && /^pegasus: /.test(lines[0] ?? '') ? 'refused' : 'several lines';
  return { command, flag, value, status: r.status, outcome, first: (lines[0] ?? '').slice(0, 240), seconds: Math.round(seconds * 10) / 10 };
}

const runs: Run[] = [];
const walk = (cmd: Command, path: string[]) => {
  for (const sub of cmd.commands as Command[]) {
    const p = [...path, sub.name()];
    walk(sub, p);
    const name = p.join(' ');
    if (BASE[name] === undefined) continue;
    for (const o of sub.options as readonly Option[]) {
      const parse = (o as unknown as { parseArg?: unknown }).parseArg;
      const numeric =
        typeof parse === 'function' && (typeof o.defaultValue === 'number' || /<(n|count|x|k|psi|a|sigma|lambda)>/.test(o.flags));
      if (!numeric || o.long === undefined) continue;
      for (const v of HOSTILE) runs.push(run(name, o.long, v, v));
    }
  }
};
walk(buildProgram() as unknown as Command, []);
for (const [command, flag, wrap] of WEIGHTED) for (const v of HOSTILE) runs.push(run(command, flag, v, wrap(v)));

const count = (o: Run['outcome']) => runs.filter((r) => r.outcome === o).length;
console.log(
  `${runs.length} runs: ${count('refused')} refused with one line, ${count('ran')} ran, ${count('stack trace')} stack traces, ${count('hang')} hangs, ${count('several lines')} with several lines`,
);
for (const r of runs.filter((x) => x.outcome !== 'refused'))
  console.log(`  ${r.outcome.padEnd(13)} ${r.command} ${r.flag} ${JSON.stringify(r.value)} (${r.seconds} s) ${r.first}`);
if (flags.out !== undefined)
  writeFileSync(flags.out, `${JSON.stringify({ date: new Date().toISOString().slice(0, 10), hostile: HOSTILE, runs }, null, 1)}\n`);
fx.cleanup();
rmSync(tmp, { recursive: true, force: true });
