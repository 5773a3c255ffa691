/**
 * Channel-blocked activations: the ops' side of `BlockedKernels` (backend.ts).
 *
 * oneDNN's convolutions run in a channel-blocked layout (nChw16c on AVX-512); with plain NCHW
 * tensors every convolution reorders its input in and its output back, which on the cGAN update
 * costs about a third of the convolutions' time. So on a backend with blocked kernels, a
 * convolution returns its output in the blocked layout, and the ops that follow a convolution in
 * our models — ReLU, batch norm, the conditional affine, upsampling, average pooling, residual
 * addition and gradient accumulation — work on it as it is (PyTorch's mkldnn tensors and
 * oneDNN's examples do the same). Any other use of such a tensor sees plain values: `Tensor.data`
 * rewrites the buffer as plain on first access (memory.ts `toPlain`), so an op that knows nothing
 * of layouts stays correct, only without the saving.
 */
import type { BlockedKernels, Storage } from './backend.js';
import { getBackend } from './backends/index.js';
import { allocBuffer, toBlocked, toPlain } from './memory.js';
import { sameShape, type Shape, Tensor } from './tensor.js';

/** A tensor's buffer as it is: its array and channel block (1 = plain row-major). */
export interface Raw {
  readonly data: Storage;
  readonly block: number;
}

/** The blocked kernels when they apply to tensors of this dtype (float32 on the native backend). */
export function blockedKernelsFor(x: Tensor): BlockedKernels | null {
  return x.dtype === 'float32' ? (getBackend().blocked ?? null) : null;
}

/**
 * The kernels that can convert to and from the layout of `ref`: those that made its buffer, else
 * the current backend's. (A blocked tensor made on the native backend stays convertible after a
 * switch to the js backend.)
 */
export function kernelsOf(ref: Tensor): BlockedKernels | null {
  return ref.buf?.layout?.kernels ?? blockedKernelsFor(ref);
}

/**
 * x's buffer without any conversion. A view whose shape is not the activation's (a reshape of a
 * blocked tensor) is made plain first, since the block only means something for [n, c, h, w].
 */
export function rawOf(x: Tensor): Raw {
  const b = x.buf;
  if (b === null) return { data: x.data, block: 1 }; // throws the "used after dispose" error
  if (b.layout !== null && !sameShape(x.shape, b.layout.dims)) toPlain(b);
  return { data: b.data, block: b.layout?.block ?? 1 };
}

/**
 * x's values in channel block `block` (1 = plain): its buffer, rewritten in that layout first when
 * it is in another (for every tensor sharing it; see memory.ts toPlain and toBlocked). `kernels`:
 * kernelsOf the tensor whose layout x must match.
 */
export function rawIn(x: Tensor, block: number, kernels: BlockedKernels | null): Storage {
  const r = rawOf(x);
  if (r.block === block) return r.data;
  if (block === 1) return x.data;
  toBlocked(x.buf!, { block, dims: x.shape as [number, number, number, number], kernels: kernels! });
  return x.buf!.data;
}

/** Elements of an [n, c, h, w] activation in channel block `block` (padded channels included). */
export function blockedSize(shape: Shape, block: number): number {
  const [n, c, h, w] = shape as [number, number, number, number];
  return n * Math.ceil(c / block) * block * h * w;
}

/** An uninitialised float32 tensor of `shape` ([n, c, h, w]) held in channel block `block` (1 = plain). */
export function emptyBlocked(shape: Shape, block: number, kernels: BlockedKernels): Tensor {
  if (block === 1) return new Tensor(allocBuffer('float32', blockedSize(shape, 1)), shape, 'float32');
  const ref = allocBuffer('float32', blockedSize(shape, block));
  ref.layout = { block, dims: shape as [number, number, number, number], kernels };
  return new Tensor(ref, shape, 'float32');
}

/** An uninitialised tensor laid out as x is (same shape, dtype and block). */
export function emptyRawLike(x: Tensor): Tensor {
  const b = x.buf?.layout;
  if (b && sameShape(x.shape, b.dims)) return emptyBlocked(x.shape, b.block, b.kernels);
  return new Tensor(allocBuffer(x.dtype, x.size), x.shape, x.dtype);
}

/**
 * The block an op's [n, c, h, w] output should use when its kernels prefer `block`: blocked only
 * when there is at least one full block of channels (a 3-channel image stays plain).
 */
export function outputBlock(c: number, block: number): number {
  return block > 1 && c >= block ? block : 1;
}
