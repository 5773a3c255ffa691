// The whole evaluation in process, with a generator that plants copies of training images: the
// uniqueness group must count the exact copies, flag the near-copy as closer than real test images
// are, and point the sheet at the very training images that were copied; real test images score no
// copies. A tiny untrained classifier is enough, since uniqueness is measured in pixels.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLASS_NAMES, type Cifar10Set } from '../../src/data/index.js';
import { Rng } from '../../src/engine/index.js';
import { evaluateGenerator, spread, trainReference } from '../../src/evaluate/evaluate.js';
import type { ImageGeneratorSource } from '../../src/evaluate/generator.js';
import { defaultClassifierConfig, ResNet9 } from '../../src/models/classifier/index.js';

const IMAGE = 3072;

/** `n` images of random bytes, labels cycling through 0..classes−1. */
function randomSet(n: number, classes: number, seed: number): Cifar10Set {
  const rng = new Rng(seed);
  const images = Uint8Array.from({ length: n * IMAGE }, () => rng.int(256));
  const labels = Uint8Array.from({ length: n }, (_, i) => i % classes);
  return { count: n, images, labels, classNames: CLASS_NAMES, shape: [n, 3, 32, 32] };
}

describe('evaluation: memorisation', () => {
  const train = randomSet(30, 3, 1);
  const test_ = randomSet(12, 3, 2);
  const net = new ResNet9({ ...defaultClassifierConfig, widths: [4, 4, 8, 8] }, new Rng(3));
  const asFloat = (i: number) => Float32Array.from(train.images.subarray(i * IMAGE, (i + 1) * IMAGE), (v) => v / 127.5 - 1);
  const rng = new Rng(4);
  const noise = () => Float32Array.from({ length: IMAGE }, () => rng.uniform() * 2 - 1);
  const perturbation = Float32Array.from({ length: IMAGE }, () => 0.02 * rng.normal());
  // airplane: a copy of training image 0, a near-copy of 3, two new images; automobile: a copy of 4 at position 1
  const planted: Record<string, Float32Array[]> = {
    airplane: [asFloat(0), asFloat(3).map((v, j) => v + perturbation[j]!), noise(), noise()],
    automobile: [noise(), asFloat(4), noise(), noise()],
  };
  const gen: ImageGeneratorSource = {
    name: 'planted copies',
    classes: ['airplane', 'automobile'],
    sample: (mix, n) => {
      const images = planted[mix[0]!.name]!;
      assert.equal(n, images.length);
      return Float32Array.from(images.flatMap((x) => Array.from(x)));
    },
  };

  test('planted exact copies are counted, the near-copy is closer than real images, and the sheet shows what was copied', () => {
    const { report, sheet } = evaluateGenerator(
      gen,
      net,
      trainReference(net, train),
      test_,
      { classifier: 'untrained' },
      { n: 8, labels: [0, 1], nnQueries: 8, prdcSize: 8, kidSubsets: 5, seed: 0, meanNoise: 0.25 },
    );
    assert.deepEqual(
      report.sets.map((s) => s.name),
      ['generated', 'real test (floor)', 'blurred test', 'class mean + noise'],
    );
    const [generated, real] = report.sets;
    assert.equal(generated!.uniqueness.queries, 8);
    assert.equal(generated!.uniqueness.exactCopies, 2 / 8);
    assert.equal(generated!.uniqueness.closerThanRealP05, 3 / 8, 'two copies and the near-copy');
    assert.equal(generated!.uniqueness.pixel.min, 0);
    let planted = 0;
    for (let j = 0; j < IMAGE; j++) planted += perturbation[j]! ** 2;
    // queries are the generated images in order (airplanes, then automobiles); nearest first
    assert.deepEqual(Array.from(sheet.queries), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual([sheet.nn.index[0], sheet.nn.index[3], sheet.nn.index[15]], [0, 3, 4]);
    assert.deepEqual([sheet.nn.distance[0], sheet.nn.distance[15]], [0, 0]);
    assert.ok(Math.abs(sheet.nn.distance[3]! - Math.sqrt(planted)) < 1e-3, `near-copy at ${sheet.nn.distance[3]}`);
    // random test images are ≈ 45 from every training image: no copies, and nothing closer than their own 5th percentile
    assert.equal(real!.uniqueness.exactCopies, 0);
    assert.equal(real!.uniqueness.closerThanRealP05, 0);
    assert.ok(real!.uniqueness.pixel.min > 30, `real test min ${real!.uniqueness.pixel.min}`);
    // the median of 8 distances is the upper middle one (index 4 of the sorted values)
    const nearest = Array.from({ length: 8 }, (_, i) => sheet.nn.distance[i * 3]!).sort((a, b) => a - b);
    assert.equal(generated!.uniqueness.pixel.median, nearest[4]);
    assert.equal(generated!.uniqueness.pixel.mean, nearest.reduce((a, b) => a + b, 0) / 8);
  });

  test('spread picks evenly spaced indices, all of them when asked for more', () => {
    assert.deepEqual(Array.from(spread(10, 4)), [0, 2, 5, 7]);
    assert.deepEqual(Array.from(spread(3, 8)), [0, 1, 2]);
  });
});
