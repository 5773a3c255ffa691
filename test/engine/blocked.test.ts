// Channel-blocked activations (src/engine/blocked.ts, native/blocked.cc): a small network whose
// ops cover every blocked path — convolution and transposed convolution in and out, batch norm with and without affine,
// convolution + ReLU and + leaky ReLU as post-ops, the conditional affine with ReLU, the fused batch norm + affine + ReLU,
// batch norm + leaky ReLU, upsampling, average pooling,
// residual addition, ReLU, leaky ReLU, tanh, a tensor used twice (gradient accumulation) and a reshape of a blocked tensor —
// run on the native backend with and without its blocked kernels: same outputs and gradients,
// activations really blocked, padded channels zero. Skipped, with the reason, without the addon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import type { Backend } from '../../src/engine/backend.js';
import { rawOf } from '../../src/engine/blocked.js';
import { loadNativeBackend, nativeLoadError } from '../../src/engine/native/index.js';
import { requires } from '../helpers/requires.js';

const native = loadNativeBackend();
const skip = requires('the native backend', native ? null : nativeLoadError());

interface Run {
  readonly out: Float32Array;
  readonly grads: Float32Array[];
  /** The first convolution's output as the kernels left it, and its layout's block. */
  readonly firstRaw: Float32Array;
  readonly firstBlock: number;
  readonly flatValues: Float32Array;
  /** The block of the transposed convolution's output, and that output as the kernels left it. */
  readonly transposedBlock: number;
  readonly transposedRaw: Float32Array;
}

/** The network of the file comment on backend `be`, from fixed random parameters. */
function run(be: Backend): Run {
  const before = E.useBackend(be);
  try {
    const rng = new E.Rng(5);
    const leaf = (shape: number[], scale = 0.3) => {
      const t = E.randn(shape, rng);
      for (let i = 0; i < t.size; i++) t.data[i] = t.data[i]! * scale;
      t.requiresGrad = true;
      return t;
    };
    const n = 4;
    // 20 channels: the last block is padded for both 8 and 16
    const x = leaf([n, 3, 8, 8], 1);
    const w1 = leaf([20, 3, 3, 3]);
    const gamma = leaf([16]);
    const beta = leaf([16]);
    const scale = leaf([n, 20]);
    const shift = leaf([n, 20]);
    const w2 = leaf([16, 20, 3, 3]);
    const b2 = leaf([16]);
    const ws = leaf([16, 20, 1, 1]);
    const w3 = leaf([20, 16, 3, 3]);
    const w4 = leaf([3, 20, 3, 3]);
    const wt1 = leaf([20, 20, 4, 4]);
    const bt1 = leaf([20]);
    const wt2 = leaf([20, 3, 4, 4]);
    const bt2 = leaf([3]);
    const params = [x, w1, gamma, beta, scale, shift, w2, b2, ws, w3, w4, wt1, bt1, wt2, bt2];

    const h1 = E.conv2d(x, w1, null, { padding: 1 });
    const first = rawOf(h1);
    const firstRaw = Float32Array.from(first.data);
    const a = E.channelAffine(E.batchNorm2d(h1, null, null, null, null, { training: true }), scale, shift, { relu: true });
    const a2 = E.batchNormAffine2d(h1, scale, shift, null, null, { training: true, relu: true });
    const up = E.upsampleNearest2x(E.add(a, a2));
    let h = E.conv2d(up, w2, b2, { padding: 1, relu: true }); // the ReLU as the convolution's post-op
    h = E.avgPool2d(h, 2);
    h = E.add(h, E.conv2d(a, ws)); // `a` used twice: its gradients are summed
    h = E.batchNorm2d(h, gamma, beta, null, null, { training: true, relu: true, negativeSlope: 0.2 });
    h = E.conv2d(h, w3, null, { padding: 1, relu: true, negativeSlope: 0.3 });
    const flat = E.reshape(h, [n, 20 * 64]); // a reshape reads the values as plain
    const flatValues = Float32Array.from(flat.data);
    // [n, 20, 16, 16], with a bias added to the blocked output (its padded channels must stay zero)
    const t = E.convTranspose2d(E.relu(h), wt1, bt1, { stride: 2, padding: 1 });
    const transposedBlock = rawOf(t).block;
    const transposedRaw = Float32Array.from(rawOf(t).data);
    const t2 = E.convTranspose2d(t, wt2, bt2, { stride: 2, padding: 1 }); // [n, 3, 32, 32], with bias
    const out = E.add(E.tanh(E.conv2d(E.leakyRelu(h, 0.1), w4, null, { padding: 1 })), E.avgPool2d(t2, 4));
    const r = E.randn(out.shape, new E.Rng(9));
    E.add(E.sum(E.mul(out, r)), E.mul(E.sum(flat), 0.01)).backward();
    return {
      out: Float32Array.from(out.data),
      grads: params.map((p) => Float32Array.from(p.grad!.data)),
      firstRaw,
      firstBlock: first.block,
      flatValues,
      transposedBlock,
      transposedRaw,
    };
  } finally {
    E.useBackend(before);
  }
}

