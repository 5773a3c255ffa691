// Composite layers against finite differences and closed forms: spectral norm's gradient through σ
// (a σ held constant must fail), conditional batch norm's gradient for plain and region conditions,
// BatchNorm2d, GroupNorm and LayerNorm forwards element by element for every row and group, the
// EMA of parameters over several updates, and standing statistics as the bias-corrected weighted
// mean of the batch statistics (no gradient flows through either, so they get known answers).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  avgPool2d,
  conv2d,
  div,
  leakyRelu,
  linear,
  matmul,
  mul,
  noGrad,
  randn,
  relu,
  reshape,
  Rng,
  sum,
  tensor,
  type Tensor,
} from '../../src/engine/index.js';
import { ConditionalBatchNorm2d } from '../../src/models/cgan/index.js';
import {
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  EMA,
  GroupNorm,
  LayerNorm,
  LeakyReLU,
  Linear,
  Module,
  ReLU,
  Sequential,
  spectralNorm,
} from '../../src/nn/index.js';
import type { ImageGenerator } from '../../src/train/ganPair.js';
import { standingStats } from '../../src/train/standingStats.js';
import { gradcheck, toFloat64 } from '../helpers/gradcheck.js';

const f64 = { dtype: 'float64', requiresGrad: true } as const;

declare module '../../src/nn/index.js' {
  interface Linear {
    readonly weightOrig: Tensor;
    readonly weightU: Tensor;
    readonly weightV: Tensor;
  }
  interface Conv2d {
    readonly weightOrig: Tensor;
  }
  interface ConvTranspose2d {
    readonly weightOrig: Tensor;
  }
}

describe('spectral norm (Miyato et al. 2018): gradients by finite differences', () => {
  // NOTE: in eval mode u and v stay fixed, so the layer is the smooth function W ↦ W/(uᵀWv) whose
  // derivative includes σ's own: ∂(W/σ) = ∂W/σ − W·uvᵀ·∂W/σ² contracted with the upstream gradient.
  test('Linear: input and weightOrig, through σ', () => {
    const rng = new Rng(1);
    const lin = spectralNorm(toFloat64(new Linear(4, 3, { rng })), rng).eval();
    const res = gradcheck('spectralNorm(Linear)', (x) => lin.forward(x), [randn([5, 4], rng, f64), lin.weightOrig]);
    assert.ok(res.ok, res.message);
  });

  test('Conv2d (rows: output channels) and ConvTranspose2d (rows: dim 1)', () => {
    const rng = new Rng(2);
    const conv = spectralNorm(toFloat64(new Conv2d(2, 3, 3, { rng, padding: 1 })), rng).eval();
    const a = gradcheck('spectralNorm(Conv2d)', (x) => conv.forward(x), [randn([2, 2, 4, 4], rng, f64), conv.weightOrig]);
    assert.ok(a.ok, a.message);
    const convT = spectralNorm(toFloat64(new ConvTranspose2d(3, 2, 2, { rng, stride: 2 })), rng).eval();
    const b = gradcheck('spectralNorm(ConvTranspose2d)', (x) => convT.forward(x), [randn([1, 3, 3, 3], rng, f64), convT.weightOrig]);
    assert.ok(b.ok, b.message);
  });

  test('the check sees σ: the same layer with σ held constant fails it', () => {
    const rng = new Rng(3);
    const lin = spectralNorm(toFloat64(new Linear(4, 3, { rng })), rng).eval();
    const w = lin.weightOrig;
    const u = reshape(lin.weightU, [1, 3]);
    const v = reshape(lin.weightV, [1, 4]);
    const detached = (x: Tensor) => {
      const sigma = noGrad(() => sum(mul(matmul(u, w), v)));
      return linear(x, div(w, sigma), lin.bias);
    };
    // the detached version computes the same values …
    const x = randn([5, 4], rng, f64);
    const same = noGrad(() => detached(x)).data;
    noGrad(() => lin.forward(x)).data.forEach((v, i) => assert.ok(Math.abs(v - same[i]!) < 1e-12, `output ${i}`));
    // … but its gradient with respect to W misses σ's term
    assert.equal(gradcheck('σ held constant', detached, [x, w]).ok, false);
  });

  test('in training mode the power iteration converges to σ and the gradient still matches', () => {
    const rng = new Rng(4);
    const lin = spectralNorm(toFloat64(new Linear(3, 3, { rng })), rng);
    for (let i = 0; i < 200; i++) noGrad(() => lin.forward(randn([1, 3], rng, { dtype: 'float64' })));
    // NOTE: at the power iteration's fixed point σ = uᵀWv is stationary in u and v, so refreshing them
    // on every forward changes the loss only to second order in the step: the check still holds.
    const res = gradcheck('spectralNorm(Linear), training', (x) => lin.forward(x), [randn([2, 3], rng, f64), lin.weightOrig], {
      atol: 1e-5,
      rtol: 1e-3,
    });
    assert.ok(res.ok, res.message);
  });
});

