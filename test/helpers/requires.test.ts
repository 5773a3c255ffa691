// A missing requirement (native addon, Chromium) skips its tests on a developer's machine and fails
// the run in CI: checked on a throw-away test file run with and without CI=true.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repo } from './cli.js';

test('a missing requirement is a skip outside CI and a failure with the reason in CI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pegasus-requires-'));
  try {
    const file = join(dir, 'needs.test.mts'); // .mts: an ES module outside the package
    const helper = join(repo, 'test', 'helpers', 'requires.ts');
    writeFileSync(
      file,
      `import { test } from 'node:test';\nimport { requires } from ${JSON.stringify(helper)};\n` +
        `test('needs a unicorn', { skip: requires('a unicorn', 'none in the stable') }, () => { throw new Error('ran'); });\n` +
        `test('needs nothing', { skip: requires('water', null) }, () => {});\n`,
    );
    // NOTE: without NODE_TEST_CONTEXT, which would make the inner runner report to this one instead of printing
    const { NODE_TEST_CONTEXT: _inner, ...env } = process.env;
    const run = (ci: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', '--test', file], { cwd: repo, encoding: 'utf8', env: { ...env, CI: ci } });
    const dev = run('');
    assert.equal(dev.status, 0, dev.stdout);
    assert.match(dev.stdout, /ok 1 - needs a unicorn # SKIP a unicorn is unavailable: none in the stable/);
    assert.match(dev.stdout, /# pass 1\n/);
    const ci = run('true');
    assert.notEqual(ci.status, 0, 'CI=true must fail');
    assert.match(ci.stdout, /not ok \d+ - CI=true requires a unicorn/);
    assert.match(ci.stdout, /a unicorn is unavailable: none in the stable; CI installs it/);
    assert.match(ci.stdout, /# fail 1\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
