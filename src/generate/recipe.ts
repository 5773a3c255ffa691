/**
 * A recipe is everything needed to draw one candidate image again, bit for bit: the strategy, its
 * class weights and its seeds. Recipes are what `pegasus.json` and the recorded choice store; the
 * images are always recomputed from them (STYLE.md habit 11: every sample regenerates from its seed).
 *
 * Strategies:
 * - `mix`: one mixture of class embeddings for every layer of the conditional GAN;
 * - `layer-mix`: a mixture per conditional layer (coarse layers decide the body, fine layers the
 *   texture and colour), e.g. horse early and bird late;
 * - `region-mix`: a horse everywhere except in a soft ellipse above its back, where some layers take
 *   a bird/airplane mixture instead (spatially varying conditioning, see `Region`);
 * - `latent-search`: a `mix`/`layer-mix` recipe whose latent z was moved by a random walk that kept
 *   only steps that raised the Pegasus score (see search.ts);
 * - `guided`: a `mix`/`layer-mix`/`latent-search` recipe whose z (and optionally mixture) was moved
 *   by gradient ascent on the classifier's log Pegasus-ness (see guided.ts and `Guidance`);
 * - `diffusion`: composed classifier-free guidance with positive and negative class weights;
 * - `recombine`: a GAN horse with a wing cut from a GAN bird or airplane and pasted on its back
 *   (see recombine.ts and `Placement`).
 */

/** Class name → weight, in the generator's (or denoiser's) class vocabulary. */
export type ClassWeights = Readonly<Record<string, number>>;

export type GanStrategy = 'mix' | 'layer-mix' | 'region-mix' | 'latent-search' | 'guided';
export type Strategy = GanStrategy | 'diffusion' | 'recombine';
export const STRATEGIES: readonly Strategy[] = ['mix', 'layer-mix', 'region-mix', 'latent-search', 'guided', 'recombine', 'diffusion'];

/**
 * A soft elliptical region of the image with mixtures of its own (strategy `region-mix`): the
 * generator's conditional batch norms blend the outside and inside conditions with the mask
 * m(y, x) = exp(−d²), d = ((y + ½ − cy)/ry)² + ((x + ½ − cx)/rx)² (see regionMask in gan.ts and
 * RegionCondition in src/models/cgan/conditionalBatchNorm.ts).
 */
export interface Region {
  /** Centre row and column, in pixels of the generated image (top left is 0, 0). */
  readonly cy: number;
  readonly cx: number;
  /** Half-height and half-width in pixels (the mask is 1/e at the ellipse's edge). */
  readonly ry: number;
  readonly rx: number;
  /** The mixture inside the region per conditional layer, in forward order; null: the layer's outside mixture. */
  readonly layerWeights: readonly (ClassWeights | null)[];
}

/**
 * The random walk of a latent-search recipe: starting from z₀ = N(0, I) of `seed`, each step s adds
 * noise εₛ = N(0, I) of `walk.seeds[s]`:  z ← (z + σ·εₛ)/√(1 + σ²), which keeps z distributed as
 * N(0, I) (the prior the generator was trained on).
 */
export interface LatentWalk {
  readonly sigma: number;
  readonly seeds: readonly number[];
}

export interface GanRecipe {
  readonly strategy: GanStrategy;
  /** Seed of z₀ ~ N(0, I). */
  readonly seed: number;
  /**
   * ψ of the truncation trick (Brock et al. 2019): z₀ and every walk step are drawn from N(0, I)
   * truncated to [−ψ, ψ] (absent: untruncated, as recipes before it was added).
   */
  readonly truncation?: number;
  /** One mixture for every conditional layer (mix), or … */
  readonly weights?: ClassWeights;
  /** … one mixture per conditional layer, in forward order (layer-mix). */
  readonly layerWeights?: readonly ClassWeights[];
  readonly walk?: LatentWalk;
  /** A region with mixtures of its own (region-mix, and the latent-search/guided recipes grown from one). */
  readonly region?: Region;
  /** Classifier guidance applied after the walk (strategy `guided`). */
  readonly guide?: Guidance;
  /**
   * z after the guidance (float32 little-endian, base64), recorded by the search when the mixture
   * stays fixed (`mixLr` 0): a redraw draws this z directly instead of re-running the ~40 steps of
   * optimisation (which `drawGuided` still does from the seed and settings, bit for bit).
   */
  readonly latent?: string;
}

