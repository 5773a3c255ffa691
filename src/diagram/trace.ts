/**
 * Tracing a model's data flow by running it once on a dummy batch (PyTorch's forward hooks, done
 * by wrapping each module's `forward` for the duration of one call).
 *
 * Every module call is recorded with its arguments and output. The *blocks* of the diagram are the
 * root's direct children (arrays of modules count, `Sequential` containers are opened into their
 * layers). Which block feeds which is read from the autograd graph, not guessed from call order:
 * walking back from a block's argument through the recorded ops until the output of an earlier
 * block (or a model input) is reached gives the edges, the ops on the way (`reshape`, `concat`…)
 * label them, and skip connections fall out of the same walk. To make that graph exist, the dummy
 * inputs require gradients and the trace runs with recording on (a batch of 2 keeps it small).
 */
import { Tensor } from '../engine/index.js';
import { Module, Sequential } from '../nn/index.js';

/** A model input: a tensor, or class indices / noise levels given as typed arrays. */
export interface TraceInput {
  readonly name: string;
  /** Where the diagram draws it: the data path (image, latent z) or the conditioning column. */
  readonly role: 'main' | 'condition';
  readonly value: Tensor | Int32Array | Float32Array;
  /** Shown under the name, e.g. "z ~ N(0, I)". */
  readonly note?: string;
}

/** One recorded call of a module. */
export interface ModuleCall {
  readonly id: number;
  readonly path: string;
  readonly module: Module;
  readonly args: readonly unknown[];
  readonly output: Tensor;
  /** Ids of the calls made directly inside this one, in order. */
  readonly children: number[];
  /** The call this one was made inside (null for the root). */
  readonly parent: number | null;
}

export interface Trace {
  readonly calls: readonly ModuleCall[];
  /** Ids of the calls of block modules, in call order. */
  readonly blockCalls: readonly number[];
  readonly inputs: readonly TraceInput[];
  /** The root's output. */
  readonly output: Tensor;
  /** The dummy batch size (shapes show it as N). */
  readonly batch: number;
}

/**
 * The root's blocks: its direct children (a module reached through a module-less path such as
 * `blocks.0`), with `Sequential` containers replaced by their layers.
 */
export function blockModules(root: Module): [string, Module][] {
  const all = root.namedModules();
  const paths = new Set(all.map(([p]) => p));
  const direct = all.filter(([p]) => {
    const parts = p.split('.');
    for (let i = 1; i < parts.length; i++) if (paths.has(parts.slice(0, i).join('.'))) return false;
    return true;
  });
  const out: [string, Module][] = [];
  const open = (path: string, m: Module): void => {
    if (m instanceof Sequential) m.layers.forEach((l, i) => open(`${path}.${i}`, l));
    else out.push([path, m]);
  };
  for (const [p, m] of direct) open(p, m);
  return out;
}

type ForwardFn = (...args: unknown[]) => unknown;

/**
 * Runs `call(root)` once with every module's forward wrapped, and returns what happened.
 * The wrappers are removed afterwards, whatever `call` does.
 *
 * @example const t = traceModel(net, inputs, (m) => m.forward(x, labels));
 */
export function traceModel(root: Module, inputs: readonly TraceInput[], call: (root: Module) => Tensor): Trace {
  const calls: ModuleCall[] = [];
  const stack: number[] = [];
  const pathOf = new Map<Module, string>(root.namedModules().map(([p, m]) => [m, p]));
  pathOf.set(root, '');
  const blocks = new Set(blockModules(root).map(([, m]) => m));
  const restore: (() => void)[] = [];
  const blockCalls: number[] = [];

  for (const m of pathOf.keys()) {
    const own = Object.getOwnPropertyDescriptor(m, 'forward');
    const inner = (m.forward as ForwardFn).bind(m);
    Object.defineProperty(m, 'forward', {
      value: (...args: unknown[]) => {
        const id = calls.length;
        const parent = stack.length > 0 ? stack[stack.length - 1]! : null;
        const record = { id, path: pathOf.get(m)!, module: m, args, output: null as unknown as Tensor, children: [], parent };
        calls.push(record);
        if (parent !== null) calls[parent]!.children.push(id);
        if (blocks.has(m)) blockCalls.push(id);
        stack.push(id);
        try {
          const out = inner(...args);
          if (out instanceof Tensor) record.output = out;
          return out;
        } finally {
          stack.pop();
        }
      },
      writable: true,
      enumerable: false,
      configurable: true,
    });
    restore.push(() => {
      if (own) Object.defineProperty(m, 'forward', own);
      else delete (m as unknown as Record<string, unknown>)['forward'];
    });
  }
  for (const input of inputs) if (input.value instanceof Tensor) input.value.requiresGrad = true;
  // Eval mode: no dropout, running batch-norm statistics, no spectral-norm power iteration, so
  // the trace changes nothing in the model and needs no random numbers.
  const wasTraining = root.training;
  root.eval();
  try {
    const output = call(root);
    const batch = inputs.map((i) => (i.value instanceof Tensor ? i.value.shape[0]! : i.value.length))[0] ?? 1;
    return { calls, blockCalls: blockCalls.filter((id) => calls[id]!.output !== null), inputs, output, batch };
  } finally {
    for (const r of restore) r();
    root.train(wasTraining);
  }
}
