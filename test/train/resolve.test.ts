// Resolving a run's config from a preset and command-line overrides: flags left unset keep the
// preset's values (they are undefined, and must not overwrite anything), given ones win.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { definedOnly } from '../../src/defined.js';
import { resolveDiffusionConfig } from '../../src/diffusion/resolve.js';
import { PRESETS } from '../../src/train/presets/gan.js';
import { resolveRunConfig, stepsForEpochs, stepsForEpochsOn } from '../../src/train/resolve.js';
import { writeCifarFixture } from '../helpers/cifarFixture.js';

test('definedOnly drops undefined values and keeps every other falsy one', () => {
  assert.deepEqual(definedOnly({ a: 1, b: undefined, c: 0, d: null, e: false, f: '' }), { a: 1, c: 0, d: null, e: false, f: '' });
  assert.deepEqual(Object.keys(definedOnly({ a: undefined })), []);
});

test('resolveRunConfig: unset overrides keep the preset, given ones replace it', () => {
  const preset = PRESETS['cpu-ttur']!.train;
  const c = resolveRunConfig('cgan', 'cpu-ttur', {
    steps: undefined,
    seed: 7,
    batchSize: undefined,
    lrD: 1e-3,
    classes: ['Horse', 'bird'],
  });
  assert.equal(c.train.steps, preset.steps);
  assert.equal(c.train.batchSize, preset.batchSize);
  assert.equal(c.train.seed, 7);
  assert.equal(c.train.lrD, 1e-3);
  assert.deepEqual(c.train.classes, ['horse', 'bird']);
  assert.equal(c.cgan.numClasses, 2);
  assert.ok(!Object.values(c.train).includes(undefined), 'an undefined value reached the config');
  assert.ok(!('initFrom' in c.train) && !('holdGUntil' in c.train));
  // DCGAN keeps its own schedule unless a flag overrides it
  assert.equal(resolveRunConfig('dcgan', 'cpu', {}).train.lrG, 2e-4);
  assert.equal(resolveRunConfig('dcgan', 'cpu', { lrG: 5e-5 }).train.lrG, 5e-5);
});

test('resolveDiffusionConfig: unset overrides keep the preset', () => {
  const base = resolveDiffusionConfig('tiny');
  const c = resolveDiffusionConfig('tiny', { steps: 9, seed: undefined, lr: undefined });
  assert.equal(c.train.steps, 9);
  assert.equal(c.train.seed, base.train.seed);
  assert.equal(c.train.lr, base.train.lr);
});

test('stepsForEpochs counts the real batches each step reads', () => {
  assert.equal(stepsForEpochs(2, 1000, { batchSize: 100 }), 20);
  assert.equal(stepsForEpochs(2, 1000, { batchSize: 100, nDis: 2 }), 10);
  assert.equal(stepsForEpochs(0.01, 1000, { batchSize: 100 }), 1);
  assert.throws(() => stepsForEpochs(1, 50, { batchSize: 64 }), /--batch 64 is larger than the 50 training images/);
});

test("stepsForEpochsOn counts the training images of the run's classes in the data folder", () => {
  const fx = writeCifarFixture(2); // 10 training images per class
  try {
    const train = { classes: ['horse', 'bird'], batchSize: 4 }; // 20 images: 5 batches an epoch
    assert.equal(stepsForEpochsOn(2, train, fx.dir, fx.recordsPerFile), 10);
    assert.equal(stepsForEpochsOn(2, { ...train, nDis: 2 }, fx.dir, fx.recordsPerFile), 5);
    assert.throws(
      () => stepsForEpochsOn(1, { ...train, batchSize: 32 }, fx.dir, fx.recordsPerFile),
      /--batch 32 is larger than the 20 training images/,
    );
  } finally {
    fx.cleanup();
  }
});
