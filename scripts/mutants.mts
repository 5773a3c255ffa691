/**
 * Mutation check: each mutation below is a small, deliberate bug (a textual replacement in one
 * source file) that the test suite must catch. The script copies the working tree to a temporary
 * folder once, then for each mutation writes the mutated file there, runs the test files named
 * for it, and restores the file: the mutation is killed when a test fails (or the run times out),
 * and survives when they all pass. The working tree itself is never touched.
 *
 *   npm run mutants                         # every mutation; report in docs/lab/<today>-mutants.{md,json}
 *   npm run mutants -- --only kid-square,sn-fused-sigma-sign
 *   npm run mutants -- --list               # the mutations, without running anything
 *   npm run mutants -- --out docs/lab/2026-12-06-mutants --timeout 300
 *
 * A mutation whose search text is not found exactly once in its file is an error (exit 2, before
 * any test runs), so the list stays true as the code changes. The unmutated tests run first and
 * must pass. Exit status: 0 when every mutation was killed, 1 when one survived (accepted survivors
 * are listed in ACCEPTED with the reason, and do not fail the run).
 *
 * Why not StrykerJS: on 2 cores its per-mutant runs of the whole suite take hours; each mutation
 * here names the few test files that exercise its code, and runs in seconds.
 *
 * NOTE: a failing `assert.ok(value)` without a message makes Node re-read and parse the test file to
 * describe the expression, which under tsx took minutes (one mutant ran past the time limit so):
 * the tests named here give every assertion a message.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface Mutation {
  /** Short name, used by --only and in the report. */
  readonly id: string;
  /** The source file, from the repository root. */
  readonly file: string;
  /** Exact text that must occur once in `file`, and what it becomes. */
  readonly find: string;
  readonly replace: string;
  /** The bug it stands for. */
  readonly what: string;
  /** Test files (from the repository root) that should catch it. */
  readonly tests: readonly string[];
}

const METRICS = 'test/evaluate/metrics.test.ts';
const EVALUATE = 'test/evaluate/evaluate.test.ts';
const CLASSIFIER = 'test/evaluate/classifier.test.ts';
const LAYERS = 'test/nn/layers.test.ts';
const MODULE = 'test/nn/module.test.ts';
const OPTIM = 'test/nn/optim.test.ts';
const SCORE = 'test/generate/score.test.ts';
const GRAD = 'test/engine/grad.test.ts';
const BLOCKED = 'test/engine/blocked.test.ts';
const DIAGRAM = 'test/diagram/diagram.test.ts';
const OPS = 'test/engine/ops.test.ts';

