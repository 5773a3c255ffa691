/**
 * Pooling, upsampling and softmax through the engine's ops on the js and the native backend, side
 * by side with PyTorch (bench/pool_torch.py, same shapes and threads) and, optionally, with bare
 * oneDNN primitives (bench/onednn_pool.cc), all in one invocation so that a busy machine slows
 * every column alike. Ratios, not absolute times, are the result.
 *
 *   node --import tsx bench/pool.ts [--threads 1] [--reps 10] [--clock cpu|wall] [--no-torch] [--onednn tmp-pool/onednn_pool] [--json]
 *
 * NOTE: the default clock is the process's CPU time (user + system, so page faults count), not
 * wall time: on a machine shared with training runs a low-priority benchmark waits for the CPU
 * most of the time (measured: 5.7 ms of CPU in a 17.7 ms wall-clock call), which drowns the
 * differences. With one thread the CPU time is the work done; use --clock wall with --threads > 1.
 *
 * `fwd` runs the op without recording a graph; `fwd+bwd` runs it with autograd and back-propagates
 * a fixed random dy (PyTorch: `op(x).backward(dy)`), so neither side pays for a loss op.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as E from '../src/engine/index.js';
import type { Tensor } from '../src/engine/index.js';
import { loadNativeBackend, nativeInfo, setNumThreads } from '../src/engine/native/index.js';
import { python } from './torch.js';

const here = dirname(fileURLToPath(import.meta.url));

/** name → (input shape, op); kept identical to WORKLOADS in bench/pool_torch.py. */
const WORKLOADS: [string, number[], (x: Tensor) => Tensor][] = [
  ['maxpool2 [256,48,32,32]', [256, 48, 32, 32], (x) => E.maxPool2d(x, 2)],
  ['avgpool2 [64,128,16,16]', [64, 128, 16, 16], (x) => E.avgPool2d(x, 2)],
  ['upsample2x [64,128,16,16]', [64, 128, 16, 16], (x) => E.upsampleNearest2x(x)],
  ['softmax [256,10]', [256, 10], (x) => E.softmax(x, -1)],
  ['logSoftmax [256,10]', [256, 10], (x) => E.logSoftmax(x, -1)],
  ['softmax [4096,64]', [4096, 64], (x) => E.softmax(x, -1)],
];

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' }, // threads on every side
    reps: { type: 'string', default: '10' }, // timed calls per workload (after 3 warm-up calls)
    'no-torch': { type: 'boolean', default: false }, // skip the PyTorch column
    onednn: { type: 'string' }, // a built bench/onednn_pool.cc, for the oneDNN column
    clock: { type: 'string', default: 'cpu' }, // cpu: process CPU time; wall: elapsed time
    json: { type: 'boolean', default: false }, // one JSON object a line instead of the table
  },
});
const threads = Number(values.threads);
const reps = Number(values.reps);
if (!Number.isInteger(threads) || threads < 1 || !Number.isInteger(reps) || reps < 1) {
  console.error('bench/pool: --threads and --reps must be positive integers');
  process.exit(2);
}
const clock = values.clock;
if (clock !== 'cpu' && clock !== 'wall') {
  console.error(`bench/pool: --clock must be cpu or wall, got "${clock}"`);
  process.exit(2);
}
if (!loadNativeBackend()) {
  console.error('bench/pool: the native backend is not built (node scripts/build-native.mjs)');
  process.exit(1);
}
setNumThreads(threads);

/** Seconds on the chosen clock. */
function now(): number {
  if (clock === 'wall') return performance.now() / 1e3;
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Median seconds of `fn` over `reps` calls after 3 warm-up calls (as bench/timing.ts). */
function medianTime(fn: () => void): number {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = now();
    fn();
    times.push(now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Median seconds of `fwd` and `fwd+bwd` of one workload on one backend. */
function timeOps(backend: E.BackendName, shape: number[], op: (x: Tensor) => Tensor): [number, number] {
  E.setBackend(backend);
  const rng = new E.Rng(0);
  const x = E.keep(E.rand(shape, rng));
  x.data.forEach((v, i) => (x.data[i] = 2 * v - 1));
  const dy = E.keep(E.noGrad(() => E.randn(op(x).shape, rng)));
  const fwd = medianTime(() => E.tidy(() => void E.noGrad(() => op(x))));
  x.requiresGrad = true;
  const fwdBwd = medianTime(() => {
    x.grad?.dispose();
    x.grad = null;
    E.tidy(() => op(x).backward(dy));
  });
  x.grad?.dispose();
  x.dispose();
  dy.dispose();
  return [fwd, fwdBwd];
}

/** JSON lines {workload, median_s} of a child process, as a map; null (with a note) on failure. */
function runChild(cmd: string, args: string[], what: string): Map<string, number> | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
  if (r.status !== 0) {
    console.error(`bench/pool: ${what} failed: ${(r.stderr ?? r.error?.message ?? '').trim().split('\n').slice(-2).join(' | ')}`);
    return null;
  }
  const out = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const o = JSON.parse(line) as { workload: string; median_s: number };
    out.set(o.workload, o.median_s);
  }
  return out;
}

const ours = new Map<string, { js: number; native: number }>();
for (const [name, shape, op] of WORKLOADS) {
  if (!values.json) console.error(`timing ${name} …`);
  const [jf, jb] = timeOps('js', shape, op);
  const [nf, nbw] = timeOps('native', shape, op);
  ours.set(`${name} fwd`, { js: jf, native: nf });
  ours.set(`${name} fwd+bwd`, { js: jb, native: nbw });
}
E.setBackend('native');
const torch = values['no-torch']
  ? null
  : runChild(python, [join(here, 'pool_torch.py'), '--threads', String(threads), '--reps', String(reps), '--clock', clock], 'PyTorch');
const onednn = values.onednn ? runChild(values.onednn, [String(reps), clock], 'oneDNN') : null;

const ms = (s: number | undefined): string => (s === undefined ? '–' : (s * 1e3).toFixed(3));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '–' : (a / b).toFixed(2));
if (!values.json) {
  console.log(
    `native backend: ${nativeInfo()}; ${threads} thread(s) everywhere; ${clock} time, medians of ${reps} after 3 warm-up calls (ms)`,
  );
  const head = ['workload', 'js', 'native', 'torch', 'oneDNN', 'js/native', 'native/torch', 'native/oneDNN'];
  console.log(
    `${head[0]!.padEnd(34)}${head
      .slice(1)
      .map((h) => h.padStart(13))
      .join('')}`,
  );
}
for (const [workload, t] of ours) {
  const torchS = torch?.get(workload);
  const onednnS = onednn?.get(workload);
  if (values.json) {
    console.log(JSON.stringify({ workload, js_s: t.js, native_s: t.native, torch_s: torchS ?? null, onednn_s: onednnS ?? null }));
    continue;
  }
  const cells = [ms(t.js), ms(t.native), ms(torchS), ms(onednnS), ratio(t.js, t.native), ratio(t.native, torchS), ratio(t.native, onednnS)];
  console.log(`${workload.padEnd(34)}${cells.map((c) => c.padStart(13)).join('')}`);
}
