// The Pegasus score's parts on constructed inputs with answers worked out by hand: Pegasus-ness and
// the parts judge, the realism score of Kynkäänniemi et al. 2019 against a planted manifold, the
// pre-score, uniqueness and the final score of planted candidates, and τ as the 5th percentile of
// real distances. Only firstScores and the thresholds need a classifier (a tiny untrained one).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLASS_NAMES } from '../../src/data/index.js';
import { Rng } from '../../src/engine/index.js';
import { kNearest, rows, squaredNorms } from '../../src/evaluate/distances.js';
import { embedImages } from '../../src/evaluate/embed.js';
import { realManifold, type GenerateReference, type RealManifold } from '../../src/generate/reference.js';
import {
  defaultScoreConfig,
  featureNeighbours,
  firstScores,
  firstScoresOf,
  fullScores,
  horseFound,
  partsPegasusness,
  pegasusness,
  placeParts,
  preScore,
  realismScores,
  scoreRow,
  SCORE_ARRAYS,
  uniquenessThresholds,
  wingVisibility,
  type FirstScores,
} from '../../src/generate/score.js';
import { defaultClassifierConfig, ResNet9 } from '../../src/models/classifier/index.js';

const IMAGE = 3072;
const close = (got: number, want: number, what: string, tol = 1e-6) => assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs ${want}`);

/** First scores of candidates with the given per-candidate values (features of width 2, 10 class probabilities). */
function planted(
  values: { pegasus: number; realismScore: number; features: [number, number]; top: number; pBody?: number }[],
): FirstScores {
  const n = values.length;
  const col = (f: (v: (typeof values)[number]) => number) => Float32Array.from(values, f);
  return firstScoresOf(n, 2, (key) => {
    if (key === 'features') return Float32Array.from(values.flatMap((v) => v.features));
    if (key === 'probs') return Float32Array.from(values.flatMap((v) => CLASS_NAMES.map((_, c) => (c === v.top ? 0.55 : 0.05))));
    if (key === 'pegasus') return col((v) => v.pegasus);
    if (key === 'realismScore') return col((v) => v.realismScore);
    if (key === 'pBody') return col((v) => v.pBody ?? 0.5);
    if (key === 'pWings') return col((v) => v.pegasus ** 2 / (4 * (v.pBody ?? 0.5))); // so that 2√(p_body·p_wings) = pegasus
    return new Float32Array(n).fill(NaN);
  });
}

describe('Pegasus score: the parts', () => {
  test('Pegasus-ness by hand: the weighted geometric mean of p_body/a and p_wings/(1 − a)', () => {
    close(pegasusness(0.25, 0.25, 0.5), 0.5, '2·√(1/16)');
    close(pegasusness(0.6, 0.2, 0.6), 0.5 ** 0.4, '(0.6/0.6)^0.6 · (0.2/0.4)^0.4');
    close(pegasusness(0.3, 0.4, 0.6), 0.5 ** 0.6, '(0.3/0.6)^0.6 · (0.4/0.4)^0.4');
    assert.equal(pegasusness(1, 0, 0.5), 0, 'a plain horse');
    assert.equal(pegasusness(0, 1, 0.5), 0, 'a plain bird');
  });

  test('the parts judge by hand: P_parts = p_body^a · (p_donor · V)^(1−a), V = min(1, area/A₀) · min(1, contrast/C₀)', () => {
    const judge = { area: 30, contrast: 0.4, horseArea: 100 };
    assert.equal(wingVisibility(15, 0.4, judge), 0.5);
    assert.equal(wingVisibility(60, 0.1, judge), 0.25);
    assert.equal(wingVisibility(90, 0.8, judge), 1, 'each factor is capped at 1');
    assert.equal(wingVisibility(0, 0.8, judge), 0);
    close(partsPegasusness(0.64, 0.5, 0.5, 0.5), 0.8 * 0.5, '√0.64 · √0.25');
    close(partsPegasusness(0.5, 1, 0.25, 0.75), 0.5 ** 0.75 * 0.25 ** 0.25, 'share 0.75');
    assert.equal(horseFound(Uint8Array.of(1, 1, 0, 1), 3), true);
    assert.equal(horseFound(Uint8Array.of(1, 1, 0, 0), 3), false);
    assert.equal(horseFound(new Uint8Array(4), 0), true, 'a minimum of 0 trusts every mask');
    const parts = { pDonor: Float32Array.of(0.9, 0.8), area: Float32Array.of(10, 20), contrast: Float32Array.of(0.1, 0.2) };
    const placed = placeParts(4, [3, 1], parts);
    assert.deepEqual(Array.from(placed.pDonor), [NaN, 0.8, NaN, 0.9].map(Math.fround));
    assert.deepEqual(Array.from(placed.area), [NaN, 20, NaN, 10]);
    assert.deepEqual(Array.from(placed.contrast), [NaN, 0.2, NaN, 0.1].map(Math.fround));
  });

  test('realism score: the largest r_k/‖x − real‖ over the kept reals (Kynkäänniemi et al. 2019, eq. 3)', () => {
    // reals at (0, 0) with radius 1 and (10, 0) with radius 2
    const m: RealManifold = { features: rows(Float32Array.of(0, 0, 10, 0), 2), radius2: Float32Array.of(1, 4) };
    const x = rows(Float32Array.of(0.5, 0, 10, 3, 5, 0), 2);
    const r = realismScores(x, m);
    close(r[0]!, 2, 'inside the first ball: 1/0.5');
    close(r[1]!, 2 / 3, 'outside the second ball: 2/3');
    close(r[2]!, 2 / 5, 'halfway: max(1/5, 2/5)');
    // the manifold keeps the reals whose radius is at most the median: the outlier at 10 is dropped
    const kept = realManifold(rows(Float32Array.of(0, 1, 2, 3, 10), 1), 1);
    assert.deepEqual(Array.from(kept.features.data), [0, 1, 2, 3]);
    assert.deepEqual(Array.from(kept.radius2), [1, 1, 1, 1]);
  });

  test('pre-score P · min(1, R)^α and the full score P · R^α · U with U from τ, on planted candidates', () => {
    const s = planted([
      { pegasus: 0.8, realismScore: 0.25, features: [0, 0], top: 7 },
      { pegasus: 0.5, realismScore: 4, features: [3, 4], top: 2, pBody: 0.2 },
      { pegasus: 0.9, realismScore: 1, features: [0, 1], top: 0 },
    ]);
    const c = { ...defaultScoreConfig, realismPower: 0.5 };
    close(preScore(s, 0, c), 0.8 * 0.5, 'P · √0.25');
    close(preScore(s, 1, c), 0.5, 'R capped at 1');
    close(preScore(s, 0, { ...c, realismPower: 1 }), 0.2, 'α = 1');
    assert.deepEqual(Object.keys(scoreRow(s, 2)).sort(), [...SCORE_ARRAYS].sort());
    // candidates' images: 0 is training image 1 shifted by 0.5 in 4 pixels (distance 1); 1 is
    // training image 0 itself; 2 is far from both
    const trainPixels = new Float32Array(2 * IMAGE);
    trainPixels.fill(0.5, IMAGE);
    const images = new Float32Array(3 * IMAGE);
    images.fill(0.5, 0, IMAGE);
    images.fill(1, 0, 4);
    images.fill(-1, 2 * IMAGE);
    // training features at (0, 0.5) and (3, 0) for training images 7 and 9 (a partial feature set)
    const features = rows(Float32Array.of(0, 0.5, 3, 0), 2);
    const pixels = rows(trainPixels, IMAGE);
    const ref = {
      pixels,
      pixelNorms: squaredNorms(pixels),
      train: { features, norms: squaredNorms(features), index: Int32Array.of(7, 9), complete: false },
    } as unknown as GenerateReference;
    const tau = { pixel: 2, feature: 1 };
    const full = fullScores(images, s, [0, 1, 2], ref, tau, c);
    // 0: d_pix 1 (U_pix ½), d_feat 0.5 to image 7 (U_feat ½): U = ¼; score 0.8 · √0.25 · ¼
    close(full[0]!.uniqueness, 0.25, 'U of candidate 0');
    close(full[0]!.score, 0.8 * 0.5 * 0.25, 'score of candidate 0');
    assert.deepEqual(full[0]!.nearestPixel, { distance: 1, trainIndex: 1 });
    assert.equal(full[0]!.nearestFeature.trainIndex, 7);
    close(full[0]!.nearestFeature.distance, 0.5, 'feature distance');
    // 1: a copy (d_pix 0): U = 0 whatever else
    assert.deepEqual([full[1]!.uniqueness, full[1]!.score], [0, 0]);
    assert.equal(full[1]!.nearestPixel.trainIndex, 0);
    assert.equal(full[1]!.nearestFeature.trainIndex, 9); // (3, 4) is 4 from (3, 0)
    close(full[1]!.realism, 1, 'R = min(1, 4)');
    // 2: every pixel 1 from training image 0: d_pix = √3072 ≥ τ_pix; d_feat = 0.5 (to 7) < τ_feat: U = ½
    close(full[2]!.uniqueness, 0.5, 'U of candidate 2');
    close(full[2]!.score, 0.9 * 1 * 0.5, 'score of candidate 2');
    assert.deepEqual(
      full.map((f) => [f.top.name, f.judge]),
      [
        ['horse', 'image'],
        ['bird', 'image'],
        ['airplane', 'image'],
      ],
    );
    assert.equal(full[0]!.top.p, Math.fround(0.55));
    // nearest training images in feature space, by training-set index
    assert.deepEqual(featureNeighbours(Float32Array.of(3, 1, 0, 0), 2, ref, 2), [
      [9, 7],
      [7, 9],
    ]);
  });

  test('firstScores: p_body and p_wings are the flip-averaged probabilities of horse and of bird + airplane', () => {
    const net = new ResNet9({ ...defaultClassifierConfig, widths: [4, 4, 8, 8] }, new Rng(3));
    const rng = new Rng(4);
    const images = Float32Array.from({ length: 3 * IMAGE }, () => rng.uniform() * 2 - 1);
    const m: RealManifold = { features: rows(new Float32Array(8), 8), radius2: Float32Array.of(1) };
    const s = firstScores(net, images, m, { ...defaultScoreConfig, bodyShare: 0.6 });
    const p = embedImages(net, images, { flipTta: true }).probs;
    const [airplane, bird, horse] = (['airplane', 'bird', 'horse'] as const).map((n) => CLASS_NAMES.indexOf(n));
    for (let i = 0; i < 3; i++) {
      close(s.pBody[i]!, p[i * 10 + horse!]!, `p_body ${i}`);
      close(s.pWings[i]!, p[i * 10 + bird!]! + p[i * 10 + airplane!]!, `p_wings ${i}`);
      close(s.pegasus[i]!, pegasusness(s.pBody[i]!, s.pWings[i]!, 0.6), `P ${i}`);
      assert.ok(Number.isNaN(s.partsPegasus[i]!), 'no parts: no parts judge');
    }
    assert.deepEqual(Array.from(s.probs), Array.from(p));
    // the feature rows are the unflipped image's, and the realism score uses them
    const f = embedImages(net, images).features;
    assert.deepEqual(Array.from(s.features), Array.from(f));
    for (let i = 0; i < 3; i++) {
      let d2 = 0;
      for (let j = 0; j < 8; j++) d2 += f[i * 8 + j]! ** 2;
      close(s.realismScore[i]!, 1 / Math.sqrt(d2), `realism ${i}`, 1e-4 / Math.sqrt(d2));
    }
  });

  test('τ is the 5th percentile of real test images’ nearest training distances, in pixels and in features', () => {
    const net = new ResNet9({ ...defaultClassifierConfig, widths: [4, 4, 8, 8] }, new Rng(5));
    const rng = new Rng(6);
    const trainPixels = Float32Array.from({ length: 4 * IMAGE }, () => rng.uniform() * 2 - 1);
    // 20 test images: training image t % 4 with every pixel moved by 0.01·(t + 1), so the pixel
    // distances are 0.01·(t + 1)·√3072 and the 5th percentile (the second smallest of 20) is 0.02·√3072
    const test = Float32Array.from({ length: 20 * IMAGE }, (_, q) => {
      const t = Math.floor(q / IMAGE);
      return trainPixels[(t % 4) * IMAGE + (q % IMAGE)]! + 0.01 * (t + 1);
    });
    const pixels = rows(trainPixels, IMAGE);
    const features = rows(embedImages(net, trainPixels).features, 8);
    const ref = {
      pixels,
      pixelNorms: squaredNorms(pixels),
      train: { features, norms: squaredNorms(features), index: Int32Array.of(0, 1, 2, 3), complete: true },
    } as unknown as GenerateReference;
    const tau = uniquenessThresholds(net, test, ref);
    close(tau.pixel, 0.02 * Math.sqrt(IMAGE), 'τ_pix', 1e-4);
    const featureDistances = Array.from(kNearest(rows(embedImages(net, test).features, 8), features, 1).distance).sort((a, b) => a - b);
    close(tau.feature, featureDistances[1]!, 'τ_feat');
    assert.throws(() => uniquenessThresholds(net, test, { ...ref, train: { ...ref.train, complete: false } }), /every training image/);
  });
});
