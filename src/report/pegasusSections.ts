/**
 * The report's account of the pegasus class: the data pipeline that made what it learned from
 * (drawn from the composites' manifest), the concept's scores beside other sets
 * (`pegasus evaluate --pegasi` → pegasus.json) and the blind viewing tests (docs/blind/<name>/result.json).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wrap } from '../diagram/svg.js';
import type { PegasusSetScores } from '../evaluate/pegasus.js';
import type { PegasiManifest } from '../pegasi/dataset.js';
import { esc, figure, placeholder, type Numbering } from './sections.js';

/** What a blind viewing test recorded (see scripts/blind-grid.mts). */
export interface BlindResult {
  readonly name: string; // what was shown, e.g. "64 uncurated pegasus-class samples"
  readonly date: string;
  readonly ours: number;
  readonly oursCalledWinged: number;
  readonly real: number;
  readonly realCalledWinged: number;
  readonly viewers?: number;
}

const FONT = 'Helvetica, Arial, sans-serif';

/** The pipeline from CIFAR-10 horses to the model-drawn Pegasus, as SVG boxes and arrows. */
export function pipelineSvg(train: PegasiManifest | null, test: PegasiManifest | null, classes: readonly string[]): string {
  const fmt = (n: number | undefined) => (n === undefined ? '?' : n.toLocaleString('en-US'));
  const steps: [string, string][] = [
    ['CIFAR-10 training horses', '5,000 photographs (the training split only)'],
    ['segmentation, no learned model', 'border distance + Otsu threshold; side-on, solid, head at one end, nothing on the back'],
    [
      'side-on horses kept',
      `${fmt(train?.horses.length)} horses (refused: ${
        train === null
          ? '?'
          : Object.entries(train.refused)
              .sort((a, b) => b[1] - a[1])
              .slice(0, 3)
              .map(([k, v]) => `${k} ${fmt(v)}`)
              .join(', ')
      }, …)`,
    ],
    [
      'a parametric wing drawn on the back',
      'feathered silhouette, one wing or a spread pair, size and angle varied; colour from white, the horse, or bird / airplane pixels; light matched',
    ],
    ['winged-horse composites', `${fmt(train?.count)} images, each with its recipe: the class "pegasus"`],
    ['conditional GAN fine-tuned', `classes ${classes.join(', ')}; pegasus starts as a copy of horse in G's and D's class embeddings`],
    ['pegasus generate', '64 random samples of the class; the best of 1,000 by wing detector and classifier'],
  ];
  const W = 620;
  const boxH = 60;
  const gap = 22;
  const side =
    test === null ? '' : `test split: ${fmt(test.horses.length)} horses → ${fmt(test.count)} composites → wing detector (evaluation only)`;
  const H = 20 + steps.length * (boxH + gap) + (side ? 40 : 0);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT}">`];
  parts.push(
    '<defs><marker id="a" markerWidth="8" markerHeight="8" refX="4" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>',
  );
  steps.forEach(([title, text], i) => {
    const y = 10 + i * (boxH + gap);
    const fill = i === 4 ? '#fdf0d5' : i === 5 ? '#dcedf9' : '#eeeeee';
    parts.push(`<rect x="20" y="${y}" width="${W - 40}" height="${boxH}" rx="6" fill="${fill}" stroke="#555"/>`);
    parts.push(`<text x="32" y="${y + 18}" font-size="13" font-weight="bold">${esc(title)}</text>`);
    twoLines(text, 92).forEach((line, k) => parts.push(`<text x="32" y="${y + 35 + 14 * k}" font-size="11">${esc(line)}</text>`));
    if (i > 0) parts.push(`<line x1="${W / 2}" y1="${y - gap}" x2="${W / 2}" y2="${y - 3}" stroke="#555" marker-end="url(#a)"/>`);
  });
  if (side) parts.push(`<text x="20" y="${H - 14}" font-size="11" fill="#7b4bb3">${esc(side)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

/** `text` wrapped at `width` characters (diagram/svg.ts's wrap), at most two lines, the second ending in … when cut. */
function twoLines(text: string, width: number): string[] {
  const lines = wrap(text, width);
  return lines.length <= 2 ? lines : [lines[0]!, `${lines[1]!.slice(0, width - 1)}…`];
}

function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** The pegasus-class sets' scores as a table (from `pegasus evaluate --pegasi`'s pegasus.json). */
export function pegasusTable(n: Numbering, path: string): string {
  const j = readJson<{ generator: string; realP05: number; sets: PegasusSetScores[] }>(path);
  if (j === null) return placeholder('the pegasus-class scores', `No ${path}: run pegasus evaluate --pegasi DIR --out DIR.`);
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const row = (s: PegasusSetScores) =>
    `<tr${s.name === 'pegasus samples' ? ' class="gen"' : ''}><td>${esc(s.name)}</td>` +
    [
      String(s.count),
      pct(s.winged),
      s.meanPHorse.toFixed(3),
      s.fdComposites.toFixed(1),
      s.fdHorses.toFixed(1),
      s.nearestTrain.toFixed(1),
      s.nearestComposite.toFixed(1),
      String(s.closerThanRealP05),
      s.diversityRatio.toFixed(2),
    ]
      .map((v) => `<td class="n">${esc(v)}</td>`)
      .join('') +
    '</tr>';
  return (
    `<table><caption><b>Table ${n.table()}.</b> The pegasus class beside other sets, scored the same way (<code>${esc(path)}</code>; ${esc(j.generator)}). ` +
    "Winged: share the wing detector calls winged; p(horse): the classifier's; FD to the composites and to real training horses in classifier features; " +
    `median pixel distance to the nearest training image and composite; images closer to either than ${j.realP05.toFixed(1)} (5th percentile of real test horses to the training set); diversity as a share of real test horses'.</caption>` +
    '<thead><tr><th>set</th><th>n</th><th>winged</th><th>p(horse)</th><th>FD comp.</th><th>FD horses</th><th>NN train</th><th>NN comp.</th><th>too close</th><th>diversity</th></tr></thead>' +
    `<tbody>${j.sets.map(row).join('')}</tbody></table>`
  );
}