describe('Conv2d downsample: the convolution and 2×2 average pooling as one op', () => {
  test('the same outputs as the convolution then avgPool2d, and the gradient through σ and the 4×4 kernel', () => {
    const rng = new Rng(4);
    const down = spectralNorm(toFloat64(new Conv2d(2, 3, 3, { rng, padding: 1, downsample: true })), rng).eval();
    const x = randn([2, 2, 4, 6], rng, f64);
    const y = down.forward(x);
    assert.deepEqual(y.shape, [2, 3, 2, 3]);
    const want = avgPool2d(conv2d(x, down.weight, down.bias, { padding: 1 }), 2).toArray();
    y.toArray().forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-12, `element ${i}: ${v} vs ${want[i]}`));
    const res = gradcheck('spectralNorm(Conv2d downsample)', (t) => down.forward(t), [x, down.weightOrig]);
    assert.ok(res.ok, res.message);
    assert.throws(() => new Conv2d(2, 3, 1, { rng, downsample: true }), /downsample needs a 3×3 kernel with stride 1 and padding 1/);
    assert.throws(() => new Conv2d(2, 3, 3, { rng, padding: 1, upsample: true, downsample: true }), /exclude each other/);
    assert.throws(
      () => spectralNorm(new Conv2d(2, 3, 3, { rng, padding: 1, downsample: true }), rng).forward(randn([1, 2, 4, 4], rng), { relu: true }),
      /no fused activation/,
    );
    assert.throws(
      () => new Conv2d(2, 3, 3, { rng, padding: 1, downsample: true }).forward(randn([1, 2, 4, 4], rng), { negativeSlope: 0.2 }),
      /no fused activation/,
    );
  });

  test('in a Sequential the activation after a downsampling conv follows the pooling (not fused before it)', () => {
    const rng = new Rng(5);
    const conv = toFloat64(new Conv2d(2, 3, 3, { rng, padding: 1, downsample: true }));
    const x = randn([2, 2, 6, 4], rng, f64);
    for (const [act, f] of [
      [new ReLU(), (t: Tensor) => relu(t)],
      [new LeakyReLU(0.2), (t: Tensor) => leakyRelu(t, 0.2)],
    ] as const) {
      const y = new Sequential(conv, act).forward(x).toArray();
      const want = f(avgPool2d(conv2d(x, conv.weight, conv.bias, { padding: 1 }), 2)).toArray();
      assert.ok(want.some((v) => v < 0) || want.some((v) => v === 0), 'the activation changes some values');
      y.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-12, `element ${i}: ${v} vs ${want[i]}`));
    }
  });
});

