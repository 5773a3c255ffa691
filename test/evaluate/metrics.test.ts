// Evaluation metrics on cases with known answers: the matrix square root; Fréchet distances against
// closed forms and a float64 reference computed by another route; KID by hand, against a float64
// reference and over subsets; exact nearest neighbours and planted copies; precision/recall/density/
// coverage worked by hand on a line and against the papers' definitions; pairwise distances by hand;
// the baseline image sets.
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

/** Rows of a flat [n, d] matrix as arrays of float64 numbers. */
function toPoints(x: ArrayLike<number>, d: number): number[][] {
  return Array.from({ length: x.length / d }, (_, i) => Array.from({ length: d }, (_, j) => x[i * d + j]!));
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
const distance = (a: readonly number[], b: readonly number[]) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0));

/**
 * MMD²ᵤ with the cubic kernel (Bińkowski et al. 2018, eq. 4 with k(x, y) = (xᵀy/d + 1)³), in float64
 * from the definition: three double sums over pairs of points.
 */
function mmdReference(x: readonly number[][], y: readonly number[][]): number {
  const d = x[0]!.length;
  const k = (a: readonly number[], b: readonly number[]) => Math.pow(dot(a, b) / d + 1, 3);
  const m = x.length;
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      if (i !== j) {
        xx += k(x[i]!, x[j]!);
        yy += k(y[i]!, y[j]!);
      }
      xy += k(x[i]!, y[j]!);
    }
  }
  return xx / (m * (m - 1)) + yy / (m * (m - 1)) - (2 * xy) / (m * m);
}

type Matrix = number[][];
const mm = (a: Matrix, b: Matrix): Matrix => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const identity = (d: number): Matrix => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));

/** The inverse by Gauss–Jordan elimination with partial pivoting. */
function inverse(a: Matrix): Matrix {
  const d = a.length;
  const m = a.map((row, i) => [...row, ...identity(d)[i]!]);
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const pivot = m[c]![c]!;
    m[c] = m[c]!.map((v) => v / pivot);
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      m[r] = m[r]!.map((v, j) => v - f * m[c]![j]!);
    }
  }
  return m.map((row) => row.slice(d));
}

/**
 * Fréchet distance in float64 by another route than the code's: means and covariances by two
 * passes over the points, and Tr((Σ₁Σ₂)^{1/2}) from the Denman–Beavers iteration (Denman & Beavers
 * 1976) on the non-symmetric product itself, Y ← (Y + Z⁻¹)/2, Z ← (Z + Y⁻¹)/2, Y → A^{1/2}.
 */
function frechetReference(x: Matrix, y: Matrix): number {
  const fit = (p: Matrix) => {
    const n = p.length;
    const mean = p[0]!.map((_, j) => p.reduce((s, r) => s + r[j]!, 0) / n);
    const cov = mean.map((mi, i) => mean.map((mj, j) => p.reduce((s, r) => s + (r[i]! - mi) * (r[j]! - mj), 0) / (n - 1)));
    return { mean, cov };
  };
  const a = fit(x);
  const b = fit(y);
  let yk = mm(a.cov, b.cov);
  let zk = identity(yk.length);
  for (let it = 0; it < 60; it++) {
    const yi = inverse(yk);
    const zi = inverse(zk);
    yk = yk.map((row, i) => row.map((v, j) => (v + zi[i]![j]!) / 2));
    zk = zk.map((row, i) => row.map((v, j) => (v + yi[i]![j]!) / 2));
  }
  const trace = (m: Matrix) => m.reduce((s, row, i) => s + row[i]!, 0);
  return distance(a.mean, b.mean) ** 2 + trace(a.cov) + trace(b.cov) - 2 * trace(yk);
}

/**
 * Precision and recall (Kynkäänniemi et al. 2019, eqs. 1–2) and density and coverage (Naeem et al.
 * 2020, eqs. 3–4) in float64, literally: a point is inside a sample's ball when its distance is at
 * most that sample's distance to its k-th nearest other sample of the same set.
 */
