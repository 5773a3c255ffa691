/**
 * Scoring candidates with the from-scratch classifier. Three terms, each in [0, 1], multiplied:
 *
 *   score = P · R^α · U
 *
 * - **Pegasus-ness** P = (p_body/a)^a · (p_wings/(1−a))^(1−a), with p_body = p(horse), p_wings =
 *   p(bird) + p(airplane) and a the body's share. This weighted geometric mean is high only when
 *   *both* are high (a plain horse, p_body ≈ 1, scores ≈ 0, and so does a plain bird); it reaches 1
 *   when the classifier gives the share a to "horse", 1 − a to "winged thing" and nothing to the
 *   other classes (deer, dog, …). With a = 0.5 it is 2·√(p_body · p_wings). A min() would do the
 *   same but is flat in the larger term, which makes search blind to it.
 * - **Realism** R = min(1, realism score of Kynkäänniemi et al. 2019): the largest ratio
 *   r_k(φ_real)/‖φ − φ_real‖ over real training features with k-NN radius r_k, i.e. ≥ 1 when the
 *   candidate lies inside some real image's k-NN ball in the classifier's feature space. It
 *   penalises the GAN's off-manifold failures (noise, colour blobs) that can still fool the softmax.
 *   The exponent α (0.5) keeps it a secondary term.
 * - **Uniqueness** U = min(1, d_pix/τ_pix) · min(1, d_feat/τ_feat): the distance to the nearest
 *   training image in pixels and in features, relative to τ, the 5th percentile of the same
 *   distances for *real test images* (which are novel by construction). A near-copy of a training
 *   image falls towards 0; anything at least as far as 95% of real test images is not penalised.
 *
 * **The parts judge.** On a 32×32 image the classifier sees one object: a horse with a wing pasted
 * on its back (recombine) still reads as a horse (p(horse) ≈ 0.8, p(bird+airplane) ≈ 0.1), so the
 * whole-image P ranks it below ambiguous blends in which a person sees neither. Judging the wing
 * region itself does not help either: blurry upscaled crops of the wing and of the bare horse at the
 * same place got the same p(bird+airplane) (0.24 vs 0.26, 512 candidates). When a candidate is made
 * of known parts, they are judged instead, each for what it should show:
 *
 *   P_parts = p_body^a · (p_donor · V)^(1−a)
 *
 * with p_body = p(horse) of the whole candidate (the wing must leave a horse), p_donor the wing
 * classes' probability of the image the wing was cut from (it is made of a bird or an airplane) and
 * V = min(1, area/A₀) · min(1, contrast/C₀) the wing's visibility as a silhouette: where it stands
 * out of the horse's segmented outline, its alpha-weighted area in pixels and the smaller of its
 * RMS difference from the background it covers and from the horse's mean colour (a pale wing on a
 * pale sky cannot be seen, a brown wing beside a brown horse reads as more horse, a wing lying over
 * the body as a blanket, and one that does not touch the horse floats in the sky). Horses the
 * segmentation did not find are left to the whole-image judge. The candidate's P is
 * max(P, P_parts): the parts judge only adds evidence the whole-image judge cannot see. This is the compositional view of Lake et al. 2015 ("Human-level concept
 * learning through probabilistic program induction"): a concept made of parts is recognised part by
 * part, with the relation between them (the wing grows from the back) given by construction.
 */
import { CLASS_NAMES } from '../data/index.js';
import { forEachDistanceBlock, kNearest, rows, type Rows } from '../evaluate/distances.js';
import { embedImages } from '../evaluate/embed.js';
import type { ResNet9 } from '../models/classifier/index.js';
import type { PartCache, RecombineDraw } from './recombine.js';
import type { GenerateReference, RealManifold } from './reference.js';
import { IMAGE_BYTES as IMAGE } from '../data/cifar10Format.js';

/** Wing alpha (pixels) right beside the horse's mask for the wing to count as attached. */
const MIN_TOUCH = 2;

