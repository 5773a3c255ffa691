/**
 * The loop every training run shares (GAN, diffusion and classifier): run updates until the schedule ends or a
 * stop is asked for (Ctrl-C, SIGTERM, or `stopAfterStep` in tests), write sample grids and
 * checkpoints on wall-clock timers, and always end with a final checkpoint and grid, so that an
 * interrupted run loses nothing and `--resume` continues it.
 */
import { loadCifar10, type Cifar10Set } from '../data/cifar10.js';
import { IMAGE_BYTES } from '../data/cifar10Format.js';
import { PEGASUS_CLASS, PEGASUS_LABEL, loadPegasi } from '../pegasi/dataset.js';
import { DataLoader } from '../data/dataLoader.js';
import { TrainProgress } from './progress.js';
import { cifarClasses, labelToClassIndex } from './resolve.js';

export interface TrainingLoopOptions {
  /** The step the run starts from (0, or the resumed checkpoint's). */
  readonly startStep: number;
  /** The schedule's last step. */
  readonly totalSteps: number;
  /** Seconds since the loop's start (the caller's clock, also used in its metrics). */
  readonly wall: () => number;
  /** One update (with its own logging); returns the step count after it. Throws to abort. */
  readonly step: () => number;
  readonly checkpoint: () => void;
  readonly sample: () => void;
  readonly checkpointEverySeconds: number;
  readonly sampleEverySeconds: number;
  /** Write a grid after the first update (cheap for a GAN; a diffusion grid costs many passes). */
  readonly sampleAtStart: boolean;
  /** Stop cleanly on SIGINT/SIGTERM (default true). */
  readonly handleSignals?: boolean;
  /** Tests: request a stop once this step is reached (as Ctrl-C would). */
  readonly stopAfterStep?: number;
  /** Runs last, whatever happened (e.g. closing the progress bar). */
  readonly onFinally?: () => void;
  /** When set, a stopped run prints this command as the way to continue it. */
  readonly resumeCommand?: string;
}

export interface TrainingLoopResult {
  readonly step: number;
  /** True when the loop stopped before `totalSteps`. */
  readonly interrupted: boolean;
}

