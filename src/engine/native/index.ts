/**
 * The native backend: the js backend with its hot float32 kernels replaced by a Node-API addon
 * over oneDNN (native/*.cc). Selected by src/engine/backends/index.ts when it loads.
 *
 * @example
 * const native = loadNativeBackend();
 * if (!native) console.warn(nativeLoadError());
 */
import type { Backend } from '../backend.js';
import { jsBackend } from '../backends/js.js';
import { addonLoadError, loadAddon } from './addon.js';
import { blockedKernels, forgetConvBlocks, geometryArgs, kernelsPresentIn, nativeKernels } from './kernels.js';
import type { Conv2dGeometry } from '../backend.js';

let backend: Backend | null | undefined;

/** The native backend, or null when the addon is missing or fails to load (see nativeLoadError). */
export function loadNativeBackend(): Backend | null {
  if (backend !== undefined) return backend;
  const addon = loadAddon();
  if (!addon) return (backend = null);
  const { kernels, missing } = kernelsPresentIn(addon, nativeKernels(addon, jsBackend));
  if (missing.length > 0) {
    console.warn(
      `pegasus: the native addon is older than the sources (no ${missing.join(', ')}; those run on js); rebuild it: npm rebuild`,
    );
  }
  // Activations stay channel-blocked between convolutions unless PEGASUS_BLOCKED=0 (plain NCHW
  // everywhere, the layout before this existed: for comparisons) or the addon predates it.
  const useBlocked = process.env.PEGASUS_BLOCKED !== '0' && typeof addon.reorderBlocked === 'function';
  backend = { ...jsBackend, ...kernels, name: 'native', ...(useBlocked && { blocked: blockedKernels(addon) }) };
  return backend;
}

/** Why the native backend is unavailable, or null when it loaded. */
export function nativeLoadError(): string | null {
  return addonLoadError();
}

/**
 * Sets the threads oneDNN and the addon's loops use (default: the cores of this machine, or
 * PEGASUS_THREADS). Returns false when the addon is not loaded.
 */
export function setNumThreads(n: number): boolean {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
  const addon = loadAddon();
  addon?.setNumThreads(n);
  return addon !== null;
}

/** How the native backend's convolutions are computed (native/conv_algorithm.h). */
export type ConvAlgorithm = 'auto' | 'direct' | 'winograd';

const CONV_ALGORITHMS: readonly string[] = ['auto', 'direct', 'winograd'];

/** PEGASUS_CONV_ALGORITHM (the addon reads it too), or 'auto'; a bad value throws, naming the choices. */
function convAlgorithmFromEnv(): ConvAlgorithm {
  const v = process.env['PEGASUS_CONV_ALGORITHM'];
  if (v === undefined || v === '') return 'auto';
  if (!CONV_ALGORITHMS.includes(v)) throw new Error(`PEGASUS_CONV_ALGORITHM must be "auto", "direct" or "winograd", got "${v}"`);
  return v as ConvAlgorithm;
}

let convAlgorithm: ConvAlgorithm = convAlgorithmFromEnv();

/**
 * Chooses the convolution algorithm: 'auto' (the default, or PEGASUS_CONV_ALGORITHM) runs
 * Winograd F(4×4, 3×3) where it is faster on this kind of shape, 'direct' never, 'winograd'
 * wherever oneDNN has it. Returns false when the addon is not loaded.
 */
export function setConvAlgorithm(mode: ConvAlgorithm): boolean {
  if (!CONV_ALGORITHMS.includes(mode)) {
    throw new RangeError(`setConvAlgorithm: expected "auto", "direct" or "winograd", got ${String(mode)}`);
  }
  const addon = loadAddon();
  if (addon === null || typeof addon.setConvAlgorithm !== 'function') return false;
  addon.setConvAlgorithm(mode);
  convAlgorithm = mode;
  forgetConvBlocks();
  return true;
}

/** The convolution algorithm mode in force (see setConvAlgorithm). */
export function getConvAlgorithm(): ConvAlgorithm {
  return convAlgorithm;
}

/**
 * Which passes of this convolution run Winograd ([forward, backward data, backward weights]);
 * the forward with a leaky ReLU of `slope` in (0, 1] (1: none). Null without the addon.
 */
export function convWinograd(g: Conv2dGeometry, slope = 1): [boolean, boolean, boolean] | null {
  const addon = loadAddon();
  if (addon === null || typeof addon.convWinograd !== 'function') return null;
  const out = new Float32Array(3);
  addon.convWinograd(...geometryArgs(g), out, slope);
  return [out[0] === 1, out[1] === 1, out[2] === 1];
}

/** The addon's thread count, or null when it is not loaded. */
export function getNumThreads(): number | null {
  return loadAddon()?.getNumThreads() ?? null;
}

/** A one-line description ("oneDNN 2.6.3, 2 threads"), or null when the addon is not loaded. */
export function nativeInfo(): string | null {
  return loadAddon()?.info() ?? null;
}
