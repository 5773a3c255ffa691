// The training loop on a CIFAR-10 fixture: losses move, interrupt + resume equals an
// uninterrupted run bit for bit, and bad checkpoints are refused with a clear message.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Linear, loadCheckpoint, saveCheckpoint } from '../../src/nn/index.js';
import { Rng, tensor, type Tensor } from '../../src/engine/index.js';
import { loadCifar10 } from '../../src/data/cifar10.js';
import { HeldOutProbe } from '../../src/train/heldOut.js';
import type { GanPair } from '../../src/train/ganPair.js';
import { resolveRunConfig } from '../../src/train/resolve.js';
import { readMetrics } from '../../src/train/runFolder.js';
import { trainRun } from '../../src/train/gan.js';
import type { LrDecay } from '../../src/train/config.js';
import type { AugmentPolicy } from '../../src/models/cgan/diffAugment.js';
import { lrScale, lrScaleG } from '../../src/train/lrSchedule.js';
import { checkpointStep, loadInitState, loadTrainState } from '../../src/train/trainState.js';
import { loadGenerator, sampleImages } from '../../src/sample/sampler.js';
import { writeCifarFixture, type Fixture } from '../helpers/cifarFixture.js';

const quiet = { handleSignals: false, progress: false } as const;

describe('GAN training loop', () => {
  let fx: Fixture;
  let tmp: string;
  before(() => {
    fx = writeCifarFixture(2); // 10 train images per class
    tmp = mkdtempSync(join(tmpdir(), 'pegasus-train-'));
  });
  after(() => {
    fx.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  const run = (name: string, steps: number, extra: { stopAfterStep?: number; resume?: boolean; lrDecay?: LrDecay } = {}) =>
    trainRun({
      runDir: join(tmp, name),
      dataDir: fx.dir,
      recordsPerFile: fx.recordsPerFile,
      config: resolveRunConfig('cgan', 'tiny', { steps, lrDecay: extra.lrDecay }),
      resume: extra.resume ?? false,
      ...quiet,
      ...(extra.stopAfterStep !== undefined && { stopAfterStep: extra.stopAfterStep }),
    });

  // Runs that several tests compare with, trained once by whichever test needs them first, so that
  // any test also runs alone (--test-name-pattern).
  const shared = new Map<string, Promise<unknown>>();
  const once = (name: string, make: () => Promise<unknown>) => {
    if (!shared.has(name)) shared.set(name, make());
    return shared.get(name)!;
  };
  const straight = () => once('straight', () => run('straight', 6)); // 6 updates at constant rates
  const sourceRun = () => once('source', () => run('source', 6, { stopAfterStep: 3 })); // the same run stopped at update 3

  test('a tiny G and D train a few steps: losses move, run folder complete', async () => {
    const r = await run('losses', 6);
    assert.deepEqual(r, { step: 6, interrupted: false });
    const dir = join(tmp, 'losses');
    const m = readMetrics(join(dir, 'metrics.jsonl'));
    assert.deepEqual(
      m.map((l) => l.step),
      [1, 2, 3, 4, 5, 6],
    );
    for (const l of m) {
      for (const k of ['lossD', 'lossG', 'gradNormD', 'gradNormG', 'imagesPerSecond'] as const) assert.ok(Number.isFinite(l[k]), k);
      assert.ok(l.gradNormD > 0 && l.gradNormG > 0);
    }
    assert.ok(new Set(m.map((l) => l.lossD)).size > 1, 'lossD never changed');
    assert.ok(new Set(m.map((l) => l.lossG)).size > 1, 'lossG never changed');
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(config.train.steps, 6);
    assert.deepEqual(config.train.classes, ['bird', 'horse']);
    assert.ok(existsSync(join(dir, 'checkpoint.pgc')) && existsSync(join(dir, 'generator-ema.pgc')));
    assert.ok(readdirSync(join(dir, 'samples')).includes('step-000006.png'));
  });

  test('interrupted and resumed gives the same parameters as uninterrupted, bit for bit', async () => {
    await straight();
    const first = await run('resumed', 6, { stopAfterStep: 3 });
    assert.deepEqual(first, { step: 3, interrupted: true });
    const second = await run('resumed', 6, { resume: true });
    assert.deepEqual(second, { step: 6, interrupted: false });
    const a = loadCheckpoint(join(tmp, 'straight', 'checkpoint.pgc'));
    const b = loadCheckpoint(join(tmp, 'resumed', 'checkpoint.pgc'));
    assert.deepEqual(Object.keys(b.tensors).sort(), Object.keys(a.tensors).sort());
    for (const [name, t] of Object.entries(a.tensors)) {
      assert.deepEqual(Array.from(b.tensors[name]!.data), Array.from(t.data), `${name} differs`);
    }
    const ma = readMetrics(join(tmp, 'straight', 'metrics.jsonl'));
    const mb = readMetrics(join(tmp, 'resumed', 'metrics.jsonl'));
    assert.deepEqual(
      mb.map((l) => [l.step, l.lossD, l.lossG]),
      ma.map((l) => [l.step, l.lossD, l.lossG]),
    );
  });

  test('the held-out probe: logged every heldOutEvery steps, and the run is bit for bit the run without it', async () => {
    const withProbe = resolveRunConfig('cgan', 'tiny', { steps: 5 });
    assert.equal(withProbe.train.heldOutEvery, 2);
    const { heldOutEvery: _off, ...trainOff } = withProbe.train;
    const runWith = (name: string, config: typeof withProbe) =>
      trainRun({ runDir: join(tmp, name), dataDir: fx.dir, recordsPerFile: fx.recordsPerFile, config, resume: false, ...quiet });
    await runWith('probe-on', withProbe);
    await runWith('probe-off', { ...withProbe, train: trainOff });
    const on = loadCheckpoint(join(tmp, 'probe-on', 'checkpoint.pgc')).tensors;
    const off = loadCheckpoint(join(tmp, 'probe-off', 'checkpoint.pgc')).tensors;
    for (const [name, t] of Object.entries(off)) assert.deepEqual(Array.from(on[name]!.data), Array.from(t.data), `${name} differs`);
    const m = readMetrics(join(tmp, 'probe-on', 'metrics.jsonl'));
    assert.deepEqual(
      m.filter((l) => l.dTrain !== undefined).map((l) => l.step),
      [2, 4],
    );
    assert.ok(m.every((l) => (l.dTrain === undefined) === (l.dHeldOut === undefined)));
    assert.ok(
      m
        .filter((l) => l.dTrain !== undefined)
        .every((l) => Number.isFinite(l.dTrain) && Number.isFinite(l.dHeldOut) && l.dTrain !== l.dHeldOut),
    );
    assert.ok(readMetrics(join(tmp, 'probe-off', 'metrics.jsonl')).every((l) => l.dTrain === undefined));
  });

  test("the held-out probe scores training images against test images of the run's classes", () => {
    const classes = ['bird', 'horse'];
    const key = (x: ArrayLike<number>, at: number) =>
      Array.from({ length: 3072 }, (_, i) => Math.round((x[at + i]! + 1) * 127.5)).join(','); // the whole image
    const seen = new Set<string>();
    const train = loadCifar10({ dir: fx.dir, split: 'train', classes, recordsPerFile: fx.recordsPerFile });
    for (let i = 0; i < train.count; i++)
      seen.add(
        key(
          Array.from(train.images.subarray(i * 3072, (i + 1) * 3072), (v) => v / 127.5 - 1),
          0,
        ),
      );
    // a D that has memorised the training images: logit 1 for them, 0 for any other image
    let modes: boolean[] = [];
    const D = new Linear(1, 1, { rng: new Rng(0) });
    const pair = {
      discriminator: D,
      discriminate: (x: Tensor, labels: Int32Array) => {
        modes.push(D.training);
        assert.ok(labels.every((l) => l === 0 || l === 1));
        return tensor(
          Array.from({ length: x.shape[0]! }, (_, i) => (seen.has(key(x.data, i * 3072)) ? 1 : 0)),
          [x.shape[0]!],
        );
      },
    } as unknown as GanPair;
    const probe = HeldOutProbe.load({ train, dataDir: fx.dir, classes, n: 7, seed: 3, recordsPerFile: fx.recordsPerFile });
    assert.deepEqual(probe.measure(pair), { dTrain: 1, dHeldOut: 0 });
    assert.ok(modes.length > 0 && modes.every((t) => !t) && D.training, 'D was not in eval mode for the probe, or not put back');
    modes = [];
    D.eval();
    probe.measure(pair);
    assert.equal(D.training, false, 'the probe must leave D in the mode it found it');
  });

  test('a learning-rate decay added on resume equals a run that had it from the start, bit for bit', async () => {
    assert.deepEqual(
      [0, 2, 3, 4, 5, 6, 9].map((k) => lrScale({ lrDecay: { start: 3, end: 6 } }, k)),
      [1, 1, 1, 2 / 3, 1 / 3, 0, 0],
    );
    assert.equal(lrScale({}, 1e9), 1);
    const decay = { start: 3, end: 6 };
    await run('decayed', 6, { lrDecay: decay });
    await run('decay-added', 6, { stopAfterStep: 3 }); // a constant-rate run, stopped at update 3
    await run('decay-added', 6, { resume: true, lrDecay: decay });
    await straight();
    const a = loadCheckpoint(join(tmp, 'decayed', 'checkpoint.pgc'));
    const b = loadCheckpoint(join(tmp, 'decay-added', 'checkpoint.pgc'));
    const constant = loadCheckpoint(join(tmp, 'straight', 'checkpoint.pgc')); // the same run without the decay
    let changed = false;
    for (const [name, t] of Object.entries(a.tensors)) {
      assert.deepEqual(Array.from(b.tensors[name]!.data), Array.from(t.data), `${name} differs`);
      if (name.startsWith('G.') && Array.from(t.data).some((v, i) => v !== constant.tensors[name]!.data[i])) changed = true;
    }
    assert.ok(changed, "the decay changed none of G's weights");
    assert.deepEqual(JSON.parse(readFileSync(join(tmp, 'decay-added', 'config.json'), 'utf8')).train.lrDecay, decay);
    // the decay began at update 3 here, so a checkpoint past it cannot continue at constant rates
    const path = join(tmp, 'decay-added', 'checkpoint.pgc');
    assert.throws(() => loadTrainState(path, resolveRunConfig('cgan', 'tiny', { steps: 6 })), /must start at update 6 or later/);
  });

  test("--init-from: a new run continues another run's networks; unchanged it equals the uninterrupted run, bit for bit", async () => {
    await sourceRun();
    await straight();
    const from = join(tmp, 'source', 'checkpoint.pgc');
    const fork = (name: string, augment?: AugmentPolicy[]) =>
      trainRun({
        runDir: join(tmp, name),
        dataDir: fx.dir,
        recordsPerFile: fx.recordsPerFile,
        config: resolveRunConfig('cgan', 'tiny', { steps: 6, initFrom: from, augment }),
        resume: false,
        ...quiet,
      });
    assert.deepEqual(await fork('same'), { step: 6, interrupted: false });
    await fork('augmented', ['translation']); // the tiny preset has all three
    const a = loadCheckpoint(join(tmp, 'straight', 'checkpoint.pgc')).tensors;
    const same = loadCheckpoint(join(tmp, 'same', 'checkpoint.pgc')).tensors;
    const aug = loadCheckpoint(join(tmp, 'augmented', 'checkpoint.pgc')).tensors;
    for (const [name, t] of Object.entries(a)) assert.deepEqual(Array.from(same[name]!.data), Array.from(t.data), `${name} differs`);
    assert.ok(
      Object.keys(a).some((k) => k.startsWith('G.') && Array.from(aug[k]!.data).some((v, i) => v !== a[k]!.data[i])),
      'the new augmentation changed nothing',
    );
    assert.deepEqual(
      readMetrics(join(tmp, 'augmented', 'metrics.jsonl')).map((m) => m.step),
      [4, 5, 6],
    );
    // other networks are refused, and so is a run no longer than the checkpoint
    const other = resolveRunConfig('cgan', 'tiny', { steps: 6, classes: ['cat', 'dog'] });
    assert.throws(() => loadInitState(from, other), /other networks .* same model and classes/);
    assert.throws(() => loadInitState(from, resolveRunConfig('cgan', 'tiny', { steps: 3 })), /already at update 3; give --steps above it/);
  });

  test("--class-loss adds λ·CE of D's class logits to D's and G's losses and resumes bit for bit", async () => {
    const go = (
      name: string,
      steps: number,
      classLoss: number | undefined,
      extra: { stopAfterStep?: number; resume?: boolean; lrD?: number } = {},
    ) =>
      trainRun({
        runDir: join(tmp, name),
        dataDir: fx.dir,
        recordsPerFile: fx.recordsPerFile,
        config: resolveRunConfig('cgan', 'tiny', { steps, classLoss, lrD: extra.lrD }),
        resume: extra.resume ?? false,
        ...quiet,
        ...(extra.stopAfterStep !== undefined && { stopAfterStep: extra.stopAfterStep }),
      });
    const ce = (m: object, k: 'classCeReal' | 'classCeFake') => (m as Record<string, number | undefined>)[k];
    // D's rate so small that its update leaves it as it was: G's step then sees the same D in both
    // runs, and the same weights and batches give losses that differ by the class terms alone
    await go('cls-none', 1, undefined, { lrD: 1e-30 });
    await go('cls-frozen-d', 1, 0.5, { lrD: 1e-30 });
    const [plain] = readMetrics(join(tmp, 'cls-none', 'metrics.jsonl'));
    const [withClasses] = readMetrics(join(tmp, 'cls-frozen-d', 'metrics.jsonl'));
    assert.equal(ce(plain!, 'classCeReal'), undefined, 'a run without the class loss logs no class cross-entropy');
    const real = ce(withClasses!, 'classCeReal')!;
    const fake = ce(withClasses!, 'classCeFake')!;
    assert.ok(real > 0 && fake > 0, `cross-entropies ${real}, ${fake}`);
    assert.ok(
      Math.abs(withClasses!.lossD - plain!.lossD - 0.5 * real) < 1e-4,
      `lossD ${withClasses!.lossD} vs ${plain!.lossD} + 0.5·${real}`,
    );
    assert.ok(
      Math.abs(withClasses!.lossG - plain!.lossG - 0.5 * fake) < 1e-4,
      `lossG ${withClasses!.lossG} vs ${plain!.lossG} + 0.5·${fake}`,
    );
    assert.equal(JSON.parse(readFileSync(join(tmp, 'cls-frozen-d', 'config.json'), 'utf8')).train.classLoss, 0.5);

    await go('cls', 6, 0.5);
    await go('cls-resumed', 6, 0.5, { stopAfterStep: 3 });
    await go('cls-resumed', 6, 0.5, { resume: true });
    const a = loadCheckpoint(join(tmp, 'cls', 'checkpoint.pgc')).tensors;
    const b = loadCheckpoint(join(tmp, 'cls-resumed', 'checkpoint.pgc')).tensors;
    for (const [name, t] of Object.entries(a)) assert.deepEqual(Array.from(b[name]!.data), Array.from(t.data), `${name} differs`);
    assert.ok(
      readMetrics(join(tmp, 'cls', 'metrics.jsonl')).every(
        (m) => Number.isFinite(ce(m, 'classCeReal')) && Number.isFinite(ce(m, 'classCeFake')),
      ),
    );
  });

  test('--init-from a generator file: G and its average start from it, D is new and G is held for the warm-up', async () => {
    await sourceRun();
    const file = join(tmp, 'source', 'generator-ema.pgc'); // written at update 3
    assert.equal(checkpointStep(file), 3);
    const weights = loadCheckpoint(file).tensors;
    const fork = (name: string, steps: number, holdGUntil?: number) =>
      trainRun({
        runDir: join(tmp, name),
        dataDir: fx.dir,
        recordsPerFile: fx.recordsPerFile,
        config: resolveRunConfig('cgan', 'tiny', { steps, initFrom: file, holdGUntil }),
        resume: false,
        ...quiet,
      });
    assert.deepEqual(await fork('held', 5, 5), { step: 5, interrupted: false });
    const held = loadCheckpoint(join(tmp, 'held', 'checkpoint.pgc'));
    const source = loadCheckpoint(join(tmp, 'source', 'checkpoint.pgc')).tensors;
    for (const [name, t] of Object.entries(weights)) {
      if (!name.endsWith('.weight') && !name.endsWith('.bias')) continue; // running statistics move with every batch
      assert.deepEqual(Array.from(held.tensors[`G.${name}`]!.data), Array.from(t.data), `G.${name} moved while held`);
    }
    // D is this run's own new network (not the source run's), and it was trained
    const dNames = Object.keys(held.tensors).filter((k) => k.startsWith('D.') && k.endsWith('weightOrig'));
    const same = dNames.filter((k) => Array.from(held.tensors[k]!.data).every((v, i) => v === source[k]!.data[i]));
    assert.ok(dNames.length > 0 && same.length === 0, `D weights equal to the source run's: ${same.join(', ')}`);
    assert.deepEqual(
      readMetrics(join(tmp, 'held', 'metrics.jsonl')).map((m) => [m.step, m.gradNormG]),
      [
        [4, 0],
        [5, 0],
      ],
    );
    // no backward pass or Adam step for G while it is held: its Adam state starts after the hold
    assert.ok(
      (held.meta as { optG: { steps: number[] } }).optG.steps.every((k) => k === 0),
      'G took Adam steps while held',
    );
    // without the hold G learns from the first update on
    await fork('free', 4);
    const free = loadCheckpoint(join(tmp, 'free', 'checkpoint.pgc')).tensors;
    assert.ok(
      Object.keys(weights).some((k) => k.endsWith('weight') && Array.from(free[`G.${k}`]!.data).some((v, i) => v !== weights[k]!.data[i])),
      'G never moved',
    );
    // a file of another kind, or of other networks, is refused
    assert.throws(() => loadInitState(file, resolveRunConfig('cgan', 'tiny', { steps: 6, classes: ['cat', 'dog'] })), /other networks/);
    const notGan = join(tmp, 'classifier-like.pgc');
    saveCheckpoint(notGan, { kind: 'classifier', config: {}, tensors: {} });
    assert.throws(
      () => loadInitState(notGan, resolveRunConfig('cgan', 'tiny', { steps: 6 })),
      /"classifier" checkpoint; --init-from takes a GAN run's checkpoint\.pgc or a GAN generator file/,
    );
    assert.throws(() => checkpointStep(notGan), /records no update count/);
  });

  test("the generator's rate is zero while it is held, then follows the shared schedule", () => {
    const t = { holdGUntil: 4, lrDecay: { start: 3, end: 6 } };
    assert.deepEqual(
      [0, 3, 4, 5, 6].map((k) => lrScaleG(t, k)),
      [0, 0, 2 / 3, 1 / 3, 0],
    );
    assert.equal(lrScaleG({}, 7), 1);
  });

  test('DCGAN trains through the same loop and its generator samples without classes', async () => {
    const r = await trainRun({
      runDir: join(tmp, 'dcgan'),
      dataDir: fx.dir,
      recordsPerFile: fx.recordsPerFile,
      config: resolveRunConfig('dcgan', 'tiny', { steps: 3 }),
      resume: false,
      ...quiet,
    });
    assert.equal(r.step, 3);
    const m = readMetrics(join(tmp, 'dcgan', 'metrics.jsonl'));
    assert.ok(m.every((l) => Number.isFinite(l.lossD) && Number.isFinite(l.lossG)));
    const g = loadGenerator(join(tmp, 'dcgan', 'generator-ema.pgc'));
    assert.deepEqual(sampleImages(g, [], 2, 0).shape, [2, 3, 32, 32]);
    assert.throws(() => sampleImages(g, [{ name: 'horse', weight: 1 }], 2, 0), /unconditional; drop --class/);
  });

  test('a NaN/Inf loss stops the run with a clear message and leaves the checkpoint alone', async () => {
    await run('diverge', 2);
    const path = join(tmp, 'diverge', 'checkpoint.pgc');
    // Poison the generator: a NaN bias makes every image, logit and loss NaN from the next step on.
    const ck = loadCheckpoint(path);
    ck.tensors['G.linear.bias']!.data.fill(NaN);
    saveCheckpoint(path, { kind: ck.kind, config: ck.config, tensors: ck.tensors, meta: ck.meta });
    const before = readFileSync(path);
    await assert.rejects(
      run('diverge', 5, { resume: true }),
      /training diverged at step 3 \(lossD NaN, lossG NaN\); the last good checkpoint is kept in .*checkpoint\.pgc/,
    );
    assert.ok(readFileSync(path).equals(before), 'the checkpoint was overwritten');
    assert.equal(readMetrics(join(tmp, 'diverge', 'metrics.jsonl')).at(-1)!.step, 2);
  });

  test('a corrupt or mismatched checkpoint is refused with a clear message', async () => {
    await run('refuse', 2);
    const path = join(tmp, 'refuse', 'checkpoint.pgc');
    const config = resolveRunConfig('cgan', 'tiny', { steps: 2 });
    const other = resolveRunConfig('cgan', 'tiny', { steps: 2, classes: ['cat', 'dog', 'frog'] });
    assert.throws(() => loadTrainState(path, other), /different config/);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 100));
    assert.throws(() => loadTrainState(path, config), /truncated|corrupt|incomplete/i);
    writeFileSync(path, 'not a checkpoint at all');
    assert.throws(() => loadTrainState(path, config), /not a pegasus checkpoint/i);
  });
});
