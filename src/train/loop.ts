/**
 * The loop every training run shares (GAN and diffusion): run updates until the schedule ends or a
 * stop is asked for (Ctrl-C, SIGTERM, or `stopAfterStep` in tests), write sample grids and
 * checkpoints on wall-clock timers, and always end with a final checkpoint and grid, so that an
 * interrupted run loses nothing and `--resume` continues it.
 */

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
  /** When set, a stopped run prints how to continue it: `pegasus train --resume <resumeDir>`. */
  readonly resumeDir?: string;
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
  if (interrupted && o.resumeDir !== undefined) console.error(`stopped at step ${step}; continue with: pegasus train --resume ${o.resumeDir}`);
  return { step, interrupted };
}
