// `pegasus data check` as a user runs it: a table of counts on success, one line and a non-zero
// exit status on any failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { writeCifarFixture, type Fixture } from '../helpers/cifarFixture.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));

function pegasus(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, PEGASUS_DATA: '', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The one-line error a failed run prints (exactly one non-empty line on stderr). */
function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  return lines[0]!;
}

describe('pegasus data check', () => {
  let fx: Fixture;
  before(() => {
    fx = writeCifarFixture(2); // 20 records per file: 2 of each class
  });
  after(() => fx.cleanup());

  test('prints counts per split and class for a valid folder', () => {
    const r = pegasus(['data', 'check', '--data', fx.dir, '--records-per-file', '20']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`CIFAR-10 in ${fx.dir}`));
    assert.match(r.stdout, /class\s+train\s+test/);
    for (const name of ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']) {
      assert.match(r.stdout, new RegExp(`\\n\\s+${name}\\s+10\\s+2\\n`));
    }
    assert.match(r.stdout, /total\s+100\s+20\n/);
    assert.match(r.stdout, /valid: 6 files of 20 records/);
  });

  test('finds the data through PEGASUS_DATA, also when it names the parent folder', () => {
    const r = pegasus(['data', 'check', '--records-per-file', '20'], { PEGASUS_DATA: fx.root });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /total\s+100\s+20\n/);
  });

  test('a corrupt file fails with one line naming it', () => {
    const path = join(fx.dir, 'data_batch_2.bin');
    const good = readFileSync(path);
    const bad = Buffer.from(good);
    bad[0] = 200;
    writeFileSync(path, bad);
    try {
      const r = pegasus(['data', 'check', '--data', fx.dir, '--records-per-file', '20']);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '');
      assert.match(oneLine(r.stderr), /^pegasus: .*data_batch_2\.bin: record 0 has label 200/);
    } finally {
      writeFileSync(path, good);
    }
  });

  test('small files fail the official 10,000-record check', () => {
    const r = pegasus(['data', 'check', '--data', fx.dir]);
    assert.notEqual(r.status, 0);
    assert.match(oneLine(r.stderr), /data_batch_1\.bin: holds 20 records, expected 10,000/);
  });

  test('no data anywhere says how to get it', () => {
    const r = pegasus(['data', 'check'], { XDG_CACHE_HOME: join(fx.root, 'empty-cache') });
    assert.notEqual(r.status, 0);
    const line = oneLine(r.stderr);
    assert.match(line, /no CIFAR-10 data found/);
    assert.match(line, /pegasus data fetch/);
  });

  test('unknown flags and bad values exit non-zero with a one-line reason', () => {
    const unknown = pegasus(['data', 'check', '--bogus']);
    assert.notEqual(unknown.status, 0);
    assert.match(oneLine(unknown.stderr), /unknown option '--bogus'/);
    const bad = pegasus(['data', 'check', '--data', fx.dir, '--records-per-file', 'ten']);
    assert.notEqual(bad.status, 0);
    assert.match(oneLine(bad.stderr), /--records-per-file.*invalid/);
  });

  test('--help documents the flags', () => {
    const r = pegasus(['data', 'check', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--data <dir>/);
    assert.match(r.stdout, /PEGASUS_DATA/);
  });
});
