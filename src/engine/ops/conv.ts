/**
 * 2-D convolution and transposed convolution over NCHW tensors, PyTorch's weight layouts
 * (conv: [cOut, cIn, kH, kW]; transposed: [cIn, cOut, kH, kW]). Groups and dilation are not
 * supported (no model here needs them).
 */
import type { Conv2dGeometry, DType, Storage } from '../backend.js';
import { recordOp } from '../autograd.js';
import { getBackend } from '../backends/index.js';
import { empty, shapeStr, type Tensor } from '../tensor.js';
import { blockedKernelsFor, emptyBlocked, outputBlock, rawOf } from '../blocked.js';
import { checkDtypes, type FusedActivation, pair, slopeOf } from './util.js';
import { activation, unaryGradient } from './elementwise.js';
import { avgPool2d, upsampleNearest2x } from './pool.js';

export interface Conv2dOptions {
  /** Step between windows (1). */
  readonly stride?: number | readonly [number, number];
  /** Zeros added on each side (0). */
  readonly padding?: number | readonly [number, number];
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  /** Extra rows/columns on the bottom/right of the output, to pick among sizes a stride allows (0). */
  readonly outputPadding?: number | readonly [number, number];
}

/**
 * y[n,c,hw] += bias[c], in place; y in channel blocks of `block` (blocked.ts; 1: plain NCHW),
 * whose padded channels stay zero. Through the backend's per-sample affine (scale 1, shift the
 * bias): 3–4× faster than a broadcasting add over [n, ⌈c/block⌉, hw, block].
 */
function addBias(y: Storage, bias: Storage, n: number, c: number, hw: number, block = 1): void {
  const make = (len: number): Storage => (y instanceof Float64Array ? new Float64Array(len) : new Float32Array(len));
  const ones = make(n * c).fill(1);
  const shift = make(n * c);
  for (let i = 0; i < n; i++) shift.set(bias.subarray(0, c), i * c);
  getBackend().channelAffine(n, c, hw, block, y, ones, shift, 1, y);
}

/** db[c] = Σ over n and hw of dy[n,c,hw], dy's values `raw` in channel blocks of `block` (as addBias). */
function biasGrad(raw: Storage, dtype: DType, n: number, c: number, hw: number, block = 1): Tensor {
  const be = getBackend();
  const cb = Math.ceil(c / block);
  const perImage = empty([n * cb * block], dtype);
  be.reduce('sum', raw, n * cb, hw, block, perImage.data);
  const sums = empty([cb * block], dtype);
  be.reduce('sum', perImage.data, 1, n, cb * block, sums.data);
  perImage.dispose();
  if (cb * block === c) return sums;
  const db = empty([c], dtype);
  db.data.set(sums.data.subarray(0, c));
  sums.dispose();
  return db;
}

function check4d(op: string, x: Tensor, w: Tensor, b: Tensor | null | undefined, wIn: number): void {
  checkDtypes(op, x, w, b);
  const bad = x.ndim !== 4 || w.ndim !== 4 || x.shape[1] !== w.shape[wIn] || (b && (b.ndim !== 1 || b.shape[0] !== w.shape[1 - wIn]));
  if (bad) {
    throw new Error(`${op}: input ${shapeStr(x.shape)}, weight ${shapeStr(w.shape)}${b ? `, bias ${shapeStr(b.shape)}` : ''} do not match`);
  }
}

/**
 * Cross-correlation, as torch.nn.functional.conv2d.
 * @example conv2d(x, w, b, { stride: 2, padding: 1 }) // DCGAN discriminator block
 */
export function conv2d(x: Tensor, w: Tensor, b?: Tensor | null, opts: Conv2dOptions & FusedActivation = {}): Tensor {
  check4d('conv2d', x, w, b, 1);
  const slope = slopeOf('conv2d', opts);
  const [strideH, strideW] = pair('conv2d', 'stride', opts.stride ?? 1, 1);
  const [padH, padW] = pair('conv2d', 'padding', opts.padding ?? 0, 0);
  const [n, cIn, hIn, wIn] = x.shape as [number, number, number, number];
  const [cOut, , kH, kW] = w.shape as [number, number, number, number];
  const hOut = Math.floor((hIn + 2 * padH - kH) / strideH) + 1;
  const wOut = Math.floor((wIn + 2 * padW - kW) / strideW) + 1;
  if (hOut < 1 || wOut < 1) throw new Error(`conv2d: input ${shapeStr(x.shape)} is smaller than the kernel ${shapeStr(w.shape)}`);
  const g: Conv2dGeometry = { n, cIn, hIn, wIn, cOut, kH, kW, strideH, strideW, padH, padW, hOut, wOut };
  const blocked = conv2dBlocked(g, x, w, b ?? null, slope);
  if (blocked) return blocked;
  const be = getBackend();
  const y = empty([n, cOut, hOut, wOut], x.dtype);
  be.conv2d(g, x.data, w.data, b ? b.data : null, y.data);
  const conv = recordOp(y, 'conv2d', [x, w, b ?? null], (dy, needs) => {
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      dx = empty(x.shape, x.dtype);
      be.conv2dBackwardData(g, dy.data, w.data, dx.data);
    }
    if (needs[1] || needs[2]) {
      dw = empty(w.shape, w.dtype);
      db = needs[2] ? empty([cOut], x.dtype) : null;
      be.conv2dBackwardWeights(g, x.data, dy.data, dw.data, db ? db.data : null);
      if (!needs[1]) {
        dw.dispose();
        dw = null;
      }
    }
    return [dx, dw, db];
  });
  return activation(conv, opts);
}

