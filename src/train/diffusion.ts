/**
 * The diffusion training run: the same workflow as the GAN's (src/train/gan.ts) — a run folder
 * with config.json, metrics.jsonl, sample grids and atomic checkpoints, progress on stderr, Ctrl-C
 * saving a checkpoint, and `--resume` continuing exactly where the run stopped.
 *
 * A run is a pure function of its config: weights come from Rng(seed), the data order from
 * (seed, epoch) (data/dataLoader.ts), and noise levels, noise and label dropout from one training
 * Rng whose state is saved in every checkpoint.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Rng } from '../engine/index.js';
import { hashInts } from '../data/rng.js';
import { UserError } from '../errors.js';
import { imagesFromNchw, makeGrid, writePng } from '../image/index.js';
import { CHECKPOINT_FILE, createRunFolder, emaFileOutOfStep, MetricsLog, SAMPLES_DIR } from './runFolder.js';
import {
  DIFFUSION_EMA_FILE,
  diffusionEmaContents,
  diffusionTrainContents,
  loadDiffusionTrainState,
  saveDiffusionEma,
} from '../diffusion/checkpoint.js';
import { saveCheckpoints } from '../nn/index.js';
import type { DiffusionRunConfig } from '../diffusion/config.js';
import { DIFFUSION_METRICS_COLUMNS, type DiffusionMetricsLine } from '../diffusion/metrics.js';
import { sampleDiffusion } from '../diffusion/sample.js';
import { createDiffusionSession, diffusionTrainStep, emaNetwork, type DiffusionSession } from '../diffusion/trainStep.js';
import { RunMonitor, runLoader, runTrainingLoop, type RunSessionOptions } from './loop.js';

export interface DiffusionRunOptions extends RunSessionOptions {
  readonly config: DiffusionRunConfig; // resolved; for a resume, the run's own config (steps may be raised)
}

export interface DiffusionRunResult {
  readonly step: number; // updates done
  readonly interrupted: boolean; // stopped before config.train.steps
}

const TRAIN_STREAM = 0x64696674; // 'dift': noise levels, noise, label dropout

/**
 * The per-class grid of the EMA network: one row per class, one column per seed 0…cols−1 (so a
 * column shares its starting noise across classes), guided with `sampleGuidance`.
 */
export function writeDiffusionGrid(path: string, s: DiffusionSession): void {
  const t = s.config.train;
  const net = emaNetwork(s);
  const u = net.config;
  const rows = t.classes.map((_, k) =>
    sampleDiffusion(net, s.config.edm, {
      concepts: [{ classIndex: k, weight: t.sampleGuidance }],
      seeds: Array.from({ length: t.samplesPerClass }, (_, j) => j),
      steps: t.sampleSteps,
      sampler: 'heun',
    }),
  );
  const images = rows.flatMap((x) => imagesFromNchw(x.data, t.samplesPerClass, u.inChannels, u.imageSize, u.imageSize));
  mkdirSync(dirname(path), { recursive: true });
  writePng(path, makeGrid(images, { cols: t.samplesPerClass, scale: 2, rowLabels: t.classes }));
}

/**
 * Trains until `config.train.steps` updates are done or a stop is requested.
 *
 * @example await runDiffusionTraining({ runDir: 'runs/d', dataDir, config: resolveDiffusionConfig('cpu'), resume: false });
 */
export async function runDiffusionTraining(opts: DiffusionRunOptions): Promise<DiffusionRunResult> {
  const { config, runDir } = opts;
  const t = config.train;
  if (config.unet.imageSize !== 32 || config.unet.inChannels !== 3) {
    throw new UserError(
      `CIFAR-10 images are 3×32×32; this U-Net expects ${config.unet.inChannels}×${config.unet.imageSize}×${config.unet.imageSize}`,
    );
  }
  const { loader, toClass } = runLoader(opts, t);

  const s = createDiffusionSession(config, new Rng(hashInts(t.seed, TRAIN_STREAM)));
  let elapsedBefore = 0;
  if (opts.resume) {
    elapsedBefore = loadDiffusionTrainState(join(runDir, CHECKPOINT_FILE), s);
    if (emaFileOutOfStep(join(runDir, DIFFUSION_EMA_FILE), s.step)) saveDiffusionEma(join(runDir, DIFFUSION_EMA_FILE), s);
  } else createRunFolder(runDir, config);
  const metrics = new MetricsLog<DiffusionMetricsLine>(runDir, s.step, DIFFUSION_METRICS_COLUMNS);

  const monitor = new RunMonitor(opts, t.steps, s.step, () => s.step, ['loss']);
  const wall = monitor.wall;

  const checkpoint = (): void => {
    // the pair moves together: both written first, then renamed (the EMA file first)
    saveCheckpoints([
      { path: join(runDir, DIFFUSION_EMA_FILE), contents: diffusionEmaContents(s) },
      { path: join(runDir, CHECKPOINT_FILE), contents: diffusionTrainContents(s, elapsedBefore + wall()) },
    ]);
  };
  const sample = (): void => {
    writeDiffusionGrid(join(runDir, SAMPLES_DIR, `step-${String(s.step).padStart(6, '0')}.png`), s);
  };

  const updateOnce = (): number => {
    const batch = loader.batch(s.step);
    const labels = Int32Array.from(batch.labels, (l) => toClass[l]!);
    const m = diffusionTrainStep(s, batch.images, labels);
    if (!Number.isFinite(m.loss)) {
      throw new UserError(
        `training diverged at step ${s.step} (loss ${m.loss}); the last good checkpoint is kept in ` +
          `${join(runDir, CHECKPOINT_FILE)}; resume it, or start again with a lower --lr or another --seed`,
      );
    }
    if (s.step % t.logEvery === 0 || s.step === t.steps) {
      const imagesPerSecond = monitor.imagesPerSecond(s.step, t.batchSize);
      metrics.append({
        step: s.step,
        epoch: batch.epoch,
        loss: m.loss,
        gradNorm: m.gradNorm,
        lr: m.lr,
        imagesPerSecond,
        elapsedSeconds: elapsedBefore + wall(),
      });
      monitor.progress?.update({ step: s.step, epoch: batch.epoch, losses: { loss: m.loss }, imagesPerSecond });
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
    // NOTE: no grid at step 1 (it costs hundreds of network evaluations); one at the end always.
    sampleAtStart: false,
    ...monitor.loopOptions(opts),
  });
  return { step: s.step, interrupted };
}
