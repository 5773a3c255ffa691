// Every op runs on the js and the native backend on the same random float32 inputs; outputs and
// input gradients must agree to a relative error under 1e-4 (max |difference| / max |js value|,
// per tensor, since summation order legitimately differs between backends).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { type OpCase, opCases } from '../helpers/opCases.js';
import { guardProfilerSignals } from '../../src/engine/native/addon.js';
import { requiresNative } from '../helpers/requires.js';

const native = E.nativeBackendStatus();
const skip = requiresNative();
const tolerance = 1e-4;

/** Larger cases in the shapes the DCGAN step uses (native kernels may take other code paths). */
function bigCases(): OpCase[] {
  const rng = new E.Rng(5);
  const r = (shape: number[]) => E.randn(shape, rng, { requiresGrad: true });
  return [
    [
      'conv2d DCGAN 64→128 16×16 s2 p1',
      (x, w) => E.conv2d(x!, w!, null, { stride: 2, padding: 1 }),
      () => [r([4, 64, 16, 16]), r([128, 64, 4, 4])],
    ],
    [
      'conv2d 3→64 with bias',
      (x, w, b) => E.conv2d(x!, w!, b!, { stride: 2, padding: 1 }),
      () => [r([4, 3, 32, 32]), r([64, 3, 4, 4]), r([64])],
    ],
    [
      'convTranspose2d 256→128 4×4→8×8',
      (x, w) => E.convTranspose2d(x!, w!, null, { stride: 2, padding: 1 }),
      () => [r([4, 256, 4, 4]), r([256, 128, 4, 4])],
    ],
    [
      'convTranspose2d 64→3 with bias',
      (x, w, b) => E.convTranspose2d(x!, w!, b!, { stride: 2, padding: 1 }),
      () => [r([4, 64, 16, 16]), r([64, 3, 4, 4]), r([3])],
    ],
    ['linear 100→4096', (x, w, b) => E.linear(x!, w!, b!), () => [r([16, 100]), r([4096, 100]), r([4096])]],
    ['matmul 96×80·80×72', (a, b) => E.matmul(a!, b!), () => [r([96, 80]), r([80, 72])]],
    [
      'batchNorm2d 64×128×8×8',
      (x, g, b) => E.batchNorm2d(x!, g!, b!, E.zeros([128]), E.ones([128]), { training: true }),
      () => [r([16, 128, 8, 8]), r([128]), r([128])],
    ],
    ['leakyRelu large', (x) => E.leakyRelu(x!, 0.2), () => [r([64, 128, 8, 8])]],
    ['tanh large', (x) => E.tanh(x!), () => [r([64, 3, 32, 32])]],
    ['add bias broadcast large', (x, b) => E.add(x!, b!), () => [r([32, 128, 8, 8]), r([1, 128, 1, 1])]],
    ['sum NCHW over N,H,W', (x) => E.sum(x!, [0, 2, 3]), () => [r([16, 64, 8, 8])]],
    ['maxPool2d 2 ResNet-9 layer, odd output width', (x) => E.maxPool2d(x!, 2), () => [r([4, 24, 32, 14])]],
    ['maxPool2d 4, odd planes', (x) => E.maxPool2d(x!, 4), () => [r([3, 5, 12, 20])]],
    ['avgPool2d 2 discriminator block', (x) => E.avgPool2d(x!, 2), () => [r([8, 32, 16, 18])]],
    ['upsampleNearest2x generator block, odd sizes', (x) => E.upsampleNearest2x(x!), () => [r([4, 33, 7, 9])]],
    ['softmax classifier logits [256,10]', (x) => E.softmax(x!, 1), () => [r([256, 10])]],
    ['logSoftmax attention rows [512,64]', (x) => E.logSoftmax(x!, -1), () => [r([512, 64])]],
    ['softmax over channels of NCHW', (x) => E.softmax(x!, 1), () => [r([3, 10, 5, 7])]],
    ['max over H,W (ResNet-9 global max pool)', (x) => E.max(x!, [2, 3]), () => [r([32, 48, 4, 4])]],
    [
      'crossEntropy [64,10]',
      (x) =>
        E.crossEntropy(
          x!,
          Int32Array.from({ length: 64 }, (_, i) => (i * 7) % 10),
        ),
      () => [r([64, 10])],
    ],
  ];
}

interface Run {
  out: Float32Array;
  grads: Float32Array[];
}

