// Evaluation metrics on cases with known answers: the matrix square root, Fréchet distances
// against closed forms, KID's unbiasedness, exact nearest neighbours, precision/recall/density/
// coverage at the extremes, pairwise distances and the baseline image sets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rng } from '../../src/engine/index.js';
import { blurImages, classMeanPlusNoise } from '../../src/evaluate/baselines.js';
import { kNearest, kthNeighbourRadius, rows } from '../../src/evaluate/distances.js';
import { meanPairwiseDistance } from '../../src/evaluate/diversity.js';
import { frechetDistance, frechetDistanceOf } from '../../src/evaluate/frechet.js';
import { kernelInceptionDistance, mmdUnbiased } from '../../src/evaluate/kid.js';
import { gaussianFit, matmulSquare, sqrtmPsd, symmetricEigen, type GaussianFit } from '../../src/evaluate/linalg.js';
import { prdc, realManifold } from '../../src/evaluate/prdc.js';
import { conceptMass, recognise } from '../../src/evaluate/recognisability.js';

function randomSpd(d: number, rng: Rng): Float64Array {
  const b = Float64Array.from({ length: d * d }, () => rng.normal());
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += b[i * d + k]! * b[j * d + k]!;
      a[i * d + j] = s + (i === j ? 0.1 : 0);
    }
  return a;
}

function gaussian(x: Float32Array | null, d: number, mean: number[], cov: number[]): GaussianFit {
  void x;
  return { dim: d, count: 0, mean: Float64Array.from(mean), cov: Float64Array.from(cov) };
}

function randomRows(n: number, d: number, rng: Rng, shift = 0, scale = 1): Float32Array {
  return Float32Array.from({ length: n * d }, () => shift + scale * rng.normal());
}

describe('linear algebra', () => {
  test('Jacobi eigendecomposition: A·V = V·Λ and VᵀV = I', () => {
    const d = 7;
    const a = randomSpd(d, new Rng(1));
    const { values, vectors: v } = symmetricEigen(a, d);
    const av = matmulSquare(a, v, d);
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        assert.ok(Math.abs(av[i * d + j]! - v[i * d + j]! * values[j]!) < 1e-9, `A·v${j} ≠ λ·v${j}`);
        let dot = 0;
        for (let k = 0; k < d; k++) dot += v[k * d + i]! * v[k * d + j]!;
        assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-12);
      }
  });

  test('sqrtm of a symmetric PSD matrix squares back to it (and of diag is elementwise)', () => {
    const d = 9;
    const a = randomSpd(d, new Rng(2));
    const r = sqrtmPsd(a, d);
    const rr = matmulSquare(r, r, d);
    for (let i = 0; i < d * d; i++) assert.ok(Math.abs(rr[i]! - a[i]!) < 1e-9 * Math.max(1, Math.abs(a[i]!)), `entry ${i}`);
    const diag = sqrtmPsd(Float64Array.from([4, 0, 0, 0, 9, 0, 0, 0, 0]), 3);
    assert.deepEqual(
      Array.from(diag, (v) => Math.round(v * 1e12) / 1e12),
      [2, 0, 0, 0, 3, 0, 0, 0, 0],
    );
  });

  test('gaussianFit matches the textbook mean and unbiased covariance', () => {
    const x = Float32Array.from([1, 2, 3, 6, 5, 10]); // rows (1,2), (3,6), (5,10)
    const g = gaussianFit(x, 2);
    assert.deepEqual(Array.from(g.mean), [3, 6]);
    assert.deepEqual(Array.from(g.cov), [4, 8, 8, 16]);
  });
});

