// EDM schedule, preconditioning, samplers and composed guidance against closed-form answers:
// with the exact denoiser of a Gaussian (or point-mass) data set, the probability-flow ODE has a
// known solution, so the deterministic sampler's end point is known; the stochastic sampler must
// reproduce the data distribution; guidance must combine denoisers with the given weights.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rng, mul, tensor } from '../../src/engine/index.js';
import { EDM_DEFAULTS, edmDenoise, edmLoss, edmPreconditioning, type PreconditionedNet } from '../../src/diffusion/edm.js';
import { composedDenoiser, guidanceTerms, parseConcepts } from '../../src/diffusion/guidance.js';
import { EDM_STOCHASTIC, initialNoise, sampleHeun, sampleStochastic } from '../../src/diffusion/samplers.js';
import { karrasSigmas } from '../../src/diffusion/schedule.js';

const sd = EDM_DEFAULTS.sigmaData;

/** D(x; σ) = μ + s²/(s² + σ²)·(x − μ): the exact denoiser of data ~ N(μ, s²) per value. */
const gaussianDenoiser = (mu: number, s: number) => (x: Float64Array, sigma: number) =>
  x.map((v) => mu + ((s * s) / (s * s + sigma * sigma)) * (v - mu));

/**
 * A network F whose preconditioned denoiser is exactly the point-mass denoiser D(x; σ, k) = means[k]
 * (class k is one flat image of value means[k]); the "no class" label (means.length) denoises to
 * `nullValue` (it is only used through linear combinations, so a fixed value serves).
 */
function pointMassNet(means: readonly number[], nullValue: number): PreconditionedNet {
  return (xIn, cNoise, labels) => {
    const n = xIn.shape[0]!;
    const per = xIn.size / n;
    const out = new Float32Array(xIn.size);
    for (let i = 0; i < n; i++) {
      const sigma = Math.exp(4 * cNoise[i]!);
      const p = edmPreconditioning(sigma, sd);
      const target = labels[i]! < means.length ? means[labels[i]!]! : nullValue;
      for (let j = i * per; j < (i + 1) * per; j++) {
        const x = xIn.data[j]! / p.cIn;
        out[j] = (target - p.cSkip * x) / p.cOut;
      }
    }
    return tensor(out, xIn.shape);
  };
}

describe('noise schedule (Karras et al. 2022, eq. 5)', () => {
  test('starts at σ_max, ends at σ_min then 0, and is decreasing', () => {
    const s = karrasSigmas(18);
    assert.equal(s.length, 19);
    assert.ok(Math.abs(s[0]! - 80) < 1e-12);
    assert.ok(Math.abs(s[17]! - 0.002) < 1e-15);
    assert.equal(s[18], 0);
    for (let i = 1; i < s.length; i++) assert.ok(s[i]! < s[i - 1]!);
  });
  test('closed form: ρ = 1 is linear; the midpoint for ρ = 7 is ((a + b)/2)^7', () => {
    const lin = karrasSigmas(5, { sigmaMin: 1, sigmaMax: 9, rho: 1 });
    assert.deepEqual(Array.from(lin), [9, 7, 5, 3, 1, 0]);
    const s = karrasSigmas(3);
    const mid = ((80 ** (1 / 7) + 0.002 ** (1 / 7)) / 2) ** 7;
    assert.ok(Math.abs(s[1]! - mid) < 1e-12 * mid);
  });
  test('rejects bad arguments', () => {
    assert.throws(() => karrasSigmas(0), /positive integer/);
    assert.throws(() => karrasSigmas(4, { sigmaMin: 2, sigmaMax: 1, rho: 7 }), /sigmaMin < sigmaMax/);
  });
});

