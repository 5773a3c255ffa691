/**
 * Embedding lookup and dropout.
 */
import { recordOp } from '../autograd.js';
import type { Rng } from '../rng.js';
import { empty, shapeStr, type Tensor } from '../tensor.js';
import { mul } from './elementwise.js';

/**
 * Rows of weight [num, dim] picked by `indices`: output [indices.length, dim].
 * @example embedding(classEmbedding, labels) // [10,128] and 64 labels → [64,128]
 */
export function embedding(weight: Tensor, indices: Int32Array): Tensor {
  if (weight.ndim !== 2) throw new Error(`embedding: weight must be [num, dim], got ${shapeStr(weight.shape)}`);
  const [num, dim] = weight.shape as [number, number];
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i]!;
    if (k < 0 || k >= num) throw new Error(`embedding: index ${k} at position ${i} is outside [0, ${num})`);
  }
  const y = empty([indices.length, dim], weight.dtype);
  const w = weight.data;
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i]!;
    y.data.set(w.subarray(k * dim, (k + 1) * dim), i * dim);
  }
  const idx = indices.slice();
  return recordOp(y, 'embedding', [weight], (dy) => {
    const dw = empty(weight.shape, weight.dtype);
    const d = dw.data;
    d.fill(0);
    for (let i = 0; i < idx.length; i++) {
      const o = idx[i]! * dim;
      for (let j = 0; j < dim; j++) d[o + j]! += dy.data[i * dim + j]!;
    }
    return [dw];
  });
}

/**
 * Inverted dropout (Srivastava et al. 2014): in training, zeroes each element with probability p
 * and scales the rest by 1/(1 − p); otherwise returns x unchanged.
 */
export function dropout(x: Tensor, p: number, rng: Rng, training: boolean): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return x;
  const mask = empty(x.shape, x.dtype);
  const keepScale = 1 / (1 - p);
  const m = mask.data;
  for (let i = 0; i < m.length; i++) m[i] = rng.uniform() < p ? 0 : keepScale;
  return mul(x, mask);
}
