// `pegasus evaluate` and `pegasus classifier` as a user runs them, on a fixture-sized CIFAR-10
// folder: flags are validated with one-line errors; a tiny GAN and a tiny classifier give an
// evaluation.json with all four groups, the reference rows, the concept block and the sheet.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readPng } from '../../src/image/index.js';
import { pegasus, useCliWorkspace } from '../helpers/cli.js';

describe('pegasus evaluate / classifier', () => {
  const ws = useCliWorkspace(4, 'evaluate');

  test('bad flag values are refused with a one-line reason', () => {
    const cases: [string[], RegExp][] = [
      [['classifier', 'train', '--epochs', '0'], /--epochs.*an integer from 1 to 1,000/],
      [['classifier', 'train', '--widths', '8,16'], /--widths.*four integers from 1 to 1024/],
      [['classifier', 'train', '--seed', '-1'], /--seed/],
      [['evaluate'], /--checkpoint/],
      [['evaluate', '--checkpoint', 'x.pgc', '--n', '2'], /--n.*an integer from 4 to 100,000/],
      [['evaluate', '--checkpoint', 'x.pgc', '--classes', 'horse,unicorn'], /--classes.*CIFAR-10 class names/],
      [['evaluate', '--checkpoint', 'x.pgc', '--mean-noise', '-1'], /--mean-noise/],
      [['evaluate', '--checkpoint', 'x.pgc', '--nn-queries', 'many'], /--nn-queries.*an integer from 1 to 10,000/],
    ];
    for (const [args, pattern] of cases) {
      const r = pegasus(args);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.match(r.stderr, pattern, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    }
    const missing = pegasus(['evaluate', '--checkpoint', join(ws.tmp, 'nope.pgc'), '--classifier', join(ws.tmp, 'nope.pgc')]);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /no such file/);
  });

  test('a tiny GAN scored by a tiny classifier: all four groups, reference rows, concept and sheet', () => {
    const gan = join(ws.tmp, 'gan');
    const t = pegasus(['train', '--preset', 'tiny', '--steps', '2', '--out', gan, ...ws.data]);
    assert.equal(t.status, 0, t.stderr);
    const clf = join(ws.tmp, 'clf');
    const c = pegasus(['classifier', 'train', '--epochs', '1', '--batch', '20', '--widths', '4,4,8,8', '--out', clf, ...ws.data]);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /test accuracy \d+\.\d+%/);
    const e = pegasus(['classifier', 'eval', '--checkpoint', join(clf, 'classifier.pgc'), '--out', join(clf, 'eval.json'), ...ws.data]);
    assert.equal(e.status, 0, e.stderr);
    const acc = JSON.parse(readFileSync(join(clf, 'eval.json'), 'utf8')) as { accuracy: number; confusion: number[][] };
    assert.equal(
      acc.confusion.flat().reduce((a, b) => a + b, 0),
      40,
    );

    const out = join(ws.tmp, 'eval');
    const r = pegasus([
      'evaluate',
      '--checkpoint',
      join(gan, 'generator-ema.pgc'),
      '--classifier',
      join(clf, 'classifier.pgc'),
      '--n',
      '20',
      '--nn-queries',
      '6',
      '--prdc',
      '8',
      '--kid-subsets',
      '2',
      '--concept',
      'horse:0.5,bird:0.5',
      '--cache',
      join(ws.tmp, 'cache'),
      '--out',
      out,
      ...ws.data,
    ]);
    assert.equal(r.status, 0, r.stderr);
    for (const group of ['RECOGNISABILITY', 'REALISM', 'UNIQUENESS', 'DIVERSITY', 'CONCEPT']) assert.match(r.stdout, new RegExp(group));
    const report = JSON.parse(readFileSync(join(out, 'evaluation.json'), 'utf8'));
    assert.deepEqual(
      report.sets.map((s: { name: string }) => s.name),
      ['generated', 'real test (floor)', 'blurred test', 'class mean + noise'],
    );
    assert.deepEqual(report.classes, ['bird', 'horse']);
    for (const s of report.sets) {
      assert.ok(Number.isFinite(s.recognisability.meanProbability));
      assert.ok(Number.isFinite(s.realism.fd) && Number.isFinite(s.realism.kid) && Number.isFinite(s.realism.precision));
      assert.ok(s.uniqueness.queries > 0 && Number.isFinite(s.uniqueness.pixel.median));
      assert.ok(Number.isFinite(s.diversity.meanPairwise));
      assert.deepEqual(Object.keys(s.realism.perClass), ['bird', 'horse']);
    }
    // real test images are not training images: none is an exact copy
    assert.equal(report.sets[1].uniqueness.exactCopies, 0);
    assert.deepEqual(report.concept.components, ['horse', 'bird']);
    const sheet = readPng(join(out, 'nearest.png'));
    assert.ok(sheet.width > 4 * 64 && sheet.height > 64);
    assert.ok(existsSync(join(ws.tmp, 'cache')));
  });
});