describe('EDM preconditioning (Table 1)', () => {
  test('closed-form values at σ = σ_data', () => {
    const p = edmPreconditioning(sd, sd);
    assert.ok(Math.abs(p.cSkip - 0.5) < 1e-15);
    assert.ok(Math.abs(p.cOut - sd / Math.SQRT2) < 1e-15);
    assert.ok(Math.abs(p.cIn - 1 / (sd * Math.SQRT2)) < 1e-15);
    assert.ok(Math.abs(p.cNoise - Math.log(sd) / 4) < 1e-15);
  });
  test('network input and training target have unit variance at every σ', () => {
    for (const sigma of [0.002, 0.1, 1, 80]) {
      const p = edmPreconditioning(sigma, sd);
      // Var(c_in·(y + σn)) with Var y = σ_data²
      assert.ok(Math.abs(p.cIn ** 2 * (sd ** 2 + sigma ** 2) - 1) < 1e-12);
      // Var((y − c_skip(y + σn))/c_out) = ((1 − c_skip)²σ_data² + c_skip²σ²)/c_out²
      const v = ((1 - p.cSkip) ** 2 * sd ** 2 + p.cSkip ** 2 * sigma ** 2) / p.cOut ** 2;
      assert.ok(Math.abs(v - 1) < 1e-9, `σ=${sigma}: ${v}`);
    }
  });
  test('edmDenoise with the exact network returns the point the data sits on; its loss is ~0', () => {
    const net = pointMassNet([0.3, -0.6], 0);
    const x = tensor(
      Float32Array.from({ length: 2 * 12 }, (_, i) => Math.sin(i) * 5),
      [2, 3, 2, 2],
    );
    const d = edmDenoise(net, x, [0.7, 12], Int32Array.from([0, 1]), sd).toArray();
    d.slice(0, 12).forEach((v) => assert.ok(Math.abs(v - 0.3) < 1e-5));
    d.slice(12).forEach((v) => assert.ok(Math.abs(v + 0.6) < 1e-4));
    const y = tensor(new Float32Array(24).fill(0.3), [2, 3, 2, 2]);
    const loss = edmLoss(net, y, Int32Array.from([0, 0]), new Rng(1), EDM_DEFAULTS).item();
    assert.ok(loss < 1e-8, `loss ${loss}`);
    // With F ≡ 0 the loss is the mean squared target, which is large.
    const zero: PreconditionedNet = (xIn) => mul(xIn, 0);
    assert.ok(edmLoss(zero, y, Int32Array.from([0, 0]), new Rng(1), EDM_DEFAULTS).item() > 0.1);
  });
});

describe('Heun sampler (EDM Algorithm 1)', () => {
  // For data ~ N(μ, s²) the ODE dx/dσ = (x − D)/σ solves to x(σ) − μ = (x_T − μ)·√((s² + σ²)/(s² + σ_T²)).
  const mu = 0.2;
  const s = 0.3;
  const closedForm = (xT: Float64Array, sigmaT: number) => xT.map((v) => mu + (v - mu) * Math.sqrt((s * s) / (s * s + sigmaT * sigmaT)));

  test('lands on the closed-form end point of the probability-flow ODE', () => {
    // NOTE: a narrow Gaussian (s = 0.3 against σ_max = 80) is a hard case for few steps; 128 Heun
    // steps reach it to ~1e-3 of the solution's scale (18 steps: ~6%).
    const sigmas = karrasSigmas(128);
    const x0 = initialNoise([new Rng(3), new Rng(4)], 50, sigmas[0]!);
    const x = sampleHeun(gaussianDenoiser(mu, s), x0, sigmas);
    const want = closedForm(x0, sigmas[0]!);
    const err = Math.max(...x.map((v, i) => Math.abs(v - want[i]!)));
    const scale = Math.max(...want.map((v) => Math.abs(v - mu)));
    assert.ok(err < 2e-3 * scale, `max error ${err} (scale ${scale})`);
  });
  test('is second order: twice the steps, a quarter of the error', () => {
    const errAt = (steps: number) => {
      const sigmas = karrasSigmas(steps, { sigmaMin: 0.002, sigmaMax: 80, rho: 7 });
      const x0 = initialNoise([new Rng(5)], 20, sigmas[0]!);
      const x = sampleHeun(gaussianDenoiser(mu, s), x0, sigmas);
      const want = closedForm(x0, sigmas[0]!);
      return Math.max(...x.map((v, i) => Math.abs(v - want[i]!)));
    };
    const e64 = errAt(64);
    const e128 = errAt(128);
    assert.ok(e128 < e64 / 3.5 && e128 > e64 / 5, `error at 64 steps ${e64}, at 128 ${e128}`);
  });
  test('counts 2N − 1 denoiser calls', () => {
    let calls = 0;
    const den = gaussianDenoiser(mu, s);
    sampleHeun((x, sg) => (calls++, den(x, sg)), new Float64Array(4), karrasSigmas(10));
    assert.equal(calls, 19);
  });
});

