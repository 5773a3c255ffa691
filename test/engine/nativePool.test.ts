// The native pooling, upsampling, softmax and max-backward kernels (native/pool.cc, softmax.cc,
// layout.cc) against the js kernels at the kernel level: odd sizes, k = 2 and general k, ties in max pooling (the
// gradient must go to the same, first, maximum), NaN, 1 and 2 threads on arrays large enough for
// the parallel path, and malformed calls. Relative error (max |Δ| / max |js|) must stay under
// 1e-4. test/engine/backends.test.ts checks the same kernels through the ops and autograd.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backend, Storage } from '../../src/engine/backend.js';
import { jsBackend as js } from '../../src/engine/backends/js.js';
import { Rng } from '../../src/engine/index.js';
import { getNumThreads, loadNativeBackend, nativeLoadError, setNumThreads } from '../../src/engine/native/index.js';
import { kernelsPresentIn } from '../../src/engine/native/kernels.js';
import { requires } from '../helpers/requires.js';

const native = loadNativeBackend();
const skip = requires('the native backend', native ? null : nativeLoadError());
const nb = native as Backend;

/** Normal samples; with `levels`, rounded to a few values so that windows contain ties. */
function randomArray(size: number, seed: number, levels = 0): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = levels > 0 ? Math.round(rng.normal() * levels) : rng.normal();
  return out;
}