/** The blind viewing tests found under `dir` (one folder each with result.json). */
export function blindTable(n: Numbering, dir: string): string {
  const results = existsSync(dir)
    ? readdirSync(dir)
        .sort()
        .map((d) => readJson<BlindResult>(join(dir, d, 'result.json')))
        .filter((r): r is BlindResult => r !== null)
    : [];
  if (results.length === 0) return placeholder('the blind viewing tests', `No ${dir}/*/result.json.`);
  const rows = results.map(
    (r) =>
      `<tr><td>${esc(r.name)}</td><td>${esc(r.date)}</td><td class="n">${r.oursCalledWinged} of ${r.ours}</td><td class="n">${r.realCalledWinged} of ${r.real}</td><td class="n">${r.viewers ?? 1}</td></tr>`,
  );
  return (
    `<table><caption><b>Table ${n.table()}.</b> Blind viewing tests: our images shuffled among real CIFAR-10 test horses in one numbered grid; a viewer who knew nothing else listed the tiles showing a horse with wings (grids, keys and answers in <code>${esc(dir)}</code>).</caption>` +
    '<thead><tr><th>our images</th><th>date</th><th>ours called winged</th><th>real horses called winged</th><th>viewers</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

/** The section: pipeline figure, composites preview, scores table, blind tests. */
export function pegasusClassSection(
  n: Numbering,
  o: { readonly modelDir: string; readonly blindDir: string; readonly classes: readonly string[] },
): string {
  const manifest = (name: string) => readJson<PegasiManifest>(join(o.modelDir, name));
  const parts = [
    figure(
      n,
      { svg: pipelineSvg(manifest('pegasi-manifest.json'), manifest('pegasi-test-manifest.json'), o.classes) },
      'How the pegasus class was taught: from CIFAR-10 horses to winged-horse composites made in code, to a class of the conditional GAN.',
      'wide',
    ),
  ];
  const preview = join(o.modelDir, 'pegasi-preview.png');
  if (existsSync(preview))
    parts.push(
      figure(
        n,
        { file: preview },
        'The first 64 of the composites the pegasus class learned from (made by pegasus data pegasi; 4×).',
        'wide',
      ),
    );
  parts.push(pegasusTable(n, join(o.modelDir, 'evaluation', 'pegasus.json')));
  parts.push(blindTable(n, o.blindDir));
  return parts.join('\n');
}
