/**
 * The report: one self-contained HTML document built from the committed models and the run
 * folders, with the discussion written by us in Markdown; `writeReport` prints it to PDF with
 * headless Chromium. Everything except the discussion is read from files at build time, so the
 * report never goes stale.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { drawDiagram, subjectFromCheckpoint, type DiagramModel } from '../diagram/index.js';
import { htmlFileToPdf } from './chromium.js';
import { findEvaluations, findExperiments } from './experiments.js';
import { countWords, markdownToHtml } from './markdown.js';
import { REFERENCES } from './references.js';
import { pegasusClassSection } from './pegasusSections.js';
import { loadCheckpointHeader } from '../nn/index.js';
import type { RunConfig } from '../train/config.js';
import {
  classifierTable,
  esc,
  evaluationTable,
  experimentsTable,
  figureParts,
  generatedSection,
  Numbering,
  placeholder,
  referenceList,
  sliceSvg,
  trainingCurves,
} from './sections.js';

export interface ReportOptions {
  readonly title: string;
  /** The discussion (Markdown). */
  readonly discussion: string;
  /** Folders to scan for experiments and evaluation.json files (each a run folder or a parent of some). */
  readonly runs: readonly string[];
  /** Output folder of `pegasus generate`. */
  readonly generated: string;
  /** GAN checkpoint whose generator and discriminator are drawn. */
  readonly generator: string;
  /** Diffusion checkpoint whose U-Net is drawn. */
  readonly denoiser: string;
  /** The classifier's accuracy.json (test accuracy and confusion matrix). */
  readonly classifierAccuracy: string;
  /** The committed pegasus-class model's folder (composites manifest and preview, evaluation/pegasus.json); absent: no such section. */
  readonly pegasusModel?: string;
  /** Folder of blind viewing tests (one subfolder each with result.json). */
  readonly blind?: string;
  /** Called before each section is built, with its title (progress). */
  readonly onSection?: (title: string) => void;
}

export interface BuiltReport {
  readonly html: string;
  /** Words in the discussion (see countWords). */
  readonly words: number;
  /** Citation keys in the discussion that are not in the reference list. */
  readonly unknownCitations: readonly string[];
  /** The section ids, in order. */
  readonly sections: readonly string[];
}

/** Words allowed in the discussion (the coursework's limit). */
export const WORD_LIMIT = 1000;

const CSS = `
@page { size: A4; margin: 16mm 15mm 18mm 15mm; }
body { font-family: "DejaVu Serif", Georgia, serif; font-size: 10.5pt; line-height: 1.42; color: #111; max-width: 180mm; margin: 0 auto; }
h1 { font-size: 19pt; margin: 0 0 2mm; } h2 { font-size: 14pt; margin: 7mm 0 2mm; border-bottom: 1px solid #ccc; }
h3 { font-size: 11.5pt; margin: 4mm 0 1mm; } p { margin: 1.5mm 0; text-align: justify; }
h2, h3 { break-after: avoid; page-break-after: avoid; }
.meta { color: #555; font-size: 9pt; } code { font-size: 9pt; }
table { border-collapse: collapse; font-size: 8.3pt; margin: 3mm 0; width: 100%; page-break-inside: avoid; }
th, td { border: 1px solid #bbb; padding: 1mm 1.4mm; vertical-align: top; } th { background: #f1f1f1; }
td.n { text-align: right; font-variant-numeric: tabular-nums; } tr.gen td { font-weight: bold; background: #fbf6e6; }
caption { caption-side: top; text-align: left; font-size: 8.8pt; margin-bottom: 1mm; }
figure { margin: 3mm 0; text-align: center; page-break-inside: avoid; } figure img { max-width: 100%; }
figcaption { font-size: 8.8pt; text-align: left; margin-top: 1mm; }
#architecture { break-before: page; } figure.diagram + figure.diagram { break-before: page; } figure.diagram img { max-height: 240mm; }
figure.large img { width: 64mm; image-rendering: pixelated; } figure.wide img { width: 150mm; image-rendering: pixelated; }
figure.curve img { width: 150mm; }
.placeholder { border: 1px dashed #999; background: #fafafa; padding: 3mm; margin: 3mm 0; font-size: 9.5pt; }
.record { color: #777; font-size: 8.5pt; }
.words { color: #555; font-size: 8.5pt; } ol.references { font-size: 9pt; } a { color: #1a4c8a; text-decoration: none; }
`;

