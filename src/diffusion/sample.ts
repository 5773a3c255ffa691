/**
 * Drawing images from a trained diffusion model: composed classifier-free guidance inside EDM's
 * Heun or stochastic sampler, one seed per image.
 */
import { Rng, tensor, type Tensor } from '../engine/index.js';
import type { UNet } from '../models/diffusion/index.js';
import type { EdmConfig } from './edm.js';
import { composedDenoiser, type Concept } from './guidance.js';
import { EDM_STOCHASTIC, initialNoise, sampleHeun, sampleStochastic, type StochasticOptions } from './samplers.js';
import { EDM_SCHEDULE, karrasSigmas, type SigmaSchedule } from './schedule.js';

export type SamplerKind = 'heun' | 'stochastic';
export const SAMPLER_KINDS: readonly SamplerKind[] = ['heun', 'stochastic'];

/** Default Heun steps: EDM's CIFAR-10 setting (18 steps = 35 network evaluations). */
export const DEFAULT_SAMPLE_STEPS = 18;

export interface DiffusionSampleOptions {
  /** Classes and weights to compose; empty = unconditional (the "no class" token alone). */
  readonly concepts: readonly Concept[];
  /** One image per seed; image i is the same whatever else is drawn with it. */
  readonly seeds: readonly number[];
  /** Sampler steps N (noise levels before the final 0). */
  readonly steps: number;
  readonly sampler: SamplerKind;
  /** Churn settings of the stochastic sampler. */
  readonly stochastic?: StochasticOptions;
  /** The noise-level schedule (EDM's by default). */
  readonly schedule?: SigmaSchedule;
  /** Most images per network call (default 256). */
  readonly maxBatch?: number;
  /** Called after each sampler step with the step number (progress). */
  readonly onStep?: (step: number) => void;
}

/**
 * Images [n, C, H, W] in [−1, 1] from the (EMA) U-Net `net`, which should be in eval mode.
 *
 * @example sampleDiffusion(net, config.edm, { concepts: parseConcepts('horse:3,bird:2', classes), seeds: [0, 1, 2], steps: 18, sampler: 'heun' })
 */
export function sampleDiffusion(net: UNet, edm: EdmConfig, o: DiffusionSampleOptions): Tensor {
  const u = net.config;
  const per = u.inChannels * u.imageSize * u.imageSize;
  const schedule = o.schedule ?? EDM_SCHEDULE;
  const sigmas = karrasSigmas(o.steps, schedule);
  const rngs = o.seeds.map((seed) => new Rng(seed));
  const denoise = composedDenoiser((xIn, cNoise, labels) => net.forward(xIn, cNoise, labels), o.concepts, {
    nullClass: net.nullClass,
    sigmaData: edm.sigmaData,
    imageShape: [u.inChannels, u.imageSize, u.imageSize],
    ...(o.maxBatch !== undefined && { maxBatch: o.maxBatch }),
  });
  const x0 = initialNoise(rngs, per, sigmas[0]!);
  const x =
    o.sampler === 'heun'
      ? sampleHeun(denoise, x0, sigmas, o.onStep)
      : sampleStochastic(denoise, x0, sigmas, rngs, o.stochastic ?? EDM_STOCHASTIC, o.onStep);
  const out = Float32Array.from(x, (v) => Math.max(-1, Math.min(1, v)));
  return tensor(out, [o.seeds.length, u.inChannels, u.imageSize, u.imageSize]);
}
