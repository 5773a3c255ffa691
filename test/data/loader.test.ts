// Seeded shuffling, batching and flips: every batch is a pure function of (seed, step).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadCifar10, type Cifar10Set } from '../../src/data/cifar10.js';
import { IMAGE_BYTES } from '../../src/data/cifar10Format.js';
import { DataLoader, epochOrder, flipBit, flipHorizontal } from '../../src/data/dataLoader.js';
import { hashInts, mulberry32, permutation } from '../../src/data/rng.js';
import { writeCifarFixture, type Fixture } from '../helpers/cifarFixture.js';

describe('rng', () => {
  test('mulberry32 matches the reference implementation and stays in [0, 1)', () => {
    const rand = mulberry32(42);
    assert.equal(rand(), 0.6011037519201636); // the reference C/JS mulberry32 with seed 42
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const v = rand();
      assert.ok(v >= 0 && v < 1);
      sum += v;
    }
    assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02);
  });

  test('permutation is a permutation, deterministic in its seed', () => {
    const p = permutation(1000, 7);
    assert.deepEqual(
      [...p].sort((a, b) => a - b),
      [...Array(1000).keys()],
    );
    assert.deepEqual(permutation(1000, 7), p);
    assert.notDeepEqual(permutation(1000, 8), p);
    assert.notEqual(hashInts(1, 2), hashInts(2, 1));
    assert.notEqual(hashInts(0), hashInts(2 ** 32)); // high bits of large seeds count
  });
});

describe('DataLoader', () => {
  let fx: Fixture;
  let set: Cifar10Set;
  before(() => {
    fx = writeCifarFixture(3); // 30 records per file, 150 train images
    set = loadCifar10({ dir: fx.dir, recordsPerFile: fx.recordsPerFile });
  });
  after(() => fx.cleanup());

  test('an epoch visits every image once; batches copy the right images and labels', () => {
    const loader = new DataLoader(set, { batchSize: 16, seed: 3 });
    assert.equal(loader.stepsPerEpoch, Math.floor(150 / 16));
    const seen = new Set<number>();
    for (const b of loader.epoch(0)) {
      assert.equal(b.indices.length, 16);
      b.indices.forEach((src, i) => {
        seen.add(src);
        assert.equal(b.labels[i], set.labels[src]);
        assert.deepEqual(
          b.uint8.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES),
          set.images.subarray(src * IMAGE_BYTES, (src + 1) * IMAGE_BYTES),
        );
      });
      for (let k = 0; k < b.uint8.length; k += 997) assert.ok(Math.abs(b.images[k]! - (b.uint8[k]! / 127.5 - 1)) < 1e-7);
    }
    assert.equal(seen.size, 16 * loader.stepsPerEpoch); // no repeats within an epoch
    assert.deepEqual(loader.order(0), epochOrder(150, 3, 0));
  });

  test('the same seed gives the same batches; a resumed loader rebuilds any step', () => {
    const a = new DataLoader(set, { batchSize: 10, seed: 11, flip: true });
    const b = new DataLoader(set, { batchSize: 10, seed: 11, flip: true });
    const steps = [0, 1, 14, 15, 31, 100];
    const fromA = steps.map((s) => a.batch(s));
    // b jumps straight to the later steps, in another order, as a resumed run would.
    for (const [k, s] of [...steps.entries()].reverse()) {
      const batch = b.batch(s);
      assert.deepEqual(batch.indices, fromA[k]!.indices);
      assert.deepEqual(batch.uint8, fromA[k]!.uint8);
      assert.deepEqual(batch.flipped, fromA[k]!.flipped);
    }
    assert.equal(a.batch(15).epoch, 1);
    assert.notDeepEqual(a.order(0), a.order(1)); // a new order each epoch
    const other = new DataLoader(set, { batchSize: 10, seed: 12 });
    assert.notDeepEqual(other.batch(0).indices, fromA[0]!.indices);
  });

  test('shuffle: false keeps the data set order; dropLast: false keeps a short last batch', () => {
    const loader = new DataLoader(set, { batchSize: 40, seed: 0, shuffle: false, dropLast: false });
    assert.equal(loader.stepsPerEpoch, 4);
    assert.deepEqual([...loader.batch(0).indices], [...Array(40).keys()]);
    const last = loader.batch(3);
    assert.equal(last.indices.length, 30);
    assert.equal(last.indices[0], 120);
    assert.equal(last.images.length, 30 * IMAGE_BYTES);
    assert.throws(() => new DataLoader(set, { batchSize: 151, seed: 0 }), /larger than the set/);
    assert.throws(() => new DataLoader(set, { batchSize: 0, seed: 0 }), /positive integer/);
  });

  test('random horizontal flip mirrors about half of the images, as flipBit says', () => {
    const loader = new DataLoader(set, { batchSize: 50, seed: 5, flip: true });
    let flips = 0;
    for (let step = 0; step < 3 * loader.stepsPerEpoch; step++) {
      const b = loader.batch(step);
      b.indices.forEach((src, i) => {
        const pos = (step % loader.stepsPerEpoch) * 50 + i;
        assert.equal(b.flipped[i] === 1, flipBit(5, b.epoch, pos));
        // Red is 8·x in the fixture, so a flipped image has red = 8·(31 − x).
        const red = b.uint8[i * IMAGE_BYTES + 3 * 32 + 4]; // channel 0, row 3, column 4
        assert.equal(red, b.flipped[i] ? 8 * 27 : 8 * 4);
        assert.equal(b.uint8[i * IMAGE_BYTES + 1024 + 3 * 32 + 4], 8 * 3); // green (8·y) is unchanged
        assert.equal(b.labels[i], set.labels[src]);
        flips += b.flipped[i]!;
      });
    }
    assert.ok(flips > 150 * 3 * 0.35 && flips < 150 * 3 * 0.65, `flipped ${flips} of 450`);
    const noFlip = new DataLoader(set, { batchSize: 50, seed: 5 });
    assert.equal(
      noFlip.batch(0).flipped.reduce((s, v) => s + v, 0),
      0,
    );
  });

  test('flipHorizontal reverses every row of every channel and is its own inverse', () => {
    const img = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => i); // one 2-channel 3×3 image
    const copy = img.slice();
    flipHorizontal(img, 2, 3);
    assert.deepEqual([...img.subarray(0, 3)], [2, 1, 0]);
    assert.deepEqual([...img.subarray(9, 12)], [11, 10, 9]);
    flipHorizontal(img, 2, 3);
    assert.deepEqual(img, copy);
    assert.throws(() => flipHorizontal(new Uint8Array(10), 3, 32));
  });
});
