/**
 * Loading the compiled addon (build/Release/pegasus_native.node, built by scripts/build-native.mjs
 * from native/*.cc) and its raw calling convention.
 *
 * NOTE: Node-only (createRequire); the engine imports this folder dynamically and falls back to
 * the js backend wherever it cannot load (browsers, a checkout without oneDNN).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The addon's exports, exactly as native/*.cc registers them. Only Float32Array is accepted;
 * conv geometry travels as 13 integers in Conv2dGeometry's field order.
 */
export interface NativeAddon {
  setNumThreads(n: number): void;
  getNumThreads(): number;
  info(): string;
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    accumulate: boolean,
  ): void;
  conv2d(...args: [...GeometryArgs, Float32Array, Float32Array, Float32Array | null, Float32Array]): void;
  conv2dBackwardData(...args: [...GeometryArgs, Float32Array, Float32Array, Float32Array]): void;
  conv2dBackwardWeights(...args: [...GeometryArgs, Float32Array, Float32Array, Float32Array, Float32Array | null]): void;
  batchNorm(
    n: number,
    c: number,
    hw: number,
    x: Float32Array,
    gamma: Float32Array | null,
    beta: Float32Array | null,
    eps: number,
    training: boolean,
    mean: Float32Array,
    invStd: Float32Array,
    y: Float32Array,
  ): void;
  batchNormBackward(
    n: number,
    c: number,
    hw: number,
    x: Float32Array,
    dy: Float32Array,
    gamma: Float32Array | null,
    mean: Float32Array,
    invStd: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array | null,
    dbeta: Float32Array | null,
  ): void;
  unary(op: string, x: Float32Array, y: Float32Array, alpha: number): void;
  unaryBackward(op: string, x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array, alpha: number): void;
  binary(
    op: string,
    a: Float32Array,
    aStrides: readonly number[],
    b: Float32Array,
    bStrides: readonly number[],
    out: Float32Array,
    outShape: readonly number[],
  ): void;
  reduce(op: string, x: Float32Array, outer: number, axis: number, inner: number, y: Float32Array): void;
  reduceMaxBackward(x: Float32Array, y: Float32Array, dy: Float32Array, outer: number, axis: number, inner: number, dx: Float32Array): void;
  permute(x: Float32Array, shape: readonly number[], perm: readonly number[], y: Float32Array): void;
  adam(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: boolean,
    step: number,
  ): void;
  pool2d(nc: number, h: number, w: number, k: number, x: Float32Array, y: Float32Array, scale: number): void;
  upsample2d(nc: number, h: number, w: number, k: number, x: Float32Array, y: Float32Array, scale: number): void;
  maxPool2d(nc: number, h: number, w: number, k: number, x: Float32Array, y: Float32Array): void;
  maxPool2dBackward(
    nc: number,
    h: number,
    w: number,
    k: number,
    x: Float32Array,
    y: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
  ): void;
  softmax(log: boolean, x: Float32Array, outer: number, axis: number, inner: number, y: Float32Array): void;
  softmaxBackward(log: boolean, y: Float32Array, dy: Float32Array, outer: number, axis: number, inner: number, dx: Float32Array): void;
  channelAffine(
    n: number,
    c: number,
    hw: number,
    block: number,
    x: Float32Array,
    scale: Float32Array,
    shift: Float32Array,
    slope: number,
    y: Float32Array,
  ): void;
  channelAffineBackward(
    n: number,
    c: number,
    hw: number,
    block: number,
    x: Float32Array,
    scale: Float32Array,
    y: Float32Array | null,
    slope: number,
    dy: Float32Array,
    dx: Float32Array,
    dscale: Float32Array,
    dshift: Float32Array,
  ): void;
  batchNormAffine(
    n: number,
    c: number,
    hw: number,
    block: number,
    x: Float32Array,
    scale: Float32Array,
    shift: Float32Array,
    slope: number,
    eps: number,
    mean: Float32Array,
    invStd: Float32Array,
    y: Float32Array,
  ): void;
  batchNormAffineBackward(
    n: number,
    c: number,
    hw: number,
    block: number,
    x: Float32Array,
    scale: Float32Array,
    y: Float32Array | null,
    slope: number,
    dy: Float32Array,
    mean: Float32Array,
    invStd: Float32Array,
    dx: Float32Array,
    dscale: Float32Array,
    dshift: Float32Array,
  ): void;
  convBlocks(...args: [...GeometryArgs, Float32Array]): void;
  convWinograd(...args: [...GeometryArgs, Float32Array, number]): void;
  setConvAlgorithm(mode: string): void;
  conv2dBlocked(...args: [...GeometryArgs, Float32Array, number, Float32Array, Float32Array | null, Float32Array, number, number]): void;
  conv2dBackwardDataBlocked(...args: [...GeometryArgs, Float32Array, number, Float32Array, Float32Array, number]): void;
  conv2dBackwardWeightsBlocked(
    ...args: [...GeometryArgs, Float32Array, number, Float32Array, number, Float32Array, Float32Array | null]
  ): void;
  reorderBlocked(n: number, c: number, h: number, w: number, fromBlock: number, x: Float32Array, toBlock: number, y: Float32Array): void;
  pool2dBlocked(planes: number, h: number, w: number, k: number, block: number, x: Float32Array, y: Float32Array, scale: number): void;
  upsample2dBlocked(planes: number, h: number, w: number, k: number, block: number, x: Float32Array, y: Float32Array, scale: number): void;
}