export interface ScoreConfig {
  /** The classes whose probability is the body (horse). */
  readonly body: readonly string[];
  /** The classes whose probability is the wings (bird, airplane). */
  readonly wings: readonly string[];
  /**
   * The body's share a of the ideal belief (see P above): 0.5 aims at images the classifier finds
   * as much horse as winged thing; more aims at a clearer horse with a hint of wings.
   */
  readonly bodyShare: number;
  /** Exponent α of the realism term. */
  readonly realismPower: number;
  /** The parts judge for candidates made of known parts (see the file comment); null: off. */
  readonly parts: PartsJudgeConfig | null;
}

/** Where the parts judge's visibility V reaches 1. */
export interface PartsJudgeConfig {
  /** Wing area A₀: the sum of its alpha outside the horse, in pixels. */
  readonly area: number;
  /** Contrast C₀: RMS over channels of wing − background (or − the horse's colour), in [−1, 1] pixel units. */
  readonly contrast: number;
  /** Fewest pixels in the horse's segmented mask for the judge to trust where its back is. */
  readonly horseArea: number;
}

/**
 * What the parts judge needs of each candidate, arrays of length n; NaN where a candidate has no
 * known parts (every strategy but recombine).
 */
export interface WingParts {
  /** Wing classes' probability of the image the wing was cut from. */
  readonly pDonor: Float32Array;
  /** Sum of the wing's alpha outside the horse's mask (pixels). */
  readonly area: Float32Array;
  /** There, the smaller of the wing's RMS difference from what it covers and from the horse's mean colour. */
  readonly contrast: Float32Array;
}

export const defaultScoreConfig: ScoreConfig = {
  body: ['horse'], // the Pegasus is a horse …
  wings: ['bird', 'airplane'], // … with wings: CIFAR-10's winged classes
  // the horse's share of the ideal belief; more asks for a clearer horse and fewer visible wings
  bodyShare: 0.5,
  realismPower: 0.5, // realism matters, but less than being a winged horse
  // a wing smaller or fainter than the typical proposal's is not seen; a mask under ~100 px is a blob, not a horse
  parts: { area: 30, contrast: 0.4, horseArea: 100 },
};

/** Distances below which a candidate counts as close to the training set (see the file comment). */
export interface UniquenessThresholds {
  readonly pixel: number;
  readonly feature: number;
}

/**
 * What the classifier alone says about each candidate (cheap; computed for every candidate).
 * Stored as columns, so that features and probabilities stay matrices for the nearest-neighbour
 * search; `scoreRow` reads one candidate's values as a row.
 */
export interface FirstScores {
  readonly n: number;
  readonly dim: number;
  readonly features: Float32Array;
  readonly probs: Float32Array;
  readonly pBody: Float32Array;
  readonly pWings: Float32Array;
  readonly pegasus: Float32Array;
  /** The realism score itself (unclamped), and R = min(1, ·). */
  readonly realismScore: Float32Array;
  /** The parts judge's P_parts, p_donor and visibility V (NaN: no parts, or the judge is off). */
  readonly partsPegasus: Float32Array;
  readonly pDonor: Float32Array;
  readonly wingVisibility: Float32Array;
}

/** The per-candidate arrays of FirstScores (rows of `dim` features, of class probabilities, or one value). */
export const SCORE_ARRAYS = [
  'features',
  'probs',
  'pBody',
  'pWings',
  'pegasus',
  'realismScore',
  'partsPegasus',
  'pDonor',
  'wingVisibility',
] as const;

/**
 * FirstScores for `n` candidates whose every array is made by `make` (concatenating chunks,
 * picking rows).
 * @example firstScoresOf(keep.length, f.dim, (key) => pickRows(f[key], keep))
 */
export function firstScoresOf(n: number, dim: number, make: (key: (typeof SCORE_ARRAYS)[number]) => Float32Array): FirstScores {
  return { n, dim, ...Object.fromEntries(SCORE_ARRAYS.map((key) => [key, make(key)])) } as unknown as FirstScores;
}

/** One candidate's first scores (`scoreRow`). */
export interface ScoreRow {
  readonly features: Float32Array;
  readonly probs: Float32Array;
  readonly pBody: number;
  readonly pWings: number;
  readonly pegasus: number;
  readonly realismScore: number;
  readonly partsPegasus: number;
  readonly pDonor: number;
  readonly wingVisibility: number;
}

