// pegasus report: Markdown subset and word count, the HTML's sections and images built from
// run folders, placeholders for what is missing, and a real PDF printed by headless Chromium.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DIFFUSION_PRESETS } from '../../src/train/presets/diffusion.js';
import { imageFromChw, writePng } from '../../src/image/index.js';
import { saveCheckpoint } from '../../src/nn/index.js';
import { buildReport, writeReport, type ReportOptions } from '../../src/report/build.js';
import { countPdfPages } from '../../src/report/chromium.js';
import { findEvaluations, findExperiments, readExperiment, readRecords, RECORDS_FILE } from '../../src/report/experiments.js';
import { countWords, markdownToHtml } from '../../src/report/markdown.js';
import { sliceSvg } from '../../src/report/sections.js';
import { drawDiagram, subjectFromPreset } from '../../src/diagram/index.js';
import { PRESETS } from '../../src/train/presets/gan.js';
import { pegasus, repo } from '../helpers/cli.js';
import { requiresChromium } from '../helpers/requires.js';

test('markdown: headings (shifted), paragraphs, lists, tables, inline code, emphasis, links and citations', () => {
  const md = [
    '# Results',
    '',
    'The **best** FD was *12* with `--steps 5` and a [link](https://x.org).',
    'Same paragraph [@miyato2018].',
    '',
    '- one',
    '- two `a<b`',
    '',
    '1. first',
    '2. second',
    '',
    '| a | b |',
    '| --- | --- |',
    '| 1 | 2 |',
  ].join('\n');
  const html = markdownToHtml(md, { headingOffset: 1, cite: (k) => `<cite>${k}</cite>` });
  assert.equal(
    html,
    [
      '<h2>Results</h2>',
      '<p>The <strong>best</strong> FD was <em>12</em> with <code>--steps 5</code> and a <a href="https://x.org">link</a>. Same paragraph <cite>miyato2018</cite>.</p>',
      '<ul>\n<li>one</li>\n<li>two <code>a&lt;b</code></li>\n</ul>',
      '<ol>\n<li>first</li>\n<li>second</li>\n</ol>',
      '<table>\n<thead><tr><th>a</th><th>b</th></tr></thead>\n<tbody>\n<tr><td>1</td><td>2</td></tr>\n</tbody>\n</table>',
    ].join('\n'),
  );
  // headings, table rules, citations and markup are not words; table cells and list items are
  assert.equal(countWords(md), 11 + 2 + 3 + 2 + 4); // paragraph, list items (not their markers), table cells
  assert.equal(countWords('<!-- a note -->\nTwo words.\n\n```\ncode here\n```'), 2);
});

let dir = '';
let opts: ReportOptions;

