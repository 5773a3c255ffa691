// ONNX export: `pegasus export --format onnx` writes graphs that onnxruntime (onnxruntime-web's
// WebAssembly build, run in Node) runs to our engine's numbers — the generator for single classes,
// the pegasus class and mixtures, the classifier's logits and features — and that ONNX's own
// checker accepts (Debian's python3-onnx, where installed; required in CI).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as ort from 'onnxruntime-web';
import { matmul, noGrad, randn, Rng, tensor } from '../../src/engine/index.js';
import { Generator } from '../../src/models/cgan/index.js';
import { loadClassifier } from '../../src/models/classifier/index.js';
import { Conv2d } from '../../src/nn/index.js';
import { decodeOnnx, OnnxGraph } from '../../src/nn/onnx.js';
import { onnxConv2d } from '../../src/nn/onnxLayers.js';
import { loadGenerator } from '../../src/sample/sampler.js';
import { resolveRunConfig } from '../../src/train/resolve.js';
import { saveEmaGenerator } from '../../src/train/trainState.js';
import { pegasus } from '../helpers/cli.js';
import { inCi } from '../helpers/requires.js';

ort.env.wasm.numThreads = 1;

/** Runs ONNX's checker (with shape inference) on a file; null when no Python with onnx is found. */
function onnxChecker(file: string): { ok: boolean; out: string } | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    const code = 'import sys, onnx\nm = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(len(m.graph.node))';
    const r = spawnSync(python, ['-c', code, file], { encoding: 'utf8' });
    if (r.error === undefined && !/No module named .?onnx/.test(r.stderr)) return { ok: r.status === 0, out: r.stdout + r.stderr };
  }
  return null;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function checked(file: string): void {
  const c = onnxChecker(file);
  if (c === null) {
    assert.ok(!inCi, 'CI installs python3-onnx; the ONNX checker must run there');
    return;
  }
  assert.ok(c.ok, c.out);
}

describe('ONNX export', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'pegasus-onnx-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('the generator: onnxruntime draws our pixels for classes, the pegasus class and mixtures', async () => {
    const config = resolveRunConfig('cgan', 'tiny', { classes: ['bird', 'horse', 'pegasus'], pegasi: tmp });
    const file = join(tmp, 'g.pgc');
    saveEmaGenerator(file, config, new Generator(config.cgan, new Rng(4)).stateDict(), 3);
    const out = join(tmp, 'g.onnx');
    const r = pegasus(['export', '--checkpoint', file, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /class_weights \[N, 3\] \(bird, horse, pegasus\)/);
    const bytes = readFileSync(out);
    const model = decodeOnnx(bytes);
    assert.deepEqual(
      model.metadataProps.find((p) => p.key === 'pegasus.classes'),
      { key: 'pegasus.classes', value: 'bird,horse,pegasus' },
    );
    checked(out);

    const g = loadGenerator(file).generator as Generator;
    const n = 5;
    const k = 3;
    const zDim = config.cgan.generator.zDim;
    const z = randn([n, zDim], new Rng(11));
    // rows: bird, horse, pegasus, 0.5·horse + 0.5·bird, 0.7·pegasus + 0.3·horse
    const w = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 0.5, 0.5, 0, 0, 0.3, 0.7]);
    const ours = noGrad(() => g.forward(z, matmul(tensor(w, [n, k]), g.embed.weight)));
    const session = await ort.InferenceSession.create(bytes);
    const res = await session.run({
      z: new ort.Tensor('float32', Float32Array.from(z.data), [n, zDim]),
      class_weights: new ort.Tensor('float32', w, [n, k]),
    });
    const images = res['images']!;
    assert.deepEqual(images.dims, [n, 3, 32, 32]);
    const diff = maxAbsDiff(images.data as Float32Array, ours.data);
    assert.ok(diff <= 1e-3, `max |onnxruntime − pegasus| = ${diff}`);
    // the check discriminates: another class's weights give other pixels
    const other = noGrad(() => g.forward(z, matmul(tensor(w.slice().reverse(), [n, k]), g.embed.weight)));
    assert.ok(maxAbsDiff(images.data as Float32Array, other.data) > 1e-2);
  });

  test('the classifier (the committed wing detector): onnxruntime gives our logits and features', async () => {
    const file = 'models/wing-detector/classifier.pgc';
    const out = join(tmp, 'detector.onnx');
    const r = pegasus(['export', '--checkpoint', file, '--format', 'onnx', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    checked(out);
    const { net } = loadClassifier(file);
    const n = 3;
    const rng = new Rng(8);
    const x = tensor(
      Float32Array.from({ length: n * 3072 }, () => Math.tanh(rng.normal())),
      [n, 3, 32, 32],
    );
    const session = await ort.InferenceSession.create(readFileSync(out));
    const res = await session.run({ images: new ort.Tensor('float32', Float32Array.from(x.data), [n, 3, 32, 32]) });
    const logits = noGrad(() => net.logits(x));
    const features = noGrad(() => net.features(x));
    assert.deepEqual(res['logits']!.dims, [n, 2]);
    const dl = maxAbsDiff(res['logits']!.data as Float32Array, logits.data);
    const df = maxAbsDiff(res['features']!.data as Float32Array, features.data);
    assert.ok(dl <= 1e-3 && df <= 1e-3, `logits ${dl}, features ${df}`);
    assert.ok(maxAbsDiff(logits.data, [0, 0, 0, 0, 0, 0]) > 1e-2, 'the detector gives non-trivial logits');
  });

  test('a Conv2d that resamples: Resize → Conv (upsample) and Conv → AveragePool (downsample) give our outputs', async () => {
    const rng = new Rng(12);
    const up = new Conv2d(2, 3, 3, { padding: 1, upsample: true, rng });
    const down = new Conv2d(2, 3, 3, { padding: 1, downsample: true, rng });
    const g = new OnnxGraph('resampling-convs');
    const x = g.input('x', [1, 2, 4, 6]);
    g.output(onnxConv2d(g, 'up', up, x), [1, 3, 8, 12], 'up');
    g.output(onnxConv2d(g, 'down', down, x), [1, 3, 2, 3], 'down');
    const file = join(tmp, 'resampling.onnx');
    writeFileSync(file, g.encode());
    checked(file);
    const input = randn([1, 2, 4, 6], rng);
    const session = await ort.InferenceSession.create(readFileSync(file));
    const res = await session.run({ x: new ort.Tensor('float32', Float32Array.from(input.data), [1, 2, 4, 6]) });
    const ours = noGrad(() => ({ up: up.forward(input).data, down: down.forward(input).data }));
    assert.ok(maxAbsDiff(res.up!.data as Float32Array, ours.up) <= 1e-5, 'upsample');
    assert.ok(maxAbsDiff(res.down!.data as Float32Array, ours.down) <= 1e-5, 'downsample');
  });

  test('refused in one line: a model ONNX export does not cover, an --out of unknown kind', () => {
    const bad = pegasus(['export', '--checkpoint', 'models/diffusion-cpu/denoiser-ema.pgc', '--out', join(tmp, 'd.onnx')]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /ONNX export covers GAN generators and classifiers \(use --format safetensors/);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    const noExt = pegasus(['export', '--checkpoint', 'models/classifier/classifier.pgc', '--out', join(tmp, 'model')]);
    assert.notEqual(noExt.status, 0);
    assert.match(noExt.stderr, /name a \.onnx or \.safetensors file, or give --format/);
  });
});
