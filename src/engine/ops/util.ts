/**
 * Shared helpers for ops: broadcasting geometry, scalar operands and argument checks.
 * Nothing here records autograd nodes.
 */
import type { BinaryOp, DType } from '../backend.js';
import { getBackend } from '../backends/index.js';
import { empty, type Shape, shapeStr, type Tensor } from '../tensor.js';

/** An op operand: a tensor or a plain number (broadcast as a constant). */
export type Operand = Tensor | number;

/** Throws unless every tensor has the same dtype. */
export function checkDtypes(op: string, ...ts: (Tensor | null | undefined)[]): DType {
  let dtype: DType | null = null;
  for (const t of ts) {
    if (!t) continue;
    if (dtype !== null && t.dtype !== dtype) throw new Error(`${op}: dtypes ${dtype} and ${t.dtype} differ`);
    dtype = t.dtype;
  }
  return dtype ?? 'float32';
}

/** A 0-d constant tensor (no grad). */
export function scalar(value: number, dtype: DType): Tensor {
  const t = empty([], dtype);
  t.data[0] = value;
  return t;
}

/** Normalises a possibly negative axis and checks its range. */
export function normAxis(op: string, axis: number, ndim: number): number {
  const a = axis < 0 ? axis + ndim : axis;
  if (!Number.isInteger(a) || a < 0 || a >= Math.max(ndim, 1)) {
    throw new Error(`${op}: axis ${axis} is out of range for ${ndim} dimensions`);
  }
  return a;
}

/** NumPy broadcasting of two shapes (aligned at the last dimension). */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const nd = Math.max(a.length, b.length);
  const out = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const da = a[a.length - nd + i] ?? 1;
    const db = b[b.length - nd + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${shapeStr(a)} and ${shapeStr(b)} cannot be broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Per output dimension, the element stride of `shape` inside `outShape` (0 where broadcast). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const nd = outShape.length;
  const strides = new Array<number>(nd).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    strides[nd - shape.length + i] = d === 1 ? 0 : s;
    s *= d;
  }
  return strides;
}

/**
 * Drops size-1 dimensions and merges neighbours that both operands walk contiguously, so kernels
 * see the fewest, longest loops ([64,128,8,8] + [1,128,1,1] becomes [64,128,64] with b strides [0,1,0]).
 */
export function coalesce(
  shape: Shape,
  aStrides: readonly number[],
  bStrides: readonly number[],
): { shape: number[]; a: number[]; b: number[] } {
  const s: number[] = [];
  const as: number[] = [];
  const bs: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const p = s.length - 1;
    if (p >= 0 && as[p] === aStrides[d]! * n && bs[p] === bStrides[d]! * n) {
      s[p]! *= n;
      as[p] = aStrides[d]!;
      bs[p] = bStrides[d]!;
    } else {
      s.push(n);
      as.push(aStrides[d]!);
      bs.push(bStrides[d]!);
    }
  }
  return { shape: s, a: as, b: bs };
}

/** out = a ∘ b with broadcasting, straight on the kernel (no graph). `out` may alias a. */
export function binaryInto(op: BinaryOp, a: Tensor, b: Tensor, out: Tensor): void {
  const n = out.size;
  // Fast paths (most calls): equal shapes, or one side a single element.
  if ((a.size === n || a.size === 1) && (b.size === n || b.size === 1) && (a.size === n || b.size === n)) {
    getBackend().binary(op, a.data, [a.size === 1 ? 0 : 1], b.data, [b.size === 1 ? 0 : 1], out.data, [n]);
    return;
  }
  const c = coalesce(out.shape, broadcastStrides(a.shape, out.shape), broadcastStrides(b.shape, out.shape));
  getBackend().binary(op, a.data, c.a, b.data, c.b, out.data, c.shape);
}

/** Reads a number-or-pair option (stride, padding) as [h, w]. */
export function pair(op: string, name: string, v: number | readonly [number, number], min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  for (const x of p) {
    if (!Number.isInteger(x) || x < min) throw new Error(`${op}: ${name} must be an integer ≥ ${min}, got ${x}`);
  }
  return p;
}

/** The activation fused into an op (after a convolution or an affine): ReLU, or a leaky ReLU (Maas et al. 2013) of `negativeSlope`. */
export interface FusedActivation {
  /** Follow the op with max(y, 0), or max(y, negativeSlope·y) when negativeSlope is given. */
  readonly relu?: boolean;
  /** The leaky ReLU's slope for y < 0, in [0, 1) (0: ReLU); only with `relu`. */
  readonly negativeSlope?: number;
}

/** The backend's `slope` for `opts`: 1 (no activation), 0 (ReLU) or the leaky ReLU's slope. */
export function slopeOf(op: string, opts: FusedActivation): number {
  if (!opts.relu) {
    if (opts.negativeSlope !== undefined) throw new Error(`${op}: negativeSlope needs relu: true`);
    return 1;
  }
  const s = opts.negativeSlope ?? 0;
  if (!(s >= 0 && s < 1)) throw new Error(`${op}: negativeSlope must be in [0, 1), got ${s}`);
  return s;
}
