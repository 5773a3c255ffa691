/**
 * Reverse-mode automatic differentiation (the micrograd design: each op attaches its local
 * backward to the tensor it produces; `backward` walks the graph in reverse topological order).
 *
 * Cost per op is one small node object and one closure. Gradients are accumulated in place when
 * the accumulator buffer is owned by nobody else, and the graph is released as backward proceeds,
 * so memory stays flat across training steps.
 */
import { getBackend } from './backends/index.js';
import type { Tensor } from './tensor.js';
import { emptyLike, sameShape, shapeStr, viewAs } from './tensor.js';
import { emptyRawLike, kernelsOf, rawIn, rawOf } from './blocked.js';

/**
 * Local backward of one op: given ∂L/∂output, returns ∂L/∂input per input (null where `needs` is
 * false or the input is null). It runs with recording off and may return `dy` itself.
 */
export type BackwardFn = (dy: Tensor, needs: readonly boolean[]) => readonly (Tensor | null)[];

export interface GradNode {
  readonly op: string;
  readonly inputs: readonly (Tensor | null)[];
  readonly backward: BackwardFn;
}

let gradDepth = 0;

/** Whether ops currently record the graph. */
export function isGradEnabled(): boolean {
  return gradDepth === 0;
}

/**
 * Runs `fn` without recording any graph (inference, parameter updates, EMA).
 * @example const fake = noGrad(() => generator.forward(z));
 */
export function noGrad<T>(fn: () => T): T {
  gradDepth++;
  try {
    return fn();
  } finally {
    gradDepth--;
  }
}

/**
 * Attaches `backward` to `out` when recording is on and some input requires a gradient, and
 * returns `out`. Every op ends with this call.
 */
export function recordOp(out: Tensor, op: string, inputs: readonly (Tensor | null)[], backward: BackwardFn): Tensor {
  if (gradDepth !== 0) return out;
  let any = false;
  for (const x of inputs) if (x !== null && x.requiresGrad) any = true;
  if (!any) return out;
  out.requiresGrad = true;
  out.node = { op, inputs, backward };
  return out;
}

const freedNode: GradNode = {
  op: 'freed',
  inputs: [],
  backward: () => {
    throw new Error('backward: the graph was already freed by an earlier backward()');
  },
};

/** Tensors that `root` depends on (through nodes), in topological order (inputs first). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const inputs = top[0].node?.inputs ?? [];
    if (top[1] < inputs.length) {
      const x = inputs[top[1]++];
      if (x && x.requiresGrad && !seen.has(x)) {
        seen.add(x);
        stack.push([x, 0]);
      }
    } else {
      stack.pop();
      order.push(top[0]);
    }
  }
  return order;
}

/** acc + g, in place when acc's buffer is exclusively owned; disposes what it no longer needs. */
function accumulate(acc: Tensor, g: Tensor): Tensor {
  const be = getBackend();
  const one = [1];
  // NOTE: a channel-blocked gradient (blocked.ts) is summed in its own layout.
  const a = rawOf(acc);
  const gData = rawIn(g, a.block, kernelsOf(acc));
  const flat = [a.data.length];
  if (acc.buf!.refs === 1) {
    be.binary('add', a.data, one, gData, one, a.data, flat);
    g.dispose();
    return acc;
  }
  const sum = emptyRawLike(acc);
  be.binary('add', a.data, one, gData, one, rawOf(sum).data, flat);
  acc.dispose();
  g.dispose();
  return sum;
}

/** Stores g into the leaf's .grad (kept out of tidy scopes), adding to an existing one. */
function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  let owned = g;
  if (g.buf!.refs !== 1) {
    // NOTE: a leaf's grad must own its buffer: optimisers and clipping modify grads in place.
    owned = emptyLike(g);
    owned.data.set(g.data);
    g.dispose();
  }
  if (leaf.grad === null || leaf.grad.isDisposed) {
    owned.kept = true;
    leaf.grad = owned;
    return;
  }
  const sum = accumulate(leaf.grad, owned);
  sum.kept = true;
  leaf.grad = sum;
}

/** Implements Tensor.backward (see there). */
export function runBackward(root: Tensor, seed?: Tensor): void {
  if (!root.requiresGrad) {
    throw new Error('backward: the tensor does not require grad (no input requires grad, or it was made under noGrad)');
  }
  if (seed === undefined && root.size !== 1) {
    throw new Error(`backward: pass a gradient for a non-scalar output of shape ${shapeStr(root.shape)}`);
  }
  if (seed !== undefined && !sameShape(seed.shape, root.shape)) {
    throw new Error(`backward: gradient shape ${shapeStr(seed.shape)} does not match output shape ${shapeStr(root.shape)}`);
  }
  const order = topoOrder(root);
  gradDepth++;
  try {
    const grads = new Map<Tensor, Tensor>();
    let start: Tensor;
    if (seed) start = viewAs(seed, seed.shape);
    else {
      start = emptyLike(root);
      start.data.fill(1);
    }
    grads.set(root, start);
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      const node = t.node;
      if (node === null) {
        accumulateLeaf(t, g);
        continue;
      }
      const needs = node.inputs.map((x) => x !== null && x.requiresGrad);
      const gs = node.backward(g, needs);
      for (let j = 0; j < node.inputs.length; j++) {
        const x = node.inputs[j];
        let gx = gs[j] ?? null;
        if (!x || !needs[j] || gx === null) {
          if (gx !== null && gx !== g) gx.dispose();
          continue;
        }
        if (gx === g) gx = viewAs(g, g.shape);
        if (!sameShape(gx.shape, x.shape)) {
          throw new Error(`backward of ${node.op}: gradient shape ${shapeStr(gx.shape)} does not match input shape ${shapeStr(x.shape)}`);
        }
        const prev = grads.get(x);
        grads.set(x, prev === undefined ? gx : accumulate(prev, gx));
      }
      g.dispose();
      t.node = freedNode;
    }
  } finally {
    gradDepth--;
  }
}
