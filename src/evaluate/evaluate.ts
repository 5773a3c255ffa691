/**
 * `pegasus evaluate`: scores a generator with our own classifier in four groups —
 * recognisability, realism, uniqueness and diversity — and scores reference image sets the same way
 * (real test images: the floor; blurred test images; class-mean images plus noise) so each figure
 * can be read on a scale.
 *
 * Every set is compared with the CIFAR-10 training images of the evaluated classes: realism (FD,
 * KID, precision/recall, density/coverage) in feature space, uniqueness as nearest-neighbour
 * distances to all 50,000 training images in pixel and feature space.
 */
import { type Cifar10Set } from '../data/index.js';
import type { ResNet9 } from '../models/classifier/index.js';
import { blurImages, classMeanPlusNoise } from './baselines.js';
import { kNearest, rows, squaredNorms, type Rows } from './distances.js';
import { meanPairwiseDistance } from './diversity.js';
import { embedImages, type Embedding } from './embed.js';
import { frechetDistance } from './frechet.js';
import type { ClassWeight, ImageGeneratorSource } from './generator.js';
import { kernelInceptionDistance } from './kid.js';
import { gaussianFit, type GaussianFit } from './linalg.js';
import { prdc, realManifold, type Prdc, type RealManifold } from './prdc.js';
import { conceptMass, meanProbabilities, recognise, type ClassRecognition } from './recognisability.js';
import { IMAGE_BYTES as IMAGE } from '../data/cifar10Format.js';

export interface EvaluateOptions {
  /** Generated images in total, split evenly over the classes (10,000). */
  readonly n: number;
  /** CIFAR-10 labels to evaluate (the generator's classes by default). */
  readonly labels: readonly number[];
  /** Optional composed concept, e.g. horse:0.5,bird:0.5. */
  readonly concept?: readonly ClassWeight[];
  /** Images per set whose nearest training images are searched (256; the pixel search is the slow part). */
  readonly nnQueries: number;
  /** Images per set for precision/recall/density/coverage (5,000 at most; k-NN radii need n² distances). */
  readonly prdcSize: number;
  /** KID subsets (50). */
  readonly kidSubsets: number;
  /** Seed of sampling and of every random choice (0). */
  readonly seed: number;
  /** Standard deviation of the noise of the class-mean baseline ([−1, 1] units; 0.25). */
  readonly meanNoise: number;
  /** Called with a short message as each stage starts. */
  readonly log?: (msg: string) => void;
}

/** The training set seen through the classifier, computed once per evaluation. */
export interface TrainReference {
  readonly set: Cifar10Set;
  /** Train pixels as floats in [−1, 1] (for the pixel-space search). */
  readonly pixels: Rows;
  readonly pixelNorms: Float32Array;
  readonly features: Rows;
  readonly featureNorms: Float32Array;
}

export interface SetScores {
  readonly name: string;
  readonly count: number;
  readonly recognisability: {
    readonly meanProbability: number;
    readonly top1: number;
    readonly perClass: Record<string, ClassRecognition>;
  };
  readonly realism: {
    readonly fd: number;
    readonly kid: number;
    readonly kidStd: number;
    readonly perClass: Record<string, { fd: number; kid: number }>;
  } & Prdc;
  readonly uniqueness: {
    readonly queries: number;
    readonly pixel: DistanceSummary;
    readonly feature: DistanceSummary;
    /** Fraction of queries closer (pixel NN) than 95% of real test images are to the training set. */
    readonly closerThanRealP05: number;
    /** Fraction of queries with an exact (≤ 1e-3) pixel match in the training set. */
    readonly exactCopies: number;
  };
  readonly diversity: {
    /** Mean over classes of the mean pairwise feature distance within the class. */
    readonly meanPairwise: number;
    readonly perClass: Record<string, number>;
  };
}

export interface DistanceSummary {
  readonly mean: number;
  readonly median: number;
  readonly p05: number;
  readonly min: number;
}

/** A set being scored: images and the class each should show. */
interface Candidate {
  readonly name: string;
  readonly images: Float32Array;
  readonly labels: Int32Array;
}