/** A small world: one GAN run folder, one evaluation, a generate folder missing one image. */
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pegasus-report-'));
  const run = join(dir, 'runs', 'gan-a');
  mkdirSync(run, { recursive: true });
  const p = PRESETS['tiny']!;
  const config = { model: 'cgan', preset: 'tiny', cgan: { ...p.cgan, numClasses: 2 }, train: p.train };
  writeFileSync(join(run, 'config.json'), JSON.stringify(config));
  // images/s: a slow first interval and one outlier; sorted 5, 41, 43, 44, 44, 44, 46, 120, so the
  // median is 44 whichever middle value is taken (the mean is 48.4, the last value 43)
  const speeds = [5, 44, 46, 120, 41, 44, 44, 43];
  const lines = speeds.map((imagesPerSecond, i) =>
    JSON.stringify({ step: 10 * (i + 1), lossD: 2 - i / 10, lossG: 0.5 + i / 20, imagesPerSecond, elapsedSeconds: 360 * (i + 1) }),
  );
  writeFileSync(join(run, 'metrics.jsonl'), `${lines.join('\n')}\n`);
  const scores = (name: string, fd: number) => ({
    name,
    count: 100,
    recognisability: { meanProbability: 0.4, top1: 0.5, perClass: {} },
    realism: { fd, kid: 0.01, kidStd: 0.001, perClass: {}, precision: 0.6, recall: 0.3, density: 0.8, coverage: 0.5 },
    uniqueness: {
      queries: 10,
      pixel: { mean: 9, median: 8.5, p05: 6, min: 5 },
      feature: { mean: 1, median: 1, p05: 0.5, min: 0.2 },
      closerThanRealP05: 0.1,
      exactCopies: 0,
    },
    diversity: { meanPairwise: name === 'generated' ? 3 : 6, perClass: {} },
  });
  writeFileSync(
    join(run, 'evaluation.json'),
    JSON.stringify({
      generator: 'runs/gan-a/generator-ema.pgc (cgan, step 80)',
      classifier: 'c.pgc',
      classes: ['bird', 'horse'],
      sets: [scores('generated', 45.25), scores('real test images', 1.5)],
    }),
  );
  const gen = join(dir, 'out');
  const img = imageFromChw(new Uint8Array(3 * 32 * 32).fill(128), 3, 32, 32);
  writePng(join(gen, 'pegasus-x8.png'), img);
  writePng(join(gen, 'batch64.png'), img);
  writeFileSync(
    join(gen, 'pegasus.json'),
    JSON.stringify({
      search: { candidates: 4012, counts: { mix: 4000, diffusion: 12 } },
      best: { file: 'pegasus.png', strategy: 'mix', scores: { pegasusness: 0.71 } },
    }),
  );
  const generator = join(dir, 'generator.pgc');
  saveCheckpoint(generator, { kind: 'generator', config, tensors: {} });
  const denoiser = join(dir, 'denoiser.pgc');
  const d = DIFFUSION_PRESETS['tiny']!;
  saveCheckpoint(denoiser, {
    kind: 'diffusion',
    config: { model: 'diffusion', preset: 'tiny', unet: d.unet, edm: d.edm, train: d.train },
    tensors: {},
  });
  const accuracy = join(dir, 'accuracy.json');
  writeFileSync(
    accuracy,
    JSON.stringify({
      accuracy: 0.75,
      count: 20,
      flipTta: true,
      classNames: ['bird', 'horse'],
      confusion: [
        [9, 1],
        [4, 6],
      ],
    }),
  );
  opts = {
    title: 'Test report',
    discussion: '# Findings\n\nThe GAN learned colours [@miyato2018] and [@nobody2030].\n',
    runs: [join(dir, 'runs')],
    generated: gen,
    generator,
    denoiser,
    classifierAccuracy: accuracy,
  };
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("experiments: a committed model's evaluation/evaluation.json gives its figures like a run folder's evaluation.json", () => {
  const run = join(dir, 'runs', 'gan-a');
  // (in a folder of its own: the CLI test below relies on `dir` having no models/ folder)
  const model = join(mkdtempSync(join(tmpdir(), 'pegasus-model-')), 'gan-m');
  mkdirSync(join(model, 'evaluation'), { recursive: true });
  for (const f of ['config.json', 'metrics.jsonl']) writeFileSync(join(model, f), readFileSync(join(run, f)));
  assert.deepEqual(readExperiment(model)?.figures, []);
  writeFileSync(join(model, 'evaluation', 'evaluation.json'), readFileSync(join(run, 'evaluation.json')));
  assert.deepEqual(readExperiment(model)?.figures, readExperiment(run)?.figures);
  assert.deepEqual(readExperiment(run)?.figures, ['FD 45.3', 'KID 0.010', 'top-1 50.0%']);
  rmSync(join(model, '..'), { recursive: true, force: true });
});

