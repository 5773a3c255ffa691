// `pegasus sample` refuses numbers without bounds, paths it cannot or must not write, and a
// checkpoint that is not a file, with one line and before any work; a PNG is never half written.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConcepts } from '../../src/diffusion/guidance.js';
import { Rng } from '../../src/engine/index.js';
import { readPng } from '../../src/image/index.js';
import { Generator } from '../../src/models/cgan/index.js';
import { parseClassMix } from '../../src/sample/classMix.js';
import { resolveRunConfig } from '../../src/train/resolve.js';
import { saveEmaGenerator } from '../../src/train/trainState.js';
import { pegasus } from '../helpers/cli.js';

describe('pegasus sample: bounds and output paths', () => {
  let tmp: string;
  const p = (...parts: string[]) => join(tmp, ...parts);
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'pegasus-sampleguards-'));
    const config = resolveRunConfig('cgan', 'tiny', {});
    saveEmaGenerator(p('g.pgc'), config, new Generator(config.cgan, new Rng(1)).stateDict(), 3);
    writeFileSync(p('precious.txt'), 'my notes\n');
    mkdirSync(p('folder'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('bad numbers, paths and checkpoints: one line each, nothing written', () => {
    const g = ['--checkpoint', p('g.pgc')];
    const cases: [string[], RegExp][] = [
      [[...g, '--class', 'horse:1e308', '--out', p('a.png')], /--class "horse:1e308": the weight of horse must lie within ±4/],
      [[...g, '--class', 'horse:abc', '--out', p('a.png')], /--class "horse:abc": "horse:abc" is not NAME or NAME:WEIGHT/],
      [[...g, '--truncation', '1e-300', '--out', p('a.png')], /--truncation.*from 0\.05/],
      [[...g, '--n', '1000000', '--out', p('a.png')], /--n.*from 1 to 4,096/],
      [[...g, '--scale', '100000', '--out', p('a.png')], /--scale.*from 1 to 16/],
      [['--checkpoint', '/dev/zero', '--out', p('a.png')], /\/dev\/zero is not a regular file/],
      [[...g, '--out', p('precious.txt')], /precious\.txt exists and is not a PNG; choose another path \(or add --force/],
      [[...g, '--out', p('folder')], /folder is a folder; give a file name/],
      [[...g, '--out', p('precious.txt', 'x.png')], /precious\.txt is a file, not a folder/],
    ];
    for (const [args, re] of cases) {
      const r = pegasus(['sample', ...args]);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, `no stack trace: ${args.join(' ')}`);
    }
    assert.equal(readFileSync(p('precious.txt'), 'utf8'), 'my notes\n');
    assert.deepEqual(readdirSync(tmp).sort(), ['folder', 'g.pgc', 'precious.txt']);
  });

  test('--force replaces a file that is not a PNG; a PNG is replaced without it; no temporary file is left', () => {
    const r = pegasus(['sample', '--checkpoint', p('g.pgc'), '--class', 'horse', '--n', '4', '--out', p('precious.txt'), '--force']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readPng(p('precious.txt')).channels, 3);
    const again = pegasus(['sample', '--checkpoint', p('g.pgc'), '--class', 'horse', '--n', '4', '--out', p('precious.txt')]);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(
      readdirSync(tmp).filter((f) => f.includes('.tmp-')),
      [],
    );
  });

  test('mixture and guidance weights are bounded, and errors name the flag that was given', () => {
    assert.throws(() => parseClassMix('horse:abc', '--concept'), /^UserError: --concept "horse:abc"/);
    assert.throws(() => parseClassMix('horse:-4.5'), /within ±4/);
    assert.throws(() => parseClassMix('horse:', '--concept'), /--concept "horse:": "horse:" is not NAME or NAME:WEIGHT/);
    assert.deepEqual(parseClassMix('horse:-4,bird:4'), [
      { name: 'horse', weight: -4 },
      { name: 'bird', weight: 4 },
    ]);
    assert.throws(() => parseConcepts('horse:1e308', ['horse']), /guidance weight of horse must lie within ±20/);
    assert.deepEqual(parseConcepts('horse:3,bird:-0.5', ['bird', 'horse']), [
      { classIndex: 1, weight: 3 },
      { classIndex: 0, weight: -0.5 },
    ]);
  });
});
