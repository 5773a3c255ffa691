/**
 * The report's sections as HTML fragments, each from plain data (experiments, evaluation files,
 * image files), so each can be tested on its own. Images are embedded as data: URIs, which keeps
 * the HTML one self-contained file and lets Chromium print it from anywhere.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { EvaluationReport, SetScores } from '../evaluate/evaluate.js';
import { plotLosses } from '../train/plotLosses.js';
import type { MetricsLine } from '../train/runFolder.js';
import type { Experiment } from './experiments.js';
import { REFERENCES } from './references.js';

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A file as a data: URI (PNG or SVG by extension). */
export function dataUri(path: string): string {
  const mime = path.toLowerCase().endsWith('.svg') ? 'image/svg+xml' : 'image/png';
  return `data:${mime};base64,${readFileSync(path).toString('base64')}`;
}

const svgUri = (svg: string) => `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;

/** Numbers figures and tables in the order they are made. */
export class Numbering {
  private figures = 0;
  private tables = 0;
  figure(): number {
    return ++this.figures;
  }
  table(): number {
    return ++this.tables;
  }
}

/** One figure: an embedded image (file or SVG text) with a numbered caption; `cls` sizes it. */
export function figure(n: Numbering, src: { file: string } | { svg: string }, caption: string, cls = ''): string {
  const uri = 'file' in src ? dataUri(src.file) : svgUri(src.svg);
  const name = 'file' in src ? ` data-file="${esc(basename(src.file))}"` : '';
  return `<figure class="${cls}"${name}><img src="${uri}" alt="${esc(caption)}"><figcaption><b>Figure ${n.figure()}.</b> ${esc(caption)}</figcaption></figure>`;
}

/**
 * Splits a tall diagram into parts no taller than `maxAspect` × its width, cutting only where the
 * SVG says it may (`data-cuts`, between rows); each part is the same SVG with a narrower viewBox.
 */
export function sliceSvg(svg: string, maxAspect: number): string[] {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0];
  const width = Number(/\bwidth="([\d.]+)"/.exec(root ?? '')?.[1]);
  const height = Number(/\bheight="([\d.]+)"/.exec(root ?? '')?.[1]);
  const cuts = (/\bdata-cuts="([^"]*)"/.exec(root ?? '')?.[1] ?? '')
    .split(',')
    .filter((c) => c !== '')
    .map(Number);
  if (!root || !(width > 0) || height <= maxAspect * width || cuts.length === 0) return [svg];
  const parts = Math.ceil(height / (maxAspect * width));
  const bounds = [0];
  for (let i = 1; i < parts; i++) {
    const target = (height * i) / parts;
    bounds.push(cuts.reduce((best, c) => (Math.abs(c - target) < Math.abs(best - target) ? c : best), cuts[0]!));
  }
  bounds.push(height);
  return bounds.slice(1).map((end, i) => {
    const start = bounds[i]!;
    const h = end - start;
    const part = root.replace(/\bheight="[\d.]+"/, `height="${h}"`).replace(/\bviewBox="[^"]*"/, `viewBox="0 ${start} ${width} ${h}"`);
    return svg.replace(root, part);
  });
}

/** A figure drawn over several pages: one numbered caption, "(part i of k)" on each part. */
export function figureParts(n: Numbering, svgs: readonly string[], caption: string, cls: string): string {
  if (svgs.length === 1) return figure(n, { svg: svgs[0]! }, caption, cls);
  const k = n.figure();
  return svgs
    .map(
      (svg, i) =>
        `<figure class="${cls}"><img src="${svgUri(svg)}" alt="${esc(caption)}"><figcaption><b>Figure ${k}${i > 0 ? ' (continued)' : ''}.</b> ${i === 0 ? esc(caption) : ''} (part ${i + 1} of ${svgs.length})</figcaption></figure>`,
    )
    .join('\n');
}

/** A stand-in where a figure's file does not exist yet, saying how to make it. */
export function placeholder(what: string, how: string): string {
  return `<div class="placeholder"><b>Not available yet:</b> ${esc(what)}. ${esc(how)}</div>`;
}

const num = (v: number | null, digits: number) => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(digits));

/** The experiments table: one row per run or model folder. */
export function experimentsTable(n: Numbering, exps: readonly Experiment[]): string {
  if (exps.length === 0) return placeholder('no run folders were found', 'Pass them with --runs DIR …');
  const records = [...new Set(exps.flatMap((e) => (e.recordedIn === undefined ? [] : [e.recordedIn])))];
  const rows = exps.map((e) => {
    const steps =
      e.steps === null ? '—' : `${e.steps.toLocaleString('en-US')}${e.plannedSteps ? ` / ${e.plannedSteps.toLocaleString('en-US')}` : ''}`;
    const folder =
      e.recordedIn === undefined ? `<code>${esc(e.dir)}</code>` : `<code>${esc(e.dir)}</code> <span class="record">(record)</span>`;
    return `<tr><td>${folder}</td><td>${esc(e.model)}</td><td>${esc(e.preset)}</td><td>${esc(e.classes.join(', '))}</td><td class="n">${steps}</td><td class="n">${num(e.hours, 2)}</td><td class="n">${num(e.imagesPerSecond, 1)}</td><td>${esc(e.figures.join('; ') || '—')}</td></tr>`;
  });
  return (
    `<table class="experiments"><caption><b>Table ${n.table()}.</b> Experiments: every run folder and committed model. Steps: updates done / planned ` +
    `(classifier: epochs); hours: training wall time; images/s: median of the logged rates on the shared 2-core CPU.` +
    (records.length > 0
      ? ` Rows marked (record) are folders that were not kept; their figures are as recorded in ${records.map((r) => `<code>${esc(r)}</code>`).join(', ')} while they existed.`
      : '') +
    `</caption>` +
    `<thead><tr><th>folder</th><th>model</th><th>preset</th><th>classes</th><th>steps</th><th>hours</th><th>images/s</th><th>evaluation</th></tr></thead>` +
    `<tbody>${rows.join('\n')}</tbody></table>`
  );
}

/** Loss curves of every experiment with enough logged points, as SVG figures. */
export function trainingCurves(n: Numbering, exps: readonly Experiment[]): string {
  const out: string[] = [];
  for (const e of exps) {
    const keys = Object.keys(e.curves).filter((k) => e.curves[k]!.length >= 5);
    if (keys.length === 0) continue;
    const byStep = new Map<number, Record<string, number>>();
    for (const k of keys) for (const [step, v] of e.curves[k]!) byStep.set(step, { ...(byStep.get(step) ?? { step }), [k]: v });
    const lines = [...byStep.values()].sort((a, b) => a['step']! - b['step']!) as unknown as MetricsLine[];
    const svg = plotLosses(lines, {
      series: keys as (keyof MetricsLine)[],
      title: `${e.dir} (${e.model}, ${e.preset})`,
      width: 640,
      height: 300,
    });
    out.push(figure(n, { svg }, `Training losses of ${e.dir} against training step (${keys.join(', ')}).`, 'curve'));
  }
  return out.length > 0
    ? `<div class="curves">${out.join('\n')}</div>`
    : placeholder('training curves', 'No run folder with a metrics.jsonl of 5 or more lines was found.');
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '—');

/** One evaluation.json as a table: the generated set first, then the reference rows. */
export function evaluationTable(n: Numbering, path: string): string {
  const r = JSON.parse(readFileSync(path, 'utf8')) as EvaluationReport;
  const real = r.sets.find((s) => s.name.startsWith('real'));
  const row = (s: SetScores) =>
    `<tr${s.name === 'generated' ? ' class="gen"' : ''}><td>${esc(s.name)}</td><td class="n">${f(s.recognisability.meanProbability, 3)}</td><td class="n">${pct(s.recognisability.top1)}</td>` +
    `<td class="n">${f(s.realism.fd)}</td><td class="n">${f(s.realism.kid, 4)}</td><td class="n">${f(s.realism.precision, 3)}</td><td class="n">${f(s.realism.recall, 3)}</td>` +
    `<td class="n">${f(s.realism.density, 3)}</td><td class="n">${f(s.realism.coverage, 3)}</td><td class="n">${f(s.uniqueness.pixel.median)}</td>` +
    `<td class="n">${pct(s.uniqueness.closerThanRealP05)}</td><td class="n">${real ? f(s.diversity.meanPairwise / real.diversity.meanPairwise) : '—'}</td></tr>`;
  return (
    `<table class="evaluation"><caption><b>Table ${n.table()}.</b> <code>${esc(path)}</code>: ${esc(r.generator)}; classes ${esc(r.classes.join(', '))}; ` +
    `${r.sets[0]?.count ?? 0} images per set. Below the generated row, reference rows scored the same way (real test images = the floor). ` +
    `FD/KID in our classifier's feature space (not Inception): lower is better.</caption>` +
    `<thead><tr><th>set</th><th>p(class)</th><th>top-1</th><th>FD</th><th>KID</th><th>prec.</th><th>recall</th><th>density</th><th>coverage</th><th>pixel NN median</th><th>closer than 95% of real</th><th>diversity / real</th></tr></thead>` +
    `<tbody>${r.sets.map(row).join('\n')}</tbody></table>`
  );
}

