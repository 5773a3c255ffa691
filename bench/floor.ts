/**
 * The oneDNN floor of a training step (issue: speed measured against the hardware, not only
 * against PyTorch): the convolutions and matrix products our engine runs in one step, recorded
 * here, then timed as bare oneDNN primitives in their best layouts by bench/onednn_floor.cc.
 * Our step time divided by that sum says how far the whole engine is from its kernels' floor.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBackend, useBackend } from '../src/engine/index.js';
import { getConvAlgorithm } from '../src/engine/native/index.js';
import { geometryArgs } from '../src/engine/native/kernels.js';
import { medianTime } from './timing.js';
import type { Backend, BlockedKernels, Conv2dGeometry } from '../src/engine/backend.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * onednn_floor.cc's input for one run of `step`: a line per distinct op with how often the step ran
 * it, then a `sequence` line with the step's calls in the order it made them (indices of those lines).
 */
export function recordOps(step: () => void): string[] {
  // each distinct op's index, in the order first seen, and the step's calls as those indices
  const index = new Map<string, number>();
  const order: number[] = [];
  const add = (line: string) => {
    if (!index.has(line)) index.set(line, index.size);
    order.push(index.get(line)!);
  };
  const geometry = (g: Conv2dGeometry) => geometryArgs(g).join(' ');
  // one line per op, whichever entry point (plain or blocked) ran it
  const fwd = (g: Conv2dGeometry, bias: unknown) => add(`conv_fwd ${geometry(g)} ${Number(bias !== null)}`);
  const bwdData = (g: Conv2dGeometry) => add(`conv_bwd_data ${geometry(g)} 0`);
  const bwdWeights = (g: Conv2dGeometry, dbias: unknown) => add(`conv_bwd_weights ${geometry(g)} ${Number(dbias !== null)}`);
  const base = getBackend();
  const blocked = base.blocked;
  const recording: Backend = {
    ...base,
    gemm(tA, tB, m, n, k, a, b, c, acc) {
      add(`gemm ${Number(tA)} ${Number(tB)} ${m} ${n} ${k}`);
      base.gemm(tA, tB, m, n, k, a, b, c, acc);
    },
    conv2d(g, x, w, bias, y) {
      fwd(g, bias);
      base.conv2d(g, x, w, bias, y);
    },
    conv2dBackwardData(g, dy, w, dx) {
      bwdData(g);
      base.conv2dBackwardData(g, dy, w, dx);
    },
    conv2dBackwardWeights(g, x, dy, dw, dbias) {
      bwdWeights(g, dbias);
      base.conv2dBackwardWeights(g, x, dy, dw, dbias);
    },
    ...(blocked && {
      blocked: {
        ...blocked,
        conv2dBlocked(g, x, xBlock, w, bias, y, yBlock, slope) {
          fwd(g, bias);
          blocked.conv2dBlocked(g, x, xBlock, w, bias, y, yBlock, slope);
        },
        conv2dBackwardDataBlocked(g, dy, dyBlock, w, dx, dxBlock) {
          bwdData(g);
          blocked.conv2dBackwardDataBlocked(g, dy, dyBlock, w, dx, dxBlock);
        },
        conv2dBackwardWeightsBlocked(g, x, xBlock, dy, dyBlock, dw, dbias) {
          bwdWeights(g, dbias);
          blocked.conv2dBackwardWeightsBlocked(g, x, xBlock, dy, dyBlock, dw, dbias);
        },
      } satisfies BlockedKernels,
    }),
  };
  const before = useBackend(recording);
  try {
    step();
  } finally {
    useBackend(before);
  }
  const counts = new Array<number>(index.size).fill(0);
  for (const i of order) counts[i]!++;
  return [...[...index.keys()].map((line, i) => `${line} ${counts[i]}`), `sequence ${order.join(' ')}`];
}

/** The kernels that stay real in `fusionBound`: the floor's own work and the plain ↔ blocked reorders around it. */
const BOUND_KERNELS = new Set([
  'gemm',
  'convBlocks',
  'conv2d',
  'conv2dBackwardData',
  'conv2dBackwardWeights',
  'conv2dBlocked',
  'conv2dBackwardDataBlocked',
  'conv2dBackwardWeightsBlocked',
  'reorderBlocked',
]);