/**
 * Candidate `i` of `s` as a row (its feature and probability rows are views, not copies).
 * @example const { pegasus, realismScore } = scoreRow(first, 3);
 */
export function scoreRow(s: FirstScores, i: number): ScoreRow {
  const k = s.probs.length / Math.max(1, s.n);
  return {
    features: s.features.subarray(i * s.dim, (i + 1) * s.dim),
    probs: s.probs.subarray(i * k, (i + 1) * k),
    pBody: s.pBody[i]!,
    pWings: s.pWings[i]!,
    pegasus: s.pegasus[i]!,
    realismScore: s.realismScore[i]!,
    partsPegasus: s.partsPegasus[i]!,
    pDonor: s.pDonor[i]!,
    wingVisibility: s.wingVisibility[i]!,
  };
}

/** Scores of one candidate, as pegasus.json records them. */
export interface CandidateScores {
  readonly score: number;
  readonly pegasus: number;
  readonly pBody: number;
  readonly pWings: number;
  readonly realism: number;
  readonly realismScore: number;
  readonly uniqueness: number;
  readonly nearestPixel: { readonly distance: number; readonly trainIndex: number };
  readonly nearestFeature: { readonly distance: number; readonly trainIndex: number };
  /** Top class of the classifier and its probability. */
  readonly top: { readonly name: string; readonly p: number };
  /** The parts judge's view, for candidates made of known parts (see the file comment). */
  readonly parts?: { readonly pegasus: number; readonly pDonor: number; readonly visibility: number };
  /** Which judge gave P: the whole image or its parts. */
  readonly judge: 'image' | 'parts';
}

function classIndices(names: readonly string[]): number[] {
  return names.map((n) => {
    const i = (CLASS_NAMES as readonly string[]).indexOf(n);
    if (i < 0) throw new Error(`score: ${n} is not a CIFAR-10 class`);
    return i;
  });
}

/**
 * P = (p_body/a)^a · (p_wings/(1−a))^(1−a): 1 at p_body = a, p_wings = 1 − a, less anywhere else
 * with p_body + p_wings ≤ 1.
 * @example pegasusness(0.5, 0.5, 0.5) // 1
 */
export function pegasusness(pBody: number, pWings: number, bodyShare: number): number {
  const a = bodyShare;
  return (pBody / a) ** a * (pWings / (1 - a)) ** (1 - a);
}

/**
 * The wing's visibility V = min(1, area/A₀) · min(1, contrast/C₀).
 * @example wingVisibility(20, 0.4, { area: 40, contrast: 0.4, horseArea: 100 }) // 0.5
 */
export function wingVisibility(area: number, contrast: number, j: PartsJudgeConfig): number {
  return Math.min(1, area / j.area) * Math.min(1, contrast / j.contrast);
}

/**
 * P_parts = p_body^a · (p_donor · V)^(1−a): 1 for a sure horse with a fully visible wing cut from a
 * sure bird (see the file comment).
 * @example partsPegasusness(1, 1, 1, 0.5) // 1
 */
export function partsPegasusness(pBody: number, pDonor: number, visibility: number, bodyShare: number): number {
  return pBody ** bodyShare * (pDonor * visibility) ** (1 - bodyShare);
}

/**
 * Classifier probabilities and features, Pegasus-ness and realism of `images` (float NCHW); with
 * `parts`, candidates made of known parts are also given the parts judge (P = max(P, P_parts)).
 * @example const s = firstScores(net, images, ref.manifold, defaultScoreConfig);
 */
