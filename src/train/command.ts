/**
 * What `pegasus train` does with its parsed flags: resolve the config (or read the run's own for
 * --resume), find the data, and run the loop. Kept out of src/cli so the CLI file stays a list of
 * flags.
 */
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { LrDecay, ModelKind, RunConfig } from './config.js';
import { checkLrDecay } from './lrSchedule.js';
import type { AugmentPolicy } from '../models/cgan/diffAugment.js';
import { resolveRunConfig, stepsForEpochsOn } from './resolve.js';
import { CHECKPOINT_FILE, readRunConfig, runDataDir } from './runFolder.js';
import { trainRun } from './gan.js';
import { checkpointStep } from './trainState.js';
import { checkResumable } from './resume.js';
import { trainInRunFolder } from './runLock.js';

export interface TrainCommandOptions {
  readonly model: ModelKind;
  readonly preset: string;
  readonly classes?: string[];
  readonly steps?: number;
  readonly epochs?: number;
  readonly batch?: number;
  readonly seed?: number;
  readonly lrG?: number;
  readonly lrD?: number;
  /** Linear decay of both learning rates to zero; allowed on --resume from the checkpoint's step on. */
  readonly lrDecay?: LrDecay;
  /** DiffAugment transforms (default: the preset's). */
  readonly augment?: AugmentPolicy[];
  /** Start a new run from another run's training checkpoint or from a generator file (same networks). */
  readonly initFrom?: string;
  /** Hold the generator still for the first N updates of a new run, so that D catches up. */
  readonly dWarmup?: number;
  /** Weight of the Dual Projection class loss (cgan). */
  readonly classLoss?: number;
  /** Composites folder of the pegasus class. */
  readonly pegasi?: string;
  /** New classes (absent from --init-from's checkpoint) → the class each starts as a copy of. */
  readonly initClass?: Record<string, string>;
  /** Which of G's weights are trained. */
  readonly trainG?: 'all' | 'conditional';
  readonly data?: string;
  readonly out?: string;
  readonly resume?: string;
  readonly recordsPerFile: number;
  /** Flags typed on the command line (not defaults): --model and --preset are refused with --resume. */
  readonly given?: readonly string[];
}

/** Flags that would change a run's schedule and so cannot be given with --resume. */
const FIXED_ON_RESUME = [
  'classes',
  'batch',
  'seed',
  'lrG',
  'lrD',
  'augment',
  'initFrom',
  'dWarmup',
  'classLoss',
  'pegasi',
  'initClass',
  'trainG',
  'out',
] as const;

export async function runTrainCommand(o: TrainCommandOptions): Promise<void> {
  const dataDir = runDataDir(o.data, o.resume);
  let config: RunConfig;
  let runDir: string;
  let resume = false;
  if (o.resume !== undefined) {
    runDir = o.resume;
    resume = checkResumable(runDir, CHECKPOINT_FILE, [
      ...FIXED_ON_RESUME.filter((k) => o[k] !== undefined),
      ...(o.given ?? []).filter((k) => k === 'preset'),
    ]);
    const saved = readRunConfig(runDir);
    if (o.given?.includes('model') && saved.model !== o.model)
      throw new UserError(`${runDir} is a ${saved.model} run; drop --model ${o.model}`);
    const steps =
      o.steps ?? (o.epochs !== undefined ? stepsForEpochsOn(o.epochs, saved.train, dataDir, o.recordsPerFile) : saved.train.steps);
    const at = resume ? checkpointStep(join(runDir, CHECKPOINT_FILE)) : 0;
    if (steps <= at) {
      throw new UserError(
        `${runDir} is already at update ${at}${o.steps !== undefined || o.epochs !== undefined ? '' : `, the end of its ${steps} steps`}; give --steps above ${at} to go on`,
      );
    }
    config = { ...saved, train: { ...saved.train, steps, ...(o.lrDecay !== undefined && { lrDecay: o.lrDecay }) } };
  } else {
    const base = resolveRunConfig(o.model, o.preset, {
      classes: o.classes,
      steps: o.steps,
      batchSize: o.batch,
      seed: o.seed,
      lrG: o.lrG,
      lrD: o.lrD,
      lrDecay: o.lrDecay,
      augment: o.augment,
      initFrom: o.initFrom,
      classLoss: o.classLoss,
      pegasi: o.pegasi,
      initClasses: o.initClass,
      trainG: o.trainG,
      // the run's first update is the one after the checkpoint it starts from
      holdGUntil: o.dWarmup === undefined ? undefined : (o.initFrom !== undefined ? checkpointStep(o.initFrom) : 0) + o.dWarmup,
    });
    config =
      o.epochs === undefined
        ? base
        : { ...base, train: { ...base.train, steps: stepsForEpochsOn(o.epochs, base.train, dataDir, o.recordsPerFile) } };
    runDir = o.out ?? join('runs', `${o.model}-${o.preset}`);
  }
  checkLrDecay(config.train);
  await trainInRunFolder(runDir, { resuming: o.resume !== undefined, restarting: o.resume !== undefined && !resume, dataDir }, () =>
    trainRun({ runDir, dataDir, config, resume, recordsPerFile: o.recordsPerFile }),
  );
}
