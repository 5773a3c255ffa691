/**
 * `npm run bench`: the workloads of ../shared/bench/workloads.md on the native backend, side by
 * side with PyTorch (torch_reference.py, run in the same invocation when /usr/bin/python3 has
 * torch), as a table of medians and the ratio ours/PyTorch (below 1.0: faster than PyTorch).
 *
 *   npm run bench                      # the table
 *   npm run bench -- --json            # one JSON object a line: workload, ours_s, torch_s, ratio
 *   npm run bench -- --threads 2 --no-torch
 *   npm run bench -- --no-diffusion    # skip the diffusion rows (bench/diffusion.ts), the slowest part
 *   npm run bench -- --rounds 5        # kernels and PyTorch alternate 5 times; ratio = median of paired ratios
 *   npm run bench -- --floor-passes 3  # step and oneDNN floor alternate 3 times (best of each)
 *
 * dcgan_step_b64 and cgan_update (one update of the committed Pegasus model's configuration) run in
 * their own child processes (bench/dcgan-step.ts, bench/cgan-step.ts) so that peak memory is a
 * whole process's, like the Python side's. For both, the convolutions and products of one step are
 * also timed as bare oneDNN primitives (bench/floor.ts, bench/onednn_floor.cc): `floor_s`, our time
 * over it (`floor_ratio`) and the GFLOP/s our step achieves on those ops (`gflops`); step and floor
 * alternate (`--floor-passes`, 3) and each keeps its best median. `floor_sequence_s` (and our time
 * over it) times the same ops back to back as one sequence, in the order the step called them, each
 * op on its own memory, so that each call starts with the caches the calls before it left,
 * where `floor_s` sums each op's time hot in cache. `fusion_bound_ratio` is the
 * floor ratio the step would have with every kernel but the convolutions, products and reorders
 * skipped (bench/floor.ts fusionBound): the most that fusing the rest into them could reach.
 * Each floor convolution runs the algorithm the engine runs for it (direct or Winograd,
 * native/conv_algorithm.h); `floor_best_s` is the floor with each on the faster of the two.
 */
import { parseArgs } from 'node:util';
import { loadNativeBackend, nativeInfo, nativeLoadError, setNumThreads } from '../src/engine/native/index.js';
import { benchKernels } from './kernels.js';
import { runStepChild, type StepResult } from './step-child.js';
import { oneDnnFloor, type Floor } from './floor.js';
import { readFileSync } from 'node:fs';
import { benchDiffusion } from './diffusion.js';
import { findTorchReference, runTorchReference, torchIdentity, torchUnavailable, type TorchResult } from './torch.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false }, // JSON lines instead of the table
    threads: { type: 'string', default: '2' }, // threads on both sides (workloads.md: 2)
    'no-torch': { type: 'boolean', default: false }, // skip the PyTorch reference
    'no-dcgan': { type: 'boolean', default: false }, // skip the DCGAN step (kernels only)
    'no-diffusion': { type: 'boolean', default: false }, // skip the diffusion U-Net rows
    rounds: { type: 'string', default: '1' }, // alternate our kernels and PyTorch this many times (see below)
    'floor-passes': { type: 'string', default: '3' }, // step, floor, step, floor, …: the best of each (see stepAndFloor)
  },
});
const threads = Number(values.threads);
const rounds = Number(values.rounds);
const floorPasses = Number(values['floor-passes']);
for (const [flag, v, raw] of [
  ['--threads', threads, values.threads],
  ['--rounds', rounds, values.rounds],
  ['--floor-passes', floorPasses, values['floor-passes']],
] as const) {
  if (!Number.isInteger(v) || v < 1) {
    console.error(`bench: ${flag} must be a positive integer, got "${raw}"`);
    process.exit(2);
  }
}

const backend = loadNativeBackend();
if (!backend) {
  console.error(`bench: the native backend is not available (${nativeLoadError()}); build it with \`npm rebuild\``);
  process.exit(1);
}
setNumThreads(threads);
const log = (s: string): void => {
  if (!values.json) console.error(s);
};
const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown CPU';
const torchId = values['no-torch'] ? null : torchIdentity();
log(`native backend: ${nativeInfo()}`);
log(`CPU: ${cpu}; PyTorch reference: ${torchId ?? 'none'}`);

interface Row {
  workload: string;
  ours_s: number | null;
  torch_s: number | null;
  ratio: number | null;
  ours_peak_mib?: number;
  torch_peak_mib?: number;
  peak_ratio?: number;
  note?: string;
  ours_images_per_s?: number;
  torch_images_per_s?: number;
  floor_s?: number;
  floor_ratio?: number;
  gflops?: number;
  floor_gflops?: number;
  floor_sequence_s?: number;
  floor_sequence_ratio?: number;
  floor_best_s?: number;
  fusion_bound_ratio?: number;
}
const rows: Row[] = [];

