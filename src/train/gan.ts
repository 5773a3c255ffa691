/**
 * The GAN training loop: alternating discriminator and generator updates, with metrics, sample
 * grids, checkpoints, Ctrl-C handling, resume and a divergence guard.
 *
 * A run is a pure function of its config (STYLE.md habit 11): the weights come from Rng(seed),
 * the data order from (seed, epoch) (see data/dataLoader.ts), and noise, fake labels and
 * augmentation from one training Rng whose state is saved in every checkpoint. Resuming from the
 * checkpoint of step s therefore continues exactly as if the run had never stopped.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { add, concat, crossEntropy, mul, noGrad, randn, Rng, slice, tensor, tidy, type Tensor } from '../engine/index.js';
import type { DataLoader } from '../data/dataLoader.js';
import { hashInts } from '../data/rng.js';
import { UserError } from '../errors.js';
import { diffAugment } from '../models/cgan/diffAugment.js';
import { Adam, EMA, saveCheckpoints } from '../nn/index.js';
import type { RunConfig } from './config.js';
import { buildGanPair, type GanPair, type ImageGenerator } from './ganPair.js';
import { gradNorm, setRequiresGrad } from './paramUtils.js';
import { CHECKPOINT_FILE, EMA_FILE, MetricsLog, SAMPLES_DIR, createRunFolder, emaFileOutOfStep, writeRunConfig } from './runFolder.js';
import { HeldOutProbe } from './heldOut.js';
import { lrScale, lrScaleG } from './lrSchedule.js';
import { writeSampleGrid } from './sampleGrid.js';
import { standingStats } from './standingStats.js';
import {
  emaGeneratorContents,
  loadInitState,
  loadTrainState,
  saveEmaGenerator,
  trainStateContents,
  type LoadedTrainState,
  type TrainState,
} from './trainState.js';
import { RunMonitor, runLoader, runTrainingLoop, type RunSessionOptions } from './loop.js';

export interface TrainRunOptions extends RunSessionOptions {
  readonly config: RunConfig; // resolved; for a resume, the run's own config (steps may be raised)
}

export interface TrainResult {
  readonly step: number; // generator updates done
  readonly interrupted: boolean; // stopped by a signal or stopAfterStep before config.train.steps
}

// Independent random streams derived from the one seed.
const TRAIN_STREAM = 0x7472616e; // 'tran': noise, fake labels, augmentation
const SAMPLE_STREAM = 0x73616d70; // 'samp': the fixed noise of the sample grids
const STANDING_STREAM = 0x7374616e; // 'stan': the noise of the EMA generator's standing statistics
/** Training and as many test images the held-out probe scores D on. */
const HELD_OUT_IMAGES = 512;

/** The mutable state of a run in memory. */
interface Session {
  readonly pair: GanPair;
  /** The moving average of G's weights (Yazıcı et al. 2019), used for samples and exported. */
  readonly ema: EMA;
  /** A generator the EMA weights are copied into for drawing sample grids. */
  readonly emaG: ImageGenerator;
  readonly optG: Adam;
  readonly optD: Adam;
  readonly rng: Rng;
  step: number;
  elapsedSeconds: number;
}

/**
 * Trains until `config.train.steps` generator updates are done or a stop is requested.
 *
 * @example await trainRun({ runDir: 'runs/a', dataDir, config: resolveRunConfig('cgan', 'tiny', {}), resume: false });
 */
