// The native backend's kernels against the js backend (the reference) on random inputs: odd
// sizes, stride 2, padding, bias and no bias, broadcasting. Relative error (max |Δ| / max |ref|)
// must stay under 1e-4. Skipped, with the reason, when the addon is not built (a failure in CI).
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, Conv2dGeometry, Storage, UnaryOp } from '../../src/engine/backend.js';
import { jsBackend as js } from '../../src/engine/backends/js.js';
import {
  convWinograd,
  getConvAlgorithm,
  getNumThreads,
  loadNativeBackend,
  nativeLoadError,
  setConvAlgorithm,
  setNumThreads,
} from '../../src/engine/native/index.js';
import { requires } from '../helpers/requires.js';

const native = loadNativeBackend();
const skip = requires('the native backend', native ? null : nativeLoadError());
const nb = native as Backend;

/** Deterministic uniform numbers in [lo, hi) (mulberry32). */
function randomArray(size: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

function assertClose(actual: Storage, expected: Storage, what: string, tol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Number.isFinite(actual[i]!) || !Number.isFinite(expected[i]!), `${what}: non-finite at ${i}`);
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
  }
  const rel = maxDiff / Math.max(maxRef, 1e-12);
  assert.ok(rel < tol, `${what}: relative error ${rel.toExponential(2)} ≥ ${tol}`);
}

function geometry(
  n: number,
  cIn: number,
  hIn: number,
  wIn: number,
  cOut: number,
  kH: number,
  kW: number,
  stride: number,
  pad: number,
): Conv2dGeometry {
  const hOut = Math.floor((hIn + 2 * pad - kH) / stride) + 1;
  const wOut = Math.floor((wIn + 2 * pad - kW) / stride) + 1;
  return { n, cIn, hIn, wIn, cOut, kH, kW, strideH: stride, strideW: stride, padH: pad, padW: pad, hOut, wOut };
}

const geometries: [string, Conv2dGeometry][] = [
  ['3x3 stride 1 pad 1, odd sizes', geometry(2, 3, 9, 7, 5, 3, 3, 1, 1)],
  ['4x4 stride 2 pad 1 (DCGAN)', geometry(3, 8, 16, 16, 16, 4, 4, 2, 1)],
  ['3x2 kernel stride 2 no pad', geometry(1, 5, 11, 10, 7, 3, 2, 2, 0)],
  ['stride 2 with a dropped last row', geometry(2, 4, 10, 9, 6, 3, 3, 2, 0)],
  ['1x1', geometry(2, 17, 5, 5, 9, 1, 1, 1, 0)],
];

test('gemm matches js for every transpose and accumulate combination', { skip }, () => {
  const [m, n, k] = [37, 53, 29];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const accumulate of [false, true]) {
        const a = randomArray(m * k, 1),
          b = randomArray(k * n, 2),
          c0 = randomArray(m * n, 3);
        const cN = c0.slice(),
          cJ = c0.slice();
        nb.gemm(transA, transB, m, n, k, a, b, cN, accumulate);
        js.gemm(transA, transB, m, n, k, a, b, cJ, accumulate);
        assertClose(cN, cJ, `gemm tA=${transA} tB=${transB} acc=${accumulate}`);
      }
    }
  }
});

test('gemm honours subarray views (byteOffset)', { skip }, () => {
  const buf = randomArray(10 + 6 * 4 + 4 * 5 + 6 * 5, 4);
  const a = buf.subarray(10, 34),
    b = buf.subarray(34, 54);
  const cN = new Float32Array(30),
    cJ = new Float32Array(30);
  nb.gemm(false, false, 6, 5, 4, a, b, cN, false);
  js.gemm(false, false, 6, 5, 4, a, b, cJ, false);
  assertClose(cN, cJ, 'gemm on views');
});

