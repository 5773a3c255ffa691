/**
 * Training the classifier: ResNet-9 with the recipe of Page (2018) "How to train your ResNet"
 * (one-cycle linear learning-rate schedule, SGD with Nesterov momentum, weight decay 5e-4, random
 * crops with reflection padding and flips, label smoothing, logits scaled by 1/8), and flip
 * test-time augmentation at evaluation (Page 2018; also airbench, Jordan 2024).
 *
 * The run goes through the shared training loop (loop.ts): each epoch's end, a timer and a stop
 * (Ctrl-C, SIGTERM) write a resume point (`last.pgc`: weights, momentum buffers, epoch and step)
 * atomically, so an interrupted run resumes exactly, with the same data order.
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
import { runTrainingLoop } from './loop.js';
import { wingSets } from '../evaluate/wings.js';
import type { PegasiSet } from '../pegasi/dataset.js';

const RESUME_KIND = 'classifier-train';

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

export interface TrainOptions {
  /** Continue from `out/last.pgc` when it exists. */
  readonly resume?: boolean;
  readonly hooks?: TrainHooks;
  /** Stop cleanly on SIGINT/SIGTERM, keeping a resume point (default true). */
  readonly handleSignals?: boolean;
  /** Tests: stop as if interrupted once this many steps (over all epochs) are done. */
  readonly stopAfterStep?: number;
  /** Seconds between mid-epoch resume points (default 60). */
  readonly checkpointEverySeconds?: number;
  /** Printed when the run stops early: the command that continues it. */
  readonly resumeCommand?: string;
}

export interface TrainResult {
  readonly net: ResNet9;
  readonly epochs: EpochLog[];
  /** Accuracy on `test`; null when the run stopped before its last epoch. */
  readonly test: AccuracyReport | null;
  readonly interrupted: boolean;
}

/** Where a run stands: its epoch, the step inside it, and the epoch's running sums. */
interface Position {
  epoch: number;
  step: number;
  lossSum: number;
  hits: number;
}

/**
 * Trains on `train`, measures on `test`, writes `out/classifier.pgc`, `out/accuracy.json` and
 * `out/train-log.json`; resumes from `out/last.pgc` when `resume` and it exists. Runs on the
 * shared training loop, so Ctrl-C keeps a resume point and returns `interrupted`.
 */
export async function trainClassifier(
  cfg: ClassifierTrainConfig,
  train: Cifar10Set,
  test: Cifar10Set,
  out: string,
  opts: TrainOptions = {},
): Promise<TrainResult> {
  mkdirSync(out, { recursive: true });
  const net = new ResNet9(cfg.model, new Rng(cfg.seed));
  const params = net.parameters();
  // SGD with Nesterov momentum and L2 weight decay, as Page (2018) trains ResNet-9
  const opt = new SGD(params, { lr: 0, momentum: cfg.momentum, weightDecay: cfg.weightDecay, nesterov: true });
  const lastPath = join(out, 'last.pgc');
  const logs: EpochLog[] = [];
  const at: Position = { epoch: 0, step: 0, lossSum: 0, hits: 0 };
  if (opts.resume && existsSync(lastPath)) Object.assign(at, resumeFrom(lastPath, net, opt, logs));
  const steps = Math.floor(train.count / cfg.batchSize);
  const total = steps * cfg.epochs;
  const position = () => at.epoch * steps + at.step;
  // the loop's final checkpoint and its timer can fall on an epoch's end, which has just been saved
  let savedAt = -1;
  const save = () => {
    if (position() === savedAt) return;
    savedAt = position();
    const tensors: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(net.stateDict())) tensors[`model.${k}`] = t;
    opt.stateDict().buffers.forEach((b, i) => (tensors[`momentum.${i}`] = b));
    saveCheckpoint(lastPath, { kind: RESUME_KIND, config: cfg, tensors, meta: { ...at, logs } });
  };
  /** The epoch's data order, and the wall clock and step at which this process began the epoch (mid-epoch after a resume). */
  let order: Uint32Array | null = null;
  let epochStart = { wall: 0, step: 0 };
  net.train();
  const oneStep = (): number => {
    if (order === null || at.step === 0) {
      order = epochOrder(train.count, cfg.seed, at.epoch);
      epochStart = { wall: performance.now(), step: at.step };
    }
    const loss = sgdStep(net, opt, cfg, train, order, at, oneCycle(cfg.lr, cfg.warmup, (at.epoch * steps + at.step) / total));
    at.step++;
    const secs = (performance.now() - epochStart.wall) / 1000;
    opts.hooks?.onStep?.(at.epoch, at.step, steps, loss, ((at.step - epochStart.step) * cfg.batchSize) / secs);
    if (at.step === steps) {
      const log: EpochLog = {
        epoch: at.epoch + 1,
        loss: at.lossSum / steps,
        trainAccuracy: at.hits / (steps * cfg.batchSize),
        seconds: secs,
        imagesPerSecond: ((steps - epochStart.step) * cfg.batchSize) / secs,
      };
      logs.push(log);
      Object.assign(at, { epoch: at.epoch + 1, step: 0, lossSum: 0, hits: 0 });
      save();
      writeFileSync(join(out, 'train-log.json'), JSON.stringify({ config: cfg, epochs: logs }, null, 2) + '\n');
      opts.hooks?.onEpoch?.(log);
    }
    return position();
  };
  const { interrupted } = await runTrainingLoop({
    startStep: position(),
    totalSteps: total,
    wall: () => performance.now() / 1000,
    step: oneStep,
    checkpoint: save,
    sample: () => {},
    checkpointEverySeconds: opts.checkpointEverySeconds ?? 60,
    sampleEverySeconds: Infinity,
    sampleAtStart: false,
    ...(opts.handleSignals !== undefined && { handleSignals: opts.handleSignals }),
    ...(opts.stopAfterStep !== undefined && { stopAfterStep: opts.stopAfterStep }),
    ...(opts.resumeCommand !== undefined && { resumeCommand: opts.resumeCommand }),
  });
  if (interrupted) return { net, epochs: logs, test: null, interrupted };
  const testReport = measureAccuracy(net, test, { flipTta: true });
  saveClassifier(join(out, 'classifier.pgc'), net, { epoch: cfg.epochs, testAccuracy: testReport.accuracy, train: cfg });
  writeFileSync(join(out, 'accuracy.json'), JSON.stringify(testReport, null, 2) + '\n');
  return { net, epochs: logs, test: testReport, interrupted };
}

