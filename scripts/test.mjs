// Runs the linter and every test file (test/**/*.test.ts) with Node's test runner and tsx.
// Node 20's `--test` does not expand globs itself, so we list the files here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : find('test');
if (files.length === 0) {
  console.error('no test files found under test/');
  process.exit(1);
}
// the whole suite also runs the linter and the formatter's check (`npm run lint`)
const lint = only.length > 0 ? { status: 0 } : spawnSync('npm', ['run', '--silent', 'lint'], { stdio: 'inherit' });
if (lint.status !== 0)
  console.error('npm test: the linter or the formatter check failed (see above; `npm run format` rewrites the layout)');
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
});
process.exit(r.status !== 0 ? (r.status ?? 1) : lint.status === 0 ? 0 : 1);