describe('stochastic sampler (EDM Algorithm 2)', () => {
  test('reproduces the data distribution N(μ, s²)', () => {
    const mu = -0.1;
    const s = 0.4;
    const sigmas = karrasSigmas(32);
    const rngs = Array.from({ length: 40 }, (_, i) => new Rng(100 + i));
    const x0 = initialNoise(rngs, 500, sigmas[0]!);
    const x = sampleStochastic(gaussianDenoiser(mu, s), x0, sigmas, rngs, { ...EDM_STOCHASTIC, sNoise: 1 });
    const m = x.reduce((a, v) => a + v, 0) / x.length;
    const sdev = Math.sqrt(x.reduce((a, v) => a + (v - m) ** 2, 0) / x.length);
    assert.ok(Math.abs(m - mu) < 0.02, `mean ${m}`);
    assert.ok(Math.abs(sdev - s) < 0.02, `std ${sdev}`);
  });
  test('each image depends only on its own seed, not on its batch', () => {
    const den = gaussianDenoiser(0, 0.5);
    const sigmas = karrasSigmas(8);
    const batchRngs = [7, 8, 9].map((seed) => new Rng(seed));
    const batch = sampleStochastic(den, initialNoise(batchRngs, 10, 80), sigmas, batchRngs);
    const aloneRngs = [new Rng(8)];
    const alone = sampleStochastic(den, initialNoise(aloneRngs, 10, 80), sigmas, aloneRngs);
    assert.deepEqual(Array.from(batch.subarray(10, 20)), Array.from(alone));
  });
});

describe('composed guidance (Liu et al. 2022)', () => {
  const means = [0.5, -0.5, 0.1];
  const net = pointMassNet(means, 0.25);
  const opts = { nullClass: 3, sigmaData: sd, imageShape: [1, 2, 2] as const };

  test('D̃ = D(∅) + Σ wᵢ(D(cᵢ) − D(∅)) with negative weights, across batch chunks', () => {
    const concepts = [
      { classIndex: 0, weight: 3 },
      { classIndex: 1, weight: 2 },
      { classIndex: 2, weight: -0.5 },
    ];
    const want = 0.25 + 3 * (0.5 - 0.25) + 2 * (-0.5 - 0.25) - 0.5 * (0.1 - 0.25);
    const x = Float64Array.from({ length: 5 * 4 }, (_, i) => Math.cos(i));
    for (const maxBatch of [256, 3]) {
      const d = composedDenoiser(net, concepts, { ...opts, maxBatch })(x, 1.3);
      d.forEach((v) => assert.ok(Math.abs(v - want) < 1e-5, `${v} vs ${want}`));
    }
  });
  test('a single class at w = 1 skips the ∅ term; no class is unconditional', () => {
    assert.deepEqual(guidanceTerms([{ classIndex: 2, weight: 1 }], 3), [{ label: 2, weight: 1 }]);
    assert.deepEqual(guidanceTerms([], 3), [{ label: 3, weight: 1 }]);
    assert.equal(guidanceTerms([{ classIndex: 0, weight: 3 }], 3)[0]!.weight, -2);
  });
  test('Heun sampling with class k lands on class k', () => {
    for (const k of [0, 1]) {
      const sigmas = karrasSigmas(18);
      const x = sampleHeun(composedDenoiser(net, [{ classIndex: k, weight: 1 }], opts), initialNoise([new Rng(1)], 4, 80), sigmas);
      x.forEach((v) => assert.ok(Math.abs(v - means[k]!) < 1e-4));
    }
  });
});

describe('--concept parsing', () => {
  const classes = ['airplane', 'bird', 'deer', 'horse'];
  test('names, weights (negative too) and defaults', () => {
    assert.deepEqual(parseConcepts('horse:3,bird:2,airplane:0.5,deer:-0.5', classes), [
      { classIndex: 3, weight: 3 },
      { classIndex: 1, weight: 2 },
      { classIndex: 0, weight: 0.5 },
      { classIndex: 2, weight: -0.5 },
    ]);
    assert.deepEqual(parseConcepts(' Horse ', classes), [{ classIndex: 3, weight: 1 }]);
    assert.deepEqual(parseConcepts('', classes), []);
  });
  test('clear errors for unknown classes, duplicates and bad weights', () => {
    assert.throws(() => parseConcepts('cat:2', classes), /not trained on "cat"; it knows airplane, bird, deer, horse/);
    assert.throws(() => parseConcepts('horse:1,horse:2', classes), /horse is given twice/);
    for (const bad of ['horse:x', 'horse:', 'horse:1:2', ':2', 'horse:Infinity']) {
      assert.throws(() => parseConcepts(bad, classes), /is not NAME or NAME:WEIGHT/, bad);
    }
  });
});