const MUTATIONS: readonly Mutation[] = [
  // the three bugs of issue 29, which the suite used to miss
  {
    id: 'kid-square',
    file: 'src/evaluate/kid.ts',
    find: 's += v * v * v;',
    replace: 's += v * v;',
    what: "KID's polynomial kernel squared instead of cubed",
    tests: [METRICS],
  },
  {
    id: 'augment-removed',
    file: 'src/evaluate/classifier/augment.ts',
    find: '  const span = 2 * opts.pad + 1;',
    replace: '  const span = 2 * opts.pad + 1;\n  opts = { pad: 0, flip: false };',
    what: "the classifier's shift-and-flip augmentation removed",
    tests: [CLASSIFIER],
  },
  // KID, Fréchet distance and their linear algebra
  {
    id: 'kid-diagonal-kept',
    file: 'src/evaluate/kid.ts',
    find: 'if (offDiagonal && i === j) continue;',
    replace: 'if (!offDiagonal && i === j) continue;',
    what: 'the within-set kernel sums keep k(xᵢ, xᵢ) (the biased MMD)',
    tests: [METRICS],
  },
  {
    id: 'kid-denominator',
    file: 'src/evaluate/kid.ts',
    find: 'return (kxx + kyy) / (m * (m - 1))',
    replace: 'return (kxx + kyy) / (m * m)',
    what: 'within-set sums divided by m² instead of m(m − 1)',
    tests: [METRICS],
  },
  {
    id: 'kid-no-width',
    file: 'src/evaluate/kid.ts',
    find: 'const v = g[i * m + j]! / d + 1;',
    replace: 'const v = g[i * m + j]! + 1;',
    what: 'the kernel without the 1/d scaling of the dot product',
    tests: [METRICS],
  },
  {
    id: 'kid-std-population',
    file: 'src/evaluate/kid.ts',
    find: '/ Math.max(1, subsets - 1);',
    replace: '/ Math.max(1, subsets);',
    what: "the subsets' spread as a population instead of a sample standard deviation",
    tests: [METRICS],
  },
  {
    id: 'fd-trace-factor',
    file: 'src/evaluate/frechet.ts',
    find: 'return Math.max(0, meanTerm + trace - 2 * traceSqrt);',
    replace: 'return Math.max(0, meanTerm + trace - traceSqrt);',
    what: 'FD without the factor 2 of Tr((Σ₁Σ₂)^{1/2})',
    tests: [METRICS],
  },
  {
    id: 'fd-cache-key',
    file: 'src/evaluate/frechet.ts',
    find: 'let r = sqrtCache.get(a);',
    replace: 'let r = sqrtCache.get(b);',
    what: "the cached Σ^{1/2} looked up under the other fit's key",
    tests: [METRICS],
  },
  {
    id: 'cov-biased',
    file: 'src/evaluate/linalg.ts',
    find: 'const v = cov[i * d + j]! / (n - 1);',
    replace: 'const v = cov[i * d + j]! / n;',
    what: 'the biased covariance (divided by n)',
    tests: [METRICS],
  },
  {
    id: 'jacobi-rotation-sign',
    file: 'src/evaluate/linalg.ts',
    find: 'const s = t * c;',
    replace: 'const s = -t * c;',
    what: 'a Jacobi rotation by the wrong angle',
    tests: [METRICS],
  },
  // precision, recall, density, coverage; nearest neighbours; diversity
  {
    id: 'prdc-recall-real-radius',
    file: 'src/evaluate/prdc.ts',
    find: 'if (v <= fR2[f0 + j]!) inFake[i] = 1;',
    replace: 'if (v <= rp) inFake[i] = 1;',
    what: "recall measured with the real samples' radii instead of the generated ones'",
    tests: [METRICS],
  },
  {
    id: 'prdc-density-not-over-k',
    file: 'src/evaluate/prdc.ts',
    find: 'density: densityCount / (m.kDc * fake.n),',
    replace: 'density: densityCount / fake.n,',
    what: 'density not divided by k',
    tests: [METRICS],
  },
  {
    id: 'prdc-coverage-pr-radius',
    file: 'src/evaluate/prdc.ts',
    find: 'if (v <= rd) {',
    replace: 'if (v <= rp) {',
    what: 'density and coverage with the k of precision/recall',
    tests: [METRICS],
  },
  {
    id: 'prdc-fake-k',
    file: 'src/evaluate/prdc.ts',
    find: 'const fakeRadius = kthNeighbourRadius(fake, m.kPr);',
    replace: 'const fakeRadius = kthNeighbourRadius(fake, m.kDc);',
    what: "the generated samples' radii with the k of density/coverage",
    tests: [METRICS],
  },
  {
    id: 'radius-counts-self',
    file: 'src/evaluate/distances.ts',
    find: 'const nn = kNearest(x, x, k, { exclude: (i, j) => i === j });',
    replace: 'const nn = kNearest(x, x, k);',
    what: 'a point counted as its own nearest neighbour in the k-NN radius',
    tests: [METRICS],
  },
  {
    id: 'knn-insertion',
    file: 'src/evaluate/distances.ts',
    find: 'while (p > 0 && sq[o + p - 1]! > v) {',
    replace: 'while (p > 1 && sq[o + p - 1]! > v) {',
    what: 'the sorted insertion never replaces the first of the k best',
    tests: [METRICS],
  },
  {
    id: 'knn-recomputed-l1',
    file: 'src/evaluate/distances.ts',
    find: '        s += diff * diff;\n      }\n      found.push([Math.sqrt(s), j]);',
    replace: '        s += Math.abs(diff);\n      }\n      found.push([Math.sqrt(s), j]);',
    what: "the winners' exact distances recomputed with the wrong norm",
    tests: [METRICS],
  },
  {
    id: 'diversity-block-index',
    file: 'src/evaluate/diversity.ts',
    find: 'if (b0 + j > i) s += Math.sqrt(dist[i * w + j]!);',
    replace: 'if (j > i) s += Math.sqrt(dist[i * w + j]!);',
    what: 'pairs counted by their index within a distance block instead of in the set',
    tests: [METRICS],
  },
  {
    id: 'top1-miss',
    file: 'src/evaluate/recognisability.ts',
    find: 'if (argmaxRow(probs, k, idx[r]!) === label) hits++;',
    replace: 'if (argmaxRow(probs, k, idx[r]!) !== label) hits++;',
    what: 'recognition top-1 counting misses',
    tests: [METRICS],
  },
  // classifier accuracy
  {
    id: 'confusion-transposed',
    file: 'src/evaluate/classifier/accuracy.ts',
    find: 'confusion[y]![p]!++;',
    replace: 'confusion[p]![y]!++;',
    what: 'the confusion matrix transposed (rows = predictions)',
    tests: [CLASSIFIER],
  },
  {
    id: 'accuracy-stuck-at-1',
    file: 'src/evaluate/classifier/accuracy.ts',
    find: 'if (p === y) hits++;',
    replace: 'hits++;',
    what: 'every prediction counted as a hit',
    tests: [CLASSIFIER],
  },
  {
    id: 'argmax-last-tie',
    file: 'src/evaluate/classifier/accuracy.ts',
    find: 'if (m[i * k + j]! > m[i * k + best]!) best = j;',
    replace: 'if (m[i * k + j]! >= m[i * k + best]!) best = j;',
    what: 'ties resolved to the last class instead of the first',
    tests: [CLASSIFIER],
  },
  {
    id: 'augment-no-flip',
    file: 'src/evaluate/classifier/augment.ts',
    find: 'const flip = opts.flip && rand() < 0.5;',
    replace: 'const flip = opts.flip && rand() < 0;',
    what: 'the augmentation never flips',
    tests: [CLASSIFIER],
  },
  {
    id: 'augment-no-shift',
    file: 'src/evaluate/classifier/augment.ts',
    find: 'const sy = reflectIndex(y + dy, S);',
    replace: 'const sy = reflectIndex(y, S);',
    what: 'the augmentation never shifts vertically',
    tests: [CLASSIFIER],
  },
  // the whole evaluation's memorisation figures
  {
    id: 'exact-copies-never',
    file: 'src/evaluate/evaluate.ts',
    find: 'exactCopies: pixNearest.filter((v) => v <= 1e-3).length / queries.length,',
    replace: 'exactCopies: pixNearest.filter((v) => v < 0).length / queries.length,',
    what: 'exact copies never counted',
    tests: [EVALUATE],
  },
  {
    id: 'nearest-wrong-column',
    file: 'src/evaluate/evaluate.ts',
    find: '(_, i) => nnPixel.distance[i * 3]!',
    replace: '(_, i) => nnPixel.distance[i]!',
    what: "the nearest distance read from the wrong query's neighbour list",
    tests: [EVALUATE],
  },
  {
    id: 'closer-than-real-flipped',
    file: 'src/evaluate/evaluate.ts',
    find: 'closerThanRealP05: pixNearest.filter((v) => v < threshold).length',
    replace: 'closerThanRealP05: pixNearest.filter((v) => v > threshold).length',
    what: "'closer than real' counting the farther images",
    tests: [EVALUATE],
  },
  // nn layers
  {
    id: 'sn-normalise-by-square',
    file: 'src/nn/spectralNorm.ts',
    find: 'const k = 1 / Math.max(Math.sqrt(s), eps);',
    replace: 'const k = 1 / Math.max(s, eps);',
    what: 'u and v divided by their squared norms',
    tests: [MODULE, LAYERS],
  },
  {
    id: 'sn-iterate-in-eval',
    file: 'src/nn/spectralNorm.ts',
    find: 'if (module.training) powerIterate(iterations);',
    replace: 'if (!module.training) powerIterate(iterations);',
    what: 'power iterations in eval mode instead of training mode',
    tests: [MODULE, LAYERS],
  },
  {
    id: 'sn-transposed-dim',
    file: 'src/nn/spectralNorm.ts',
    find: 'const dim = opts.dim ?? (module instanceof ConvTranspose2d ? 1 : 0);',
    replace: 'const dim = opts.dim ?? 0;',
    what: "ConvTranspose2d normalised over PyTorch's other weight dimension",
    tests: [MODULE, LAYERS],
  },
  {
    id: 'translate-backward-same-way',
    file: 'src/engine/ops/shape.ts',
    find: 'translateInto(g.data, gx.data, x.shape, dy, dx, -1);',
    replace: 'translateInto(g.data, gx.data, x.shape, dy, dx, 1);',
    what: "translate2d's gradient moved the same way as the images instead of back",
    tests: [GRAD],
  },
  {
    id: 'bn-affine-no-projection',
    file: 'src/engine/backends/js-norm.ts',
    find: 'dx[at(i, ch, j)] = is * (g(i, j) * s - sumDxh / count - (xh * sumDxhXh) / count);',
    replace: 'dx[at(i, ch, j)] = is * (g(i, j) * s - sumDxh / count);',
    what: "batchNormAffine's input gradient without the x̂·mean(dx̂·x̂) term",
    tests: [GRAD],
  },
  {
    id: 'accumulate-ignores-layout',
    file: 'src/engine/autograd.ts',
    find: 'const gData = rawIn(g, a.block, kernelsOf(acc));',
    replace: 'const gData = g.data;',
    what: 'gradient sums add a plain gradient to a channel-blocked one element by element',
    tests: [BLOCKED],
  },
  {
    id: 'pool-blocked-backward-scale',
    file: 'src/engine/ops/pool.ts',
    find: "const scale = dir === 'up' ? 1 : 1 / (k * k);",
    replace: "const scale = dir === 'up' ? 1 / (k * k) : 1 / (k * k);",
    what: 'nearest upsampling of blocked activations scaled like average pooling',
    tests: [BLOCKED],
  },
  {
    id: 'conv-activation-grad-skipped',
    file: 'src/engine/ops/conv.ts',
    find: "const dy = slope < 1 ? unaryGradient(slope === 0 ? 'relu' : 'leakyRelu', y, y, dyIn, slope) : dyIn;",
    replace: 'const dy = dyIn;',
    what: "a convolution's fused ReLU passes the whole gradient back, as if there were none",
    tests: [BLOCKED, MODULE],
  },
  {
    id: 'sequential-leaky-as-relu',
    file: 'src/nn/sequential.ts',
    find: 'return { relu: true, negativeSlope: next.negativeSlope };',
    replace: 'return { relu: true };',
    what: 'Sequential fuses a LeakyReLU as a plain ReLU',
    tests: [MODULE],
  },
  {
    id: 'affine-leaky-grad-zero',
    file: 'src/engine/backends/js-norm.ts',
    find: 'return slope === 0 ? 0 : slope * dy[at]!;',
    replace: 'return 0;',
    what: "the fused leaky ReLU's gradient is zero for negative outputs (a ReLU's)",
    tests: [GRAD],
  },
  {
    id: 'transposed-bias-grad-plain',
    file: 'src/engine/ops/conv.ts',
    find: 'biasGrad(dyNow.data, dy.dtype, g.n, g.cIn, g.hIn * g.wIn, dyNow.block)',
    replace: 'biasGrad(dyNow.data, dy.dtype, g.n, g.cIn, g.hIn * g.wIn, 1)',
    what: "a transposed convolution's bias gradient sums a channel-blocked gradient as if it were plain",
    tests: [BLOCKED],
  },
  {
    id: 'bn-momentum',
    file: 'src/nn/norm.ts',
    find: 'this.momentum = opts.momentum ?? 0.1;',
    replace: 'this.momentum = opts.momentum ?? 0.01;',
    what: "BatchNorm2d's default momentum 0.01 instead of PyTorch's 0.1",
    tests: [LAYERS],
  },
  {
    id: 'groupnorm-eps',
    file: 'src/nn/norm.ts',
    find: '    readonly numChannels: number,\n    readonly eps = 1e-5,',
    replace: '    readonly numChannels: number,\n    readonly eps = 1e-3,',
    what: "GroupNorm's default eps 1e-3 instead of PyTorch's 1e-5",
    tests: [LAYERS],
  },
  {
    id: 'layernorm-no-bias',
    file: 'src/nn/norm.ts',
    find: 'return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);',
    replace: 'return layerNorm(x, this.normalizedShape, this.weight, null, this.eps);',
    what: "LayerNorm's β left out",
    tests: [LAYERS],
  },
  {
    id: 'ema-decay-swapped',
    file: 'src/nn/ema.ts',
    find: 'const a = 1 - this.decay;',
    replace: 'const a = this.decay;',
    what: 'the EMA moving by decay instead of 1 − decay',
    tests: [LAYERS, OPTIM],
  },
  {
    id: 'ema-averages-buffers',
    file: 'src/nn/ema.ts',
    find: 'if (!this.paramNames.has(name)) s.set(d);',
    replace: 'if (this.paramNames.has(name)) s.set(d);',
    what: 'the EMA copying parameters and averaging buffers',
    tests: [LAYERS, OPTIM],
  },
  // the Pegasus score
  {
    id: 'pegasusness-exponent',
    file: 'src/generate/score.ts',
    find: 'return (pBody / a) ** a * (pWings / (1 - a)) ** (1 - a);',
    replace: 'return (pBody / a) ** a * (pWings / (1 - a)) ** a;',
    what: "the wings' exponent a instead of 1 − a",
    tests: [SCORE],
  },
  {
    id: 'visibility-wrong-scale',
    file: 'src/generate/score.ts',
    find: 'return Math.min(1, area / j.area) * Math.min(1, contrast / j.contrast);',
    replace: 'return Math.min(1, area / j.area) * Math.min(1, contrast / j.area);',
    what: 'contrast measured against the area scale',
    tests: [SCORE],
  },
  {
    id: 'uniqueness-pixels-only',
    file: 'src/generate/score.ts',
    find: 'const uniqueness = Math.min(1, dPix / tau.pixel) * Math.min(1, dFeat / tau.feature);',
    replace: 'const uniqueness = Math.min(1, dPix / tau.pixel);',
    what: 'uniqueness without its feature-space factor',
    tests: [SCORE],
  },
  {
    id: 'score-no-realism-power',
    file: 'src/generate/score.ts',
    find: 'score: r.pegasus * realism ** c.realismPower * uniqueness,',
    replace: 'score: r.pegasus * realism * uniqueness,',
    what: 'the full score ignoring the realism exponent α',
    tests: [SCORE],
  },
  {
    id: 'feature-neighbour-unmapped',
    file: 'src/generate/score.ts',
    find: 'nearestFeature: { distance: dFeat, trainIndex: ref.train.index[nnFeat.index[j]!]! },',
    replace: 'nearestFeature: { distance: dFeat, trainIndex: nnFeat.index[j]! },',
    what: 'the nearest feature reported by row instead of by training-set index',
    tests: [SCORE],
  },
  {
    id: 'realism-squared',
    file: 'src/generate/score.ts',
    find: 'return best.map(Math.sqrt);',
    replace: 'return best;',
    what: 'the realism score left as a ratio of squares',
    tests: [SCORE],
  },
  {
    id: 'prescore-uncapped',
    file: 'src/generate/score.ts',
    find: 'return r.pegasus * Math.min(1, r.realismScore) ** c.realismPower;',
    replace: 'return r.pegasus * r.realismScore ** c.realismPower;',
    what: 'the pre-score rewarding realism above 1',
    tests: [SCORE],
  },
  {
    id: 'wings-read-body',
    file: 'src/generate/score.ts',
    find: 'for (const j of wings) pWings[i]! += emb.probs[i * k + j]!;',
    replace: 'for (const j of body) pWings[i]! += emb.probs[i * k + j]!;',
    what: "p_wings summed over the body's classes",
    tests: [SCORE],
  },
  {
    id: 'tau-median',
    file: 'src/generate/score.ts',
    find: 'Float32Array.from(d).sort()[Math.floor(0.05 * d.length)]!;',
    replace: 'Float32Array.from(d).sort()[Math.floor(0.5 * d.length)]!;',
    what: 'τ at the median instead of the 5th percentile',
    tests: [SCORE],
  },
  // spectral normalisation's fused weight op
  {
    id: 'sn-fused-sigma-sign',
    file: 'src/engine/ops/matmul.ts',
    find: 'const c = -dot(dy.data, w.data) / (sigma * sigma);',
    replace: 'const c = dot(dy.data, w.data) / (sigma * sigma);',
    what: "spectralNormalize's gradient through σ with the wrong sign",
    tests: [GRAD, LAYERS],
  },
  {
    id: 'sn-fused-no-sigma-gradient',
    file: 'src/engine/ops/matmul.ts',
    find: 'uc.map((x) => c * x),',
    replace: 'uc.map(() => 0),',
    what: 'spectralNormalize treating σ as a constant (no rank-1 term)',
    tests: [GRAD, LAYERS],
  },
  {
    id: 'dot-trace-offdiagonal',
    file: 'src/engine/ops/matmul.ts',
    find: 'for (let i = 0; i < 16; i++) s += c[i * 17]!;',
    replace: 'for (let i = 0; i < 16; i++) s += c[i * 16]!;',
    what: "the dot product's blocked part summing a column instead of the trace",
    tests: [GRAD],
  },
  {
    id: 'dot-remainder-dropped',
    file: 'src/engine/ops/matmul.ts',
    find: 'for (let i = 16 * q; i < a.length; i++) s += a[i]! * b[i]!;',
    replace: '',
    what: 'the dot product without the elements after the last whole block of 16',
    tests: [GRAD],
  },
  {
    id: 'sn-fused-uv-aliased',
    file: 'src/engine/ops/matmul.ts',
    find: 'const uc = Ctor.from(ud);',
    replace: 'const uc = ud;',
    what: "spectralNormalize's backward reading u after a later forward moved it",
    tests: [LAYERS],
  },
  // the discriminator's convolution + average pooling as one strided convolution
  {
    id: 'pool-kernel-row-not-shared',
    file: 'src/engine/ops/conv.ts',
    find: 'kd[lo] = r === 0 ? t0 : kd[lo]! + t0;',
    replace: 'kd[lo] = t0;',
    what: "convAvgPool2d's 4×4 kernel losing a 3×3 row's share of the tap it shares with the row before",
    tests: [OPS, GRAD],
  },
  {
    id: 'pool-kernel-adjoint-scale',
    file: 'src/engine/ops/conv.ts',
    find: 'out[s + 3 * u + v] = 0.25 * (g[r0 + v]! + g[r0 + v + 1]! + g[r1 + v]! + g[r1 + v + 1]!);',
    replace: 'out[s + 3 * u + v] = 0.5 * (g[r0 + v]! + g[r0 + v + 1]! + g[r1 + v]! + g[r1 + v + 1]!);',
    what: "convAvgPool2d's weight gradient scaled by ½ instead of ¼",
    tests: [GRAD, LAYERS],
  },
  {
    id: 'sequential-fuses-before-pooling',
    file: 'src/nn/sequential.ts',
    find: 'if (layer instanceof Conv2d && layer.downsample) return null;',
    replace: '',
    what: 'a Sequential fusing the activation after a downsampling conv into it (before its pooling)',
    tests: [LAYERS],
  },
  {
    id: 'onnx-downsample-dropped',
    file: 'src/nn/onnxLayers.ts',
    find: "return conv.downsample ? g.op('AveragePool', [y], { kernel_shape: [2, 2], strides: [2, 2] }) : y;",
    replace: 'return y;',
    what: 'an ONNX export of a downsampling Conv2d without its pooling',
    tests: ['test/export/onnx.test.ts'],
  },
  // the engine under a sampling profiler
  {
    id: 'profiler-guard-overrides-isa',
    file: 'src/engine/native/addon.ts',
    find: 'if (!profiled || env.ONEDNN_MAX_CPU_ISA !== undefined || env.DNNL_MAX_CPU_ISA !== undefined) return null;',
    replace: 'if (!profiled) return null;',
    what: 'the profiler guard overriding an ISA the user chose',
    tests: ['test/engine/backends.test.ts'],
  },
  // diagrams
  {
    id: 'diagram-fused-relu-dropped',
    file: 'src/diagram/graph.ts',
    find: 'if (known !== typeName(call.module)) return known + fusedActivation(call);',
    replace: 'if (known !== typeName(call.module)) return known;',
    what: 'a ReLU fused into its convolution left out of the diagram',
    tests: [DIAGRAM],
  },
  // composite layers outside src/nn that the gradient and known-answer tests also guard
  {
    id: 'cbn-no-identity-scale',
    file: 'src/models/cgan/conditionalBatchNorm.ts',
    find: 'return batchNormAffine2d(x, add(this.gamma.forward(e), 1), this.beta.forward(e),',
    replace: 'return batchNormAffine2d(x, this.gamma.forward(e), this.beta.forward(e),',
    what: "conditional batch norm's scale without the 1 +",
    tests: [LAYERS],
  },
  {
    id: 'standing-stats-uncorrected',
    file: 'src/train/standingStats.ts',
    find: 'const correction = 1 / (1 - (1 - bn.momentum) ** batches);',
    replace: 'const correction = 1;',
    what: 'standing statistics without the bias correction',
    tests: [LAYERS],
  },
];

