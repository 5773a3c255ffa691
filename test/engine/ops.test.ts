// Forward values of the ops against direct, naive definitions (the gradient checks then tie each
// backward to its forward).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { requiresNative } from '../helpers/requires.js';

const rng = new E.Rng(17);
const f64 = { dtype: 'float64' as const };
const r = (shape: number[]) => E.randn(shape, rng, f64);

function close(got: Tensor | number[], want: number[], tol = 1e-9): void {
  const g = Array.isArray(got) ? got : got.toArray();
  assert.equal(g.length, want.length, 'length');
  for (let i = 0; i < want.length; i++)
    assert.ok(Math.abs(g[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!)), `element ${i}: ${g[i]} vs ${want[i]}`);
}

/** Direct 7-loop cross-correlation. */
function naiveConv(x: Tensor, w: Tensor, b: Tensor | null, s: number, p: number): number[] {
  const [n, ci, h, wd] = x.shape as number[];
  const [co, , kh, kw] = w.shape as number[];
  const ho = Math.floor((h! + 2 * p - kh!) / s) + 1;
  const wo = Math.floor((wd! + 2 * p - kw!) / s) + 1;
  const out: number[] = [];
  for (let a = 0; a < n!; a++)
    for (let o = 0; o < co!; o++)
      for (let y = 0; y < ho; y++)
        for (let z = 0; z < wo; z++) {
          let acc = b ? b.data[o]! : 0;
          for (let c = 0; c < ci!; c++)
            for (let i = 0; i < kh!; i++)
              for (let j = 0; j < kw!; j++) {
                const iy = y * s - p + i;
                const ix = z * s - p + j;
                if (iy >= 0 && iy < h! && ix >= 0 && ix < wd!)
                  acc += x.data[((a * ci! + c) * h! + iy) * wd! + ix]! * w.data[((o * ci! + c) * kh! + i) * kw! + j]!;
              }
          out.push(acc);
        }
  return out;
}

/** Transposed conv by its definition: every input pixel scatters a weighted kernel. */
function naiveConvT(x: Tensor, w: Tensor, s: number, p: number, op: number): number[] {
  const [n, ci, h, wd] = x.shape as number[];
  const [, co, kh, kw] = w.shape as number[];
  const ho = (h! - 1) * s - 2 * p + kh! + op;
  const wo = (wd! - 1) * s - 2 * p + kw! + op;
  const out = new Array<number>(n! * co! * ho * wo).fill(0);
  for (let a = 0; a < n!; a++)
    for (let c = 0; c < ci!; c++)
      for (let y = 0; y < h!; y++)
        for (let z = 0; z < wd!; z++)
          for (let o = 0; o < co!; o++)
            for (let i = 0; i < kh!; i++)
              for (let j = 0; j < kw!; j++) {
                const oy = y * s - p + i;
                const ox = z * s - p + j;
                if (oy < 0 || oy >= ho || ox < 0 || ox >= wo) continue;
                out[((a * co! + o) * ho + oy) * wo + ox]! +=
                  x.data[((a * ci! + c) * h! + y) * wd! + z]! * w.data[((c * co! + o) * kh! + i) * kw! + j]!;
              }
  return out;
}

test('conv2d matches the direct definition (odd sizes, stride, padding, bias)', () => {
  const x = r([2, 3, 7, 6]);
  const w = r([4, 3, 3, 3]);
  const b = r([4]);
  close(E.conv2d(x, w, b, { stride: 2, padding: 1 }), naiveConv(x, w, b, 2, 1));
  close(E.conv2d(x, w, null, { stride: 1, padding: 0 }), naiveConv(x, w, null, 1, 0));
});

test('convTranspose2d matches the scatter definition, including outputPadding', () => {
  const x = r([2, 3, 3, 4]);
  const w = r([3, 2, 4, 4]);
  const y = E.convTranspose2d(x, w, null, { stride: 2, padding: 1, outputPadding: 1 });
  assert.deepEqual(y.shape, [2, 2, 7, 9]);
  close(y, naiveConvT(x, w, 2, 1, 1));
});

test('upsampleConv2d is nearest 2× upsampling then a 3×3 convolution with padding 1', () => {
  const x = r([2, 3, 3, 5]);
  const w = r([4, 3, 3, 3]);
  const b = r([4]);
  const y = E.upsampleConv2d(x, w, b);
  assert.deepEqual(y.shape, [2, 4, 6, 10]);
  close(y, naiveConv(E.upsampleNearest2x(x), w, b, 1, 1));
});

