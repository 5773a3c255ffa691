/**
 * Creating tensors: from values, constant fills, ranges and random draws.
 * `dtype` defaults to float32; float64 is for gradient checks and accumulation.
 */
import type { DType, Storage } from './backend.js';
import type { Rng } from './rng.js';
import { empty, type Shape, shapeStr, Tensor } from './tensor.js';

export interface CreateOptions {
  /** float32 unless given (or taken from a Float64Array's type). */
  readonly dtype?: DType;
  /** Makes the tensor a leaf that collects gradients. */
  readonly requiresGrad?: boolean;
}

function finish(t: Tensor, opts?: CreateOptions): Tensor {
  if (opts?.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * A tensor holding a copy of `values` in the given shape. The copy goes into an array of the
 * buffer pool (see memory.ts), so a fresh array every step (a data loader's batch) costs a copy,
 * not a new allocation, and is recycled when the tensor is disposed.
 * @example const x = tensor([1, 2, 3, 4], [2, 2]);
 */
export function tensor(values: ArrayLike<number> | Storage, shape: Shape, opts?: CreateOptions): Tensor {
  const t = empty(shape, opts?.dtype ?? (values instanceof Float64Array ? 'float64' : 'float32'));
  if (values.length !== t.size) {
    t.dispose();
    throw new Error(`tensor: ${values.length} values do not fill shape ${shapeStr(shape)}`);
  }
  t.data.set(values); // NOTE: one bulk copy (with conversion) for typed arrays
  return finish(t, opts);
}

export function full(shape: Shape, value: number, opts?: CreateOptions): Tensor {
  const t = empty(shape, opts?.dtype ?? 'float32');
  t.data.fill(value);
  return finish(t, opts);
}

export function zeros(shape: Shape, opts?: CreateOptions): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: Shape, opts?: CreateOptions): Tensor {
  return full(shape, 1, opts);
}

/** Zeros with x's shape and dtype. */
export function zerosLike(x: Tensor): Tensor {
  return full(x.shape, 0, { dtype: x.dtype });
}

/** Standard normal samples drawn from `rng` in row-major order. */
export function randn(shape: Shape, rng: Rng, opts?: CreateOptions): Tensor {
  const t = empty(shape, opts?.dtype ?? 'float32');
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = rng.normal();
  return finish(t, opts);
}

/**
 * Truncated standard normal samples (the "truncation trick" of BigGAN, Brock et al. 2019): each
 * entry is drawn from `rng` and redrawn while |z| > ψ, so a GAN samples nearer the mode of its
 * prior (clearer images, less variety). ψ = Infinity draws exactly what `randn` draws.
 */
export function truncatedRandn(shape: Shape, rng: Rng, psi: number, opts?: CreateOptions): Tensor {
  if (!(psi > 0)) throw new Error(`truncatedRandn: ψ must be positive, got ${psi}`);
  const t = empty(shape, opts?.dtype ?? 'float32');
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    let v = rng.normal();
    while (Math.abs(v) > psi) v = rng.normal();
    d[i] = v;
  }
  return finish(t, opts);
}

/** Uniform samples in [0, 1) drawn from `rng` in row-major order. */
export function rand(shape: Shape, rng: Rng, opts?: CreateOptions): Tensor {
  const t = empty(shape, opts?.dtype ?? 'float32');
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = rng.uniform();
  return finish(t, opts);
}

/** [start, start + step, …) up to but excluding `end`, as a 1-D tensor. */
export function arange(start: number, end: number, step = 1, opts?: CreateOptions): Tensor {
  if (step === 0) throw new Error('arange: step must not be 0');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const t = empty([n], opts?.dtype ?? 'float32');
  for (let i = 0; i < n; i++) t.data[i] = start + i * step;
  return finish(t, opts);
}