/** conv2d forward, backward data and backward weights (with and without bias) against js. */
function checkConv(g: Conv2dGeometry, what: string): void {
  const x = randomArray(g.n * g.cIn * g.hIn * g.wIn, 10);
  const w = randomArray(g.cOut * g.cIn * g.kH * g.kW, 11);
  const bias = randomArray(g.cOut, 12);
  const ySize = g.n * g.cOut * g.hOut * g.wOut;
  for (const b of [bias, null]) {
    const yN = new Float32Array(ySize),
      yJ = new Float32Array(ySize);
    nb.conv2d(g, x, w, b, yN);
    js.conv2d(g, x, w, b, yJ);
    assertClose(yN, yJ, `${what}: conv2d ${b ? 'with' : 'without'} bias`);
  }
  const dy = randomArray(ySize, 13);
  const dxN = new Float32Array(x.length),
    dxJ = new Float32Array(x.length);
  nb.conv2dBackwardData(g, dy, w, dxN);
  js.conv2dBackwardData(g, dy, w, dxJ);
  assertClose(dxN, dxJ, `${what}: conv2dBackwardData`);
  for (const withBias of [true, false]) {
    const dwN = new Float32Array(w.length),
      dwJ = new Float32Array(w.length);
    const dbN = withBias ? new Float32Array(g.cOut) : null,
      dbJ = withBias ? new Float32Array(g.cOut) : null;
    nb.conv2dBackwardWeights(g, x, dy, dwN, dbN);
    js.conv2dBackwardWeights(g, x, dy, dwJ, dbJ);
    assertClose(dwN, dwJ, `${what}: conv2dBackwardWeights dw`);
    if (dbN && dbJ) assertClose(dbN, dbJ, `${what}: conv2dBackwardWeights dbias`);
  }
}

for (const [name, g] of geometries) {
  test(`conv2d forward and backward match js: ${name}`, { skip }, () => checkConv(g, name));
}

// Winograd F(4×4, 3×3) for 3×3 stride-1 convolutions (native/conv_algorithm.h): where this CPU
// has it (oneDNN: AVX-512), 'winograd' runs it for every such pass, 'auto' only for 16+ channels
// and outputs of 8×8 or more (forward, backward data) or of 16×16 or less (weight gradient);
// 'direct' never. Every mode matches js.
test('conv algorithm modes: Winograd where the rule says, every mode matching js', { skip }, () => {
  const suited = geometry(2, 16, 9, 8, 24, 3, 3, 1, 1); // 16+ channels, 9×8 output
  const small = geometry(3, 16, 4, 4, 32, 3, 3, 1, 1); // 4×4 output
  const large = geometry(1, 16, 17, 17, 16, 3, 3, 1, 1); // 17×17 output
  const rgb = geometry(2, 3, 9, 7, 16, 3, 3, 1, 1); // 3 input channels
  const strided = geometry(2, 16, 9, 9, 16, 3, 3, 2, 1);
  const before = getConvAlgorithm();
  try {
    setConvAlgorithm('winograd');
    const has = convWinograd(suited)!;
    assert.deepEqual(convWinograd(strided), [false, false, false], 'no Winograd with stride 2');
    if (has.every((v) => v)) {
      assert.deepEqual(convWinograd(rgb), [true, true, true], "'winograd' takes 3-channel layers too");
      setConvAlgorithm('auto');
      assert.deepEqual(convWinograd(suited), [true, true, true]);
      assert.deepEqual(convWinograd(suited, 0.2), [true, true, true], 'a leaky ReLU (no Winograd post-op) does not force direct');
      assert.deepEqual(convWinograd(small), [false, false, true], 'auto: 4×4 outputs only for the weight gradient');
      assert.deepEqual(convWinograd(large), [true, true, false], 'auto: no weight gradient above 16×16 outputs');
      assert.deepEqual(convWinograd(rgb), [false, false, false], 'auto: not with 3 channels');
    } else {
      assert.deepEqual(has, [false, false, false], 'Winograd for some passes only');
      console.log('# this CPU has no oneDNN Winograd convolution: every mode runs direct');
    }
    setConvAlgorithm('direct');
    assert.deepEqual(convWinograd(suited), [false, false, false]);
    for (const mode of ['direct', 'winograd', 'auto'] as const) {
      setConvAlgorithm(mode);
      for (const [name, g] of [
        ['suited', suited],
        ['4×4', small],
        ['3 channels', rgb],
      ] as const)
        checkConv(g, `${mode}, ${name}`);
    }
  } finally {
    setConvAlgorithm(before);
  }
  assert.equal(getConvAlgorithm(), before);
  assert.throws(() => setConvAlgorithm('fast' as 'auto'), /expected "auto", "direct" or "winograd"/);
});