/** Survivors accepted after a look, with the reason (none so far). */
const ACCEPTED: Readonly<Record<string, string>> = {};

interface Outcome {
  readonly id: string;
  readonly file: string;
  readonly what: string;
  readonly tests: readonly string[];
  readonly status: 'killed' | 'survived';
  /** The first failing test (TAP `not ok` line), or why the run was cut. */
  readonly by: string | null;
  readonly seconds: number;
  readonly accepted?: string;
}

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Throws, naming every mutation whose file or search text is missing or ambiguous. */
function validate(list: readonly Mutation[]): void {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const m of list) {
    if (ids.has(m.id)) problems.push(`${m.id}: the id is used twice`);
    ids.add(m.id);
    const path = join(repo, m.file);
    if (!existsSync(path)) {
      problems.push(`${m.id}: no file ${m.file}`);
      continue;
    }
    const count = readFileSync(path, 'utf8').split(m.find).length - 1;
    if (count !== 1) problems.push(`${m.id}: the search text occurs ${count} times in ${m.file} (must be once): ${JSON.stringify(m.find)}`);
    for (const t of m.tests) if (!existsSync(join(repo, t))) problems.push(`${m.id}: no test file ${t}`);
  }
  if (problems.length > 0) throw new Error(`mutants: the list is out of date:\n  ${problems.join('\n  ')}`);
}