describe('spectral norm: a second training forward before the backward', () => {
  // Each training forward moves u and v (one power iteration, in place); the gradient of an earlier
  // output must still use the u and v it was computed with (PyTorch clones them for this).
  test('leaves the gradient of the first output unchanged (Linear: fused op; ConvTranspose2d: composite)', () => {
    const rng = new Rng(6);
    const cases: [Module & { forward(x: Tensor): Tensor }, Tensor, Tensor][] = [
      [
        spectralNorm(toFloat64(new Linear(4, 3, { rng })), rng),
        randn([5, 4], rng, { dtype: 'float64' }),
        randn([5, 3], rng, { dtype: 'float64' }),
      ],
      [
        spectralNorm(toFloat64(new ConvTranspose2d(3, 2, 2, { rng, stride: 2 })), rng),
        randn([1, 3, 3, 3], rng, { dtype: 'float64' }),
        randn([1, 2, 6, 6], rng, { dtype: 'float64' }),
      ],
    ];
    for (const [layer, x, r] of cases) {
      const sn = layer as unknown as { weightOrig: Tensor; weightU: Tensor; weightV: Tensor };
      const u0 = Float64Array.from(sn.weightU.data);
      const v0 = Float64Array.from(sn.weightV.data);
      const gradient = (second: boolean): Float64Array => {
        sn.weightU.data.set(u0);
        sn.weightV.data.set(v0);
        sn.weightOrig.grad = null;
        const y = layer.forward(x);
        if (second) {
          layer.forward(x);
          assert.ok(
            sn.weightU.data.some((a, i) => a !== u0[i]),
            'the second forward moved u',
          );
        }
        sum(mul(y, r)).backward();
        return Float64Array.from(sn.weightOrig.grad!.data);
      };
      const once = gradient(false);
      const twice = gradient(true);
      once.forEach((g, i) => assert.ok(Math.abs(g - twice[i]!) <= 1e-12 * (1 + Math.abs(g)), `${layer.constructor.name} gradient ${i}`));
    }
  });
});

describe('conditional batch norm: gradients by finite differences', () => {
  test('y = BN(x)·(1 + γ(e)) + β(e) in training mode: x, e and both linear maps', () => {
    const rng = new Rng(5);
    const cbn = toFloat64(new ConditionalBatchNorm2d(3, 4, rng));
    const res = gradcheck('ConditionalBatchNorm2d', (x, e) => cbn.forward(x, e!), [
      randn([4, 3, 2, 2], rng, f64),
      randn([4, 4], rng, f64),
      cbn.gamma.weight,
      cbn.beta.weight,
    ]);
    assert.ok(res.ok, res.message);
  });

  test('a region condition: both embeddings and the input through the mask blend', () => {
    const rng = new Rng(6);
    const cbn = toFloat64(new ConditionalBatchNorm2d(2, 3, rng));
    const mask = tensor(
      Float64Array.from({ length: 16 }, (_, i) => (i % 4) / 3),
      [1, 1, 4, 4],
      { dtype: 'float64' },
    );
    const res = gradcheck(
      'ConditionalBatchNorm2d (region)',
      (x, outside, inside) => cbn.forward(x, { outside: outside!, inside: inside!, mask }),
      [randn([2, 2, 2, 2], rng, f64), randn([2, 3], rng, f64), randn([2, 3], rng, f64), cbn.gamma.weight],
    );
    assert.ok(res.ok, res.message);
  });

  test('the forward by hand: each sample scaled by 1 + its γ and shifted by its β', () => {
    const cbn = new ConditionalBatchNorm2d(1, 2, new Rng(7));
    cbn.gamma.weight.data.set([1, 0]); // γ(e) = e₀
    cbn.beta.weight.data.set([0, 1]); // β(e) = e₁
    // one channel, batch values 1, 3 | 5, 7: mean 4, variance 5
    const y = noGrad(() => cbn.forward(tensor([1, 3, 5, 7], [2, 1, 1, 2]), tensor([0.5, 2, -1, 0], [2, 2]))).data;
    const n = (v: number) => (v - 4) / Math.sqrt(5 + 1e-5);
    const want = [n(1) * 1.5 + 2, n(3) * 1.5 + 2, n(5) * 0 + 0, n(7) * 0 + 0];
    want.forEach((w, i) => assert.ok(Math.abs(y[i]! - w) < 1e-5, `element ${i}: ${y[i]} vs ${w}`));
  });
});

