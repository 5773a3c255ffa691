/**
 * The Pegasus drawn by the model: the conditional GAN's `pegasus` class, learned from winged-horse
 * composites (src/pegasi/), sampled from random noise in one forward pass — no editing afterwards.
 *
 * - The batch of 64 is 64 random samples: image i has its own latent from seed `batchSeed + i`
 *   (recorded in pegasus.json), so it is an uncurated draw.
 * - The best image is chosen among `candidates` samples (seeds `candidateSeed + j`) by
 *   score = logit p(winged) + log p(horse): the wing detector's log-odds (which, unlike its
 *   probability, keeps separating images it is sure of) plus the classifier's log-probability
 *   that the image is a horse.
 */
import { IMAGE_BYTES as IMAGE } from '../data/index.js';
import type { ResNet9 } from '../models/classifier/index.js';
import { embedImages } from '../evaluate/embed.js';
import { wingProbabilities } from '../evaluate/wings.js';
import { PEGASUS_CLASS } from '../pegasi/dataset.js';
import type { LoadedGenerator } from '../sample/sampler.js';
import { UserError } from '../errors.js';
import { drawGan } from './gan.js';

export interface ModelGenerateConfig {
  readonly batchSize: number; // images in the uncurated batch
  readonly batchSeed: number; // image i of the batch is drawn from seed batchSeed + i
  readonly candidates: number; // samples the best image is chosen from
  readonly candidateSeed: number; // candidate j is drawn from seed candidateSeed + j
}

export const defaultModelGenerateConfig: ModelGenerateConfig = {
  batchSize: 64,
  batchSeed: 1,
  candidates: 1000, // ≈ 10 s of drawing and scoring on 2 cores
  candidateSeed: 100_000, // apart from the batch's seeds
};

/** One drawn image with its seed and scores. */
export interface ModelImage {
  readonly seed: number;
  readonly pixels: Float32Array; // 3×32×32 in [−1, 1]
  readonly pWinged: number;
  readonly pHorse: number;
  readonly score: number;
}

/** Throws unless the generator has the pegasus class. */
export function assertPegasusClass(g: LoadedGenerator, path: string): void {
  if (!g.config.train.classes.includes(PEGASUS_CLASS)) {
    throw new UserError(
      `${path} has no pegasus class (it knows ${g.config.train.classes.join(', ')}); train one with pegasus train --classes …,pegasus --pegasi DIR, or draw composed images with --composed`,
    );
  }
}

/** Images of the pegasus class, one per seed. */
export function drawPegasusClass(g: LoadedGenerator, seeds: readonly number[]): Float32Array {
  return drawGan(
    g,
    seeds.map((seed) => ({ strategy: 'mix', seed, weights: { [PEGASUS_CLASS]: 1 } })),
  );
}

/**
 * Scores images (float NCHW) by the wing detector and the classifier (see the file comment).
 * @example const s = scoreModelImages(classifier, detector, images, seeds);
 */
export function scoreModelImages(
  classifier: ResNet9,
  detector: ResNet9,
  images: Float32Array,
  seeds: readonly number[],
  horseLabel: number,
): ModelImage[] {
  const pW = wingProbabilities(detector, images);
  const { probs } = embedImages(classifier, images, { flipTta: true });
  const k = classifier.config.numClasses;
  const eps = 1e-6;
  return seeds.map((seed, i) => {
    const pWinged = pW[i]!;
    const pHorse = probs[i * k + horseLabel]!;
    const w = Math.min(1 - eps, Math.max(eps, pWinged));
    return {
      seed,
      pixels: images.slice(i * IMAGE, (i + 1) * IMAGE),
      pWinged,
      pHorse,
      score: Math.log(w / (1 - w)) + Math.log(Math.max(eps, pHorse)),
    };
  });
}

/**
 * The uncurated batch and the candidates ranked by score (best first).
 * @example const { batch, ranked } = modelPegasus(g, classifier, detector, defaultModelGenerateConfig, 7);
 */
export function modelPegasus(
  g: LoadedGenerator,
  classifier: ResNet9,
  detector: ResNet9,
  c: ModelGenerateConfig,
  horseLabel: number,
): { batch: ModelImage[]; ranked: ModelImage[] } {
  const seeds = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
  const batchSeeds = seeds(c.batchSeed, c.batchSize);
  const candidateSeeds = seeds(c.candidateSeed, c.candidates);
  const batch = scoreModelImages(classifier, detector, drawPegasusClass(g, batchSeeds), batchSeeds, horseLabel);
  const candidates = scoreModelImages(classifier, detector, drawPegasusClass(g, candidateSeeds), candidateSeeds, horseLabel);
  return { batch, ranked: [...candidates].sort((a, b) => b.score - a.score) };
}