function runOn(name: 'js' | 'native', c: OpCase, inputs: readonly Tensor[]): Run {
  E.setBackend(name);
  try {
    return E.tidy(() => {
      const xs = inputs.map((x) => {
        const t = E.tensor(x.data, x.shape);
        t.requiresGrad = true;
        return t;
      });
      const y = c[1](...xs);
      const proj = E.randn(y.shape, new E.Rng(11));
      E.sum(E.mul(y, proj)).backward();
      const out = Float32Array.from(y.data);
      const grads = xs.map((x) => Float32Array.from(x.grad!.data));
      for (const x of xs) x.grad!.dispose();
      return { out, grads };
    });
  } finally {
    E.setBackend(native.available ? 'native' : 'js');
  }
}

function relErr(got: Float32Array, want: Float32Array): number {
  let diff = 0;
  let scale = 1e-30;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return diff / scale;
}

for (const c of [...opCases('float32', 21), ...bigCases()]) {
  test(`js and native agree: ${c[0]}`, { skip }, () => {
    const inputs = c[2]();
    const js = runOn('js', c, inputs);
    const nat = runOn('native', c, inputs);
    assert.equal(nat.out.length, js.out.length);
    const e = relErr(nat.out, js.out);
    assert.ok(e < tolerance, `${c[0]}: forward relative error ${e}`);
    js.grads.forEach((g, i) => {
      const eg = relErr(nat.grads[i]!, g);
      assert.ok(eg < tolerance, `${c[0]}: gradient of input ${i} relative error ${eg}`);
    });
  });
}

test('js and native agree: adam step (plain and decoupled weight decay)', { skip }, () => {
  const rng = new E.Rng(3);
  const make = () => E.randn([1000], rng).data as Float32Array;
  const [p0, g, m0, v0] = [make(), make(), make(), make().map((x) => x * x)];
  for (const decoupled of [false, true]) {
    const results = (['js', 'native'] as const).map((name) => {
      const [p, m, v] = [p0.slice(), m0.slice(), v0.slice()];
      E.backendByName(name)!.adam(p, g, m, v, 1e-3, 0.5, 0.999, 1e-8, 0.01, decoupled, 3);
      return [p, m, v];
    });
    for (let i = 0; i < 3; i++) assert.ok(relErr(results[1]![i]!, results[0]![i]!) < tolerance);
  }
});

test('native propagates NaN through relu, leakyRelu and sum like js (divergence must reach the loss)', { skip }, () => {
  E.setBackend('native');
  try {
    const x = E.full([2, 4096], 1);
    x.data[5] = NaN;
    assert.ok(Number.isNaN(E.relu(x).data[5]!), 'relu(NaN)');
    assert.ok(Number.isNaN(E.leakyRelu(x, 0.2).data[5]!), 'leakyRelu(NaN)');
    assert.ok(Number.isNaN(E.sum(x).item()), 'sum');
  } finally {
    E.setBackend('native');
  }
});

test('native max over an axis containing NaN is NaN, like js and PyTorch', { skip }, () => {
  const x = E.full([2, 4096], 1);
  x.data[5] = NaN;
  assert.ok(Number.isNaN(E.max(x, 1).data[0]!));
});

test('a sampling profiler (--cpu-prof, --prof) limits oneDNN to AVX2 unless its ISA is already chosen', () => {
  for (const flag of ['--cpu-prof', '--prof']) {
    const env: Record<string, string | undefined> = {};
    assert.match(guardProfilerSignals(['--import', 'tsx', flag], env) ?? '', /AVX2 kernels .*set ONEDNN_MAX_CPU_ISA to choose/);
    assert.equal(env.ONEDNN_MAX_CPU_ISA, 'AVX2');
  }
  for (const env of [{ ONEDNN_MAX_CPU_ISA: 'AVX512_CORE' }, { DNNL_MAX_CPU_ISA: 'AVX512_CORE' }] as Record<string, string | undefined>[]) {
    const before = { ...env };
    assert.equal(guardProfilerSignals(['--cpu-prof'], env), null);
    assert.deepEqual(env, before);
  }
  const env: Record<string, string | undefined> = {};
  assert.equal(guardProfilerSignals(['--cpu-prof-dir=/tmp/p', '--import', 'tsx'], env), null, 'a profile folder alone profiles nothing');
  assert.deepEqual(env, {});
});
