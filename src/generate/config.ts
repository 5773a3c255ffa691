/**
 * The settings of `pegasus generate`: one typed, read-only object with a comment on every default
 * (STYLE.md habit 6). The CLI overrides a few; the resolved object is written into pegasus.json.
 */
import { defaultScoreConfig, type ScoreConfig } from './score.js';
import type { Placement, Strategy } from './recipe.js';

/** How `recombine` candidates are proposed (see recombine.ts); each placement number is uniform in its range. */
export interface RecombineConfig {
  /** Horse weight of the horse's mixture; the rest goes to the wing classes evenly (1: a plain horse). */
  readonly horseWeights: readonly number[];
  /** Candidates per horse draw (and per donor draw, on average): compositing is cheaper than drawing. */
  readonly reuse: number;
  readonly shapes: readonly Placement['shape'][];
  readonly blends: readonly Placement['blend'][];
  /** Layer height in pixels, per shape. */
  readonly size: Readonly<Record<Placement['shape'], readonly [number, number]>>;
  readonly along: readonly [number, number];
  readonly lift: readonly [number, number];
  readonly lean: readonly [number, number];
  readonly light: readonly [number, number];
  /** Share of the recombine candidates that refine the best ones (the rest are random proposals). */
  readonly refineShare: number;
  /** Parents refined (best pre-scores, one per horse). */
  readonly parents: number;
  /** Children per parent per round. */
  readonly children: number;
  /** Step of the placement jitter, as a share of each range. */
  readonly step: number;
  /** Probability that a child takes a new donor of the same class. */
  readonly donorSwap: number;
  /** Share of proposals whose wing is its solid outline filled with donor pixels (Placement.solid). */
  readonly solid: number;
  /** Horses and donors drawn per one used: the best of every `elite` by the judge (1: all used). */
  readonly elite: number;
}

export const defaultRecombineConfig: RecombineConfig = {
  horseWeights: [1, 0.9], // a horse the classifier believes in; 0.9 lets a little wing texture in
  reuse: 4, // 4 placements per horse: a quarter of a generator call per candidate
  shapes: ['wing'], // the swept wing; the whole donor `object` gave bird-on-horse blobs
  blends: ['alpha'], // feathered edge; Poisson cloning (`poisson`, Pérez et al. 2003) smeared the wing into its surroundings on 32×32
  size: { wing: [8, 16], object: [6, 14] }, // a quarter to a half of the 32-pixel frame
  along: [-0.2, 0.25], // around the middle third of the back, a little toward the withers or the croup
  lift: [-3, 1], // the root sinks into the back by up to 3 px, so the wing grows out of it
  lean: [0, 25], // upright to a little swept back: wings leaning further lay over the back like a blanket
  light: [0, 0.6], // from the donor's own colours to a mostly white wing
  refineShare: 0.5, // refining beats random proposals alone
  parents: 24, // many horses, so the batch stays varied
  children: 6, // λ of the (1 + λ) evolution strategy
  step: 0.15, // a pixel or two of size and position, a few degrees of lean
  donorSwap: 0.3, // sometimes a better wing, mostly a better fit of the same one
  elite: 3, // draw 3× the parts and keep the judge's best third: clearer horses to put wings on
  solid: 0.75, // mostly solid wings: a ragged donor mask leaves holes that read as noise, not feathers
};

