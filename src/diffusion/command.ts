/**
 * What `pegasus train --model diffusion` and `pegasus sample --model diffusion` do with their
 * parsed flags. The CLI files (src/cli/train.ts, src/cli/sample.ts) stay lists of flags and hand
 * over here when the model is a diffusion model.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { assertPngOut, imagesFromNchw, makeGrid, writePng } from '../image/index.js';
import { CHECKPOINT_FILE, CONFIG_FILE, readRunConfig, runDataDir } from '../train/runFolder.js';
import { trainInRunFolder } from '../train/runLock.js';
import { loadDiffusionModel } from './checkpoint.js';
import type { DiffusionRunConfig } from './config.js';
import { parseConcepts } from './guidance.js';
import { resolveDiffusionConfig } from './resolve.js';
import { runDiffusionTraining } from '../train/diffusion.js';
import { DEFAULT_SAMPLE_STEPS, sampleDiffusion, SAMPLER_KINDS, type SamplerKind } from './sample.js';
import { stepsForEpochsOn } from '../train/resolve.js';
import { checkResumable } from '../train/resume.js';

/** The flags of `pegasus train` that a diffusion run uses (the GAN's --lr-d has no meaning here). */
export interface DiffusionTrainCommandOptions {
  readonly preset: string;
  readonly classes?: string[];
  readonly steps?: number;
  readonly epochs?: number;
  readonly batch?: number;
  readonly seed?: number;
  readonly lrG?: number; // the learning rate of the one network
  readonly lrD?: number; // refused
  readonly lrDecay?: unknown; // refused: the diffusion run has its own warm-up schedule
  readonly augment?: unknown; // refused: the GAN discriminator's DiffAugment
  readonly initFrom?: unknown; // refused: GAN runs only
  readonly dWarmup?: unknown; // refused: GAN runs only
  readonly classLoss?: unknown; // refused: the GAN discriminator's class loss
  readonly data?: string;
  readonly out?: string;
  readonly resume?: string;
  readonly recordsPerFile: number;
  /** The model asked for (only checked against the run's on --resume). */
  readonly model?: string;
  /** Flags typed on the command line (not defaults): --preset is refused with --resume, --model checked. */
  readonly given?: readonly string[];
}

/** Whether `dir` is a run folder of a diffusion run (its config.json says model "diffusion"). */
export function isDiffusionRunDir(dir: string): boolean {
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path)) return false;
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { model?: unknown }).model === 'diffusion';
  } catch {
    return false;
  }
}

const FIXED_ON_RESUME = ['classes', 'batch', 'seed', 'lrG', 'out'] as const;

/**
 * Starts (or, with --resume, continues) a diffusion run.
 *
 * @example await runDiffusionTrainCommand({ preset: 'cpu', recordsPerFile: 10000, steps: 1000 })
 */
