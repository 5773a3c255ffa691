/**
 * Training the classifier: ResNet-9 with the recipe of Page (2018) "How to train your ResNet"
 * (one-cycle linear learning-rate schedule, SGD with Nesterov momentum, weight decay 5e-4, random
 * crops with reflection padding and flips, label smoothing, logits scaled by 1/8), and flip
 * test-time augmentation at evaluation (Page 2018; also airbench, Jordan 2024).
 *
 * Each epoch ends with a checkpoint (`last.pgc`: weights, momentum buffers, epoch) written
 * atomically, so an interrupted run resumes from the last finished epoch with the same data order.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { add, logSoftmax, mean, mul, neg, nllLoss, Rng, tensor, tidy, type Tensor } from '../engine/index.js';
import { epochOrder, hashInts, loadCifar10, type Cifar10Set } from '../data/index.js';
import { ResNet9, saveClassifier } from '../models/classifier/index.js';
import { loadCheckpoint, saveCheckpoint, SGD } from '../nn/index.js';
import { augmentBatch } from '../evaluate/classifier/augment.js';
import { measureAccuracy, type AccuracyReport } from '../evaluate/classifier/accuracy.js';
import { defaultWingTrainConfig, type ClassifierTrainConfig } from './presets/classifier.js';
import { oneCycle } from '../evaluate/classifier/oneCycle.js';
import { wingSets } from '../evaluate/wings.js';
import type { PegasiSet } from '../pegasi/dataset.js';

const RESUME_KIND = 'classifier-train';
/** Steps between mid-epoch resume points. */
const checkpointEvery = 40;

/**
 * Cross-entropy against labels smoothed by ε (Szegedy et al. 2016):
 * (1 − ε)·NLL + ε·mean over classes of −log p.
 */
export function smoothedCrossEntropy(logits: Tensor, labels: Int32Array, eps: number) {
  const logp = logSoftmax(logits, 1);
  const nll = nllLoss(logp, labels);
  if (eps === 0) return nll;
  return add(mul(nll, 1 - eps), mul(neg(mean(logp)), eps));
}

export interface EpochLog {
  readonly epoch: number;
  readonly loss: number;
  readonly trainAccuracy: number;
  readonly seconds: number;
  readonly imagesPerSecond: number;
}

export interface TrainHooks {
  /** Called after every step. */
  onStep?(epoch: number, stepInEpoch: number, stepsPerEpoch: number, loss: number, imagesPerSecond: number): void;
  onEpoch?(log: EpochLog): void;
}

export interface TrainResult {
  readonly net: ResNet9;
  readonly epochs: EpochLog[];
  readonly test: AccuracyReport;
}

/**
 * Trains on `train`, measures on `test`, writes `out/classifier.pgc`, `out/accuracy.json` and
 * `out/train-log.json`; resumes from `out/last.pgc` when `resume` and it exists.
 */