/**
 * conv2d with its activations in the layouts oneDNN's kernels want (blocked.ts): x and the
 * incoming gradient are read in whatever layout they are, y and dx are written blocked. With
 * slope < 1 the leaky ReLU runs inside the convolution call (a oneDNN post-op, or a pass right
 * after a Winograd primitive, which takes none), a ReLU right after it, and its gradient, from y,
 * at the start of the backward. Null when the backend has no blocked kernels or oneDNN wants
 * neither layout.
 */
function conv2dBlocked(g: Conv2dGeometry, x: Tensor, w: Tensor, b: Tensor | null, slope: number): Tensor | null {
  const bk = blockedKernelsFor(x);
  if (bk === null) return null;
  const [srcBlock, dstBlock] = bk.convBlocks(g);
  if (srcBlock === 0 || dstBlock === 0) return null;
  const yBlock = outputBlock(g.cOut, dstBlock);
  const dxBlock = outputBlock(g.cIn, srcBlock);
  const xr = rawOf(x);
  const y = emptyBlocked([g.n, g.cOut, g.hOut, g.wOut], yBlock, bk);
  bk.conv2dBlocked(
    g,
    xr.data as Float32Array,
    xr.block,
    w.data as Float32Array,
    b ? (b.data as Float32Array) : null,
    rawOf(y).data as Float32Array,
    yBlock,
    slope > 0 ? slope : 1,
  );
  // a ReLU through the unary kernel, in place on the fresh output: oneDNN's ReLU post-op turns NaN
  // into 0, where ours (like PyTorch's) keeps it, so a diverging run still shows NaN
  if (slope === 0) getBackend().unary('relu', rawOf(y).data, rawOf(y).data, 0);
  return recordOp(y, 'conv2d', [x, w, b], (dyIn, needs) => {
    // the activation's gradient from its output (whose sign is its input's)
    const dy = slope < 1 ? unaryGradient(slope === 0 ? 'relu' : 'leakyRelu', y, y, dyIn, slope) : dyIn;
    const dyr = rawOf(dy);
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      dx = emptyBlocked(x.shape, dxBlock, bk);
      bk.conv2dBackwardDataBlocked(g, dyr.data as Float32Array, dyr.block, w.data as Float32Array, rawOf(dx).data as Float32Array, dxBlock);
    }
    if (needs[1] || needs[2]) {
      const xr2 = rawOf(x);
      dw = empty(w.shape, w.dtype);
      db = needs[2] ? empty([g.cOut], x.dtype) : null;
      bk.conv2dBackwardWeightsBlocked(
        g,
        xr2.data as Float32Array,
        xr2.block,
        dyr.data as Float32Array,
        dyr.block,
        dw.data as Float32Array,
        db ? (db.data as Float32Array) : null,
      );
      if (!needs[1]) {
        dw.dispose();
        dw = null;
      }
    }
    if (dy !== dyIn) dy.dispose();
    return [dx, dw, db];
  });
}

/**
 * Transposed convolution (the adjoint of conv2d), as torch.nn.functional.conv_transpose2d.
 * Output size: (H − 1)·stride − 2·padding + kH + outputPadding.
 * @example convTranspose2d(h, w, null, { stride: 2, padding: 1 }) // 4×4 → 8×8 with a 4×4 kernel
 */
