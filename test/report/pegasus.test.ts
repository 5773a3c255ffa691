// The report's pegasus-class section: pipeline figure from the composites' manifest, the scores
// table from pegasus.json, the blind tests from their result.json files, placeholders when absent.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { blindTable, pegasusClassSection, pipelineSvg } from '../../src/report/pegasusSections.js';
import { Numbering } from '../../src/report/sections.js';

const manifest = {
  kind: 'pegasi',
  version: 1,
  split: 'train',
  seed: 1,
  count: 20000,
  horses: [1, 2, 3],
  refused: { 'horse too small': 9, 'not side-on': 4 },
};
const set = (name: string, winged: number) => ({
  name,
  count: 64,
  winged,
  meanPWinged: winged,
  meanPHorse: 0.8,
  top1Horse: 0.9,
  fdComposites: 3,
  fdHorses: 5,
  nearestTrain: 20,
  nearestComposite: 19,
  closerThanRealP05: 0,
  diversity: 1,
  diversityRatio: 0.95,
});

test('pipeline, scores and blind tests are read from files; missing files give placeholders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pegasus-reportpeg-'));
  try {
    const svg = pipelineSvg(manifest as never, null, ['horse', 'pegasus']);
    assert.match(svg, /20,000 images/);
    assert.match(svg, /3 horses \(refused: horse too small 9, not side-on 4/);
    assert.match(svg, /classes horse, pegasus/);
    const model = join(dir, 'model');
    mkdirSync(join(model, 'evaluation'), { recursive: true });
    writeFileSync(join(model, 'pegasi-manifest.json'), JSON.stringify(manifest));
    writeFileSync(
      join(model, 'evaluation', 'pegasus.json'),
      JSON.stringify({ generator: 'g.pgc', realP05: 12.5, sets: [set('pegasus samples', 0.875), set('real test horses', 0.01)] }),
    );
    const blind = join(dir, 'blind');
    mkdirSync(join(blind, 'model'), { recursive: true });
    writeFileSync(
      join(blind, 'model', 'result.json'),
      JSON.stringify({ name: '32 uncurated samples', date: '2026-12-06', ours: 32, oursCalledWinged: 27, real: 32, realCalledWinged: 1 }),
    );
    const html = pegasusClassSection(new Numbering(), { modelDir: model, blindDir: blind, classes: ['horse', 'pegasus'] });
    assert.match(html, /<tr class="gen"><td>pegasus samples<\/td><td class="n">64<\/td><td class="n">87\.5%<\/td>/);
    assert.match(html, /closer to either than 12\.5/);
    assert.match(html, /<td>32 uncurated samples<\/td><td>2026-12-06<\/td><td class="n">27 of 32<\/td><td class="n">1 of 32<\/td>/);
    assert.match(
      pegasusClassSection(new Numbering(), { modelDir: join(dir, 'none'), blindDir: join(dir, 'none'), classes: [] }),
      /placeholder.*pegasus-class scores[\s\S]*placeholder.*blind viewing tests/,
    );
    assert.match(blindTable(new Numbering(), join(dir, 'none')), /No .*result\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