/** z as stored in GanRecipe.latent. */
export function encodeLatent(z: Float32Array): string {
  return Buffer.from(z.buffer, z.byteOffset, z.byteLength).toString('base64');
}

/** The z of GanRecipe.latent; an error when its length is not the generator's zDim. */
export function decodeLatent(s: string, zDim: number): Float32Array {
  const b = Buffer.from(s, 'base64');
  if (b.length !== zDim * 4) throw new Error(`a recorded latent has ${b.length / 4} numbers; this generator's z has ${zDim}`);
  const z = new Float32Array(zDim);
  new Uint8Array(z.buffer).set(b);
  return z;
}

/**
 * The settings of a `guided` recipe: `steps` Adam steps on z (from the recipe's z₀ and walk) that
 * raise log p(body) + log p(wings), averaged over `samples` random flips and ±`shift`-pixel
 * translations per step drawn from Rng(seed) (see guided.ts); with `bodyShare` a ≠ 0.5 the two
 * terms are weighted 2a and 2(1 − a). The image depends on the classifier
 * as well as the generator.
 */
export interface Guidance {
  readonly steps: number;
  /** Adam step size on z. */
  readonly lr: number;
  /** Adam step size on the per-layer mixture logits (0: the mixture stays as recorded). */
  readonly mixLr: number;
  /** Random transformations averaged per step (expectation over transformations). */
  readonly samples: number;
  /** Largest translation in pixels (reflection padding). */
  readonly shift: number;
  /** Random horizontal flips. */
  readonly flip: boolean;
  /** Classifier classes of the body and of the wings. */
  readonly body: readonly string[];
  readonly wings: readonly string[];
  /** The body's share a of score.ts's Pegasus-ness (absent: 0.5, as recipes before it was added). */
  readonly bodyShare?: number;
}

export interface DiffusionRecipe {
  readonly strategy: 'diffusion';
  /** Seed of the image's starting noise (and churn), as in src/diffusion/sample.ts. */
  readonly seed: number;
  /** Guidance weight per class; the weights need not sum to 1 (the ∅ term takes the rest). */
  readonly concept: ClassWeights;
  /** Heun sampler steps. */
  readonly steps: number;
}

/** Where and how the donor's cut-out is pasted onto the horse (see recombine.ts). */
export interface Placement {
  /** `wing`: the donor's object warped into a swept, tapering wing; `object`: the object as it is, scaled. */
  readonly shape: 'wing' | 'object';
  /** Height of the pasted layer in pixels (wing length, or the object's height). */
  readonly size: number;
  /** Root position along the back, from the horse's centre as a share of its width (positive: toward the tail). */
  readonly along: number;
  /** Root height above the top of the horse's mask in pixels (negative: into the body). */
  readonly lift: number;
  /** Tilt of the layer toward the tail in degrees. */
  readonly lean: number;
  /** Mirror the donor left-right. */
  readonly flip: boolean;
  /** Lightening of the pasted layer toward white (0: the donor's colours; Pegasus's wings are white). */
  readonly light: number;
  /** 1, or 2: a second, darker wing behind the first (the far wing). */
  readonly wings: 1 | 2;
  /** Feathered alpha, or Poisson seamless cloning. */
  readonly blend: 'alpha' | 'poisson';
  /**
   * The wing's alpha is its whole outline, filled with the donor's pixels, instead of the outline ×
   * the donor's mask (absent: false, as recipes recorded before it): a ragged donor mask left holes.
   */
  readonly solid?: boolean;
}

export interface RecombineRecipe {
  readonly strategy: 'recombine';
  /** Seed of the horse's latent; the horse is a `mix` draw of `horse`. */
  readonly seed: number;
  readonly horse: ClassWeights;
  /** The wing donor, a `mix` draw too (bird, airplane or both). */
  readonly donor: { readonly seed: number; readonly weights: ClassWeights };
  readonly placement: Placement;
  /** ψ of the truncation trick for both draws (see GanRecipe.truncation). */
  readonly truncation?: number;
}