function quantile(sorted: Float32Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summarise(d: Float32Array): DistanceSummary {
  const s = Float32Array.from(d).sort();
  return { mean: s.reduce((a, b) => a + b, 0) / s.length, median: quantile(s, 0.5), p05: quantile(s, 0.05), min: s[0]! };
}

/** Evenly spread indices: m of 0..n−1 (all when m ≥ n). */
export function spread(n: number, m: number): Int32Array {
  const k = Math.min(n, m);
  return Int32Array.from({ length: k }, (_, i) => Math.floor((i * n) / k));
}

function gatherRows(x: Float32Array, d: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * d);
  for (let i = 0; i < idx.length; i++) out.set(x.subarray(idx[i]! * d, (idx[i]! + 1) * d), i * d);
  return out;
}

function indicesOf(labels: ArrayLike<number>, label: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === label) out.push(i);
  return Int32Array.from(out);
}

/** Everything fixed across the scored sets: class fits, KID features, the real manifold. */
interface Reference {
  readonly train: TrainReference;
  readonly labels: readonly number[];
  readonly classFits: Map<number, GaussianFit>;
  readonly classFeatures: Map<number, Float32Array>;
  readonly allFit: GaussianFit;
  readonly allFeatures: Float32Array;
  readonly manifold: RealManifold;
}

function buildReference(train: TrainReference, labels: readonly number[], opts: EvaluateOptions): Reference {
  const d = train.features.d;
  const f = train.features.data;
  const classFits = new Map<number, GaussianFit>();
  const classFeatures = new Map<number, Float32Array>();
  const all: number[] = [];
  for (const l of labels) {
    const idx = indicesOf(train.set.labels, l);
    all.push(...idx);
    classFits.set(l, gaussianFit(f, d, idx));
    classFeatures.set(l, gatherRows(f, d, idx));
  }
  const allFeatures = gatherRows(f, d, all);
  const manifoldRows = spread(all.length, opts.prdcSize);
  const manifold = realManifold(rows(gatherRows(allFeatures, d, manifoldRows), d));
  return { train, labels, classFits, classFeatures, allFit: gaussianFit(allFeatures, d), allFeatures, manifold };
}

function scoreSet(
  c: Candidate,
  emb: Embedding,
  ref: Reference,
  names: readonly string[],
  opts: EvaluateOptions,
  realP05: number | null,
): { scores: SetScores; nnPixel: ReturnType<typeof kNearest>; queries: Int32Array } {
  const d = emb.dim;
  const k = emb.probs.length / emb.n;
  const perClassRec: Record<string, ClassRecognition> = {};
  const perClassReal: Record<string, { fd: number; kid: number }> = {};
  const perClassDiv: Record<string, number> = {};
  let hits = 0;
  let probSum = 0;
  for (const l of ref.labels) {
    const idx = indicesOf(c.labels, l);
    if (idx.length < 2) continue;
    const r = recognise(emb.probs, k, l, idx);
    perClassRec[names[l]!] = r;
    hits += r.top1 * idx.length;
    probSum += r.meanProbability * idx.length;
    const feats = gatherRows(emb.features, d, idx);
    perClassReal[names[l]!] = {
      fd: frechetDistance(ref.classFits.get(l)!, gaussianFit(feats, d)),
      kid: kernelInceptionDistance(feats, ref.classFeatures.get(l)!, d, {
        subsets: Math.max(5, Math.floor(opts.kidSubsets / 5)),
        seed: opts.seed,
      }).kid,
    };
    perClassDiv[names[l]!] = meanPairwiseDistance(rows(gatherRows(feats, d, spread(idx.length, 1000)), d));
  }
  const kid = kernelInceptionDistance(emb.features, ref.allFeatures, d, { subsets: opts.kidSubsets, seed: opts.seed });
  const pr = prdc(ref.manifold, rows(gatherRows(emb.features, d, spread(emb.n, opts.prdcSize)), d));
  // uniqueness: nearest training images of evenly spread queries
  const queries = spread(emb.n, opts.nnQueries);
  const qPix = rows(gatherRows(c.images, IMAGE, queries), IMAGE);
  const nnPixel = kNearest(qPix, ref.train.pixels, 3, { baseNorms: ref.train.pixelNorms });
  const nnFeat = kNearest(rows(gatherRows(emb.features, d, queries), d), ref.train.features, 1, { baseNorms: ref.train.featureNorms });
  const pixNearest = Float32Array.from({ length: queries.length }, (_, i) => nnPixel.distance[i * 3]!);
  const threshold = realP05 ?? summarise(pixNearest).p05;
  const divValues = Object.values(perClassDiv);
  const scores: SetScores = {
    name: c.name,
    count: emb.n,
    recognisability: { meanProbability: probSum / emb.n, top1: hits / emb.n, perClass: perClassRec },
    realism: {
      fd: frechetDistance(ref.allFit, gaussianFit(emb.features, d)),
      kid: kid.kid,
      kidStd: kid.std,
      perClass: perClassReal,
      ...pr,
    },
    uniqueness: {
      queries: queries.length,
      pixel: summarise(pixNearest),
      feature: summarise(nnFeat.distance),
      closerThanRealP05: pixNearest.filter((v) => v < threshold).length / queries.length,
      exactCopies: pixNearest.filter((v) => v <= 1e-3).length / queries.length,
    },
    diversity: { meanPairwise: divValues.reduce((a, b) => a + b, 0) / Math.max(1, divValues.length), perClass: perClassDiv },
  };
  return { scores, nnPixel, queries };
}