test('convAvgPool2d is a 3×3 convolution with padding 1 then 2×2 average pooling', () => {
  const x = r([2, 3, 6, 4]);
  const w = r([5, 3, 3, 3]);
  const b = r([5]);
  const y = E.convAvgPool2d(x, w, b);
  assert.deepEqual(y.shape, [2, 5, 3, 2]);
  const conv = naiveConv(x, w, b, 1, 1);
  const want: number[] = [];
  for (let i = 0; i < 2 * 5; i++)
    for (let h = 0; h < 3; h++)
      for (let v = 0; v < 2; v++) {
        const at = (dh: number, dv: number) => conv[(i * 6 + 2 * h + dh) * 4 + 2 * v + dv]!;
        want.push((at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4);
      }
  close(y, want);
  // sizes 2×2 pooling does not tile are refused as avgPool2d refuses them
  assert.throws(() => E.convAvgPool2d(r([1, 3, 5, 4]), w, b), /avgPool2d: kernel 2 does not tile/);
});

test('matmul and linear match naive products', () => {
  const a = r([2, 3, 4]);
  const b = r([2, 4, 5]);
  const want: number[] = [];
  for (let k = 0; k < 2; k++)
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 5; j++) {
        let s = 0;
        for (let p = 0; p < 4; p++) s += a.data[k * 12 + i * 4 + p]! * b.data[k * 20 + p * 5 + j]!;
        want.push(s);
      }
  close(E.matmul(a, b), want);
  const x = r([3, 4]);
  const w = r([2, 4]);
  const bias = E.tensor([10, 20], [2], f64);
  const lin = E.linear(x, w, bias).toArray();
  for (let i = 0; i < 3; i++)
    for (let o = 0; o < 2; o++) {
      let s = bias.data[o]!;
      for (let p = 0; p < 4; p++) s += x.data[i * 4 + p]! * w.data[o * 4 + p]!;
      assert.ok(Math.abs(lin[i * 2 + o]! - s) < 1e-12);
    }
});

test('batchNorm2d: training normalises per channel and updates running stats like PyTorch', () => {
  const x = E.tensor([1, 2, 3, 4, 10, 20, 30, 40], [2, 2, 2, 1], f64); // channel 0: 1,2,10,20; channel 1: 3,4,30,40
  const rm = E.zeros([2], f64);
  const rv = E.ones([2], f64);
  const y = E.batchNorm2d(x, null, null, rm, rv, { training: true, momentum: 0.1, eps: 0 });
  const m0 = (1 + 2 + 10 + 20) / 4;
  const v0 = [1, 2, 10, 20].reduce((s, v) => s + (v - m0) ** 2, 0) / 4;
  close([y.data[0]!], [(1 - m0) / Math.sqrt(v0)]);
  close(rm.toArray().slice(0, 1), [0.1 * m0]);
  close(rv.toArray().slice(0, 1), [0.9 + 0.1 * v0 * (4 / 3)]);
  // Eval mode uses the running statistics.
  const e = E.batchNorm2d(x, E.tensor([2, 2], [2], f64), E.tensor([1, 1], [2], f64), rm, rv, { training: false, eps: 0 });
  close([e.data[0]!], [((1 - rm.data[0]!) / Math.sqrt(rv.data[0]!)) * 2 + 1]);
});

test('groupNorm and layerNorm give zero mean, unit variance per group/row', () => {
  const x = r([2, 4, 3, 3]);
  const g = E.groupNorm(x, 2, null, null, 0).toArray();
  for (let grp = 0; grp < 4; grp++) {
    const part = g.slice(grp * 18, grp * 18 + 18);
    const m = part.reduce((s, v) => s + v, 0) / 18;
    const v = part.reduce((s, q) => s + (q - m) ** 2, 0) / 18;
    assert.ok(Math.abs(m) < 1e-12 && Math.abs(v - 1) < 1e-9, `group ${grp}: mean ${m}, variance ${v}`);
  }
  // layerNorm with γ = 2, β = 1: every row has mean 1 and variance 4
  const l = E.layerNorm(r([3, 5]), [5], E.full([5], 2, f64), E.full([5], 1, f64), 0).toArray();
  for (let row = 0; row < 3; row++) {
    const part = l.slice(row * 5, row * 5 + 5);
    const m = part.reduce((s, v) => s + v, 0) / 5;
    const v = part.reduce((s, q) => s + (q - m) ** 2, 0) / 5;
    assert.ok(Math.abs(m - 1) < 1e-12 && Math.abs(v - 4) < 1e-9, `row ${row}: mean ${m}, variance ${v}`);
  }
});

test('softmax, logSoftmax, reductions and losses give the textbook values', () => {
  const x = E.tensor([1, 2, 3, 1000, 1000, 1000], [2, 3], f64);
  const s = E.softmax(x).toArray();
  const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
  const z = e[0]! + e[1]! + e[2]!;
  close(s, [e[0]! / z, e[1]! / z, e[2]! / z, 1 / 3, 1 / 3, 1 / 3]);
  close(E.logSoftmax(x).toArray().slice(3), [Math.log(1 / 3), Math.log(1 / 3), Math.log(1 / 3)]);
  close(E.sum(x, 1), [6, 3000]);
  close(E.mean(x, 0), [500.5, 501, 501.5]);
  close(E.max(x, 1, true), [3, 1000]);
  close([E.crossEntropy(E.tensor([0, 0, Math.log(2)], [1, 3], f64), new Int32Array([2])).item()], [-Math.log(0.5)]);
  close([E.bceWithLogits(E.tensor([0, 100, -100], [3], f64), 1).item()], [(Math.log(2) + 0 + 100) / 3]);
  close([E.mseLoss(E.tensor([1, 2], [2], f64), E.tensor([3, 2], [2], f64)).item()], [2]);
  close([E.hingeLossD(E.tensor([2, 0], [2], f64), E.tensor([-2, 0.5], [2], f64)).item()], [0.5 + 0.75]);
  close([E.hingeLossG(E.tensor([1, 3], [2], f64)).item()], [-2]);
});