/** The working tree (tracked and untracked files git does not ignore), copied to a fresh folder. */
function copyTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pegasus-mutants-'));
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo, encoding: 'utf8' });
  if (files.status !== 0) throw new Error(`mutants: git ls-files failed: ${files.stderr}`);
  for (const f of files.stdout.split('\0')) {
    if (f === '' || f === 'node_modules' || !existsSync(join(repo, f))) continue;
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(repo, f), join(dir, f));
  }
  // what the tests need but git does not hold: the dependencies and the built native addon
  symlinkSync(realpathSync(join(repo, 'node_modules')), join(dir, 'node_modules'));
  if (existsSync(join(repo, 'build'))) symlinkSync(realpathSync(join(repo, 'build')), join(dir, 'build'));
  return dir;
}

/** Runs test files in `dir`; the exit status, the first failing test and the seconds taken. */
function runTests(dir: string, tests: readonly string[], timeoutS: number): { ok: boolean; by: string | null; seconds: number } {
  const t0 = performance.now();
  const { NODE_TEST_CONTEXT: _inner, ...env } = process.env;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...tests], {
    cwd: dir,
    encoding: 'utf8',
    env,
    timeout: timeoutS * 1000,
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.error) return { ok: false, by: `no result: ${r.error.message}`, seconds };
  const failed = /^\s*not ok \d+ - (.*)$/m.exec(r.stdout);
  // the innermost failing test comes first in TAP output
  return { ok: r.status === 0, by: r.status === 0 ? null : (failed?.[1]?.trim() ?? `exit status ${r.status}`), seconds };
}

