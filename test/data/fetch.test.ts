// `pegasus data fetch` against a local HTTP server serving a small CIFAR-10 tarball made here:
// a complete download, one interrupted and resumed with a Range request, a server that ignores
// Range, and a wrong checksum. Partial downloads must never pass as complete.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, test } from 'node:test';
import * as tar from 'tar';
import { loadCifar10 } from '../../src/data/cifar10.js';
import { ARCHIVE_NAME, fetchCifar10 } from '../../src/data/fetch.js';
import { UserError } from '../../src/errors.js';
import { writeCifarFixture } from '../helpers/cifarFixture.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const RECORDS = 20; // the fixture's records per file

type Mode = 'normal' | 'dropFirst' | 'ignoreRange';

describe('data fetch', () => {
  let tarball: Buffer;
  let md5: string;
  let server: Server;
  let url: string;
  let mode: Mode = 'normal';
  let requests: { range: string | undefined }[] = [];
  let work: string;

  before(async () => {
    const fx = writeCifarFixture(2);
    const file = join(fx.root, 'fixture.tar.gz');
    await tar.c({ gzip: true, cwd: fx.root, file }, ['cifar-10-batches-bin']);
    tarball = readFileSync(file);
    md5 = createHash('md5').update(tarball).digest('hex');
    fx.cleanup();
    server = createServer((req, res) => {
      const range = req.headers.range;
      requests.push({ range });
      const m = /^bytes=(\d+)-$/.exec(range ?? '');
      if (m !== null && mode !== 'ignoreRange') {
        const start = Number(m[1]);
        if (start >= tarball.length) {
          res.writeHead(416, { 'Content-Range': `bytes */${tarball.length}` }).end();
          return;
        }
        res.writeHead(206, {
          'Content-Length': tarball.length - start,
          'Content-Range': `bytes ${start}-${tarball.length - 1}/${tarball.length}`,
        });
        res.end(tarball.subarray(start));
        return;
      }
      res.writeHead(200, { 'Content-Length': tarball.length, 'Content-Type': 'application/gzip' });
      if (mode === 'dropFirst' && requests.length === 1) {
        // Send the first half, then cut the connection as a flaky network would.
        res.write(tarball.subarray(0, tarball.length >> 1), () => setTimeout(() => res.socket?.destroy(), 50));
        return;
      }
      res.end(tarball);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cifar-10-binary.tar.gz`;
  });

  after(() => {
    rmSync(work, { recursive: true, force: true });
    server.closeAllConnections();
    server.close();
  });

  beforeEach(() => {
    mode = 'normal';
    requests = [];
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
    work = mkdtempSync(join(tmpdir(), 'pegasus-fetch-'));
  });

  const fetchHere = (extra: { md5?: string } = {}) => fetchCifar10({ to: work, url, md5: extra.md5 ?? md5, recordsPerFile: RECORDS });

  const assertComplete = (dir: string) => {
    assert.equal(loadCifar10({ dir, split: 'all', recordsPerFile: RECORDS }).count, 6 * RECORDS);
    assert.equal(existsSync(join(work, ARCHIVE_NAME)), false); // the archive is removed after extraction
    assert.equal(existsSync(join(work, `${ARCHIVE_NAME}.part`)), false);
  };

  test('a complete download is verified, extracted, and not repeated', async () => {
    assert.ok(tarball.length > 1000);
    const result = await fetchHere();
    assert.equal(result.downloaded, true);
    assert.equal(result.dir, join(work, 'cifar-10-batches-bin'));
    assertComplete(result.dir);
    const again = await fetchHere();
    assert.equal(again.downloaded, false);
    assert.equal(requests.length, 1); // the second run found the complete copy and did not ask
  });

  test('an interrupted download fails clearly and resumes with a Range request', async () => {
    mode = 'dropFirst';
    await assert.rejects(
      fetchHere(),
      (e: unknown) => e instanceof UserError && /interrupted after .* bytes.*run the same command again to resume/.test(e.message),
    );
    const part = join(work, `${ARCHIVE_NAME}.part`);
    const have = statSync(part).size;
    assert.ok(have > 0 && have < tarball.length, `part holds ${have} of ${tarball.length} bytes`);
    assert.equal(existsSync(join(work, ARCHIVE_NAME)), false); // never renamed while partial
    assert.equal(existsSync(join(work, 'cifar-10-batches-bin')), false);
    const result = await fetchHere();
    assert.equal(requests.length, 2);
    assert.equal(requests[1]!.range, `bytes=${have}-`);
    assertComplete(result.dir);
  });

  test('a server that ignores Range restarts the download from zero', async () => {
    mode = 'ignoreRange';
    writeFileSync(join(work, `${ARCHIVE_NAME}.part`), Buffer.alloc(500, 7)); // 500 wrong bytes
    const result = await fetchHere();
    assert.equal(requests[0]!.range, 'bytes=500-');
    assertComplete(result.dir);
  });

  test('a .part that is already whole (416) is checked and used', async () => {
    writeFileSync(join(work, `${ARCHIVE_NAME}.part`), tarball);
    const result = await fetchHere();
    assert.equal(requests.length, 1);
    assertComplete(result.dir);
  });

  test('a wrong checksum deletes the download and fails', async () => {
    await assert.rejects(
      fetchHere({ md5: '0'.repeat(32) }),
      (e: unknown) => e instanceof UserError && e.message.includes(`MD5 ${md5}, expected ${'0'.repeat(32)}`),
    );
    assert.equal(existsSync(join(work, `${ARCHIVE_NAME}.part`)), false);
    assert.equal(existsSync(join(work, ARCHIVE_NAME)), false);
    assert.equal(existsSync(join(work, 'cifar-10-batches-bin')), false);
  });

  test('a damaged archive whose checksum matched is deleted, with advice that fits', async () => {
    const to = join(work, 'damaged');
    mkdirSync(to, { recursive: true });
    const junk = Buffer.from('this is not a gzip file\n'.repeat(100));
    writeFileSync(join(to, ARCHIVE_NAME), junk);
    await assert.rejects(
      fetchCifar10({ to, url, md5: createHash('md5').update(junk).digest('hex'), recordsPerFile: RECORDS }),
      (e: unknown) =>
        e instanceof UserError && /is damaged \(.*\); deleted it: run the command again to download a fresh copy/.test(e.message),
    );
    assert.equal(existsSync(join(to, ARCHIVE_NAME)), false);
  });

  test('the CLI: interrupted, rerun, resumed, extracted and checked', async () => {
    mode = 'dropFirst';
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((ok) => {
        execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repo }, (err, stdout, stderr) => {
          ok({ code: err === null ? 0 : Number(err.code ?? 1), stdout, stderr });
        });
      });
    const args = ['data', 'fetch', '--to', work, '--url', url, '--md5', md5, '--records-per-file', String(RECORDS)];
    const first = await run(args);
    assert.notEqual(first.code, 0);
    assert.match(first.stderr.trim(), /^pegasus: download of .* interrupted after [\d,]+ of [\d,]+ bytes .*resume$/);
    const second = await run(args);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /downloading, resuming at/); // plain progress lines: stdout is not a TTY
    assert.match(second.stdout, /verified MD5/);
    assert.match(second.stdout, /total\s+100\s+20\n/);
    const third = await run(args);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stdout, /a complete copy is already in/);
    assert.equal(requests.length, 2);
  });
});