describe('normalisation layers: forward against the closed form, every row and group', () => {
  /** x of the given shape with small values (variance ≈ 1e-4), so eps = 1e-5 visibly matters. */
  const small = (shape: number[], seed: number) => {
    const t = randn(shape, new Rng(seed), { dtype: 'float64' });
    for (let i = 0; i < t.size; i++) t.data[i] = 0.01 * t.data[i]! + 0.3;
    return t;
  };
  /** (x − mean)/√(var + eps) of `values` (biased variance), as a list. */
  const standardise = (values: number[], eps: number) => {
    const m = values.reduce((a, b) => a + b, 0) / values.length;
    const v = values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length;
    return values.map((x) => (x - m) / Math.sqrt(v + eps));
  };
  const closeAll = (got: ArrayLike<number>, want: number[], what: string) =>
    want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) < 1e-9, `${what} element ${i}: ${got[i]} vs ${w}`));

  test('LayerNorm over the last two dimensions: every row, with γ and β per element and eps 1e-5', () => {
    const ln = toFloat64(new LayerNorm([2, 3]));
    ln.weight.data.set([1, 2, 3, -1, 0.5, 2]);
    ln.bias.data.set([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    const x = small([4, 2, 3], 8);
    const y = noGrad(() => ln.forward(x)).data;
    for (let r = 0; r < 4; r++) {
      const z = standardise(Array.from(x.data.subarray(r * 6, r * 6 + 6)), 1e-5);
      closeAll(
        y.subarray(r * 6, r * 6 + 6),
        z.map((v, j) => v * ln.weight.data[j]! + ln.bias.data[j]!),
        `row ${r}`,
      );
    }
  });

  test('GroupNorm: every (sample, group) standardised over its channels and pixels, γ and β per channel', () => {
    const gn = toFloat64(new GroupNorm(2, 4));
    gn.weight.data.set([1, 2, -1, 0.5]);
    gn.bias.data.set([0, 1, 2, 3]);
    const x = small([3, 4, 2, 2], 9);
    const y = noGrad(() => gn.forward(x)).data;
    for (let n = 0; n < 3; n++)
      for (let g = 0; g < 2; g++) {
        const at = n * 16 + g * 8; // two channels of four pixels
        const z = standardise(Array.from(x.data.subarray(at, at + 8)), 1e-5);
        closeAll(
          y.subarray(at, at + 8),
          z.map((v, j) => {
            const c = 2 * g + Math.floor(j / 4);
            return v * gn.weight.data[c]! + gn.bias.data[c]!;
          }),
          `sample ${n} group ${g}`,
        );
      }
    assert.throws(() => new GroupNorm(3, 4), /do not divide/);
  });

  test('BatchNorm2d: every channel over batch and pixels in training; running statistics with momentum 0.1; eval uses them', () => {
    const bn = toFloat64(new BatchNorm2d(2));
    bn.weight!.data.set([2, 0.5]);
    bn.bias!.data.set([1, -1]);
    const x = small([3, 2, 2, 2], 10);
    const y = noGrad(() => bn.forward(x)).data;
    for (let c = 0; c < 2; c++) {
      const at = [0, 1, 2].flatMap((n) => [0, 1, 2, 3].map((p) => n * 8 + c * 4 + p));
      const values = at.map((i) => x.data[i]!);
      const z = standardise(values, 1e-5);
      closeAll(
        at.map((i) => y[i]!),
        z.map((v) => v * bn.weight!.data[c]! + bn.bias!.data[c]!),
        `channel ${c}`,
      );
      const m = values.reduce((a, b) => a + b, 0) / 12;
      const unbiased = values.reduce((a, b) => a + (b - m) ** 2, 0) / 11;
      assert.ok(Math.abs(bn.runningMean.data[c]! - 0.1 * m) < 1e-12, `running mean ${c}`);
      assert.ok(Math.abs(bn.runningVar.data[c]! - (0.9 + 0.1 * unbiased)) < 1e-12, `running variance ${c}`);
    }
    bn.eval();
    const e = noGrad(() => bn.forward(x)).data;
    const c0 = (x.data[0]! - bn.runningMean.data[0]!) / Math.sqrt(bn.runningVar.data[0]! + 1e-5);
    assert.ok(Math.abs(e[0]! - (2 * c0 + 1)) < 1e-12, `eval mode: ${e[0]} vs ${2 * c0 + 1}`);
    assert.equal(new BatchNorm2d(2, { affine: false }).weight, null);
  });
});

