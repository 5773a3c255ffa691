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
import { kernelsPresentIn, nativeKernels } from './kernels.js';

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
  backend = { ...jsBackend, ...kernels, name: 'native' };
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

/** The addon's thread count, or null when it is not loaded. */
export function getNumThreads(): number | null {
  return loadAddon()?.getNumThreads() ?? null;
}

/** A one-line description ("oneDNN 2.6.3, 2 threads"), or null when the addon is not loaded. */
export function nativeInfo(): string | null {
  return loadAddon()?.info() ?? null;
}