export function convTranspose2d(x: Tensor, w: Tensor, b?: Tensor | null, opts: ConvTranspose2dOptions = {}): Tensor {
  check4d('convTranspose2d', x, w, b, 0);
  const [strideH, strideW] = pair('convTranspose2d', 'stride', opts.stride ?? 1, 1);
  const [padH, padW] = pair('convTranspose2d', 'padding', opts.padding ?? 0, 0);
  const [opH, opW] = pair('convTranspose2d', 'outputPadding', opts.outputPadding ?? 0, 0);
  if (opH >= strideH || opW >= strideW) {
    throw new Error(`convTranspose2d: outputPadding (${opH},${opW}) must be smaller than stride (${strideH},${strideW})`);
  }
  const [n, cIn, h, wd] = x.shape as [number, number, number, number];
  const [, cOut, kH, kW] = w.shape as [number, number, number, number];
  const hOut = (h - 1) * strideH - 2 * padH + kH + opH;
  const wOut = (wd - 1) * strideW - 2 * padW + kW + opW;
  if (hOut < 1 || wOut < 1) throw new Error(`convTranspose2d: input ${shapeStr(x.shape)} gives an empty output`);
  // NOTE: geometry of the equivalent forward conv, which maps our output back to our input.
  const g: Conv2dGeometry = {
    n,
    cIn: cOut,
    hIn: hOut,
    wIn: wOut,
    cOut: cIn,
    kH,
    kW,
    strideH,
    strideW,
    padH,
    padW,
    hOut: h,
    wOut: wd,
  };
  const blocked = convTranspose2dBlocked(g, x, w, b ?? null);
  if (blocked) return blocked;
  const be = getBackend();
  const y = empty([n, cOut, hOut, wOut], x.dtype);
  be.conv2dBackwardData(g, x.data, w.data, y.data);
  if (b) addBias(y.data, b.data, n, cOut, hOut * wOut);
  return recordOp(y, 'convTranspose2d', [x, w, b ?? null], (dy, needs) => {
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    if (needs[0]) {
      dx = empty(x.shape, x.dtype);
      be.conv2d(g, dy.data, w.data, null, dx.data);
    }
    if (needs[1]) {
      dw = empty(w.shape, w.dtype);
      be.conv2dBackwardWeights(g, dy.data, x.data, dw.data, null);
    }
    return [dx, dw, needs[2] ? biasGrad(dy.data, dy.dtype, n, cOut, hOut * wOut) : null];
  });
}

/**
 * convTranspose2d (given the geometry `g` of its equivalent conv) with blocked activations, as
 * conv2dBlocked; null where that does not apply. oneDNN's backward-data primitive has no bias:
 * it is added, and its gradient summed, on the blocked values.
 */
function convTranspose2dBlocked(g: Conv2dGeometry, x: Tensor, w: Tensor, b: Tensor | null): Tensor | null {
  const bk = blockedKernelsFor(x);
  if (bk === null) return null;
  const [srcBlock, dstBlock] = bk.convBlocks(g);
  if (srcBlock === 0 || dstBlock === 0) return null;
  // our y is the equivalent conv's input (src), our x its output (dst)
  const yBlock = outputBlock(g.cIn, srcBlock);
  const dxBlock = outputBlock(g.cOut, dstBlock);
  const xr = rawOf(x);
  const y = emptyBlocked([g.n, g.cIn, g.hIn, g.wIn], yBlock, bk);
  bk.conv2dBackwardDataBlocked(g, xr.data as Float32Array, xr.block, w.data as Float32Array, rawOf(y).data as Float32Array, yBlock);
  if (b) addBias(rawOf(y).data, b.data, g.n, g.cIn, g.hIn * g.wIn, yBlock);
  return recordOp(y, 'convTranspose2d', [x, w, b], (dy, needs) => {
    const dyr = rawOf(dy);
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    if (needs[0]) {
      dx = emptyBlocked(x.shape, dxBlock, bk);
      bk.conv2dBlocked(g, dyr.data as Float32Array, dyr.block, w.data as Float32Array, null, rawOf(dx).data as Float32Array, dxBlock, 1);
    }
    if (needs[1]) {
      const xr2 = rawOf(x);
      dw = empty(w.shape, w.dtype);
      bk.conv2dBackwardWeightsBlocked(
        g,
        dyr.data as Float32Array,
        dyr.block,
        xr2.data as Float32Array,
        xr2.block,
        dw.data as Float32Array,
        null,
      );
    }
    const dyNow = rawOf(dy);
    return [dx, dw, needs[2] ? biasGrad(dyNow.data, dy.dtype, g.n, g.cIn, g.hIn * g.wIn, dyNow.block) : null];
  });
}