test('shape ops move the right elements', () => {
  const x = E.arange(0, 12, 1, f64);
  const m = E.reshape(x, [3, 4]);
  close(E.transpose(m), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  close(E.slice(m, [1, 1], [3, 3]), [5, 6, 9, 10]);
  close(
    E.pad(E.reshape(E.arange(1, 3, 1, f64), [1, 2]), [
      [0, 1],
      [1, 0],
    ]),
    [0, 1, 2, 0, 0, 0],
  );
  close(E.concat([E.reshape(E.arange(0, 2, 1, f64), [2, 1]), E.reshape(E.arange(5, 9, 1, f64), [2, 2])], 1), [0, 5, 6, 1, 7, 8]);
  const img = E.reshape(E.arange(0, 4, 1, f64), [1, 1, 2, 2]);
  close(E.upsampleNearest2x(img), [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]);
  close(E.avgPool2d(E.upsampleNearest2x(img), 2), [0, 1, 2, 3]);
  close(E.maxPool2d(E.reshape(E.tensor([1, 5, 2, 0, 3, 4, 9, 8, 7, 6, 1, 2, 0, 0, 0, -1], [4, 4], f64), [1, 1, 4, 4]), 2), [5, 9, 7, 2]);
  close(E.embedding(m, new Int32Array([2, 0])), [8, 9, 10, 11, 0, 1, 2, 3]);
  close(E.broadcastTo(E.tensor([1, 2], [2, 1], f64), [2, 3]), [1, 1, 1, 2, 2, 2]);
});

test('dropout keeps about 1 − p of the values, scaled by 1/(1 − p); identity in eval', () => {
  const x = E.ones([10000]);
  const y = E.dropout(x, 0.25, new E.Rng(1), true).toArray();
  const kept = y.filter((v) => v !== 0);
  assert.ok(Math.abs(kept.length / 10000 - 0.75) < 0.02);
  assert.ok(kept.every((v) => Math.abs(v - 4 / 3) < 1e-6));
  assert.equal(E.dropout(x, 0.25, new E.Rng(1), false), x);
});

test('NaN propagates through relu and max like in PyTorch (so divergence shows in the loss)', () => {
  const x = E.tensor([NaN, -1, 2, 0], [1, 1, 2, 2]);
  assert.ok(Number.isNaN(E.relu(x).data[0]!));
  assert.equal(E.relu(x).data[1], 0);
  assert.ok(Number.isNaN(E.max(x).item()));
  assert.ok(Number.isNaN(E.max(E.reshape(x, [2, 2]), 0).data[0]!));
  assert.ok(Number.isNaN(E.maxPool2d(x, 2).item()));
  assert.ok(Number.isNaN(E.leakyRelu(x, 0.2).data[0]!));
});

// The intent of the classifier's former hand-written 2×2 max pool test: the op must equal the max
// over reshaped windows, values and gradients, on both backends, with ties (rounded inputs) going
// to the first maximum of each window.
const nativeSkip = requiresNative();
for (const backend of ['js', 'native'] as const) {
  test(
    `maxPool2d equals max over reshaped windows, forward and backward, with ties (${backend})`,
    { skip: backend === 'native' && nativeSkip },
    () => {
      const before = E.getBackend().name;
      E.setBackend(backend);
      try {
        for (const k of [2, 3]) {
          const x = E.randn([2, 3, 6, 12], new E.Rng(k));
          for (let i = 0; i < x.size; i++) x.data[i] = Math.round(x.data[i]!) + 0; // + 0: no −0, which max and maxPool2d may order differently
          x.requiresGrad = true;
          const proj = E.randn([2, 3, 6 / k, 12 / k], new E.Rng(9));
          const a = E.maxPool2d(x, k);
          E.sum(E.mul(a, proj)).backward();
          const ga = Array.from(x.grad!.data);
          x.grad = null;
          const b = E.max(E.reshape(x, [2, 3, 6 / k, k, 12 / k, k]), [3, 5]);
          E.sum(E.mul(b, proj)).backward();
          assert.deepEqual(Array.from(a.data), Array.from(b.data), `k=${k}: values`);
          assert.deepEqual(ga, Array.from(x.grad!.data), `k=${k}: gradients`);
        }
      } finally {
        E.setBackend(before);
      }
    },
  );
}
