/**
 * The `js` backend: every kernel of backend.ts as plain TypeScript loops.
 *
 * Simple and obviously right (it is the reference the tests compare against), yet not needlessly
 * slow: gemm works on four rows at a time in cache-friendly order (js-gemm.ts), convolutions go
 * through im2col + gemm (js-conv.ts). Every kernel is generic over Float32Array and Float64Array;
 * the element-wise, reduction, layout and Adam kernels live here, the rest in the js-*.ts files.
 *
 * These files have no Node dependencies so they also run in browsers.
 */
import type { Backend, BinaryOp, Storage, UnaryOp } from '../backend.js';
import { conv2d, conv2dBackwardData, conv2dBackwardWeights } from './js-conv.js';
import { gemm } from './js-gemm.js';
import { batchNorm, batchNormAffine, batchNormAffineBackward, batchNormBackward, channelAffine, channelAffineBackward } from './js-norm.js';
import { poolKernels } from './js-pool.js';
import { axisKernels } from './js-axis.js';

function sigmoid(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}

function unary(op: UnaryOp, x: Storage, y: Storage, alpha: number): void {
  const len = x.length;
  switch (op) {
    case 'neg':
      for (let i = 0; i < len; i++) y[i] = -x[i]!;
      break;
    case 'abs':
      for (let i = 0; i < len; i++) y[i] = Math.abs(x[i]!);
      break;
    // NOTE: written so that NaN propagates (as in PyTorch), which lets divergence be detected.
    case 'relu':
      for (let i = 0; i < len; i++) {
        const v = x[i]!;
        y[i] = v < 0 ? 0 : v;
      }
      break;
    case 'leakyRelu':
      for (let i = 0; i < len; i++) {
        const v = x[i]!;
        y[i] = v > 0 ? v : alpha * v;
      }
      break;
    case 'tanh':
      for (let i = 0; i < len; i++) y[i] = Math.tanh(x[i]!);
      break;
    case 'sigmoid':
      for (let i = 0; i < len; i++) y[i] = sigmoid(x[i]!);
      break;
    case 'silu':
      for (let i = 0; i < len; i++) {
        const v = x[i]!;
        y[i] = v * sigmoid(v);
      }
      break;
    case 'exp':
      for (let i = 0; i < len; i++) y[i] = Math.exp(x[i]!);
      break;
    case 'log':
      for (let i = 0; i < len; i++) y[i] = Math.log(x[i]!);
      break;
    case 'sqrt':
      for (let i = 0; i < len; i++) y[i] = Math.sqrt(x[i]!);
      break;
    case 'powScalar':
      for (let i = 0; i < len; i++) y[i] = Math.pow(x[i]!, alpha);
      break;
  }
}

function unaryBackward(op: UnaryOp, x: Storage, y: Storage, dy: Storage, dx: Storage, alpha: number): void {
  const len = dy.length;
  switch (op) {
    case 'neg':
      for (let i = 0; i < len; i++) dx[i] = -dy[i]!;
      break;
    case 'abs':
      for (let i = 0; i < len; i++) dx[i] = dy[i]! * Math.sign(x[i]!);
      break;
    case 'relu':
      for (let i = 0; i < len; i++) dx[i] = x[i]! > 0 ? dy[i]! : 0;
      break;
    case 'leakyRelu':
      for (let i = 0; i < len; i++) dx[i] = x[i]! > 0 ? dy[i]! : alpha * dy[i]!;
      break;
    case 'tanh':
      for (let i = 0; i < len; i++) {
        const t = y[i]!;
        dx[i] = dy[i]! * (1 - t * t);
      }
      break;
    case 'sigmoid':
      for (let i = 0; i < len; i++) {
        const s = y[i]!;
        dx[i] = dy[i]! * s * (1 - s);
      }
      break;
    case 'silu':
      for (let i = 0; i < len; i++) {
        const v = x[i]!;
        const s = sigmoid(v);
        dx[i] = dy[i]! * s * (1 + v * (1 - s));
      }
      break;
    case 'exp':
      for (let i = 0; i < len; i++) dx[i] = dy[i]! * y[i]!;
      break;
    case 'log':
      for (let i = 0; i < len; i++) dx[i] = dy[i]! / x[i]!;
      break;
    case 'sqrt':
      for (let i = 0; i < len; i++) dx[i] = dy[i]! / (2 * y[i]!);
      break;
    case 'powScalar':
      for (let i = 0; i < len; i++) dx[i] = dy[i]! * alpha * Math.pow(x[i]!, alpha - 1);
      break;
  }
}

