/**
 * Normalisation: batch norm (Ioffe & Szegedy 2015), group norm (Wu & He 2018) and layer norm
 * (Ba, Kiros & Hinton 2016).
 *
 * All three share one primitive: standardise rows of a matrix. Batch norm uses the backend's
 * batchNorm kernels directly; group and layer norm view their input so that each group/sample is
 * one "channel" of a batch of one, run the same kernel without affine parameters, and apply their
 * per-channel affine with ordinary broadcasting ops (whose gradients come for free).
 */
import { noGrad, recordOp } from '../autograd.js';
import { getBackend } from '../backends/index.js';
import { empty, emptyLike, type Shape, shapeSize, shapeStr, type Tensor } from '../tensor.js';
import { blockedKernelsFor, emptyRawLike, kernelsOf, rawIn, rawOf } from '../blocked.js';
import { activation, add, mul } from './elementwise.js';
import { broadcastTo } from './reduce.js';
import { reshape } from './shape.js';
import { checkDtypes, slopeOf, type FusedActivation } from './util.js';

export interface BatchNormOptions {
  /** Batch statistics (and running-stat updates) when true; running statistics when false. */
  readonly training: boolean;
  /** Weight of the new batch statistic in the running averages (0.1, as PyTorch). */
  readonly momentum?: number;
  /** Added to the variance before the square root (1e-5). */
  readonly eps?: number;
}

/**
 * Batch normalisation over N and the spatial dimensions, per channel of x [N, C, ...].
 * Training mode normalises with the batch statistics and updates `runningMean`/`runningVar` in
 * place (unbiased variance, like PyTorch); eval mode uses the running statistics. With `relu`
 * (FusedActivation) the ReLU or leaky ReLU that follows is part of the op: relu(batchNorm2d(…))
 * up to rounding, with one pass less each way.
 * @example batchNorm2d(h, gamma, beta, runMean, runVar, { training: true, relu: true, negativeSlope: 0.2 })
 */
export function batchNorm2d(
  x: Tensor,
  gamma: Tensor | null,
  beta: Tensor | null,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  opts: BatchNormOptions & FusedActivation,
): Tensor {
  checkDtypes('batchNorm2d', x, gamma, beta);
  const momentum = opts.momentum ?? 0.1;
  const eps = opts.eps ?? 1e-5;
  const n = x.shape[0] ?? 0;
  const c = x.shape[1] ?? 0;
  const hw = shapeSize(x.shape.slice(2));
  for (const [name, t] of [
    ['gamma', gamma],
    ['beta', beta],
    ['runningMean', runningMean],
    ['runningVar', runningVar],
  ] as const) {
    if (x.ndim < 2 || (t && (t.ndim !== 1 || t.shape[0] !== c))) {
      throw new Error(`batchNorm2d: input ${shapeStr(x.shape)} and ${name} ${t ? shapeStr(t.shape) : ''} do not match`);
    }
  }
  const slope = slopeOf('batchNorm2d', opts);
  if (!opts.training && runningMean && runningVar) {
    return activation(batchNormEval(x, gamma, beta, runningMean, runningVar, eps), opts);
  }
  const count = n * hw;
  if (count < 2 && opts.training) throw new Error(`batchNorm2d: training needs more than one value per channel, got ${shapeStr(x.shape)}`);
  const be = getBackend();
  const meanT = empty([c], x.dtype);
  const invStd = empty([c], x.dtype);
  const fused = batchNormAsAffine(x, gamma, beta, eps, meanT, invStd, slope);
  if (fused) {
    updateRunning(runningMean, runningVar, meanT, invStd, momentum, eps, count, opts.training);
    return fused;
  }
  const y = emptyLike(x);
  be.batchNorm(n, c, hw, x.data, gamma?.data ?? null, beta?.data ?? null, eps, true, meanT.data, invStd.data, y.data);
  updateRunning(runningMean, runningVar, meanT, invStd, momentum, eps, count, opts.training);
  return recordOp(y, 'batchNorm2d', [x, gamma, beta], (dy, needs) => {
    const dx = emptyLike(x);
    const dgamma = needs[1] ? empty([c], x.dtype) : null;
    const dbeta = needs[2] ? empty([c], x.dtype) : null;
    be.batchNormBackward(
      n,
      c,
      hw,
      x.data,
      dy.data,
      gamma?.data ?? null,
      meanT.data,
      invStd.data,
      dx.data,
      dgamma?.data ?? null,
      dbeta?.data ?? null,
    );
    return [dx, dgamma, dbeta];
  });
}