export function trainClassifier(
  cfg: ClassifierTrainConfig,
  train: Cifar10Set,
  test: Cifar10Set,
  out: string,
  opts: { resume?: boolean; hooks?: TrainHooks } = {},
): TrainResult {
  mkdirSync(out, { recursive: true });
  const net = new ResNet9(cfg.model, new Rng(cfg.seed));
  const params = net.parameters();
  // SGD with Nesterov momentum and L2 weight decay, as Page (2018) trains ResNet-9
  const opt = new SGD(params, { lr: 0, momentum: cfg.momentum, weightDecay: cfg.weightDecay, nesterov: true });
  const lastPath = join(out, 'last.pgc');
  let startEpoch = 0;
  let startStep = 0;
  let carried = { lossSum: 0, hits: 0 };
  const logs: EpochLog[] = [];
  if (opts.resume && existsSync(lastPath)) {
    const ck = loadCheckpoint(lastPath, { expectKind: RESUME_KIND });
    const model: Record<string, Tensor> = {};
    const buffers: Tensor[] = [];
    for (const [k, t] of Object.entries(ck.tensors)) {
      if (k.startsWith('model.')) model[k.slice(6)] = t;
      else if (k.startsWith('momentum.')) buffers[Number(k.slice(9))] = t;
    }
    net.loadStateDict(model);
    opt.loadStateDict({ started: params.map(() => true), buffers });
    const meta = ck.meta as { epoch: number; step?: number; lossSum?: number; hits?: number; logs: EpochLog[] };
    startEpoch = meta.epoch;
    startStep = meta.step ?? 0;
    carried = { lossSum: meta.lossSum ?? 0, hits: meta.hits ?? 0 };
    logs.push(...meta.logs);
  }
  const steps = Math.floor(train.count / cfg.batchSize);
  const total = steps * cfg.epochs;
  net.train();
  for (let epoch = startEpoch; epoch < cfg.epochs; epoch++) {
    const order = epochOrder(train.count, cfg.seed, epoch);
    const t0 = performance.now();
    const first = epoch === startEpoch ? startStep : 0;
    let lossSum = epoch === startEpoch ? carried.lossSum : 0;
    let hits = epoch === startEpoch ? carried.hits : 0;
    const save = (nextEpoch: number, nextStep: number) => {
      const tensors: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(net.stateDict())) tensors[`model.${k}`] = t;
      opt.stateDict().buffers.forEach((b, i) => (tensors[`momentum.${i}`] = b));
      const meta = { epoch: nextEpoch, step: nextStep, lossSum: nextStep === 0 ? 0 : lossSum, hits: nextStep === 0 ? 0 : hits, logs };
      saveCheckpoint(lastPath, { kind: RESUME_KIND, config: cfg, tensors, meta });
    };
    for (let s = first; s < steps; s++) {
      const idx = order.subarray(s * cfg.batchSize, (s + 1) * cfg.batchSize);
      const x = augmentBatch(train.images, idx, { pad: cfg.cropPad, flip: cfg.flip }, hashInts(cfg.seed, epoch, s));
      const labels = new Int32Array(cfg.batchSize);
      for (let i = 0; i < labels.length; i++) labels[i] = train.labels[idx[i]!]!;
      opt.lr = oneCycle(cfg.lr, cfg.warmup, (epoch * steps + s) / total);
      const loss = tidy(() => {
        const logits = net.logits(tensor(x, [cfg.batchSize, 3, 32, 32]));
        const l = smoothedCrossEntropy(logits, labels, cfg.labelSmoothing);
        opt.zeroGrad();
        l.backward();
        opt.step();
        const k = cfg.model.numClasses;
        for (let i = 0; i < labels.length; i++) {
          let best = 0;
          for (let j = 1; j < k; j++) if (logits.data[i * k + j]! > logits.data[i * k + best]!) best = j;
          if (best === labels[i]) hits++;
        }
        return l.item();
      });
      opt.zeroGrad();
      lossSum += loss;
      const secs = (performance.now() - t0) / 1000;
      opts.hooks?.onStep?.(epoch, s + 1, steps, loss, ((s + 1 - first) * cfg.batchSize) / secs);
      // NOTE: a resume point every `checkpointEvery` steps, so an interrupted epoch loses little
      if ((s + 1) % checkpointEvery === 0 && s + 1 < steps) save(epoch, s + 1);
    }
    const seconds = (performance.now() - t0) / 1000;
    const log: EpochLog = {
      epoch: epoch + 1,
      loss: lossSum / steps,
      trainAccuracy: hits / (steps * cfg.batchSize),
      seconds,
      imagesPerSecond: ((steps - first) * cfg.batchSize) / seconds,
    };
    logs.push(log);
    opts.hooks?.onEpoch?.(log);
    save(epoch + 1, 0);
    writeFileSync(join(out, 'train-log.json'), JSON.stringify({ config: cfg, epochs: logs }, null, 2) + '\n');
  }
  const testReport = measureAccuracy(net, test, { flipTta: true });
  saveClassifier(join(out, 'classifier.pgc'), net, { epoch: cfg.epochs, testAccuracy: testReport.accuracy, train: cfg });
  writeFileSync(join(out, 'accuracy.json'), JSON.stringify(testReport, null, 2) + '\n');
  return { net, epochs: logs, test: testReport };
}

/** Loads train and test splits from a CIFAR-10 folder. */
export function loadSplits(dir: string): { train: Cifar10Set; test: Cifar10Set } {
  return { train: loadCifar10({ dir, split: 'train' }), test: loadCifar10({ dir, split: 'test' }) };
}

/**
 * Trains the detector into `out` (classifier.pgc, accuracy.json on the held-out horses, train-log.json).
 * @example const { net, heldOut } = trainWingDetector(loadPegasi('runs/pegasi-test'), dataDir, 'models/wing-detector');
 */
export function trainWingDetector(
  pegasi: PegasiSet,
  dataDir: string,
  out: string,
  cfg: ClassifierTrainConfig = defaultWingTrainConfig,
  hooks?: TrainHooks,
  recordsPerFile?: number,
): { net: ResNet9; heldOut: AccuracyReport } {
  const { train, heldOut } = wingSets(pegasi, dataDir, cfg.seed, recordsPerFile);
  const r = trainClassifier(cfg, train, heldOut, out, hooks === undefined ? {} : { hooks });
  return { net: r.net, heldOut: r.test };
}
