/**
 * The native backend's kernels: each sends float32 work to the addon and anything else (float64,
 * used by the gradient checks) to the js kernel of the same name, as backend.ts requires.
 */
import type { Backend, BlockedKernels, Conv2dGeometry, Storage } from '../backend.js';
import type { GeometryArgs, NativeAddon } from './addon.js';

/** The kernels the addon implements; everything else the native backend takes from js. */
export type NativeKernels = Pick<
  Backend,
  | 'gemm'
  | 'conv2d'
  | 'conv2dBackwardData'
  | 'conv2dBackwardWeights'
  | 'batchNorm'
  | 'batchNormBackward'
  | 'unary'
  | 'unaryBackward'
  | 'binary'
  | 'reduce'
  | 'reduceMaxBackward'
  | 'permute'
  | 'adam'
  | 'pool2d'
  | 'upsample2d'
  | 'maxPool2d'
  | 'maxPool2dBackward'
  | 'softmax'
  | 'softmaxBackward'
  | 'channelAffine'
  | 'channelAffineBackward'
  | 'batchNormAffine'
  | 'batchNormAffineBackward'
>;

function f32(a: Storage): a is Float32Array {
  return a instanceof Float32Array;
}

/** All given arrays (null allowed) are float32. */
function allF32(...arrays: (Storage | null)[]): boolean {
  for (const a of arrays) if (a !== null && !f32(a)) return false;
  return true;
}

export function geometryArgs(g: Conv2dGeometry): GeometryArgs {
  return [g.n, g.cIn, g.hIn, g.wIn, g.cOut, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.hOut, g.wOut];
}

/**
 * oneDNN rejects a few unusual geometries (its error code is PEGASUS_ONEDNN); those run on js
 * rather than failing, while malformed calls (wrong lengths) still throw.
 */
function isOneDnnRefusal(e: unknown): boolean {
  return e instanceof Error && (e as Error & { code?: string }).code === 'PEGASUS_ONEDNN';
}

