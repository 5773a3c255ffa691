// Optimiser steps against hand-computed values; gradient clipping; EMA.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tensor, type Tensor } from '../../src/engine/index.js';
import { Adam, AdamW, clipGradNorm, EMA, Linear, SGD } from '../../src/nn/index.js';
import { Rng } from '../../src/engine/index.js';

function param(values: number[]): Tensor {
  return tensor(values, [values.length], { dtype: 'float64', requiresGrad: true });
}

function setGrad(p: Tensor, values: number[]): void {
  p.grad = tensor(values, [values.length], { dtype: 'float64' });
}

function close(got: ArrayLike<number>, want: number[], tol = 1e-12): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= tol, `element ${i}: ${got[i]} vs ${want[i]}`);
}

test('Adam: two steps match the algorithm computed by hand', () => {
  const p = param([1, -2]);
  const opt = new Adam([p], { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8 });
  setGrad(p, [0.5, -1]);
  opt.step();
  // Step 1: m = 0.1g, v = 0.001g², m̂ = g, v̂ = g², update = lr·g/(|g| + eps) = ±0.1
  close(p.data, [1 - 0.1 * (0.5 / (0.5 + 1e-8)), -2 + 0.1 * (1 / (1 + 1e-8))]);
  const after1 = Array.from(p.data);
  setGrad(p, [0.25, 2]);
  opt.step();
  const want = [0.5, -1].map((g1, i) => {
    const g2 = [0.25, 2][i]!;
    const m = 0.9 * (0.1 * g1) + 0.1 * g2;
    const v = 0.999 * (0.001 * g1 * g1) + 0.001 * g2 * g2;
    const mHat = m / (1 - 0.9 ** 2);
    const vHat = v / (1 - 0.999 ** 2);
    return after1[i]! - (0.1 * mHat) / (Math.sqrt(vHat) + 1e-8);
  });
  close(p.data, want);
});

test('Adam: L2 weight decay adds wd·p to the gradient; AdamW decays the weight directly', () => {
  const p1 = param([2]);
  const adam = new Adam([p1], { lr: 0.01, weightDecay: 0.5, eps: 0 });
  setGrad(p1, [1]);
  adam.step();
  // g = 1 + 0.5·2 = 2 → first step moves by exactly lr (sign of g)
  close(p1.data, [2 - 0.01]);

  const p2 = param([2]);
  const adamw = new AdamW([p2], { lr: 0.01, weightDecay: 0.5, eps: 0 });
  setGrad(p2, [1]);
  adamw.step();
  close(p2.data, [2 * (1 - 0.01 * 0.5) - 0.01]);
});

test('Adam: parameters without a gradient are left alone, and state round-trips', () => {
  const a = param([1]);
  const b = param([1]);
  const opt = new Adam([a, b], { lr: 0.1 });
  setGrad(a, [1]);
  opt.step();
  assert.equal(b.data[0], 1);
  const saved = opt.stateDict();
  assert.deepEqual(saved.steps, [1, 0]);
  const opt2 = new Adam([param([1]), param([1])], { lr: 0.1 });
  opt2.loadStateDict(saved);
  assert.deepEqual(opt2.stateDict().steps, [1, 0]);
  close(opt2.stateDict().m[0]!.data, [0.1]);
  assert.throws(() => new Adam([param([1, 2])]).loadStateDict(saved), /2 parameters|1 parameters|step counts/);
});

test('Adam with β₁ = 0 saves no first moment and still resumes bit for bit', () => {
  const grads = [
    [0.5, -1],
    [0.25, 2],
    [-3, 0.125],
    [1, 1],
  ];
  const run = (resumeAt: number | null): number[] => {
    let p = param([1, -2]);
    let opt = new Adam([p], { lr: 0.1, betas: [0, 0.9] });
    grads.forEach((g, k) => {
      if (k === resumeAt) {
        const state = opt.stateDict();
        assert.equal(state.m.length, 0, 'm saved although β₁ = 0');
        p = param(Array.from(p.data));
        opt = new Adam([p], { lr: 0.1, betas: [0, 0.9] });
        opt.loadStateDict(state);
      }
      setGrad(p, g);
      opt.step();
    });
    return Array.from(p.data);
  };
  assert.deepEqual(run(2), run(null));
  // a state with m (written by β₁ ≠ 0, or before m was left out) still loads; one without m needs β₁ = 0
  const withM = new Adam([param([1])], { lr: 0.1 });
  setGrad(withM.params[0]!, [1]);
  withM.step();
  new Adam([param([1])], { betas: [0, 0.9] }).loadStateDict(withM.stateDict());
  const noM = new Adam([param([1])], { betas: [0, 0.9] }).stateDict();
  assert.throws(() => new Adam([param([1])]).loadStateDict(noM), /m/);
});

test('SGD with momentum and weight decay follows PyTorch’s rule', () => {
  const p = param([1, 2]);
  const opt = new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.1 });
  setGrad(p, [1, 1]);
  opt.step();
  // b = g + wd·p = [1.1, 1.2]; p = p − 0.1·b
  close(p.data, [1 - 0.11, 2 - 0.12]);
  setGrad(p, [0, 0]);
  opt.step();
  // b = 0.9·b + wd·p
  const b = [0.9 * 1.1 + 0.1 * 0.89, 0.9 * 1.2 + 0.1 * 1.88];
  close(p.data, [0.89 - 0.1 * b[0]!, 1.88 - 0.1 * b[1]!]);
});

test('SGD with Nesterov momentum steps by g + μ·b', () => {
  const p = param([1]);
  const opt = new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true });
  setGrad(p, [1]);
  opt.step();
  close(p.data, [1 - 0.1 * (1 + 0.9 * 1)]);
  setGrad(p, [2]);
  opt.step();
  const b = 0.9 * 1 + 2;
  close(p.data, [1 - 0.19 - 0.1 * (2 + 0.9 * b)]);
  assert.throws(() => new SGD([param([1])], { lr: 1, nesterov: true }), /nesterov needs momentum/);
});

test('zeroGrad clears gradients', () => {
  const p = param([1]);
  const opt = new SGD([p], { lr: 1 });
  setGrad(p, [3]);
  opt.zeroGrad();
  assert.equal(p.grad, null);
});

test('clipGradNorm scales to the max norm and returns the original norm', () => {
  const a = param([0, 0]);
  const b = param([0]);
  setGrad(a, [3, 0]);
  setGrad(b, [4]);
  const norm = clipGradNorm([a, b], 1);
  assert.ok(Math.abs(norm - 5) < 1e-12, `norm ${norm}, want 5`);
  close(a.grad!.data, [3 / (5 + 1e-6), 0]);
  close(b.grad!.data, [4 / (5 + 1e-6)]);
  // Below the limit nothing changes.
  assert.ok(Math.abs(clipGradNorm([a, b], 10) - 1) < 1e-5, 'the clipped gradients have norm 1, under the limit 10');
  close(b.grad!.data, [4 / (5 + 1e-6)]);
});

test('EMA averages parameters, copies buffers, and restores into another module', () => {
  const rng = new Rng(1);
  const model = new Linear(2, 1, { rng });
  const ema = new EMA(model, 0.5);
  const w0 = Array.from(model.weight.data);
  model.weight.data.fill(1);
  ema.update();
  close(
    ema.stateDict()['weight']!.data,
    w0.map((w) => 0.5 * w + 0.5),
    1e-6,
  );
  const other = new Linear(2, 1, { rng });
  ema.copyTo(other);
  close(
    other.weight.data,
    w0.map((w) => 0.5 * w + 0.5),
    1e-6,
  );
});