/** Training mode: the running averages move towards the batch's mean and unbiased variance. */
function updateRunning(
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  meanT: Tensor,
  invStd: Tensor,
  momentum: number,
  eps: number,
  count: number,
  training: boolean,
): void {
  if (!training || !runningMean || !runningVar) return;
  const rm = runningMean.data;
  const rv = runningVar.data;
  for (let ch = 0; ch < rm.length; ch++) {
    const is = invStd.data[ch]!;
    const unbiased = (1 / (is * is) - eps) * (count / (count - 1));
    rm[ch] = (1 - momentum) * rm[ch]! + momentum * meanT.data[ch]!;
    rv[ch] = (1 - momentum) * rv[ch]! + momentum * unbiased;
  }
}

/**
 * Training-mode batch norm as batchNormAffine2d's kernel, γ and β (or 1 and 0) repeated per
 * sample: for a channel-blocked x (blocked.ts), which stays blocked, and whenever an activation
 * is fused (slope < 1). Null otherwise (the plain batchNorm kernels serve).
 */
function batchNormAsAffine(
  x: Tensor,
  gamma: Tensor | null,
  beta: Tensor | null,
  eps: number,
  meanT: Tensor,
  invStd: Tensor,
  slope: number,
): Tensor | null {
  const blocked = blockedKernelsFor(x) !== null && rawOf(x).block !== 1 && x.ndim === 4;
  if (!blocked && slope === 1) return null;
  const [n, c] = x.shape as [number, number];
  const perSample = (t: Tensor | null, fill: number) => {
    if (t) return broadcastTo(reshape(t, [1, c]), [n, c]);
    const constant = empty([n, c], x.dtype);
    constant.data.fill(fill);
    return constant;
  };
  return batchNormAffineCore(x, perSample(gamma, 1), perSample(beta, 0), slope, eps, meanT, invStd);
}

/** The kernel call and graph node of batchNormAffine2d's training mode (statistics into meanT, invStd). */
function batchNormAffineCore(x: Tensor, scale: Tensor, shift: Tensor, slope: number, eps: number, meanT: Tensor, invStd: Tensor): Tensor {
  const n = x.shape[0]!;
  const c = x.shape[1]!;
  const hw = shapeSize(x.shape.slice(2));
  const be = getBackend();
  const xr = rawOf(x);
  const y = emptyRawLike(x);
  be.batchNormAffine(n, c, hw, xr.block, xr.data, scale.data, shift.data, slope, eps, meanT.data, invStd.data, rawOf(y).data);
  return recordOp(y, 'batchNorm2d', [x, scale, shift], (dy) => {
    const g = affineGradients(x, y, dy, slope);
    be.batchNormAffineBackward(
      n,
      c,
      hw,
      g.block,
      g.x,
      scale.data,
      g.y,
      slope,
      g.dy,
      meanT.data,
      invStd.data,
      g.dxData,
      g.dscale.data,
      g.dshift.data,
    );
    return [g.dx, g.dscale, g.dshift];
  });
}

/**
 * What the backward of a per-sample affine (batchNormAffine2d, channelAffine) hands its kernel:
 * x's layout and values, its output y (when an activation followed: slope < 1) and dy in that
 * layout, and a new dx in it with new dscale, dshift [N, C].
 */
