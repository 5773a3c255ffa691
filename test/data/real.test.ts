// A real CIFAR-10 copy, when $PEGASUS_DATA names one: full counts, per-class counts, the byte range
// of natural images, and `pegasus data check`. Skipped, with a message, where it is not set, so the
// suite needs nothing outside the repository (its load time is measured by `npm run bench:data`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { countPerClass, loadCifar10 } from '../../src/data/cifar10.js';
import { batchesDirIn, DATA_ENV } from '../../src/data/dataDir.js';
import { repo } from '../helpers/cli.js';

const given = process.env[DATA_ENV];
const real = given ? batchesDirIn(given) : '';
const skip = given ? false : `${DATA_ENV} is not set; set it to a real CIFAR-10 copy to run the real-data checks`;

describe('real CIFAR-10', { skip }, () => {
  test('50,000 train and 10,000 test images, 5,000 and 1,000 per class; natural images use every byte value', () => {
    const all = loadCifar10({ dir: real, split: 'all' });
    assert.equal(all.count, 60_000);
    assert.deepEqual(countPerClass(all.labels.subarray(0, 50_000)), new Array(10).fill(5_000));
    assert.deepEqual(countPerClass(all.labels.subarray(50_000)), new Array(10).fill(1_000));
    const horses = loadCifar10({ dir: real, split: 'test', classes: ['horse'] });
    assert.equal(horses.count, 1_000);
    assert.ok(
      horses.labels.every((l) => l === 7),
      'every test horse has label 7',
    );
    let lo = 255;
    let hi = 0;
    for (const v of all.images.subarray(0, 3072 * 100)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    assert.equal(lo, 0);
    assert.equal(hi, 255);
  });

  test('pegasus data check prints the counts', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'data', 'check', '--data', real], {
      cwd: repo,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /total\s+50,000\s+10,000\n/);
    assert.equal(r.stdout.match(/\s5,000\s+1,000\n/g)?.length, 10);
  });
});