export function firstScores(net: ResNet9, images: Float32Array, manifold: RealManifold, c: ScoreConfig, parts?: WingParts): FirstScores {
  // NOTE: flip test-time augmentation (Page 2018) averages the probabilities of the image and its
  // mirror, so a candidate cannot win on a left-right accident of the classifier.
  const emb = embedImages(net, images, { flipTta: true });
  const k = emb.probs.length / emb.n;
  const body = classIndices(c.body);
  const wings = classIndices(c.wings);
  const pBody = new Float32Array(emb.n);
  const pWings = new Float32Array(emb.n);
  const pegasus = new Float32Array(emb.n);
  const partsPegasus = new Float32Array(emb.n).fill(NaN);
  const pDonor = new Float32Array(emb.n).fill(NaN);
  const visibility = new Float32Array(emb.n).fill(NaN);
  if (parts !== undefined && parts.pDonor.length !== emb.n)
    throw new Error(`firstScores: parts of ${parts.pDonor.length} candidates for ${emb.n} images`);
  for (let i = 0; i < emb.n; i++) {
    for (const j of body) pBody[i]! += emb.probs[i * k + j]!;
    for (const j of wings) pWings[i]! += emb.probs[i * k + j]!;
    pegasus[i] = pegasusness(pBody[i]!, pWings[i]!, c.bodyShare);
    if (c.parts !== null && parts !== undefined && Number.isFinite(parts.pDonor[i]!)) {
      pDonor[i] = parts.pDonor[i]!;
      visibility[i] = wingVisibility(parts.area[i]!, parts.contrast[i]!, c.parts);
      partsPegasus[i] = partsPegasusness(pBody[i]!, pDonor[i]!, visibility[i]!, c.bodyShare);
      pegasus[i] = Math.max(pegasus[i]!, partsPegasus[i]!);
    }
  }
  return {
    n: emb.n,
    dim: emb.dim,
    features: emb.features,
    probs: emb.probs,
    pBody,
    pWings,
    pegasus,
    realismScore: realismScores(rows(emb.features, emb.dim), manifold),
    partsPegasus,
    pDonor,
    wingVisibility: visibility,
  };
}

/**
 * Whether the segmentation found a horse in `mask` (1 = foreground): at least `minArea` px, or
 * always when `minArea` is 0. The recombine stage ranks only found horses, and the parts judge
 * judges only their collages: a wing goes on a back one can see.
 */
export function horseFound(mask: Uint8Array, minArea: number): boolean {
  let area = 0;
  for (let q = 0; q < mask.length; q++) area += mask[q]!;
  return area >= minArea;
}

/**
 * What the parts judge needs of recombined candidates: the classifier's belief that each donor is
 * one of the `wings` classes, and each wing's silhouette (see `silhouette`). A horse whose mask has
 * fewer than `minHorseArea` pixels was not found by the segmentation (NaN: the whole-image judge
 * alone decides). Only donors are classified, each once: those in `cache` not at all (their
 * probabilities are taken from it, and those computed here are added).
 * @example const parts = wingParts(net, drawRecombineParts(g, recipes), ['bird', 'airplane']);
 */
export function wingParts(net: ResNet9, d: RecombineDraw, wings: readonly string[], minHorseArea = 0, cache?: PartCache): WingParts {
  const n = d.horseOf.length;
  const plane = IMAGE / 3;
  const w = classIndices(wings);
  const probsOf = donorProbs(net, d, cache);
  const pDonor = new Float32Array(n);
  const area = new Float32Array(n);
  const contrast = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const h = d.horseOf[i]!;
    const mask = d.partMasks.subarray(h * plane, (h + 1) * plane);
    if (!horseFound(mask, minHorseArea)) {
      // the horse was not found, so neither is its back: the wing is somewhere, the judge cannot say where
      pDonor[i] = area[i] = contrast[i] = NaN;
      continue;
    }
    const p = probsOf.get(d.donorOf[i]!)!;
    for (const j of w) pDonor[i]! += p[j]!;
    const s = silhouette(
      d.images.subarray(i * IMAGE, (i + 1) * IMAGE),
      d.parts.subarray(h * IMAGE, (h + 1) * IMAGE),
      mask,
      d.wingAlpha.subarray(i * plane, (i + 1) * plane),
    );
    area[i] = s.area;
    contrast[i] = s.contrast;
  }
  return { pDonor, area, contrast };
}

