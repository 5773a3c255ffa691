// Small networks overfit a small batch, and a long training loop keeps memory flat.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  bceWithLogits,
  crossEntropy,
  flatten,
  leakyRelu,
  memoryStats,
  mseLoss,
  randn,
  relu,
  Rng,
  type Tensor,
  tanh,
  tensor,
  tidy,
} from '../../src/engine/index.js';
import { Adam, BatchNorm2d, Conv2d, ConvTranspose2d, Linear, Module } from '../../src/nn/index.js';

class Mlp extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly fc3: Linear;
  constructor(rng: Rng) {
    super();
    this.fc1 = new Linear(4, 32, { rng });
    this.fc2 = new Linear(32, 32, { rng });
    this.fc3 = new Linear(32, 3, { rng });
  }
  forward(x: Tensor): Tensor {
    return this.fc3.forward(tanh(this.fc2.forward(relu(this.fc1.forward(x)))));
  }
}

class ConvNet extends Module {
  readonly c1: Conv2d;
  readonly bn: BatchNorm2d;
  readonly c2: Conv2d;
  readonly fc: Linear;
  constructor(rng: Rng) {
    super();
    this.c1 = new Conv2d(3, 8, 3, { padding: 1, rng });
    this.bn = new BatchNorm2d(8);
    this.c2 = new Conv2d(8, 16, 4, { stride: 2, padding: 1, rng });
    this.fc = new Linear(16 * 4 * 4, 4, { rng });
  }
  forward(x: Tensor): Tensor {
    const h = leakyRelu(this.bn.forward(this.c1.forward(x)), 0.2);
    return this.fc.forward(flatten(relu(this.c2.forward(h))));
  }
}

test('a tiny MLP overfits 16 random points (MSE below 1e-3)', () => {
  const rng = new Rng(1);
  const net = new Mlp(rng);
  const x = randn([16, 4], rng);
  const y = randn([16, 3], rng);
  const opt = new Adam(net.parameters(), { lr: 1e-2 });
  let first = 0;
  let last = 0;
  for (let step = 0; step < 400; step++) {
    last = tidy(() => {
      opt.zeroGrad();
      const loss = mseLoss(net.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    });
    if (step === 0) first = last;
  }
  assert.ok(last < 1e-3, `loss ${first} → ${last}`);
});

test('a tiny conv net with batch norm overfits 8 random images (cross-entropy below 0.05)', () => {
  const rng = new Rng(2);
  const net = new ConvNet(rng);
  const x = randn([8, 3, 8, 8], rng);
  const labels = new Int32Array([0, 1, 2, 3, 3, 2, 1, 0]);
  const opt = new Adam(net.parameters(), { lr: 1e-2 });
  let last = Infinity;
  for (let step = 0; step < 150 && last > 0.05; step++) {
    last = tidy(() => {
      opt.zeroGrad();
      const loss = crossEntropy(net.forward(x), labels);
      loss.backward();
      opt.step();
      return loss.item();
    });
  }
  assert.ok(last < 0.05, `final loss ${last}`);
  // Eval mode uses the running statistics and still classifies the batch.
  net.eval();
  const logits = tidy(() => net.forward(x).toArray());
  let correct = 0;
  for (let i = 0; i < 8; i++) {
    const row = logits.slice(i * 4, i * 4 + 4);
    if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
  }
  assert.ok(correct >= 6, `${correct}/8 correct in eval mode`);
});

/** A forced full GC (Node's test runner does not pass --expose-gc). */
function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

test('500 GAN-like training steps keep memory flat', () => {
  const rng = new Rng(3);
  const gen = new ConvTranspose2d(8, 3, 4, { stride: 2, padding: 1, rng });
  const disc = new Conv2d(3, 1, 4, { stride: 2, padding: 1, rng });
  const optG = new Adam(gen.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  const optD = new Adam(disc.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  const real = randn([8, 3, 8, 8], rng);
  const step = (): void =>
    tidy(() => {
      const fake = tanh(gen.forward(randn([8, 8, 4, 4], rng)));
      optD.zeroGrad();
      // a fresh array from outside the engine every step, like a data loader's batch
      const batch = tensor(
        Float32Array.from(real.data, (v) => v + 0.01),
        [8, 3, 8, 8],
      );
      const dLoss = bceWithLogits(disc.forward(batch), 1);
      dLoss.backward();
      bceWithLogits(disc.forward(fake.detach()), 0).backward();
      optD.step();
      optG.zeroGrad();
      bceWithLogits(disc.forward(fake), 1).backward();
      optG.step();
    });
  const measure = () => {
    gc();
    return {
      live: memoryStats().liveBytes,
      pooled: memoryStats().pooledBytes,
      heap: process.memoryUsage().heapUsed,
      ab: process.memoryUsage().arrayBuffers,
    };
  };
  for (let i = 0; i < 100; i++) step();
  const at100 = measure();
  for (let i = 100; i < 500; i++) step();
  const at500 = measure();
  // Tensors still alive: parameters, Adam state, grads, the real batch — the same at both points.
  assert.equal(at500.live, at100.live, `pool live bytes ${at100.live} → ${at500.live}`);
  assert.equal(at500.pooled, at100.pooled, `pooled bytes ${at100.pooled} → ${at500.pooled}`);
  assert.ok(at500.ab - at100.ab < 1 << 20, `arrayBuffers grew ${at100.ab} → ${at500.ab}`);
  assert.ok(at500.heap - at100.heap < 4 << 20, `heap grew ${at100.heap} → ${at500.heap}`);
});