test('conv2d gives the same result with 1 thread and repeated calls (primitive cache)', { skip }, () => {
  const g = geometries[1]![1];
  const x = randomArray(g.n * g.cIn * g.hIn * g.wIn, 20),
    w = randomArray(g.cOut * g.cIn * 16, 21);
  const ySize = g.n * g.cOut * g.hOut * g.wOut;
  const yJ = new Float32Array(ySize);
  js.conv2d(g, x, w, null, yJ);
  const before = getNumThreads()!;
  try {
    setNumThreads(1);
    assert.equal(getNumThreads(), 1);
    for (let i = 0; i < 3; i++) {
      const yN = new Float32Array(ySize);
      nb.conv2d(g, x, w, null, yN);
      assertClose(yN, yJ, `conv2d call ${i} on 1 thread`);
    }
  } finally {
    setNumThreads(before);
  }
  assert.throws(() => setNumThreads(0), RangeError);
});

test('batchNorm (training and inference) and its backward match js', { skip }, () => {
  for (const [n, c, hw] of [
    [4, 6, 25],
    [64, 16, 16],
    [3, 5, 1],
  ] as const) {
    const size = n * c * hw;
    const x = randomArray(size, 30, -2, 3),
      dy = randomArray(size, 31);
    for (const affine of [true, false]) {
      const gamma = affine ? randomArray(c, 32, 0.5, 1.5) : null,
        beta = affine ? randomArray(c, 33) : null;
      const meanN = new Float32Array(c),
        isN = new Float32Array(c),
        yN = new Float32Array(size);
      const meanJ = new Float32Array(c),
        isJ = new Float32Array(c),
        yJ = new Float32Array(size);
      nb.batchNorm(n, c, hw, x, gamma, beta, 1e-5, true, meanN, isN, yN);
      js.batchNorm(n, c, hw, x, gamma, beta, 1e-5, true, meanJ, isJ, yJ);
      assertClose(meanN, meanJ, 'batchNorm mean');
      assertClose(isN, isJ, 'batchNorm invStd');
      assertClose(yN, yJ, 'batchNorm training y');
      const yInfN = new Float32Array(size),
        yInfJ = new Float32Array(size);
      nb.batchNorm(n, c, hw, x, gamma, beta, 1e-5, false, meanJ, isJ, yInfN);
      js.batchNorm(n, c, hw, x, gamma, beta, 1e-5, false, meanJ, isJ, yInfJ);
      assertClose(yInfN, yInfJ, 'batchNorm inference y');
      const dxN = new Float32Array(size),
        dxJ = new Float32Array(size);
      const dgN = affine ? new Float32Array(c) : null,
        dbN = affine ? new Float32Array(c) : null;
      const dgJ = affine ? new Float32Array(c) : null,
        dbJ = affine ? new Float32Array(c) : null;
      nb.batchNormBackward(n, c, hw, x, dy, gamma, meanJ, isJ, dxN, dgN, dbN);
      js.batchNormBackward(n, c, hw, x, dy, gamma, meanJ, isJ, dxJ, dgJ, dbJ);
      assertClose(dxN, dxJ, 'batchNormBackward dx');
      if (dgN && dgJ && dbN && dbJ) {
        assertClose(dgN, dgJ, 'batchNormBackward dgamma');
        assertClose(dbN, dbJ, 'batchNormBackward dbeta');
      }
    }
  }
});

const unaryOps: [UnaryOp, number][] = [
  ['neg', 0],
  ['abs', 0],
  ['relu', 0],
  ['leakyRelu', 0.2],
  ['tanh', 0],
  ['sigmoid', 0],
  ['silu', 0],
  ['exp', 0],
  ['log', 0],
  ['sqrt', 0],
  ['powScalar', 2.5],
];