export type Recipe = GanRecipe | DiffusionRecipe | RecombineRecipe;

export function isRecombine(r: Recipe): r is RecombineRecipe {
  return r.strategy === 'recombine';
}

export function isDiffusion(r: Recipe): r is DiffusionRecipe {
  return r.strategy === 'diffusion';
}

/**
 * The mixture of every conditional layer as weights per class index (the model's class order).
 * A class the model does not know is an error naming the classes it knows.
 *
 * @example layerClassWeights({ strategy: 'mix', seed: 0, weights: { horse: 0.7, bird: 0.3 } }, ['bird', 'horse'], 6)
 */
export function layerClassWeights(r: GanRecipe, classes: readonly string[], layers: number): Float64Array[] {
  const perLayer = r.layerWeights ?? (r.weights !== undefined ? new Array<ClassWeights>(layers).fill(r.weights) : undefined);
  if (perLayer === undefined) throw new Error(`recipe ${describe(r)} has neither weights nor layerWeights`);
  if (perLayer.length !== layers)
    throw new Error(`recipe ${describe(r)} has ${perLayer.length} layer mixtures; this generator has ${layers} conditional layers`);
  return perLayer.map((mix) => toIndexWeights(mix, classes));
}

/**
 * The mixture inside the recipe's region per conditional layer, as weights per class index (a null
 * entry takes the layer's outside mixture); null when the recipe has no region.
 */
export function regionClassWeights(r: GanRecipe, classes: readonly string[], layers: number): Float64Array[] | null {
  if (r.region === undefined) return null;
  const g = r.region;
  if (g.layerWeights.length !== layers)
    throw new Error(`recipe ${describe(r)} has ${g.layerWeights.length} region mixtures; this generator has ${layers} conditional layers`);
  if (!(g.ry > 0 && g.rx > 0)) throw new Error(`recipe ${describe(r)}: the region's radii must be positive`);
  const outside = layerClassWeights(r, classes, layers);
  return g.layerWeights.map((mix, l) => (mix === null ? outside[l]! : toIndexWeights(mix, classes)));
}

export function toIndexWeights(mix: ClassWeights, classes: readonly string[]): Float64Array {
  const w = new Float64Array(classes.length);
  for (const [name, weight] of Object.entries(mix)) {
    const i = classes.indexOf(name);
    if (i < 0) throw new UnknownClassError(name, classes);
    w[i] = weight;
  }
  return w;
}

/** A recipe names a class the model was not trained on (e.g. after the generator was replaced). */
export class UnknownClassError extends Error {
  constructor(
    readonly className: string,
    readonly classes: readonly string[],
  ) {
    super(`the model was not trained on "${className}"; it knows ${classes.join(', ')}`);
  }
}

/** "horse:0.7,bird:0.3" */
export function formatWeights(mix: ClassWeights): string {
  return Object.entries(mix)
    .map(([k, v]) => `${k}:${Number(v.toFixed(3))}`)
    .join(',');
}

/** A short human-readable description of a recipe, e.g. for logs and labels. */
export function describe(r: Recipe): string {
  if (isDiffusion(r)) return `diffusion ${formatWeights(r.concept)} seed ${r.seed}`;
  const psi = !isDiffusion(r) && r.truncation !== undefined ? ` ψ${r.truncation}` : '';
  if (isRecombine(r))
    return `recombine ${formatWeights(r.horse)} seed ${r.seed} + ${r.placement.shape} of ${formatWeights(r.donor.weights)} seed ${r.donor.seed}${psi}`;
  const cond = r.layerWeights !== undefined ? r.layerWeights.map(formatWeights).join(' | ') : formatWeights(r.weights ?? {});
  const walk = r.walk !== undefined ? ` +${r.walk.seeds.length} steps` : '';
  const guide = r.guide !== undefined ? ` +${r.guide.steps} guided steps` : '';
  const g = r.region;
  const region =
    g !== undefined
      ? ` [${g.layerWeights.map((m) => (m === null ? '·' : formatWeights(m))).join(' | ')} in ellipse (${g.cy}, ${g.cx}) ±(${g.ry}, ${g.rx})]`
      : '';
  return `${r.strategy} ${cond}${region} seed ${r.seed}${walk}${guide}${psi}`;
}
