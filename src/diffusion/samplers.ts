/**
 * EDM's samplers (Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative
 * Models", Algorithms 1 and 2): Heun's second-order method on the probability-flow ODE
 * dx/dσ = (x − D(x; σ))/σ, deterministic, and its stochastic variant that adds a little noise
 * ("churn") before each step and so corrects errors of earlier steps.
 *
 * NOTE: the sampler state x lives in float64 (as NVlabs/edm does): the network runs in float32,
 * but 18–35 accumulated updates of a float32 x would lose the small late corrections.
 *
 * Every image has its own Rng (seeded from its own seed), used for its starting noise and for the
 * stochastic sampler's churn noise, so an image depends only on its seed, never on which other
 * images share its batch.
 */
import type { Rng } from '../engine/index.js';

/** D(x; σ) of a batch of images flattened into one float64 array; returns the denoised batch. */
export type Denoiser = (x: Float64Array, sigma: number) => Float64Array;

/** EDM Algorithm 2's knobs. churn = 0 gives back the deterministic Algorithm 1. */
export interface StochasticOptions {
  /** S_churn: total noise added over the run; γ_i = min(S_churn/N, √2 − 1). */
  readonly churn: number;
  /** S_tmin: add noise only at σ ≥ this. */
  readonly sMin: number;
  /** S_tmax: add noise only at σ ≤ this. */
  readonly sMax: number;
  /** S_noise: slightly more than unit noise, to offset the denoiser's tendency to over-smooth. */
  readonly sNoise: number;
}

/** Moderate churn for ~32 steps (the paper's ImageNet-64 settings use S_churn 40 with 256 steps). */
export const EDM_STOCHASTIC: StochasticOptions = { churn: 10, sMin: 0.05, sMax: 50, sNoise: 1.003 };

/** Draws the starting batch x₀ = σ₀·ε with each image's ε from its own Rng (float64). */
export function initialNoise(rngs: readonly Rng[], imageSize: number, sigma0: number): Float64Array {
  const x = new Float64Array(rngs.length * imageSize);
  rngs.forEach((rng, i) => {
    for (let j = i * imageSize; j < (i + 1) * imageSize; j++) x[j] = sigma0 * rng.normal();
  });
  return x;
}

/**
 * One Heun step from σ to σNext in place (EDM Algorithm 1, lines 4–8): an Euler step, then, unless
 * σNext = 0, the trapezoidal correction with the slope at the Euler point.
 */
function heunStep(denoise: Denoiser, x: Float64Array, sigma: number, sigmaNext: number): void {
  const h = sigmaNext - sigma;
  const den = denoise(x, sigma);
  const d = new Float64Array(x.length);
  const xEuler = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) {
    d[j] = (x[j]! - den[j]!) / sigma;
    xEuler[j] = x[j]! + h * d[j]!;
  }
  if (sigmaNext === 0) {
    x.set(xEuler);
    return;
  }
  const den2 = denoise(xEuler, sigmaNext);
  for (let j = 0; j < x.length; j++) {
    const d2 = (xEuler[j]! - den2[j]!) / sigmaNext;
    x[j] = x[j]! + 0.5 * h * (d[j]! + d2);
  }
}

/**
 * Deterministic Heun sampling (EDM Algorithm 1) from x₀ (already scaled by σ₀) down the given
 * noise levels (ending in 0). Costs 2N − 1 denoiser calls for N steps.
 *
 * @example const x = sampleHeun(denoise, initialNoise(rngs, 3 * 32 * 32, sigmas[0]!), karrasSigmas(18));
 */
export function sampleHeun(denoise: Denoiser, x0: Float64Array, sigmas: Float64Array, onStep?: (i: number) => void): Float64Array {
  const x = Float64Array.from(x0);
  for (let i = 0; i + 1 < sigmas.length; i++) {
    heunStep(denoise, x, sigmas[i]!, sigmas[i + 1]!);
    onStep?.(i + 1);
  }
  return x;
}

/**
 * Stochastic sampling (EDM Algorithm 2): before each step, raise the noise from σ_i to
 * σ̂ = σ_i·(1 + γ_i) by adding fresh noise of variance σ̂² − σ_i² drawn from each image's own Rng,
 * then take a Heun step from σ̂ to σ_{i+1}.
 *
 * @example sampleStochastic(denoise, x0, karrasSigmas(32), rngs, EDM_STOCHASTIC)
 */
export function sampleStochastic(
  denoise: Denoiser,
  x0: Float64Array,
  sigmas: Float64Array,
  rngs: readonly Rng[],
  opts: StochasticOptions = EDM_STOCHASTIC,
  onStep?: (i: number) => void,
): Float64Array {
  const x = Float64Array.from(x0);
  const per = x.length / rngs.length;
  if (!Number.isInteger(per)) throw new Error(`sampleStochastic: ${x.length} values do not split into ${rngs.length} images`);
  const steps = sigmas.length - 1;
  const gammaMax = Math.min(opts.churn / steps, Math.SQRT2 - 1);
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i]!;
    const gamma = sigma >= opts.sMin && sigma <= opts.sMax ? gammaMax : 0;
    const sigmaHat = sigma * (1 + gamma);
    if (gamma > 0) {
      const scale = Math.sqrt(sigmaHat * sigmaHat - sigma * sigma) * opts.sNoise;
      rngs.forEach((rng, k) => {
        for (let j = k * per; j < (k + 1) * per; j++) x[j] = x[j]! + scale * rng.normal();
      });
    }
    heunStep(denoise, x, sigmaHat, sigmas[i + 1]!);
    onStep?.(i + 1);
  }
  return x;
}
