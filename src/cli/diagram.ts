/** `pegasus diagram`: the architecture of a model, drawn from its definition, as SVG and PNG. */
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DIAGRAM_MODELS, drawDiagram, subjectFromCheckpoint, subjectFromPreset, type DiagramModel } from '../diagram/index.js';
import { UserError } from '../errors.js';
import { svgFileToPng, svgSize } from '../report/chromium.js';
import { assertOutFile, PNG_OUTPUT, SVG_OUTPUT } from '../outPath.js';
import { writeFileAtomic } from '../atomicWrite.js';

/** `--out` must name an .svg file (the PNG goes beside it unless --png says otherwise). */
function parseSvgPath(value: string): string {
  if (!/\.svg$/i.test(value)) throw new InvalidArgumentError(`expected a file name ending in .svg, got "${value}".`);
  return value;
}

function parsePngPath(value: string): string {
  if (!/\.png$/i.test(value)) throw new InvalidArgumentError(`expected a file name ending in .png, got "${value}".`);
  return value;
}

export function diagramCommand() {
  return new Command('diagram')
    .description(
      "Draw a model's architecture from its definition: one traced forward pass gives every block, its shapes, " +
        'parameters, conditioning inputs, residual and skip connections. Writes SVG, plus PNG through headless Chromium.',
    )
    .addOption(new Option('--model <name>', 'which network (with --checkpoint: which part of a GAN checkpoint)').choices(DIAGRAM_MODELS))
    .option('--checkpoint <file>', 'draw the network whose config this checkpoint stores')
    .option('--preset <name>', 'size preset for --model (GAN: tiny|cpu|cpu-ttur|gpu; diffusion: tiny|cpu|gpu; default cpu)')
    .option('--out <file>', 'SVG file to write', parseSvgPath, 'arch.svg')
    .option('--png <file>', 'PNG file to write (default: beside the SVG)', parsePngPath)
    .option('--no-png', 'write the SVG only (no Chromium needed)')
    .action((opts) => {
      if (opts.model === undefined && opts.checkpoint === undefined) {
        throw new UserError(`say what to draw: --model ${DIAGRAM_MODELS.join('|')} or --checkpoint FILE`);
      }
      if (opts.checkpoint !== undefined && opts.preset !== undefined) {
        throw new UserError('--preset applies to --model only; a checkpoint brings its own config');
      }
      if (opts.checkpoint !== undefined && !existsSync(opts.checkpoint)) throw new UserError(`no checkpoint at ${opts.checkpoint}`);
      assertOutFile(opts.out, '--out', SVG_OUTPUT, false, '');
      if (typeof opts.png === 'string') assertOutFile(opts.png, '--png', PNG_OUTPUT, false, '');
      const model = opts.model as DiagramModel | undefined;
      const subject =
        opts.checkpoint !== undefined ? subjectFromCheckpoint(opts.checkpoint, model) : subjectFromPreset(model!, opts.preset);
      const { graph, svg } = drawDiagram(subject);
      mkdirSync(dirname(opts.out), { recursive: true });
      writeFileAtomic(opts.out, svg);
      const blocks = graph.nodes.filter((n) => n.kind === 'block').length;
      console.error(`wrote ${opts.out}: ${subject.title}, ${blocks} blocks, ${graph.totalParams.toLocaleString('en-US')} parameters`);
      if (opts.png !== false) {
        const png = typeof opts.png === 'string' ? opts.png : opts.out.replace(/\.svg$/i, '.png');
        const { width, height } = svgSize(svg);
        svgFileToPng(opts.out, png, width, height);
        console.error(`wrote ${png} (${width}×${height})`);
      }
    });
}
