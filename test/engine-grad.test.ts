// Every op's gradient against central finite differences in float64 (test/helpers/gradcheck.ts),
// on random shapes including broadcasting and odd sizes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from '../src/engine/index.js';
import type { Tensor } from '../src/engine/index.js';
import { gradcheck } from './helpers/gradcheck.js';
import { opCases } from './helpers/opCases.js';

const cases = opCases('float64');
const rng = new E.Rng(99);
const r = (shape: number[]) => E.randn(shape, rng, { dtype: 'float64', requiresGrad: true });

for (const [name, fn, inputs, opts] of cases) {
  test(`gradcheck: ${name}`, () => {
    const res = gradcheck(name, fn, inputs(), opts);
    assert.ok(res.ok, res.message);
  });
}

test('gradcheck catches a wrong gradient', () => {
  // An op whose backward is deliberately off by a factor of 2 must fail the check.
  const broken = (x: Tensor) => {
    const y = E.mul(x, 1);
    y.node = { op: 'broken', inputs: [x], backward: (dy) => [E.mul(dy, 2)] };
    return y;
  };
  assert.equal(gradcheck('broken', broken, [r([3])]).ok, false);
});