/** Loads weights and momentum from a resume point; returns its position and fills `logs`. */
function resumeFrom(path: string, net: ResNet9, opt: SGD, logs: EpochLog[]): Position {
  const ck = loadCheckpoint(path, { expectKind: RESUME_KIND });
  const model: Record<string, Tensor> = {};
  const buffers: Tensor[] = [];
  for (const [k, t] of Object.entries(ck.tensors)) {
    if (k.startsWith('model.')) model[k.slice(6)] = t;
    else if (k.startsWith('momentum.')) buffers[Number(k.slice(9))] = t;
  }
  net.loadStateDict(model);
  opt.loadStateDict({ started: net.parameters().map(() => true), buffers });
  const meta = ck.meta as { epoch: number; step?: number; lossSum?: number; hits?: number; logs: EpochLog[] };
  logs.push(...meta.logs);
  return { epoch: meta.epoch, step: meta.step ?? 0, lossSum: meta.lossSum ?? 0, hits: meta.hits ?? 0 };
}

/** One SGD step on batch `at.step` of `order`; adds its loss and correct answers to `at`. */
function sgdStep(
  net: ResNet9,
  opt: SGD,
  cfg: ClassifierTrainConfig,
  train: Cifar10Set,
  order: Uint32Array,
  at: Position,
  lr: number,
): number {
  const idx = order.subarray(at.step * cfg.batchSize, (at.step + 1) * cfg.batchSize);
  const x = augmentBatch(train.images, idx, { pad: cfg.cropPad, flip: cfg.flip }, hashInts(cfg.seed, at.epoch, at.step));
  const labels = new Int32Array(cfg.batchSize);
  for (let i = 0; i < labels.length; i++) labels[i] = train.labels[idx[i]!]!;
  opt.lr = lr;
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
      if (best === labels[i]) at.hits++;
    }
    return l.item();
  });
  opt.zeroGrad();
  at.lossSum += loss;
  return loss;
}

/** Loads train and test splits from a CIFAR-10 folder. */
export function loadSplits(dir: string): { train: Cifar10Set; test: Cifar10Set } {
  return { train: loadCifar10({ dir, split: 'train' }), test: loadCifar10({ dir, split: 'test' }) };
}

/**
 * Trains the detector into `out` (classifier.pgc, accuracy.json on the held-out horses, train-log.json).
 * @example const { net, heldOut } = await trainWingDetector(loadPegasi('runs/pegasi-test'), dataDir, 'models/wing-detector');
 */
export async function trainWingDetector(
  pegasi: PegasiSet,
  dataDir: string,
  out: string,
  o: TrainOptions & { readonly cfg?: ClassifierTrainConfig; readonly recordsPerFile?: number } = {},
): Promise<{ net: ResNet9; heldOut: AccuracyReport | null; interrupted: boolean }> {
  const { cfg = defaultWingTrainConfig, recordsPerFile, ...rest } = o;
  const { train, heldOut } = wingSets(pegasi, dataDir, cfg.seed, recordsPerFile);
  const r = await trainClassifier(cfg, train, heldOut, out, rest);
  return { net: r.net, heldOut: r.test, interrupted: r.interrupted };
}
