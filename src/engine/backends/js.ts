/**
 * The `js` backend: every kernel of backend.ts as plain TypeScript loops.
 *
 * Simple and obviously right (it is the reference the tests compare against), yet not needlessly
 * slow: gemm uses the cache-friendly i-k-j order over four rows at a time (or dot products when b
 * is transposed, so both operands stream contiguously), and convolutions go through im2col + gemm. Every kernel is generic
 * over Float32Array and Float64Array; scratch arrays follow the type of the inputs.
 *
 * This file has no Node dependencies so it also runs in browsers.
 */
import type { Backend, BinaryOp, Conv2dGeometry, Storage, UnaryOp } from '../backend.js';
import { poolKernels } from './js-pool.js';
import { axisKernels } from './js-axis.js';

/** A scratch array of the same element type as `like`. */
function scratch(like: Storage, size: number): Storage {
  return like instanceof Float64Array ? new Float64Array(size) : new Float32Array(size);
}

function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Storage,
  b: Storage,
  c: Storage,
  accumulate: boolean,
): void {
  if (!accumulate) c.fill(0, 0, m * n);
  // Element (i, p) of op(a) is a[i·sa + p·sp].
  const sa = transA ? 1 : k;
  const sp = transA ? m : 1;
  if (!transB) {
    // NOTE: i-k-j order, four rows of c at a time: the innermost loop streams one row of b
    // contiguously and uses each loaded b value four times (about 2× the plain i-k-j loop in V8).
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const c0 = i * n;
      const c1 = c0 + n;
      const c2 = c1 + n;
      const c3 = c2 + n;
      for (let p = 0; p < k; p++) {
        const ai = i * sa + p * sp;
        const v0 = a[ai]!;
        const v1 = a[ai + sa]!;
        const v2 = a[ai + 2 * sa]!;
        const v3 = a[ai + 3 * sa]!;
        const bRow = p * n;
        for (let j = 0; j < n; j++) {
          const bv = b[bRow + j]!;
          c[c0 + j]! += v0 * bv;
          c[c1 + j]! += v1 * bv;
          c[c2 + j]! += v2 * bv;
          c[c3 + j]! += v3 * bv;
        }
      }
    }
    for (; i < m; i++) {
      const cRow = i * n;
      for (let p = 0; p < k; p++) {
        const av = a[i * sa + p * sp]!;
        const bRow = p * n;
        for (let j = 0; j < n; j++) c[cRow + j]! += av * b[bRow + j]!;
      }
    }
    return;
  }
  // op(a)·bᵀ: dot products of rows of op(a) with rows of b (contiguous), four columns at a time.
  for (let i = 0; i < m; i++) {
    const cRow = i * n;
    const aBase = i * sa;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let p = 0; p < k; p++) {
        const av = a[aBase + p * sp]!;
        s0 += av * b[b0 + p]!;
        s1 += av * b[b1 + p]!;
        s2 += av * b[b2 + p]!;
        s3 += av * b[b3 + p]!;
      }
      c[cRow + j]! += s0;
      c[cRow + j + 1]! += s1;
      c[cRow + j + 2]! += s2;
      c[cRow + j + 3]! += s3;
    }
    for (; j < n; j++) {
      const bRow = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[aBase + p * sp]! * b[bRow + p]!;
      c[cRow + j]! += s;
    }
  }
}