test('report HTML: every section, the three diagrams, the run table, curves, images, evaluation rows and references', () => {
  const r = buildReport(opts);
  assert.deepEqual(r.sections, ['discussion', 'architecture', 'experiments', 'curves', 'pegasus', 'evaluation', 'references']);
  for (const id of r.sections) assert.match(r.html, new RegExp(`<section id="${id}">`));
  assert.equal(r.words, 5);
  assert.deepEqual(r.unknownCitations, ['nobody2030']);
  assert.match(r.html, /<h3>Findings<\/h3>/); // under the report's own <h2>Discussion</h2>
  assert.match(r.html, /href="#ref-miyato2018">\(Miyato et al\. 2018\)/);
  assert.match(r.html, /<li id="ref-miyato2018">/);
  // the three architecture figures, drawn from the checkpoints' configs
  const diagrams = [...r.html.matchAll(/<figure class="diagram"><img src="data:image\/svg\+xml;base64,([^"]+)"/g)].map((m) =>
    Buffer.from(m[1]!, 'base64').toString('utf8'),
  );
  // (a diagram taller than a page is split between rows into parts: the U-Net's is)
  assert.ok(diagrams.length >= 3);
  assert.match(diagrams[0]!, /Conditional GAN generator/);
  assert.match(diagrams[1]!, /Projection discriminator/);
  assert.match(diagrams[2]!, /Diffusion U-Net/);
  assert.match(r.html, /<b>Figure 3\.<\/b> The diffusion U-Net.*\(part 1 of \d\)/);
  // experiments: the run with its steps (done / planned), hours and median images/s
  assert.match(
    r.html,
    /gan-a<\/code><\/td><td>cgan<\/td><td>tiny<\/td><td>bird, horse<\/td><td class="n">80 \/ 4<\/td><td class="n">0\.80<\/td><td class="n">44\.0<\/td><td>FD 45\.3; KID 0\.010; top-1 50\.0%<\/td>/,
  );
  assert.match(r.html, /Training losses of .*gan-a .*lossD, lossG/);
  // generated images embedded; the missing neighbour sheet becomes a placeholder
  assert.match(r.html, /data-file="pegasus-x8\.png"><img src="data:image\/png;base64,/);
  assert.match(r.html, /data-file="batch64\.png">/);
  assert.doesNotMatch(r.html, /data-file="neighbours\.png"/);
  assert.match(r.html, /Not available yet:<\/b> neighbours\.png/);
  assert.match(r.html, /score: pegasusness<\/th><td>0\.710/);
  assert.match(r.html, /Chosen from 4,012 candidates \(mix 4,000, diffusion 12\)/);
  // evaluation: generated row first, then the reference row; classifier per-class accuracy
  assert.match(
    r.html,
    /<tr class="gen"><td>generated<\/td>.*<td class="n">45\.25<\/td>.*<td class="n">0\.50<\/td><\/tr>\n<tr><td>real test images<\/td>/,
  );
  assert.match(r.html, /test accuracy 75\.0% on 20 test images.*<td class="n">90\.0%<\/td><td class="n">60\.0%<\/td>/s);
});

test('records of folders not kept: listed as (record) without curves, unless the folder is found; evaluations two levels down', () => {
  const records = join(dir, 'records');
  mkdirSync(records, { recursive: true });
  const row = {
    model: 'cgan',
    preset: 'cpu',
    classes: ['bird'],
    steps: 820,
    plannedSteps: 20000,
    hours: 0.51,
    imagesPerSecond: 15.7,
    figures: [],
  };
  writeFileSync(
    join(records, RECORDS_FILE),
    JSON.stringify({
      runs: [
        { dir: 'runs/lost-b', ...row },
        { dir: join(dir, 'runs', 'gan-a'), ...row, steps: 1 },
      ],
    }),
  );
  const exps = findExperiments([join(dir, 'runs'), records]);
  assert.deepEqual(
    exps.map((e) => [e.dir, e.steps, e.recordedIn ?? null]),
    [
      [join(dir, 'runs', 'gan-a'), 80, null],
      ['runs/lost-b', 820, join(records, RECORDS_FILE)],
    ],
  );
  const html = buildReport({ ...opts, runs: [join(dir, 'runs'), records] }).html;
  assert.match(
    html,
    /<code>runs\/lost-b<\/code> <span class="record">\(record\)<\/span><\/td><td>cgan<\/td><td>cpu<\/td><td>bird<\/td><td class="n">820 \/ 20,000<\/td><td class="n">0\.51<\/td><td class="n">15\.7<\/td><td>—<\/td>/,
  );
  assert.match(html, /Rows marked \(record\) are folders that were not kept/);
  assert.doesNotMatch(html, /Training losses of runs\/lost-b/);
  writeFileSync(join(records, RECORDS_FILE), JSON.stringify({ runs: [{ dir: 'runs/x', model: 'cgan' }] }));
  assert.throws(() => findExperiments([records]), /earlier-runs\.json: run 1 needs dir, model, preset/);
  rmSync(records, { recursive: true });
  // evaluations are found down to a model folder's own evaluation folders (models/NAME/evaluation/)
  const models = join(dir, 'models-like');
  mkdirSync(join(models, 'gan', 'evaluation', 'deeper'), { recursive: true });
  writeFileSync(join(models, 'gan', 'evaluation', 'evaluation.json'), '{}');
  writeFileSync(join(models, 'gan', 'evaluation', 'deeper', 'evaluation.json'), '{}');
  assert.deepEqual(findEvaluations([models]), [join(models, 'gan', 'evaluation', 'evaluation.json')]);
  rmSync(models, { recursive: true });
  // the committed records (docs/runs) are well-formed
  assert.equal(readRecords(join(repo, 'docs', 'runs', RECORDS_FILE)).length, 11);
});

