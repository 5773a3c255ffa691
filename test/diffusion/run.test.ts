// The diffusion training workflow on a CIFAR-10 fixture: run folder, metrics, checkpoints, resume
// equal to an uninterrupted run bit for bit, sampling from either checkpoint file, and clear
// refusals (wrong kind, wrong flags).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadDiffusionModel } from '../../src/diffusion/checkpoint.js';
import { isDiffusionRunDir, runDiffusionSampleCommand, runDiffusionTrainCommand } from '../../src/diffusion/command.js';
import { resolveDiffusionConfig } from '../../src/diffusion/resolve.js';
import { runDiffusionTraining } from '../../src/train/diffusion.js';
import { sampleDiffusion } from '../../src/diffusion/sample.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/nn/index.js';
import { writeCifarFixture, type Fixture } from '../helpers/cifarFixture.js';

const quiet = { handleSignals: false, progress: false } as const;

describe('diffusion training run', () => {
  let fx: Fixture;
  let tmp: string;
  let full: Awaited<ReturnType<typeof run>>; // the 4-update run 'full' that every test reads or compares with
  before(async () => {
    fx = writeCifarFixture(2);
    tmp = mkdtempSync(join(tmpdir(), 'pegasus-diffusion-'));
    full = await run('full', 4);
  });
  after(() => {
    fx.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  const run = (name: string, steps: number, extra: { stopAfterStep?: number; resume?: boolean } = {}) =>
    runDiffusionTraining({
      runDir: join(tmp, name),
      dataDir: fx.dir,
      recordsPerFile: fx.recordsPerFile,
      config: resolveDiffusionConfig('tiny', { steps }),
      resume: extra.resume ?? false,
      ...quiet,
      ...(extra.stopAfterStep !== undefined && { stopAfterStep: extra.stopAfterStep }),
    });

  test('a tiny run writes config, metrics, both checkpoints and a sample grid', async () => {
    assert.deepEqual(full, { step: 4, interrupted: false });
    const dir = join(tmp, 'full');
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(config.model, 'diffusion');
    assert.deepEqual(config.train.classes, ['bird', 'horse']);
    assert.equal(config.unet.numClasses, 2);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.step),
      [1, 2, 3, 4],
    );
    for (const l of lines) assert.ok(Number.isFinite(l.loss) && l.loss > 0 && l.gradNorm > 0 && l.imagesPerSecond > 0);
    assert.ok(new Set(lines.map((l) => l.loss)).size > 1, 'loss never changed');
    assert.equal(loadCheckpoint(join(dir, 'checkpoint.pgc')).kind, 'diffusion-train');
    assert.equal(loadCheckpoint(join(dir, 'denoiser-ema.pgc')).kind, 'diffusion');
    assert.ok(readdirSync(join(dir, 'samples')).includes('step-000004.png'));
    assert.ok(isDiffusionRunDir(dir));
  });

  test('interrupted and resumed equals uninterrupted, bit for bit', async () => {
    assert.deepEqual(await run('split', 4, { stopAfterStep: 2 }), { step: 2, interrupted: true });
    assert.deepEqual(await run('split', 4, { resume: true }), { step: 4, interrupted: false });
    const a = loadCheckpoint(join(tmp, 'full', 'checkpoint.pgc')).tensors;
    const b = loadCheckpoint(join(tmp, 'split', 'checkpoint.pgc')).tensors;
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
    for (const [k, t] of Object.entries(a)) assert.deepEqual(Array.from(b[k]!.data), Array.from(t.data), k);
    const lines = readFileSync(join(tmp, 'split', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n');
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).step),
      [1, 2, 3, 4],
    );
  });

  test('both checkpoint files give the same EMA network; sampling is reproducible', () => {
    const fromEma = loadDiffusionModel(join(tmp, 'full', 'denoiser-ema.pgc'));
    const fromTrain = loadDiffusionModel(join(tmp, 'full', 'checkpoint.pgc'));
    assert.equal(fromEma.step, 4);
    const opts = {
      concepts: [
        { classIndex: 1, weight: 2 },
        { classIndex: 0, weight: -0.5 },
      ],
      seeds: [3, 4],
      steps: 3,
      sampler: 'heun',
    } as const;
    const a = sampleDiffusion(fromEma.net, fromEma.config.edm, opts);
    const b = sampleDiffusion(fromTrain.net, fromTrain.config.edm, opts);
    assert.deepEqual(Array.from(a.data), Array.from(b.data));
  });

  test('sample command writes a PNG; bad concepts and wrong checkpoints are refused', () => {
    const out = join(tmp, 'grid.png');
    const ck = join(tmp, 'full', 'denoiser-ema.pgc');
    runDiffusionSampleCommand({ checkpoint: ck, concept: 'horse:3,bird:-1', n: 2, seed: 0, steps: 2, scale: 1, out });
    assert.ok(readFileSync(out).subarray(1, 4).toString() === 'PNG');
    assert.throws(
      () => runDiffusionSampleCommand({ checkpoint: ck, concept: 'cat:2', n: 1, seed: 0, scale: 1, out }),
      /not trained on "cat"; it knows bird, horse/,
    );
    assert.throws(() => runDiffusionSampleCommand({ checkpoint: ck, n: 1, seed: 0, sampler: 'euler', scale: 1, out }), /--sampler "euler"/);
    const other = join(tmp, 'other.pgc');
    saveCheckpoint(other, { kind: 'generator', config: {}, tensors: {} });
    assert.throws(() => loadDiffusionModel(other), /holds a "generator" checkpoint, not a diffusion model/);
  });

  test("train command: --resume refuses schedule flags, --lr-d and a finished folder's wrong kind", async () => {
    const base = { preset: 'tiny', data: fx.dir, recordsPerFile: fx.recordsPerFile } as const;
    await assert.rejects(runDiffusionTrainCommand({ ...base, resume: join(tmp, 'full'), seed: 3 }), /drop --seed/);
    await assert.rejects(runDiffusionTrainCommand({ ...base, lrD: 1e-3 }), /--lr-d/);
    await assert.rejects(runDiffusionTrainCommand({ ...base, out: join(tmp, 'full') }), /already holds a run/);
    await assert.rejects(runDiffusionTrainCommand({ ...base, preset: 'huge' }), /unknown preset "huge"/);
    assert.ok(!existsSync(join(tmp, 'nothing')));
  });
});
