/**
 * Shape ops: reshape/flatten (views sharing the buffer), permute/transpose, concat, slice, pad.
 */
import type { Storage } from '../backend.js';
import { recordOp } from '../autograd.js';
import { getBackend } from '../backends/index.js';
import { empty, type Shape, shapeSize, shapeStr, type Tensor, viewAs } from '../tensor.js';
import { checkDtypes, normAxis } from './util.js';

/**
 * The same elements in a new shape; one dimension may be −1 (inferred). Shares the buffer.
 * @example reshape(x, [x.shape[0]!, -1])
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const out = [...shape];
  const unknown = out.indexOf(-1);
  if (unknown !== -1) {
    const known = shapeSize(out.filter((_, i) => i !== unknown));
    if (known === 0 || x.size % known !== 0) {
      throw new Error(`reshape: cannot reshape ${shapeStr(x.shape)} to ${shapeStr(shape)}`);
    }
    out[unknown] = x.size / known;
  }
  if (shapeSize(out) !== x.size || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`reshape: cannot reshape ${shapeStr(x.shape)} to ${shapeStr(shape)}`);
  }
  return recordOp(viewAs(x, out), 'reshape', [x], (dy) => [viewAs(dy, x.shape)]);
}

/** Merges dimensions startDim..endDim into one (default: all but the batch dimension). */
export function flatten(x: Tensor, startDim = 1, endDim = -1): Tensor {
  const s = normAxis('flatten', startDim, x.ndim);
  const e = normAxis('flatten', endDim, x.ndim);
  if (e < s) throw new Error(`flatten: endDim ${endDim} is before startDim ${startDim}`);
  return reshape(x, [...x.shape.slice(0, s), shapeSize(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/** Reorders dimensions: output dimension i is input dimension perm[i]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const p = perm.map((a) => normAxis('permute', a, x.ndim));
  if (p.length !== x.ndim || new Set(p).size !== p.length) {
    throw new Error(`permute: [${perm.join(',')}] is not a permutation of the ${x.ndim} dimensions of ${shapeStr(x.shape)}`);
  }
  const y = empty(
    p.map((a) => x.shape[a]!),
    x.dtype,
  );
  getBackend().permute(x.data, x.shape, p, y.data);
  const inverse = new Array<number>(p.length);
  p.forEach((a, i) => (inverse[a] = i));
  return recordOp(y, 'permute', [x], (dy) => {
    const dx = empty(x.shape, x.dtype);
    getBackend().permute(dy.data, dy.shape, inverse, dx.data);
    return [dx];
  });
}

/** Swaps two dimensions (default: the last two). */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  const a = normAxis('transpose', dim0, x.ndim);
  const b = normAxis('transpose', dim1, x.ndim);
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/**
 * Copies the box `region` starting at `srcStart` in src into dst at `dstStart` (whole innermost
 * rows at a time, with TypedArray.set).
 */
function copyRegion(
  src: Storage,
  srcShape: Shape,
  srcStart: readonly number[],
  dst: Storage,
  dstShape: Shape,
  dstStart: readonly number[],
  region: Shape,
): void {
  const nd = region.length;
  if (shapeSize(region) === 0) return;
  if (nd === 0) {
    dst[0] = src[0]!;
    return;
  }
  const ss = contiguousStrides(srcShape);
  const ds = contiguousStrides(dstShape);
  let so = 0;
  let doff = 0;
  for (let d = 0; d < nd; d++) {
    so += srcStart[d]! * ss[d]!;
    doff += dstStart[d]! * ds[d]!;
  }
  // NOTE: trailing dimensions copied whole in both arrays are contiguous in both, so they join
  // the innermost run: concat along channels copies one run per image, not one per row.
  let inner = nd - 1;
  while (inner > 0 && region[inner] === srcShape[inner] && region[inner] === dstShape[inner]) inner--;
  const len = shapeSize(region.slice(inner));
  const idx = new Array<number>(inner).fill(0);
  const rows = shapeSize(region) / len;
  for (let r = 0; r < rows; r++) {
    if (len === 1) dst[doff] = src[so]!;
    else dst.set(src.subarray(so, so + len), doff);
    for (let d = inner - 1; d >= 0; d--) {
      idx[d]!++;
      so += ss[d]!;
      doff += ds[d]!;
      if (idx[d]! < region[d]!) break;
      so -= ss[d]! * region[d]!;
      doff -= ds[d]! * region[d]!;
      idx[d] = 0;
    }
  }
}

/** Joins tensors along `axis`; all other dimensions must match. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = tensors[0];
  if (!first) throw new Error('concat: needs at least one tensor');
  const a = normAxis('concat', axis, first.ndim);
  checkDtypes('concat', ...tensors);
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new Error(`concat: shapes ${tensors.map((x) => shapeStr(x.shape)).join(' and ')} do not match outside axis ${a}`);
    }
  }
  const outShape = [...first.shape];
  outShape[a] = tensors.reduce((s, t) => s + t.shape[a]!, 0);
  const y = empty(outShape, first.dtype);
  const zero = outShape.map(() => 0);
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    const start = [...zero];
    start[a] = offset;
    offsets.push(offset);
    copyRegion(t.data, t.shape, zero, y.data, outShape, start, t.shape);
    offset += t.shape[a]!;
  }
  return recordOp(y, 'concat', tensors, (dy, needs) =>
    tensors.map((t, i) => {
      if (!needs[i]) return null;
      const dx = empty(t.shape, t.dtype);
      const start = [...zero];
      start[a] = offsets[i]!;
      copyRegion(dy.data, outShape, start, dx.data, t.shape, zero, t.shape);
      return dx;
    }),
  );
}

/**
 * x[starts[0]:ends[0], starts[1]:ends[1], …]; missing entries take the whole dimension, negative
 * indices count from the end.
 * @example slice(x, [0, 0], [4]) // the first four rows of each … of x
 */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[] = []): Tensor {
  const begin: number[] = [];
  const region: number[] = [];
  for (let d = 0; d < x.ndim; d++) {
    const n = x.shape[d]!;
    let s = starts[d] ?? 0;
    let e = ends[d] ?? n;
    if (s < 0) s += n;
    if (e < 0) e += n;
    if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > n || s > e) {
      throw new Error(`slice: [${starts.join(',')}]..[${ends.join(',')}] is out of range for shape ${shapeStr(x.shape)}`);
    }
    begin.push(s);
    region.push(e - s);
  }
  const y = empty(region, x.dtype);
  const zero = region.map(() => 0);
  copyRegion(x.data, x.shape, begin, y.data, region, zero, region);
  return recordOp(y, 'slice', [x], (dy) => {
    const dx = empty(x.shape, x.dtype);
    dx.data.fill(0);
    copyRegion(dy.data, region, zero, dx.data, x.shape, begin, region);
    return [dx];
  });
}

/**
 * Zero padding: `pads` holds one [before, after] pair per trailing dimension, in dimension order.
 * @example pad(x, [[1, 1], [1, 1]]) // one pixel around the H and W of NCHW
 */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  if (pads.length > x.ndim) throw new Error(`pad: ${pads.length} pairs for shape ${shapeStr(x.shape)}`);
  const lead = x.ndim - pads.length;
  const before = x.shape.map((_, d) => (d < lead ? 0 : pads[d - lead]![0]));
  const after = x.shape.map((_, d) => (d < lead ? 0 : pads[d - lead]![1]));
  if ([...before, ...after].some((p) => !Number.isInteger(p) || p < 0)) {
    throw new Error(`pad: padding must be non-negative integers, got ${JSON.stringify(pads)}`);
  }
  const outShape = x.shape.map((d, i) => d + before[i]! + after[i]!);
  const y = empty(outShape, x.dtype);
  y.data.fill(value);
  const zero = outShape.map(() => 0);
  copyRegion(x.data, x.shape, zero, y.data, outShape, before, x.shape);
  return recordOp(y, 'pad', [x], (dy) => {
    const dx = empty(x.shape, x.dtype);
    copyRegion(dy.data, outShape, before, dx.data, x.shape, zero, x.shape);
    return [dx];
  });
}

/** y[i, c, r, col] = x[i, c, r − sign·dy[i], col − sign·dx[i]], zero where that falls outside x. */
function translateInto(x: Storage, y: Storage, shape: Shape, dy: ArrayLike<number>, dx: ArrayLike<number>, sign: number): void {
  const [n, c, h, w] = shape as [number, number, number, number];
  for (let i = 0; i < n; i++) {
    const sy = sign * dy[i]!;
    const sx = sign * dx[i]!;
    // columns [c0, c1) of each row read from columns [c0 − sx, c1 − sx) of row r − sy
    const c0 = Math.min(w, Math.max(0, sx));
    const c1 = Math.max(c0, Math.min(w, w + sx));
    for (let ch = 0; ch < c; ch++) {
      const plane = (i * c + ch) * h * w;
      for (let r = 0; r < h; r++) {
        const out = plane + r * w;
        const from = r - sy;
        if (from < 0 || from >= h) {
          for (let col = 0; col < w; col++) y[out + col] = 0;
          continue;
        }
        const src = plane + from * w - sx;
        for (let col = 0; col < c0; col++) y[out + col] = 0;
        for (let col = c0; col < c1; col++) y[out + col] = x[src + col]!;
        for (let col = c1; col < w; col++) y[out + col] = 0;
      }
    }
  }
}

/**
 * Moves each image of x [N, C, H, W] by whole pixels, dy[i] down and dx[i] right, filling with
 * zeros: DiffAugment's random translation (Zhao et al. 2020) in one op instead of a slice, mask
 * and sum per distinct offset. The gradient is the opposite move.
 * @example translate2d(images, Int32Array.of(1, -2), Int32Array.of(0, 3))
 */
export function translate2d(x: Tensor, dy: ArrayLike<number>, dx: ArrayLike<number>): Tensor {
  const n = x.shape[0];
  if (x.ndim !== 4 || dy.length !== n || dx.length !== n) {
    throw new Error(
      `translate2d: needs NCHW input and one offset pair per image, got ${shapeStr(x.shape)} and ${dy.length}, ${dx.length} offsets`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(dy[i]) || !Number.isInteger(dx[i])) throw new Error('translate2d: offsets must be integers');
  }
  const y = empty(x.shape, x.dtype);
  translateInto(x.data, y.data, x.shape, dy, dx, 1);
  return recordOp(y, 'translate2d', [x], (g) => {
    const gx = empty(x.shape, x.dtype);
    translateInto(g.data, gx.data, x.shape, dy, dx, -1);
    return [gx];
  });
}
