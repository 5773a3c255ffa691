// The real CIFAR-10 copy at ../shared/cifar10/cifar-10-batches-bin (relative to the repository),
// when this machine has it: full counts, per-class counts, load time, and `pegasus data check`.
// Skipped, with a message, where it is absent (e.g. a fresh clone elsewhere).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { countPerClass, loadCifar10 } from '../../src/data/cifar10.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const real = join(repo, '..', 'shared', 'cifar10', 'cifar-10-batches-bin');
const skip = existsSync(real) ? false : `no real CIFAR-10 copy at ${real}; skipping the real-data checks`;
if (skip !== false) console.log(skip);

describe('real CIFAR-10', { skip }, () => {
  test('50,000 train and 10,000 test images, 5,000 and 1,000 per class, all 60,000 loaded in under 2 s', () => {
    let best = Infinity;
    let all = loadCifar10({ dir: real, split: 'all' });
    // Best of two: the machine is shared, and the first read may also be warming the page cache.
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      all = loadCifar10({ dir: real, split: 'all' });
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    console.log(`loaded all 60,000 images in ${best.toFixed(2)} s`);
    assert.ok(best < 2, `loading took ${best.toFixed(2)} s`);
    assert.equal(all.count, 60_000);
    assert.deepEqual(countPerClass(all.labels.subarray(0, 50_000)), new Array(10).fill(5_000));
    assert.deepEqual(countPerClass(all.labels.subarray(50_000)), new Array(10).fill(1_000));
    const horses = loadCifar10({ dir: real, split: 'test', classes: ['horse'] });
    assert.equal(horses.count, 1_000);
    assert.ok(horses.labels.every((l) => l === 7));
    // Natural images use the whole range of byte values.
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
