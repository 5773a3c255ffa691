// The CIFAR-10 loader against fixtures in the official binary format: values, labels, NCHW order,
// [-1, 1] scaling, class filtering, and clear errors for missing, truncated and corrupt files.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { classMask, countPerClass, loadCifar10, toFloat32 } from '../../src/data/cifar10.js';
import { CLASS_NAMES, IMAGE_BYTES, RECORD_BYTES } from '../../src/data/cifar10Format.js';
import { resolveDataDir } from '../../src/data/dataDir.js';
import { UserError } from '../../src/errors.js';
import { expectedImage, fixtureLabel, writeCifarFixture, type Fixture } from '../helpers/cifarFixture.js';

const PER_CLASS = 2; // records of each class per file

describe('loadCifar10 on a valid fixture', () => {
  let fx: Fixture;
  before(() => {
    fx = writeCifarFixture(PER_CLASS);
  });
  after(() => fx.cleanup());

  test('train holds the five data_batch files in order, as NCHW uint8 with their labels', () => {
    const set = loadCifar10({ dir: fx.dir, split: 'train', recordsPerFile: fx.recordsPerFile });
    const n = 5 * fx.recordsPerFile;
    assert.equal(set.count, n);
    assert.deepEqual(set.shape, [n, 3, 32, 32]);
    assert.equal(set.images.length, n * IMAGE_BYTES);
    for (let i = 0; i < n; i++) {
      const file = Math.floor(i / fx.recordsPerFile);
      const rec = i % fx.recordsPerFile;
      assert.equal(set.labels[i], fixtureLabel(file, rec));
      assert.deepEqual(set.images.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES), expectedImage(file, rec));
    }
    // NCHW: channel 0 is red (8·x), channel 1 green (8·y), row-major.
    const at = (i: number, c: number, y: number, x: number) => set.images[((i * 3 + c) * 32 + y) * 32 + x];
    assert.equal(at(7, 0, 5, 9), 72);
    assert.equal(at(7, 1, 5, 9), 40);
    assert.deepEqual(countPerClass(set.labels), new Array(10).fill(5 * PER_CLASS));
  });

  test('test and all splits', () => {
    const testSet = loadCifar10({ dir: fx.dir, split: 'test', recordsPerFile: fx.recordsPerFile });
    assert.equal(testSet.count, fx.recordsPerFile);
    assert.equal(testSet.labels[0], fixtureLabel(5, 0));
    assert.deepEqual(testSet.images.subarray(0, IMAGE_BYTES), expectedImage(5, 0));
    const all = loadCifar10({ dir: fx.dir, split: 'all', recordsPerFile: fx.recordsPerFile });
    assert.equal(all.count, 6 * fx.recordsPerFile);
    assert.deepEqual(all.images.subarray(5 * fx.recordsPerFile * IMAGE_BYTES), testSet.images);
  });

  test('toFloat32 scales to [-1, 1] as x / 127.5 - 1', () => {
    const f = toFloat32(Uint8Array.from([0, 255, 128, 64]));
    assert.equal(f[0], -1);
    assert.equal(f[1], 1);
    assert.ok(Math.abs(f[2]! - (128 / 127.5 - 1)) < 1e-7);
    assert.ok(Math.abs(f[3]! - (64 / 127.5 - 1)) < 1e-7);
    assert.throws(() => toFloat32(new Uint8Array(3), new Float32Array(2)));
  });

  test('class filtering keeps only the named classes, in order, with their original labels', () => {
    const set = loadCifar10({ dir: fx.dir, split: 'train', classes: ['horse', 'Bird'], recordsPerFile: fx.recordsPerFile });
    assert.equal(set.count, 2 * 5 * PER_CLASS);
    assert.ok(set.labels.every((l) => l === 7 || l === 2));
    const full = loadCifar10({ dir: fx.dir, split: 'train', recordsPerFile: fx.recordsPerFile });
    const idx = [...full.labels.keys()].filter((i) => full.labels[i] === 7 || full.labels[i] === 2);
    idx.forEach((src, j) => {
      assert.deepEqual(
        set.images.subarray(j * IMAGE_BYTES, (j + 1) * IMAGE_BYTES),
        full.images.subarray(src * IMAGE_BYTES, (src + 1) * IMAGE_BYTES),
      );
    });
    assert.equal(set.classNames[set.labels[0]!], full.classNames[set.labels[0]!]);
  });

  test('an unknown class name is a UserError that lists the valid names', () => {
    assert.throws(
      () => loadCifar10({ dir: fx.dir, classes: ['horse', 'pegasus'], recordsPerFile: fx.recordsPerFile }),
      (e: unknown) => e instanceof UserError && /"pegasus"/.test(e.message) && e.message.includes(CLASS_NAMES.join(', ')),
    );
    assert.deepEqual(classMask(['truck']), [false, false, false, false, false, false, false, false, false, true]);
  });

  test('the official record count is required unless the caller says otherwise', () => {
    assert.throws(() => loadCifar10({ dir: fx.dir }), /data_batch_1\.bin: holds 20 records, expected 10,000/);
  });
});

