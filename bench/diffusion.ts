/**
 * The diffusion workloads, ours (native backend) beside the identical PyTorch network
 * (bench/diffusion_torch.py) in one invocation:
 *
 *   diffusion_train_b32     one training update of the `cpu` U-Net on 32 images (EDM loss, Adam,
 *                           gradient clipping); median of --reps; reported also as images/second
 *   diffusion_sample_64x18  64 images with EDM's Heun sampler at the default 18 steps (35 network
 *                           evaluations) and guidance on one class (2 terms per image); one run
 *
 *   node --import tsx bench/diffusion.ts [--threads 2] [--n 64] [--steps 18] [--batch 32] [--reps 5] [--no-torch] [--json]
 *
 * `benchDiffusion` is exported so that bench/index.ts can add these rows to its table.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng, setBackend } from '../src/engine/index.js';
import { loadNativeBackend, setNumThreads } from '../src/engine/native/index.js';
import { resolveDiffusionConfig } from '../src/diffusion/resolve.js';
import { sampleDiffusion } from '../src/diffusion/sample.js';
import { createDiffusionSession, diffusionTrainStep } from '../src/diffusion/trainStep.js';
import { medianTime } from './timing.js';
import { python } from './torch.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface DiffusionBenchOptions {
  readonly threads: number; // threads on both sides
  readonly batch: number; // training images per update
  readonly n: number; // images sampled
  readonly steps: number; // Heun steps
  readonly reps: number; // timed training updates (after one warm-up)
  readonly torch: boolean; // also run bench/diffusion_torch.py
}

export interface DiffusionBenchRow {
  readonly workload: string;
  readonly ours_s: number | null;
  readonly torch_s: number | null;
  readonly ratio: number | null; // ours / torch: below 1 is faster than PyTorch
  readonly ours_images_per_s?: number;
  readonly torch_images_per_s?: number;
  readonly note?: string;
}

/** Runs both workloads on our side, then (optionally) PyTorch's, and pairs them up. */
export function benchDiffusion(o: DiffusionBenchOptions): DiffusionBenchRow[] {
  if (loadNativeBackend() !== null) {
    setBackend('native');
    setNumThreads(o.threads);
  }
  const config = resolveDiffusionConfig('cpu', { batchSize: o.batch });
  const s = createDiffusionSession(config, new Rng(1));
  const rng = new Rng(2);
  const per = 3 * 32 * 32;
  const images = Float32Array.from({ length: o.batch * per }, () => rng.uniform() * 2 - 1);
  const labels = Int32Array.from({ length: o.batch }, () => rng.int(config.unet.numClasses));
  const trainS = medianTime(() => void diffusionTrainStep(s, images, labels), { reps: o.reps, warmup: 1 });

  s.net.eval();
  const t0 = performance.now();
  sampleDiffusion(s.net, config.edm, {
    concepts: [{ classIndex: 0, weight: 2 }],
    seeds: Array.from({ length: o.n }, (_, i) => i),
    steps: o.steps,
    sampler: 'heun',
  });
  const sampleS = (performance.now() - t0) / 1000;

  const torch = o.torch ? runTorch(o) : { error: 'skipped (--no-torch)' };
  const t = 'error' in torch ? null : torch;
  const note = 'error' in torch ? `PyTorch: ${torch.error}` : undefined;
  const trainName = `diffusion_train_b${o.batch}`;
  const sampleName = `diffusion_sample_${o.n}x${o.steps}`;
  const row = (workload: string, ours: number, theirs: number | null | undefined, count: number): DiffusionBenchRow => ({
    workload,
    ours_s: ours,
    torch_s: theirs ?? null,
    ratio: theirs ? ours / theirs : null,
    ours_images_per_s: count / ours,
    ...(theirs ? { torch_images_per_s: count / theirs } : {}),
    ...(note !== undefined && { note }),
  });
  return [row(trainName, trainS, t?.get(trainName), o.batch), row(sampleName, sampleS, t?.get(sampleName), o.n)];
}

function runTorch(o: DiffusionBenchOptions): Map<string, number> | { error: string } {
  const args = [
    join(here, 'diffusion_torch.py'),
    '--threads',
    String(o.threads),
    '--batch',
    String(o.batch),
    '--n',
    String(o.n),
    '--steps',
    String(o.steps),
    '--reps',
    String(o.reps),
  ];
  const r = spawnSync(python, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(o.threads) }, maxBuffer: 1 << 24 });
  if (r.status !== 0) return { error: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(-1)[0]! };
  const out = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const j = JSON.parse(line) as { workload: string; seconds: number };
    out.set(j.workload, j.seconds);
  }
  return out;
}

const isMain = process.argv[1] !== undefined && /bench[\\/]diffusion\.ts$/.test(process.argv[1]);
if (isMain) {
  const { values } = parseArgs({
    options: {
      threads: { type: 'string', default: '2' },
      batch: { type: 'string', default: '32' },
      n: { type: 'string', default: '64' },
      steps: { type: 'string', default: '18' },
      reps: { type: 'string', default: '5' },
      'no-torch': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const num = (k: keyof typeof values): number => {
    const v = Number(values[k]);
    if (!Number.isInteger(v) || v < 1) {
      console.error(`bench/diffusion: --${k} must be a positive integer, got "${String(values[k])}"`);
      process.exit(2);
    }
    return v;
  };
  const rows = benchDiffusion({
    threads: num('threads'),
    batch: num('batch'),
    n: num('n'),
    steps: num('steps'),
    reps: num('reps'),
    torch: !values['no-torch'],
  });
  const f = (v: number | null | undefined, d: number) => (v === null || v === undefined ? '–' : v.toFixed(d));
  if (values.json) for (const r of rows) console.log(JSON.stringify(r));
  else {
    console.log(
      `${'workload'.padEnd(24)} ${'ours (s)'.padStart(9)} ${'torch (s)'.padStart(9)} ${'ours/torch'.padStart(10)} ${'ours img/s'.padStart(10)} ${'torch img/s'.padStart(11)}`,
    );
    for (const r of rows) {
      console.log(
        `${r.workload.padEnd(24)} ${f(r.ours_s, 2).padStart(9)} ${f(r.torch_s, 2).padStart(9)} ${f(r.ratio, 2).padStart(10)} ${f(r.ours_images_per_s, 2).padStart(10)} ${f(r.torch_images_per_s, 2).padStart(11)}`,
      );
    }
    if (rows[0]?.note) console.log(rows[0].note);
  }
}