export async function trainRun(opts: TrainRunOptions): Promise<TrainResult> {
  const { config, runDir } = opts;
  const t = config.train;
  const { loader, toClass } = runLoader(opts, t);

  const s = newSession(config);
  const pair = s.pair;
  let repairEmaFile = false;
  if (opts.resume) {
    restore(s, loadTrainState(join(runDir, CHECKPOINT_FILE), config));
    writeRunConfig(runDir, config); // the length (and any decay) this run now goes on with
    repairEmaFile = emaFileOutOfStep(join(runDir, EMA_FILE), s.step);
  } else if (t.initFrom !== undefined) {
    // a new run that goes on from another run's checkpoint (networks, optimiser states, step and
    // Rng) or from a generator file (G and its average; D and the optimisers stay new)
    const from = loadInitState(t.initFrom, config);
    createRunFolder(runDir, config);
    restore(s, from);
  } else {
    createRunFolder(runDir, config);
  }
  const metrics = new MetricsLog(runDir, s.step);
  const probe =
    t.heldOutEvery === undefined
      ? null
      : HeldOutProbe.load({
          train: loader.set,
          dataDir: opts.dataDir,
          classes: t.classes,
          n: HELD_OUT_IMAGES,
          seed: t.seed,
          ...(opts.recordsPerFile !== undefined && { recordsPerFile: opts.recordsPerFile }),
        });
  const fixed = fixedSampleInputs(config, pair.zDim);

  const monitor = new RunMonitor(opts, t.steps, s.step, () => s.step, ['lossD', 'lossG']);
  const wall = monitor.wall;

  // The EMA weights in a generator with its own batch-norm statistics (see standingStats.ts),
  // prepared at most once per step for both the sample grid and generator-ema.pgc.
  let emaReadyAt = -1;
  const emaGenerator = (): ImageGenerator => {
    if (emaReadyAt !== s.step) {
      s.ema.copyTo(s.emaG);
      standingStats(s.emaG, { zDim: pair.zDim, numClasses: t.classes.length, seed: hashInts(t.seed, STANDING_STREAM) });
      emaReadyAt = s.step;
    }
    return s.emaG;
  };
  const checkpoint = (): void => {
    // the pair moves together: both written first, then renamed (the EMA file first)
    saveCheckpoints([
      { path: join(runDir, EMA_FILE), contents: emaGeneratorContents(config, emaGenerator().stateDict(), s.step) },
      { path: join(runDir, CHECKPOINT_FILE), contents: trainStateContents(config, snapshot(s, wall())) },
    ]);
  };
  if (repairEmaFile) saveEmaGenerator(join(runDir, EMA_FILE), config, emaGenerator().stateDict(), s.step);
  const sample = (): void => {
    writeSampleGrid(
      join(runDir, SAMPLES_DIR, `step-${String(s.step).padStart(6, '0')}.png`),
      emaGenerator(),
      fixed,
      t.samplesPerClass,
      config.model === 'cgan' ? t.classes : undefined,
    );
  };

  const updateOnce = (): number => {
    const r = trainStep(s, config, loader, toClass);
    if (!Number.isFinite(r.lossD) || !Number.isFinite(r.lossG)) {
      const kept = existsSync(join(runDir, CHECKPOINT_FILE))
        ? `the last good checkpoint is kept in ${join(runDir, CHECKPOINT_FILE)}`
        : 'no checkpoint had been written yet';
      throw new UserError(
        `training diverged at step ${s.step + 1} (lossD ${r.lossD}, lossG ${r.lossG}); ${kept}; ` +
          'start again with lower learning rates (--lr, --lr-d) or another --seed',
      );
    }
    advance(s, t);
    const probeNow = probe !== null && s.step % t.heldOutEvery! === 0;
    if (s.step % t.logEvery === 0 || s.step === t.steps || probeNow) {
      const imagesPerSecond = monitor.imagesPerSecond(s.step, t.batchSize * t.nDis);
      metrics.append({
        step: s.step,
        epoch: r.epoch,
        lossD: r.lossD,
        lossG: r.lossG,
        dReal: r.dReal,
        dFake: r.dFake,
        gradNormD: r.gradNormD,
        gradNormG: r.gradNormG,
        ...(r.classCeReal !== undefined && { classCeReal: r.classCeReal, classCeFake: r.classCeFake }),
        imagesPerSecond,
        elapsedSeconds: s.elapsedSeconds + wall(),
        ...(probeNow && probe.measure(s.pair)),
      });
      monitor.progress?.update({ step: s.step, epoch: r.epoch, losses: { lossD: r.lossD, lossG: r.lossG }, imagesPerSecond });
    }
    return s.step;
  };

  const { interrupted } = await runTrainingLoop({
    startStep: s.step,
    totalSteps: t.steps,
    step: updateOnce,
    checkpoint,
    sample,
    checkpointEverySeconds: t.checkpointEverySeconds,
    sampleEverySeconds: t.sampleEverySeconds,
    sampleAtStart: true,
    ...monitor.loopOptions(opts),
  });
  return { step: s.step, interrupted };
}

/** A new pair with its optimisers, average and random stream, at step 0. */
function newSession(config: RunConfig): Session {
  const t = config.train;
  const initRng = new Rng(t.seed);
  const pair = buildGanPair(config, initRng);
  return {
    pair,
    ema: new EMA(pair.generator, t.emaDecay),
    emaG: pair.newGenerator(initRng),
    optG: new Adam(trainedGeneratorWeights(pair, t.trainG ?? 'all'), { lr: t.lrG, betas: [t.beta1, t.beta2] }),
    optD: new Adam(pair.discriminator.parameters(), { lr: t.lrD, betas: [t.beta1, t.beta2] }),
    rng: new Rng(hashInts(t.seed, TRAIN_STREAM)),
    step: 0,
    elapsedSeconds: 0,
  };
}