/** Unfolds one image x[cIn,hIn,wIn] into col[cIn·kH·kW, hOut·wOut] (zero outside the image). */
function im2col(g: Conv2dGeometry, x: Storage, xOff: number, col: Storage): void {
  const { cIn, hIn, wIn, kH, kW, strideH, strideW, padH, padW, hOut, wOut } = g;
  let r = 0;
  for (let ci = 0; ci < cIn; ci++) {
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++, r++) {
        const rowOff = r * hOut * wOut;
        for (let oy = 0; oy < hOut; oy++) {
          const iy = oy * strideH - padH + ky;
          const o = rowOff + oy * wOut;
          if (iy < 0 || iy >= hIn) {
            col.fill(0, o, o + wOut);
            continue;
          }
          const xRow = xOff + (ci * hIn + iy) * wIn;
          for (let ox = 0; ox < wOut; ox++) {
            const ix = ox * strideW - padW + kx;
            col[o + ox] = ix >= 0 && ix < wIn ? x[xRow + ix]! : 0;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: adds col[cIn·kH·kW, hOut·wOut] back into the image dx[cIn,hIn,wIn]. */
function col2im(g: Conv2dGeometry, col: Storage, dx: Storage, dxOff: number): void {
  const { cIn, hIn, wIn, kH, kW, strideH, strideW, padH, padW, hOut, wOut } = g;
  let r = 0;
  for (let ci = 0; ci < cIn; ci++) {
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++, r++) {
        const rowOff = r * hOut * wOut;
        for (let oy = 0; oy < hOut; oy++) {
          const iy = oy * strideH - padH + ky;
          if (iy < 0 || iy >= hIn) continue;
          const o = rowOff + oy * wOut;
          const xRow = dxOff + (ci * hIn + iy) * wIn;
          for (let ox = 0; ox < wOut; ox++) {
            const ix = ox * strideW - padW + kx;
            if (ix >= 0 && ix < wIn) dx[xRow + ix]! += col[o + ox]!;
          }
        }
      }
    }
  }
}

function conv2d(g: Conv2dGeometry, x: Storage, w: Storage, bias: Storage | null, y: Storage): void {
  const kk = g.cIn * g.kH * g.kW;
  const hw = g.hOut * g.wOut;
  const col = scratch(x, kk * hw);
  for (let b = 0; b < g.n; b++) {
    im2col(g, x, b * g.cIn * g.hIn * g.wIn, col);
    const yb = y.subarray(b * g.cOut * hw, (b + 1) * g.cOut * hw);
    gemm(false, false, g.cOut, hw, kk, w, col, yb, false);
    if (bias) {
      for (let co = 0; co < g.cOut; co++) {
        const bv = bias[co]!;
        for (let i = co * hw; i < (co + 1) * hw; i++) yb[i]! += bv;
      }
    }
  }
}

function conv2dBackwardData(g: Conv2dGeometry, dy: Storage, w: Storage, dx: Storage): void {
  const kk = g.cIn * g.kH * g.kW;
  const hw = g.hOut * g.wOut;
  const imgSize = g.cIn * g.hIn * g.wIn;
  const col = scratch(dy, kk * hw);
  dx.fill(0, 0, g.n * imgSize);
  for (let b = 0; b < g.n; b++) {
    const dyb = dy.subarray(b * g.cOut * hw, (b + 1) * g.cOut * hw);
    gemm(true, false, kk, hw, g.cOut, w, dyb, col, false);
    col2im(g, col, dx, b * imgSize);
  }
}

function conv2dBackwardWeights(
  g: Conv2dGeometry,
  x: Storage,
  dy: Storage,
  dw: Storage,
  dbias: Storage | null,
): void {
  const kk = g.cIn * g.kH * g.kW;
  const hw = g.hOut * g.wOut;
  const col = scratch(x, kk * hw);
  dw.fill(0, 0, g.cOut * kk);
  if (dbias) dbias.fill(0, 0, g.cOut);
  for (let b = 0; b < g.n; b++) {
    im2col(g, x, b * g.cIn * g.hIn * g.wIn, col);
    const dyb = dy.subarray(b * g.cOut * hw, (b + 1) * g.cOut * hw);
    gemm(false, true, g.cOut, kk, hw, dyb, col, dw, true);
    if (dbias) {
      for (let co = 0; co < g.cOut; co++) {
        let s = 0;
        for (let i = co * hw; i < (co + 1) * hw; i++) s += dyb[i]!;
        dbias[co]! += s;
      }
    }
  }
}

function batchNorm(
  n: number,
  c: number,
  hw: number,
  x: Storage,
  gamma: Storage | null,
  beta: Storage | null,
  eps: number,
  training: boolean,
  mean: Storage,
  invStd: Storage,
  y: Storage,
): void {
  const count = n * hw;
  for (let ch = 0; ch < c; ch++) {
    if (training) {
      // NOTE: two passes (mean, then squared deviations) for accuracy in float32.
      let s = 0;
      for (let b = 0; b < n; b++) {
        const o = (b * c + ch) * hw;
        for (let i = 0; i < hw; i++) s += x[o + i]!;
      }
      const mu = s / count;
      let v = 0;
      for (let b = 0; b < n; b++) {
        const o = (b * c + ch) * hw;
        for (let i = 0; i < hw; i++) {
          const d = x[o + i]! - mu;
          v += d * d;
        }
      }
      mean[ch] = mu;
      invStd[ch] = 1 / Math.sqrt(v / count + eps);
    }
    const mu = mean[ch]!;
    const scale = invStd[ch]! * (gamma ? gamma[ch]! : 1);
    const shift = beta ? beta[ch]! : 0;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) y[o + i] = (x[o + i]! - mu) * scale + shift;
    }
  }
}

function batchNormBackward(
  n: number,
  c: number,
  hw: number,
  x: Storage,
  dy: Storage,
  gamma: Storage | null,
  mean: Storage,
  invStd: Storage,
  dx: Storage,
  dgamma: Storage | null,
  dbeta: Storage | null,
): void {
  const count = n * hw;
  for (let ch = 0; ch < c; ch++) {
    const mu = mean[ch]!;
    const is = invStd[ch]!;
    let sdy = 0;
    let sdyx = 0;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) {
        const d = dy[o + i]!;
        sdy += d;
        sdyx += d * (x[o + i]! - mu) * is;
      }
    }
    if (dgamma) dgamma[ch] = sdyx;
    if (dbeta) dbeta[ch] = sdy;
    // dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂))
    const k = (gamma ? gamma[ch]! : 1) * is;
    const mdy = sdy / count;
    const mdyx = sdyx / count;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) {
        dx[o + i] = k * (dy[o + i]! - mdy - (x[o + i]! - mu) * is * mdyx);
      }
    }
  }
}

