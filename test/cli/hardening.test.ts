// Bad input and accidents, tried as a careless user would: output paths every command checks before
// its work, run folders (a second process, a stale lock, a kill before the first checkpoint, a
// damaged config), checkpoints whose header was edited, damaged data, file-system errors as one
// line, and every numeric flag given hostile values.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { InvalidArgumentError, type Command, type Option } from '@commander-js/extra-typings';
import { buildProgram } from '../../src/cli/main.js';
import { RECORD_BYTES } from '../../src/data/cifar10Format.js';
import { Rng, tensor } from '../../src/engine/index.js';
import { Generator } from '../../src/models/cgan/index.js';
import { loadCheckpoint, saveCheckpoint, saveCheckpoints } from '../../src/nn/index.js';
import { fsErrorMessage } from '../../src/outPath.js';
import { writeFolderAtomic } from '../../src/atomicWrite.js';
import { resolveRunConfig } from '../../src/train/resolve.js';
import { emaFileOutOfStep } from '../../src/train/runFolder.js';
import { saveEmaGenerator } from '../../src/train/trainState.js';
import { writeCifarFixture } from '../helpers/cifarFixture.js';
import { cli, pegasus, repo, useCliWorkspace } from '../helpers/cli.js';

const oneLine = (r: { stderr: string }, what: string) => {
  assert.doesNotMatch(r.stderr, /\n\s+at /, `no stack trace: ${what}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${what}\n${r.stderr}`);
};