describe('Fréchet distance', () => {
  test('closed form for diagonal Gaussians: ‖Δμ‖² + Σ(√a − √b)²', () => {
    const a = gaussian(null, 3, [0, 1, 2], [1, 0, 0, 0, 4, 0, 0, 0, 9]);
    const b = gaussian(null, 3, [1, 1, 0], [4, 0, 0, 0, 1, 0, 0, 0, 9]);
    const expected = 1 + 0 + 4 + (1 - 2) ** 2 + (2 - 1) ** 2 + 0;
    assert.ok(Math.abs(frechetDistance(a, b) - expected) < 1e-10);
  });

  test('closed form for non-commuting 2×2 covariances: Tr√(Σ₁Σ₂) = √(tr + 2√det)', () => {
    const s1 = [2, 1, 1, 2];
    const s2 = [1, -0.5, -0.5, 3];
    const p = [s1[0]! * s2[0]! + s1[1]! * s2[2]!, 0, 0, s1[2]! * s2[1]! + s1[3]! * s2[3]!];
    const tr = p[0]! + p[3]!;
    const det = (s1[0]! * s1[3]! - s1[1]! * s1[2]!) * (s2[0]! * s2[3]! - s2[1]! * s2[2]!);
    const expected = 4 + 4 - 2 * Math.sqrt(tr + 2 * Math.sqrt(det)); // zero means
    const fd = frechetDistance(gaussian(null, 2, [0, 0], s1), gaussian(null, 2, [0, 0], s2));
    assert.ok(Math.abs(fd - expected) < 1e-10, `${fd} vs ${expected}`);
  });

  test('a set against itself is ≈ 0, and the distance grows with added noise', () => {
    const rng = new Rng(3);
    const d = 16;
    const x = randomRows(2000, d, rng);
    assert.ok(frechetDistanceOf(x, x, d) < 1e-8);
    let last = 0;
    for (const sigma of [0.1, 0.5, 1, 2]) {
      const noisy = x.map((v) => v + sigma * rng.normal());
      const fd = frechetDistanceOf(x, noisy, d);
      assert.ok(fd > last, `FD with noise ${sigma} (${fd}) should exceed ${last}`);
      last = fd;
    }
  });
});

describe('KID', () => {
  test('unbiased: the mean over many draws from one distribution is ≈ 0; a shift is clearly positive', () => {
    const rng = new Rng(4);
    const d = 8;
    const m = 20;
    const vals: number[] = [];
    for (let t = 0; t < 300; t++) vals.push(mmdUnbiased(randomRows(m, d, rng), randomRows(m, d, rng), m, d));
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    const sd = Math.sqrt(vals.reduce((a, v) => a + (v - mean) ** 2, 0) / (vals.length - 1));
    const se = sd / Math.sqrt(vals.length);
    assert.ok(Math.abs(mean) < 3 * se, `mean ${mean} should be within 3 standard errors (${se}) of 0`);
    assert.ok(
      vals.some((v) => v < 0),
      'an unbiased estimate must sometimes be negative',
    );
    const shifted = kernelInceptionDistance(randomRows(200, d, rng, 0.5), randomRows(200, d, rng), d, { subsets: 5, subsetSize: 100 });
    assert.ok(shifted.kid > 20 * se, `shifted KID ${shifted.kid}`);
  });
});

describe('nearest neighbours', () => {
  test('a training image queried against the training set finds itself at distance 0', () => {
    const rng = new Rng(5);
    const d = 3072;
    const base = rows(
      Float32Array.from({ length: 300 * d }, () => rng.uniform() * 2 - 1),
      d,
    );
    const q = rows(Float32Array.from(base.data.subarray(17 * d, 18 * d)), d);
    const nn = kNearest(q, base, 3, { blockRows: 64 });
    assert.equal(nn.index[0], 17);
    assert.equal(nn.distance[0], 0);
    assert.ok(nn.distance[1]! > 10);
  });

  test('kNearest agrees with brute force across block boundaries', () => {
    const rng = new Rng(6);
    const d = 5;
    const base = rows(randomRows(103, d, rng), d);
    const q = rows(randomRows(7, d, rng), d);
    const nn = kNearest(q, base, 4, { blockRows: 10 });
    for (let i = 0; i < q.n; i++) {
      const all = Array.from({ length: base.n }, (_, j) => {
        let s = 0;
        for (let t = 0; t < d; t++) s += (q.data[i * d + t]! - base.data[j * d + t]!) ** 2;
        return [Math.sqrt(s), j] as const;
      }).sort((a, b) => a[0] - b[0]);
      for (let k = 0; k < 4; k++) {
        assert.equal(nn.index[i * 4 + k], all[k]![1]);
        assert.ok(Math.abs(nn.distance[i * 4 + k]! - all[k]![0]) < 1e-4);
      }
    }
    const r = kthNeighbourRadius(base, 1);
    assert.ok(
      r.every((v) => v > 0),
      'a point is not its own neighbour',
    );
  });
});