/** n, cIn, hIn, wIn, cOut, kH, kW, strideH, strideW, padH, padW, hOut, wOut */
export type GeometryArgs = [number, number, number, number, number, number, number, number, number, number, number, number, number];

/** Where the addon lives: <repo>/build/Release, three folders above src/engine/native (or dist/…). */
export const addonPath = fileURLToPath(new URL('../../../build/Release/pegasus_native.node', import.meta.url));

let loaded: NativeAddon | null | undefined;
let loadError: string | null = null;

/**
 * Node's sampling profilers (`--cpu-prof`, `--prof`) interrupt the main thread with SIGPROF, and
 * one landing inside oneDNN's AVX-512 sgemm corrupts the heap: the process aborts a few steps
 * later (docs/lab/2026-12-06-resampling-convs.md). Under those flags this limits oneDNN to its
 * AVX2 kernels, which run clean, unless ONEDNN_MAX_CPU_ISA (or DNNL_MAX_CPU_ISA) is already set.
 * Returns the notice to print, or null when nothing changed.
 */
export function guardProfilerSignals(execArgv: readonly string[], env: Record<string, string | undefined>): string | null {
  const profiled = execArgv.some((a) => a === '--prof' || a === '--cpu-prof');
  if (!profiled || env.ONEDNN_MAX_CPU_ISA !== undefined || env.DNNL_MAX_CPU_ISA !== undefined) return null;
  env.ONEDNN_MAX_CPU_ISA = 'AVX2';
  return 'pegasus: a sampling profiler is on (--cpu-prof or --prof), so oneDNN runs its AVX2 kernels (its AVX-512 sgemm aborts under the profiler); set ONEDNN_MAX_CPU_ISA to choose';
}

/** The addon, loaded once; null (with the reason in `addonLoadError()`) when it cannot load. */
export function loadAddon(): NativeAddon | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (!existsSync(addonPath)) {
    loadError = 'the addon is not built (run `npm rebuild` with libdnnl-dev installed)';
    return null;
  }
  // before oneDNN first reads its environment (at the first kernel)
  const notice = guardProfilerSignals(process.execArgv, process.env);
  if (notice !== null) process.stderr.write(`${notice}\n`);
  try {
    loaded = createRequire(import.meta.url)(addonPath) as NativeAddon;
  } catch (e) {
    loadError = `the addon failed to load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }
  return loaded;
}

/** Why `loadAddon()` returned null, or null when it loaded (or was never tried). */
export function addonLoadError(): string | null {
  return loadError;
}