describe('hardening', () => {
  const ws = useCliWorkspace(2, 'hardening');
  const p = (...parts: string[]) => join(ws.tmp, ...parts);
  const tinyG = () => {
    if (!existsSync(p('g.pgc'))) {
      const config = resolveRunConfig('cgan', 'tiny', {});
      saveEmaGenerator(p('g.pgc'), config, new Generator(config.cgan, new Rng(1)).stateDict(), 3);
    }
    return p('g.pgc');
  };

  test('every command checks --out before its work: a file, a path below a file, an unwritable place, a file of another kind', () => {
    writeFileSync(p('notes.txt'), 'my notes\n');
    const g = tinyG();
    const cases: [string[], RegExp][] = [
      [['train', '--preset', 'tiny', ...ws.data, '--out', p('notes.txt')], /--out .*notes\.txt is a file, not a folder/],
      [['train', '--preset', 'tiny', ...ws.data, '--out', p('notes.txt', 'run')], /notes\.txt is a file, not a folder/],
      [['train', '--preset', 'tiny', ...ws.data, '--out', '/proc/pegasus-run'], /--out \/proc\/pegasus-run: cannot write in \/proc/],
      [['generate', ...ws.data, '--out', p('notes.txt')], /--out .*notes\.txt is a file, not a folder/],
      [['generate', ...ws.data, '--out', ws.tmp], /exists and is not an earlier pegasus generate output/],
      [['evaluate', '--checkpoint', g, ...ws.data, '--out', p('notes.txt', 'ev')], /notes\.txt is a file, not a folder/],
      [['evaluate', '--checkpoint', g, ...ws.data, '--cache', '/proc/cache'], /--cache \/proc\/cache: cannot write in \/proc/],
      [['classifier', 'train', ...ws.data, '--out', p('notes.txt')], /notes\.txt is a file, not a folder/],
      [
        ['classifier', 'eval', ...ws.data, '--out', p('notes.txt')],
        /notes\.txt exists and is not a JSON file; choose another path \(or remove it first\)/,
      ],
      [['classifier', 'wings', '--pegasi', p('none'), ...ws.data, '--out', p('notes.txt')], /notes\.txt is a file, not a folder/],
      [['diagram', '--model', 'classifier', '--no-png', '--out', p('notes.svg')], /notes\.svg exists and is not an SVG/],
      [['report', '--no-pdf', '--out', p('notes.txt', 'r.pdf')], /notes\.txt is a file, not a folder/],
      [['data', 'pegasi', ...ws.data, '--out', p('notes.txt', 'set')], /notes\.txt is a file, not a folder/],
      [['sample', '--checkpoint', g, '--out', '/proc/version'], /\/proc\/version exists and is not a PNG/],
    ];
    writeFileSync(p('notes.svg'), 'not a drawing\n');
    // refused before the work: nothing was written anywhere in the scratch folder
    const files = () => readdirSync(ws.tmp, { recursive: true }).map(String).sort();
    for (const [args, re] of cases) {
      const before = files();
      const r = pegasus(args);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
      oneLine(r, args.join(' '));
      assert.deepEqual(files(), before, `refused before the work: ${args.join(' ')}`);
    }
    assert.equal(readFileSync(p('notes.txt'), 'utf8'), 'my notes\n');
    assert.equal(readFileSync(p('notes.svg'), 'utf8'), 'not a drawing\n');
  });

  test('--help lists the environment variables and --threads; --threads is checked and applies to every command', () => {
    const help = pegasus(['--help']).stdout;
    for (const v of [
      'PEGASUS_DATA',
      'PEGASUS_THREADS',
      'PEGASUS_BACKEND',
      'PEGASUS_PROFILE',
      'PEGASUS_BLOCKED',
      'PEGASUS_CHROMIUM',
      '--threads <n>',
    ])
      assert.ok(help.includes(v), v);
    assert.match(pegasus(['train', '--help']).stdout, /Global Options:[\s\S]*--threads <n>/);
    const bad = pegasus(['sample', '--threads', '0', '--checkpoint', tinyG(), '--out', p('t.png')]);
    assert.match(bad.stderr, /--threads <n>.*an integer from 1 to 1,024/);
    assert.equal(
      pegasus(['sample', '--threads', '1', '--checkpoint', tinyG(), '--class', 'horse', '--n', '4', '--out', p('t.png')]).status,
      0,
    );
  });

  test('file-system errors that reach the command line are one line naming the path', () => {
    const err = (code: string, syscall: string, path: string) => Object.assign(new Error(`${code}: x`), { code, syscall, path });
    assert.equal(
      fsErrorMessage(err('EACCES', 'open', 'runs/a.png')),
      'cannot open runs/a.png: permission denied; choose a path you can write, or change its permissions',
    );
    assert.match(
      fsErrorMessage(err('ENOSPC', 'write', 'runs/a/checkpoint.pgc'))!,
      /^cannot write runs\/a\/checkpoint\.pgc: the disk is full/,
    );
    assert.match(fsErrorMessage(err('EISDIR', 'open', 'out'))!, /is a folder; give a file name/);
    assert.match(fsErrorMessage(err('ENOTDIR', 'mkdir', 'a/b'))!, /a part of the path is a file/);
    assert.equal(fsErrorMessage(new Error('plain')), undefined);
    assert.equal(fsErrorMessage(new RangeError('Invalid array length')), undefined);
  });

  test('one process per run folder: a second is refused, a stale lock and temporaries are taken over, Ctrl-C exits 130', async () => {
    const run = p('locked');
    const child = spawn(process.execPath, [...cli, 'train', '--preset', 'tiny', '--steps', '100000', '--out', run, ...ws.data], {
      cwd: repo,
      env: { ...process.env, PEGASUS_DATA: '' },
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 300 && !existsSync(join(run, 'metrics.jsonl')); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(readFileSync(join(run, 'lock'), 'utf8').trim(), String(child.pid));
    const second = pegasus(['train', '--resume', run, ...ws.data]);
    assert.notEqual(second.status, 0);
    assert.match(second.stderr, new RegExp(`being trained by another pegasus process \\(pid ${child.pid}\\)`));
    oneLine(second, 'second process');
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.ok(!existsSync(join(run, 'lock')), 'the lock is given back');
    // a lock whose process is gone (SIGKILL) and a temporary file left mid-write
    writeFileSync(join(run, 'lock'), '999999999\n');
    writeFileSync(join(run, 'checkpoint.pgc.tmp-999999999'), 'half');
    const steps = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).train.steps as number;
    const at = (loadCheckpoint(join(run, 'checkpoint.pgc')).meta as { step: number }).step;
    const resumed = pegasus(['train', '--resume', run, '--steps', String(at + 2), ...ws.data]);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.deepEqual(
      readdirSync(run).filter((f) => f.includes('.tmp-') || f === 'lock'),
      [],
    );
    assert.equal((loadCheckpoint(join(run, 'generator-ema.pgc')).meta as { step: number }).step, at + 2);
    assert.ok(steps > at);
  });

  test('classifier train: Ctrl-C keeps a resume point, exits 130 and says how to continue', async () => {
    const out = p('clf-stopped');
    const args = ['classifier', 'train', '--epochs', '1000', '--batch', '20', '--widths', '4,4,8,8', '--out', out, ...ws.data];
    const child = spawn(process.execPath, [...cli, ...args], { cwd: repo, env: { ...process.env, PEGASUS_DATA: '' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 300 && !existsSync(join(out, 'train-log.json')); i++) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.match(stderr, /continue with: pegasus classifier train --resume --out /);
    assert.ok(existsSync(join(out, 'last.pgc')) && !existsSync(join(out, 'classifier.pgc')));
    const at = loadCheckpoint(join(out, 'last.pgc')).meta as { epoch: number; step: number };
    assert.ok(at.epoch >= 1, `stopped at epoch ${at.epoch}`);
  });

  test('a run stopped before its first checkpoint restarts, by --resume or into the same --out; --preset and --model are refused on resume', () => {
    const run = p('early');
    assert.equal(pegasus(['train', '--preset', 'tiny', '--steps', '2', '--out', run, ...ws.data]).status, 0);
    rmSync(join(run, 'checkpoint.pgc'));
    rmSync(join(run, 'generator-ema.pgc'));
    const r = pegasus(['train', '--resume', run, ...ws.data]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /stopped before its first checkpoint; starting it over/);
    rmSync(join(run, 'checkpoint.pgc'));
    assert.equal(pegasus(['train', '--preset', 'tiny', '--steps', '2', '--out', run, ...ws.data]).status, 0);
    assert.match(pegasus(['train', '--resume', run, '--preset', 'cpu', ...ws.data]).stderr, /drop --preset/);
    assert.match(pegasus(['train', '--resume', run, '--model', 'dcgan', ...ws.data]).stderr, /is a cgan run; drop --model dcgan/);
    assert.match(pegasus(['train', '--resume', p('nothing-here'), ...ws.data]).stderr, /holds no run/);
  });

  test('--resume remembers the data folder the run was started with', () => {
    const run = p('remembers');
    assert.equal(pegasus(['train', '--preset', 'tiny', '--steps', '2', '--out', run, ...ws.data]).status, 0);
    assert.equal(JSON.parse(readFileSync(join(run, 'data.json'), 'utf8')).data, ws.fx.dir);
    const noData = { XDG_CACHE_HOME: p('no-cache'), HOME: p('no-home') };
    const r = pegasus(['train', '--resume', run, '--steps', '4', '--records-per-file', String(ws.fx.recordsPerFile)], { env: noData });
    assert.equal(r.status, 0, r.stderr);
    assert.equal((loadCheckpoint(join(run, 'checkpoint.pgc')).meta as { step: number }).step, 4);
    // metrics.csv holds the same numbers as metrics.jsonl, one row per line, across the resume
    const csv = readFileSync(join(run, 'metrics.csv'), 'utf8').trim().split('\n');
    const jsonl = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number>);
    const header = csv[0]!.split(',');
    assert.deepEqual(header.slice(0, 4), ['step', 'epoch', 'lossD', 'lossG']);
    assert.deepEqual(
      csv.slice(1).map((r) => Number(r.split(',')[0])),
      [1, 2, 3, 4],
    );
    assert.equal(Number(csv[4]!.split(',')[header.indexOf('lossD')]), jsonl[3]!['lossD']);
  });

  test('a damaged config.json is named with what to do', () => {
    const run = p('damaged');
    assert.equal(pegasus(['train', '--preset', 'tiny', '--steps', '2', '--out', run, ...ws.data]).status, 0);
    writeFileSync(join(run, 'config.json'), '{not json');
    const r = pegasus(['train', '--resume', run, '--steps', '4', ...ws.data]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /config\.json is not valid JSON; restore it \(the run's config is also in the header of .*checkpoint\.pgc\)/);
    oneLine(r, 'config.json');
  });

  test('the checksum covers the header: an edited class name or size is refused', () => {
    const g = tinyG();
    const bytes = readFileSync(g);
    const text = bytes.toString('latin1');
    for (const [from, to] of [
      ['"horse"', '"zebra"'],
      ['"zDim":', '"zDin":'],
    ] as const) {
      assert.ok(text.includes(from), from);
      writeFileSync(p('edited.pgc'), Buffer.from(text.replace(from, to), 'latin1'));
      const r = pegasus(['sample', '--checkpoint', p('edited.pgc'), '--out', p('edited.png')]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /header checksum mismatch: the header was edited or damaged/);
      oneLine(r, `edited ${from}`);
    }
    assert.ok(!existsSync(p('edited.png')));
  });

  test('a set of checkpoints is renamed into place only once all are written', () => {
    const a = p('pair-a.pgc');
    const b = p('pair-b.pgc');
    saveCheckpoint(a, { kind: 'x', config: null, tensors: { w: tensor([1], [1]) }, meta: { step: 1 } });
    saveCheckpoint(b, { kind: 'x', config: null, tensors: { w: tensor([1], [1]) }, meta: { step: 1 } });
    const broken = {
      get data(): Float32Array {
        throw new Error('disk gone');
      },
      shape: [1],
      dtype: 'float32',
    } as never;
    assert.throws(
      () =>
        saveCheckpoints([
          { path: a, contents: { kind: 'x', config: null, tensors: { w: tensor([2], [1]) }, meta: { step: 2 } } },
          { path: b, contents: { kind: 'x', config: null, tensors: { w: broken }, meta: { step: 2 } } },
        ]),
      /disk gone/,
    );
    assert.equal((loadCheckpoint(a).meta as { step: number }).step, 1, 'the first file was not replaced alone');
    // a resume compares a run's EMA file with its checkpoint's step and writes it again when they differ
    assert.equal(emaFileOutOfStep(a, 1), false);
    assert.equal(emaFileOutOfStep(a, 2), true);
    assert.equal(emaFileOutOfStep(p('pair-missing.pgc'), 1), true);
    assert.deepEqual(
      readdirSync(ws.tmp).filter((f) => f.startsWith('pair-') && f.includes('.tmp-')),
      [],
    );
  });

  test('an output set is replaced whole or not at all', () => {
    const dir = p('set');
    writeFolderAtomic(dir, (into) => {
      writeFileSync(join(into, 'a.txt'), 'old a');
      writeFileSync(join(into, 'b.txt'), 'old b');
    });
    assert.throws(
      () =>
        writeFolderAtomic(dir, (into) => {
          writeFileSync(join(into, 'a.txt'), 'new a');
          throw new Error('killed half way');
        }),
      /killed half way/,
    );
    assert.deepEqual(
      readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')),
      ['old a', 'old b'],
    );
    writeFolderAtomic(dir, (into) => writeFileSync(join(into, 'a.txt'), 'new a'));
    assert.deepEqual(readdirSync(dir), ['a.txt']);
    assert.deepEqual(
      readdirSync(ws.tmp).filter((f) => f.startsWith('.set.')),
      [],
    );
  });

  test('data check refuses noise, one-class labels and files that differ from SHA256SUMS', () => {
    const fx = writeCifarFixture(10);
    try {
      const data = ['--data', fx.dir, '--records-per-file', String(fx.recordsPerFile)];
      const ok = pegasus(['data', 'check', ...data]);
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /every class in every file, pictures not noise/);
      const file = join(fx.dir, 'data_batch_3.bin');
      const good = readFileSync(file);
      const noise = Buffer.from(good);
      const rng = new Rng(5);
      for (let r = 0; r < fx.recordsPerFile; r++)
        for (let i = 1; i < RECORD_BYTES; i++) noise[r * RECORD_BYTES + i] = Math.floor(rng.uniform() * 256);
      writeFileSync(file, noise);
      let r = pegasus(['data', 'check', ...data]);
      assert.match(r.stderr, /data_batch_3\.bin: its images are not pictures \(adjacent pixels correlate 0\.\d\d/);
      oneLine(r, 'noise');
      const zeros = Buffer.from(good);
      for (let k = 0; k < fx.recordsPerFile; k++) zeros[k * RECORD_BYTES] = 0;
      writeFileSync(file, zeros);
      r = pegasus(['data', 'check', ...data]);
      assert.match(r.stderr, /data_batch_3\.bin: 100\.0% of its records are airplane .* the labels are damaged/);
      writeFileSync(file, good);
      writeFileSync(join(fx.root, 'SHA256SUMS'), `${'0'.repeat(64)}  data_batch_1.bin\n`);
      r = pegasus(['data', 'check', ...data]);
      assert.match(r.stderr, /data_batch_1\.bin does not match its SHA-256 in .*SHA256SUMS/);
      oneLine(r, 'checksum');
    } finally {
      fx.cleanup();
    }
  });

  test('every numeric flag of every subcommand refuses hostile values or takes a finite number within bounds', () => {
    const hostile = ['0', '-1', '1e308', '-1e308', 'NaN', 'Infinity', '-Infinity', '1e-300', '99999999999', '1.5', 'abc', '', ' ', '0x10'];
    let checked = 0;
    const walk = (cmd: Command) => {
      for (const sub of cmd.commands as Command[]) {
        walk(sub);
        for (const o of sub.options as readonly Option[]) {
          const parse = (o as unknown as { parseArg?: (v: string, prev: unknown) => unknown }).parseArg;
          if (parse === undefined || !(typeof o.defaultValue === 'number' || /<(n|count|x|k|psi|a|sigma|lambda|port)>/.test(o.flags)))
            continue;
          for (const v of hostile) {
            let value: unknown;
            try {
              value = parse(v, undefined);
            } catch (e) {
              assert.ok(e instanceof InvalidArgumentError, `${sub.name()} ${o.long} ${JSON.stringify(v)}: ${(e as Error).message}`);
              continue;
            }
            checked++;
            if (value === 'none') continue;
            assert.ok(
              typeof value === 'number' && Number.isFinite(value),
              `${sub.name()} ${o.long} ${JSON.stringify(v)} → ${String(value)}`,
            );
            // a vanishing value is fine only where 0 itself is (it then means 0)
            const zeroAllowed = (() => {
              try {
                return parse('0', undefined) === 0;
              } catch {
                return false;
              }
            })();
            assert.ok(
              Math.abs(value) <= 100_000_000 && (zeroAllowed || Math.abs(value) >= 1e-9),
              `${sub.name()} ${o.long} ${JSON.stringify(v)} → ${value} is out of any sensible range`,
            );
          }
        }
      }
    };
    walk(buildProgram() as unknown as Command);
    assert.ok(checked > 20, `${checked} values were taken`);
  });
});
