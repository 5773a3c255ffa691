// The conditional GAN's networks and DiffAugment: shapes, conditioning, mixing and gradients.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rng, noGrad, ones, randn, sum, tensor } from '../../src/engine/index.js';
import { Discriminator, Generator, diffAugment, randCutout, randTranslation, type CganConfig } from '../../src/models/cgan/index.js';
import { tiny } from '../../src/train/presets/tiny.js';
import { standingStats } from '../../src/train/standingStats.js';

const config: CganConfig = { ...tiny.cgan, numClasses: 3 };

describe('conditional generator', () => {
  test('maps z and labels to [N, 3, 32, 32] images in [-1, 1]', () => {
    const g = new Generator(config, new Rng(1));
    const x = noGrad(() => g.forward(randn([4, config.generator.zDim], new Rng(2)), Int32Array.of(0, 1, 2, 0)));
    assert.deepEqual(x.shape, [4, 3, 32, 32]);
    for (const v of x.data) assert.ok(v >= -1 && v <= 1);
  });

  test('a one-hot mixture gives exactly the class and the class changes the image', () => {
    const g = new Generator(config, new Rng(1));
    g.eval();
    const z = randn([2, config.generator.zDim], new Rng(3));
    const byLabel = noGrad(() => g.forward(z, Int32Array.of(1, 1))).toArray();
    const byMix = noGrad(() => g.forward(z, g.mixEmbedding([0, 1, 0], 2))).toArray();
    assert.deepEqual(byMix, byLabel);
    const other = noGrad(() => g.forward(z, Int32Array.of(2, 2))).toArray();
    assert.notDeepEqual(other, byLabel);
  });

  test('accepts one embedding per conditional layer and checks their shapes', () => {
    const g = new Generator(config, new Rng(1));
    g.eval();
    const z = randn([2, config.generator.zDim], new Rng(3));
    const horse = g.mixEmbedding([1, 0, 0], 2);
    const bird = g.mixEmbedding([0, 1, 0], 2);
    const layers = Array.from({ length: g.numConditionalLayers }, (_, i) => (i < 2 ? horse : bird));
    const mixed = noGrad(() => g.forward(z, layers)).toArray();
    assert.notDeepEqual(mixed, noGrad(() => g.forward(z, horse)).toArray());
    assert.throws(() => g.forward(z, [horse]), /per-layer embeddings/);
    assert.throws(() => g.forward(z, tensor(new Float32Array(6), [2, 3])), /embeddings must be/);
  });

  test('a region condition blends two conditions by its mask: 0 gives the outside, 1 the inside', () => {
    const g = new Generator(config, new Rng(1));
    g.eval();
    const z = randn([2, config.generator.zDim], new Rng(3));
    const horse = g.mixEmbedding([1, 0, 0], 2);
    const bird = g.mixEmbedding([0, 1, 0], 2);
    const layers = g.numConditionalLayers;
    const withMask = (m: Float32Array) => {
      const mask = tensor(m, [1, 1, 32, 32]);
      return noGrad(() =>
        g.forward(
          z,
          Array.from({ length: layers }, () => ({ outside: horse, inside: bird, mask })),
        ),
      ).toArray() as number[];
    };
    const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) < 1e-5);
    const plainHorse = noGrad(() => g.forward(z, horse)).toArray() as number[];
    const plainBird = noGrad(() => g.forward(z, bird)).toArray() as number[];
    assert.ok(close(withMask(new Float32Array(1024)), plainHorse), 'mask 0: the outside condition');
    assert.ok(close(withMask(new Float32Array(1024).fill(1)), plainBird), 'mask 1: the inside condition');
    // the top half inside: the image differs from both, most in the top half
    const half = withMask(new Float32Array(1024).map((_, i) => (i < 512 ? 1 : 0)));
    assert.ok(!close(half, plainHorse) && !close(half, plainBird));
    const diff = (lo: number, hi: number) => {
      let d = 0;
      for (let i = 0; i < half.length; i++) if (i % 1024 >= lo && i % 1024 < hi) d += Math.abs(half[i]! - plainHorse[i]!);
      return d;
    };
    assert.ok(diff(0, 512) > diff(512, 1024), 'the change is mostly inside the region');
    assert.throws(
      () =>
        g.forward(
          z,
          Array.from({ length: layers }, () => ({ outside: horse, inside: bird, mask: tensor(new Float32Array(16), [1, 1, 4, 4]) })),
        ),
      /region mask must be/,
    );
  });
});