/** `b` with every kernel but the convolutions, products and plain ↔ blocked reorders a no-op (activations become garbage). */
function convolutionsOnly(b: Backend): Backend {
  const strip = (o: object): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(o).map(([k, v]) => [
        k,
        typeof v === 'function' && !BOUND_KERNELS.has(k) ? () => undefined : k === 'blocked' && v ? strip(v as object) : v,
      ]),
    );
  return strip(b) as unknown as Backend;
}

/**
 * How much of a step the convolutions, products, layout reorders and JavaScript take: the median
 * over `pairs` of (step time with every other kernel a no-op) / (the whole step's time), the two
 * timed in turn (`reps` steps each). It bounds what fusing the element-wise work, batch norm, the
 * optimiser and the rest into other kernels could save. Run it last: the no-op kernels leave
 * garbage in batch norm's running statistics and in the stripped steps' activations and gradients.
 * The parameters and the optimiser's state stay as they were (Adam is one of the skipped kernels),
 * so the whole steps in between compute on real weights.
 */
export function fusionBound(step: () => void, pairs = 3, reps = 5): number {
  const base = getBackend();
  const bound = convolutionsOnly(base);
  const timing = { reps, warmup: 0 };
  const ratios: number[] = [];
  try {
    for (let p = 0; p < pairs; p++) {
      useBackend(base);
      const whole = medianTime(step, timing);
      useBackend(bound);
      ratios.push(medianTime(step, timing) / whole);
    }
  } finally {
    useBackend(base);
  }
  return ratios.sort((a, b) => a - b)[pairs >> 1]!;
}

export interface Floor {
  /** Σ over the recorded ops of (how often the step ran it) × (its median alone, hot in cache). */
  readonly floorS: number;
  /** The median of the step's calls run back to back in its order, each op on its own memory (caches as a step leaves them). */
  readonly sequenceS: number;
  /**
   * The floor with each convolution on the faster of direct and Winograd where both exist (the
   * engine's choice is a fixed rule, native/conv_algorithm.h): what a perfect choice would give.
   */
  readonly bestS: number;
  /** Floating-point operations of the recorded convolutions and products (direct's count, also for Winograd). */
  readonly flops: number;
}

/** The floor program, compiled on first use (and again when its source changes); null with the reason when it cannot be. */
function floorBinary(): { path: string } | { error: string } {
  const src = join(root, 'bench', 'onednn_floor.cc');
  const bin = join(root, 'build', 'onednn_floor');
  const sources = [src, join(root, 'bench', 'onednn_timing.h'), join(root, 'native', 'conv_algorithm.h')];
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  if (existsSync(bin) && statSync(bin).mtimeMs >= newest) return { path: bin };
  mkdirSync(dirname(bin), { recursive: true });
  const r = spawnSync('g++', ['-O3', '-std=c++17', '-fopenmp', src, '-ldnnl', '-o', bin], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0)
    return { error: `cannot build bench/onednn_floor.cc (${(r.stderr || String(r.error)).split('\n')[0]})` };
  return { path: bin };
}

/** Times the recorded ops as bare oneDNN primitives on `threads` threads. */
export function oneDnnFloor(ops: readonly string[], threads: number): Floor | { error: string } {
  const bin = floorBinary();
  if ('error' in bin) return bin;
  const r = spawnSync(bin.path, ['20'], {
    input: ops.join('\n') + '\n',
    encoding: 'utf8',
    // the engine's algorithm mode, also when set in code (setConvAlgorithm), so the floor runs what the step ran
    env: { ...process.env, OMP_NUM_THREADS: String(threads), PEGASUS_CONV_ALGORITHM: getConvAlgorithm() },
  });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !last.startsWith('{"floor_s"')) return { error: (r.stderr || `exit ${r.status}`).trim().split('\n')[0]! };
  const o = JSON.parse(last) as { floor_s: number; sequence_s: number; best_s: number; flops: number };
  return { floorS: o.floor_s, sequenceS: o.sequence_s, bestS: o.best_s, flops: o.flops };
}
