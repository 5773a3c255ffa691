/**
 * Matrix products: matmul (2-D and batched) and linear (x·wᵀ + b, PyTorch's weight layout).
 */
import type { Storage } from '../backend.js';
import { recordOp } from '../autograd.js';
import { getBackend } from '../backends/index.js';
import { empty, sameShape, shapeSize, shapeStr, type Tensor } from '../tensor.js';
import { binaryInto, checkDtypes, scalar } from './util.js';

/**
 * `batch` gemms; a stride of 0 reuses the same matrix for every batch entry, and a c stride of 0
 * accumulates all of them into one matrix.
 */
function batchedGemm(
  batch: number,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Storage,
  aStride: number,
  b: Storage,
  bStride: number,
  c: Storage,
  cStride: number,
): void {
  const be = getBackend();
  if (batch === 1) {
    be.gemm(transA, transB, m, n, k, a, b, c, false);
    return;
  }
  for (let i = 0; i < batch; i++) {
    be.gemm(
      transA,
      transB,
      m,
      n,
      k,
      a.subarray(i * aStride, i * aStride + m * k),
      b.subarray(i * bStride, i * bStride + k * n),
      c.subarray(i * cStride, i * cStride + m * n),
      cStride === 0 && i > 0,
    );
  }
}

/**
 * Matrix product over the last two dimensions. Leading (batch) dimensions must be equal, or one
 * side has none (then it is shared by every batch entry).
 * @example matmul(q, transpose(k)) // [B,T,D]·[B,D,T] → [B,T,T]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkDtypes('matmul', a, b);
  const fail = () => new Error(`matmul: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} do not match`);
  if (a.ndim < 2 || b.ndim < 2) throw fail();
  const m = a.shape[a.ndim - 2]!;
  const k = a.shape[a.ndim - 1]!;
  const n = b.shape[b.ndim - 1]!;
  if (b.shape[b.ndim - 2] !== k) throw fail();
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  if (aBatch.length > 0 && bBatch.length > 0 && !sameShape(aBatch, bBatch)) throw fail();
  const batchShape = aBatch.length > 0 ? aBatch : bBatch;
  const batch = shapeSize(batchShape);
  // NOTE: with a batch on a only, fold it into the rows: one big gemm instead of many small ones.
  const fold = bBatch.length === 0;
  const rows = fold ? batch * m : m;
  const nb = fold ? 1 : batch;
  const aS = aBatch.length > 0 ? m * k : 0;
  const bS = bBatch.length > 0 ? k * n : 0;
  const y = empty([...batchShape, m, n], a.dtype);
  batchedGemm(nb, false, false, rows, n, k, a.data, aS, b.data, bS, y.data, m * n);
  return recordOp(y, 'matmul', [a, b], (dy, needs) => {
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      // dA = dY·Bᵀ (summed over the batch when a is shared)
      da = empty(a.shape, a.dtype);
      batchedGemm(nb, false, true, rows, k, n, dy.data, m * n, b.data, bS, da.data, aS);
    }
    if (needs[1]) {
      // dB = Aᵀ·dY (summed over the batch when b is shared)
      db = empty(b.shape, b.dtype);
      batchedGemm(nb, true, false, k, n, rows, a.data, aS, dy.data, m * n, db.data, bS);
    }
    return [da, db];
  });
}

/**
 * y = x·wᵀ + b with x [..., in], w [out, in], b [out] (PyTorch's nn.Linear layout).
 * @example linear(z, weight, bias) // [64,100] → [64,4096]
 */