function report(outcomes: readonly Outcome[], base: { seconds: number }, total: number): { md: string; json: string } {
  const killed = outcomes.filter((o) => o.status === 'killed').length;
  const survived = outcomes.filter((o) => o.status === 'survived');
  const accepted = survived.filter((o) => o.accepted !== undefined);
  const date = new Date().toISOString().slice(0, 10);
  const md = [
    `# ${date} — Mutation check (\`npm run mutants\`)`,
    '',
    'Each row is a deliberate bug, made by a textual replacement in one file of a copy of the working tree;',
    'the test files named beside it (all part of `npm test`) must fail on it. The list and the script are in',
    '`scripts/mutants.mts`; a search text that is no longer in its file stops the script, so the list stays true.',
    '',
    `**${outcomes.length} mutations: ${killed} killed, ${survived.length} survived` +
      ` (${accepted.length} accepted).** The unmutated tests took ${base.seconds.toFixed(1)} s; the whole check ${total.toFixed(0)} s` +
      ' on the 2-core build machine.',
    '',
    '| mutation | file | the bug | result | caught by | s |',
    '|---|---|---|---|---|---|',
    ...outcomes.map(
      (o) =>
        `| \`${o.id}\` | \`${o.file.replace(/^src\//, '')}\` | ${o.what} | ${o.status === 'killed' ? 'killed' : o.accepted ? 'survived (accepted)' : '**survived**'} | ${(o.by ?? '—').replaceAll('|', '\\|')} | ${o.seconds.toFixed(1)} |`,
    ),
    '',
    '## Survivors',
    '',
    ...(survived.length === 0
      ? ['None.']
      : survived.map((o) => `- \`${o.id}\` (${o.what}): ${o.accepted ?? 'not accepted — a test is missing'}`)),
    '',
  ].join('\n');
  const json = JSON.stringify(
    { date, baseSeconds: base.seconds, totalSeconds: total, killed, survived: survived.length, outcomes },
    null,
    1,
  );
  return { md, json: `${json}\n` };
}