function relError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    ref = Math.max(ref, Math.abs(b[i]!));
  }
  return diff / Math.max(ref, 1e-12);
}

test('blocked activations give the plain layout’s outputs and gradients', { skip }, () => {
  const nb = native as Backend;
  assert.ok(nb.blocked, 'the native backend has blocked kernels');
  const blocked = run(nb);
  const plain = run({ ...nb, blocked: undefined });
  assert.equal(plain.firstBlock, 1);
  assert.equal(blocked.transposedBlock, blocked.firstBlock, 'the transposed convolution’s output is blocked too');
  assert.ok(blocked.firstBlock === 8 || blocked.firstBlock === 16, `first conv output block ${blocked.firstBlock}`);
  // padded channels (20..23 or 20..31 of the last block) hold zeros
  const b = blocked.firstBlock;
  const blocks = Math.ceil(20 / b);
  const paddingIsZero = (raw: Float32Array, hw: number) => {
    assert.equal(raw.length, 4 * blocks * b * hw);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < hw; j++) {
        for (let l = 20 % b; l < b; l++) assert.equal(raw[((i * blocks + blocks - 1) * hw + j) * b + l], 0);
      }
    }
  };
  paddingIsZero(blocked.firstRaw, 64);
  paddingIsZero(blocked.transposedRaw, 256);
  assert.ok(relError(blocked.flatValues, plain.flatValues) < 1e-5, 'a reshaped blocked tensor reads as plain');
  assert.ok(relError(blocked.out, plain.out) < 1e-5, `outputs differ by ${relError(blocked.out, plain.out)}`);
  blocked.grads.forEach((g, i) => {
    const e = relError(g, plain.grads[i]!);
    assert.ok(e < 1e-4, `gradient of input ${i} differs by ${e}`);
  });
});

test('Tensor.data turns a blocked buffer into plain values once, for every view', { skip }, () => {
  const nb = native as Backend;
  const before = E.useBackend(nb);
  try {
    const rng = new E.Rng(1);
    const x = E.randn([2, 3, 5, 5], rng);
    const w = E.randn([32, 3, 3, 3], rng);
    const y = E.conv2d(x, w, null, { padding: 1 });
    const view = E.reshape(y, [2, 32 * 25]);
    assert.notEqual(y.buf!.layout, null);
    const values = Float32Array.from(view.data);
    assert.equal(y.buf!.layout, null, 'the shared buffer is plain now');
    assert.equal(y.data.length, 2 * 32 * 25);
    const plain = E.useBackend({ ...nb, blocked: undefined });
    const reference = E.conv2d(x, w, null, { padding: 1 });
    E.useBackend(plain);
    assert.ok(relError(values, reference.data as Float32Array) < 1e-6);
  } finally {
    E.useBackend(before);
  }
});