describe('precision, recall, density, coverage and diversity', () => {
  test('a second sample of the real distribution scores high; a far-away set scores 0', () => {
    const rng = new Rng(7);
    const d = 4;
    const m = realManifold(rows(randomRows(400, d, rng), d));
    const same = prdc(m, rows(randomRows(400, d, rng), d));
    assert.ok(same.precision > 0.7 && same.recall > 0.7 && same.coverage > 0.7, JSON.stringify(same));
    assert.ok(same.density > 0.6 && same.density < 1.5, JSON.stringify(same));
    const far = prdc(m, rows(randomRows(400, d, rng, 50), d));
    assert.deepEqual(far, { precision: 0, recall: 0, density: 0, coverage: 0 });
  });

  test('mean pairwise distance matches brute force and is 0 for a collapsed set', () => {
    const rng = new Rng(8);
    const d = 3;
    const x = rows(randomRows(50, d, rng), d);
    let s = 0;
    for (let i = 0; i < 50; i++)
      for (let j = i + 1; j < 50; j++) {
        let q = 0;
        for (let t = 0; t < d; t++) q += (x.data[i * d + t]! - x.data[j * d + t]!) ** 2;
        s += Math.sqrt(q);
      }
    assert.ok(Math.abs(meanPairwiseDistance(x) - s / 1225) < 1e-3);
    const collapsed = rows(new Float32Array(30 * d).fill(0.5), d);
    assert.ok(meanPairwiseDistance(collapsed) < 1e-3);
  });

  test('recognition and concept mass', () => {
    const probs = Float32Array.from([0.9, 0.1, 0, 0.2, 0.7, 0.1, 0.6, 0.3, 0.1]);
    const r = recognise(probs, 3, 0, [0, 1, 2]);
    assert.ok(Math.abs(r.meanProbability - (0.9 + 0.2 + 0.6) / 3) < 1e-6);
    assert.ok(Math.abs(r.top1 - 2 / 3) < 1e-9);
    const c = conceptMass(r.meanProbs, [0, 1]);
    assert.ok(Math.abs(c.total - (1 - 0.2 / 3)) < 1e-6);
  });
});

describe('baselines', () => {
  test('blurring keeps constant images and smooths a checkerboard; class mean without noise is the mean', () => {
    const flat = new Float32Array(3072).fill(0.25);
    assert.ok(blurImages(flat).every((v) => Math.abs(v - 0.25) < 1e-6));
    const checker = Float32Array.from({ length: 3072 }, (_, i) => (((i % 32) + Math.floor(i / 32)) % 2 ? 1 : -1));
    const blurred = blurImages(checker, 1);
    assert.ok(Math.abs(blurred[33 + 64]!) < 0.2);
    const train = Float32Array.from({ length: 3 * 3072 }, (_, i) => (i < 3072 ? -1 : i < 6144 ? 0 : 1));
    const out = classMeanPlusNoise(train, [4, 4, 7], [4, 7], 0, 0);
    assert.ok(Math.abs(out[0]! - -0.5) < 1e-6 && Math.abs(out[3072]! - 1) < 1e-6);
  });
});