/** Builds the native kernels over `addon`, delegating to `js` where the addon does not apply. */
export function nativeKernels(addon: NativeAddon, js: Backend): NativeKernels {
  return {
    gemm(transA, transB, m, n, k, a, b, c, accumulate) {
      if (allF32(a, b, c)) addon.gemm(transA, transB, m, n, k, a as Float32Array, b as Float32Array, c as Float32Array, accumulate);
      else js.gemm(transA, transB, m, n, k, a, b, c, accumulate);
    },
    conv2d(g, x, w, bias, y) {
      if (allF32(x, w, bias, y)) {
        try {
          return addon.conv2d(...geometryArgs(g), x as Float32Array, w as Float32Array, bias as Float32Array | null, y as Float32Array);
        } catch (e) {
          if (!isOneDnnRefusal(e)) throw e;
        }
      }
      js.conv2d(g, x, w, bias, y);
    },
    conv2dBackwardData(g, dy, w, dx) {
      if (allF32(dy, w, dx)) {
        try {
          return addon.conv2dBackwardData(...geometryArgs(g), dy as Float32Array, w as Float32Array, dx as Float32Array);
        } catch (e) {
          if (!isOneDnnRefusal(e)) throw e;
        }
      }
      js.conv2dBackwardData(g, dy, w, dx);
    },
    conv2dBackwardWeights(g, x, dy, dw, dbias) {
      if (allF32(x, dy, dw, dbias)) {
        try {
          return addon.conv2dBackwardWeights(
            ...geometryArgs(g),
            x as Float32Array,
            dy as Float32Array,
            dw as Float32Array,
            dbias as Float32Array | null,
          );
        } catch (e) {
          if (!isOneDnnRefusal(e)) throw e;
        }
      }
      js.conv2dBackwardWeights(g, x, dy, dw, dbias);
    },
    batchNorm(n, c, hw, x, gamma, beta, eps, training, mean, invStd, y) {
      if (allF32(x, gamma, beta, mean, invStd, y)) {
        addon.batchNorm(
          n,
          c,
          hw,
          x as Float32Array,
          gamma as Float32Array | null,
          beta as Float32Array | null,
          eps,
          training,
          mean as Float32Array,
          invStd as Float32Array,
          y as Float32Array,
        );
      } else js.batchNorm(n, c, hw, x, gamma, beta, eps, training, mean, invStd, y);
    },
    batchNormBackward(n, c, hw, x, dy, gamma, mean, invStd, dx, dgamma, dbeta) {
      if (allF32(x, dy, gamma, mean, invStd, dx, dgamma, dbeta)) {
        addon.batchNormBackward(
          n,
          c,
          hw,
          x as Float32Array,
          dy as Float32Array,
          gamma as Float32Array | null,
          mean as Float32Array,
          invStd as Float32Array,
          dx as Float32Array,
          dgamma as Float32Array | null,
          dbeta as Float32Array | null,
        );
      } else js.batchNormBackward(n, c, hw, x, dy, gamma, mean, invStd, dx, dgamma, dbeta);
    },
    unary(op, x, y, alpha) {
      if (allF32(x, y)) addon.unary(op, x as Float32Array, y as Float32Array, alpha);
      else js.unary(op, x, y, alpha);
    },
    unaryBackward(op, x, y, dy, dx, alpha) {
      if (allF32(x, y, dy, dx)) {
        addon.unaryBackward(op, x as Float32Array, y as Float32Array, dy as Float32Array, dx as Float32Array, alpha);
      } else js.unaryBackward(op, x, y, dy, dx, alpha);
    },
    binary(op, a, aStrides, b, bStrides, out, outShape) {
      if (allF32(a, b, out)) {
        addon.binary(op, a as Float32Array, aStrides, b as Float32Array, bStrides, out as Float32Array, outShape);
      } else js.binary(op, a, aStrides, b, bStrides, out, outShape);
    },
    reduce(op, x, outer, axis, inner, y) {
      if (allF32(x, y)) addon.reduce(op, x as Float32Array, outer, axis, inner, y as Float32Array);
      else js.reduce(op, x, outer, axis, inner, y);
    },
    reduceMaxBackward(x, y, dy, outer, axis, inner, dx) {
      if (allF32(x, y, dy, dx)) {
        addon.reduceMaxBackward(x as Float32Array, y as Float32Array, dy as Float32Array, outer, axis, inner, dx as Float32Array);
      } else js.reduceMaxBackward(x, y, dy, outer, axis, inner, dx);
    },
    permute(x, shape, perm, y) {
      if (allF32(x, y)) addon.permute(x as Float32Array, shape, perm, y as Float32Array);
      else js.permute(x, shape, perm, y);
    },
    adam(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, step) {
      if (allF32(param, grad, m, v)) {
        addon.adam(
          param as Float32Array,
          grad as Float32Array,
          m as Float32Array,
          v as Float32Array,
          lr,
          beta1,
          beta2,
          eps,
          weightDecay,
          decoupled,
          step,
        );
      } else js.adam(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, step);
    },
    pool2d(nc, h, w, k, x, y, scale) {
      if (allF32(x, y)) addon.pool2d(nc, h, w, k, x as Float32Array, y as Float32Array, scale);
      else js.pool2d(nc, h, w, k, x, y, scale);
    },
    upsample2d(nc, h, w, k, x, y, scale) {
      if (allF32(x, y)) addon.upsample2d(nc, h, w, k, x as Float32Array, y as Float32Array, scale);
      else js.upsample2d(nc, h, w, k, x, y, scale);
    },
    maxPool2d(nc, h, w, k, x, y) {
      if (allF32(x, y)) addon.maxPool2d(nc, h, w, k, x as Float32Array, y as Float32Array);
      else js.maxPool2d(nc, h, w, k, x, y);
    },
    maxPool2dBackward(nc, h, w, k, x, y, dy, dx) {
      if (allF32(x, y, dy, dx)) {
        addon.maxPool2dBackward(nc, h, w, k, x as Float32Array, y as Float32Array, dy as Float32Array, dx as Float32Array);
      } else js.maxPool2dBackward(nc, h, w, k, x, y, dy, dx);
    },
    softmax(log, x, outer, axis, inner, y) {
      if (allF32(x, y)) addon.softmax(log, x as Float32Array, outer, axis, inner, y as Float32Array);
      else js.softmax(log, x, outer, axis, inner, y);
    },
    softmaxBackward(log, y, dy, outer, axis, inner, dx) {
      if (allF32(y, dy, dx)) {
        addon.softmaxBackward(log, y as Float32Array, dy as Float32Array, outer, axis, inner, dx as Float32Array);
      } else js.softmaxBackward(log, y, dy, outer, axis, inner, dx);
    },
    channelAffine(n, c, hw, block, x, scale, shift, slope, y) {
      if (allF32(x, scale, shift, y)) {
        addon.channelAffine(n, c, hw, block, x as Float32Array, scale as Float32Array, shift as Float32Array, slope, y as Float32Array);
      } else js.channelAffine(n, c, hw, block, x, scale, shift, slope, y);
    },
    channelAffineBackward(n, c, hw, block, x, scale, y, slope, dy, dx, dscale, dshift) {
      if (allF32(x, scale, y, dy, dx, dscale, dshift)) {
        addon.channelAffineBackward(
          n,
          c,
          hw,
          block,
          x as Float32Array,
          scale as Float32Array,
          y as Float32Array | null,
          slope,
          dy as Float32Array,
          dx as Float32Array,
          dscale as Float32Array,
          dshift as Float32Array,
        );
      } else js.channelAffineBackward(n, c, hw, block, x, scale, y, slope, dy, dx, dscale, dshift);
    },
    batchNormAffine(n, c, hw, block, x, scale, shift, slope, eps, mean, invStd, y) {
      if (allF32(x, scale, shift, mean, invStd, y)) {
        const f = (a: Storage) => a as Float32Array;
        addon.batchNormAffine(n, c, hw, block, f(x), f(scale), f(shift), slope, eps, f(mean), f(invStd), f(y));
      } else js.batchNormAffine(n, c, hw, block, x, scale, shift, slope, eps, mean, invStd, y);
    },
    batchNormAffineBackward(n, c, hw, block, x, scale, y, slope, dy, mean, invStd, dx, dscale, dshift) {
      if (allF32(x, scale, y, dy, mean, invStd, dx, dscale, dshift)) {
        const f = (a: Storage) => a as Float32Array;
        addon.batchNormAffineBackward(
          n,
          c,
          hw,
          block,
          f(x),
          f(scale),
          y as Float32Array | null,
          slope,
          f(dy),
          f(mean),
          f(invStd),
          f(dx),
          f(dscale),
          f(dshift),
        );
      } else js.batchNormAffineBackward(n, c, hw, block, x, scale, y, slope, dy, mean, invStd, dx, dscale, dshift);
    },
  };
}

