/**
 * Scores for a set of Pegasus images (`pegasus evaluate --pegasi DIR --detector FILE`), each read
 * on a scale given by reference sets scored the same way (real test horses, test composites, the
 * generator's own horses):
 *
 * - winged: the wing detector's share of images it calls winged (p > ½) and its mean p(winged);
 * - horse: the classifier's mean p(horse) and the share it names horse;
 * - realism: Fréchet distance (Heusel et al. 2017, in our classifier's features) to the composites
 *   the generator learned from and to real training horses;
 * - uniqueness: pixel distance of each image to its nearest training image and nearest composite,
 *   against the 5th percentile of real test horses' distance to the training set;
 * - diversity: mean pairwise feature distance, as a share of real test horses' own.
 */
import { toFloat32 } from '../data/cifar10.js';
import { IMAGE_BYTES } from '../data/cifar10Format.js';
import { imageFromChw, makeGrid, type Image } from '../image/index.js';
import type { ResNet9 } from '../models/classifier/index.js';
import { kNearest, rows, squaredNorms, type Rows } from './distances.js';
import { meanPairwiseDistance } from './diversity.js';
import { embedImages, type Embedding } from './embed.js';
import { frechetDistance } from './frechet.js';
import { gaussianFit, type GaussianFit } from './linalg.js';
import { wingProbabilities } from './wings.js';

export interface PegasusSetScores {
  readonly name: string;
  readonly count: number;
  /** Share the wing detector calls winged (p > ½), and its mean p(winged). */
  readonly winged: number;
  readonly meanPWinged: number;
  /** The classifier's mean p(horse), and the share whose top class is horse. */
  readonly meanPHorse: number;
  readonly top1Horse: number;
  /** Fréchet distance in the classifier's features to the composites and to real training horses. */
  readonly fdComposites: number;
  readonly fdHorses: number;
  /** Median pixel distance to the nearest training image and to the nearest composite. */
  readonly nearestTrain: number;
  readonly nearestComposite: number;
  /** Images closer to a training image, or to a composite, than realP05. */
  readonly closerThanRealP05: number;
  /** Mean pairwise feature distance, and its ratio to real test horses'. */
  readonly diversity: number;
  readonly diversityRatio: number;
}

/** Everything the sets are compared with, computed once. */
export interface PegasusReference {
  readonly classifier: ResNet9;
  readonly detector: ResNet9;
  readonly horseLabel: number; // the classifier's index of horse
  readonly trainPixels: Rows; // all training images, [−1, 1]
  readonly trainNorms: Float32Array;
  readonly compositePixels: Rows;
  readonly compositeNorms: Float32Array;
  readonly compositeFit: GaussianFit;
  readonly horseFit: GaussianFit;
  /** 5th percentile of real test horses' pixel distance to their nearest training image. */
  readonly realP05: number;
  /** Mean pairwise feature distance of real test horses. */
  readonly realDiversity: number;
  /** The real test horses scored like any set, from the embedding and distances computed for the scale above. */
  readonly realHorses: PegasusSetScores;
}

/** What scoring a set needs of it: its pixels, its (flip-averaged) embedding and its distances to the nearest training images. */
interface SetParts {
  readonly images: Float32Array;
  readonly emb: Embedding;
  readonly nearTrain: Float32Array;
}

function nearestDistances(q: Float32Array, base: Rows, norms: Float32Array): Float32Array {
  const nn = kNearest(rows(q, IMAGE_BYTES), base, 1, { baseNorms: norms });
  return nn.distance;
}

const median = (v: Float32Array): number => Float32Array.from(v).sort()[Math.floor(v.length / 2)]!;

/**
 * @param trainImages all CIFAR-10 training images (uint8 NCHW) and their labels
 * @param composites the composites the generator learned from (uint8 NCHW)
 * @param testHorses real test horses (uint8 NCHW), the scale of uniqueness and diversity
 */
export function pegasusReference(
  classifier: ResNet9,
  detector: ResNet9,
  horseLabel: number,
  train: { readonly images: Uint8Array; readonly labels: Uint8Array; readonly features?: Float32Array },
  composites: Uint8Array,
  testHorses: Uint8Array,
): PegasusReference {
  const trainPixels = rows(toFloat32(train.images), IMAGE_BYTES);
  const compositePixels = rows(toFloat32(composites), IMAGE_BYTES);
  const d = classifier.config.widths[3];
  const trainFeatures = train.features ?? embedImages(classifier, trainPixels.data).features;
  const horseRows: number[] = [];
  train.labels.forEach((l, i) => l === horseLabel && horseRows.push(i));
  const compositeFeatures = embedImages(classifier, compositePixels.data).features;
  const testFloat = toFloat32(testHorses);
  const trainNorms = squaredNorms(trainPixels);
  const real: SetParts = {
    images: testFloat,
    emb: embedImages(classifier, testFloat, { flipTta: true }),
    nearTrain: nearestDistances(testFloat, trainPixels, trainNorms),
  };
  const realNearest = Float32Array.from(real.nearTrain).sort();
  const base: Omit<PegasusReference, 'realHorses'> = {
    classifier,
    detector,
    horseLabel,
    trainPixels,
    trainNorms,
    compositePixels,
    compositeNorms: squaredNorms(compositePixels),
    compositeFit: gaussianFit(compositeFeatures, d),
    horseFit: gaussianFit(trainFeatures, d, horseRows),
    realP05: realNearest[Math.floor(0.05 * realNearest.length)]!,
    realDiversity: meanPairwiseDistance(rows(real.emb.features, d)),
  };
  return { ...base, realHorses: scoreParts('real test horses', real, base) };
}