test('unary and unaryBackward match js for every op (small and large arrays)', { skip }, () => {
  for (const size of [7, 100_003]) {
    for (const [op, alpha] of unaryOps) {
      const positive = op === 'log' || op === 'sqrt' || op === 'powScalar';
      const x = positive ? randomArray(size, 40, 0.1, 3) : randomArray(size, 40, -3, 3);
      const dy = randomArray(size, 41);
      const yN = new Float32Array(size),
        yJ = new Float32Array(size);
      nb.unary(op, x, yN, alpha);
      js.unary(op, x, yJ, alpha);
      assertClose(yN, yJ, `unary ${op}`);
      const dxN = new Float32Array(size),
        dxJ = new Float32Array(size);
      nb.unaryBackward(op, x, yJ, dy, dxN, alpha);
      js.unaryBackward(op, x, yJ, dy, dxJ, alpha);
      assertClose(dxN, dxJ, `unaryBackward ${op}`);
    }
  }
  const x = randomArray(50, 42),
    inPlace = x.slice(),
    yJ = new Float32Array(50);
  nb.unary('relu', inPlace, inPlace, 0);
  js.unary('relu', x, yJ, 0);
  assertClose(inPlace, yJ, 'unary in place');
});

/** Row-major strides of `shape` with 0 where `shape` is 1 and the output is larger. */
function broadcastStrides(shape: number[], out: number[]): number[] {
  const strides = new Array<number>(out.length).fill(0);
  let s = 1;
  for (let d = out.length - 1; d >= 0; d--) {
    strides[d] = shape[d] === 1 && out[d] !== 1 ? 0 : s;
    s *= shape[d]!;
  }
  return strides;
}

test('binary matches js: same shape, scalar, per-channel and general broadcasting', { skip }, () => {
  const cases: [number[], number[], number[]][] = [
    [
      [64, 32, 8, 8],
      [64, 32, 8, 8],
      [64, 32, 8, 8],
    ],
    [
      [3, 5, 7],
      [1, 1, 1],
      [3, 5, 7],
    ],
    [
      [1, 1, 1],
      [4, 5, 6],
      [4, 5, 6],
    ],
    [
      [16, 24, 9, 9],
      [1, 24, 1, 1],
      [16, 24, 9, 9],
    ],
    [
      [2, 1, 3],
      [1, 4, 1],
      [2, 4, 3],
    ],
    [
      [6, 1],
      [1, 7],
      [6, 7],
    ],
    [
      [5, 4, 1],
      [5, 1, 3],
      [5, 4, 3],
    ],
  ];
  for (const [aShape, bShape, outShape] of cases) {
    const size = outShape.reduce((p, v) => p * v, 1);
    const a = randomArray(
      aShape.reduce((p, v) => p * v, 1),
      50,
    );
    const b = randomArray(
      bShape.reduce((p, v) => p * v, 1),
      51,
      0.5,
      2,
    );
    const aS = broadcastStrides(aShape, outShape),
      bS = broadcastStrides(bShape, outShape);
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      const oN = new Float32Array(size),
        oJ = new Float32Array(size);
      nb.binary(op, a, aS, b, bS, oN, outShape);
      js.binary(op, a, aS, b, bS, oJ, outShape);
      assertClose(oN, oJ, `binary ${op} [${aShape}] ∘ [${bShape}]`);
    }
  }
  // A transposed view of a: strides that are not row-major.
  const a = randomArray(12, 52),
    b = randomArray(12, 53),
    oN = new Float32Array(12),
    oJ = new Float32Array(12);
  nb.binary('add', a, [1, 3], b, [4, 1], oN, [3, 4]);
  js.binary('add', a, [1, 3], b, [4, 1], oJ, [3, 4]);
  assertClose(oN, oJ, 'binary with transposed strides');
});

test('reduce sum and max match js over first, middle and last axes', { skip }, () => {
  for (const [outer, axis, inner] of [
    [1, 1000, 1],
    [7, 13, 1],
    [1, 64, 4096],
    [5, 9, 700],
    [3, 1, 11],
  ] as const) {
    const x = randomArray(outer * axis * inner, 60, -5, 5);
    for (const op of ['sum', 'max'] as const) {
      const yN = new Float32Array(outer * inner),
        yJ = new Float32Array(outer * inner);
      nb.reduce(op, x, outer, axis, inner, yN);
      js.reduce(op, x, outer, axis, inner, yJ);
      assertClose(yN, yJ, `reduce ${op} [${outer},${axis},${inner}]`);
    }
  }
});