/** convBlocks' answers by geometry; cleared when the convolution algorithm changes. */
const blocks = new Map<string, readonly [number, number]>();

/** Forgets the layouts convBlocks reported (the primitives they came from were rebuilt). */
export function forgetConvBlocks(): void {
  blocks.clear();
}

/** The addon's kernels over channel-blocked activations (float32 only; see BlockedKernels). */
export function blockedKernels(addon: NativeAddon): BlockedKernels {
  const out = new Float32Array(2);
  return {
    convBlocks(g) {
      const args = geometryArgs(g);
      const key = args.join(',');
      let b = blocks.get(key);
      if (b === undefined) {
        try {
          addon.convBlocks(...args, out);
          b = [out[0]!, out[1]!];
        } catch (e) {
          if (!isOneDnnRefusal(e)) throw e;
          b = [0, 0];
        }
        blocks.set(key, b);
      }
      return b;
    },
    conv2dBlocked: (g, x, xBlock, w, bias, y, yBlock, slope) =>
      addon.conv2dBlocked(...geometryArgs(g), x, xBlock, w, bias, y, yBlock, slope),
    conv2dBackwardDataBlocked: (g, dy, dyBlock, w, dx, dxBlock) =>
      addon.conv2dBackwardDataBlocked(...geometryArgs(g), dy, dyBlock, w, dx, dxBlock),
    conv2dBackwardWeightsBlocked: (g, x, xBlock, dy, dyBlock, dw, dbias) =>
      addon.conv2dBackwardWeightsBlocked(...geometryArgs(g), x, xBlock, dy, dyBlock, dw, dbias),
    reorderBlocked: (n, c, h, w, fromBlock, x, toBlock, y) => addon.reorderBlocked(n, c, h, w, fromBlock, x, toBlock, y),
    pool2dBlocked: (planes, h, w, k, block, x, y, scale) => addon.pool2dBlocked(planes, h, w, k, block, x, y, scale),
    upsample2dBlocked: (planes, h, w, k, block, x, y, scale) => addon.upsample2dBlocked(planes, h, w, k, block, x, y, scale),
  };
}

/**
 * The kernels whose addon function exists, and the names of those that do not.
 * NOTE: a build older than the sources (new code pulled without `npm rebuild`) lacks the newer
 * kernels; they then stay on js instead of failing with "addon.x is not a function".
 */
export function kernelsPresentIn(addon: object, kernels: Partial<NativeKernels>): { kernels: Partial<NativeKernels>; missing: string[] } {
  const present: Partial<NativeKernels> = {};
  const missing: string[] = [];
  for (const [name, fn] of Object.entries(kernels)) {
    if (typeof (addon as Record<string, unknown>)[name] === 'function') Object.assign(present, { [name]: fn });
    else missing.push(name);
  }
  return { kernels: present, missing };
}