export interface SearchConfig {
  /** Strategies tried by the search. */
  readonly strategies: readonly Strategy[];
  /** GAN candidates in total (mix, layer-mix and latent-search together). */
  readonly candidates: number;
  /** Share of the GAN candidates spent on latent search (the rest is split between mix and layer-mix). */
  readonly latentShare: number;
  /** Parents refined by latent search (the best distinct mix/layer-mix candidates). */
  readonly latentParents: number;
  /** Children per parent per round of latent search. */
  readonly latentChildren: number;
  /** Step size σ of the latent walk. */
  readonly latentSigma: number;
  /** Standard deviation of the class-weight jitter of each latent-search child (0: z only). */
  readonly weightSigma: number;
  /** Candidates refined by classifier guidance (the best distinct ones found before it), at most one per 32 candidates. */
  readonly guidedParents: number;
  /** Guidance steps after which a candidate is taken (one run to the largest; each is a recipe). */
  readonly guidedSteps: readonly number[];
  /** Adam step size on z. */
  readonly guidedLr: number;
  /** Adam step size on the mixture logits (0: the mixture stays). */
  readonly guidedMixLr: number;
  /** Random flips/translations averaged per step (expectation over transformations). */
  readonly guidedSamples: number;
  /** Largest translation of those transformations, in pixels. */
  readonly guidedShift: number;
  /** Share of the candidates spent on recombine (taken from mix and layer-mix; all of them when no other GAN strategy is on). */
  readonly recombineShare: number;
  readonly recombine: RecombineConfig;
  /** Diffusion candidates (slow on CPU: seconds each). */
  readonly diffusionCandidates: number;
  /** Heun steps of each diffusion candidate. */
  readonly diffusionSteps: number;
  /** Seed of the search: candidate i of a search with seed s has seed s·1,000,000 + i. */
  readonly seed: number;
  /** ψ of the truncation trick for every GAN draw (Brock et al. 2019); null: untruncated. */
  readonly truncation: number | null;
}

export interface GenerateConfig {
  readonly search: SearchConfig;
  readonly score: ScoreConfig;
  /** Images in the batch (64: an 8×8 grid). */
  readonly batchSize: number;
  /** Candidates given the full (nearest-neighbour) score, best pre-scores first. */
  readonly shortlist: number;
  /** Best fully scored candidates among which the diverse batch is chosen. */
  readonly pool: number;
  /**
   * Most images in the shortlist and the batch that share a starting latent (one latent search's
   * steps, or one horse under many wing placements), while there are other candidates.
   */
  readonly maxPerLineage: number;
  /** Training images in the realism manifold. */
  readonly manifoldSize: number;
  /** k of the manifold's k-NN radii. */
  readonly manifoldK: number;
  /** Feature-space neighbours recorded per chosen image (so runs without a feature cache stay exact). */
  readonly recordedNeighbours: number;
  /** Real test images used to set the uniqueness thresholds τ. */
  readonly thresholdQueries: number;
}

export const defaultSearchConfig: SearchConfig = {
  // every strategy: each adds images to the batch that the others do not find
  strategies: ['mix', 'layer-mix', 'region-mix', 'latent-search', 'guided', 'recombine', 'diffusion'],
  candidates: 4000, // "thousands": ~1 min of generator + classifier time on 2 cores
  latentShare: 0.3, // refining the best latents beats fresh draws
  latentParents: 32, // many lineages, so the batch stays varied after refinement
  latentChildren: 6, // λ of the (1 + λ) evolution strategy
  latentSigma: 0.5, // large enough to change the image, small enough to keep its layout
  weightSigma: 0, // off: jittering the mixture found a worse best
  guidedParents: 64, // more guided parents, more guided images in a better batch
  guidedSteps: [10, 20, 40], // P still rose from 20 to 40 steps; the batch took all three
  guidedLr: 0.05, // a larger step gave the same scores with less realism
  guidedMixLr: 0, // off: moving the mixture too added nothing over z alone
  guidedSamples: 1, // one random view per step: two scored the same at twice the time
  guidedShift: 2, // ±2 px, within the classifier's ±4 px training crops
  recombineShare: 0.3, // as much as latent search
  recombine: defaultRecombineConfig,
  diffusionCandidates: 12, // ~5 s each with composed guidance on a shared CPU
  diffusionSteps: 12, // fewer than EDM's 18: candidates, not final art
  seed: 0,
  truncation: null, // none: truncation gave a worse best and costs variety
};

export const defaultGenerateConfig: GenerateConfig = {
  search: defaultSearchConfig,
  score: defaultScoreConfig,
  batchSize: 64, // 8×8
  shortlist: 768, // pixel NN of 768 × 50,000 is a few seconds
  pool: 256, // the batch is a quarter of the pool: good, and still room for variety
  maxPerLineage: 3, // a first search put 12 steps of one walk in the batch: varied features, one look
  manifoldSize: 2000, // 1,000 balls kept after pruning; embedding 2,000 images takes ~5 s without a cache
  manifoldK: 3, // Kynkäänniemi et al. 2019
  recordedNeighbours: 8,
  thresholdQueries: 256,
};