test('permute matches js', { skip }, () => {
  const cases: [number[], number[]][] = [
    [
      [2, 3, 4, 5],
      [0, 2, 3, 1],
    ],
    [
      [2, 3, 4, 5],
      [3, 1, 0, 2],
    ],
    [
      [300, 257],
      [1, 0],
    ],
    [
      [4, 1, 6],
      [1, 2, 0],
    ],
    [
      [5, 6],
      [0, 1],
    ],
  ];
  for (const [shape, perm] of cases) {
    const x = randomArray(
      shape.reduce((p, v) => p * v, 1),
      70,
    );
    const yN = new Float32Array(x.length),
      yJ = new Float32Array(x.length);
    nb.permute(x, shape, perm, yN);
    js.permute(x, shape, perm, yJ);
    assert.deepEqual(yN, yJ, `permute [${shape}] by [${perm}]`);
  }
});

test('adam matches js with L2 and decoupled weight decay', { skip }, () => {
  for (const [weightDecay, decoupled] of [
    [0, false],
    [0.01, false],
    [0.1, true],
  ] as const) {
    const p = randomArray(100_001, 80),
      g = randomArray(p.length, 81);
    const m = randomArray(p.length, 82, -0.1, 0.1),
      v = randomArray(p.length, 83, 0, 0.01);
    const [pN, mN, vN] = [p.slice(), m.slice(), v.slice()];
    const [pJ, mJ, vJ] = [p.slice(), m.slice(), v.slice()];
    for (const step of [1, 2, 10]) {
      nb.adam(pN, g, mN, vN, 2e-4, 0.5, 0.999, 1e-8, weightDecay, decoupled, step);
      js.adam(pJ, g, mJ, vJ, 2e-4, 0.5, 0.999, 1e-8, weightDecay, decoupled, step);
    }
    assertClose(pN, pJ, `adam param (wd=${weightDecay}, decoupled=${decoupled})`);
    assertClose(mN, mJ, 'adam m');
    assertClose(vN, vJ, 'adam v');
  }
});

test('float64 arrays go to the js kernels (bit-identical results)', { skip }, () => {
  const g = geometries[0]![1];
  const x = Float64Array.from(randomArray(g.n * g.cIn * g.hIn * g.wIn, 90));
  const w = Float64Array.from(randomArray(g.cOut * g.cIn * g.kH * g.kW, 91));
  const ySize = g.n * g.cOut * g.hOut * g.wOut;
  const yN = new Float64Array(ySize),
    yJ = new Float64Array(ySize);
  nb.conv2d(g, x, w, null, yN);
  js.conv2d(g, x, w, null, yJ);
  assert.deepEqual(yN, yJ);
  const a = Float64Array.from(randomArray(12, 92)),
    cN = new Float64Array(9),
    cJ = new Float64Array(9);
  nb.gemm(false, false, 3, 3, 4, a, a, cN, false);
  js.gemm(false, false, 3, 3, 4, a, a, cJ, false);
  assert.deepEqual(cN, cJ);
});

test('malformed calls throw instead of crashing', { skip }, () => {
  const g = geometries[1]![1];
  assert.throws(() => nb.conv2d(g, new Float32Array(3), new Float32Array(3), null, new Float32Array(3)), /wrong length/);
  assert.throws(() => nb.gemm(false, false, 4, 4, 4, new Float32Array(3), new Float32Array(16), new Float32Array(16), false), /shorter/);
  assert.throws(() => nb.unary('nope' as UnaryOp, new Float32Array(2), new Float32Array(2), 0), /unknown op/);
});

// Our own loops go parallel from PEGASUS_PARALLEL_MIN elements (2^17 by default), more than most
// arrays above hold; so the whole file runs again in a child with every loop parallel.
const rerun = process.env['PEGASUS_PARALLEL_MIN'] !== undefined ? 'already the parallel rerun' : skip;
test('every kernel still matches js with all our loops parallel (PEGASUS_PARALLEL_MIN=1, 2 threads)', { skip: rerun }, () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', 'test/engine/native.test.ts', 'test/engine/nativePool.test.ts'], {
    encoding: 'utf8',
    // NOTE: without NODE_TEST_CONTEXT, which would make the child report to this runner instead of printing
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')),
      PEGASUS_PARALLEL_MIN: '1',
      PEGASUS_THREADS: '2',
    },
  });
  assert.equal(r.status, 0, r.stdout.slice(-3000) + r.stderr.slice(-1000));
  assert.match(r.stdout, /# fail 0/);
  assert.doesNotMatch(r.stdout, /# pass 0\b/);
});
