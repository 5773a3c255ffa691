/**
 * The experiments behind the report, read from run folders (`runs/NAME`) and committed model
 * folders (`models/NAME`): what each trained, for how long, how fast, and how it scored.
 *
 * A folder is an experiment when it holds `config.json` (GAN or diffusion run) or a classifier's
 * `train-log.json`; `metrics.jsonl` gives steps, hours and images/s; `evaluation.json` (from
 * `pegasus evaluate`) and `accuracy.json` (from `pegasus classifier eval`) give its figures.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readMetrics } from '../train/runFolder.js';

export interface Experiment {
  readonly dir: string;
  readonly name: string;
  /** "cgan", "dcgan", "diffusion", "classifier". */
  readonly model: string;
  readonly preset: string;
  readonly classes: readonly string[];
  /** Training updates done (last metrics line), and planned. */
  readonly steps: number | null;
  readonly plannedSteps: number | null;
  readonly hours: number | null;
  /** Median images/s over the logged lines (robust to the pauses of a shared machine). */
  readonly imagesPerSecond: number | null;
  /** Loss series for the curves: name → [step, value][]. */
  readonly curves: Readonly<Record<string, readonly [number, number][]>>;
  /** Short evaluation figures ("FD 45.1", "top-1 12%", "accuracy 82.2%"), if the folder has any. */
  readonly figures: readonly string[];
  /** `README.md` of the folder, if any (committed models describe themselves). */
  readonly readme: string | null;
  /** Set when the row comes from a record of a folder that was not kept (see RECORDS_FILE): the record's path. */
  readonly recordedIn?: string;
}

/**
 * A file of records of earlier experiments whose folders were not kept (their machines are gone):
 * what the report's experiments table showed for each while it still existed. A folder holding
 * one, when scanned, adds its rows (marked as records, without curves) unless the folder itself is
 * found.
 */
export const RECORDS_FILE = 'earlier-runs.json';

/** A recorded row: an experiment's table fields (no curves, name or README). */
type RecordRow = Omit<Experiment, 'name' | 'curves' | 'readme' | 'recordedIn'>;

/** The rows of a records file; throws naming the file and the row when one is malformed. */
export function readRecords(path: string): Experiment[] {
  const j = readJson(path) as { runs?: unknown };
  if (!Array.isArray(j.runs)) throw new Error(`${path}: expected {"runs": [...]}`);
  const numOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
  return j.runs.map((r: Partial<RecordRow>, i) => {
    const ok =
      typeof r.dir === 'string' &&
      typeof r.model === 'string' &&
      typeof r.preset === 'string' &&
      Array.isArray(r.classes) &&
      Array.isArray(r.figures) &&
      [r.steps, r.plannedSteps, r.hours, r.imagesPerSecond].every(numOrNull);
    if (!ok)
      throw new Error(
        `${path}: run ${i + 1} needs dir, model, preset, classes, steps, plannedSteps, hours, imagesPerSecond (number or null) and figures`,
      );
    const row = r as RecordRow;
    return { ...row, name: basename(row.dir), curves: {}, readme: null, recordedIn: path };
  });
}

interface MetricsRow {
  readonly step?: number;
  readonly elapsedSeconds?: number;
  readonly imagesPerSecond?: number;
  readonly [k: string]: unknown;
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The loss fields of a metrics log that are worth a curve: every numeric field named loss*. */
function curvesOf(rows: readonly MetricsRow[]): Record<string, [number, number][]> {
  const curves: Record<string, [number, number][]> = {};
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) {
      if (!/^loss/.test(k) || typeof v !== 'number' || !Number.isFinite(v) || typeof r.step !== 'number') continue;
      (curves[k] ??= []).push([r.step, v]);
    }
  }
  return curves;
}

/** Figures from an evaluation.json: the generated set's FD, KID and recognisability. */
export function evaluationFigures(path: string): string[] {
  const e = readJson(path) as { sets?: { name: string; realism?: { fd: number; kid: number }; recognisability?: { top1: number } }[] };
  const gen = e.sets?.find((s) => s.name === 'generated') ?? e.sets?.[0];
  if (!gen) return [];
  const out: string[] = [];
  if (gen.realism) out.push(`FD ${gen.realism.fd.toFixed(1)}`, `KID ${gen.realism.kid.toFixed(3)}`);
  if (gen.recognisability) out.push(`top-1 ${(100 * gen.recognisability.top1).toFixed(1)}%`);
  return out;
}

