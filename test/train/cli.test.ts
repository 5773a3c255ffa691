// `pegasus train`, `pegasus sample` and `pegasus plot` as a user runs them: flags are validated
// with one-line errors, a tiny run works end to end, Ctrl-C saves a checkpoint.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readPng } from '../../src/image/index.js';
import { cli, pegasus, repo, useCliWorkspace } from '../helpers/cli.js';

describe('pegasus train / sample / plot', () => {
  const ws = useCliWorkspace(2, 'traincli');

  test('bad flag values are refused with a one-line reason', () => {
    const cases: [string[], RegExp][] = [
      [['--steps', '0'], /--steps.*an integer from 1 to 100,000,000/],
      [['--steps', 'ten'], /--steps.*an integer from 1 to 100,000,000/],
      [['--batch', '-3'], /--batch.*an integer from 1 to 4,096/],
      [['--lr-g', 'fast'], /--lr-g.*a number from 1e-8 to 1/],
      [['--lr', '2'], /--lr.*a number from 1e-8 to 1/],
      [['--lr', '1e-4', '--lr-g', '1e-4'], /--lr-g.*cannot be used with option '--lr/],
      [['--model', 'vae'], /--model.*Allowed choices are cgan, dcgan/],
      [['--preset', 'huge'], /--preset.*Allowed choices/],
      [['--steps', '5', '--epochs', '2'], /cannot be used with/],
      [['--classes', 'horse,unicorn', ...ws.data], /unknown CIFAR-10 class "unicorn"/],
      [['--lr-decay', '30'], /--lr-decay.*START:END/],
      [['--augment', 'color,blur'], /--augment.*none or a list of color, translation, cutout/],
      [['--init-from', join(ws.tmp, 'nothing.pgc'), ...ws.data], /nothing\.pgc/],
      [['--lr-decay', '9:4'], /--lr-decay.*END after START/],
      [['--d-warmup', '0'], /--d-warmup.*an integer from 1/],
      [['--class-loss', '-1'], /--class-loss.*a number from 0.000001 to 100/],
      [['--model', 'dcgan', '--class-loss', '0.5', ...ws.data], /--class-loss needs the conditional GAN/],
      [['--steps', '8', '--lr-decay', '2:6', ...ws.data], /reach zero at update 6 .* 8 updates long; give --steps 6/],
    ];
    for (const [args, re] of cases) {
      const r = pegasus(['train', '--preset', 'tiny', '--out', join(ws.tmp, 'never'), ...args]);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
    }
    assert.ok(!existsSync(join(ws.tmp, 'never', 'checkpoint.pgc')));
  });

  test('trains a tiny run, refuses to overwrite it, samples a PNG of the right size and plots it', () => {
    const out = join(ws.tmp, 'run');
    const r = pegasus(['train', '--preset', 'tiny', '--steps', '3', '--out', out, ...ws.data]);
    assert.equal(r.status, 0, r.stderr);
    const again = pegasus(['train', '--preset', 'tiny', '--steps', '3', '--out', out, ...ws.data]);
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /already holds a run; continue it with --resume/);
    const resumeBad = pegasus(['train', '--resume', out, '--seed', '3', ...ws.data]);
    assert.match(resumeBad.stderr, /drop --seed/);
    assert.match(pegasus(['train', '--resume', out, '--augment', 'cutout', ...ws.data]).stderr, /drop --augment/);
    assert.match(pegasus(['train', '--resume', out, '--d-warmup', '2', ...ws.data]).stderr, /drop --d-warmup/);
    assert.match(pegasus(['train', '--resume', out, '--class-loss', '1', ...ws.data]).stderr, /drop --class-loss/);
    // a new run from the first run's generator file: D is new and G is held for 2 updates, from update 3 on
    const fork = join(ws.tmp, 'fork');
    const f = pegasus([
      'train',
      '--preset',
      'tiny',
      '--steps',
      '6',
      '--init-from',
      join(out, 'generator-ema.pgc'),
      '--d-warmup',
      '2',
      '--out',
      fork,
      ...ws.data,
    ]);
    assert.equal(f.status, 0, f.stderr);
    const forkConfig = JSON.parse(readFileSync(join(fork, 'config.json'), 'utf8'));
    assert.equal(forkConfig.train.holdGUntil, 5);
    assert.match(
      pegasus(['train', '--model', 'diffusion', '--preset', 'tiny', '--d-warmup', '2', ...ws.data]).stderr,
      /--d-warmup .* no discriminator/,
    );
    // a decay may be added on resume only from the checkpoint's update on
    const decayBad = pegasus(['train', '--resume', out, '--steps', '5', '--lr-decay', '2:5', ...ws.data]);
    assert.notEqual(decayBad.status, 0);
    assert.match(decayBad.stderr, /at update 3, .*must start at update 3 or later/);

    const png = join(ws.tmp, 'horse.png');
    const s = pegasus([
      'sample',
      '--checkpoint',
      join(out, 'generator-ema.pgc'),
      '--class',
      'horse:0.7,bird:0.3',
      '--n',
      '6',
      '--scale',
      '1',
      '--out',
      png,
    ]);
    assert.equal(s.status, 0, s.stderr);
    const img = readPng(png);
    // 6 images → 3 columns × 2 rows of 32 px with 2 px padding around and between.
    assert.deepEqual([img.width, img.height], [3 * 32 + 4 * 2, 2 * 32 + 3 * 2]);
    // the truncation trick draws other latents, so other images; ψ must be a positive number
    const tpng = join(ws.tmp, 'horse-t.png');
    const t = pegasus([
      'sample',
      '--checkpoint',
      join(out, 'generator-ema.pgc'),
      '--class',
      'horse:0.7,bird:0.3',
      '--n',
      '6',
      '--scale',
      '1',
      '--truncation',
      '0.5',
      '--out',
      tpng,
    ]);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stderr, /truncation ψ 0\.5/);
    assert.deepEqual([readPng(tpng).width, readPng(tpng).height], [img.width, img.height]);
    assert.notDeepEqual(readPng(tpng).data, img.data);
    assert.match(
      pegasus(['sample', '--checkpoint', join(out, 'generator-ema.pgc'), '--class', 'horse', '--truncation', '-1', '--out', tpng]).stderr,
      /--truncation.*a number from 0.05/,
    );
    const unknown = pegasus(['sample', '--checkpoint', join(out, 'generator-ema.pgc'), '--class', 'truck', '--out', png]);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /not trained on "truck"; it knows bird, horse/);

    const svg = join(ws.tmp, 'losses.svg');
    const p = pegasus(['plot', '--run', out, '--out', svg]);
    assert.equal(p.status, 0, p.stderr);
    const text = readFileSync(svg, 'utf8');
    assert.match(text, /^<svg /);
    assert.equal((text.match(/<polyline /g) ?? []).length, 2);
    // the held-out probe's two series (the tiny preset probes every 2 steps), and a field never logged
    const gap = join(ws.tmp, 'gap.svg');
    const g = pegasus(['plot', '--run', out, '--series', 'dTrain,dHeldOut', '--out', gap]);
    assert.equal(g.status, 0, g.stderr);
    const gapText = readFileSync(gap, 'utf8');
    assert.equal((gapText.match(/<polyline /g) ?? []).length, 2);
    assert.match(gapText, />dTrain, dHeldOut of /);
    const bad = pegasus(['plot', '--run', out, '--series', 'lossD,fid', '--out', gap]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /has fid; it logs epoch, lossD, lossG, .*dTrain, dHeldOut/);
    // a diffusion run's log has one loss, drawn by default
    const diff = join(ws.tmp, 'diffusion-log');
    mkdirSync(diff);
    writeFileSync(
      join(diff, 'metrics.jsonl'),
      [1, 2, 3].map((step) => JSON.stringify({ step, epoch: 0, loss: 1 / step, gradNorm: 1 })).join('\n') + '\n',
    );
    const d = pegasus(['plot', '--run', diff, '--out', join(diff, 'losses.svg')]);
    assert.equal(d.status, 0, d.stderr);
    assert.equal((readFileSync(join(diff, 'losses.svg'), 'utf8').match(/<polyline /g) ?? []).length, 1);
  });

  test('Ctrl-C saves a checkpoint and exits with 130 (stopped, not finished); --resume continues', async () => {
    const out = join(ws.tmp, 'sigint');
    const child = spawn(process.execPath, [...cli, 'train', '--preset', 'tiny', '--steps', '100000', '--out', out, ...ws.data], {
      cwd: repo,
      env: { ...process.env, PEGASUS_DATA: '' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const metrics = join(out, 'metrics.jsonl');
    const deadline = Date.now() + 60_000;
    while (!(existsSync(metrics) && readFileSync(metrics, 'utf8').split('\n').length > 3) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 130, stderr);
    assert.match(stderr, /stopped at step \d+; continue with: pegasus train --resume/);
    assert.ok(existsSync(join(out, 'checkpoint.pgc')));
    const stepped = Number(/stopped at step (\d+)/.exec(stderr)![1]);
    const behind = pegasus(['train', '--resume', out, '--steps', String(stepped), ...ws.data]);
    assert.notEqual(behind.status, 0);
    assert.match(behind.stderr, new RegExp(`is already at update ${stepped}; give --steps above ${stepped} to go on`));
    assert.doesNotMatch(readFileSync(join(out, 'config.json'), 'utf8'), new RegExp(`"steps": ${stepped}\\b`));
    const r = pegasus(['train', '--resume', out, '--steps', String(stepped + 2), ...ws.data]);
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(metrics, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).step as number);
    assert.equal(lines.at(-1), stepped + 2);
  });
});