test('blocked tensors made on the native backend stay usable after a switch to js', { skip }, () => {
  const nb = native as Backend;
  const js = E.backendByName('js')!;
  const before = E.useBackend(nb);
  try {
    const run = (switchToJs: boolean) => {
      E.useBackend(nb);
      const rng = new E.Rng(3);
      const x = E.randn([2, 3, 6, 6], rng);
      x.requiresGrad = true;
      const w = E.randn([20, 3, 3, 3], rng);
      const y = E.conv2d(x, w, null, { padding: 1 });
      if (switchToJs) E.useBackend(js);
      // y used twice (its gradients summed); the loss's gradient arrives plain and must be made blocked
      const z = E.add(E.relu(y), E.leakyRelu(y, 0.1));
      const scale = E.randn([2, 20], rng);
      const out = E.batchNormAffine2d(z, scale, E.zeros([2, 20]), null, null, { training: true, relu: true });
      E.sum(E.mul(out, E.randn(out.shape, rng))).backward();
      return { out: Float32Array.from(out.data), grad: Float32Array.from(x.grad!.data) };
    };
    const all = run(false);
    const switched = run(true);
    assert.ok(relError(switched.out, all.out) < 1e-5);
    assert.ok(relError(switched.grad, all.grad) < 1e-4);
  } finally {
    E.useBackend(before);
  }
});

test('fused batch norm stays accurate when the mean is large against the spread, blocked and plain', { skip }, () => {
  const before = E.useBackend(native as Backend);
  try {
    const rng = new E.Rng(3);
    const x0 = E.randn([4, 16, 6, 6], rng);
    // a 1×1 identity convolution with bias 1000 gives the same values channel-blocked
    const eye = E.zeros([16, 16, 1, 1]);
    for (let c = 0; c < 16; c++) eye.data[c * 16 + c] = 1;
    const blockedX = E.conv2d(x0, eye, E.full([16], 1000));
    const plainX = E.add(x0, 1000);
    assert.ok(rawOf(blockedX).block > 1, 'the identity convolution’s output is blocked');
    // the reference, in float64 from x0 (x0 + 1000 − mean = x0 − mean(x0))
    const ref = new Float64Array(x0.size);
    const hw = 36;
    for (let c = 0; c < 16; c++) {
      let m = 0;
      for (let i = 0; i < 4; i++) for (let j = 0; j < hw; j++) m += x0.data[(i * 16 + c) * hw + j]!;
      m /= 4 * hw;
      let v = 0;
      for (let i = 0; i < 4; i++) for (let j = 0; j < hw; j++) v += (x0.data[(i * 16 + c) * hw + j]! - m) ** 2;
      const is = 1 / Math.sqrt(v / (4 * hw) + 1e-5);
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < hw; j++) ref[(i * 16 + c) * hw + j] = Math.max(0, (x0.data[(i * 16 + c) * hw + j]! - m) * is);
    }
    for (const [name, x] of [
      ['blocked', blockedX],
      ['plain', plainX],
    ] as const) {
      const y = E.batchNorm2d(x, null, null, null, null, { training: true, relu: true }).data;
      let err = 0;
      for (let i = 0; i < y.length; i++) err = Math.max(err, Math.abs(y[i]! - ref[i]!));
      // float32 holds 1000 + x0 to ~6e-5: the normalised values can be no closer than that
      assert.ok(err < 1e-3, `${name}: max error ${err} in normalised units`);
    }
  } finally {
    E.useBackend(before);
  }
});

test('a convolution’s fused ReLU keeps NaN, as the unfused ReLU does', { skip }, () => {
  const before = E.useBackend(native as Backend);
  try {
    const rng = new E.Rng(4);
    const x = E.randn([2, 16, 5, 5], rng);
    x.data[7] = NaN;
    const w = E.randn([16, 16, 3, 3], rng);
    const conv = E.conv2d(x, w, null, { padding: 1 });
    const fused = E.conv2d(x, w, null, { padding: 1, relu: true });
    assert.ok(rawOf(fused).block > 1, 'the fused path ran (blocked output)');
    const c = conv.data;
    const f = fused.data;
    let nan = 0;
    for (let i = 0; i < c.length; i++) {
      if (Number.isNaN(c[i]!)) {
        nan++;
        assert.ok(Number.isNaN(f[i]!), `NaN at ${i} became ${f[i]}`);
      } else assert.equal(f[i], Math.max(c[i]!, 0), `value at ${i}`);
    }
    assert.ok(nan > 0, 'the NaN reached the output');
  } finally {
    E.useBackend(before);
  }
});