function affineGradients(x: Tensor, y: Tensor, dy: Tensor, slope: number) {
  const [n, c] = x.shape as [number, number];
  const block = rawOf(x).block;
  const bk = kernelsOf(x);
  const yIn = slope < 1 ? rawIn(y, block, bk) : null;
  const dyIn = rawIn(dy, block, bk);
  const dx = emptyRawLike(x);
  return {
    block,
    x: rawOf(x).data,
    y: yIn,
    dy: dyIn,
    dx,
    dxData: rawOf(dx).data,
    dscale: empty([n, c], x.dtype),
    dshift: empty([n, c], x.dtype),
  };
}

/** [N, C] of x [N, C, ...], after checking that scale and shift are [N, C] of x's dtype. */
function checkPerSample(op: string, x: Tensor, scale: Tensor, shift: Tensor): [number, number] {
  checkDtypes(op, x, scale, shift);
  const n = x.shape[0] ?? 0;
  const c = x.shape[1] ?? 0;
  for (const t of [scale, shift]) {
    if (x.ndim < 2 || t.ndim !== 2 || t.shape[0] !== n || t.shape[1] !== c) {
      throw new Error(`${op}: input ${shapeStr(x.shape)} needs scale and shift [${n},${c}], got ${shapeStr(t.shape)}`);
    }
  }
  return [n, c];
}

/**
 * Batch normalisation of x [N, C, ...] followed by a per-sample affine, y = x̂·scale[i, ch] +
 * shift[i, ch] (scale, shift: [N, C]), then max(y, 0) when `relu` (or a leaky ReLU, see
 * FusedActivation): conditional batch norm (de Vries et al. 2017, Dumoulin et al. 2017) and the
 * activation after it as one op, two passes over x each way in training mode. Running statistics
 * as batchNorm2d; y has x's layout (blocked.ts).
 * @example batchNormAffine2d(h, add(gamma(e), 1), beta(e), runMean, runVar, { training: true, relu: true })
 */
export function batchNormAffine2d(
  x: Tensor,
  scale: Tensor,
  shift: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  opts: BatchNormOptions & FusedActivation,
): Tensor {
  const [n, c] = checkPerSample('batchNormAffine2d', x, scale, shift);
  const slope = slopeOf('batchNormAffine2d', opts);
  const eps = opts.eps ?? 1e-5;
  if (!opts.training && runningMean && runningVar) {
    return channelAffine(batchNormEval(x, null, null, runningMean, runningVar, eps), scale, shift, opts);
  }
  const count = n * shapeSize(x.shape.slice(2));
  if (count < 2) throw new Error(`batchNormAffine2d: training needs more than one value per channel, got ${shapeStr(x.shape)}`);
  const meanT = empty([c], x.dtype);
  const invStd = empty([c], x.dtype);
  const y = batchNormAffineCore(x, scale, shift, slope, eps, meanT, invStd);
  updateRunning(runningMean, runningVar, meanT, invStd, opts.momentum ?? 0.1, eps, count, opts.training);
  return y;
}

/**
 * y = x·scale[i, ch] + shift[i, ch] for x [N, C, ...] and scale, shift [N, C], then max(y, 0)
 * when `relu` (or a leaky ReLU, see FusedActivation): a per-sample, per-channel affine
 * (conditional batch norm's scale and shift, de Vries et al. 2017, Dumoulin et al. 2017) fused
 * with the ReLU that follows it in a generator block. Works on plain and channel-blocked x alike;
 * y has x's layout.
 * @example channelAffine(batchNorm2d(h, null, null, rm, rv, { training }), scale, shift, { relu: true })
 */
export function channelAffine(x: Tensor, scale: Tensor, shift: Tensor, opts: FusedActivation = {}): Tensor {
  const [n, c] = checkPerSample('channelAffine', x, scale, shift);
  const slope = slopeOf('channelAffine', opts);
  const hw = shapeSize(x.shape.slice(2));
  const be = getBackend();
  const xr = rawOf(x);
  const y = emptyRawLike(x);
  be.channelAffine(n, c, hw, xr.block, xr.data, scale.data, shift.data, slope, rawOf(y).data);
  return recordOp(y, 'channelAffine', [x, scale, shift], (dy) => {
    const g = affineGradients(x, y, dy, slope);
    be.channelAffineBackward(n, c, hw, g.block, g.x, scale.data, g.y, slope, g.dy, g.dxData, g.dscale.data, g.dshift.data);
    return [g.dx, g.dscale, g.dshift];
  });
}