/** The classifier's test accuracy and per-class accuracy from accuracy.json. */
export function classifierTable(n: Numbering, path: string): string {
  const a = JSON.parse(readFileSync(path, 'utf8')) as {
    accuracy: number;
    count: number;
    flipTta?: boolean;
    classNames: string[];
    confusion: number[][];
  };
  const per = a.classNames.map((c, i) => {
    const row = a.confusion[i] ?? [];
    const total = row.reduce((s, v) => s + v, 0);
    return `<td class="n">${total > 0 ? pct((row[i] ?? 0) / total) : '—'}</td>`;
  });
  return (
    `<table class="classifier"><caption><b>Table ${n.table()}.</b> The judge: our ResNet-9 classifier (<code>${esc(path)}</code>), ` +
    `test accuracy ${pct(a.accuracy)} on ${a.count.toLocaleString('en-US')} test images${a.flipTta ? ' with flip test-time augmentation' : ''}; per class:</caption>` +
    `<thead><tr>${a.classNames.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody><tr>${per.join('')}</tr></tbody></table>`
  );
}

/** The Pegasus deliverables of `pegasus generate` (whatever exists), with placeholders otherwise. */
export function generatedSection(n: Numbering, dir: string): string {
  const file = (name: string) => `${dir.replace(/\/$/, '')}/${name}`;
  const how = `Run pegasus generate --out ${dir} (or pass --generated DIR).`;
  const parts: string[] = [];
  const show = (name: string, caption: string, cls: string) =>
    parts.push(
      existsSync(file(name)) ? figure(n, { file: file(name) }, caption, cls) : placeholder(`${name} (${caption.toLowerCase()})`, how),
    );
  show('pegasus-x8.png', 'The best Pegasus, 32×32, shown 8× enlarged (nearest neighbour).', 'large');
  show('batch64.png', 'The batch of 64 chosen images (8×8 grid, each 2×), best first.', 'wide');
  // NOTE: optional (outputs made before it existed lack it), so no placeholder
  if (existsSync(file('strategies.png')))
    parts.push(figure(n, { file: file('strategies.png') }, 'The best image of each strategy, side by side (4×), with its score.', 'wide'));
  show(
    'neighbours.png',
    'Each of the 64 beside its nearest training image in pixels (px: distance) and in classifier features (ft).',
    'wide',
  );
  if (existsSync(file('pegasus.json'))) {
    const j = JSON.parse(readFileSync(file('pegasus.json'), 'utf8')) as {
      best?: Record<string, unknown>;
      search?: { candidates?: number; counts?: Record<string, number> };
      generator?: { path?: string; step?: number };
    };
    const best = j.best ?? {};
    if (j.search?.candidates !== undefined) {
      const counts = Object.entries(j.search.counts ?? {})
        .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
        .join(', ');
      const g = j.generator?.path
        ? ` from ${j.generator.path}${j.generator.step !== undefined ? ` (step ${j.generator.step.toLocaleString('en-US')})` : ''}`
        : '';
      parts.push(
        `<p class="search">Chosen from ${j.search.candidates.toLocaleString('en-US')} candidates${esc(g)}${counts ? ` (${esc(counts)})` : ''}.</p>`,
      );
    }
    const flat: [string, string][] = [];
    for (const [k, v] of Object.entries(best)) {
      if (k === 'scores' && v && typeof v === 'object') {
        for (const [sk, sv] of Object.entries(v)) if (typeof sv === 'number') flat.push([`score: ${sk}`, f(sv, 3)]);
      } else if (typeof v !== 'object' || v === null) flat.push([k, String(v)]);
      else if (JSON.stringify(v).length <= 80) flat.push([k, JSON.stringify(v)]);
    }
    parts.push(
      `<table class="recipe"><caption><b>Table ${n.table()}.</b> How the best image was made and scored (<code>${esc(file('pegasus.json'))}</code>).</caption>` +
        `<tbody>${flat.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</tbody></table>`,
    );
  } else parts.push(placeholder('pegasus.json (the recipe and scores of every image)', how));
  return parts.join('\n');
}

/** The reference list; `cited` keys (in citation order) come first, marked. */
export function referenceList(cited: readonly string[]): string {
  const order = [...cited, ...REFERENCES.map((r) => r.key).filter((k) => !cited.includes(k))];
  const items = order.map((k) => REFERENCES.find((r) => r.key === k)).filter((r) => r !== undefined);
  return `<ol class="references">${items.map((r) => `<li id="ref-${r.key}">${esc(r.full)}</li>`).join('\n')}</ol>`;
}