/**
 * Scores one set of images (float NCHW in [−1, 1]).
 * @example const s = scorePegasusSet('pegasus samples', images, ref);
 */
export function scorePegasusSet(name: string, images: Float32Array, ref: PegasusReference): PegasusSetScores {
  return scoreParts(
    name,
    {
      images,
      emb: embedImages(ref.classifier, images, { flipTta: true }),
      nearTrain: nearestDistances(images, ref.trainPixels, ref.trainNorms),
    },
    ref,
  );
}

function scoreParts(name: string, { images, emb, nearTrain }: SetParts, ref: Omit<PegasusReference, 'realHorses'>): PegasusSetScores {
  const n = images.length / IMAGE_BYTES;
  const k = ref.classifier.config.numClasses;
  const d = emb.dim;
  let pHorse = 0;
  let top1 = 0;
  for (let i = 0; i < n; i++) {
    const row = emb.probs.subarray(i * k, (i + 1) * k);
    pHorse += row[ref.horseLabel]!;
    let best = 0;
    for (let j = 1; j < k; j++) if (row[j]! > row[best]!) best = j;
    if (best === ref.horseLabel) top1++;
  }
  const pWing = wingProbabilities(ref.detector, images);
  const nearComposite = nearestDistances(images, ref.compositePixels, ref.compositeNorms);
  let closer = 0;
  for (let i = 0; i < n; i++) if (nearTrain[i]! < ref.realP05 || nearComposite[i]! < ref.realP05) closer++;
  const fit = gaussianFit(emb.features, d);
  const diversity = meanPairwiseDistance(rows(emb.features, d));
  return {
    name,
    count: n,
    winged: pWing.filter((p) => p > 0.5).length / n,
    meanPWinged: pWing.reduce((a, b) => a + b, 0) / n,
    meanPHorse: pHorse / n,
    top1Horse: top1 / n,
    fdComposites: frechetDistance(ref.compositeFit, fit),
    fdHorses: frechetDistance(ref.horseFit, fit),
    nearestTrain: median(nearTrain),
    nearestComposite: median(nearComposite),
    closerThanRealP05: closer,
    diversity,
    diversityRatio: diversity / ref.realDiversity,
  };
}

/** The scores as an aligned text table. */
export function formatPegasusScores(sets: readonly PegasusSetScores[], realP05: number): string {
  const head = [
    'set',
    'n',
    'winged',
    'p(wing)',
    'p(horse)',
    'top1 horse',
    'FD comp',
    'FD horses',
    'NN train',
    'NN comp',
    `< p05 (${realP05.toFixed(1)})`,
    'diversity',
  ];
  const lines = sets.map((s) => [
    s.name,
    String(s.count),
    `${(100 * s.winged).toFixed(1)}%`,
    s.meanPWinged.toFixed(3),
    s.meanPHorse.toFixed(3),
    `${(100 * s.top1Horse).toFixed(1)}%`,
    s.fdComposites.toFixed(2),
    s.fdHorses.toFixed(2),
    s.nearestTrain.toFixed(1),
    s.nearestComposite.toFixed(1),
    String(s.closerThanRealP05),
    s.diversityRatio.toFixed(2),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...lines.map((l) => l[j]!.length)));
  const fmt = (cells: string[]) => cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ');
  return [fmt(head), ...lines.map(fmt)].join('\n');
}

/**
 * A sheet of `count` images, each beside its nearest training image and its nearest composite
 * (pixel space, distances above them): a copy of either would be plain to see.
 */
export function pegasusNearestSheet(
  images: Float32Array,
  ref: PegasusReference,
  trainImages: Uint8Array,
  composites: Uint8Array,
  count = 8,
): Image {
  const n = Math.min(count, images.length / IMAGE_BYTES);
  const q = images.subarray(0, n * IMAGE_BYTES);
  const nt = kNearest(rows(q, IMAGE_BYTES), ref.trainPixels, 1, { baseNorms: ref.trainNorms });
  const nc = kNearest(rows(q, IMAGE_BYTES), ref.compositePixels, 1, { baseNorms: ref.compositeNorms });
  const cells: Image[] = [];
  const labels: string[] = [];
  const tile = (src: Uint8Array | Float32Array, i: number): Image =>
    src instanceof Uint8Array
      ? imageFromChw(src.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES), 3, 32, 32)
      : imageFromChw(src.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES), 3, 32, 32);
  for (let i = 0; i < n; i++) {
    cells.push(tile(images, i), tile(trainImages, nt.index[i]!), tile(composites, nc.index[i]!));
    labels.push('sample', `t ${nt.distance[i]!.toFixed(1)}`, `c ${nc.distance[i]!.toFixed(1)}`);
  }
  return makeGrid(cells, { cols: 3, scale: 2, cellLabels: labels });
}
