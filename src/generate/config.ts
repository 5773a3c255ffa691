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
  shapes: ['wing'], // the swept wing; pasting the whole donor `object` gave bird-on-horse blobs and no better score (best 0.575 with both vs 0.580 wing only)
  blends: ['alpha'], // feathered edge; Poisson cloning (`poisson`, Pérez et al. 2003) smeared the wing into its surroundings on 32×32
  size: { wing: [8, 16], object: [6, 14] }, // a quarter to a half of the 32-pixel frame
  along: [-0.2, 0.25], // around the middle third of the back, a little toward the withers or the croup
  lift: [-3, 1], // the root sinks into the back by up to 3 px, so the wing grows out of it
  // upright to a little swept back: with [0, 45], wings leaning 30–45° lay over the back like a
  // blanket in the best-scoring collages, the raised ones read as wings; [0, 25] with solid 0.75
  // gave best 0.889 → 0.890 and batch mean 0.785 → 0.792 (8,204 candidates, seed 0), a clearer
  // horse with a raised wing as the best
  lean: [0, 25],
  light: [0, 0.6], // from the donor's own colours to a mostly white wing
  refineShare: 0.5, // refining beat random proposals alone: best 0.575 vs 0.566, 319 vs 232 in the shortlist (2,000 candidates)
  parents: 24, // many horses, so the batch stays varied
  children: 6, // λ of the (1 + λ) evolution strategy
  step: 0.15, // a pixel or two of size and position, a few degrees of lean
  donorSwap: 0.3, // sometimes a better wing, mostly a better fit of the same one
  // 3: draw 3× the parts and keep the judge's best third (horses the segmentation found). Under the
  // whole-image judge it raised the realism of the best 64 recombined candidates (0.81 → 0.90,
  // 0.82 → 0.85; step-13,951 GAN) but not the score, since a clearer horse pulls p(horse) up and
  // p(wings) down; under the parts judge a clear horse is what it asks for: 8,204 candidates
  // (step-20,000 GAN, seed 0) gave best 0.871 → 0.908, batch mean 0.688 → 0.768, 23 → 51
  // recombined images in the batch, visibly more horses with a wing
  elite: 3,
  // solid wings: with half the proposals solid, 37 of the batch's 58 collages and 14 of its best
  // 16 were solid (a ragged donor mask leaves holes that read as noise, not feathers)
  solid: 0.75,
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
  // region-mix (1,500 candidates, with latent search and guidance, GAN step 7,289): best 0.760 and
  // batch mean 0.647 alone, 0.740 / 0.636 beside mix and layer-mix (38 of the 64 grew from it),
  // against 0.744 / 0.621 for mix and layer-mix without it
  // recombine (8,204 candidates, GAN step 10,049): best 0.824 and batch mean 0.702 with it, 0.778 /
  // 0.682 without; its 12 images in the batch are the ones with a wing one can see
  strategies: ['mix', 'layer-mix', 'region-mix', 'latent-search', 'guided', 'recombine', 'diffusion'],
  candidates: 4000, // "thousands": ~1 min of generator + classifier time on 2 cores
  latentShare: 0.3, // refining the best latents beat fresh draws in the first searches (0.64 vs 0.51)
  latentParents: 32, // many lineages, so the batch stays varied after refinement
  latentChildren: 6, // λ of the (1 + λ) evolution strategy
  latentSigma: 0.5, // large enough to change the image, small enough to keep its layout
  weightSigma: 0, // off: jittering the mixture by 0.1 found a worse best (0.509 vs 0.574, 2,000 candidates)
  guidedParents: 64, // 32 put 19 guided images in the batch (mean score 0.533), 64 put 41 (0.613), 2,000 candidates
  guidedSteps: [10, 20, 40], // P still rose from 20 to 40 steps; the batch took all three
  guidedLr: 0.05, // 0.1 gave the same scores (best 0.821, batch 0.623) with less realism (0.836 vs 0.849)
  guidedMixLr: 0, // off: moving the mixture too added nothing over z alone in a probe (P 0.843 vs 0.840)
  guidedSamples: 1, // one random view per step: 2 scored the same (batch 0.613 vs 0.617) at more time per step
  guidedShift: 2, // ±2 px, within the classifier's ±4 px training crops
  recombineShare: 0.3, // as much as latent search
  recombine: defaultRecombineConfig,
  diffusionCandidates: 12, // ~5 s each with composed guidance on a shared CPU
  diffusionSteps: 12, // fewer than EDM's 18: candidates, not final art
  seed: 0,
  // none: with the step-20,000 GAN (8,204 candidates, same seed) ψ 1.5 gave best 0.822 / batch mean
  // 0.699 against 0.865 / 0.688 untruncated, and it costs variety (recall 0.60 → 0.52)
  truncation: null,
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