/** Reads one folder; null when it is not an experiment. */
export function readExperiment(dir: string): Experiment | null {
  const has = (f: string) => existsSync(join(dir, f));
  const readme = has('README.md') ? readFileSync(join(dir, 'README.md'), 'utf8') : null;
  const figures: string[] = [];
  // a run folder's own evaluation.json, or a committed model's `pegasus evaluate --out DIR/evaluation`
  const evaluation = ['evaluation.json', join('evaluation', 'evaluation.json')].find(has);
  if (evaluation !== undefined) figures.push(...evaluationFigures(join(dir, evaluation)));
  if (has('accuracy.json')) {
    const a = readJson(join(dir, 'accuracy.json')) as { accuracy?: number };
    if (typeof a.accuracy === 'number') figures.push(`test accuracy ${(100 * a.accuracy).toFixed(2)}%`);
  }
  if (has('config.json')) {
    const c = readJson(join(dir, 'config.json')) as { model?: string; preset?: string; train?: { classes?: string[]; steps?: number } };
    const rows = has('metrics.jsonl') ? readMetrics<MetricsRow>(join(dir, 'metrics.jsonl')) : [];
    const last = rows[rows.length - 1];
    return {
      dir,
      name: basename(dir),
      model: c.model ?? 'unknown',
      preset: c.preset ?? '—',
      classes: c.train?.classes ?? [],
      steps: typeof last?.step === 'number' ? last.step : null,
      plannedSteps: c.train?.steps ?? null,
      hours: typeof last?.elapsedSeconds === 'number' ? last.elapsedSeconds / 3600 : null,
      imagesPerSecond: median(rows.map((r) => r.imagesPerSecond).filter((v): v is number => typeof v === 'number' && Number.isFinite(v))),
      curves: curvesOf(rows),
      figures,
      readme,
    };
  }
  if (has('train-log.json')) {
    const log = readJson(join(dir, 'train-log.json')) as
      { epochs?: { epoch?: number; seconds?: number; imagesPerSecond?: number }[] } | unknown[];
    const epochs = (Array.isArray(log) ? log : (log.epochs ?? [])) as {
      epoch?: number;
      seconds?: number;
      imagesPerSecond?: number;
      loss?: number;
    }[];
    const seconds = epochs.reduce((s, e) => s + (typeof e.seconds === 'number' ? e.seconds : 0), 0);
    return {
      dir,
      name: basename(dir),
      model: 'classifier',
      preset: 'ResNet-9 ¼ width',
      classes: ['all 10'],
      steps: epochs.length > 0 ? epochs.length : null,
      plannedSteps: null,
      hours: seconds > 0 ? seconds / 3600 : null,
      imagesPerSecond: median(epochs.map((e) => e.imagesPerSecond).filter((v): v is number => typeof v === 'number')),
      curves: { loss: epochs.filter((e) => typeof e.loss === 'number').map((e, i) => [e.epoch ?? i + 1, e.loss!] as [number, number]) },
      figures,
      readme,
    };
  }
  return null;
}

/**
 * Sub-folders of each root (and the roots themselves) that are experiments, sorted by name, then
 * the rows recorded in the roots' records files (RECORDS_FILE) for folders not found.
 */
export function findExperiments(roots: readonly string[]): Experiment[] {
  const found: Experiment[] = [];
  const recorded: Experiment[] = [];
  for (const root of roots) {
    if (!existsSync(root) || !statSync(root).isDirectory()) continue;
    if (existsSync(join(root, RECORDS_FILE))) recorded.push(...readRecords(join(root, RECORDS_FILE)));
    const self = readExperiment(root);
    if (self) {
      found.push(self);
      continue;
    }
    for (const name of readdirSync(root).sort()) {
      const dir = join(root, name);
      if (!name.startsWith('.') && statSync(dir).isDirectory()) {
        const e = readExperiment(dir);
        if (e) found.push(e);
      }
    }
  }
  const dirs = new Set(found.map((e) => e.dir));
  return [...found, ...recorded.filter((e) => !dirs.has(e.dir))];
}

/**
 * The evaluation.json files of the roots, their sub-folders and the sub-folders' own sub-folders
 * (a committed model keeps its evaluations as `models/NAME/evaluation-…/evaluation.json`), for the
 * evaluation section.
 */
export function findEvaluations(roots: readonly string[]): string[] {
  const out: string[] = [];
  const subdirs = (dir: string) =>
    readdirSync(dir)
      .sort()
      .filter((name) => !name.startsWith('.') && statSync(join(dir, name)).isDirectory())
      .map((name) => join(dir, name));
  const visit = (dir: string, depth: number) => {
    if (existsSync(join(dir, 'evaluation.json'))) out.push(join(dir, 'evaluation.json'));
    if (depth < 2) for (const sub of subdirs(dir)) visit(sub, depth + 1);
  };
  for (const root of roots) if (existsSync(root) && statSync(root).isDirectory()) visit(root, 0);
  return out;
}
