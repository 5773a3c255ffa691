/**
 * Spatial resampling of NCHW images: nearest 2× upsampling, average pooling and max pooling.
 * Upsampling and average pooling are each other's adjoint, so they share two kernels (pool2d,
 * upsample2d).
 */
import { recordOp } from '../autograd.js';
import { getBackend } from '../backends/index.js';
import { empty, shapeStr, type Tensor } from '../tensor.js';
import { blockedKernelsFor, emptyBlocked, rawIn, rawOf } from '../blocked.js';

function nchw(op: string, x: Tensor): [number, number, number, number] {
  if (x.ndim !== 4) throw new Error(`${op}: expects NCHW input, got shape ${shapeStr(x.shape)}`);
  return x.shape as unknown as [number, number, number, number];
}

/** Each pixel becomes a 2×2 block (the upsampling of most GAN and U-Net decoders). */
export function upsampleNearest2x(x: Tensor): Tensor {
  const [n, c, h, w] = nchw('upsampleNearest2x', x);
  const blocked = resampleBlocked(x, 2, 'up');
  if (blocked) return blocked;
  const y = empty([n, c, 2 * h, 2 * w], x.dtype);
  getBackend().upsample2d(n * c, h, w, 2, x.data, y.data, 1);
  return recordOp(y, 'upsampleNearest2x', [x], (dy) => {
    const dx = empty(x.shape, x.dtype);
    getBackend().pool2d(n * c, 2 * h, 2 * w, 2, dy.data, dx.data, 1);
    return [dx];
  });
}

/** Mean over non-overlapping k×k windows (stride k); H and W must be divisible by k. */
export function avgPool2d(x: Tensor, k: number): Tensor {
  const [n, c, h, w] = nchw('avgPool2d', x);
  if (!Number.isInteger(k) || k < 1 || h % k !== 0 || w % k !== 0) {
    throw new Error(`avgPool2d: kernel ${k} does not tile the input ${shapeStr(x.shape)}`);
  }
  const blocked = resampleBlocked(x, k, 'down');
  if (blocked) return blocked;
  const scale = 1 / (k * k);
  const y = empty([n, c, h / k, w / k], x.dtype);
  getBackend().pool2d(n * c, h, w, k, x.data, y.data, scale);
  return recordOp(y, 'avgPool2d', [x], (dy) => {
    const dx = empty(x.shape, x.dtype);
    getBackend().upsample2d(n * c, h / k, w / k, k, dy.data, dx.data, scale);
    return [dx];
  });
}

/**
 * Nearest upsampling by k ('up') or average pooling over k×k ('down') of a channel-blocked x
 * (blocked.ts), giving a blocked result; null when x is not blocked.
 */
function resampleBlocked(x: Tensor, k: number, dir: 'up' | 'down'): Tensor | null {
  const bk = blockedKernelsFor(x);
  const xr = rawOf(x);
  if (bk === null || xr.block === 1) return null;
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const block = xr.block;
  const planes = n * Math.ceil(c / block);
  const [ho, wo] = dir === 'up' ? [h * k, w * k] : [h / k, w / k];
  const scale = dir === 'up' ? 1 : 1 / (k * k);
  const y = emptyBlocked([n, c, ho, wo], block, bk);
  const forward = dir === 'up' ? bk.upsample2dBlocked : bk.pool2dBlocked;
  const backward = dir === 'up' ? bk.pool2dBlocked : bk.upsample2dBlocked;
  forward(planes, h, w, k, block, xr.data as Float32Array, rawOf(y).data as Float32Array, scale);
  return recordOp(y, dir === 'up' ? 'upsampleNearest2x' : 'avgPool2d', [x], (dy) => {
    const dx = emptyBlocked(x.shape, block, bk);
    const dyIn = rawIn(dy, block, bk) as Float32Array;
    backward(planes, ho, wo, k, block, dyIn, rawOf(dx).data as Float32Array, scale);
    return [dx];
  });
}

/**
 * Max over non-overlapping k×k windows (stride k); H and W must be divisible by k. The gradient
 * goes to the first maximum of each window (PyTorch's rule).
 * @example maxPool2d(h, 2) // ResNet downsampling
 */
export function maxPool2d(x: Tensor, k: number): Tensor {
  const [n, c, h, w] = nchw('maxPool2d', x);
  if (!Number.isInteger(k) || k < 1 || h % k !== 0 || w % k !== 0) {
    throw new Error(`maxPool2d: kernel ${k} does not tile the input ${shapeStr(x.shape)}`);
  }
  const y = empty([n, c, h / k, w / k], x.dtype);
  getBackend().maxPool2d(n * c, h, w, k, x.data, y.data);
  return recordOp(y, 'maxPool2d', [x], (dy) => {
    const dx = empty(x.shape, x.dtype);
    getBackend().maxPool2dBackward(n * c, h, w, k, x.data, y.data, dy.data, dx.data);
    return [dx];
  });
}
