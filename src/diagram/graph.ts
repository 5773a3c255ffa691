/**
 * From a trace (trace.ts) to the diagram's graph: one node per model input, block call and the
 * output; edges read from the autograd graph, labelled with the tensor shape that flows and the ops
 * applied on the way; per block its inner layers, its residual shortcut and its parameter count.
 */
import { type FusedActivation, Tensor } from '../engine/index.js';
import type { Module } from '../nn/index.js';
import { blockModules, type ModuleCall, type Trace } from './trace.js';
import { describeLayer, formatShape, isParameterFree, typeName } from './describe.js';

export interface DiagramNode {
  /** "in:z", "call:12", "out". */
  readonly id: string;
  readonly kind: 'input' | 'block' | 'output';
  /** The data path (main column) or the conditioning path (side column). */
  readonly role: 'main' | 'condition';
  readonly title: string;
  /** Module path ("blocks.0") or the input's note. */
  readonly subtitle: string;
  /** The layers and ops inside the block, in data-flow order. */
  readonly inner: string;
  /** What each composite layer inside is made of ("ResBlock = GN 8×4 → silu → …"), once per kind. */
  readonly details: readonly string[];
  /** The residual shortcut ("up2× → conv1×1 128→96", "identity"), or null. */
  readonly residual: string | null;
  readonly outShape: string;
  readonly params: number;
}

export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  /** Ops on the way and the shape that arrives: "reshape → [N, 128, 4, 4]". */
  readonly label: string;
}

export interface DiagramGraph {
  readonly title: string;
  readonly nodes: readonly DiagramNode[];
  readonly edges: readonly DiagramEdge[];
  readonly totalParams: number;
  /** Parameterised blocks the forward pass never called as modules (their weights used directly). */
  readonly notes: readonly string[];
}

/** Op names as printed: short forms for the verbose ones; bookkeeping ops are dropped. */
const OP_NAMES: Readonly<Record<string, string>> = {
  upsampleNearest2x: 'up2×',
  avgPool2d: 'avgpool',
  maxPool2d: 'maxpool',
  batchNorm2d: 'BN',
};
const SILENT_OPS = new Set(['reshape', 'slice', 'permute', 'freed']);

function opLabel(op: string): string | null {
  return SILENT_OPS.has(op) ? null : (OP_NAMES[op] ?? op);
}

interface Chain {
  readonly items: string[];
  readonly children: ModuleCall[];
  readonly visited: Set<Tensor>;
  readonly complete: boolean;
}

const tensorArgs = (c: ModuleCall): Tensor[] => c.args.filter((a): a is Tensor => a instanceof Tensor);

/** Predecessors of t inside `call`: a direct child's output stands for the child (its args), else t's graph inputs. */
function makeStep(calls: readonly ModuleCall[], call: ModuleCall) {
  const byOutput = new Map<Tensor, ModuleCall>();
  for (const id of call.children) byOutput.set(calls[id]!.output, calls[id]!);
  return (t: Tensor): { preds: Tensor[]; child: ModuleCall | null; op: string | null } => {
    const child = byOutput.get(t);
    if (child) return { preds: tensorArgs(child), child, op: null };
    if (t.node) return { preds: t.node.inputs.filter((x): x is Tensor => x !== null), child: null, op: t.node.op };
    return { preds: [], child: null, op: null };
  };
}

/**
 * " → relu" or " → leakyRelu" (the names of the unfused ops) when the call asked its layer to apply
 * the activation itself (`Conv2d.forward(x, { relu: true })`), so the picture still shows it.
 */
function fusedActivation(call: ModuleCall): string {
  const opts = call.args[1];
  if (typeof opts !== 'object' || opts === null || opts instanceof Tensor || !(opts as FusedActivation).relu) return '';
  return (opts as FusedActivation).negativeSlope ? ' → leakyRelu' : ' → relu';
}

/** Describes a call in a few words: known layers by kind and size, composites by class and channels. */
export function describeCall(call: ModuleCall, residual: boolean): string {
  const known = describeLayer(call.module);
  if (known !== typeName(call.module)) return known + fusedActivation(call);
  const x = tensorArgs(call)[0];
  const cIn = x?.ndim === 4 ? x.shape[1] : undefined;
  const cOut = call.output.ndim === 4 ? call.output.shape[1] : undefined;
  const ch = cIn !== undefined && cOut !== undefined ? (cIn === cOut ? ` ${cOut}` : ` ${cIn}→${cOut}`) : '';
  return `${known}${ch}${residual ? ' ⊕' : ''}`;
}

/**
 * The inside of one call: the chain of layers and ops from its first argument to its output, and
 * its residual shortcut if the output is a sum of two branches that both start from the input.
 */