const KERNELS = ['conv_fwd', 'conv_fwd_bwd', 'sgemm_1024'];
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
log('timing conv_fwd, conv_fwd_bwd, sgemm_1024 …');
const ours = benchKernels('native');
// NOTE: the machine's speed drifts between our phase and PyTorch's (one run measured sgemm at 1.25,
// the next at 1.61, PyTorch's own time moving 12.8 → 14.9 ms). With --rounds N the kernels and
// torch_reference.py alternate N times and each kernel's ratio is the median of the N paired
// ratios, so a drift slower than a round cancels.
const oursRounds: Map<string, number>[] = [ours];
let dcganNote: string | undefined;
let oursPeakMiB: number | undefined;
/** The oneDNN floor of each step workload (or why there is none). */
const floors = new Map<
  string,
  | {
      floor_s: number;
      floor_ratio: number;
      gflops: number;
      floor_gflops: number;
      floor_sequence_s: number;
      floor_sequence_ratio: number;
      floor_best_s: number;
      fusion_bound_ratio?: number;
    }
  | { note: string }
>();
const stepRows: Row[] = [];
/**
 * A step workload and its oneDNN floor, alternated `floorPasses` times (step, floor, step, floor):
 * each side keeps its best median. The speed of these shared machines drifts by tens of percent
 * within minutes; alternating and keeping the best of each side measures both near the machine's
 * fastest state instead of comparing a slow moment of one with a fast moment of the other.
 */
function stepAndFloor(file: string, workload: string): StepResult {
  let best: Extract<StepResult, { medianS: number }> | null = null;
  let floor: Floor | { error: string } | null = null;
  let sequenceS = Infinity;
  for (let pass = 1; pass <= floorPasses; pass++) {
    log(`timing ${workload} (child process, pass ${pass} of ${floorPasses}) …`);
    const r = runStepChild(file, threads);
    if ('error' in r) return r;
    if (best === null || r.medianS < best.medianS) best = r;
    log(`timing the oneDNN floor of ${workload} (${r.ops.length - 1} distinct ops, pass ${pass} of ${floorPasses}) …`);
    const f = oneDnnFloor(r.ops, threads);
    if ('error' in f) floor = f;
    else {
      if (floor === null || ('floorS' in floor && f.floorS < floor.floorS)) floor = f;
      sequenceS = Math.min(sequenceS, f.sequenceS);
    }
  }
  const step = best!;
  if (floor === null || 'error' in floor) floors.set(workload, { note: `no oneDNN floor: ${floor?.error ?? 'not run'}` });
  else {
    floors.set(workload, {
      floor_s: floor.floorS,
      floor_ratio: step.medianS / floor.floorS,
      gflops: floor.flops / step.medianS / 1e9,
      floor_gflops: floor.flops / floor.floorS / 1e9,
      floor_sequence_s: sequenceS,
      floor_sequence_ratio: step.medianS / sequenceS,
      floor_best_s: floor.bestS,
      ...(step.boundFraction !== undefined && { fusion_bound_ratio: (step.boundFraction * step.medianS) / floor.floorS }),
    });
  }
  return step;
}
if (!values['no-dcgan']) {
  const r = stepAndFloor('dcgan-step.ts', 'dcgan_step_b64');
  if ('error' in r) dcganNote = r.error;
  else {
    ours.set('dcgan_step_b64', r.medianS);
    oursPeakMiB = r.peakMiB;
  }
  const c = stepAndFloor('cgan-step.ts', 'cgan_update');
  if ('error' in c) stepRows.push({ workload: 'cgan_update', ours_s: null, torch_s: null, ratio: null, note: c.error });
  else {
    stepRows.push({
      workload: 'cgan_update',
      ours_s: c.medianS,
      torch_s: null,
      ratio: null,
      ours_peak_mib: Math.round(c.peakMiB),
      ...(c.imagesPerS !== undefined && { ours_images_per_s: c.imagesPerS }),
      ...floors.get('cgan_update'),
    });
  }
}

let torch: TorchResult | null = null;
let torchNote: string | undefined;
/** Median of the per-round ratios of each kernel (only with --rounds > 1). */
const pairedRatio = new Map<string, number>();
if (!values['no-torch']) {
  const script = findTorchReference();
  const why = script ? torchUnavailable() : 'torch_reference.py not found (set PEGASUS_TORCH_REFERENCE)';
  if (why || !script) torchNote = why ?? undefined;
  else {
    log(`running ${script} …`);
    try {
      torch = runTorchReference(script, threads);
      const torchRounds = [torch];
      for (let r = 1; r < rounds; r++) {
        log(`round ${r + 1}/${rounds}: kernels, then ${script} …`);
        oursRounds.push(benchKernels('native'));
        torchRounds.push(runTorchReference(script, threads));
      }
      if (rounds > 1) {
        const med = new Map(torch.medians);
        for (const w of KERNELS) {
          const pairs = oursRounds
            .map((o, r) => [o.get(w), torchRounds[r]!.medians.get(w)] as const)
            .filter((p): p is readonly [number, number] => p[0] !== undefined && p[1] !== undefined);
          if (pairs.length === 0) continue;
          pairedRatio.set(w, median(pairs.map(([o, t]) => o / t)));
          ours.set(w, median(pairs.map(([o]) => o)));
          med.set(w, median(pairs.map(([, t]) => t)));
        }
        const dc = torchRounds.flatMap((t) => t.medians.get('dcgan_step_b64') ?? []);
        if (dc.length > 0) med.set('dcgan_step_b64', median(dc));
        torch = { ...torch, medians: med };
      }
    } catch (e) {
      torchNote = e instanceof Error ? e.message : String(e);
    }
  }
}