export function linear(x: Tensor, w: Tensor, b?: Tensor | null): Tensor {
  checkDtypes('linear', x, w, b);
  const inF = x.shape[x.ndim - 1];
  if (w.ndim !== 2 || inF !== w.shape[1] || (b && (b.ndim !== 1 || b.shape[0] !== w.shape[0]))) {
    throw new Error(
      `linear: input ${shapeStr(x.shape)}, weight ${shapeStr(w.shape)}${b ? `, bias ${shapeStr(b.shape)}` : ''} do not match`,
    );
  }
  const outF = w.shape[0]!;
  const rows = x.size / inF!;
  const be = getBackend();
  const y = empty([...x.shape.slice(0, -1), outF], x.dtype);
  be.gemm(false, true, rows, outF, inF!, x.data, w.data, y.data, false);
  if (b) be.binary('add', y.data, [outF, 1], b.data, [0, 1], y.data, [rows, outF]);
  return recordOp(y, 'linear', [x, w, b ?? null], (dy, needs) => {
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      dx = empty(x.shape, x.dtype);
      be.gemm(false, false, rows, inF!, outF, dy.data, w.data, dx.data, false);
    }
    if (needs[1]) {
      dw = empty(w.shape, w.dtype);
      be.gemm(true, false, outF, inF!, rows, dy.data, x.data, dw.data, false);
    }
    if (needs[2]) {
      db = empty([outF], x.dtype);
      be.reduce('sum', dy.data, 1, rows, outF, db.data);
    }
    return [dx, dw, db];
  });
}

/**
 * Σ aᵢ·bᵢ. As a product [16, q]·[q, 16] whose trace is the sum (the rest by hand): a 1×n by n×1
 * product runs as a slow matrix-vector case, 8× slower on 147,456 elements (0.28 vs 0.035 ms).
 */
function dot(a: Storage, b: Storage): number {
  const q = Math.floor(a.length / 16);
  let s = 0;
  if (q > 0) {
    const c = a instanceof Float32Array ? new Float32Array(256) : new Float64Array(256);
    getBackend().gemm(true, false, 16, 16, q, a.subarray(0, 16 * q), b.subarray(0, 16 * q), c, false);
    for (let i = 0; i < 16; i++) s += c[i * 17]!;
  }
  for (let i = 16 * q; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Spectral normalisation's weight W / σ with σ = uᵀ·W·v, W viewed as a matrix [u.size, v.size]
 * in its own memory order (Miyato et al. 2018, "Spectral Normalization for Generative Adversarial
 * Networks"). u and v are constants (the power iteration's vectors): the gradient reaches W
 * through both W and σ, ∂L/∂W = (G − ⟨G, W⟩/σ · u·vᵀ) / σ for the incoming gradient G.
 * One op instead of matmul, mul, sum and div: forward one product and one scaling, backward a dot
 * product, a scaling and a rank-1 update (div's backward alone took five kernels).
 * @example spectralNormalize(weightOrig, u, v) // weightOrig / σ, same shape
 */
export function spectralNormalize(w: Tensor, u: Tensor, v: Tensor): Tensor {
  checkDtypes('spectralNormalize', w, u, v);
  const rows = u.size;
  const cols = v.size;
  if (rows * cols !== w.size) {
    throw new Error(`spectralNormalize: u (${rows}) and v (${cols}) do not span the weight ${shapeStr(w.shape)}`);
  }
  const be = getBackend();
  const Ctor = w.dtype === 'float32' ? Float32Array : Float64Array;
  const wv = new Ctor(rows);
  be.gemm(false, false, rows, 1, cols, w.data, v.data, wv, false);
  const ud = u.data;
  let sigma = 0;
  for (let i = 0; i < rows; i++) sigma += ud[i]! * wv[i]!;
  const y = empty(w.shape, w.dtype);
  const inverse = scalar(1 / sigma, w.dtype);
  binaryInto('mul', w, inverse, y);
  inverse.dispose();
  // u and v as they are now: another training forward before this backward moves them
  const uc = Ctor.from(ud);
  const vc = Ctor.from(v.data);
  return recordOp(y, 'spectralNormalize', [w], (dy) => {
    const c = -dot(dy.data, w.data) / (sigma * sigma);
    const dw = empty(w.shape, w.dtype);
    const inverseB = scalar(1 / sigma, w.dtype);
    binaryInto('mul', dy, inverseB, dw);
    inverseB.dispose();
    be.gemm(
      false,
      false,
      rows,
      cols,
      1,
      uc.map((x) => c * x),
      vc,
      dw.data,
      true,
    );
    return [dw];
  });
}