function main(): number {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' }, // comma-separated ids
      list: { type: 'boolean', default: false },
      out: { type: 'string', default: `docs/lab/${new Date().toISOString().slice(0, 10)}-mutants` }, // .md and .json are added
      timeout: { type: 'string', default: '300' }, // seconds per test run; a run cut short counts as killed
    },
  });
  validate(MUTATIONS);
  const only = values.only?.split(',').filter((s) => s !== '');
  const unknown = only?.filter((id) => !MUTATIONS.some((m) => m.id === id)) ?? [];
  if (unknown.length > 0) throw new Error(`mutants: --only names no mutation ${unknown.join(', ')}`);
  const chosen = only ? MUTATIONS.filter((m) => only.includes(m.id)) : MUTATIONS;
  if (values.list) {
    for (const m of chosen) console.log(`${m.id.padEnd(28)} ${m.file.padEnd(40)} ${m.what}`);
    return 0;
  }
  const timeoutS = Number(values.timeout);
  const t0 = performance.now();
  const dir = copyTree();
  try {
    const allTests = [...new Set(chosen.flatMap((m) => m.tests))];
    console.error(`mutants: ${chosen.length} mutations; first the unmutated tests (${allTests.join(', ')})`);
    const base = runTests(dir, allTests, timeoutS);
    if (!base.ok) throw new Error(`mutants: the unmutated tests fail (${base.by}); fix them first`);
    const outcomes: Outcome[] = [];
    for (const m of chosen) {
      const path = join(dir, m.file);
      const original = readFileSync(path, 'utf8');
      writeFileSync(
        path,
        original.replace(m.find, () => m.replace),
      ); // a function: no $-patterns in the replacement
      let r: ReturnType<typeof runTests>;
      try {
        r = runTests(dir, m.tests, timeoutS);
      } finally {
        writeFileSync(path, original);
      }
      const status = r.ok ? 'survived' : 'killed';
      const accepted = r.ok ? ACCEPTED[m.id] : undefined;
      outcomes.push({
        id: m.id,
        file: m.file,
        what: m.what,
        tests: m.tests,
        status,
        by: r.by,
        seconds: r.seconds,
        ...(accepted && { accepted }),
      });
      console.error(`  ${status.padEnd(8)} ${m.id.padEnd(28)} ${r.seconds.toFixed(1).padStart(6)} s  ${r.by ?? ''}`);
    }
    const { md, json } = report(outcomes, base, (performance.now() - t0) / 1000);
    const out = resolve(repo, values.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(`${out}.md`, md);
    writeFileSync(`${out}.json`, json);
    const bad = outcomes.filter((o) => o.status === 'survived' && o.accepted === undefined);
    console.error(`mutants: ${outcomes.length - bad.length} of ${outcomes.length} killed or accepted; report in ${values.out}.md`);
    return bad.length === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  process.exitCode = main();
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 2;
}
