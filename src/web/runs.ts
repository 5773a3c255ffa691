/**
 * The training runs `pegasus serve` shows while they train: every run folder under one folder
 * (`runs/` by default), read afresh on each request from what the run writes — config.json,
 * metrics.jsonl, samples/ and its lock — so the page follows a run live without touching it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { plotLosses } from '../train/plotLosses.js';
import { CONFIG_FILE, METRICS_FILE, readMetrics, SAMPLES_DIR, type MetricsLine } from '../train/runFolder.js';
import { runLockHolder } from '../train/runLock.js';

export interface RunSummary {
  readonly name: string;
  readonly model: string;
  readonly classes: readonly string[];
  /** Updates done (the last logged line) and planned. */
  readonly step: number;
  readonly steps: number;
  /** A process holds the run's lock now. */
  readonly training: boolean;
  /** The losses against the step, as an SVG document (null before the first logged line). */
  readonly lossesSvg: string | null;
  /** The newest sample grid as a PNG data URL, and its file name. */
  readonly latestSample: { readonly file: string; readonly png: string } | null;
}

/** Most runs listed (the most recently changed first). */
const MAX_RUNS = 24;

function summary(dir: string, name: string): RunSummary | null {
  let config: { model?: string; train?: { classes?: string[]; steps?: number } };
  try {
    config = JSON.parse(readFileSync(join(dir, CONFIG_FILE), 'utf8')) as typeof config;
  } catch {
    return null; // not a run folder, or its config is being rewritten
  }
  const metricsPath = join(dir, METRICS_FILE);
  const metrics = existsSync(metricsPath) ? readMetrics<MetricsLine & { loss?: number }>(metricsPath) : [];
  const series = metrics.some((m) => typeof m.loss === 'number') ? ['loss'] : ['lossD', 'lossG'];
  const samples = existsSync(join(dir, SAMPLES_DIR)) ? readdirSync(join(dir, SAMPLES_DIR)).filter((f) => /^step-\d+\.png$/.test(f)) : [];
  const newest = samples.sort().at(-1);
  return {
    name,
    model: config.model ?? '?',
    classes: config.train?.classes ?? [],
    step: metrics.at(-1)?.step ?? 0,
    steps: config.train?.steps ?? 0,
    training: runLockHolder(dir) !== undefined,
    lossesSvg:
      metrics.length === 0 ? null : plotLosses(metrics, { series: series as (keyof MetricsLine)[], title: name, width: 480, height: 260 }),
    latestSample:
      newest === undefined
        ? null
        : { file: newest, png: `data:image/png;base64,${readFileSync(join(dir, SAMPLES_DIR, newest)).toString('base64')}` },
  };
}

/**
 * The run folders directly inside `folder`, the most recently changed first (none when the folder
 * does not exist).
 * @example listRuns('runs').map((r) => `${r.name} ${r.step}/${r.steps}`)
 */
export function listRuns(folder: string): RunSummary[] {
  if (!existsSync(folder)) return [];
  const dirs = readdirSync(folder, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && existsSync(join(folder, d.name, CONFIG_FILE)))
    .map((d) => ({ name: d.name, mtime: statSync(join(folder, d.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime)
    .slice(0, MAX_RUNS);
  return dirs.flatMap((d) => summary(join(folder, d.name), d.name) ?? []);
}