/** The flip-averaged class probabilities of each donor part of `d` (by part index), from `cache` where it has them. */
function donorProbs(net: ResNet9, d: RecombineDraw, cache?: PartCache): Map<number, Float32Array> {
  const out = new Map<number, Float32Array>();
  const todo: number[] = [];
  for (const i of new Set(d.donorOf)) {
    const cached = cache?.probs.get(d.partKeys[i]!);
    if (cached) out.set(i, cached);
    else todo.push(i);
  }
  if (todo.length > 0) {
    const images = new Float32Array(todo.length * IMAGE);
    todo.forEach((i, j) => images.set(d.parts.subarray(i * IMAGE, (i + 1) * IMAGE), j * IMAGE));
    const emb = embedImages(net, images, { flipTta: true });
    const k = emb.probs.length / emb.n;
    todo.forEach((i, j) => {
      const p = emb.probs.slice(j * k, (j + 1) * k);
      out.set(i, p);
      cache?.probs.set(d.partKeys[i]!, p);
    });
  }
  return out;
}

/**
 * The wing of a collage (`image`, CHW) as a silhouette against `horse` (the image it was pasted
 * on) with the horse's `mask` and the wing's `alpha`: its alpha outside the mask (over the body a
 * wing reads as a blanket) and there the smaller of its RMS difference from what it covers and of
 * its mean colour's from the horse's (a brown wing beside a brown horse reads as more horse). A wing
 * with under MIN_TOUCH px of alpha right beside the mask does not grow from the horse: area 0.
 */
function silhouette(image: Float32Array, horse: Float32Array, mask: Uint8Array, alpha: Float32Array): { area: number; contrast: number } {
  const plane = mask.length;
  const side = Math.round(Math.sqrt(plane));
  const nearMask = (q: number) => {
    const x = q % side;
    const y = (q - x) / side;
    for (let yy = Math.max(0, y - 1); yy <= Math.min(side - 1, y + 1); yy++) {
      for (let xx = Math.max(0, x - 1); xx <= Math.min(side - 1, x + 1); xx++) if (mask[yy * side + xx] === 1) return true;
    }
    return false;
  };
  let touch = 0;
  let area = 0;
  let diff = 0;
  let horseArea = 0;
  const wingMean = [0, 0, 0];
  const horseMean = [0, 0, 0];
  for (let q = 0; q < plane; q++) {
    if (mask[q] === 1) {
      horseArea++;
      for (let ch = 0; ch < 3; ch++) horseMean[ch]! += horse[ch * plane + q]!;
      continue;
    }
    const a = alpha[q]!;
    if (a === 0) continue;
    if (nearMask(q)) touch += a;
    let e = 0;
    for (let ch = 0; ch < 3; ch++) {
      e += (image[ch * plane + q]! - horse[ch * plane + q]!) ** 2;
      wingMean[ch]! += a * image[ch * plane + q]!;
    }
    area += a;
    diff += a * Math.sqrt(e / 3);
  }
  if (touch < MIN_TOUCH || area === 0) return { area: 0, contrast: 0 };
  const apart = Math.sqrt(horseMean.reduce((s, m, ch) => s + (wingMean[ch]! / area - m / Math.max(1, horseArea)) ** 2, 0) / 3);
  return { area, contrast: Math.min(diff / area, apart) };
}

/**
 * Parts of `n` candidates of which those at `at` have `parts` (in that order); NaN elsewhere.
 * @example placeParts(3, [1], partsOfOne) // candidate 1 has parts, 0 and 2 do not
 */
export function placeParts(n: number, at: readonly number[], parts: WingParts | null): WingParts {
  const out = { pDonor: new Float32Array(n).fill(NaN), area: new Float32Array(n).fill(NaN), contrast: new Float32Array(n).fill(NaN) };
  if (parts !== null) {
    at.forEach((i, j) => {
      out.pDonor[i] = parts.pDonor[j]!;
      out.area[i] = parts.area[j]!;
      out.contrast[i] = parts.contrast[j]!;
    });
  }
  return out;
}

/** Kynkäänniemi et al. 2019's realism score of each row of `x`: max over reals of r_k/‖x − real‖. */
export function realismScores(x: Rows, m: RealManifold): Float32Array {
  const best = new Float32Array(x.n);
  forEachDistanceBlock(x, m.features, (b0, b1, dist) => {
    const w = b1 - b0;
    for (let i = 0; i < x.n; i++) {
      for (let j = 0; j < w; j++) {
        // ratio of squared values, square-rooted once at the end
        const r = m.radius2[b0 + j]! / Math.max(dist[i * w + j]!, 1e-12);
        if (r > best[i]!) best[i] = r;
      }
    }
  });
  return best.map(Math.sqrt);
}

