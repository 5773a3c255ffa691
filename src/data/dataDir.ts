/**
 * Where the CIFAR-10 files live: `--data DIR`, then $PEGASUS_DATA, then the user cache folder
 * ($XDG_CACHE_HOME/pegasus/cifar-10-batches-bin, or ~/.cache/pegasus/cifar-10-batches-bin),
 * which is where `pegasus data fetch` puts them by default.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { BATCHES_DIR, META_FILE } from './cifar10Format.js';

export const DATA_ENV = 'PEGASUS_DATA';

/** The environment dataDir reads; a parameter so tests can pass their own. */
export interface DataEnv {
  readonly [name: string]: string | undefined;
}

/** The folder `pegasus data fetch` downloads into by default: <user cache>/pegasus. */
export function defaultCacheRoot(env: DataEnv = process.env): string {
  const xdg = env['XDG_CACHE_HOME'];
  const base = xdg !== undefined && xdg !== '' ? xdg : join(env['HOME'] ?? homedir(), '.cache');
  return join(base, 'pegasus');
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/**
 * A folder given by the user may be the batches folder itself or one that contains
 * `cifar-10-batches-bin/` (such as the folder the tarball was extracted into).
 */
export function batchesDirIn(dir: string): string {
  const nested = join(dir, BATCHES_DIR);
  if (!existsSync(join(dir, META_FILE)) && isDir(nested)) return nested;
  return dir;
}

/** The message that says how to get the data; every "not found" error ends with it. */
export function howToGetData(env: DataEnv = process.env): string {
  return (
    `run \`pegasus data fetch\` to download CIFAR-10 (170 MB) into ${join(defaultCacheRoot(env), BATCHES_DIR)}, ` +
    `or pass --data DIR / set ${DATA_ENV}=DIR to a folder holding the official binary files ` +
    `(https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz, extracted)`
  );
}

/**
 * Resolves the CIFAR-10 folder. An explicit `--data` or $PEGASUS_DATA that does not exist is an
 * error (not a silent fall-through to the cache), so a typo never trains on other data.
 *
 * @example resolveDataDir(opts.data) // '/home/me/.cache/pegasus/cifar-10-batches-bin'
 */
export function resolveDataDir(flag?: string, env: DataEnv = process.env): string {
  if (flag !== undefined && flag !== '') {
    const dir = resolve(flag);
    if (!isDir(dir)) throw new UserError(`--data ${flag}: no such folder; ${howToGetData(env)}`);
    return batchesDirIn(dir);
  }
  const fromEnv = env[DATA_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    const dir = resolve(fromEnv);
    if (!isDir(dir)) throw new UserError(`${DATA_ENV}=${fromEnv}: no such folder; ${howToGetData(env)}`);
    return batchesDirIn(dir);
  }
  const cached = join(defaultCacheRoot(env), BATCHES_DIR);
  if (isDir(cached)) return cached;
  throw new UserError(`no CIFAR-10 data found (no --data, no ${DATA_ENV}, nothing in ${cached}); ${howToGetData(env)}`);
}
