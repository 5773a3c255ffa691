/**
 * Element-wise ops: the four broadcasting arithmetic ops and the unary functions.
 * Each op's backward sits right after its forward.
 */
import type { BinaryOp, UnaryOp } from '../backend.js';
import { recordOp } from '../autograd.js';
import { getBackend } from '../backends/index.js';
import { empty, emptyLike, sameShape, type Shape, type Tensor } from '../tensor.js';
import { emptyRawLike, kernelsOf, rawIn, rawOf } from '../blocked.js';
import { binaryInto, broadcastShapes, checkDtypes, type FusedActivation, type Operand, scalar, slopeOf } from './util.js';
import { sumTo } from './reduce.js';

function asTensors(op: string, a: Operand, b: Operand): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') return [scalar(a, 'float32'), scalar(b, 'float32')];
  if (typeof a === 'number') return [scalar(a, (b as Tensor).dtype), b as Tensor];
  if (typeof b === 'number') return [a, scalar(b, a.dtype)];
  checkDtypes(op, a, b);
  return [a, b];
}

/** Ops that map zeros to zero, so they may run over a blocked layout's padding as they are. */
const keepsZero = new Set<string>(['add', 'sub', 'mul', 'neg', 'abs', 'relu', 'leakyRelu', 'tanh']);

function binaryForward(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  if (keepsZero.has(op) && sameShape(a.shape, b.shape)) {
    const ra = rawOf(a);
    const rb = rawOf(b);
    if (ra.block > 1 && ra.block === rb.block) {
      const out = emptyRawLike(a);
      const flat = [ra.data.length];
      getBackend().binary(op, ra.data, [1], rb.data, [1], rawOf(out).data, flat);
      return out;
    }
  }
  const outShape: Shape = sameShape(a.shape, b.shape) ? a.shape : broadcastShapes(op, a.shape, b.shape);
  const out = empty(outShape, a.dtype);
  binaryInto(op, a, b, out);
  return out;
}

/** Gradient of an operand: g summed down to the operand's shape; disposes g when it made a new one. */
function reduced(g: Tensor, shape: Shape): Tensor {
  const r = sumTo(g, shape);
  if (r !== g) g.dispose();
  return r;
}

/** −g, disposing g unless it is `keepAlive` (the incoming gradient). */
function negated(g: Tensor, keepAlive: Tensor): Tensor {
  return unaryForward('neg', g, 0, g !== keepAlive);
}

/**
 * a + b with NumPy broadcasting; either may be a number.
 * @example add(x, bias) // [N,C,H,W] + [1,C,1,1]
 */
export function add(a: Operand, b: Operand): Tensor {
  const [x, y] = asTensors('add', a, b);
  return recordOp(binaryForward('add', x, y), 'add', [x, y], (dy, needs) => [
    needs[0] ? sumTo(dy, x.shape) : null,
    needs[1] ? sumTo(dy, y.shape) : null,
  ]);
}

/** a − b with broadcasting. */
export function sub(a: Operand, b: Operand): Tensor {
  const [x, y] = asTensors('sub', a, b);
  return recordOp(binaryForward('sub', x, y), 'sub', [x, y], (dy, needs) => [
    needs[0] ? sumTo(dy, x.shape) : null,
    needs[1] ? negated(sumTo(dy, y.shape), dy) : null,
  ]);
}

/** a · b (element-wise) with broadcasting. */
export function mul(a: Operand, b: Operand): Tensor {
  const [x, y] = asTensors('mul', a, b);
  return recordOp(binaryForward('mul', x, y), 'mul', [x, y], (dy, needs) => [
    needs[0] ? reduced(binaryForward('mul', dy, y), x.shape) : null,
    needs[1] ? reduced(binaryForward('mul', dy, x), y.shape) : null,
  ]);
}

