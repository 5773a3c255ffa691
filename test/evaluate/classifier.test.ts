// The classifier's augmentation pixel by pixel, accuracy and the confusion matrix of planted
// predictions, and training: it learns an easily separable fixture, checkpoints round-trip, and
// resuming continues the same run (the CLI is tested in test/evaluate/cli.test.ts). Its max pooling
// is the engine's maxPool2d, checked in test/engine/ops, grad and backends.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLASS_NAMES, type Cifar10Set } from '../../src/data/index.js';
import { noGrad, Rng, tensor } from '../../src/engine/index.js';
import { accuracyOf, argmaxRow, formatConfusion, measureAccuracy } from '../../src/evaluate/classifier/accuracy.js';
import { augmentBatch } from '../../src/evaluate/classifier/augment.js';
import { defaultClassifierTrainConfig, type ClassifierTrainConfig } from '../../src/train/presets/classifier.js';
import { oneCycle } from '../../src/evaluate/classifier/oneCycle.js';
import { trainClassifier } from '../../src/train/classifier.js';
import { loadClassifier } from '../../src/models/classifier/index.js';

/**
 * Four classes (labels 0–3), each a flat, clearly different colour (red, green, blue, grey) plus
 * pixel noise: separable by colour alone.
 */
function colouredSet(perClass: number, seed: number): Cifar10Set {
  const palette = [
    [220, 40, 40],
    [40, 220, 40],
    [40, 40, 220],
    [128, 128, 128],
  ];
  const rng = new Rng(seed);
  const n = perClass * palette.length;
  const images = new Uint8Array(n * 3072);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % palette.length;
    labels[i] = c;
    for (let ch = 0; ch < 3; ch++) {
      for (let p = 0; p < 1024; p++)
        images[i * 3072 + ch * 1024 + p] = Math.max(0, Math.min(255, palette[c]![ch]! + Math.round(15 * rng.normal())));
    }
  }
  return { count: n, images, labels, classNames: CLASS_NAMES, shape: [n, 3, 32, 32] };
}

/**
 * Image `src` of `pixels` moved by (dy, dx) and mirrored when `flip`, in [−1, 1], written out
 * plainly: output pixel (y, x) shows source pixel (y + dy, x' + dx) with x' = 31 − x when mirrored,
 * and coordinates past an edge reflected back inside (−1 → 1, 32 → 30), as PyTorch's reflection padding.
 */
function shiftedAndMirrored(pixels: Uint8Array, src: number, dy: number, dx: number, flip: boolean): Float32Array {
  const reflect = (i: number) => (i < 0 ? -i : i > 31 ? 62 - i : i);
  const out = new Float32Array(3072);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) {
        const sy = reflect(y + dy);
        const sx = reflect((flip ? 31 - x : x) + dx);
        out[c * 1024 + y * 32 + x] = pixels[src * 3072 + c * 1024 + sy * 32 + sx]! / 127.5 - 1;
      }
  return out;
}

const sameImage = (a: Float32Array, b: Float32Array) => a.every((v, i) => v === b[i]);

const tinyConfig: ClassifierTrainConfig = {
  ...defaultClassifierTrainConfig,
  model: { ...defaultClassifierTrainConfig.model, widths: [8, 8, 16, 16] },
  epochs: 6,
  batchSize: 10,
  lr: 0.4,
};

