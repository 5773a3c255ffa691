/**
 * The Tensor: a shape, a dtype, a contiguous row-major buffer, and (when it was computed from
 * tensors that require gradients) the autograd node that produced it.
 *
 * Tensors are immutable as far as ops are concerned: every op returns a new tensor. Views that only
 * change the shape (reshape, detach) share the buffer through a reference count (see memory.ts).
 */
import type { DType, Storage } from './backend.js';
import { type GradNode, recordOp, runBackward } from './autograd.js';
import { allocBuffer, BufferRef, releaseBuffer, toPlain, trackTensor } from './memory.js';

export type Shape = readonly number[];

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeStr(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${op}: invalid shape ${shapeStr(shape)}`);
  }
}

export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly size: number;
  /** Whether gradients flow to (leaf) or through (computed) this tensor. */
  requiresGrad = false;
  /** ∂L/∂this after `backward`, for leaves with requiresGrad. */
  grad: Tensor | null = null;
  /** @internal The op that produced this tensor; null for leaves and constants. */
  node: GradNode | null = null;
  /** @internal Exempt from tidy scopes (see memory.ts `keep`). */
  kept = false;
  /** @internal */
  buf: BufferRef | null;

  /** @internal Use `tensor`, `zeros`, … to create tensors. */
  constructor(buf: BufferRef, shape: Shape, dtype: DType) {
    this.buf = buf;
    this.shape = shape;
    this.dtype = dtype;
    this.size = shapeSize(shape);
    trackTensor(this);
  }

  /**
   * The elements, contiguous row-major. Throws after `dispose()`. A tensor whose buffer holds a
   * channel-blocked activation (see blocked.ts) is rewritten as plain on first access.
   */
  get data(): Storage {
    const b = this.buf;
    if (b === null) throw new Error(`tensor of shape ${shapeStr(this.shape)} used after dispose()`);
    if (b.layout !== null) toPlain(b);
    return b.data;
  }

  get ndim(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.buf === null;
  }

  /**
   * Back-propagates from this tensor: every leaf with requiresGrad that it depends on gets
   * ∂this/∂leaf added to its `.grad`. `grad` defaults to 1 for a scalar. The graph is freed
   * afterwards (a second backward through it throws).
   */
  backward(grad?: Tensor): void {
    runBackward(this, grad);
  }

  /** The same values, cut from the graph (shares the buffer). */
  detach(): Tensor {
    return viewAs(this, this.shape);
  }

  /** A copy of the values; gradients flow through it unchanged. */
  clone(): Tensor {
    const y = emptyLike(this);
    y.data.set(this.data);
    return recordOp(y, 'clone', [this], (dy) => [viewAs(dy, dy.shape)]);
  }

  /** Returns the buffer to the pool; the tensor may not be used afterwards. Idempotent. */
  dispose(): void {
    const b = this.buf;
    if (b === null) return;
    this.buf = null;
    this.node = null;
    releaseBuffer(b);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor has shape ${shapeStr(this.shape)}, not one element`);
    return this.data[0]!;
  }

  toArray(): number[] {
    return Array.from(this.data);
  }

  toString(): string {
    return `Tensor(${shapeStr(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

/** @internal A tensor with unspecified contents (from the buffer pool). */
export function empty(shape: Shape, dtype: DType): Tensor {
  checkShape('empty', shape);
  return new Tensor(allocBuffer(dtype, shapeSize(shape)), shape, dtype);
}

/** @internal An uninitialised tensor with x's shape and dtype. */
export function emptyLike(x: Tensor): Tensor {
  return new Tensor(allocBuffer(x.dtype, x.size), x.shape, x.dtype);
}

/** @internal A new tensor object sharing x's buffer, with a new shape of the same size (no graph). */
export function viewAs(x: Tensor, shape: Shape): Tensor {
  const b = x.buf;
  if (b === null) throw new Error(`tensor of shape ${shapeStr(x.shape)} used after dispose()`);
  b.refs++;
  return new Tensor(b, shape, x.dtype);
}
