/**
 * The run folder: everything one training run leaves behind.
 *
 *   runs/NAME/config.json          the resolved RunConfig (what decides the run)
 *   runs/NAME/metrics.jsonl        one JSON line per logged step (metrics.csv: the same as a table)
 *   runs/NAME/samples/step-XXXXXX.png  fixed-noise grids, one row per class (EMA generator)
 *   runs/NAME/checkpoint.pgc       everything needed to resume
 *   runs/NAME/generator-ema.pgc    the EMA generator alone, for sampling
 *   runs/NAME/data.json            the CIFAR-10 folder it trains on (read by --resume)
 *   runs/NAME/lock                 the pid of the process training it (runLock.ts)
 *
 * Named after NVlabs/edm's habit of writing the resolved options as JSON into each run folder.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveDataDir } from '../data/dataDir.js';
import { writeFileAtomic } from '../atomicWrite.js';
import { UserError } from '../errors.js';
import { loadCheckpointHeader } from '../nn/index.js';
import type { RunConfig } from './config.js';

export const CONFIG_FILE = 'config.json';
export const METRICS_FILE = 'metrics.jsonl';
export const METRICS_CSV_FILE = 'metrics.csv';
export const CHECKPOINT_FILE = 'checkpoint.pgc';
export const EMA_FILE = 'generator-ema.pgc';
export const SAMPLES_DIR = 'samples';
/** The CIFAR-10 folder the run trains on, so that `--resume` finds it without `--data`. */
export const DATA_FILE = 'data.json';

/** One line of metrics.jsonl. Losses are those of the step's last update. */
export interface MetricsLine {
  readonly step: number; // generator updates done
  readonly epoch: number; // epoch of the last real batch
  readonly lossD: number; // hinge loss of the discriminator
  readonly lossG: number; // hinge loss of the generator
  readonly dReal: number; // mean D logit on real images
  readonly dFake: number; // mean D logit on fake images
  readonly gradNormD: number; // L2 norm of all D gradients (before the update)
  readonly gradNormG: number; // L2 norm of all G gradients
  readonly imagesPerSecond: number; // real images consumed per second since the last line
  readonly elapsedSeconds: number; // wall time of the run, summed over resumes
  readonly dTrain?: number; // every heldOutEvery steps: D's mean logit on fixed training images…
  readonly dHeldOut?: number; // …and on held-out test images of the same classes (heldOut.ts)
}

/**
 * Creates a new run folder (GAN or diffusion); refuses one that already holds a run with a
 * checkpoint (use --resume for that). A run stopped before its first checkpoint saved nothing
 * worth keeping, so its folder is started over.
 */
export function createRunFolder(dir: string, config: object): void {
  if (existsSync(join(dir, CHECKPOINT_FILE))) {
    throw new UserError(`${dir} already holds a run; continue it with --resume ${dir} or choose another --out`);
  }
  mkdirSync(join(dir, SAMPLES_DIR), { recursive: true });
  writeRunConfig(dir, config);
}

/** (Re)writes a run folder's config.json atomically. */
export function writeRunConfig(dir: string, config: object): void {
  writeFileAtomic(join(dir, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
}

/** Reads a run folder's config.json (a GAN run's by default; `T` for other runs). */
export function readRunConfig<T = RunConfig>(dir: string): T {
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path)) throw new UserError(`${dir} is not a run folder (no ${CONFIG_FILE}); start one with pegasus train --out ${dir}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    const why = err instanceof SyntaxError ? 'is not valid JSON' : `cannot be read (${(err as Error).message})`;
    throw new UserError(
      `${path} ${why}; restore it (the run's config is also in the header of ${join(dir, CHECKPOINT_FILE)}) or start a new run`,
    );
  }
}

/** The columns of a GAN run's metrics.csv (a line leaves blank what it did not log). */
export const GAN_METRICS_COLUMNS = [
  'step',
  'epoch',
  'lossD',
  'lossG',
  'dReal',
  'dFake',
  'gradNormD',
  'gradNormG',
  'classCeReal',
  'classCeFake',
  'imagesPerSecond',
  'elapsedSeconds',
  'dTrain',
  'dHeldOut',
] as const;

/**
 * Appends metrics lines to metrics.jsonl and the same numbers to metrics.csv (for spreadsheets
 * and pandas); on resume, first drops lines logged after the checkpoint's step from both. `T` is
 * the line type (a GAN run's MetricsLine by default), `columns` the CSV's.
 */
export class MetricsLog<T extends { readonly step: number } = MetricsLine> {
  readonly path: string;
  readonly csvPath: string;

  constructor(
    dir: string,
    resumeStep = 0,
    readonly columns: readonly string[] = GAN_METRICS_COLUMNS,
  ) {
    this.path = join(dir, METRICS_FILE);
    this.csvPath = join(dir, METRICS_CSV_FILE);
    const kept = existsSync(this.path) ? readMetrics<T>(this.path).filter((m) => m.step <= resumeStep) : [];
    if (existsSync(this.path)) writeFileAtomic(this.path, kept.map((m) => `${JSON.stringify(m)}\n`).join(''));
    writeFileAtomic(this.csvPath, [columns.join(','), ...kept.map((m) => this.row(m))].map((l) => `${l}\n`).join(''));
  }

  append(line: T): void {
    appendFileSync(this.path, `${JSON.stringify(line)}\n`);
    appendFileSync(this.csvPath, `${this.row(line)}\n`);
  }

  private row(line: T): string {
    return this.columns
      .map((c) => {
        const v = (line as Record<string, unknown>)[c];
        return typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
      })
      .join(',');
  }
}

/**
 * Parses a metrics.jsonl file, skipping a torn last line (a run killed mid-write). `T` is the row
 * type: a GAN run's MetricsLine by default; other runs (diffusion) log other fields.
 */
export function readMetrics<T = MetricsLine>(path: string): T[] {
  const out: T[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // NOTE: only a torn final line is expected; anything else would also be skipped.
    }
  }
  return out;
}

/**
 * The data folder of a run: `--data` when given, else the folder the run recorded (when it still
 * exists), else the usual search ($PEGASUS_DATA, the cache).
 * @example const dataDir = runDataDir(o.data, o.resume);
 */
export function runDataDir(flag: string | undefined, runDir: string | undefined): string {
  if (flag === undefined && runDir !== undefined) {
    try {
      const recorded = (JSON.parse(readFileSync(join(runDir, DATA_FILE), 'utf8')) as { data?: unknown }).data;
      if (typeof recorded === 'string' && existsSync(recorded)) return recorded;
    } catch {
      // no record (a run from before it was kept), or a damaged one: search as usual
    }
  }
  return resolveDataDir(flag);
}

/** Records the data folder a run trains on. */
export function writeRunData(runDir: string, dataDir: string): void {
  writeFileAtomic(join(runDir, DATA_FILE), `${JSON.stringify({ data: resolve(dataDir) }, null, 2)}\n`);
}

/**
 * Whether a run's EMA model file is missing or at another step than its checkpoint (`step`): a run
 * killed between the pair's two renames holds an EMA file a little newer than its checkpoint,
 * which a resume writes again from the checkpoint.
 */
export function emaFileOutOfStep(path: string, step: number): boolean {
  if (!existsSync(path)) return true;
  try {
    return (loadCheckpointHeader(path).meta as { step?: unknown } | null)?.step !== step;
  } catch {
    return true; // damaged: the checkpoint's EMA weights replace it
  }
}