/** a / b with broadcasting. */
export function div(a: Operand, b: Operand): Tensor {
  const [x, y] = asTensors('div', a, b);
  return recordOp(binaryForward('div', x, y), 'div', [x, y], (dy, needs) => {
    let db: Tensor | null = null;
    if (needs[1]) {
      // ∂(x/y)/∂y = −x/y²
      const t = binaryForward('mul', dy, x);
      const t2 = binaryForward('div', t, y);
      const t3 = binaryForward('div', t2, y);
      t.dispose();
      t2.dispose();
      db = unaryForward('neg', reduced(t3, y.shape), 0, true);
    }
    return [needs[0] ? reduced(binaryForward('div', dy, y), x.shape) : null, db];
  });
}

/** f(x) on the kernel; `consume` disposes x (for temporaries inside backward). */
function unaryForward(op: UnaryOp, x: Tensor, alpha: number, consume = false): Tensor {
  let y: Tensor;
  if (keepsZero.has(op) && rawOf(x).block > 1) {
    // a blocked activation stays blocked (its zero padding stays zero)
    y = emptyRawLike(x);
    getBackend().unary(op, rawOf(x).data, rawOf(y).data, alpha);
  } else {
    y = emptyLike(x);
    getBackend().unary(op, x.data, y.data, alpha);
  }
  if (consume) x.dispose();
  return y;
}

/**
 * @internal dy·f′(x) for y = f(x), a new tensor in the blocked layout x or y has (else plain): the
 * gradient of unaryOp, and of an activation fused into another op (conv2d's, with x = y).
 */
export function unaryGradient(op: UnaryOp, x: Tensor, y: Tensor, dy: Tensor, alpha: number): Tensor {
  // x blocked means y was made blocked too (unaryForward); either may have turned plain since
  const block = Math.max(rawOf(x).block, rawOf(y).block);
  if (block > 1) {
    const like = rawOf(x).block === block ? x : y;
    const bk = kernelsOf(like);
    const dx = emptyRawLike(like);
    getBackend().unaryBackward(op, rawIn(x, block, bk), rawIn(y, block, bk), rawIn(dy, block, bk), rawOf(dx).data, alpha);
    return dx;
  }
  const dx = emptyLike(x);
  getBackend().unaryBackward(op, x.data, y.data, dy.data, dx.data, alpha);
  return dx;
}

function unaryOp(op: UnaryOp, x: Tensor, alpha = 0): Tensor {
  const y = unaryForward(op, x, alpha);
  return recordOp(y, op, [x], (dy) => [unaryGradient(op, x, y, dy, alpha)]);
}

export function neg(x: Tensor): Tensor {
  return unaryOp('neg', x);
}
export function abs(x: Tensor): Tensor {
  return unaryOp('abs', x);
}
export function relu(x: Tensor): Tensor {
  return unaryOp('relu', x);
}
/** max(x, 0) + slope·min(x, 0); DCGAN uses slope 0.2. */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  return unaryOp('leakyRelu', x, slope);
}
/**
 * x followed by the ReLU or leaky ReLU `opts` names (x itself without one): the unfused form of
 * an op's FusedActivation, for the paths that have no fused kernel.
 */
export function activation(x: Tensor, opts: FusedActivation): Tensor {
  const slope = slopeOf('activation', opts);
  return slope === 1 ? x : slope === 0 ? relu(x) : leakyRelu(x, slope);
}
export function tanh(x: Tensor): Tensor {
  return unaryOp('tanh', x);
}
export function sigmoid(x: Tensor): Tensor {
  return unaryOp('sigmoid', x);
}
/** x·sigmoid(x) (Elfwing et al. 2018; also called swish). */
export function silu(x: Tensor): Tensor {
  return unaryOp('silu', x);
}
export function exp(x: Tensor): Tensor {
  return unaryOp('exp', x);
}
export function log(x: Tensor): Tensor {
  return unaryOp('log', x);
}
export function sqrt(x: Tensor): Tensor {
  return unaryOp('sqrt', x);
}
/** x^p for a constant exponent p. */
export function pow(x: Tensor, p: number): Tensor {
  return unaryOp('powScalar', x, p);
}
