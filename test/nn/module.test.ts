// Module discovery, state dicts, modes and spectral normalisation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng, mul, randn, relu, sum, type Tensor, tensor, zeros } from '../../src/engine/index.js';
import { BatchNorm2d, Conv2d, ConvTranspose2d, LeakyReLU, Linear, Module, ReLU, Sequential, spectralNorm } from '../../src/nn/index.js';

class Block extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  readonly _scratch: Tensor = zeros([1]); // ignored: leading underscore
  constructor(rng: Rng) {
    super();
    this.conv = new Conv2d(3, 4, 3, { padding: 1, rng });
    this.bn = new BatchNorm2d(4);
  }
  forward(x: Tensor): Tensor {
    return relu(this.bn.forward(this.conv.forward(x)));
  }
}

class Net extends Module {
  readonly blocks: Block[];
  readonly head: Linear;
  readonly label = 'not a tensor';
  constructor(rng: Rng) {
    super();
    this.blocks = [new Block(rng), new Block(rng)];
    this.head = new Linear(4, 2, { rng, bias: false });
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

test('parameters and buffers are found with dotted names, in assignment order', () => {
  const net = new Net(new Rng(1));
  assert.deepEqual(
    net.namedParameters().map(([n]) => n),
    [
      'blocks.0.conv.weight',
      'blocks.0.conv.bias',
      'blocks.0.bn.weight',
      'blocks.0.bn.bias',
      'blocks.1.conv.weight',
      'blocks.1.conv.bias',
      'blocks.1.bn.weight',
      'blocks.1.bn.bias',
      'head.weight',
    ],
  );
  assert.deepEqual(
    net.namedBuffers().map(([n]) => n),
    ['blocks.0.bn.runningMean', 'blocks.0.bn.runningVar', 'blocks.1.bn.runningMean', 'blocks.1.bn.runningVar'],
  );
  assert.equal(net.numParameters(), 2 * (4 * 3 * 9 + 4 + 4 + 4) + 8);
  // Switching requiresGrad off does not turn a parameter into a buffer.
  for (const p of net.parameters()) p.requiresGrad = false;
  assert.equal(net.parameters().length, 9);
});

test('train() and eval() reach every child', () => {
  const net = new Net(new Rng(1));
  net.eval();
  assert.equal(net.blocks[1]!.bn.training, false);
  net.train();
  assert.equal(net.blocks[0]!.conv.training, true);
});

test('loadStateDict copies values and names every problem', () => {
  const a = new Net(new Rng(1));
  const b = new Net(new Rng(2));
  b.loadStateDict(a.stateDict());
  assert.deepEqual(Array.from(b.head.weight.data), Array.from(a.head.weight.data));
  const d = { ...a.stateDict() };
  delete d['head.weight'];
  d['extra.weight'] = zeros([1]);
  d['blocks.0.bn.bias'] = zeros([5]);
  assert.throws(
    () => b.loadStateDict(d),
    (e: Error) =>
      /missing head\.weight/.test(e.message) &&
      /unexpected extra\.weight/.test(e.message) &&
      /blocks\.0\.bn\.bias has shape \[5\] but the model expects \[4\]/.test(e.message),
  );
});

test('Sequential names its layers layers.i and runs them in order', () => {
  const rng = new Rng(3);
  const seq = new Sequential(new Linear(3, 5, { rng }), new ReLU(), new Linear(5, 2, { rng }));
  assert.deepEqual(
    seq.namedParameters().map(([n]) => n),
    ['layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias'],
  );
  assert.deepEqual(seq.forward(randn([4, 3], rng)).shape, [4, 2]);
});

test('Sequential runs conv / batch norm + ReLU / leaky ReLU as one op, with the values of the layers one by one', () => {
  const rng = new Rng(4);
  const seq = new Sequential(
    new Conv2d(3, 16, 3, { padding: 1, rng }),
    new LeakyReLU(0.1),
    // no bias before a batch norm (as DCGAN): its gradient would be rounding noise around 0
    new Conv2d(16, 6, 3, { padding: 1, bias: false, rng }),
    new BatchNorm2d(6),
    new LeakyReLU(0.2),
    new Conv2d(6, 5, 3, { padding: 1, bias: false, rng }),
    new BatchNorm2d(5),
    new ReLU(),
  );
  // non-trivial γ, β so that both signs reach the activations
  for (const [name, p] of seq.namedParameters()) {
    if (/^layers\.[36]\./.test(name))
      for (let i = 0; i < p.size; i++) p.data[i] = name.endsWith('weight') ? 0.5 + 0.1 * i : 0.3 * (i % 3) - 0.3;
  }
  const x = randn([4, 3, 6, 6], rng);
  const r = randn([4, 5, 6, 6], rng);
  const run = (forward: (x: Tensor) => Tensor) => {
    for (const p of seq.parameters()) p.grad = null;
    const y = forward(x);
    sum(mul(y, r)).backward();
    return { y: Float32Array.from(y.data), grads: seq.parameters().map((p) => Float32Array.from(p.grad!.data)) };
  };
  // the graph's ops from the output back to x
  const chain = (y: Tensor) => {
    const ops: string[] = [];
    for (let t: Tensor | null = y; t?.node; t = t.node.inputs[0] ?? null) ops.push(t.node.op);
    return ops;
  };
  let fusedOps: string[] = [];
  let layeredOps: string[] = [];
  const fused = run((h) => {
    const y = seq.forward(h);
    fusedOps = chain(y);
    return y;
  });
  const layered = run((h) => {
    const y = seq.layers.reduce((a, layer) => layer.forward(a), h);
    layeredOps = chain(y);
    return y;
  });
  assert.ok(!fusedOps.includes('relu') && !fusedOps.includes('leakyRelu'), `fused: ${fusedOps.join(' ← ')}`);
  assert.ok(layeredOps.includes('relu') && layeredOps.includes('leakyRelu'), `layered: ${layeredOps.join(' ← ')}`);
  const close = (a: Float32Array, b: Float32Array) => a.every((v, i) => Math.abs(v - b[i]!) <= 1e-5 * (1 + Math.abs(b[i]!)));
  assert.ok(close(fused.y, layered.y), 'fused and layer-by-layer outputs agree');
  fused.grads.forEach((g, i) => assert.ok(close(g, layered.grads[i]!), `gradient ${i}`));
  assert.ok(fused.y.some((v) => v < 0) === false, 'the last ReLU ran');
  // a forward replaced on the instance (a trace, a hook) is called, not fused away
  const relu = seq.layers[7]!;
  let calls = 0;
  const own = relu.forward.bind(relu);
  Object.defineProperty(relu, 'forward', { value: (t: Tensor) => (calls++, own(t)), configurable: true });
  seq.forward(x);
  delete (relu as unknown as Record<string, unknown>)['forward'];
  assert.equal(calls, 1, 'the wrapped ReLU ran');
  // and so is a subclass's own forward
  class HalfReLU extends ReLU {
    override forward(t: Tensor): Tensor {
      return mul(super.forward(t), 0.5);
    }
  }
  const halved = new Sequential(new Conv2d(3, 4, 3, { padding: 1, rng }), new HalfReLU());
  const hy = halved.forward(x);
  const href = halved.layers[1]!.forward(halved.layers[0]!.forward(x));
  assert.ok(close(Float32Array.from(hy.data), Float32Array.from(href.data)), 'a ReLU subclass keeps its own forward');
});

/** Largest singular value by many power iterations on WᵀW (reference, in float64). */
function sigmaMax(w: Tensor, rows: number): number {
  const cols = w.size / rows;
  let v = new Float64Array(cols).fill(1);
  let s = 0;
  for (let it = 0; it < 500; it++) {
    const u = new Float64Array(rows);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) u[i]! += w.data[i * cols + j]! * v[j]!;
    const nv = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) nv[j]! += w.data[i * cols + j]! * u[i]!;
    s = Math.sqrt(Math.hypot(...nv));
    const n = Math.hypot(...nv);
    v = nv.map((x) => x / n);
  }
  return s;
}

