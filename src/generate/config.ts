/**
 * The settings of `pegasus generate`: one typed, read-only object with a comment on every default
 * (STYLE.md habit 6). The CLI overrides a few; the resolved object is written into pegasus.json.
 */
import { defaultScoreConfig, type ScoreConfig } from './score.js';
import type { Strategy } from './recipe.js';

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
  /** Candidates refined by classifier guidance (the best distinct candidates found before it). */
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
  /** Diffusion candidates (slow on CPU: seconds each). */
  readonly diffusionCandidates: number;
  /** Heun steps of each diffusion candidate. */
  readonly diffusionSteps: number;
  /** Seed of the search: candidate i of a search with seed s has seed s·1,000,000 + i. */
  readonly seed: number;
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
  /** Most images in the batch that share a starting latent (one latent search's steps). */
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
  strategies: ['mix', 'layer-mix', 'latent-search', 'diffusion'],
  candidates: 4000, // "thousands": ~1 min of generator + classifier time on 2 cores
  latentShare: 0.3, // refining the best latents beat fresh draws in the first searches (0.64 vs 0.51)
  latentParents: 32, // many lineages, so the batch stays varied after refinement
  latentChildren: 6, // λ of the (1 + λ) evolution strategy
  latentSigma: 0.5, // large enough to change the image, small enough to keep its layout
  weightSigma: 0, // off: jittering the mixture by 0.1 found a worse best (0.509 vs 0.574, 2,000 candidates)
  guidedParents: 32, // like latentParents: many lineages
  guidedSteps: [10, 20, 40], // early steps keep the look of the parent, late ones push the classifier harder
  guidedLr: 0.05, // Adam's steps are ≈ lr per coordinate: 40 steps move z by ≈ 2/√d of its radius per coordinate at most
  guidedMixLr: 0, // off by default
  guidedSamples: 2, // transformations per step
  guidedShift: 2, // ±2 px, within the classifier's ±4 px training crops
  diffusionCandidates: 12, // ~5 s each with composed guidance on a shared CPU
  diffusionSteps: 12, // fewer than EDM's 18: candidates, not final art
  seed: 0,
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
