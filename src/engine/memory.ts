/**
 * Memory: a pool of typed-array buffers and `tidy` scopes.
 *
 * Why: a training step allocates the same few hundred arrays every time. Allocating fresh typed
 * arrays means zero-filling and a lot of external memory for V8's GC to chase; handing back the
 * buffers of disposed tensors and reusing them keeps memory flat and allocation cheap.
 *
 * Ownership: a buffer is reference counted (views such as `reshape` share one); the last `dispose`
 * returns it to the pool. Tensors that are never disposed are simply garbage-collected, so
 * forgetting `dispose` costs speed, never correctness.
 *
 * `tidy(fn)` (after tfjs): tensors created while `fn` runs and not reachable from its result are
 * disposed when it returns. Parameters, optimiser state and gradients escape with `keep`.
 */
import type { BlockedKernels, DType, Storage } from './backend.js';

/** How a buffer holds an [n, c, h, w] activation in channel blocks (see BlockedKernels). */
export interface BlockedLayout {
  readonly block: number;
  readonly dims: readonly [number, number, number, number];
  /** The kernels that made it, which also turn it back into plain NCHW. */
  readonly kernels: BlockedKernels;
}

/** A reference-counted typed array shared by a tensor and its views. */
export class BufferRef {
  refs = 1;
  /** Non-null while `data` holds a channel-blocked activation rather than plain row-major values. */
  layout: BlockedLayout | null = null;
  constructor(public data: Storage) {}
}

/**
 * Rewrites a blocked buffer as plain NCHW in place (every tensor sharing it sees plain values);
 * the blocked array goes back to the pool.
 * NOTE: so an op must not hold a buffer's array across a call that may make that buffer plain
 * (blocked.ts's helpers hand arrays straight to a kernel call).
 */
export function toPlain(ref: BufferRef): void {
  const l = ref.layout;
  if (l === null) return;
  const [n, c, h, w] = l.dims;
  const plain = takeArray('float32', n * c * h * w) as Float32Array;
  l.kernels.reorderBlocked(n, c, h, w, l.block, ref.data as Float32Array, 1, plain);
  const blocked = ref.data;
  liveBytes += plain.byteLength - blocked.byteLength;
  ref.data = plain;
  ref.layout = null;
  pool(blocked);
}

/**
 * Rewrites a plain [n, c, h, w] buffer in channel blocks of `layout.block` in place (the inverse
 * of toPlain; tensors of another shape sharing it will read it as plain again); the plain array
 * goes back to the pool.
 */
export function toBlocked(ref: BufferRef, layout: BlockedLayout): void {
  toPlain(ref);
  const [n, c, h, w] = layout.dims;
  const blocked = takeArray('float32', n * Math.ceil(c / layout.block) * layout.block * h * w) as Float32Array;
  layout.kernels.reorderBlocked(n, c, h, w, 1, ref.data as Float32Array, layout.block, blocked);
  const plain = ref.data;
  liveBytes += blocked.byteLength - plain.byteLength;
  ref.data = blocked;
  ref.layout = layout;
  pool(plain);
}

/** What `tidy` needs from a tensor (avoids importing tensor.ts here). */
export interface Disposable {
  dispose(): void;
  kept: boolean;
}

/** Pooled bytes beyond this are left to the garbage collector instead. */
const maxPooledBytes = 2 ** 30;

const free32 = new Map<number, Float32Array[]>();
const free64 = new Map<number, Float64Array[]>();
let pooledBytes = 0;
let liveBytes = 0;
let liveBuffers = 0;

/** A buffer of `size` elements with unspecified contents (from the pool when one fits). */
export function allocBuffer(dtype: DType, size: number): BufferRef {
  return track(new BufferRef(takeArray(dtype, size)));
}

function takeArray(dtype: DType, size: number): Storage {
  const list = dtype === 'float32' ? free32.get(size) : free64.get(size);
  const data: Storage | undefined = list?.pop();
  if (data) {
    pooledBytes -= data.byteLength;
    return data;
  }
  return dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
}

function track(ref: BufferRef): BufferRef {
  liveBytes += ref.data.byteLength;
  liveBuffers++;
  return ref;
}

/** Drops one reference; the last one returns the array to the pool. */
export function releaseBuffer(ref: BufferRef): void {
  if (--ref.refs > 0) return;
  const data = ref.data;
  liveBytes -= data.byteLength;
  liveBuffers--;
  pool(data);
}

/** Keeps an array no tensor uses for a later allocBuffer of its size (up to maxPooledBytes). */
function pool(data: Storage): void {
  if (pooledBytes + data.byteLength > maxPooledBytes) return;
  const map = data instanceof Float32Array ? free32 : free64;
  let list = map.get(data.length) as Storage[] | undefined;
  if (!list) {
    list = [];
    map.set(data.length, list as Float32Array[] & Float64Array[]);
  }
  list.push(data);
  pooledBytes += data.byteLength;
}

/**
 * Live and pooled bytes: the memory test watches `liveBytes` stay flat over a training loop.
 * NOTE: `liveBytes` counts buffers handed out and not yet disposed; tensors that are never disposed
 * stay counted even after the GC frees them (tracking that with a FinalizationRegistry cost ~15% of
 * the per-op overhead), so a growing count means "not disposed", not necessarily "leaked".
 */
export function memoryStats(): { liveBytes: number; liveBuffers: number; pooledBytes: number } {
  return { liveBytes, liveBuffers, pooledBytes };
}

/** Empties the pool (its arrays become garbage). */
export function clearPool(): void {
  free32.clear();
  free64.clear();
  pooledBytes = 0;
}

const scopes: Disposable[][] = [];

/** Registers a new tensor with the innermost tidy scope, if any. */
export function trackTensor(t: Disposable): void {
  const s = scopes[scopes.length - 1];
  if (s) s.push(t);
}

/** Exempts a tensor from every enclosing and future tidy scope (parameters, optimiser state). */
export function keep<T extends Disposable>(t: T): T {
  t.kept = true;
  return t;
}

function collect(value: unknown, out: Set<unknown>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 3) return;
  if ('dispose' in value && 'kept' in value) {
    out.add(value);
    return;
  }
  const items = Array.isArray(value) ? value : Object.values(value);
  for (const v of items) collect(v, out, depth + 1);
}

/**
 * Runs `fn` and disposes every tensor it created that is not part of its result (a tensor, or
 * arrays/objects of tensors up to three levels deep) and not `keep`-ed. The result's tensors move
 * to the enclosing scope.
 *
 * @example
 *   const lossValue = tidy(() => { const l = mseLoss(model.forward(x), y); l.backward(); return l.item(); });
 */
export function tidy<T>(fn: () => T): T {
  const scope: Disposable[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) throw new Error('tidy: fn must be synchronous (it returned a Promise)');
  const survivors = new Set<unknown>();
  collect(result, survivors);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (survivors.has(t)) parent?.push(t);
    else if (!t.kept) t.dispose();
  }
  return result;
}