/**
 * The 4×4 transposed-convolution kernel equivalent to nearest 2× upsampling followed by a 3×3
 * convolution with padding 1: w [cOut, cIn, 3, 3] → k [cIn, cOut, 4, 4] with
 * k[c, o, i, j] = Σ_{u,v} M[i][u]·M[j][v]·w[o, c, u, v]. An output row 2m (2m + 1) of the
 * upsampled convolution reads input rows m − 1 and m (m and m + 1), so each of the four output
 * phases is a 2×2 convolution whose taps are sums of the 3×3 taps; the transposed convolution with
 * stride 2 and padding 1 puts tap i of input row m at output row 2m − 1 + i, which gives M, whose
 * rows sum the 3×3 taps {2}, {1, 2}, {0, 1} and {0}.
 */
function upsampleKernel(w: Tensor): Tensor {
  const [o, c] = w.shape as [number, number];
  const k = empty([c, o, 4, 4], w.dtype);
  const wd = w.data;
  const kd = k.data;
  // NOTE: straight-line code over locals (every generator forward runs this on all its weights)
  for (let ic = 0; ic < c; ic++) {
    for (let oc = 0; oc < o; oc++) {
      const s = (oc * c + ic) * 9;
      // each row (a, b, d) of the 3×3 kernel → its 4 summed taps t = (d, b + d, a + b, a)
      const a0 = wd[s]!,
        b0 = wd[s + 1]!,
        d0 = wd[s + 2]!;
      const a1 = wd[s + 3]!,
        b1 = wd[s + 4]!,
        d1 = wd[s + 5]!;
      const a2 = wd[s + 6]!,
        b2 = wd[s + 7]!,
        d2 = wd[s + 8]!;
      const t01 = b0 + d0,
        t02 = a0 + b0,
        t11 = b1 + d1,
        t12 = a1 + b1,
        t21 = b2 + d2,
        t22 = a2 + b2;
      // then the rows the same way: t₂, t₁ + t₂, t₀ + t₁, t₀
      const q = (ic * o + oc) * 16;
      kd[q] = d2;
      kd[q + 1] = t21;
      kd[q + 2] = t22;
      kd[q + 3] = a2;
      kd[q + 4] = d1 + d2;
      kd[q + 5] = t11 + t21;
      kd[q + 6] = t12 + t22;
      kd[q + 7] = a1 + a2;
      kd[q + 8] = d0 + d1;
      kd[q + 9] = t01 + t11;
      kd[q + 10] = t02 + t12;
      kd[q + 11] = a0 + a1;
      kd[q + 12] = d0;
      kd[q + 13] = t01;
      kd[q + 14] = t02;
      kd[q + 15] = a0;
    }
  }
  return recordOp(k, 'upsampleKernel', [w], (dk) => {
    const dw = empty(w.shape, w.dtype);
    const g = dk.data;
    const out = dw.data;
    // the adjoint: Mᵀ along rows (r₀ from k rows 2, 3; r₁ from 1, 2; r₂ from 0, 1), then along columns
    for (let ic = 0; ic < c; ic++) {
      for (let oc = 0; oc < o; oc++) {
        const q = (ic * o + oc) * 16;
        const r00 = g[q + 8]! + g[q + 12]!,
          r01 = g[q + 9]! + g[q + 13]!,
          r02 = g[q + 10]! + g[q + 14]!,
          r03 = g[q + 11]! + g[q + 15]!;
        const r10 = g[q + 4]! + g[q + 8]!,
          r11 = g[q + 5]! + g[q + 9]!,
          r12 = g[q + 6]! + g[q + 10]!,
          r13 = g[q + 7]! + g[q + 11]!;
        const r20 = g[q]! + g[q + 4]!,
          r21 = g[q + 1]! + g[q + 5]!,
          r22 = g[q + 2]! + g[q + 6]!,
          r23 = g[q + 3]! + g[q + 7]!;
        const s = (oc * c + ic) * 9;
        out[s] = r02 + r03;
        out[s + 1] = r01 + r02;
        out[s + 2] = r00 + r01;
        out[s + 3] = r12 + r13;
        out[s + 4] = r11 + r12;
        out[s + 5] = r10 + r11;
        out[s + 6] = r22 + r23;
        out[s + 7] = r21 + r22;
        out[s + 8] = r20 + r21;
      }
    }
    return [dw];
  });
}

/**
 * conv2d(upsampleNearest2x(x), w, b, { padding: 1 }) for a 3×3 kernel, computed as one transposed
 * convolution (stride 2, the 4×4 kernel of `upsampleKernel`): 4 instead of 9 multiply-adds per
 * output value and no upsampled copy of x (the sub-pixel view of upsampling + convolution, Shi
 * et al. 2016; Odena et al. 2016 on the two as generator layers). Other kernels run as written.
 * @example upsampleConv2d(h, conv.weight, conv.bias) // [N, C, H, W] → [N, C', 2H, 2W]
 */