describe('averages over training: EMA and standing statistics', () => {
  test('EMA after three updates: θ = d³θ₀ + (1 − d)(d²θ₁ + dθ₂ + θ₃); buffers are copied as they are', () => {
    const bn = new BatchNorm2d(1);
    const ema = new EMA(bn, 0.75); // not ½, where decay and 1 − decay would be confused unseen
    const theta = [4, 8, 16];
    for (const t of theta) {
      bn.weight!.data[0] = t;
      bn.runningMean.data[0] = t + 1;
      ema.update();
    }
    const d = 0.75;
    const want = d ** 3 * 1 + (1 - d) * (d * d * 4 + d * 8 + 16);
    assert.equal(ema.stateDict()['weight']!.data[0], want);
    assert.equal(ema.stateDict()['bias']!.data[0], 0);
    assert.equal(ema.stateDict()['runningMean']!.data[0], 17, 'a buffer holds the latest value, not an average');
    assert.throws(() => new EMA(bn, 1.5), /decay must be in \[0, 1\]/);
  });

  test('standing statistics: the running mean and variance are the bias-corrected weighted means of K batch statistics', () => {
    // A stand-in generator: one batch norm fed a fixed batch per call, values v + k·(k + 1) on call k.
    class Fixed extends Module implements ImageGenerator {
      readonly bn = new BatchNorm2d(1, { momentum: 0.25 });
      calls = 0;
      forward(): Tensor {
        const k = this.calls++;
        return this.bn.forward(
          tensor(
            [1, 2, 4, 7].map((v) => v * (k + 1) + k * (k + 1)),
            [4, 1, 1, 1],
          ),
        );
      }
    }
    const g = new Fixed();
    standingStats(g, { zDim: 2, numClasses: 1, seed: 0, batches: 3, batchSize: 4 });
    assert.equal(g.training, false);
    // call k: values (k + 1)·{1, 2, 4, 7} + k(k + 1): mean (k + 1)·3.5 + k(k + 1), unbiased variance (k + 1)²·7
    const means = [0, 1, 2].map((k) => (k + 1) * 3.5 + k * (k + 1));
    const vars = [0, 1, 2].map((k) => (k + 1) ** 2 * 7);
    // the running average from zero gives batch k the weight μ(1 − μ)^(K−1−k); dividing by
    // 1 − (1 − μ)^K makes the weights sum to 1
    const w = [0, 1, 2].map((k) => 0.25 * 0.75 ** (2 - k));
    const total = w.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - (1 - 0.75 ** 3)) < 1e-15, 'the weights sum to 1 − (1 − μ)^K');
    const mean = means.reduce((a, m, k) => a + w[k]! * m, 0) / total;
    const variance = vars.reduce((a, v, k) => a + w[k]! * v, 0) / total;
    assert.ok(Math.abs(g.bn.runningMean.data[0]! - mean) < 1e-5, `mean ${g.bn.runningMean.data[0]} vs ${mean}`);
    assert.ok(Math.abs(g.bn.runningVar.data[0]! - variance) < 1e-4, `variance ${g.bn.runningVar.data[0]} vs ${variance}`);
  });
});