/** Eval mode: y = x·scale + shift with scale = γ/√(var+ε), shift = β − mean·scale. */
function batchNormEval(x: Tensor, gamma: Tensor | null, beta: Tensor | null, rm: Tensor, rv: Tensor, eps: number): Tensor {
  const c = x.shape[1]!;
  const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
  const invStd = empty([c], x.dtype);
  for (let ch = 0; ch < c; ch++) invStd.data[ch] = 1 / Math.sqrt(rv.data[ch]! + eps);
  const scale = gamma ? mul(gamma, invStd) : invStd;
  const negMean = noGrad(() => mul(rm, -1));
  const shift = beta ? add(mul(negMean, scale), beta) : mul(negMean, scale);
  return add(mul(x, reshape(scale, bshape)), reshape(shift, bshape));
}

/**
 * Standardises each of `rows` consecutive blocks of x (viewed as [rows, size/rows]) to zero mean
 * and unit (biased) variance. The shared core of groupNorm and layerNorm.
 */
function standardizeRows(x: Tensor, rows: number, eps: number): Tensor {
  const cols = x.size / rows;
  const be = getBackend();
  const meanT = empty([rows], x.dtype);
  const invStd = empty([rows], x.dtype);
  const y = emptyLike(x);
  be.batchNorm(1, rows, cols, x.data, null, null, eps, true, meanT.data, invStd.data, y.data);
  return recordOp(y, 'standardize', [x], (dy) => {
    const dx = emptyLike(x);
    be.batchNormBackward(1, rows, cols, x.data, dy.data, null, meanT.data, invStd.data, dx.data, null, null);
    return [dx];
  });
}

function affine(y: Tensor, gamma: Tensor | null, beta: Tensor | null, shape: Shape): Tensor {
  let out = y;
  if (gamma) out = mul(out, reshape(gamma, shape));
  if (beta) out = add(out, reshape(beta, shape));
  return out;
}

/**
 * Group normalisation of x [N, C, ...]: statistics per sample over C/groups channels and all
 * spatial positions; then a per-channel affine γ, β of shape [C].
 */
export function groupNorm(x: Tensor, groups: number, gamma: Tensor | null, beta: Tensor | null, eps = 1e-5): Tensor {
  checkDtypes('groupNorm', x, gamma, beta);
  const c = x.shape[1] ?? 0;
  if (x.ndim < 2 || !Number.isInteger(groups) || groups < 1 || c % groups !== 0) {
    throw new Error(`groupNorm: ${groups} groups do not divide the channels of ${shapeStr(x.shape)}`);
  }
  for (const t of [gamma, beta]) {
    if (t && (t.ndim !== 1 || t.shape[0] !== c))
      throw new Error(`groupNorm: affine shape ${shapeStr(t.shape)} does not match ${c} channels`);
  }
  const y = standardizeRows(x, x.shape[0]! * groups, eps);
  return affine(
    y,
    gamma,
    beta,
    x.shape.map((d, i) => (i === 1 ? d : 1)),
  );
}

/**
 * Layer normalisation over the trailing `normalizedShape` dimensions of x, with affine γ, β of
 * that shape (or null).
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], gamma: Tensor | null, beta: Tensor | null, eps = 1e-5): Tensor {
  checkDtypes('layerNorm', x, gamma, beta);
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k === 0 || k > x.ndim || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new Error(`layerNorm: normalizedShape [${normalizedShape.join(',')}] is not the end of ${shapeStr(x.shape)}`);
  }
  for (const t of [gamma, beta]) {
    if (t && t.size !== shapeSize(normalizedShape)) {
      throw new Error(`layerNorm: affine shape ${shapeStr(t.shape)} does not match [${normalizedShape.join(',')}]`);
    }
  }
  const y = standardizeRows(x, x.size / shapeSize(normalizedShape), eps);
  return affine(y, gamma, beta, normalizedShape);
}