export interface ConceptScores {
  readonly spec: string;
  readonly components: string[];
  readonly count: number;
  /** Mean probability of each component class, and of all components together. */
  readonly massPerComponent: Record<string, number>;
  readonly massTotal: number;
  readonly meanProbs: Record<string, number>;
  /** FD against the training images of the component classes together. */
  readonly fdToComponents: number;
  readonly nearestTrainPixel: DistanceSummary;
  readonly meanPairwise: number;
}

export interface EvaluationReport {
  readonly generator: string;
  readonly classifier: string;
  readonly classes: string[];
  readonly options: Omit<EvaluateOptions, 'log' | 'labels' | 'concept'>;
  /** generated first, then the reference rows. */
  readonly sets: SetScores[];
  readonly concept: ConceptScores | null;
  readonly seconds: number;
}

/** Images for the sheet: queries of the generated set and their 3 nearest training images. */
export interface SheetData {
  readonly generated: Float32Array;
  readonly queries: Int32Array;
  readonly nn: ReturnType<typeof kNearest>;
}

/**
 * Runs the whole evaluation.
 * @example const { report } = evaluateGenerator(gen, net, train, test, names, opts);
 */
export function evaluateGenerator(
  gen: ImageGeneratorSource,
  net: ResNet9,
  train: TrainReference,
  test: Cifar10Set,
  meta: { classifier: string },
  opts: EvaluateOptions,
): { report: EvaluationReport; sheet: SheetData } {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const names = test.classNames;
  const labels = opts.labels;
  const perClass = Math.max(2, Math.floor(opts.n / labels.length));
  const ref = buildReference(train, labels, opts);

  log(`sampling ${perClass} images of each of ${labels.length} classes`);
  const genImages = new Float32Array(perClass * labels.length * IMAGE);
  const genLabels = new Int32Array(perClass * labels.length);
  labels.forEach((l, i) => {
    const mix = gen.classes.length > 0 ? [{ name: names[l]!, weight: 1 }] : [];
    genImages.set(gen.sample(mix, perClass, opts.seed + l), i * perClass * IMAGE);
    genLabels.fill(l, i * perClass, (i + 1) * perClass);
  });
  // the real test images of the classes, as many per class as generated (or all there are)
  const testIdx: number[] = [];
  for (const l of labels) testIdx.push(...indicesOf(test.labels, l).subarray(0, perClass));
  const testImages = new Float32Array(testIdx.length * IMAGE);
  testIdx.forEach((t, i) => {
    for (let j = 0; j < IMAGE; j++) testImages[i * IMAGE + j] = test.images[t * IMAGE + j]! / 127.5 - 1;
  });
  const testLabels = Int32Array.from(testIdx, (t) => test.labels[t]!);
  const candidates: Candidate[] = [
    { name: 'real test (floor)', images: testImages, labels: testLabels },
    { name: 'generated', images: genImages, labels: genLabels },
    { name: 'blurred test', images: blurImages(testImages, 2), labels: testLabels },
    {
      name: 'class mean + noise',
      images: classMeanPlusNoise(train.pixels.data, train.set.labels, testLabels, opts.meanNoise, opts.seed),
      labels: testLabels,
    },
  ];
  const sets: SetScores[] = [];
  let realP05: number | null = null;
  let sheet: SheetData | null = null;
  for (const c of candidates) {
    log(`scoring ${c.name} (${c.labels.length} images)`);
    const emb = embedImages(net, c.images);
    const r = scoreSet(c, emb, ref, names, opts, realP05);
    if (realP05 === null) realP05 = r.scores.uniqueness.pixel.p05;
    if (c.name === 'generated') sheet = { generated: c.images, queries: r.queries, nn: r.nnPixel };
    sets.push(r.scores);
  }
  // generated first in the report
  sets.unshift(sets.splice(1, 1)[0]!);

  let concept: ConceptScores | null = null;
  if (opts.concept && opts.concept.length > 0 && gen.classes.length > 0) {
    const spec = opts.concept.map((c) => `${c.name}:${c.weight}`).join(',');
    log(`scoring the concept ${spec}`);
    const comps = opts.concept.map((c) => names.indexOf(c.name));
    const images = gen.sample(opts.concept, perClass, opts.seed + 1000);
    const emb = embedImages(net, images);
    const k = emb.probs.length / emb.n;
    const mp = meanProbabilities(emb.probs, k);
    const mass = conceptMass(mp, comps);
    const compIdx: number[] = [];
    for (const l of comps) compIdx.push(...indicesOf(train.set.labels, l));
    const d = emb.dim;
    const q = spread(emb.n, opts.nnQueries);
    const nn = kNearest(rows(gatherRows(images, IMAGE, q), IMAGE), train.pixels, 1, { baseNorms: train.pixelNorms });
    concept = {
      spec,
      components: comps.map((l) => names[l]!),
      count: emb.n,
      massPerComponent: Object.fromEntries(comps.map((l, i) => [names[l]!, mass.perComponent[i]!])),
      massTotal: mass.total,
      meanProbs: Object.fromEntries(mp.map((p, i) => [names[i]!, p])),
      fdToComponents: frechetDistance(gaussianFit(train.features.data, d, compIdx), gaussianFit(emb.features, d)),
      nearestTrainPixel: summarise(nn.distance),
      meanPairwise: meanPairwiseDistance(rows(gatherRows(emb.features, d, spread(emb.n, 1000)), d)),
    };
  }
  const { log: _l, labels: _c, concept: _k, ...rest } = opts;
  const report: EvaluationReport = {
    generator: gen.name,
    classifier: meta.classifier,
    classes: labels.map((l) => names[l]!),
    options: rest,
    sets,
    concept,
    seconds: (performance.now() - t0) / 1000,
  };
  return { report, sheet: sheet! };
}

/** Embeds the training set and prepares both search spaces (features may come from a cache). */
export function trainReference(
  net: ResNet9,
  set: Cifar10Set,
  features?: Float32Array,
  onProgress?: (done: number) => void,
): TrainReference {
  const pixels = new Float32Array(set.images.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = set.images[i]! / 127.5 - 1;
  const f = features ?? embedImages(net, pixels, onProgress === undefined ? {} : { onProgress }).features;
  const d = net.config.widths[3];
  const pr = rows(pixels, IMAGE);
  const fr = rows(f, d);
  return { set, pixels: pr, pixelNorms: squaredNorms(pr), features: fr, featureNorms: squaredNorms(fr) };
}