/** One output row: out[o + j] = a[ai + j·as] ∘ b[bi + j·bs] for j < len. */
function binaryRow(
  op: BinaryOp,
  a: Storage,
  ai: number,
  as: number,
  b: Storage,
  bi: number,
  bs: number,
  out: Storage,
  o: number,
  len: number,
): void {
  switch (op) {
    case 'add':
      for (let j = 0; j < len; j++) out[o + j] = a[ai + j * as]! + b[bi + j * bs]!;
      break;
    case 'sub':
      for (let j = 0; j < len; j++) out[o + j] = a[ai + j * as]! - b[bi + j * bs]!;
      break;
    case 'mul':
      for (let j = 0; j < len; j++) out[o + j] = a[ai + j * as]! * b[bi + j * bs]!;
      break;
    case 'div':
      for (let j = 0; j < len; j++) out[o + j] = a[ai + j * as]! / b[bi + j * bs]!;
      break;
  }
}

function binary(
  op: BinaryOp,
  a: Storage,
  aStrides: readonly number[],
  b: Storage,
  bStrides: readonly number[],
  out: Storage,
  outShape: readonly number[],
): void {
  const nd = outShape.length;
  if (nd === 0) {
    binaryRow(op, a, 0, 0, b, 0, 0, out, 0, 1);
    return;
  }
  let total = 1;
  for (const d of outShape) total *= d;
  if (total === 0) return;
  const inner = outShape[nd - 1]!;
  const as = aStrides[nd - 1]!;
  const bs = bStrides[nd - 1]!;
  const idx = new Array<number>(nd).fill(0);
  let ai = 0;
  let bi = 0;
  for (let o = 0; o < total; o += inner) {
    binaryRow(op, a, ai, as, b, bi, bs, out, o, inner);
    // Advance the multi-index over all but the last dimension (odometer style).
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      ai += aStrides[d]!;
      bi += bStrides[d]!;
      if (idx[d]! < outShape[d]!) break;
      ai -= aStrides[d]! * outShape[d]!;
      bi -= bStrides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

function reduce(op: 'sum' | 'max', x: Storage, outer: number, axis: number, inner: number, y: Storage): void {
  for (let o = 0; o < outer; o++) {
    const yOff = o * inner;
    const xOff = o * axis * inner;
    if (axis === 0) {
      y.fill(op === 'sum' ? 0 : -Infinity, yOff, yOff + inner);
      continue;
    }
    if (inner === 1) {
      let acc = op === 'sum' ? 0 : -Infinity;
      if (op === 'sum') for (let a = 0; a < axis; a++) acc += x[xOff + a]!;
      else for (let a = 0; a < axis; a++) acc = Math.max(acc, x[xOff + a]!);
      y[yOff] = acc;
      continue;
    }
    for (let i = 0; i < inner; i++) y[yOff + i] = x[xOff + i]!;
    for (let a = 1; a < axis; a++) {
      const r = xOff + a * inner;
      if (op === 'sum') for (let i = 0; i < inner; i++) y[yOff + i]! += x[r + i]!;
      else
        for (let i = 0; i < inner; i++) {
          const v = x[r + i]!;
          if (v > y[yOff + i]! || v !== v) y[yOff + i] = v;
        }
    }
  }
}

function permute(x: Storage, shape: readonly number[], perm: readonly number[], y: Storage): void {
  const nd = shape.length;
  const xStrides = new Array<number>(nd);
  let s = 1;
  for (let d = nd - 1; d >= 0; d--) {
    xStrides[d] = s;
    s *= shape[d]!;
  }
  const total = s;
  if (total === 0) return;
  if (nd === 0) {
    y[0] = x[0]!;
    return;
  }
  // Walk y in order; `src` tracks the matching element of x.
  const outShape = perm.map((p) => shape[p]!);
  const srcStrides = perm.map((p) => xStrides[p]!);
  const inner = outShape[nd - 1]!;
  const is = srcStrides[nd - 1]!;
  const idx = new Array<number>(nd).fill(0);
  let src = 0;
  for (let o = 0; o < total; o += inner) {
    for (let j = 0; j < inner; j++) y[o + j] = x[src + j * is]!;
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      src += srcStrides[d]!;
      if (idx[d]! < outShape[d]!) break;
      src -= srcStrides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

function adam(
  param: Storage,
  grad: Storage,
  m: Storage,
  v: Storage,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  weightDecay: number,
  decoupled: boolean,
  step: number,
): void {
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2 = 1 - Math.pow(beta2, step);
  const stepSize = lr / bc1;
  const decay = decoupled ? 1 - lr * weightDecay : 1;
  const l2 = decoupled ? 0 : weightDecay;
  for (let i = 0; i < param.length; i++) {
    const p = param[i]! * decay;
    const g = grad[i]! + l2 * param[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * g;
    const vi = beta2 * v[i]! + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = p - (stepSize * mi) / (Math.sqrt(vi / bc2) + eps);
  }
}

/** The reference backend. */
export const jsBackend: Backend = {
  name: 'js',
  gemm,
  conv2d,
  conv2dBackwardData,
  conv2dBackwardWeights,
  batchNorm,
  batchNormBackward,
  channelAffine,
  channelAffineBackward,
  batchNormAffine,
  batchNormAffineBackward,
  unary,
  unaryBackward,
  binary,
  reduce,
  permute,
  adam,
  ...poolKernels,
  ...axisKernels,
};