export function analyseCall(
  calls: readonly ModuleCall[],
  call: ModuleCall,
): { inner: string[]; residual: string | null; details: string[] } {
  const x = tensorArgs(call)[0];
  if (!x || call.children.length === 0) return { inner: [], residual: null, details: [] };
  const step = makeStep(calls, call);
  const memo = new Map<Tensor, boolean>();
  const dependsOnX = (t: Tensor): boolean => {
    if (t === x) return true;
    const known = memo.get(t);
    if (known !== undefined) return known;
    memo.set(t, false);
    const r = step(t).preds.some(dependsOnX);
    memo.set(t, r);
    return r;
  };
  // The chain of layers/ops from t back to x, following the single predecessor that depends on x.
  // `until` (tensors of another chain) ends it early: a shortcut stops where it leaves the body.
  const chain = (from: Tensor, until: ReadonlySet<Tensor> = new Set()): Chain => {
    const items: string[] = [];
    const children: ModuleCall[] = [];
    const visited = new Set<Tensor>();
    let cur = from;
    while (cur !== x && !until.has(cur)) {
      visited.add(cur);
      const s = step(cur);
      const next = s.preds.filter(dependsOnX);
      if (s.child) {
        children.push(s.child);
        items.push(describeCall(s.child, analyseCall(calls, s.child).residual !== null));
      } else if (s.op) {
        const label = opLabel(s.op);
        if (label) items.push(label);
      }
      if (next.length !== 1) return { items: items.reverse(), children, visited, complete: false };
      cur = next[0]!;
    }
    visited.add(cur);
    return { items: items.reverse(), children, visited, complete: true };
  };

  // Find the residual sum: walk down from the output while exactly one predecessor depends on x.
  let cur = call.output;
  let residual: string | null = null;
  let main = chain(call.output);
  while (cur !== x) {
    const s = step(cur);
    const dep = s.preds.filter(dependsOnX);
    if (!s.child && s.op === 'add' && dep.length === 2) {
      const [a, b] = [chain(dep[0]!), chain(dep[1]!)];
      const [skipFull, body] = a.children.length < b.children.length ? [a, b] : [b, a];
      const skip = chain(dep[a === skipFull ? 0 : 1]!, body.visited);
      residual = skip.items.length === 0 ? 'identity' : skip.items.join(' → ');
      main = body;
      break;
    }
    if (dep.length !== 1) break;
    cur = dep[0]!;
  }
  const inner = main.complete ? main.items : ['…', ...main.items];
  // One line per kind of composite child (a ResBlock inside a UNetBlock), spelling out its layers.
  const details: string[] = [];
  const kinds = new Set<string>();
  for (const id of call.children) {
    const child = calls[id]!;
    const kind = typeName(child.module);
    if (kinds.has(kind) || child.children.length === 0 || describeLayer(child.module) !== kind) continue;
    kinds.add(kind);
    const a = analyseCall(calls, child);
    if (a.inner.length === 0) continue;
    details.push(`${kind} = ${a.inner.join(' → ')}${a.residual ? ` ⊕ ${a.residual}` : ''}`);
  }
  return { inner, residual, details };
}

export interface GraphOptions {
  readonly title: string;
}

/**
 * Builds the diagram graph of a trace.
 *
 * Edges: for every tensor argument of a block call, the autograd graph is walked back to the
 * outputs of earlier blocks and to the model inputs; each one found is an edge. Parameter-free
 * layers (ReLU, Flatten) fed straight by the previous block are folded into it.
 */