/** Counts the update and moves the average (until emaStart it just follows G: early weights are not worth averaging in). */
function advance(s: Session, t: RunConfig['train']): void {
  s.step++;
  if (s.step <= t.emaStart) s.ema.loadStateDict(s.pair.generator.stateDict());
  else s.ema.update();
}

/**
 * Updates of a new pair on batches from `batches`, as trainRun makes them (D's nDis updates, G's,
 * the average) but without a run folder: what benchmarks time.
 * @example const update = ganUpdater(resolveRunConfig('cgan', 'cpu-ttur', {}), randomBatches, toClass); update();
 */
export function ganUpdater(config: RunConfig, batches: BatchSource, toClass: Int32Array): () => void {
  const s = newSession(config);
  return () => {
    trainStep(s, config, batches, toClass);
    advance(s, config.train);
  };
}

/** Where updates take their real images from (a DataLoader, or anything that gives batches by index). */
export type BatchSource = Pick<DataLoader, 'batch'>;

interface StepResult {
  readonly epoch: number;
  readonly lossD: number;
  readonly lossG: number;
  readonly dReal: number;
  readonly dFake: number;
  readonly gradNormD: number;
  readonly gradNormG: number;
  /** With a class loss: cross-entropy of D's class logits on the last real batch and on G's batch. */
  readonly classCeReal?: number;
  readonly classCeFake?: number;
}

/**
 * The generator weights the optimiser updates; with 'conditional' the others are frozen
 * (requiresGrad off, so no weight gradient is computed for them either).
 */
function trainedGeneratorWeights(pair: GanPair, which: 'all' | 'conditional'): Tensor[] {
  const named = pair.generator.namedParameters();
  if (which === 'all') return named.map(([, p]) => p);
  const conditional = (name: string): boolean => name === 'embed.weight' || /\.bn[12]\.(gamma|beta)\./.test(name);
  const kept = named.filter(([name]) => conditional(name));
  if (kept.length === 0) throw new UserError('--train-g conditional needs the class-conditional generator (--model cgan)');
  for (const [name, p] of named) if (!conditional(name)) p.requiresGrad = false;
  return kept.map(([, p]) => p);
}

/** nDis discriminator updates, then one generator update. */
function trainStep(s: Session, config: RunConfig, loader: BatchSource, toClass: Int32Array): StepResult {
  const t = config.train;
  const { pair, rng } = s;
  const G = pair.generator;
  const D = pair.discriminator;
  const n = t.batchSize;
  const numClasses = t.classes.length;
  const scale = lrScale(t, s.step);
  s.optD.lr = t.lrD * scale;
  s.optG.lr = t.lrG * lrScaleG(t, s.step);
  const augment = (x: Tensor): Tensor => (t.augment.length > 0 ? diffAugment(x, t.augment, rng) : x);
  const randomLabels = (): Int32Array => Int32Array.from({ length: n }, () => rng.int(numClasses));
  const classLoss = t.classLoss ?? 0;
  let classCeReal = NaN;
  let classCeFake = NaN;
  /** loss + λ·CE(classLogits, labels) (TrainConfig.classLoss), and the CE for the metrics line. */
  const plusClassTerm = (loss: Tensor, classLogits: Tensor, labels: Int32Array): [Tensor, number] => {
    const ce = crossEntropy(classLogits, labels);
    return [add(loss, mul(ce, classLoss)), ce.item()];
  };
  /** G's loss on its images of `labels`: the adversarial loss, plus the class term with a class loss. */
  const generatorLoss = (x: Tensor, labels: Int32Array): Tensor => {
    if (classLoss === 0) return pair.lossG(pair.discriminate(x, labels));
    const { logits, classLogits } = withClasses(pair)(x, labels);
    const [loss, ce] = plusClassTerm(pair.lossG(logits), classLogits, labels);
    classCeFake = ce;
    return loss;
  };

  let epoch = 0;
  let lossD = NaN;
  let dReal = NaN;
  let dFake = NaN;
  let gradNormD = NaN;
  for (let k = 0; k < t.nDis; k++) {
    tidy(() => {
      const batch = loader.batch(s.step * t.nDis + k);
      epoch = batch.epoch;
      const real = tensor(batch.images, [n, 3, 32, 32]);
      const realLabels = Int32Array.from(batch.labels, (l) => toClass[l]!);
      const fakeLabels = randomLabels();
      const z = randn([n, pair.zDim], rng);
      const fake = noGrad(() => G.forward(z, fakeLabels));
      const [realLogits, fakeLogits, realClassLogits] = discriminateBoth(
        pair,
        augment(real),
        realLabels,
        augment(fake),
        fakeLabels,
        classLoss > 0,
      );
      let loss = pair.lossD(realLogits, fakeLogits);
      if (realClassLogits !== undefined) [loss, classCeReal] = plusClassTerm(loss, realClassLogits, realLabels);
      s.optD.zeroGrad();
      loss.backward();
      gradNormD = gradNorm(D);
      s.optD.step();
      lossD = loss.item();
      dReal = meanOf(realLogits);
      dFake = meanOf(fakeLogits);
    });
  }
  let lossG = NaN;
  let gradNormG = NaN;
  tidy(() => {
    const fakeLabels = randomLabels();
    const z = randn([n, pair.zDim], rng);
    if (t.holdGUntil !== undefined && s.step < t.holdGUntil) {
      // G is held still while a new D warms up: its loss is only logged. The forward pass still
      // runs (the random stream, G's batch statistics and D's power iteration advance as in an
      // update), but there is no backward pass and no Adam step: G's Adam state starts after the hold.
      lossG = noGrad(() => generatorLoss(augment(G.forward(z, fakeLabels)), fakeLabels)).item();
      gradNormG = 0;
      return;
    }
    // NOTE: D's weights need no gradient in the G step; switching it off skips D's weight-gradient work.
    setRequiresGrad(D, false);
    try {
      const loss = generatorLoss(augment(G.forward(z, fakeLabels)), fakeLabels);
      s.optG.zeroGrad();
      loss.backward();
      lossG = loss.item();
    } finally {
      setRequiresGrad(D, true);
    }
    gradNormG = gradNorm(G);
    s.optG.step();
  });
  return { epoch, lossD, lossG, dReal, dFake, gradNormD, gradNormG, ...(classLoss > 0 && { classCeReal, classCeFake }) };
}

