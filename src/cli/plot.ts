/** `pegasus plot`: an SVG plot of a run's losses (or other logged series) from its metrics log. */
import { Command, InvalidArgumentError } from '@commander-js/extra-typings';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { plotLosses } from '../train/plotLosses.js';
import { METRICS_FILE, readMetrics, type MetricsLine } from '../train/runFolder.js';
import { splitList } from './parsers.js';
import { assertOutFile, SVG_OUTPUT } from '../outPath.js';
import { writeFileAtomic } from '../atomicWrite.js';

function parseSeries(value: string): string[] {
  const names = splitList(value);
  if (names.length === 0) throw new InvalidArgumentError(`expected field names like lossD,lossG, got "${value}".`);
  return names;
}

const DEFAULT_SERIES = ['lossD', 'lossG', 'loss'];

export function plotCommand() {
  return new Command('plot')
    .description('Plot the losses of a training run (metrics.jsonl) as an SVG line chart.')
    .requiredOption('--run <rundir>', 'run folder holding metrics.jsonl')
    .option(
      '--series <names>',
      'comma-separated fields of metrics.jsonl to draw, e.g. dTrain,dHeldOut (the held-out probe; default: the losses)',
      parseSeries,
    )
    .option('--out <file>', 'SVG file to write (default: <rundir>/losses.svg)')
    .action((opts) => {
      const out = opts.out ?? join(opts.run, 'losses.svg');
      assertOutFile(out, '--out', SVG_OUTPUT, false, '');
      const path = join(opts.run, METRICS_FILE);
      if (!existsSync(path)) throw new UserError(`${opts.run} has no ${METRICS_FILE}; is it a run folder?`);
      const metrics = readMetrics(path);
      if (metrics.length === 0) throw new UserError(`${path} has no metrics lines yet`);
      const logged = new Set(metrics.flatMap((l) => Object.keys(l).filter((k) => typeof l[k as keyof MetricsLine] === 'number')));
      // default: the losses the log has (a GAN's lossD and lossG, a diffusion run's loss)
      const series = (opts.series ?? DEFAULT_SERIES.filter((k) => logged.has(k))) as (keyof MetricsLine)[];
      if (series.length === 0)
        throw new UserError(`${path} logs no loss; name the fields to draw with --series (it logs ${[...logged].join(', ')})`);
      const missing = series.filter((k) => !logged.has(k));
      if (missing.length > 0) {
        throw new UserError(`no line of ${path} has ${missing.join(', ')}; it logs ${[...logged].filter((k) => k !== 'step').join(', ')}`);
      }
      mkdirSync(dirname(out), { recursive: true });
      writeFileAtomic(
        out,
        plotLosses(metrics, { series, title: `${opts.series === undefined ? 'losses' : series.join(', ')} of ${opts.run}` }),
      );
      console.error(`wrote ${out} (${metrics.length} points)`);
    });
}