export async function runDiffusionTrainCommand(o: DiffusionTrainCommandOptions): Promise<void> {
  if (o.lrD !== undefined)
    throw new UserError("--lr-d is the GAN discriminator's learning rate; a diffusion run has one network: use --lr");
  if (o.lrDecay !== undefined)
    throw new UserError("--lr-decay is the GAN's learning-rate decay; a diffusion run keeps its preset's warm-up and constant rate");
  if (o.augment !== undefined)
    throw new UserError("--augment is the GAN discriminator's DiffAugment; a diffusion run has no discriminator");
  if (o.initFrom !== undefined)
    throw new UserError('--init-from starts a GAN run from another GAN run; continue a diffusion run with --resume');
  if (o.dWarmup !== undefined)
    throw new UserError('--d-warmup gives a new GAN discriminator a head start; a diffusion run has no discriminator');
  if (o.classLoss !== undefined)
    throw new UserError('--class-loss trains the GAN discriminator as a classifier; a diffusion run has no discriminator');
  const dataDir = runDataDir(o.data, o.resume);
  let config: DiffusionRunConfig;
  let runDir: string;
  let resume = false;
  if (o.resume !== undefined) {
    runDir = o.resume;
    resume = checkResumable(runDir, CHECKPOINT_FILE, [
      ...FIXED_ON_RESUME.filter((k) => o[k] !== undefined),
      ...(o.given ?? []).filter((k) => k === 'preset'),
    ]);
    if (!isDiffusionRunDir(runDir)) throw new UserError(`${runDir} is not a diffusion run folder`);
    if (o.given?.includes('model') && o.model !== 'diffusion') throw new UserError(`${runDir} is a diffusion run; drop --model ${o.model}`);
    const saved = readRunConfig<DiffusionRunConfig>(runDir);
    const steps =
      o.steps ?? (o.epochs !== undefined ? stepsForEpochsOn(o.epochs, saved.train, dataDir, o.recordsPerFile) : saved.train.steps);
    config = { ...saved, train: { ...saved.train, steps } };
  } else {
    const base = resolveDiffusionConfig(o.preset, { classes: o.classes, steps: o.steps, batchSize: o.batch, seed: o.seed, lr: o.lrG });
    config =
      o.epochs === undefined
        ? base
        : { ...base, train: { ...base.train, steps: stepsForEpochsOn(o.epochs, base.train, dataDir, o.recordsPerFile) } };
    runDir = o.out ?? join('runs', `diffusion-${o.preset}`);
  }
  await trainInRunFolder(runDir, { resuming: o.resume !== undefined, restarting: o.resume !== undefined && !resume, dataDir }, () =>
    runDiffusionTraining({ runDir, dataDir, config, resume, recordsPerFile: o.recordsPerFile }),
  );
}

/** The flags of `pegasus sample` for a diffusion checkpoint. */
export interface DiffusionSampleCommandOptions {
  readonly checkpoint: string;
  /** "horse:3,bird:2,deer:-0.5"; absent or empty = unconditional. */
  readonly concept?: string;
  readonly n: number;
  /** Image i is drawn from seed + i. */
  readonly seed: number;
  readonly steps?: number;
  readonly sampler?: string;
  readonly scale: number;
  readonly out: string;
  /** Replace --out even when it is not a PNG. */
  readonly force?: boolean;
}

/** Parses --sampler. */
export function parseSamplerKind(value: string): SamplerKind {
  if (!(SAMPLER_KINDS as readonly string[]).includes(value)) {
    throw new UserError(`--sampler "${value}": choose ${SAMPLER_KINDS.join(' or ')}`);
  }
  return value as SamplerKind;
}

/**
 * Draws n images with composed guidance into a PNG grid.
 *
 * @example runDiffusionSampleCommand({ checkpoint: 'runs/diffusion-cpu/denoiser-ema.pgc', concept: 'horse:3,bird:2', n: 16, seed: 0, scale: 2, out: 'pegasus.png' })
 */
export function runDiffusionSampleCommand(o: DiffusionSampleCommandOptions): void {
  if (!existsSync(o.checkpoint)) throw new UserError(`--checkpoint ${o.checkpoint}: no such file`);
  assertPngOut(o.out, '--out', o.force);
  const { config, net, step } = loadDiffusionModel(o.checkpoint);
  const concepts = parseConcepts(o.concept ?? '', config.train.classes);
  const sampler = parseSamplerKind(o.sampler ?? 'heun');
  const steps = o.steps ?? DEFAULT_SAMPLE_STEPS;
  const t0 = performance.now();
  const x = sampleDiffusion(net, config.edm, { concepts, seeds: Array.from({ length: o.n }, (_, i) => o.seed + i), steps, sampler });
  const u = config.unet;
  mkdirSync(dirname(o.out), { recursive: true });
  writePng(o.out, makeGrid(imagesFromNchw(x.data, o.n, u.inChannels, u.imageSize, u.imageSize), { scale: o.scale }));
  const what = concepts.length === 0 ? 'unconditional' : `concepts ${o.concept}`;
  console.error(
    `wrote ${o.n} samples (step ${step}, ${what}, ${sampler} ${steps} steps, ${((performance.now() - t0) / 1000).toFixed(1)} s) to ${o.out}`,
  );
}