/**
 * D's logits on the real and on the fake batch, and with `classes` its class logits on the real
 * batch. NOTE: where allowed (see GanPair.jointBatch) they go through D as one batch of 2n: one set
 * of larger convolutions is cheaper than two.
 */
function discriminateBoth(
  pair: GanPair,
  real: Tensor,
  realLabels: Int32Array,
  fake: Tensor,
  fakeLabels: Int32Array,
  classes: boolean,
): [Tensor, Tensor, Tensor | undefined] {
  const d = (x: Tensor, labels: Int32Array): { logits: Tensor; classLogits?: Tensor } =>
    classes ? withClasses(pair)(x, labels) : { logits: pair.discriminate(x, labels) };
  if (!pair.jointBatch) {
    const r = d(real, realLabels);
    return [r.logits, pair.discriminate(fake, fakeLabels), r.classLogits];
  }
  const n = realLabels.length;
  const labels = new Int32Array(n + fakeLabels.length);
  labels.set(realLabels);
  labels.set(fakeLabels, n);
  const { logits, classLogits } = d(concat([real, fake], 0), labels);
  return [slice(logits, [0], [n]), slice(logits, [n], [logits.shape[0]!]), classLogits && slice(classLogits, [0], [n])];
}

function withClasses(pair: GanPair): NonNullable<GanPair['discriminateWithClasses']> {
  if (pair.discriminateWithClasses === undefined) throw new UserError('--class-loss needs a conditional discriminator (--model cgan)');
  return pair.discriminateWithClasses;
}

function meanOf(x: Tensor): number {
  const d = x.data;
  let acc = 0;
  for (let i = 0; i < d.length; i++) acc += d[i]!;
  return acc / d.length;
}

/** The fixed noise and labels of the sample grids: samplesPerClass latents per class, rows = classes. */
export function fixedSampleInputs(config: RunConfig, zDim: number): { z: Tensor; labels: Int32Array } {
  const t = config.train;
  const rng = new Rng(hashInts(t.seed, SAMPLE_STREAM));
  const n = t.classes.length * t.samplesPerClass;
  const labels = Int32Array.from({ length: n }, (_, i) => Math.floor(i / t.samplesPerClass));
  return { z: randn([n, zDim], rng), labels };
}

function snapshot(s: Session, wallSeconds: number): TrainState {
  return {
    generator: s.pair.generator,
    discriminator: s.pair.discriminator,
    ema: s.ema,
    optG: s.optG,
    optD: s.optD,
    step: s.step,
    rngState: s.rng.state(),
    elapsedSeconds: s.elapsedSeconds + wallSeconds,
  };
}

function restore(s: Session, loaded: LoadedTrainState): void {
  loaded.apply(snapshot(s, 0));
  s.step = loaded.step;
  if (loaded.rngState !== undefined) s.rng.setState(loaded.rngState);
  s.elapsedSeconds = loaded.elapsedSeconds;
}