function sigmoid(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}

function unary(op: UnaryOp, x: Storage, y: Storage, alpha: number): void {
  const len = x.length;
  switch (op) {
    case 'neg': for (let i = 0; i < len; i++) y[i] = -x[i]!; break;
    case 'abs': for (let i = 0; i < len; i++) y[i] = Math.abs(x[i]!); break;
    case 'relu': for (let i = 0; i < len; i++) { const v = x[i]!; y[i] = v > 0 ? v : 0; } break;
    case 'leakyRelu': for (let i = 0; i < len; i++) { const v = x[i]!; y[i] = v > 0 ? v : alpha * v; } break;
    case 'tanh': for (let i = 0; i < len; i++) y[i] = Math.tanh(x[i]!); break;
    case 'sigmoid': for (let i = 0; i < len; i++) y[i] = sigmoid(x[i]!); break;
    case 'silu': for (let i = 0; i < len; i++) { const v = x[i]!; y[i] = v * sigmoid(v); } break;
    case 'exp': for (let i = 0; i < len; i++) y[i] = Math.exp(x[i]!); break;
    case 'log': for (let i = 0; i < len; i++) y[i] = Math.log(x[i]!); break;
    case 'sqrt': for (let i = 0; i < len; i++) y[i] = Math.sqrt(x[i]!); break;
    case 'powScalar': for (let i = 0; i < len; i++) y[i] = Math.pow(x[i]!, alpha); break;
  }
}

function unaryBackward(op: UnaryOp, x: Storage, y: Storage, dy: Storage, dx: Storage, alpha: number): void {
  const len = dy.length;
  switch (op) {
    case 'neg': for (let i = 0; i < len; i++) dx[i] = -dy[i]!; break;
    case 'abs': for (let i = 0; i < len; i++) dx[i] = dy[i]! * Math.sign(x[i]!); break;
    case 'relu': for (let i = 0; i < len; i++) dx[i] = x[i]! > 0 ? dy[i]! : 0; break;
    case 'leakyRelu': for (let i = 0; i < len; i++) dx[i] = x[i]! > 0 ? dy[i]! : alpha * dy[i]!; break;
    case 'tanh': for (let i = 0; i < len; i++) { const t = y[i]!; dx[i] = dy[i]! * (1 - t * t); } break;
    case 'sigmoid': for (let i = 0; i < len; i++) { const s = y[i]!; dx[i] = dy[i]! * s * (1 - s); } break;
    case 'silu':
      for (let i = 0; i < len; i++) {
        const v = x[i]!;
        const s = sigmoid(v);
        dx[i] = dy[i]! * s * (1 + v * (1 - s));
      }
      break;
    case 'exp': for (let i = 0; i < len; i++) dx[i] = dy[i]! * y[i]!; break;
    case 'log': for (let i = 0; i < len; i++) dx[i] = dy[i]! / x[i]!; break;
    case 'sqrt': for (let i = 0; i < len; i++) dx[i] = dy[i]! / (2 * y[i]!); break;
    case 'powScalar': for (let i = 0; i < len; i++) dx[i] = dy[i]! * alpha * Math.pow(x[i]!, alpha - 1); break;
  }
}

/** One output row: out[o + j] = a[ai + j·as] ∘ b[bi + j·bs] for j < len. */
function binaryRow(
  op: BinaryOp, a: Storage, ai: number, as: number, b: Storage, bi: number, bs: number,
  out: Storage, o: number, len: number,
): void {
  switch (op) {
    case 'add': for (let j = 0; j < len; j++) out[o + j] = a[ai + j * as]! + b[bi + j * bs]!; break;
    case 'sub': for (let j = 0; j < len; j++) out[o + j] = a[ai + j * as]! - b[bi + j * bs]!; break;
    case 'mul': for (let j = 0; j < len; j++) out[o + j] = a[ai + j * as]! * b[bi + j * bs]!; break;
    case 'div': for (let j = 0; j < len; j++) out[o + j] = a[ai + j * as]! / b[bi + j * bs]!; break;
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
      else for (let i = 0; i < inner; i++) { const v = x[r + i]!; if (v > y[yOff + i]!) y[yOff + i] = v; }
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
  unary,
  unaryBackward,
  binary,
  reduce,
  permute,
  adam,
  ...poolKernels,
  ...axisKernels,
};
