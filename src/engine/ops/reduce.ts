/**
 * Reductions (sum, mean, max over axes), broadcasting back (broadcastTo, sumTo) and softmax.
 */
import { recordOp } from '../autograd.js';
import { getBackend } from '../backends/index.js';
import { empty, emptyLike, sameShape, type Shape, shapeSize, shapeStr, type Tensor, viewAs } from '../tensor.js';
import { binaryInto, broadcastShapes, normAxis, scalar } from './util.js';

/** Sorted, unique, non-negative axes (all of them when undefined). */
function normAxes(op: string, axes: number | readonly number[] | undefined, ndim: number): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  return [...new Set(list.map((a) => normAxis(op, a, ndim)))].sort((a, b) => a - b);
}

function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/**
 * Σ over the given axes on the kernel (no graph). Runs of adjacent axes are reduced in one kernel
 * call, from the last run to the first. Returns x itself when there is nothing to reduce.
 */
function sumRaw(x: Tensor, axes: readonly number[], outShape: Shape): Tensor {
  const shape = [...x.shape];
  const runs: [number, number][] = [];
  for (const a of axes) {
    const r = runs[runs.length - 1];
    if (r && r[1] === a - 1) r[1] = a;
    else runs.push([a, a]);
  }
  let cur = x;
  for (let r = runs.length - 1; r >= 0; r--) {
    const [first, end] = runs[r]!;
    const outer = shapeSize(shape.slice(0, first));
    const axis = shapeSize(shape.slice(first, end + 1));
    const inner = shapeSize(shape.slice(end + 1));
    for (let d = first; d <= end; d++) shape[d] = 1;
    const next = empty([...shape], x.dtype);
    getBackend().reduce('sum', cur.data, outer, axis, inner, next.data);
    if (cur !== x) cur.dispose();
    cur = next;
  }
  if (cur === x) return x;
  const out = viewAs(cur, outShape);
  cur.dispose();
  return out;
}

/** broadcastTo on the kernel (no graph), scaled by `scale`. */
function expandRaw(x: Tensor, shape: Shape, scale: number): Tensor {
  const out = empty(shape, x.dtype);
  const k = scalar(scale, x.dtype);
  binaryInto('mul', x, k, out);
  k.dispose();
  return out;
}

/** The backward of a reduction: dy (reduced shape) viewed with kept dims, broadcast back and scaled. */
function expandGrad(dy: Tensor, keptShape: Shape, shape: Shape, scale: number): Tensor {
  const v = viewAs(dy, keptShape);
  const out = expandRaw(v, shape, scale);
  v.dispose();
  return out;
}

/**
 * Σ of g over the dimensions that broadcasting added or stretched, giving `shape` (the backward of
 * broadcasting). Returns g itself when the shapes already match.
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return sumRaw(g, axes, shape);
}

/** x repeated along broadcast dimensions to `shape` (NumPy broadcast_to). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  const target = broadcastShapes('broadcastTo', x.shape, shape);
  if (!sameShape(target, shape)) {
    throw new Error(`broadcastTo: shape ${shapeStr(x.shape)} cannot be broadcast to ${shapeStr(shape)}`);
  }
  return recordOp(expandRaw(x, shape, 1), 'broadcastTo', [x], (dy) => [sumTo(dy, x.shape)]);
}

/**
 * Σ over `axes` (all when omitted).
 * @example sum(x, [2, 3], true) // [N,C,H,W] → [N,C,1,1]
 */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normAxes('sum', axes, x.ndim);
  const outShape = reducedShape(x.shape, ax, keepDims);
  let y = sumRaw(x, ax, outShape);
  if (y === x) y = viewAs(x, outShape);
  const kept = reducedShape(x.shape, ax, true);
  return recordOp(y, 'sum', [x], (dy) => [expandGrad(dy, kept, x.shape, 1)]);
}

/** Mean over `axes` (all when omitted). */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normAxes('mean', axes, x.ndim);
  let count = 1;
  for (const a of ax) count *= x.shape[a]!;
  const outShape = reducedShape(x.shape, ax, keepDims);
  const s = sumRaw(x, ax, outShape);
  const y = emptyLike(s);
  const k = scalar(1 / count, x.dtype);
  binaryInto('mul', s, k, y);
  k.dispose();
  if (s !== x) s.dispose();
  const kept = reducedShape(x.shape, ax, true);
  return recordOp(y, 'mean', [x], (dy) => [expandGrad(dy, kept, x.shape, 1 / count)]);
}

/** Maximum over one axis; the gradient goes to the first maximal element (like torch.max(dim)). */
function maxAxis(x: Tensor, axis: number): Tensor {
  const outer = shapeSize(x.shape.slice(0, axis));
  const n = x.shape[axis]!;
  const inner = shapeSize(x.shape.slice(axis + 1));
  const shape = x.shape.map((d, i) => (i === axis ? 1 : d));
  const y = empty(shape, x.dtype);
  getBackend().reduce('max', x.data, outer, n, inner, y.data);
  return recordOp(y, 'max', [x], (dy) => {
    const dx = emptyLike(x);
    getBackend().reduceMaxBackward(x.data, y.data, dy.data, outer, n, inner, dx.data);
    return [dx];
  });
}

/** Maximum over `axes` (all when omitted). */
export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normAxes('max', axes, x.ndim);
  if (x.size === 0) throw new Error(`max: empty tensor of shape ${shapeStr(x.shape)}`);
  let cur = x;
  for (let i = ax.length - 1; i >= 0; i--) cur = maxAxis(cur, ax[i]!);
  if (keepDims) return cur === x ? reshapeKeep(x) : cur;
  return reshapeKeep(cur, reducedShape(x.shape, ax, false));
}

/** A differentiable view with a new shape of the same size (local, to avoid importing shape.ts). */
function reshapeKeep(x: Tensor, shape: Shape = x.shape): Tensor {
  return recordOp(viewAs(x, shape), 'reshape', [x], (dy) => [viewAs(dy, x.shape)]);
}

function softmaxOp(log: boolean, x: Tensor, axis: number): Tensor {
  const op = log ? 'logSoftmax' : 'softmax';
  const a = normAxis(op, axis, x.ndim);
  const outer = shapeSize(x.shape.slice(0, a));
  const n = x.shape[a] ?? 1;
  const inner = shapeSize(x.shape.slice(a + 1));
  const y = emptyLike(x);
  getBackend().softmax(log, x.data, outer, n, inner, y.data);
  return recordOp(y, op, [x], (dy) => {
    const dx = emptyLike(x);
    getBackend().softmaxBackward(log, y.data, dy.data, outer, n, inner, dx.data);
    return [dx];
  });
}

/** exp(x) / Σ exp(x) along `axis` (default the last), computed stably. */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp(false, x, axis);
}

/** x − log Σ exp(x) along `axis` (default the last), computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp(true, x, axis);
}