describe('classifier', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'pegasus-classifier-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('augmentation: no pad and no flip reproduces the images; otherwise each image is its source shifted and mirrored', () => {
    const set = colouredSet(1, 2);
    const plain = augmentBatch(set.images, [3], { pad: 0, flip: false }, 0);
    assert.ok(
      plain.every((v, i) => Math.abs(v - (set.images[3 * 3072 + i]! / 127.5 - 1)) < 1e-6),
      'no pad, no flip: the image itself',
    );
    // random bytes, so that exactly one (dy, dx, flip) explains each augmented image
    const rng = new Rng(5);
    const pixels = Uint8Array.from({ length: 4 * 3072 }, () => rng.int(256));
    const indices = Array.from({ length: 48 }, (_, b) => b % 4);
    const out = augmentBatch(pixels, indices, { pad: 4, flip: true }, 9);
    assert.equal(out.length, 48 * 3072);
    const found = indices.map((src, b) => {
      const got = out.subarray(b * 3072, (b + 1) * 3072);
      const matches = [];
      for (let dy = -4; dy <= 4; dy++)
        for (let dx = -4; dx <= 4; dx++)
          for (const flip of [false, true])
            if (sameImage(got, shiftedAndMirrored(pixels, src, dy, dx, flip))) matches.push({ dy, dx, flip });
      assert.equal(matches.length, 1, `image ${b}: ${matches.length} transforms of its source reproduce it`);
      return matches[0]!;
    });
    // both mirror states, and shifts of every size up to the padding, occur
    const flips = found.filter((t) => t.flip).length;
    assert.ok(flips > 10 && flips < 38, `${flips} of 48 flipped`);
    assert.ok(found.some((t) => Math.abs(t.dy) === 4) && found.some((t) => Math.abs(t.dx) === 4), 'shifts reach the padding');
    assert.ok(found.filter((t) => t.dy === 0 && t.dx === 0).length < 8, 'most images are shifted');
    // the same seed gives the same batch; pad without flip never mirrors
    assert.deepEqual(augmentBatch(pixels, indices, { pad: 4, flip: true }, 9), out);
    const noFlip = augmentBatch(pixels, [0, 1, 2, 3], { pad: 2, flip: false }, 3);
    for (let b = 0; b < 4; b++) {
      const got = noFlip.subarray(b * 3072, (b + 1) * 3072);
      let ok = false;
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) ok ||= sameImage(got, shiftedAndMirrored(pixels, b, dy, dx, false));
      assert.ok(ok, `image ${b} is a shift of its source within ±2 pixels`);
    }
    assert.ok(Math.abs(oneCycle(1, 0.2, 0.1) - 0.5) < 1e-12 && oneCycle(1, 0.2, 1) === 0, 'one-cycle peaks and ends at 0');
  });

  test('accuracy and the confusion matrix of planted predictions: rows are true classes, columns predictions', () => {
    // six images of three classes; predictions (the largest probability) 0, 1, 1 | 1, 1 | 0
    const labels = [0, 0, 0, 1, 1, 2];
    const predicted = [0, 1, 1, 1, 1, 0];
    const probs = Float32Array.from(predicted.flatMap((p) => [0, 1, 2].map((c) => (c === p ? 0.6 : 0.2))));
    const r = accuracyOf(probs, 3, labels, ['cat', 'dog', 'emu']);
    assert.equal(r.accuracy, 3 / 6);
    assert.equal(r.count, 6);
    assert.deepEqual(r.confusion, [
      [1, 2, 0],
      [0, 2, 0],
      [1, 0, 0],
    ]);
    assert.deepEqual(r.perClass, [1 / 3, 1, 0]);
    // the printed table reads the same way: the row of "cat" holds its three images
    assert.match(formatConfusion(r), /\ncat\s+1\s+2\s+0\s+33\.3%\n/);
    // ties go to the first class; the example in the doc comment
    assert.equal(argmaxRow(Float32Array.of(0.5, 0.5, 0), 3, 0), 0);
    assert.deepEqual(accuracyOf(Float32Array.of(0.9, 0.1, 0.3, 0.7), 2, [0, 0], ['cat', 'dog']).confusion, [
      [1, 1],
      [0, 0],
    ]);
  });

  test('reaches high accuracy on class-coloured images; checkpoint round-trips; resume continues the run', async () => {
    const train = colouredSet(20, 3);
    const test = colouredSet(10, 4);
    const out = join(tmp, 'run');
    const r = await trainClassifier(tinyConfig, train, test, out);
    assert.ok(r.test !== null && !r.interrupted, 'training finished with a test score');
    assert.ok(r.test.accuracy >= 0.9, `test accuracy ${r.test.accuracy}`);
    assert.equal(
      r.test.confusion.flat().reduce((a, b) => a + b, 0),
      40,
    );
    assert.ok(r.epochs[5]!.loss < r.epochs[0]!.loss, `loss ${r.epochs[0]!.loss} → ${r.epochs[5]!.loss}`);
    const { net, meta } = loadClassifier(join(out, 'classifier.pgc'));
    assert.equal(meta.testAccuracy, r.test.accuracy);
    const x = tensor(Float32Array.from(augmentBatch(test.images, [0, 1, 2], { pad: 0, flip: false }, 0)), [3, 3, 32, 32]);
    const a = noGrad(() => r.net.eval().logits(x)).toArray();
    const b = noGrad(() => net.logits(x)).toArray();
    assert.deepEqual(a, b);
    assert.equal(measureAccuracy(net, test, { flipTta: true }).accuracy, r.test.accuracy);
    // the red images (class 0) relabelled as class 1: their predictions move from cell [0][·] to [1][·]
    // and the accuracy falls by exactly the red images predicted red
    const relabelled = measureAccuracy(net, { ...test, labels: test.labels.map((l) => (l === 0 ? 1 : l)) }, { flipTta: true });
    const red = r.test.confusion[0]!;
    assert.deepEqual(relabelled.confusion[0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(
      relabelled.confusion[1],
      red.map((v, c) => v + r.test!.confusion[1]![c]!),
    );
    assert.equal(relabelled.accuracy, (r.test.accuracy * 40 - red[0]! + red[1]!) / 40);
    assert.ok(relabelled.accuracy <= 0.75 + 1e-12, `accuracy ${relabelled.accuracy} with a quarter of the labels wrong`);
    // a real SIGINT during epoch 2 (8 steps per epoch): the loop stops, keeps a resume point and
    // writes no classifier; resuming gives the same weights as the uninterrupted run
    const out2 = join(tmp, 'resumed');
    const stop = {
      onStep: (epoch: number, s: number) => {
        if (epoch === 1 && s === 3) process.kill(process.pid, 'SIGINT');
      },
    };
    const cut = await trainClassifier(tinyConfig, train, test, out2, { hooks: stop });
    assert.ok(cut.interrupted && cut.test === null && cut.epochs.length === 1, `stopped after ${cut.epochs.length} epochs`);
    assert.ok(
      existsSync(join(out2, 'last.pgc')) && !existsSync(join(out2, 'classifier.pgc')),
      'a resume point (last.pgc) and no classifier.pgc',
    );
    // a second stop inside the same epoch (after 12 of 48 steps) resumes from a mid-epoch point too
    const again = await trainClassifier(tinyConfig, train, test, out2, { resume: true, stopAfterStep: 14 });
    assert.ok(again.interrupted && again.epochs.length === 1, 'stopped again within the epoch');
    const resumed = await trainClassifier(tinyConfig, train, test, out2, { resume: true });
    const w1 = r.net.stateDict();
    for (const [k, t] of Object.entries(resumed.net.stateDict())) assert.deepEqual(Array.from(t.data), Array.from(w1[k]!.data), k);
  });
});
