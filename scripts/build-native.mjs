// Builds the optional native backend (a Node-API addon over oneDNN, see binding.gyp and native/)
// during `npm ci` (it is the package's `install` script) or by hand: `node scripts/build-native.mjs`.
//
// The project must install and run without the addon, so every failure prints one warning and
// exits 0; the engine then falls back to the TypeScript backend. PEGASUS_SKIP_NATIVE=1 skips it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function warn(reason) {
  console.warn(`pegasus: native backend not built (${reason}); using the TypeScript backend.`);
  process.exit(0);
}

if (process.env.PEGASUS_SKIP_NATIVE === '1') warn('PEGASUS_SKIP_NATIVE=1');
if (!existsSync(join(root, 'binding.gyp'))) warn('no binding.gyp in this checkout');

const dnnlHeaders = ['/usr/include/oneapi/dnnl/dnnl.hpp', '/usr/local/include/oneapi/dnnl/dnnl.hpp'];
if (!dnnlHeaders.some((p) => existsSync(p))) {
  warn('oneDNN not found: apt-get install -y libdnnl-dev');
}

/** node-gyp: the one npm passes to install scripts, else the one bundled with npm, else PATH. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  for (const c of candidates) {
    if (c && existsSync(c)) return [process.execPath, [c]];
  }
  return ['node-gyp', []];
}

// NOTE: Node's own headers usually sit beside the binary (<prefix>/include/node); pointing
// node-gyp at them avoids its download of the headers, which fails offline.
const prefix = join(dirname(process.execPath), '..');
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];

const [cmd, pre] = findNodeGyp();
const r = spawnSync(cmd, [...pre, 'rebuild', '--jobs=max', ...nodedir], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
});
if (r.error) warn(`could not run node-gyp: ${r.error.message}`);
if (r.status !== 0) {
  const log = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').filter((l) => !l.startsWith('gyp info'));
  console.warn(log.slice(-15).join('\n'));
  warn('the C++ build failed (needs g++, make, python3 and libdnnl-dev)');
}
console.log('pegasus: native backend built (build/Release/pegasus_native.node).');
