/**
 * One diffusion training update, independent of where the images come from (CIFAR-10 in
 * `runDiffusionTraining`, toy images in the tests): label dropout, EDM loss, Adam, EMA.
 */
import { Rng, tensor, tidy } from '../engine/index.js';
import { Adam, clipGradNorm, EMA } from '../nn/index.js';
import { UNet } from '../models/diffusion/index.js';
import type { DiffusionRunConfig } from './config.js';
import { edmLoss } from './edm.js';

/** The networks, optimiser and random stream of a run, in memory. */
export interface DiffusionSession {
  readonly config: DiffusionRunConfig;
  readonly net: UNet;
  /** The EMA of `net`'s weights: what samples and what is published. */
  readonly ema: EMA;
  /** A network the EMA weights are copied into for sampling (`emaNetwork`). */
  readonly emaNet: UNet;
  readonly opt: Adam;
  /** Noise levels, noise, label dropout and dropout; its state is checkpointed. */
  readonly rng: Rng;
  step: number;
}

/** Fresh networks (weights from Rng(seed)) and optimiser; the EMA starts as a copy. */
export function createDiffusionSession(config: DiffusionRunConfig, trainRng: Rng): DiffusionSession {
  const initRng = new Rng(config.train.seed);
  const net = new UNet(config.unet, initRng);
  const emaNet = new UNet(config.unet, initRng);
  emaNet.eval();
  const ema = new EMA(net, config.train.emaDecay);
  const opt = new Adam(net.parameters(), { lr: config.train.lr, betas: [0.9, 0.999], eps: 1e-8 });
  return { config, net, ema, emaNet, opt, rng: trainRng, step: 0 };
}

/** The EMA weights in a network ready to sample (eval mode). */
export function emaNetwork(s: DiffusionSession): UNet {
  s.ema.copyTo(s.emaNet);
  return s.emaNet;
}

/**
 * Classifier-free guidance training (Ho & Salimans 2022, Algorithm 1): each label is replaced by
 * the "no class" token with probability p, so one network learns both D(x; σ, c) and D(x; σ, ∅).
 */
export function dropLabels(labels: Int32Array, p: number, nullClass: number, rng: Rng): Int32Array {
  return labels.map((l) => (rng.uniform() < p ? nullClass : l));
}

export interface StepMetrics {
  readonly loss: number;
  readonly gradNorm: number;
  readonly lr: number;
}

/**
 * One update on a batch of images [n, C, H, W] in [−1, 1] with class indices `labels`.
 *
 * @example const m = diffusionTrainStep(session, batch.images, labels);
 */
export function diffusionTrainStep(s: DiffusionSession, images: Float32Array, labels: Int32Array): StepMetrics {
  const { config, net, opt, rng } = s;
  const t = config.train;
  const u = config.unet;
  const n = labels.length;
  const lr = t.lr * Math.min(1, (s.step + 1) / Math.max(1, t.lrWarmupSteps));
  opt.lr = lr;
  let loss = NaN;
  let gradNorm = NaN;
  tidy(() => {
    const y = tensor(images, [n, u.inChannels, u.imageSize, u.imageSize]);
    const cond = dropLabels(labels, t.labelDropout, net.nullClass, rng);
    const l = edmLoss((xIn, cNoise, lab) => net.forward(xIn, cNoise, lab, rng), y, cond, rng, config.edm);
    opt.zeroGrad();
    l.backward();
    gradNorm = clipGradNorm(net.parameters(), t.gradClip > 0 ? t.gradClip : Infinity);
    opt.step();
    loss = l.item();
  });
  s.step++;
  // Until emaStart the average just follows the network: early weights are not worth averaging in.
  if (s.step <= t.emaStart) s.ema.loadStateDict(net.stateDict());
  else s.ema.update();
  return { loss, gradNorm, lr };
}
