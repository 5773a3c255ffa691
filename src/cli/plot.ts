/** `pegasus plot`: an SVG plot of a run's losses from its metrics log. */
import { Command } from '@commander-js/extra-typings';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { plotLosses } from '../train/plotLosses.js';
import { METRICS_FILE, readMetrics } from '../train/runFolder.js';

export function plotCommand() {
  return new Command('plot')
    .description('Plot the losses of a training run (metrics.jsonl) as an SVG line chart.')
    .requiredOption('--run <rundir>', 'run folder holding metrics.jsonl')
    .option('--out <file>', 'SVG file to write (default: <rundir>/losses.svg)')
    .action((opts) => {
      const path = join(opts.run, METRICS_FILE);
      if (!existsSync(path)) throw new UserError(`${opts.run} has no ${METRICS_FILE}; is it a run folder?`);
      const metrics = readMetrics(path);
      if (metrics.length === 0) throw new UserError(`${path} has no metrics lines yet`);
      const out = opts.out ?? join(opts.run, 'losses.svg');
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, plotLosses(metrics, { title: `losses of ${opts.run}` }));
      console.error(`wrote ${out} (${metrics.length} points)`);
    });
}