export function upsampleConv2d(x: Tensor, w: Tensor, b?: Tensor | null): Tensor {
  if (w.ndim !== 4 || w.shape[2] !== 3 || w.shape[3] !== 3) return conv2d(upsampleNearest2x(x), w, b, { padding: 1 });
  check4d('upsampleConv2d', x, w, b, 1);
  return convTranspose2d(x, upsampleKernel(w), b, { stride: 2, padding: 1 });
}

/**
 * The 4×4 kernel of stride 2 equivalent to a 3×3 convolution with padding 1 followed by 2×2
 * average pooling: w [cOut, cIn, 3, 3] → k [cOut, cIn, 4, 4] with k = ¼·P w Pᵀ, where row i of
 * P (4×3) sums the 3×3 taps {0}, {0, 1}, {1, 2} and {2}. A pooled output row m averages the
 * convolution's rows 2m and 2m + 1, which read input rows 2m − 1 … 2m + 1 and 2m … 2m + 2: tap i
 * of the strided kernel (input row 2m − 1 + i) collects the 3×3 taps that land on that row.
 */
function poolKernel(w: Tensor): Tensor {
  const [o, c] = w.shape as [number, number];
  const k = empty([o, c, 4, 4], w.dtype);
  const wd = w.data;
  const kd = k.data;
  for (let p = 0; p < o * c; p++) {
    const s = p * 9;
    const q = p * 16;
    // columns first: each row (a, b, d) → (a, a + b, b + d, d)/2, then the rows the same way
    for (let r = 0; r < 3; r++) {
      const a = wd[s + 3 * r]!,
        b = wd[s + 3 * r + 1]!,
        d = wd[s + 3 * r + 2]!;
      // row r of the 3×3 kernel goes to rows r and r + 1 of k, each with weight ½·½
      const t0 = 0.25 * a,
        t1 = 0.25 * (a + b),
        t2 = 0.25 * (b + d),
        t3 = 0.25 * d;
      const lo = q + 4 * r;
      const hi = lo + 4;
      kd[lo] = r === 0 ? t0 : kd[lo]! + t0;
      kd[lo + 1] = r === 0 ? t1 : kd[lo + 1]! + t1;
      kd[lo + 2] = r === 0 ? t2 : kd[lo + 2]! + t2;
      kd[lo + 3] = r === 0 ? t3 : kd[lo + 3]! + t3;
      kd[hi] = t0;
      kd[hi + 1] = t1;
      kd[hi + 2] = t2;
      kd[hi + 3] = t3;
    }
  }
  return recordOp(k, 'poolKernel', [w], (dk) => {
    const dw = empty(w.shape, w.dtype);
    const g = dk.data;
    const out = dw.data;
    // the adjoint: ¼·Pᵀ dk P, i.e. each 3×3 tap (u, v) sums the 2×2 taps u … u + 1, v … v + 1 of dk
    for (let p = 0; p < o * c; p++) {
      const q = p * 16;
      const s = p * 9;
      for (let u = 0; u < 3; u++) {
        const r0 = q + 4 * u;
        const r1 = r0 + 4;
        for (let v = 0; v < 3; v++) {
          out[s + 3 * u + v] = 0.25 * (g[r0 + v]! + g[r0 + v + 1]! + g[r1 + v]! + g[r1 + v + 1]!);
        }
      }
    }
    return [dw];
  });
}

/**
 * avgPool2d(conv2d(x, w, b, { padding: 1 }), 2) for a 3×3 kernel, computed as one convolution with
 * stride 2 and the 4×4 kernel of `poolKernel`: 16 instead of 36 multiply-adds per pooled output
 * value, and no full-resolution copy of the convolution's output (both are linear, so they
 * compose into one kernel; StyleGAN2's resampling convolutions likewise pair a fixed low-pass
 * filter with a strided convolution, Karras et al. 2020a). Other kernels, and sizes that 2×2
 * pooling does not tile, run as written.
 * @example convAvgPool2d(h, conv.weight, conv.bias) // [N, C, H, W] → [N, C', H/2, W/2]
 */
export function convAvgPool2d(x: Tensor, w: Tensor, b?: Tensor | null): Tensor {
  const odd = x.ndim === 4 && (x.shape[2]! % 2 !== 0 || x.shape[3]! % 2 !== 0);
  if (w.ndim !== 4 || w.shape[2] !== 3 || w.shape[3] !== 3 || odd) return avgPool2d(conv2d(x, w, b, { padding: 1 }), 2);
  check4d('convAvgPool2d', x, w, b, 1);
  return conv2d(x, poolKernel(w), b, { stride: 2, padding: 1 });
}