/** Architecture figures of the GAN's two networks and the diffusion U-Net, from their checkpoints. */
function architecture(n: Numbering, opts: ReportOptions): string {
  const parts: string[] = [];
  const draw = (path: string, model: DiagramModel, caption: string) => {
    if (!existsSync(path)) {
      parts.push(placeholder(`the ${model} diagram`, `No checkpoint at ${path}.`));
      return;
    }
    const { svg, graph } = drawDiagram(subjectFromCheckpoint(path, model));
    // NOTE: 1.3 ≈ the printable page's height over its width, less the caption: a taller diagram
    // is split between rows rather than shrunk until its text is unreadable.
    const text = `${caption} ${graph.totalParams.toLocaleString('en-US')} parameters. Drawn by pegasus diagram from one traced forward pass.`;
    parts.push(figureParts(n, sliceSvg(svg, 1.3), text, 'diagram'));
  };
  draw(
    opts.generator,
    'cgan-generator',
    'The conditional GAN generator: residual up-blocks whose batch norms are conditioned on a shared class embedding.',
  );
  draw(
    opts.generator,
    'cgan-discriminator',
    'The projection discriminator: spectrally normalised residual down-blocks; the class enters by an inner product with the pooled features.',
  );
  draw(
    opts.denoiser,
    'diffusion',
    'The diffusion U-Net: noise level and class embeddings condition every residual block; skips concatenate encoder activations into the decoder.',
  );
  return parts.join('\n');
}

/** The class names of a GAN checkpoint ([] when it cannot be read). */
function pegasusClasses(path: string): string[] {
  try {
    return [...((loadCheckpointHeader(path).config as RunConfig).train.classes ?? [])];
  } catch {
    return [];
  }
}

/**
 * Builds the report's HTML from files.
 *
 * @example const { html, words } = buildReport({ ...defaults, runs: ['runs', 'models'] });
 */
export function buildReport(opts: ReportOptions): BuiltReport {
  const n = new Numbering();
  const cited: string[] = [];
  const unknown: string[] = [];
  const cite = (key: string) => {
    const ref = REFERENCES.find((r) => r.key === key);
    if (!ref) {
      if (!unknown.includes(key)) unknown.push(key);
      return `[${esc(key)}?]`;
    }
    if (!cited.includes(key)) cited.push(key);
    return `<a class="cite" href="#ref-${key}">(${esc(ref.short)})</a>`;
  };
  const md = opts.discussion;
  const words = countWords(md);
  const discussion = markdownToHtml(md, { headingOffset: 2, cite });
  const exps = findExperiments(opts.runs);
  const evals = [...new Set([...findEvaluations(opts.runs), ...findEvaluations([opts.generated])])];

  const parts: [string, string, () => string][] = [
    ['discussion', 'Discussion', () => `${discussion}\n<p class="words">Discussion: ${words} words (limit ${WORD_LIMIT}).</p>`],
    ['architecture', 'Architecture', () => architecture(n, opts)],
    ['experiments', 'Experiments', () => experimentsTable(n, exps)],
    ['curves', 'Training curves', () => trainingCurves(n, exps)],
    ['pegasus', 'The Pegasus', () => generatedSection(n, opts.generated)],
    ...(opts.pegasusModel === undefined
      ? []
      : [
          [
            'pegasus-class',
            'The pegasus class',
            () =>
              pegasusClassSection(n, {
                modelDir: opts.pegasusModel!,
                blindDir: opts.blind ?? 'docs/blind',
                classes: pegasusClasses(opts.generator),
              }),
          ] as [string, string, () => string],
        ]),
    [
      'evaluation',
      'Evaluation',
      () =>
        [
          ...evals.map((p) => evaluationTable(n, p)),
          ...(evals.length === 0
            ? [placeholder('evaluation figures', 'Run pegasus evaluate --checkpoint FILE --out DIR inside a folder passed with --runs.')]
            : []),
          existsSync(opts.classifierAccuracy)
            ? classifierTable(n, opts.classifierAccuracy)
            : placeholder('the classifier accuracy', `No ${opts.classifierAccuracy}.`),
        ].join('\n'),
    ],
    ['references', 'References', () => referenceList(cited)],
  ];
  // NOTE: built in order, so figure numbers and the citations the reference list needs come first
  const sections = parts.map(([id, title, make]) => {
    opts.onSection?.(title);
    return [id, title, make()] as const;
  });
  const body = sections.map(([id, title, html]) => `<section id="${id}">\n<h2>${esc(title)}</h2>\n${html}\n</section>`).join('\n');
  const html = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(opts.title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${esc(opts.title)}</h1>`,
    `<p class="meta">Built by <code>pegasus report</code> on ${new Date().toISOString().slice(0, 10)} from <code>${esc(opts.generator)}</code>, <code>${esc(opts.denoiser)}</code>, ` +
      `the folders ${opts.runs.map((r) => `<code>${esc(r)}</code>`).join(', ')} and <code>${esc(opts.generated)}</code>.</p>`,
    body,
    '</body></html>',
    '',
  ].join('\n');
  return { html, words, unknownCitations: unknown, sections: sections.map(([id]) => id) };
}

/** Writes `<out>.html` beside the PDF and prints it to `out` with headless Chromium. */
export function writeReport(built: BuiltReport, out: string, opts: { pdf: boolean }): { html: string; pdf: string | null } {
  mkdirSync(dirname(out), { recursive: true });
  const htmlPath = out.replace(/\.pdf$/i, '') + '.html';
  writeFileSync(htmlPath, built.html);
  if (!opts.pdf) return { html: htmlPath, pdf: null };
  htmlFileToPdf(htmlPath, out);
  return { html: htmlPath, pdf: out };
}