export function buildGraph(root: Module, trace: Trace, opts: GraphOptions): DiagramGraph {
  const { calls, batch } = trace;
  const nodes: DiagramNode[] = [];
  const mutable = new Map<string, DiagramNode>();
  const edges: DiagramEdge[] = [];
  const producedBy = new Map<Tensor, string>();
  const inputOf = new Map<unknown, string>();
  const consumed = new Set<string>();
  const shape = (t: Tensor) => formatShape(t.shape, batch);

  for (const input of trace.inputs) {
    const id = `in:${input.name}`;
    inputOf.set(input.value, id);
    if (input.value instanceof Tensor) producedBy.set(input.value, id);
    const node: DiagramNode = {
      id,
      kind: 'input',
      role: input.role,
      title: input.name,
      subtitle: input.note ?? '',
      inner: '',
      details: [],
      residual: null,
      outShape: input.value instanceof Tensor ? shape(input.value) : `[${input.value.length === batch ? 'N' : input.value.length}]`,
      params: 0,
    };
    nodes.push(node);
    mutable.set(id, node);
  }

  /** The earlier nodes that t comes from, with the ops on the way (nearest op last). */
  const sources = (t: Tensor): { from: string; ops: string[] }[] => {
    const found = new Map<string, string[]>();
    const seen = new Set<Tensor>();
    const stack: [Tensor, string[]][] = [[t, []]];
    while (stack.length > 0) {
      const [cur, ops] = stack.pop()!;
      if (seen.has(cur)) continue;
      seen.add(cur);
      const from = producedBy.get(cur);
      if (from !== undefined) {
        if (!found.has(from)) found.set(from, [...ops].reverse());
        continue;
      }
      if (!cur.node) continue;
      const label = opLabel(cur.node.op);
      for (const x of cur.node.inputs) if (x) stack.push([x, label ? [...ops, label] : ops]);
    }
    return [...found].map(([from, o]) => ({ from, ops: o }));
  };
  const edgeLabel = (ops: string[], t: Tensor) => [...new Set(ops)].concat(shape(t)).join(' → ');
  const addEdge = (from: string, to: string, label: string) => {
    if (!edges.some((e) => e.from === from && e.to === to)) edges.push({ from, to, label });
    consumed.add(from);
  };
  const roleOf = (ids: string[]): 'main' | 'condition' =>
    ids.length > 0 && ids.every((id) => mutable.get(id)?.role === 'condition') ? 'condition' : 'main';
  const unknownLeaves: [Tensor, string][] = [];
  let previous: string | null = null;

  for (const cid of trace.blockCalls) {
    const call = calls[cid]!;
    const args = tensorArgs(call);
    const srcs = args.map(sources);
    const fromIds = srcs.flatMap((s) => s.map((e) => e.from));
    for (const a of call.args) {
      const input = inputOf.get(a);
      if (input !== undefined && !(a instanceof Tensor)) fromIds.push(input);
    }
    // A parameter-free layer fed directly by the previous block: fold it into that block.
    const onlySource = srcs.length === 1 && srcs[0]!.length === 1 ? srcs[0]![0]! : null;
    if (isParameterFree(call.module) && previous !== null && onlySource?.from === previous && onlySource.ops.length === 0) {
      const prev = mutable.get(previous)!;
      const folded = { ...prev, title: `${prev.title} + ${describeLayer(call.module)}`, outShape: shape(call.output) };
      nodes[nodes.indexOf(prev)] = folded;
      mutable.set(previous, folded);
      producedBy.set(call.output, previous);
      continue;
    }
    const id = `call:${cid}`;
    const { inner, residual, details } = analyseCall(calls, call);
    const known = describeLayer(call.module) !== typeName(call.module);
    const node: DiagramNode = {
      id,
      kind: 'block',
      role: roleOf(fromIds),
      title: known ? describeLayer(call.module) + fusedActivation(call) : typeName(call.module),
      subtitle: call.path.replace(/\.layers\./g, '.'),
      inner: inner.join(' → '),
      details: call.children.length > 0 && inner.length > 0 ? details : [],
      residual,
      outShape: shape(call.output),
      params: call.module.numParameters(),
    };
    args.forEach((a, i) => {
      for (const s of srcs[i]!) addEdge(s.from, id, edgeLabel(s.ops, a));
      if (srcs[i]!.length === 0 && !a.node && !a.requiresGrad) unknownLeaves.push([a, id]);
    });
    for (const a of call.args) {
      const input = inputOf.get(a);
      if (input !== undefined && !(a instanceof Tensor)) addEdge(input, id, mutable.get(input)!.outShape);
    }
    nodes.push(node);
    mutable.set(id, node);
    producedBy.set(call.output, id);
    previous = id;
  }

  // A tensor made outside the graph (e.g. sinusoidal features of a noise level) comes from the
  // inputs that no block consumed directly.
  for (const [leaf, to] of unknownLeaves) {
    const unused = trace.inputs.filter((i) => !(i.value instanceof Tensor) && !consumed.has(`in:${i.name}`));
    for (const i of unused) addEdge(`in:${i.name}`, to, `features ${shape(leaf)}`);
    const target = mutable.get(to)!;
    if (unused.length > 0 && unused.every((i) => i.role === 'condition')) {
      const updated = { ...target, role: 'condition' as const };
      nodes[nodes.indexOf(target)] = updated;
      mutable.set(to, updated);
    }
  }
  // Roles settle in call order: a block fed only by conditioning nodes is itself conditioning.
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (n.kind !== 'block') continue;
    const role = roleOf(edges.filter((e) => e.to === n.id).map((e) => e.from));
    if (role !== n.role) {
      nodes[i] = { ...n, role };
      mutable.set(n.id, nodes[i]!);
    }
  }

  const out: DiagramNode = {
    id: 'out',
    kind: 'output',
    role: 'main',
    title: 'output',
    subtitle: '',
    inner: '',
    details: [],
    residual: null,
    outShape: shape(trace.output),
    params: 0,
  };
  for (const s of sources(trace.output)) addEdge(s.from, 'out', edgeLabel(s.ops, trace.output));
  nodes.push(out);

  const called = new Set(trace.blockCalls.map((id) => calls[id]!.module));
  const notes = blockModules(root)
    .filter(([, m]) => !called.has(m) && m.numParameters() > 0)
    .map(
      ([p, m]) =>
        `${p} (${describeLayer(m)}, ${m.numParameters().toLocaleString('en-US')} parameters) is applied by the model's own ops, not called as a module`,
    );
  return { title: opts.title, nodes, edges, totalParams: root.numParameters(), notes };
}