/** @example const { interrupted } = await runTrainingLoop({ startStep: 0, totalSteps: 100, ... }); */
export async function runTrainingLoop(o: TrainingLoopOptions): Promise<TrainingLoopResult> {
  let stopRequested = false;
  const onSignal = (): void => {
    stopRequested = true;
  };
  if (o.handleSignals !== false) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  let step = o.startStep;
  let lastCheckpoint = o.wall();
  let lastSample = o.sampleAtStart ? -Infinity : 0;
  try {
    while (step < o.totalSteps && !stopRequested) {
      step = o.step();
      if (o.wall() - lastSample >= o.sampleEverySeconds) {
        o.sample();
        lastSample = o.wall();
      }
      if (o.wall() - lastCheckpoint >= o.checkpointEverySeconds) {
        o.checkpoint();
        lastCheckpoint = o.wall();
      }
      if (o.stopAfterStep !== undefined && step >= o.stopAfterStep) stopRequested = true;
      // NOTE: yield to the event loop so that a SIGINT handler can run between steps.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    o.checkpoint();
    o.sample();
  } finally {
    o.onFinally?.();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const interrupted = step < o.totalSteps;
  if (interrupted && o.resumeCommand !== undefined) console.error(`stopped at step ${step}; continue with: ${o.resumeCommand}`);
  return { step, interrupted };
}

/** What the options of every run (GAN and diffusion) share. */
export interface RunSessionOptions {
  readonly runDir: string; // the run folder (created for a new run, read for a resume)
  readonly dataDir: string; // the CIFAR-10 binary folder
  readonly resume: boolean; // continue from runDir/checkpoint.pgc
  readonly handleSignals?: boolean; // SIGINT/SIGTERM save a checkpoint and stop; default true
  readonly progress?: boolean; // show progress on stderr; default true
  readonly stopAfterStep?: number; // stop as if interrupted once this step is done (tests)
  readonly recordsPerFile?: number; // records per CIFAR-10 file (fixtures); default the official 10,000
}

/** The training-set settings a run's loader needs. */
interface LoaderSettings {
  readonly classes: readonly string[];
  readonly pegasi?: string;
  readonly batchSize: number;
  readonly seed: number;
  readonly randomFlip: boolean;
}

/**
 * The run's training images in their seeded order, and the map from CIFAR-10 label to the run's
 * class index.
 */
export function runLoader(opts: RunSessionOptions, t: LoaderSettings): { loader: DataLoader; toClass: Int32Array } {
  const cifar = loadCifar10({
    dir: opts.dataDir,
    split: 'train',
    classes: cifarClasses(t.classes),
    ...(opts.recordsPerFile !== undefined && { recordsPerFile: opts.recordsPerFile }),
  });
  const set = t.pegasi === undefined ? cifar : withPegasi(cifar, loadPegasi(t.pegasi).images);
  return {
    loader: new DataLoader(set, { batchSize: t.batchSize, seed: t.seed, flip: t.randomFlip }),
    toClass: labelToClassIndex(t.classes),
  };
}

/** The set with the composites appended as images of label PEGASUS_LABEL. */
function withPegasi(set: Cifar10Set, pegasi: Uint8Array): Cifar10Set {
  const extra = pegasi.length / IMAGE_BYTES;
  const count = set.count + extra;
  const images = new Uint8Array(count * IMAGE_BYTES);
  images.set(set.images);
  images.set(pegasi, set.images.length);
  const labels = new Uint8Array(count).fill(PEGASUS_LABEL);
  labels.set(set.labels);
  return { count, images, labels, classNames: [...set.classNames, PEGASUS_CLASS], shape: [count, 3, 32, 32] };
}

/**
 * The clock of one training session (from its start or resume), the progress bar, and the
 * images/second between logged steps.
 */
export class RunMonitor {
  private readonly t0 = performance.now() / 1000;
  private lastLogWall = 0;
  private lastLogStep: number;
  readonly progress: TrainProgress | null;

  /**
   * @param step the run's current step (read whenever the bar estimates time left)
   * @example const m = new RunMonitor(opts, t.steps, s.step, () => s.step, ['loss']);
   */
  constructor(
    opts: RunSessionOptions,
    totalSteps: number,
    private readonly startStep: number,
    step: () => number,
    lossNames: readonly string[],
  ) {
    this.lastLogStep = startStep;
    this.progress =
      opts.progress === false
        ? null
        : new TrainProgress(totalSteps, startStep, () => (step() - this.startStep) / Math.max(this.wall(), 1e-9), lossNames);
  }

  /** Seconds since this session started. */
  readonly wall = (): number => performance.now() / 1000 - this.t0;

  /** Images per second since the previous call (or the session's start). */
  imagesPerSecond(step: number, imagesPerStep: number): number {
    const now = this.wall();
    const rate = ((step - this.lastLogStep) * imagesPerStep) / Math.max(now - this.lastLogWall, 1e-9);
    this.lastLogStep = step;
    this.lastLogWall = now;
    return rate;
  }

  /** The loop options that come from the run's options and this monitor. */
  loopOptions(
    opts: RunSessionOptions,
  ): Pick<TrainingLoopOptions, 'wall' | 'handleSignals' | 'stopAfterStep' | 'onFinally' | 'resumeCommand'> {
    return {
      wall: this.wall,
      ...(opts.handleSignals !== undefined && { handleSignals: opts.handleSignals }),
      ...(opts.stopAfterStep !== undefined && { stopAfterStep: opts.stopAfterStep }),
      onFinally: () => this.progress?.stop(),
      ...(opts.progress !== false && { resumeCommand: `pegasus train --resume ${opts.runDir}` }),
    };
  }
}