describe('projection discriminator', () => {
  test('gives one logit per image that depends on the label', () => {
    const d = new Discriminator(config, new Rng(4));
    d.eval();
    const x = randn([2, 3, 32, 32], new Rng(5));
    const a = noGrad(() => d.forward(x, Int32Array.of(0, 0)));
    const b = noGrad(() => d.forward(x, Int32Array.of(1, 1)));
    assert.deepEqual(a.shape, [2]);
    assert.notDeepEqual(a.toArray(), b.toArray());
  });

  test('its class logits are the projection term: changing the label moves the logit by their difference', () => {
    const d = new Discriminator(config, new Rng(4));
    d.eval();
    const x = randn([3, 3, 32, 32], new Rng(5));
    const { logits, classLogits } = noGrad(() => d.forwardWithClasses(x, Int32Array.of(0, 1, 2)));
    assert.deepEqual(classLogits.shape, [3, config.numClasses]);
    assert.deepEqual(logits.toArray(), noGrad(() => d.forward(x, Int32Array.of(0, 1, 2))).toArray());
    const relabelled = noGrad(() => d.forward(x, Int32Array.of(2, 0, 1))).toArray();
    const c = classLogits.toArray() as number[]; // row-major [3, numClasses]
    const k = config.numClasses;
    const l = logits.toArray() as number[];
    const moved = [
      [0, 0, 2],
      [1, 1, 0],
      [2, 2, 1],
    ] as const;
    for (const [i, from, to] of moved) {
      assert.ok(Math.abs(relabelled[i]! - l[i]! - (c[i * k + to]! - c[i * k + from]!)) < 1e-4, `image ${i}`);
    }
  });
});

describe('DiffAugment (Zhao et al. 2020)', () => {
  test('keeps the shape, is reproducible from the rng and passes gradients back', () => {
    const x = randn([3, 3, 32, 32], new Rng(6));
    x.requiresGrad = true;
    const y1 = diffAugment(x, ['color', 'translation', 'cutout'], new Rng(7));
    const y2 = diffAugment(x, ['color', 'translation', 'cutout'], new Rng(7));
    assert.deepEqual(y1.shape, [3, 3, 32, 32]);
    assert.deepEqual(y1.toArray(), y2.toArray());
    sum(y1).backward();
    assert.ok(x.grad !== null);
    assert.ok(x.grad.toArray().some((g) => g !== 0));
  });

  test('translation shifts by at most 4 pixels and fills with zeros', () => {
    const x = ones([8, 1, 32, 32]);
    const y = randTranslation(x, new Rng(8)).toArray();
    for (let i = 0; i < 8; i++) {
      const img = y.slice(i * 1024, (i + 1) * 1024);
      const kept = img.filter((v) => v === 1).length;
      assert.ok(kept >= 28 * 28 && kept <= 1024, `image ${i} kept ${kept}`);
      assert.ok(img.every((v) => v === 0 || v === 1));
    }
  });

  test('cutout zeroes a square of at most 16×16 pixels in every channel', () => {
    const y = randCutout(ones([6, 3, 32, 32]), new Rng(9)).toArray();
    for (let i = 0; i < 6; i++) {
      const zeros = y.slice(i * 3072, (i + 1) * 3072).filter((v) => v === 0).length;
      assert.ok(zeros > 0 && zeros <= 3 * 256 && zeros % 3 === 0, `image ${i} has ${zeros} zeros`);
    }
  });
});

describe('standing statistics (Brock et al. 2019)', () => {
  test('after one batch, eval mode on that batch matches train mode on it', () => {
    const g = new Generator(config, new Rng(1));
    const { zDim } = config.generator;
    // The batch standingStats draws from Rng(seed): labels first, then the noise.
    const rng = new Rng(42);
    const labels = Int32Array.from({ length: 16 }, () => rng.int(3));
    const z = randn([16, zDim], rng);
    g.train();
    const batchStats = noGrad(() => g.forward(z, labels)).toArray();
    standingStats(g, { zDim, numClasses: 3, seed: 42, batches: 1, batchSize: 16 });
    assert.equal(g.training, false);
    const standing = noGrad(() => g.forward(z, labels)).toArray();
    // NOTE: equal up to the unbiased (running) vs biased (batch) variance, a factor √(m/(m−1)).
    const worst = Math.max(...standing.map((v, i) => Math.abs(v - batchStats[i]!)));
    assert.ok(worst < 0.02, `max difference ${worst}`);
    assert.ok(worst > 0);
  });
});
