// Every op's gradient against central finite differences in float64 (test/helpers/gradcheck.ts),
// on random shapes including broadcasting and odd sizes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { gradcheck } from '../helpers/gradcheck.js';
import { opCases } from '../helpers/opCases.js';

const cases = opCases('float64');
const rng = new E.Rng(99);
const r = (shape: number[]) => E.randn(shape, rng, { dtype: 'float64', requiresGrad: true });

for (const [name, fn, inputs, opts] of cases) {
  test(`gradcheck: ${name}`, () => {
    const res = gradcheck(name, fn, inputs(), opts);
    assert.ok(res.ok, res.message);
  });
}

test('gradcheck: a small network using a weight twice (accumulation across the graph)', () => {
  const labels = new Int32Array([1, 0]);
  const net = (x: Tensor, w1: Tensor, wt: Tensor, g: Tensor, w2: Tensor) => {
    let h = E.conv2d(x, w1, null, { stride: 2, padding: 1 }); // [2,4,3,3]
    h = E.leakyRelu(E.batchNorm2d(h, g, null, null, null, { training: true }), 0.2);
    h = E.convTranspose2d(h, wt, null, { stride: 2, padding: 1 }); // [2,3,6,6]
    h = E.silu(E.groupNorm(h, 3, null, null));
    // w1 again: a second use whose gradient must add to the first.
    h = E.add(h, E.slice(E.conv2d(E.tanh(h), w1, null, { padding: 1 }), [0, 0], [2, 3]));
    const pooled = E.mean(h, [2, 3]); // [2,3]
    return E.crossEntropy(E.matmul(pooled, w2), labels);
  };
  const res = gradcheck('network', net, [r([2, 3, 6, 6]), r([4, 3, 3, 3]), r([4, 3, 4, 4]), r([4]), r([3, 2])]);
  assert.ok(res.ok, res.message);
});

test('gradcheck catches a wrong gradient', () => {
  // An op whose backward is deliberately off by a factor of 2 must fail the check.
  const broken = (x: Tensor) => {
    const y = E.mul(x, 1);
    y.node = { op: 'broken', inputs: [x], backward: (dy) => [E.mul(dy, 2)] };
    return y;
  };
  assert.equal(gradcheck('broken', broken, [r([3])]).ok, false);
});
