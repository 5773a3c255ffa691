// The model-drawn Pegasus end to end on a fixture: the wing detector trains, `pegasus generate`
// draws the batch from recorded seeds and the best from its candidates, `pegasus evaluate --pegasi`
// scores the pegasus class beside other sets.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { Rng } from '../../src/engine/index.js';
import { drawPegasusClass } from '../../src/generate/model.js';
import { floatToUint8, readPng } from '../../src/image/index.js';
import { Generator } from '../../src/models/cgan/index.js';
import { ResNet9, defaultClassifierConfig, saveClassifier } from '../../src/models/classifier/index.js';
import { loadGenerator } from '../../src/sample/sampler.js';
import { resolveRunConfig } from '../../src/train/resolve.js';
import { saveEmaGenerator } from '../../src/train/trainState.js';
import { pegasus, useCliWorkspace } from '../helpers/cli.js';
import { drawHorsesInto } from '../helpers/horseFixture.js';

describe('the model-drawn Pegasus', () => {
  const ws = useCliWorkspace(3, 'peggen');
  const p = (...parts: string[]) => join(ws.tmp, ...parts);
  let common: string[];
  before(() => {
    drawHorsesInto(ws.fx);
    assert.equal(pegasus(['data', 'pegasi', '--n', '24', '--out', p('train-pegasi'), ...ws.data]).status, 0);
    assert.equal(pegasus(['data', 'pegasi', '--n', '24', '--split', 'test', '--out', p('test-pegasi'), ...ws.data]).status, 0);
    const config = resolveRunConfig('cgan', 'tiny', { classes: ['bird', 'horse', 'pegasus'], pegasi: p('train-pegasi') });
    saveEmaGenerator(p('g.pgc'), config, new Generator(config.cgan, new Rng(1)).stateDict(), 5);
    const plain = resolveRunConfig('cgan', 'tiny', {});
    saveEmaGenerator(p('g-plain.pgc'), plain, new Generator(plain.cgan, new Rng(1)).stateDict(), 5);
    saveClassifier(p('c.pgc'), new ResNet9({ ...defaultClassifierConfig, widths: [4, 4, 8, 8] }, new Rng(3)), {
      epoch: 0,
      testAccuracy: null,
    });
    common = ['--classifier', p('c.pgc'), '--detector', p('det', 'classifier.pgc'), ...ws.data];
    // the wing detector every generate run below uses
    detector = pegasus(['classifier', 'wings', '--pegasi', p('test-pegasi'), '--epochs', '1', '--out', p('det'), ...ws.data]);
  });
  let detector: ReturnType<typeof pegasus>;
  // the output folder a, made by whichever test needs it first (the comparison sets read it too)
  let generated: ReturnType<typeof pegasus> | undefined;
  const generateA = () =>
    (generated ??= pegasus(['generate', '--checkpoint', p('g.pgc'), '--candidates', '64', '--out', p('a'), ...common]));

  test('the wing detector trains on test-split composites and reports the held-out horses; train-split composites are refused', () => {
    const r = detector;
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /held-out horses: [\d.]+% right on \d+ images/);
    const acc = JSON.parse(readFileSync(p('det', 'accuracy.json'), 'utf8')) as { classNames: string[]; count: number };
    assert.deepEqual(acc.classNames, ['no wings', 'winged']);
    const bad = pegasus(['classifier', 'wings', '--pegasi', p('train-pegasi'), '--epochs', '1', '--out', p('det-bad'), ...ws.data]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /learns from test-split composites only/);
  });

  test('generate: 64 seeded random samples, the best of the candidates, every file; a rerun is identical', () => {
    const r = generateA();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /best: seed \d+, p\(winged\) [\d.]+, p\(horse\) [\d.]+, score -?[\d.]+ \(best of 64\)/);
    for (const f of ['pegasus.png', 'pegasus-x8.png', 'batch64.png', 'neighbours.png', 'strategies.png', 'pegasus.json', 'batch/63.png'])
      assert.ok(existsSync(p('a', f)), f);
    const json = JSON.parse(readFileSync(p('a', 'pegasus.json'), 'utf8')) as {
      best: { seed: number; score: number };
      batch: { seed: number; file: string; score: number }[];
      strategies: { strategy: string; score: number }[];
    };
    assert.deepEqual(
      json.batch.map((b) => b.seed),
      Array.from({ length: 64 }, (_, i) => 1 + i),
    );
    assert.ok(json.best.seed >= 100_000 && json.best.seed < 100_064);
    const model = json.strategies.filter((s) => s.strategy.startsWith('model'));
    assert.equal(model.length, 8);
    model.forEach((s) => assert.ok(s.score <= json.best.score + 1e-9));
    // batch image i is the pegasus class drawn from its seed alone
    const g = loadGenerator(p('g.pgc'));
    const again = floatToUint8(drawPegasusClass(g, [json.batch[5]!.seed]));
    assert.deepEqual(readPng(p('a', 'batch', '05.png')).data, again);
    // the rerun replaces the whole set, even one whose batch/30.png someone made a folder
    rmSync(p('a', 'batch', '30.png'));
    mkdirSync(p('a', 'batch', '30.png'));
    const r2 = pegasus(['generate', '--checkpoint', p('g.pgc'), '--candidates', '64', '--out', p('a'), ...common]);
    assert.equal(r2.status, 0, r2.stderr);
    assert.deepEqual(readPng(p('a', 'batch', '30.png')).data, floatToUint8(drawPegasusClass(g, [json.batch[30]!.seed])));
    assert.deepEqual(readPng(p('a', 'pegasus.png')).data, floatToUint8(drawPegasusClass(g, [json.best.seed])));
  });

  test('generate needs no CIFAR-10 (all but the neighbour sheet, one line on how to add it) and finds its defaults from any folder', () => {
    const away = p('away');
    mkdirSync(away);
    const noData = { XDG_CACHE_HOME: p('no-cache'), HOME: p('no-home') };
    const args = ['generate', '--checkpoint', p('g.pgc'), '--detector', p('det', 'classifier.pgc'), '--candidates', '64', '--out', 'set'];
    const r = pegasus(args, { cwd: away, env: noData });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /no CIFAR-10 found, so neighbours\.png .* is left out; run `pegasus data fetch` to add it/);
    for (const f of ['pegasus.png', 'pegasus-x8.png', 'batch64.png', 'strategies.png', 'pegasus.json', 'batch/63.png'])
      assert.ok(existsSync(join(away, 'set', f)), f);
    assert.ok(!existsSync(join(away, 'set', 'neighbours.png')));
    // the committed classifier was found from the other folder
    assert.match(JSON.parse(readFileSync(join(away, 'set', 'pegasus.json'), 'utf8')).classifier, /models\/classifier\/classifier\.pgc$/);
    // a --data that is wrong is still an error
    const bad = pegasus([...args, '--data', p('nowhere')], { cwd: away, env: noData });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--data .*nowhere: no such folder/);
  });

  test('generate refuses a generator without the pegasus class, a missing detector, and an --out that is not its own', () => {
    const cases: [string[], RegExp][] = [
      [['--checkpoint', p('g-plain.pgc'), ...common], /has no pegasus class .* --composed/],
      [
        ['--checkpoint', p('g.pgc'), ...common, '--detector', p('none.pgc')],
        /--detector .*none\.pgc: no such file .*pegasus classifier wings/,
      ],
      [['--checkpoint', p('g.pgc'), ...common, '--out', p('det')], /exists and is not an earlier pegasus generate output/],
      [
        ['--checkpoint', p('g.pgc'), '--body-share', '0.6', ...common],
        /--body-share choose what the composed search tries; add --composed --search/,
      ],
    ];
    for (const [args, re] of cases) {
      const r = pegasus(['generate', '--out', p('never'), ...args]);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
    }
    assert.ok(existsSync(p('det', 'classifier.pgc')), 'the folder that was not ours is untouched');
  });

  test('evaluate --pegasi scores the pegasus class beside horse samples, real horses and comparison sets', () => {
    assert.equal(generateA().status, 0);
    const r = pegasus([
      'evaluate',
      '--checkpoint',
      p('g.pgc'),
      '--pegasi',
      p('train-pegasi'),
      '--pegasus-n',
      '16',
      '--pegasus-only',
      '--pegasus-compare',
      `composites=${p('test-pegasi')}`,
      `generated=${p('a')}`,
      `mix=${p('g.pgc')}@horse:0.5,bird:0.5`,
      '--out',
      p('ev'),
      '--cache',
      p('cache'),
      ...common,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(readFileSync(p('ev', 'pegasus.json'), 'utf8')) as {
      realP05: number;
      sets: {
        name: string;
        count: number;
        winged: number;
        meanPHorse: number;
        fdComposites: number;
        diversityRatio: number;
        closerThanRealP05: number;
      }[];
    };
    assert.deepEqual(
      j.sets.map((s) => s.name),
      ['pegasus samples', 'horse samples (same generator)', 'real test horses', 'composites', 'generated', 'mix'],
    );
    assert.deepEqual(
      j.sets.map((s) => s.count),
      [16, 16, 3, 16, 64, 16],
    );
    for (const s of j.sets) {
      assert.ok(s.winged >= 0 && s.winged <= 1 && s.meanPHorse >= 0 && s.meanPHorse <= 1, JSON.stringify(s));
      assert.ok(Number.isFinite(s.fdComposites) && s.diversityRatio > 0, JSON.stringify(s));
    }
    assert.ok(Number.isFinite(j.realP05) && j.realP05 >= 0); // 0 here: the fixture's test horses repeat its training horses
    assert.ok(existsSync(p('ev', 'pegasus-nearest.png')));
    const bad = pegasus([
      'evaluate',
      '--checkpoint',
      p('g-plain.pgc'),
      '--pegasi',
      p('train-pegasi'),
      '--pegasus-only',
      '--out',
      p('ev2'),
      '--cache',
      p('cache'),
      ...common,
    ]);
    assert.match(bad.stderr, /--pegasi: the generator has no pegasus class/);
  });
});