/** The cheap part of the score, P · R^α, for ranking before the nearest-neighbour search. */
export function preScore(s: FirstScores, i: number, c: ScoreConfig): number {
  const r = scoreRow(s, i);
  return r.pegasus * Math.min(1, r.realismScore) ** c.realismPower;
}

/**
 * Full scores of candidates `idx`: nearest training images in pixels and features, uniqueness,
 * and the final score.
 */
export function fullScores(
  images: Float32Array,
  s: FirstScores,
  idx: readonly number[],
  ref: GenerateReference,
  tau: UniquenessThresholds,
  c: ScoreConfig,
): CandidateScores[] {
  const q = new Float32Array(idx.length * IMAGE);
  const qf = new Float32Array(idx.length * s.dim);
  const cand = idx.map((i) => scoreRow(s, i));
  idx.forEach((i, j) => {
    q.set(images.subarray(i * IMAGE, (i + 1) * IMAGE), j * IMAGE);
    qf.set(cand[j]!.features, j * s.dim);
  });
  const nnPix = kNearest(rows(q, IMAGE), ref.pixels, 1, { baseNorms: ref.pixelNorms });
  const nnFeat = kNearest(rows(qf, s.dim), ref.train.features, 1, { baseNorms: ref.train.norms });
  return cand.map((r, j) => {
    const dPix = nnPix.distance[j]!;
    const dFeat = nnFeat.distance[j]!;
    const uniqueness = Math.min(1, dPix / tau.pixel) * Math.min(1, dFeat / tau.feature);
    const realism = Math.min(1, r.realismScore);
    let top = 0;
    for (let t = 1; t < r.probs.length; t++) if (r.probs[t]! > r.probs[top]!) top = t;
    return {
      score: r.pegasus * realism ** c.realismPower * uniqueness,
      pegasus: r.pegasus,
      pBody: r.pBody,
      pWings: r.pWings,
      realism,
      realismScore: r.realismScore,
      uniqueness,
      nearestPixel: { distance: dPix, trainIndex: nnPix.index[j]! },
      nearestFeature: { distance: dFeat, trainIndex: ref.train.index[nnFeat.index[j]!]! },
      top: { name: CLASS_NAMES[top] ?? String(top), p: r.probs[top]! },
      ...(Number.isFinite(r.partsPegasus) && { parts: { pegasus: r.partsPegasus, pDonor: r.pDonor, visibility: r.wingVisibility } }),
      judge: r.partsPegasus > pegasusness(r.pBody, r.pWings, c.bodyShare) ? 'parts' : 'image',
    };
  });
}

/**
 * τ for uniqueness: the 5th percentile of real test images' distances to their nearest training
 * image, in pixels and in features. Needs every training feature (a complete reference).
 */
export function uniquenessThresholds(net: ResNet9, testImages: Float32Array, ref: GenerateReference): UniquenessThresholds {
  if (!ref.train.complete) throw new Error('uniquenessThresholds: needs the features of every training image');
  const f = embedImages(net, testImages).features;
  const dim = f.length / (testImages.length / IMAGE);
  const pix = kNearest(rows(testImages, IMAGE), ref.pixels, 1, { baseNorms: ref.pixelNorms }).distance;
  const feat = kNearest(rows(f, dim), ref.train.features, 1, { baseNorms: ref.train.norms }).distance;
  const p05 = (d: Float32Array) => Float32Array.from(d).sort()[Math.floor(0.05 * d.length)]!;
  return { pixel: p05(pix), feature: p05(feat) };
}

/** The k nearest training images (indices) in feature space of some feature rows; recorded so runs without a cache can find them. */
export function featureNeighbours(features: Float32Array, dim: number, ref: GenerateReference, k: number): number[][] {
  const nn = kNearest(rows(features, dim), ref.train.features, Math.min(k, ref.train.features.n), { baseNorms: ref.train.norms });
  const n = features.length / dim;
  return Array.from({ length: n }, (_, i) => Array.from(nn.index.subarray(i * nn.k, (i + 1) * nn.k), (t) => ref.train.index[t]!));
}