for (const workload of ['conv_fwd', 'conv_fwd_bwd', 'sgemm_1024', 'dcgan_step_b64']) {
  const o = ours.get(workload) ?? null;
  const t = torch?.medians.get(workload) ?? null;
  const row: Row = { workload, ours_s: o, torch_s: t, ratio: pairedRatio.get(workload) ?? (o !== null && t !== null ? o / t : null) };
  if (workload === 'dcgan_step_b64') {
    if (oursPeakMiB !== undefined) row.ours_peak_mib = Math.round(oursPeakMiB);
    if (torch) row.torch_peak_mib = Math.round(torch.peakMiB);
    if (oursPeakMiB !== undefined && torch) row.peak_ratio = oursPeakMiB / torch.peakMiB;
    if (dcganNote) row.note = dcganNote;
    Object.assign(row, floors.get('dcgan_step_b64'));
  }
  rows.push(row);
}
rows.push(...stepRows);

if (!values['no-diffusion']) {
  // The `cpu` diffusion U-Net, ours and the identical network in PyTorch (bench/diffusion_torch.py).
  log('timing diffusion_train_b32 and diffusion_sample_64x18 (ours, then PyTorch) …');
  for (const r of benchDiffusion({ threads, batch: 32, n: 64, steps: 18, reps: 5, torch: !values['no-torch'] })) rows.push({ ...r });
}

const fmt = (v: number | null | undefined, digits: number): string => (v === null || v === undefined ? '–' : v.toFixed(digits));
if (values.json) {
  for (const r of rows) console.log(JSON.stringify({ ...r, cpu, torch: torchId }));
} else {
  console.log(
    `\n${'workload'.padEnd(24)} ${'ours (s)'.padStart(10)} ${'torch (s)'.padStart(10)} ${'ours/torch'.padStart(10)} ${'ours img/s'.padStart(11)} ${'torch img/s'.padStart(11)}` +
      ` ${'floor (s)'.padStart(10)} ${'ours/floor'.padStart(10)} ${'GFLOP/s'.padStart(8)}`,
  );
  for (const r of rows) {
    console.log(
      `${r.workload.padEnd(24)} ${fmt(r.ours_s, 4).padStart(10)} ${fmt(r.torch_s, 4).padStart(10)} ${fmt(r.ratio, 2).padStart(10)} ` +
        `${fmt(r.ours_images_per_s, 1).padStart(11)} ${fmt(r.torch_images_per_s, 1).padStart(11)} ` +
        `${fmt(r.floor_s, 4).padStart(10)} ${fmt(r.floor_ratio, 2).padStart(10)} ${fmt(r.gflops, 1).padStart(8)}`,
    );
  }
  for (const [w, f] of floors) {
    if ('note' in f) console.log(`${w}: ${f.note}`);
    else {
      console.log(
        `${w}: the floor's ops back to back (each on its own memory, after the others) ` +
          `${fmt(f.floor_sequence_s, 4)} s, ours/that ${fmt(f.floor_sequence_ratio, 2)}; ` +
          `with every other kernel skipped (what fusing all of it could reach) ours/floor ${fmt(f.fusion_bound_ratio, 2)}; ` +
          `each convolution on the faster of direct and Winograd ${fmt(f.floor_best_s, 4)} s`,
      );
    }
  }
  console.log(`CPU: ${cpu}; PyTorch reference: ${torchId ?? 'none'}`);
  const diffusionNote = rows.find((r) => r.workload.startsWith('diffusion_') && r.note !== undefined)?.note;
  if (diffusionNote) console.log(`diffusion rows: ${diffusionNote}`);
  const d = rows.find((r) => r.workload === 'dcgan_step_b64');
  if (d?.ours_peak_mib !== undefined || d?.torch_peak_mib !== undefined) {
    console.log(
      `\npeak memory (whole process): ours ${d.ours_peak_mib ?? '–'} MiB (DCGAN step process), ` +
        `torch ${d.torch_peak_mib ?? '–'} MiB (torch_reference.py), ratio ${fmt(d.peak_ratio, 2)}`,
    );
  }
  if (dcganNote) console.log(`dcgan_step_b64 (ours) not measured: ${dcganNote}`);
  if (torchNote) console.log(`PyTorch reference not run: ${torchNote}`);
  console.log(
    `threads: ${threads} on both sides; medians after warm-up, as torch_reference.py` +
      (rounds > 1 ? `; kernel ratios: median of ${rounds} alternating rounds` : ''),
  );
}