function prdcReference(real: Matrix, fake: Matrix, kPr: number, kDc: number) {
  const radius = (set: Matrix, i: number, k: number) =>
    set
      .filter((_, j) => j !== i)
      .map((p) => distance(set[i]!, p))
      .sort((u, v) => u - v)[k - 1]!;
  const rPr = real.map((_, i) => radius(real, i, kPr));
  const rDc = real.map((_, i) => radius(real, i, kDc));
  const fPr = fake.map((_, j) => radius(fake, j, kPr));
  const share = (flags: boolean[]) => flags.filter(Boolean).length / flags.length;
  let inside = 0;
  for (const f of fake) for (let i = 0; i < real.length; i++) if (distance(f, real[i]!) <= rDc[i]!) inside++;
  return {
    precision: share(fake.map((f) => real.some((r, i) => distance(f, r) <= rPr[i]!))),
    recall: share(real.map((r) => fake.some((f, j) => distance(r, f) <= fPr[j]!))),
    density: inside / (kDc * fake.length),
    coverage: share(real.map((r, i) => fake.some((f) => distance(r, f) <= rDc[i]!))),
  };
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
        assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-12, `VᵀV[${i}][${j}] = ${dot}`);
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
    assert.ok(Math.abs(frechetDistance(a, b) - expected) < 1e-10, `FD ${frechetDistance(a, b)} vs ${expected}`);
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

  test('tiny sets: matches a float64 reference (two-pass moments, Denman–Beavers square root); symmetric', () => {
    const rng = new Rng(31);
    for (const [n, m, d] of [
      [6, 9, 3],
      [10, 7, 4],
      [5, 5, 2],
    ] as const) {
      const x = randomRows(n, d, rng);
      const y = randomRows(m, d, rng, 0.3, 1.7);
      const want = frechetReference(toPoints(x, d), toPoints(y, d));
      const fx = gaussianFit(x, d);
      const fy = gaussianFit(y, d);
      const got = frechetDistance(fx, fy);
      assert.ok(Math.abs(got - want) < 1e-9 * (1 + want), `n ${n}, m ${m}, d ${d}: ${got} vs ${want}`);
      // the first argument's cached square root must not leak into another pair
      assert.ok(Math.abs(frechetDistance(fy, fx) - want) < 1e-9 * (1 + want), 'FD is symmetric');
      assert.ok(Math.abs(frechetDistance(fx, fy) - want) < 1e-9 * (1 + want), 'the cached square root gives the same value');
      assert.ok(Math.abs(frechetDistanceOf(x, y, d) - want) < 1e-9 * (1 + want), 'from the feature matrices');
      // rows picked by index: the same as gathering them first
      const pick = [4, 0, 2, 3, 1]; // more rows than the width: a full-rank covariance
      const gathered = Float32Array.from(pick.flatMap((r) => Array.from(x.subarray(r * d, (r + 1) * d))));
      const byRows = frechetDistanceOf(x, y, d, pick);
      const wantRows = frechetReference(toPoints(gathered, d), toPoints(y, d));
      assert.ok(Math.abs(byRows - wantRows) < 1e-9 * (1 + byRows), `rows ${pick}: ${byRows} vs ${wantRows}`);
    }
  });

  test('a set against itself is ≈ 0, and the distance grows with added noise', () => {
    const rng = new Rng(3);
    const d = 16;
    const x = randomRows(2000, d, rng);
    assert.ok(frechetDistanceOf(x, x, d) < 1e-8, 'a set against itself');
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

  test('known answer by hand: x = {0, 1}, y = {1, 2} in one dimension give MMD²ᵤ = 1 + 27 − 18.5 = 9.5', () => {
    // k(a, b) = (ab/1 + 1)³: k(0,1) = 1, k(1,2) = 27, k(0,2) = 1, k(1,1) = 8
    // xx: 2·k(0,1)/(2·1) = 1; yy: 2·k(1,2)/2 = 27; xy: 2·(1 + 1 + 8 + 27)/4 = 18.5
    assert.equal(mmdUnbiased(Float32Array.of(0, 1), Float32Array.of(1, 2), 2, 1), 9.5);
    // the kernel divides the dot product by the width d: the same points written twice over in d = 2
    assert.equal(mmdUnbiased(Float32Array.of(0, 0, 1, 1), Float32Array.of(1, 1, 2, 2), 2, 2), 9.5);
  });

  test('matches a float64 reference written from the definition; KID over whole-set subsets is that MMD with zero spread', () => {
    const rng = new Rng(41);
    for (const [m, d, shift] of [
      [7, 5, 0.5],
      [12, 3, 0],
      [5, 16, -1],
    ] as const) {
      const x = randomRows(m, d, rng);
      const y = randomRows(m, d, rng, shift, 1.5);
      const want = mmdReference(toPoints(x, d), toPoints(y, d));
      const got = mmdUnbiased(x, y, m, d);
      assert.ok(Math.abs(got - want) < 1e-5 * (1 + Math.abs(want)), `m ${m}, d ${d}: ${got} vs ${want}`);
      // a subset of every row is a reordering, and MMD²ᵤ does not depend on the order
      const kid = kernelInceptionDistance(x, y, d, { subsets: 3, subsetSize: m, seed: 5 });
      assert.equal(kid.subsetSize, m);
      assert.ok(Math.abs(kid.kid - want) < 1e-5 * (1 + Math.abs(want)), `KID ${kid.kid} vs ${want}`);
      assert.ok(kid.std < 1e-5 * (1 + Math.abs(want)), `std ${kid.std}`);
    }
  });

  test('subsets smaller than the sets: the mean and the sample standard deviation of the subset MMDs', () => {
    // x: nine copies of a and one b; y: ten copies of c. A subset of 6 rows of x either holds b or
    // not, so each subset's MMD is one of two values v₀, v₁ whatever the draw, and the KID of 8
    // subsets is (j·v₁ + (8 − j)·v₀)/8 for a whole j, with sample variance (v₁ − v₀)²·j(8 − j)/(8·7).
    const a = [1, 0];
    const b = [-1, 2];
    const c = [0.5, 0.5];
    const x = Float32Array.from([...Array.from({ length: 9 }, () => a).flat(), ...b]);
    const y = Float32Array.from(Array.from({ length: 10 }, () => c).flat());
    const ys = Array.from({ length: 6 }, () => c);
    const v0 = mmdReference(
      Array.from({ length: 6 }, () => a),
      ys,
    );
    const v1 = mmdReference([...Array.from({ length: 5 }, () => a), b], ys);
    const kid = kernelInceptionDistance(x, y, 2, { subsets: 8, subsetSize: 6, seed: 3 });
    assert.equal(kid.subsetSize, 6);
    const j = ((kid.kid - v0) / (v1 - v0)) * 8;
    assert.ok(Math.abs(j - Math.round(j)) < 1e-4, `KID ${kid.kid} is not a mean of 8 values from {${v0}, ${v1}}`);
    const whole = Math.round(j);
    assert.ok(whole > 0 && whole < 8, `seed 3 should mix both kinds of subset (j = ${whole})`);
    const std = Math.abs(v1 - v0) * Math.sqrt((whole * (8 - whole)) / (8 * 7));
    assert.ok(Math.abs(kid.std - std) < 1e-4 * std, `std ${kid.std} vs ${std}`);
    assert.throws(() => kernelInceptionDistance(x.subarray(0, 2), y, 2), /at least 2 samples/);
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
    assert.ok(nn.distance[1]! > 10, 'the second neighbour is another image');
  });

  test('memorisation: planted exact copies are found at 0 and near-copies at their known distance, among their neighbours', () => {
    const rng = new Rng(15);
    const d = 3072;
    const base = rows(
      Float32Array.from({ length: 200 * d }, () => rng.uniform() * 2 - 1),
      d,
    );
    const row = (i: number) => base.data.subarray(i * d, (i + 1) * d);
    // queries: a copy of 17, 42 plus a small perturbation of known norm, something new, a copy of 199
    const noise = Float32Array.from({ length: d }, () => 0.01 * rng.normal());
    const nearCopy = row(42).map((v, j) => v + noise[j]!);
    let noiseNorm = 0;
    for (let j = 0; j < d; j++) noiseNorm += (nearCopy[j]! - row(42)[j]!) ** 2;
    const fresh = Float32Array.from({ length: d }, () => rng.uniform() * 2 - 1);
    const q = rows(Float32Array.from([...row(17), ...nearCopy, ...fresh, ...row(199)]), d);
    const nn = kNearest(q, base, 2, { blockRows: 64 });
    assert.deepEqual([nn.index[0], nn.index[2], nn.index[6]], [17, 42, 199]);
    assert.equal(nn.distance[0], 0);
    assert.equal(nn.distance[6], 0);
    assert.ok(Math.abs(nn.distance[2]! - Math.sqrt(noiseNorm)) < 1e-4, `near-copy at ${nn.distance[2]}, planted ${Math.sqrt(noiseNorm)}`);
    assert.ok(nn.distance[2]! < 1 && nn.distance[4]! > 10, 'the new image is far from everything');
    // the second neighbour of a copy is another, distinct, training image; distances come nearest first
    assert.ok(
      nn.index[1] !== 17 && nn.distance[1]! > 10 && nn.distance[1]! >= nn.distance[0]!,
      'the second neighbour of a copy is another image, farther away',
    );
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
        assert.ok(
          Math.abs(nn.distance[i * 4 + k]! - all[k]![0]) < 1e-4,
          `query ${i}, neighbour ${k}: distance ${nn.distance[i * 4 + k]} vs ${all[k]![0]}`,
        );
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
  test('known answers by hand on a line: P 0.4, R 0.8, D 0.5, C 0.6 (k = 1 for P/R, k = 2 for D/C)', () => {
    // real {0, 1, 2, 3, 4}: 1-NN radii all 1; 2-NN radii 2, 1, 1, 1, 2.
    // fake {0.5, 1.5, 6.6, 10, 10.5}: 1-NN radii 1, 1, 3.4, 0.5, 0.5.
    // precision: 0.5 and 1.5 lie within 1 of a real point; 6.6, 10 and 10.5 do not: 2/5.
    // recall: reals 0, 1, 2 lie within 1 of 0.5 or 1.5; 3 is 1.5 from 1.5 and 3.6 from 6.6; 4 is
    //   2.6 ≤ 3.4 from 6.6: 4/5.
    // density: 0.5 is in the 2-NN balls of reals 0 and 1, 1.5 in those of 0, 1 and 2, the others in
    //   none: 5 / (k·5 fakes) = 0.5. coverage: the balls of 0, 1, 2 hold a fake, those of 3 and 4 not: 3/5.
    const line = (v: number[]) => rows(Float32Array.from(v.flatMap((x) => [x, 0])), 2);
    const m = realManifold(line([0, 1, 2, 3, 4]), 1, 2);
    assert.deepEqual(Array.from(m.radiusPr), [1, 1, 1, 1, 1]);
    assert.deepEqual(Array.from(m.radiusDc), [2, 1, 1, 1, 2]);
    const got = prdc(m, line([0.5, 1.5, 6.6, 10, 10.5]));
    assert.deepEqual(got, { precision: 0.4, recall: 0.8, density: 0.5, coverage: 0.6 });
  });

  test('random sets: every figure equals a float64 reference written from the papers, over distance blocks', () => {
    const rng = new Rng(71);
    for (const [nReal, nFake, d, shift, kPr, kDc] of [
      [60, 50, 3, 0.7, 3, 5],
      [40, 70, 2, -0.4, 2, 4],
    ] as const) {
      const real = randomRows(nReal, d, rng);
      const fake = randomRows(nFake, d, rng, shift, 1.3);
      const want = prdcReference(toPoints(real, d), toPoints(fake, d), kPr, kDc);
      const got = prdc(realManifold(rows(real, d), kPr, kDc), rows(fake, d));
      for (const key of ['precision', 'recall', 'density', 'coverage'] as const) {
        assert.ok(Math.abs(got[key] - want[key]) < 1e-12, `${key}: ${got[key]} vs ${want[key]} (${JSON.stringify(want)})`);
      }
      assert.ok(new Set(Object.values(want)).size === 4 && want.precision < 1 && want.recall < 1, 'the four figures differ here');
    }
  });

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
    assert.ok(Math.abs(meanPairwiseDistance(x) - s / 1225) < 1e-3, `mean pairwise ${meanPairwiseDistance(x)} vs ${s / 1225}`);
    const collapsed = rows(new Float32Array(30 * d).fill(0.5), d);
    assert.ok(meanPairwiseDistance(collapsed) < 1e-3, 'a collapsed set has no spread');
  });

  test('diversity known by hand: a unit square gives (4 + 2√2)/6; the points 0..2000 on a line give (n + 1)/3 across blocks', () => {
    const square = rows(Float32Array.of(0, 0, 1, 0, 1, 1, 0, 1), 2);
    assert.ok(Math.abs(meanPairwiseDistance(square) - (4 + 2 * Math.SQRT2) / 6) < 1e-6, `${meanPairwiseDistance(square)}`);
    // Σ_{i<j} (j − i) over n points = n(n − 1)(n + 1)/6, over n(n − 1)/2 pairs; 2001 rows span two 2000-row blocks
    const n = 2001;
    const line = rows(
      Float32Array.from({ length: n }, (_, i) => i),
      1,
    );
    assert.equal(meanPairwiseDistance(line), (n + 1) / 3);
    assert.throws(() => meanPairwiseDistance(rows(Float32Array.of(1, 2), 2)), /at least 2 rows/);
  });

  test('recognition and concept mass', () => {
    const probs = Float32Array.from([0.9, 0.1, 0, 0.2, 0.7, 0.1, 0.6, 0.3, 0.1]);
    const r = recognise(probs, 3, 0, [0, 1, 2]);
    assert.ok(Math.abs(r.meanProbability - (0.9 + 0.2 + 0.6) / 3) < 1e-6, `mean probability ${r.meanProbability}`);
    assert.ok(Math.abs(r.top1 - 2 / 3) < 1e-9, `top-1 ${r.top1}, want 2/3`);
    const c = conceptMass(r.meanProbs, [0, 1]);
    assert.ok(Math.abs(c.total - (1 - 0.2 / 3)) < 1e-6, `concept mass ${c.total}`);
  });
});

describe('baselines', () => {
  test('blurring keeps constant images and smooths a checkerboard; class mean without noise is the mean', () => {
    const flat = new Float32Array(3072).fill(0.25);
    assert.ok(
      blurImages(flat).every((v) => Math.abs(v - 0.25) < 1e-6),
      'a flat image stays flat',
    );
    const checker = Float32Array.from({ length: 3072 }, (_, i) => (((i % 32) + Math.floor(i / 32)) % 2 ? 1 : -1));
    const blurred = blurImages(checker, 1);
    assert.ok(Math.abs(blurred[33 + 64]!) < 0.2, `the checkerboard is smoothed: ${blurred[33 + 64]}`);
    const train = Float32Array.from({ length: 3 * 3072 }, (_, i) => (i < 3072 ? -1 : i < 6144 ? 0 : 1));
    const out = classMeanPlusNoise(train, [4, 4, 7], [4, 7], 0, 0);
    assert.ok(Math.abs(out[0]! - -0.5) < 1e-6 && Math.abs(out[3072]! - 1) < 1e-6, 'without noise each image is its class mean');
  });
});