function assertClose(actual: Storage, expected: Storage, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let diff = 0;
  let scale = 1e-30;
  for (let i = 0; i < actual.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  assert.ok(diff / scale < 1e-4, `${what}: relative error ${(diff / scale).toExponential(2)}`);
}

/** Runs `fn` on 1 thread, then on 2, restoring the thread count (js references are computed once, outside). */
function onThreads(fn: (threads: number) => void): void {
  const before = getNumThreads()!;
  try {
    for (const t of [1, 2]) {
      setNumThreads(t);
      fn(t);
    }
  } finally {
    setNumThreads(before);
  }
}

// [nc, h, w, k]: odd plane counts and odd output widths (vector remainders), general k, and one
// array above the 2M-element threshold of the parallel path.
const poolShapes: [number, number, number, number][] = [
  [3, 6, 10, 2],
  [7, 14, 22, 2],
  [5, 9, 12, 3],
  [2, 8, 12, 4],
  [129, 128, 128, 2],
];

test('pool2d and upsample2d (average pooling, nearest upsampling) match js', { skip }, () => {
  for (const [nc, h, w, k] of poolShapes) {
    const x = randomArray(nc * h * w, nc + h);
    const size = nc * Math.floor(h / k) * Math.floor(w / k);
    const yJ = new Float32Array(size);
    js.pool2d(nc, h, w, k, x, yJ, 1 / (k * k));
    const uJ = new Float32Array(nc * h * w * k * k);
    js.upsample2d(nc, h, w, k, x, uJ, 0.5);
    onThreads((t) => {
      const yN = new Float32Array(size);
      nb.pool2d(nc, h, w, k, x, yN, 1 / (k * k));
      assertClose(yN, yJ, `pool2d [${nc},${h},${w}] k=${k}, ${t} threads`);
      const uN = new Float32Array(nc * h * w * k * k);
      nb.upsample2d(nc, h, w, k, x, uN, 0.5);
      assertClose(uN, uJ, `upsample2d [${nc},${h},${w}] k=${k}, ${t} threads`);
    });
  }
  // k = 2 over odd h and w drops the last row and column, like the general loop.
  const x = randomArray(2 * 5 * 7, 3);
  const [yN, yJ] = [new Float32Array(2 * 2 * 3), new Float32Array(2 * 2 * 3)];
  nb.pool2d(2, 5, 7, 2, x, yN, 1);
  js.pool2d(2, 5, 7, 2, x, yJ, 1);
  assertClose(yN, yJ, 'pool2d odd h and w');
});

test('maxPool2d and its backward match js, ties included (first maximum gets the gradient)', { skip }, () => {
  for (const [nc, h, w, k] of poolShapes) {
    if (h % k !== 0 || w % k !== 0) continue;
    for (const levels of [0, 1]) {
      const x = randomArray(nc * h * w, nc * w + levels, levels);
      const size = (nc * h * w) / (k * k);
      const yJ = new Float32Array(size);
      js.maxPool2d(nc, h, w, k, x, yJ);
      const dy = randomArray(size, 17);
      const dJ = new Float32Array(nc * h * w);
      js.maxPool2dBackward(nc, h, w, k, x, yJ, dy, dJ);
      onThreads((t) => {
        const what = `maxPool2d [${nc},${h},${w}] k=${k}${levels ? ' with ties' : ''}, ${t} threads`;
        const yN = new Float32Array(size);
        nb.maxPool2d(nc, h, w, k, x, yN);
        assert.deepEqual(yN, yJ, what);
        const dN = new Float32Array(nc * h * w).fill(7); // must be overwritten
        nb.maxPool2dBackward(nc, h, w, k, x, yN, dy, dN);
        assert.deepEqual(dN, dJ, `${what}: backward`);
      });
    }
  }
});

test('maxPool2d propagates NaN like js (a NaN in the window wins; its gradient is dropped)', { skip }, () => {
  for (const k of [2, 3]) {
    const x = randomArray(2 * 6 * 6, 5);
    x[6 + 1] = NaN; // row 1, column 1: inside the first window for k = 2 and 3, not its first element
    const size = (2 * 36) / (k * k);
    const [yN, yJ] = [new Float32Array(size), new Float32Array(size)];
    nb.maxPool2d(2, 6, 6, k, x, yN);
    js.maxPool2d(2, 6, 6, k, x, yJ);
    assert.ok(Number.isNaN(yN[0]!), `k=${k}: NaN window`);
    assert.deepEqual(yN, yJ);
    const dy = randomArray(size, 6);
    const [dN, dJ] = [new Float32Array(72), new Float32Array(72)];
    nb.maxPool2dBackward(2, 6, 6, k, x, yN, dy, dN);
    js.maxPool2dBackward(2, 6, 6, k, x, yJ, dy, dJ);
    assert.deepEqual(dN, dJ);
  }
});

// [outer, axis, inner]: classifier logits, attention rows, a channel axis, and a large array.
const softmaxShapes: [number, number, number][] = [
  [256, 10, 1],
  [33, 64, 1],
  [5, 1, 1],
  [4, 10, 35],
  [3, 7, 5],
  [32768, 65, 1],
];

test('softmax and log-softmax, forward and backward, match js', { skip }, () => {
  for (const [outer, axis, inner] of softmaxShapes) {
    const size = outer * axis * inner;
    const x = randomArray(size, axis + inner);
    for (let i = 0; i < size; i += 3) x[i] = x[i]! * 8; // some large logits
    const dy = randomArray(size, 9);
    for (const log of [false, true]) {
      const [yJ, dJ] = [new Float32Array(size), new Float32Array(size)];
      js.softmax(log, x, outer, axis, inner, yJ);
      js.softmaxBackward(log, yJ, dy, outer, axis, inner, dJ);
      onThreads((t) => {
        const what = `${log ? 'logSoftmax' : 'softmax'} [${outer},${axis},${inner}], ${t} threads`;
        const [yN, dN] = [new Float32Array(size), new Float32Array(size)];
        nb.softmax(log, x, outer, axis, inner, yN);
        assertClose(yN, yJ, what);
        nb.softmaxBackward(log, yJ, dy, outer, axis, inner, dN);
        assertClose(dN, dJ, `${what}: backward`);
      });
    }
  }
});

test('softmax of a row containing NaN is NaN, like js', { skip }, () => {
  const x = randomArray(20, 1);
  x[3] = NaN;
  const y = new Float32Array(20);
  nb.softmax(false, x, 2, 10, 1, y);
  assert.ok(y.subarray(0, 10).every((v) => Number.isNaN(v)));
  assert.ok(y.subarray(10).every((v) => Number.isFinite(v)));
});

test('reduceMaxBackward matches js, ties and NaN included (first maximum gets the gradient)', { skip }, () => {
  // [outer, axis, inner]: ResNet-9's global max pool ([N·C, H·W, 1]), a middle axis, a large array.
  for (const [outer, axis, inner] of [
    [256 * 24, 16, 1],
    [5, 9, 13],
    [3, 1, 7],
    [64, 64, 520],
  ] as const) {
    const size = outer * axis * inner;
    const x = randomArray(size, axis, 1); // rounded: many ties
    x[inner] = NaN; // o = 0, a = 1, i = 0 (axis > 1) or o = 1 (axis = 1)
    const y = new Float32Array(outer * inner);
    js.reduce('max', x, outer, axis, inner, y);
    const dy = randomArray(outer * inner, 4);
    const dJ = new Float32Array(size);
    js.reduceMaxBackward(x, y, dy, outer, axis, inner, dJ);
    onThreads((t) => {
      const dN = new Float32Array(size).fill(3); // must be overwritten
      nb.reduceMaxBackward(x, y, dy, outer, axis, inner, dN);
      assert.deepEqual(dN, dJ, `reduceMaxBackward [${outer},${axis},${inner}], ${t} threads`);
    });
  }
});

test('malformed pooling and softmax calls throw instead of crashing', { skip }, () => {
  const small = new Float32Array(3);
  assert.throws(() => nb.pool2d(2, 4, 4, 2, small, new Float32Array(8), 1), /too short/);
  assert.throws(() => nb.upsample2d(2, 4, 4, 2, new Float32Array(32), small, 1), /too short/);
  assert.throws(() => nb.maxPool2d(1, 4, 4, 3, new Float32Array(16), new Float32Array(4)), /divide/);
  assert.throws(
    () => nb.maxPool2dBackward(1, 4, 4, 2, new Float32Array(16), new Float32Array(4), small, new Float32Array(16)),
    /too short/,
  );
  assert.throws(() => nb.softmax(false, small, 2, 2, 1, new Float32Array(4)), /shorter/);
  assert.throws(() => nb.softmaxBackward(true, small, small, 1, 3, 2, small), /shorter/);
  assert.throws(() => nb.reduceMaxBackward(small, small, small, 1, 3, 2, small), /wrong length/);
});

test('an addon built before these kernels existed leaves them on js instead of failing', () => {
  const kernels = { pool2d: js.pool2d, softmax: js.softmax, gemm: js.gemm };
  const staleAddon = { gemm: () => {}, pool2d: 'not a function' };
  const r = kernelsPresentIn(staleAddon, kernels);
  assert.deepEqual(Object.keys(r.kernels), ['gemm']);
  assert.deepEqual(r.missing, ['pool2d', 'softmax']);
});