test('sliceSvg: a tall diagram is cut only between rows, into parts that together cover it', () => {
  const { svg } = drawDiagram(subjectFromPreset('diffusion', 'cpu'));
  const height = Number(/height="(\d+)"/.exec(svg)![1]);
  const width = Number(/width="(\d+)"/.exec(svg)![1]);
  const cuts = /data-cuts="([^"]+)"/.exec(svg)![1]!.split(',').map(Number);
  const parts = sliceSvg(svg, 1.3);
  assert.equal(parts.length, Math.ceil(height / (1.3 * width)));
  let y = 0;
  for (const part of parts) {
    const [x0, y0, w, h] = /viewBox="([^"]+)"/.exec(part)![1]!.split(' ').map(Number) as [number, number, number, number];
    assert.deepEqual([x0, y0, w], [0, y, width]);
    if (y > 0) assert.ok(cuts.includes(y), `cut at ${y} is between rows`);
    y += h;
  }
  assert.equal(y, height);
  assert.deepEqual(sliceSvg(svg, 100), [svg]); // short enough: unchanged
});

test('pegasus report: HTML then a PDF with pages, printed by headless Chromium', { skip: requiresChromium() }, () => {
  const out = join(dir, 'print', 'report.pdf');
  const written = writeReport(buildReport(opts), out, { pdf: true });
  assert.equal(written.html, join(dir, 'print', 'report.html'));
  const pdf = readFileSync(out);
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  const pages = countPdfPages(pdf);
  assert.ok(pages >= 4, `expected the text page plus three diagram pages, got ${pages}`); // each diagram starts a page
});

test('pegasus report CLI: flag checks, the word-limit warning, HTML only with --no-pdf', () => {
  const badOut = pegasus(['report', '--out', join(dir, 'r.html')]);
  assert.notEqual(badOut.status, 0);
  assert.match(badOut.stderr, /ending in \.pdf/);
  const noDiscussion = pegasus(['report', '--discussion', join(dir, 'none.md'), '--no-pdf']);
  assert.equal(noDiscussion.status, 1);
  assert.match(noDiscussion.stderr, /no discussion at/);
  const long = join(dir, 'long.md');
  writeFileSync(long, `# Long\n\n${'word '.repeat(1001)}\n`);
  const r = pegasus([
    'report',
    '--discussion',
    long,
    '--runs',
    join(dir, 'runs'),
    '--generated',
    join(dir, 'out'),
    '--generator',
    opts.generator,
    '--denoiser',
    opts.denoiser,
    '--classifier-accuracy',
    opts.classifierAccuracy,
    '--out',
    join(dir, 'cli', 'r.pdf'),
    '--no-pdf',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: the discussion has 1001 words, over the limit of 1000/);
  // progress: each section as it is built, with the time so far, and the true total
  assert.match(r.stderr, /report: architecture \(\d+\.\d s\)\n(.*\n)*report: references \(\d+\.\d s\)/);
  assert.match(r.stderr, /wrote .*r\.html \(\d+\.\d s\)/);
  assert.ok(existsSync(join(dir, 'cli', 'r.html')));
  assert.ok(!existsSync(join(dir, 'cli', 'r.pdf')));
  // without --runs: those of runs/, models/ and docs/runs/ that exist (here runs/ alone, as in a
  // folder where nothing is committed); a folder named with --runs must exist
  const models = ['--generator', opts.generator, '--denoiser', opts.denoiser, '--classifier-accuracy', opts.classifierAccuracy];
  const byDefault = pegasus(['report', '--discussion', long, '--generated', 'out', ...models, '--out', 'default/r.pdf', '--no-pdf'], {
    cwd: dir,
  });
  assert.equal(byDefault.status, 0, byDefault.stderr);
  assert.match(readFileSync(join(dir, 'default', 'r.html'), 'utf8'), /runs\/gan-a/);
  const missing = pegasus(['report', '--discussion', long, '--runs', 'runs', 'models', ...models, '--out', 'default/r.pdf', '--no-pdf'], {
    cwd: dir,
  });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /--runs: no folder models/);
});
