/**
 * Downloading the official CIFAR-10 binary tarball, resumably and verified.
 *
 * The download goes to `<archive>.part`; an existing `.part` is resumed with an HTTP Range request
 * (or restarted when the server ignores Range). Only a file whose MD5 matches the official sum is
 * renamed to the final name, so a partial or corrupt download never passes as complete. Then the
 * archive is extracted with `tar` and removed. Every step can be interrupted and rerun.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar';
import { UserError } from '../errors.js';
import {
  BATCHES_DIR,
  META_FILE,
  RECORD_BYTES,
  RECORDS_PER_FILE,
  TEST_FILES,
  TRAIN_FILES,
  readMeta,
  type RecordsPerFile,
} from './cifar10Format.js';

export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz'; // the official address
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530'; // published on the same page
export const ARCHIVE_NAME = 'cifar-10-binary.tar.gz';

/** Bytes received so far and the total when the server told it (null otherwise). */
export type ProgressFn = (received: number, total: number | null) => void;

export interface FetchOptions {
  readonly to: string; // folder that receives cifar-10-batches-bin/ (created if needed)
  readonly url?: string; // default CIFAR10_URL
  readonly md5?: string; // expected MD5 of the archive; default CIFAR10_MD5
  readonly recordsPerFile?: RecordsPerFile; // for the "already complete" check; default 10,000
  readonly onStart?: (resumedFrom: number, total: number | null) => void;
  readonly onProgress?: ProgressFn;
  readonly log?: (line: string) => void; // one line per step (found, verified, extracting…)
}

export interface FetchResult {
  readonly dir: string; // the cifar-10-batches-bin folder
  readonly downloaded: boolean; // false when a complete copy was already there
}

/**
 * Makes sure `<to>/cifar-10-batches-bin` holds a complete copy, downloading only what is missing.
 *
 * @example await fetchCifar10({ to: defaultCacheRoot() })
 */
export async function fetchCifar10(options: FetchOptions): Promise<FetchResult> {
  const { to, url = CIFAR10_URL, md5 = CIFAR10_MD5, recordsPerFile = RECORDS_PER_FILE } = options;
  const log = options.log ?? (() => {});
  const dir = join(to, BATCHES_DIR);
  if (isCompleteCopy(dir, recordsPerFile)) {
    log(`a complete copy is already in ${dir}; nothing to download`);
    return { dir, downloaded: false };
  }
  mkdirSync(to, { recursive: true });
  const archive = join(to, ARCHIVE_NAME);
  const part = `${archive}.part`;
  if (existsSync(archive) && (await md5File(archive)) !== md5.toLowerCase()) {
    log(`${archive} does not match the expected MD5; downloading it again`);
    unlinkSync(archive);
  }
  if (!existsSync(archive)) {
    await download(url, part, options);
    const sum = await md5File(part);
    if (sum !== md5.toLowerCase()) {
      unlinkSync(part);
      throw new UserError(
        `${url}: downloaded file has MD5 ${sum}, expected ${md5.toLowerCase()}; deleted it — check --url and --md5, then run the command again`,
      );
    }
    renameSync(part, archive);
    log(`verified MD5 ${sum}`);
  } else {
    log(`found verified ${archive}; not downloading it again`);
  }
  log(`extracting ${archive} into ${to}`);
  // Only the batches folder is extracted; tar also refuses absolute paths and '..' by default.
  try {
    await tar.x({ file: archive, cwd: to, filter: (path) => path.replace(/^\.\//, '').startsWith(BATCHES_DIR) });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw new UserError(`extracting ${archive} into ${to} failed (${causeOf(err)}); free some space, then run the command again`);
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new UserError(
        `extracting ${archive} into ${to} failed (${causeOf(err)}); choose a --to folder you can write, then run the command again`,
      );
    }
    // anything else is the archive itself (a gzip or tar error): it goes, and the next run downloads it afresh
    unlinkSync(archive);
    throw new UserError(`${archive} is damaged (${causeOf(err)}); deleted it: run the command again to download a fresh copy`);
  }
  if (!existsSync(join(dir, META_FILE))) {
    throw new UserError(`${archive}: the archive holds no ${BATCHES_DIR}/${META_FILE}; is ${url} the CIFAR-10 binary version?`);
  }
  unlinkSync(archive);
  return { dir, downloaded: true };
}

/**
 * A cheap completeness test (names, sizes, meta; no labels read) used to skip downloads.
 * `pegasus data check` does the full validation.
 */
export function isCompleteCopy(dir: string, recordsPerFile: RecordsPerFile): boolean {
  try {
    readMeta(dir);
    for (const name of [...TRAIN_FILES, ...TEST_FILES]) {
      const size = statSync(join(dir, name)).size;
      const ok = recordsPerFile === null ? size > 0 && size % RECORD_BYTES === 0 : size === recordsPerFile * RECORD_BYTES;
      if (!ok) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** The MD5 of a file, streamed (the archive is 170 MB). */
export async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function causeOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
}

/** Downloads `url` into `part`, resuming from the bytes already there when the server allows. */
async function download(url: string, part: string, options: FetchOptions): Promise<void> {
  const have = existsSync(part) ? statSync(part).size : 0;
  let res = await request(url, have);
  if (res.status === 416 && have > 0) {
    // Range not satisfiable: the part already holds the whole file (the checksum decides).
    await res.body?.cancel();
    options.onStart?.(have, have);
    return;
  }
  let start = 0;
  if (res.status === 206) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
    if (range !== null && Number(range[1]) === have) start = have;
    else {
      // A range we did not ask for: start over rather than guess.
      await res.body?.cancel();
      res = await request(url, 0);
    }
  }
  if (!res.ok || res.body === null) {
    await res.body?.cancel();
    throw new UserError(`${url}: the server answered HTTP ${res.status} ${res.statusText}; check the address (--url)`);
  }
  const length = res.headers.get('content-length');
  const total = length !== null ? start + Number(length) : null;
  options.onStart?.(start, total);
  // NOTE: 'w' truncates, so a server that ignored our Range header (200) restarts the file cleanly.
  const fd = openSync(part, start > 0 ? 'a' : 'w');
  let received = start;
  try {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      writeSync(fd, value);
      received += value.length;
      options.onProgress?.(received, total);
    }
  } catch (err) {
    throw interrupted(url, received, total, causeOf(err));
  } finally {
    closeSync(fd);
  }
  if (total !== null && received < total) throw interrupted(url, received, total, 'connection closed early');
}

function interrupted(url: string, received: number, total: number | null, why: string): UserError {
  const of = total === null ? '' : ` of ${total.toLocaleString('en-US')}`;
  return new UserError(
    `download of ${url} interrupted after ${received.toLocaleString('en-US')}${of} bytes (${why}); run the same command again to resume`,
  );
}

async function request(url: string, from: number): Promise<Response> {
  try {
    return await fetch(url, { headers: from > 0 ? { Range: `bytes=${from}-` } : {}, redirect: 'follow' });
  } catch (err) {
    throw new UserError(`cannot download ${url} (${causeOf(err)}); check the network connection or pass --url`);
  }
}
