// The pegasus class: a run that adds it to a checkpoint's classes starts it as a copy of horse,
// trains on the composites, and can be sampled; --train-g conditional leaves the rest of G alone.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { loadCheckpoint } from '../../src/nn/index.js';
import { readRunConfig } from '../../src/train/runFolder.js';
import { resolveRunConfig } from '../../src/train/resolve.js';
import { loadInitState } from '../../src/train/trainState.js';
import { pegasus, useCliWorkspace } from '../helpers/cli.js';
import { drawHorsesInto } from '../helpers/horseFixture.js';

const rows = (data: Float32Array, width: number, r: number) => Array.from(data.subarray(r * width, (r + 1) * width));

describe('training a pegasus class', () => {
  const ws = useCliWorkspace(3, 'pegclass');
  const p = (name: string) => join(ws.tmp, name);
  before(() => {
    drawHorsesInto(ws.fx);
    assert.equal(pegasus(['data', 'pegasi', '--n', '16', '--out', p('pegasi'), ...ws.data]).status, 0);
    const r = pegasus(['train', '--preset', 'tiny', '--steps', '3', '--out', p('base'), ...ws.data]);
    assert.equal(r.status, 0, r.stderr);
  });

  test("--init-class grows the class tables with copies of horse's rows (G, D, EMA and Adam state)", () => {
    const base = loadCheckpoint(p('base/checkpoint.pgc'));
    const config = resolveRunConfig('cgan', 'tiny', {
      classes: ['bird', 'horse', 'pegasus'],
      pegasi: p('pegasi'),
      initFrom: p('base/checkpoint.pgc'),
      initClasses: { pegasus: 'horse' },
      steps: 10,
    });
    const grown = new Map<string, Float32Array>();
    const loaded = loadInitState(p('base/checkpoint.pgc'), config);
    assert.equal(loaded.step, 3);
    // apply into stand-ins that record what they are given
    const sink = (prefix: string) => ({
      loadStateDict: (d: Record<string, { data: Float32Array; shape: number[] }>) =>
        Object.entries(d).forEach(([k, t]) => grown.set(`${prefix}.${k}`, t.data)),
    });
    const optSink = (prefix: string) => ({
      loadStateDict: (s: { v: { data: Float32Array }[] }) => s.v.forEach((t, i) => grown.set(`${prefix}.v.${i}`, t.data)),
    });
    loaded.apply({
      generator: sink('G'),
      discriminator: sink('D'),
      ema: sink('emaG'),
      optG: optSink('optG'),
      optD: optSink('optD'),
    } as never);
    let checked = 0;
    for (const [name, t] of Object.entries(base.tensors)) {
      if (t.shape[0] !== 2 || t.shape.length > 2) continue;
      const width = t.shape.length === 2 ? t.shape[1]! : 1;
      const g = grown.get(name);
      assert.ok(g !== undefined, name);
      assert.equal(g.length, 3 * width, name);
      assert.deepEqual(rows(g, width, 0), rows(t.data as Float32Array, width, 0), `${name}: bird kept`);
      assert.deepEqual(rows(g, width, 1), rows(t.data as Float32Array, width, 1), `${name}: horse kept`);
      assert.deepEqual(rows(g, width, 2), rows(t.data as Float32Array, width, 1), `${name}: pegasus = horse`);
      checked++;
    }
    assert.ok(checked >= 5, `${checked} class tables grown`); // G, emaG and D embeddings, D's u, Adam v
  });

  test('a fork with the pegasus class trains, records its classes, and samples the class', () => {
    const r = pegasus([
      'train',
      '--preset',
      'tiny',
      '--classes',
      'bird,horse,pegasus',
      '--pegasi',
      p('pegasi'),
      '--init-from',
      p('base/checkpoint.pgc'),
      '--init-class',
      'pegasus=horse',
      '--steps',
      '6',
      '--out',
      p('fork'),
      ...ws.data,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const c = readRunConfig(p('fork'));
    assert.deepEqual(c.train.classes, ['bird', 'horse', 'pegasus']);
    assert.equal(c.cgan.numClasses, 3);
    const s = pegasus(['sample', '--checkpoint', p('fork/generator-ema.pgc'), '--class', 'pegasus', '--n', '4', '--out', p('peg.png')]);
    assert.equal(s.status, 0, s.stderr);
  });

  test('--train-g conditional changes only the class embedding and the conditional batch norms', () => {
    const r = pegasus([
      'train',
      '--preset',
      'tiny',
      '--classes',
      'bird,horse,pegasus',
      '--pegasi',
      p('pegasi'),
      '--init-from',
      p('base/checkpoint.pgc'),
      '--init-class',
      'pegasus=horse',
      '--train-g',
      'conditional',
      '--steps',
      '6',
      '--out',
      p('cond'),
      ...ws.data,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const before = loadCheckpoint(p('base/checkpoint.pgc')).tensors;
    const after = loadCheckpoint(p('cond/checkpoint.pgc')).tensors;
    let frozen = 0;
    let moved = 0;
    for (const [name, t] of Object.entries(after)) {
      if (!name.startsWith('G.') || name.includes('running')) continue;
      const old = before[name]!;
      const conditional = name === 'G.embed.weight' || /\.bn[12]\.(gamma|beta)\./.test(name);
      if (conditional) {
        if (name !== 'G.embed.weight' && Array.from(t.data).some((v, i) => v !== old.data[i])) moved++;
      } else if (old.shape.join() === t.shape.join()) {
        assert.deepEqual(Array.from(t.data), Array.from(old.data), `${name} frozen`);
        frozen++;
      }
    }
    assert.ok(frozen > 5 && moved > 0, `${frozen} frozen, ${moved} conditional tensors moved`);
  });

  test('misuse is refused with one line', () => {
    const cases: [string[], RegExp][] = [
      [['--classes', 'horse,pegasus'], /the pegasus class needs its images: give --pegasi DIR/],
      [['--pegasi', p('pegasi')], /add pegasus to --classes/],
      [
        [
          '--classes',
          'pegasus,bird,horse',
          '--pegasi',
          p('pegasi'),
          '--init-from',
          p('base/checkpoint.pgc'),
          '--init-class',
          'pegasus=horse',
        ],
        /give --classes bird,horse,pegasus to add pegasus after them/,
      ],
      [
        [
          '--classes',
          'bird,horse,pegasus',
          '--pegasi',
          p('pegasi'),
          '--init-from',
          p('base/checkpoint.pgc'),
          '--init-class',
          'pegasus=deer',
        ],
        /has no class "deer"/,
      ],
      [['--init-class', 'pegasus'], /--init-class.*NEW=OLD/],
      [['--train-g', 'some'], /--train-g.*Allowed choices are all, conditional/],
    ];
    for (const [args, re] of cases) {
      const r = pegasus(['train', '--preset', 'tiny', '--steps', '8', '--out', p('never'), ...args, ...ws.data]);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
    }
  });
});
