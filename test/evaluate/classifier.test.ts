// The classifier learns an easily separable fixture, checkpoints round-trip, and resuming continues
// the same run (the CLI is tested in evaluate-cli.test.ts). Its max pooling is the engine's
// maxPool2d, checked in engine-ops (against max over reshaped windows), engine-grad and
// engine-backends.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLASS_NAMES, type Cifar10Set } from '../../src/data/index.js';
import { noGrad, Rng, tensor } from '../../src/engine/index.js';
import { measureAccuracy } from '../../src/evaluate/classifier/accuracy.js';
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

  test('augmentation: no pad and no flip reproduces the images; flips mirror rows', () => {
    const set = colouredSet(1, 2);
    const plain = augmentBatch(set.images, [3], { pad: 0, flip: false }, 0);
    assert.ok(plain.every((v, i) => Math.abs(v - (set.images[3 * 3072 + i]! / 127.5 - 1)) < 1e-6));
    const shifted = augmentBatch(set.images, [3, 4, 5, 6], { pad: 4, flip: true }, 9);
    assert.equal(shifted.length, 4 * 3072);
    assert.ok(Math.abs(oneCycle(1, 0.2, 0.1) - 0.5) < 1e-12 && oneCycle(1, 0.2, 1) === 0);
  });

  test('reaches high accuracy on class-coloured images; checkpoint round-trips; resume continues the run', async () => {
    const train = colouredSet(20, 3);
    const test = colouredSet(10, 4);
    const out = join(tmp, 'run');
    const r = await trainClassifier(tinyConfig, train, test, out);
    assert.ok(r.test !== null && !r.interrupted);
    assert.ok(r.test.accuracy >= 0.9, `test accuracy ${r.test.accuracy}`);
    assert.equal(
      r.test.confusion.flat().reduce((a, b) => a + b, 0),
      40,
    );
    assert.ok(r.epochs[5]!.loss < r.epochs[0]!.loss);
    const { net, meta } = loadClassifier(join(out, 'classifier.pgc'));
    assert.equal(meta.testAccuracy, r.test.accuracy);
    const x = tensor(Float32Array.from(augmentBatch(test.images, [0, 1, 2], { pad: 0, flip: false }, 0)), [3, 3, 32, 32]);
    const a = noGrad(() => r.net.eval().logits(x)).toArray();
    const b = noGrad(() => net.logits(x)).toArray();
    assert.deepEqual(a, b);
    assert.equal(measureAccuracy(net, test, { flipTta: true }).accuracy, r.test.accuracy);
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
    assert.ok(existsSync(join(out2, 'last.pgc')) && !existsSync(join(out2, 'classifier.pgc')));
    // a second stop inside the same epoch (after 12 of 48 steps) resumes from a mid-epoch point too
    const again = await trainClassifier(tinyConfig, train, test, out2, { resume: true, stopAfterStep: 14 });
    assert.ok(again.interrupted && again.epochs.length === 1);
    const resumed = await trainClassifier(tinyConfig, train, test, out2, { resume: true });
    const w1 = r.net.stateDict();
    for (const [k, t] of Object.entries(resumed.net.stateDict())) assert.deepEqual(Array.from(t.data), Array.from(w1[k]!.data), k);
  });
});
