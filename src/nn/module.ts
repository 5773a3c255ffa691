/**
 * Module: the base class of layers and models (PyTorch's nn.Module, minus hooks).
 *
 * Parameters, buffers and child modules are found from the module's own enumerable properties, in
 * the order they were assigned, so a model is just a class with fields:
 * - a parameter is a tensor made by `parameter()` (every layer here does that), or any leaf tensor
 *   with requiresGrad; it stays a parameter if its requiresGrad is later switched off;
 * - a buffer is any other leaf tensor (batch-norm running statistics, spectral-norm vectors);
 * - a child is a Module, or an array of Modules (named `blocks.0`, `blocks.1`, …).
 * Properties whose name starts with `_`, non-leaf tensors (computed values) and everything else are
 * ignored; a module reached twice (shared, or a cycle) is listed once.
 *
 * NOTE: construct modules outside `tidy` scopes, or `keep()` their buffers: a scope disposes the
 * tensors created inside it (the layers here keep their own parameters and buffers).
 *
 * @example
 *   class Mlp extends Module {
 *     readonly fc1: Linear; readonly fc2: Linear;
 *     constructor(rng: Rng) { super(); this.fc1 = new Linear(2, 16, { rng }); this.fc2 = new Linear(16, 1, { rng }); }
 *     forward(x: Tensor): Tensor { return this.fc2.forward(relu(this.fc1.forward(x))); }
 *   }
 */
import { keep, sameShape, shapeStr, Tensor } from '../engine/index.js';

const parameters = new WeakSet<Tensor>();

/** Marks t as a trainable parameter (requiresGrad, exempt from tidy scopes) and returns it. */
export function parameter(t: Tensor): Tensor {
  t.requiresGrad = true;
  parameters.add(keep(t));
  return t;
}

function isParameter(t: Tensor): boolean {
  if (parameters.has(t)) return true;
  if (t.requiresGrad && t.node === null) {
    parameters.add(t);
    return true;
  }
  return false;
}

type Entry = [name: string, value: Tensor | Module];

export abstract class Module {
  /** Training mode (batch statistics, dropout, spectral-norm power iterations) or eval mode. */
  training = true;

  /** The computation; subclasses choose their own arguments. */
  abstract forward(...args: any[]): any; // eslint-disable-line @typescript-eslint/no-explicit-any

  private entries(): Entry[] {
    const out: Entry[] = [];
    for (const [key, value] of Object.entries(this)) {
      if (key.startsWith('_')) continue;
      if (value instanceof Tensor || value instanceof Module) out.push([key, value]);
      else if (Array.isArray(value)) {
        value.forEach((v: unknown, i) => {
          if (v instanceof Tensor || v instanceof Module) out.push([`${key}.${i}`, v]);
        });
      }
    }
    return out;
  }

  /** Every (dotted name, child module) pair below this one, depth first; each module once. */
  namedModules(prefix = '', seen = new Set<Module>([this])): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [name, v] of this.entries()) {
      if (v instanceof Module && !seen.has(v)) {
        seen.add(v);
        out.push([prefix + name, v]);
        out.push(...v.namedModules(`${prefix}${name}.`, seen));
      }
    }
    return out;
  }

  private namedTensors(
    kind: 'param' | 'buffer',
    prefix = '',
    seen = new Set<Tensor>(),
    seenModules = new Set<Module>([this]),
  ): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, v] of this.entries()) {
      if (v instanceof Module) {
        if (seenModules.has(v)) continue;
        seenModules.add(v);
        out.push(...v.namedTensors(kind, `${prefix}${name}.`, seen, seenModules));
      } else if (v.node === null && !seen.has(v) && isParameter(v) === (kind === 'param')) {
        seen.add(v);
        out.push([prefix + name, v]);
      }
    }
    return out;
  }

  /** Parameters with dotted names (`block1.conv.weight`); each tensor once. */
  namedParameters(): [string, Tensor][] {
    return this.namedTensors('param');
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Buffers (non-trainable state such as running statistics) with dotted names. */
  namedBuffers(): [string, Tensor][] {
    return this.namedTensors('buffer');
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /** Parameters and buffers by dotted name: the live tensors, not copies. */
  stateDict(): Record<string, Tensor> {
    const d: Record<string, Tensor> = {};
    for (const [k, t] of [...this.namedParameters(), ...this.namedBuffers()]) d[k] = t;
    return d;
  }

  /**
   * Copies values from `dict` into this module's parameters and buffers. Throws one error naming
   * every missing key, unexpected key and shape mismatch (nothing is copied then).
   */
  loadStateDict(dict: Readonly<Record<string, Tensor>>): void {
    const own = this.stateDict();
    const problems: string[] = [];
    const missing = Object.keys(own).filter((k) => !(k in dict));
    const extra = Object.keys(dict).filter((k) => !(k in own));
    if (missing.length > 0) problems.push(`missing ${missing.join(', ')}`);
    if (extra.length > 0) problems.push(`unexpected ${extra.join(', ')}`);
    for (const [k, t] of Object.entries(own)) {
      const src = dict[k];
      if (src && !sameShape(src.shape, t.shape)) {
        problems.push(`${k} has shape ${shapeStr(src.shape)} but the model expects ${shapeStr(t.shape)}`);
      }
    }
    if (problems.length > 0) throw new Error(`loadStateDict (${this.constructor.name}): ${problems.join('; ')}`);
    for (const [k, t] of Object.entries(own)) t.data.set(dict[k]!.data);
  }

  /** Sets training mode here and in every child; returns this. */
  train(on = true): this {
    this.training = on;
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }

  /** Eval mode (running statistics, no dropout); returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Disposes and clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Number of trainable scalars. */
  numParameters(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }
}