test('spectralNorm divides the weight by its largest singular value', () => {
  const rng = new Rng(4);
  const lin = spectralNorm(new Linear(6, 4, { rng }), rng);
  assert.deepEqual(
    lin.namedParameters().map(([n]) => n),
    ['bias', 'weightOrig'],
  );
  assert.deepEqual(
    lin.namedBuffers().map(([n]) => n),
    ['weightU', 'weightV'],
  );
  // A known spectrum: singular values 3, 2, 0.5.
  lin.weightOrig.data.fill(0);
  [3, 2, 0.5].forEach((s, i) => (lin.weightOrig.data[i * 6 + i] = s));
  for (let i = 0; i < 20; i++) lin.forward(randn([2, 6], rng));
  const w = lin.weight;
  assert.ok(Math.abs(w.data[0]! - 1) < 1e-4, `top singular direction scaled to 1, got ${w.data[0]}`);
  assert.ok(Math.abs(w.data[7]! - 2 / 3) < 1e-4, `second singular direction scaled to 2/3, got ${w.data[7]}`);
  // Random weights: σ(W/σ) ≈ 1.
  const conv = spectralNorm(new Conv2d(3, 5, 3, { rng }), rng);
  conv.forward(randn([1, 3, 5, 5], rng));
  assert.ok(Math.abs(sigmaMax(conv.weight, 5) - 1) < 1e-3, 'σ(W/σ) ≈ 1');
  const convT = spectralNorm(new ConvTranspose2d(4, 3, 2, { rng }), rng);
  assert.equal(convT.weightU.shape[0], 3); // dim 1 for transposed convs, as PyTorch
});

test('spectralNorm: gradients reach weightOrig (checked against finite differences in layers.test.ts); eval mode keeps u fixed', () => {
  const rng = new Rng(5);
  const lin = spectralNorm(new Linear(3, 2, { rng }), rng);
  sum(lin.forward(randn([4, 3], rng))).backward();
  assert.ok(lin.weightOrig.grad && lin.weightOrig.grad.toArray().some((g) => g !== 0), 'weightOrig has a gradient');
  lin.eval();
  const u = Array.from(lin.weightU.data);
  lin.forward(tensor([1, 2, 3], [1, 3]));
  assert.deepEqual(Array.from(lin.weightU.data), u);
});

declare module '../../src/nn/index.js' {
  interface Linear {
    readonly weightOrig: Tensor;
    readonly weightU: Tensor;
  }
  interface ConvTranspose2d {
    readonly weightU: Tensor;
  }
}

test('a shared child is listed once and a cycle does not recurse forever', () => {
  const rng = new Rng(6);
  class Tied extends Module {
    readonly a: Linear;
    readonly b: Linear;
    parent: Module | null = null;
    constructor() {
      super();
      this.a = new Linear(2, 2, { rng });
      this.b = this.a;
    }
    forward(x: Tensor): Tensor {
      return this.b.forward(this.a.forward(x));
    }
  }
  const t = new Tied();
  t.parent = t;
  assert.deepEqual(
    t.namedParameters().map(([n]) => n),
    ['a.weight', 'a.bias'],
  );
  assert.equal(t.namedModules().length, 1);
});