describe('loadCifar10 errors name the file and the problem', () => {
  let fx: Fixture;
  before(() => {
    fx = writeCifarFixture(1);
  });
  after(() => fx.cleanup());
  const load = () => loadCifar10({ dir: fx.dir, split: 'all', recordsPerFile: fx.recordsPerFile });

  test('a label above 9', () => {
    const path = join(fx.dir, 'data_batch_3.bin');
    const good = readFileSync(path);
    const bad = Buffer.from(good);
    bad[4 * RECORD_BYTES] = 12;
    writeFileSync(path, bad);
    assert.throws(load, (e: unknown) => e instanceof UserError && e.message.includes(path) && /record 4 has label 12/.test(e.message));
    writeFileSync(path, good);
    assert.equal(load().count, 60);
  });

  test('a truncated file', () => {
    const path = join(fx.dir, 'test_batch.bin');
    const good = readFileSync(path);
    truncateSync(path, good.length - 100);
    assert.throws(load, (e: unknown) => e instanceof UserError && e.message.includes(path) && /truncated/.test(e.message));
    // Cut at a record boundary: a whole number of records, but too few.
    truncateSync(path, good.length - RECORD_BYTES);
    assert.throws(load, /test_batch\.bin: holds 9 records, expected 10/);
    truncateSync(path, 0);
    assert.throws(load, /test_batch\.bin: truncated/);
    writeFileSync(path, good);
  });

  test('a missing file', () => {
    const path = join(fx.dir, 'data_batch_5.bin');
    const good = readFileSync(path);
    unlinkSync(path);
    assert.throws(
      load,
      (e: unknown) =>
        e instanceof UserError && e.message.includes(path) && /missing/.test(e.message) && /pegasus data fetch/.test(e.message),
    );
    writeFileSync(path, good);
  });

  test('wrong class names in batches.meta.txt', () => {
    const path = join(fx.dir, 'batches.meta.txt');
    const good = readFileSync(path);
    writeFileSync(path, CLASS_NAMES.map((n) => (n === 'cat' ? 'kitten' : n)).join('\n'));
    assert.throws(load, (e: unknown) => e instanceof UserError && e.message.includes(path) && /wrong class names/.test(e.message));
    writeFileSync(path, CLASS_NAMES.slice(0, 9).join('\n'));
    assert.throws(load, /wrong class names/);
    writeFileSync(path, good);
    assert.equal(load().count, 60);
  });
});

describe('resolveDataDir', () => {
  let fx: Fixture;
  let cache: string;
  before(() => {
    fx = writeCifarFixture(1);
    cache = mkdtempSync(join(tmpdir(), 'pegasus-cache-'));
  });
  after(() => {
    fx.cleanup();
    rmSync(cache, { recursive: true, force: true });
  });

  test('--data first, then PEGASUS_DATA, then the cache folder', () => {
    const env = { PEGASUS_DATA: fx.dir, XDG_CACHE_HOME: cache };
    assert.equal(resolveDataDir(fx.dir, {}), fx.dir);
    assert.equal(resolveDataDir(undefined, env), fx.dir);
    assert.throws(
      () => resolveDataDir(undefined, { XDG_CACHE_HOME: cache }),
      (e: unknown) => {
        return (
          e instanceof UserError &&
          e.message.includes(join(cache, 'pegasus', 'cifar-10-batches-bin')) &&
          e.message.includes('pegasus data fetch') &&
          e.message.includes('PEGASUS_DATA')
        );
      },
    );
    const cached = join(cache, 'pegasus', 'cifar-10-batches-bin');
    mkdirSync(cached, { recursive: true });
    assert.equal(resolveDataDir(undefined, { XDG_CACHE_HOME: cache }), cached);
    // Without XDG_CACHE_HOME the cache is ~/.cache.
    const home = join(cache, 'home');
    mkdirSync(join(home, '.cache', 'pegasus', 'cifar-10-batches-bin'), { recursive: true });
    assert.equal(resolveDataDir(undefined, { HOME: home }), join(home, '.cache', 'pegasus', 'cifar-10-batches-bin'));
  });

  test('a folder that contains cifar-10-batches-bin/ is accepted', () => {
    assert.equal(resolveDataDir(fx.root, {}), fx.dir);
    assert.equal(resolveDataDir(undefined, { PEGASUS_DATA: fx.root }), fx.dir);
  });

  test('a --data or PEGASUS_DATA that does not exist is an error, not a fall-through', () => {
    assert.throws(
      () => resolveDataDir(join(fx.root, 'nope'), { PEGASUS_DATA: fx.dir }),
      /--data .*nope: no such folder.*pegasus data fetch/,
    );
    assert.throws(() => resolveDataDir(undefined, { PEGASUS_DATA: join(fx.root, 'nope') }), /PEGASUS_DATA=.*nope: no such folder/);
  });
});
