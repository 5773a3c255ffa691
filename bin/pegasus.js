#!/usr/bin/env node
// The `pegasus` command: runs the compiled CLI (built by `npm ci` through the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  console.error('pegasus: the CLI is not built yet. Run `npm ci` (or `npm run build`) in the pegasus folder first.');
  process.exit(1);
}
await import(compiled.href);
