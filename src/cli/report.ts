/** `pegasus report`: the report as HTML and PDF, built from the committed models and run folders. */
import { Command, InvalidArgumentError } from '@commander-js/extra-typings';
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import { COMMITTED_MODELS } from '../models/committed.js';
import { buildReport, WORD_LIMIT, writeReport } from '../report/build.js';
import { assertOutFile, HTML_OUTPUT, PDF_OUTPUT } from '../outPath.js';

function parsePdfPath(value: string): string {
  if (!/\.pdf$/i.test(value)) throw new InvalidArgumentError(`expected a file name ending in .pdf, got "${value}".`);
  return value;
}

/** Where experiments are found by default: this machine's runs, the committed models, and the committed records of runs (docs/runs). */
export const DEFAULT_RUNS = ['runs', 'models', 'docs/runs'];

export function reportCommand() {
  return new Command('report')
    .description(
      'Build the report from the committed models and run folders: architecture diagrams, experiments, training curves, ' +
        'the Pegasus, evaluation figures, the discussion (Markdown) and references. Writes HTML, then PDF via headless Chromium.',
    )
    .option(
      '--runs <dirs...>',
      'run folders, or folders holding them, to list as experiments (and search for evaluation.json); by default those of runs, models and docs/runs that exist',
      DEFAULT_RUNS,
    )
    .option('--generated <dir>', 'output folder of pegasus generate (pegasus-x8.png, batch64.png, neighbours.png, pegasus.json)', 'out')
    .option('--discussion <file>', 'the discussion, in Markdown', 'docs/report.md')
    .option('--generator <file>', 'GAN checkpoint whose generator and discriminator are drawn', COMMITTED_MODELS.pegasus)
    .option(
      '--pegasus-model <dir>',
      'the pegasus-class model folder (composites manifest and preview, evaluation/pegasus.json)',
      dirname(COMMITTED_MODELS.pegasus),
    )
    .option('--blind <dir>', 'blind viewing tests, one folder each with result.json', 'docs/blind')
    .option('--denoiser <file>', 'diffusion checkpoint whose U-Net is drawn', COMMITTED_MODELS.denoiser)
    .option('--classifier-accuracy <file>', "the classifier's accuracy.json", 'models/classifier/accuracy.json')
    .option('--title <text>', 'the report title', 'pegasus: generating a Pegasus from CIFAR-10 alone')
    .option('--out <file>', 'PDF to write (the HTML goes beside it, same name with .html)', parsePdfPath, 'docs/report.pdf')
    .option('--no-pdf', 'write the HTML only (no Chromium needed)')
    .action((opts, cmd) => {
      if (opts.pdf) assertOutFile(opts.out, '--out', PDF_OUTPUT, false, '');
      assertOutFile(opts.out.replace(/\.pdf$/i, '.html'), '--out', HTML_OUTPUT, false, '');
      if (!existsSync(opts.discussion))
        throw new UserError(`no discussion at ${opts.discussion}; write it in Markdown or pass --discussion FILE`);
      // the default folders are taken where they exist (a fresh clone has no runs/); named ones must exist
      const runs = cmd.getOptionValueSource('runs') === 'default' ? opts.runs.filter((dir) => existsSync(dir)) : opts.runs;
      for (const dir of runs) if (!existsSync(dir)) throw new UserError(`--runs: no folder ${dir}`);
      const t0 = performance.now();
      const stage = (what: string) => console.error(`report: ${what} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      const built = buildReport({
        onSection: (title) => stage(title.toLowerCase()),
        title: opts.title,
        discussion: readFileSync(opts.discussion, 'utf8'),
        runs,
        generated: opts.generated,
        generator: opts.generator,
        denoiser: opts.denoiser,
        classifierAccuracy: opts.classifierAccuracy,
        ...(existsSync(opts.pegasusModel) && { pegasusModel: opts.pegasusModel }),
        blind: opts.blind,
      });
      if (built.words > WORD_LIMIT) console.error(`warning: the discussion has ${built.words} words, over the limit of ${WORD_LIMIT}`);
      if (built.unknownCitations.length > 0)
        console.error(`warning: unknown citation keys ${built.unknownCitations.join(', ')} (see src/report/references.ts)`);
      if (opts.pdf) stage('printing the PDF with Chromium');
      const written = writeReport(built, opts.out, { pdf: opts.pdf });
      console.error(`discussion: ${built.words} words (limit ${WORD_LIMIT})`);
      console.error(`wrote ${written.html}${written.pdf ? ` and ${written.pdf}` : ''} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    });
}
