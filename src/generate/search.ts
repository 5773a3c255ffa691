/**
 * The candidate search: thousands of GAN candidates (class-embedding mixtures and per-layer
 * mixtures with fresh latents), a latent search that refines the best of them, and a few diffusion
 * candidates, each drawn and given the classifier's cheap pre-score P·R^α (see score.ts).
 *
 * Latent search is a (1 + λ) evolution strategy (Rechenberg 1973; Beyer & Schwefel 2002,
 * "Evolution strategies – A comprehensive introduction"): each parent latent proposes λ children
 * z' = (z + σε)/√(1 + σ²) and is replaced by its best child when that scores higher. It needs no
 * gradients, so it cannot push pixels adversarially against the classifier the way gradient ascent
 * on p(horse)·p(bird) would; every child stays a sample of the generator.
 */
import type { LoadedDiffusionModel } from '../diffusion/checkpoint.js';
import type { ResNet9 } from '../models/classifier/index.js';
import type { LoadedGenerator } from '../sample/sampler.js';
import type { GenerateConfig, SearchConfig } from './config.js';
import { bestPerFamily, keepBestChildren } from './evolve.js';
import { drawDiffusion } from './diffusion.js';
import { conditionalGenerator, drawGan } from './gan.js';
import { guideWithLatents } from './guided.js';
import { drawParts, drawRecombineParts, newPartCache, partKey, partRecipe, recombineSearch, type RankParts } from './recombine.js';
import { CLASS_NAMES } from '../data/index.js';
import { SearchProgress } from './progress.js';
import {
  diffusionConcepts,
  layerMixConditions,
  mixConditions,
  pegasusClasses,
  regionMixConditions,
  withRegionShape,
  type Condition,
} from './proposals.js';
import { Rng } from '../engine/index.js';
import { segmentForeground } from '../image/segment.js';
import {
  encodeLatent,
  type ClassWeights,
  type DiffusionRecipe,
  type GanRecipe,
  type GanStrategy,
  type Guidance,
  type Recipe,
  type RecombineRecipe,
} from './recipe.js';
import type { RealManifold } from './reference.js';
import { firstScores, firstScoresOf, horseFound, preScore, scoreRow, wingParts, type FirstScores, type WingParts } from './score.js';
import { IMAGE_BYTES as IMAGE } from '../data/cifar10Format.js';

const CHUNK = 512;
/** Parents guided between progress updates. */
const GUIDED_CHUNK = 32;

export interface SearchResult {
  readonly recipes: Recipe[];
  readonly images: Float32Array;
  readonly first: FirstScores;
  /** Candidates drawn per strategy. */
  readonly counts: Record<string, number>;
}

/** Collects drawn candidates and their first scores chunk by chunk. */
class CandidatePool {
  readonly recipes: Recipe[] = [];
  readonly pre: number[] = [];
  private readonly chunks: { images: Float32Array; s: FirstScores }[] = [];

  constructor(
    private readonly net: ResNet9,
    private readonly manifold: RealManifold,
    private readonly config: GenerateConfig,
  ) {}

  add(recipes: readonly Recipe[], images: Float32Array, parts?: WingParts): FirstScores {
    const s = firstScores(this.net, images, this.manifold, this.config.score, parts);
    this.recipes.push(...recipes);
    for (let i = 0; i < s.n; i++) this.pre.push(preScore(s, i, this.config.score));
    this.chunks.push({ images, s });
    return s;
  }

  get size(): number {
    return this.recipes.length;
  }

  best(): number {
    return this.pre.reduce((a, b) => Math.max(a, b), 0);
  }

  /** Everything drawn, concatenated. */
  result(counts: Record<string, number>): SearchResult {
    const cat = (pick: (c: { images: Float32Array; s: FirstScores }) => Float32Array) => {
      const parts = this.chunks.map(pick);
      const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    };
    const dim = this.chunks[0]?.s.dim ?? 0;
    const first = firstScoresOf(this.size, dim, (key) => cat((c) => c.s[key]));
    return { recipes: this.recipes, images: cat((c) => c.images), first, counts };
  }
}

/** What every stage of a search shares. */
interface SearchContext {
  readonly g: LoadedGenerator;
  readonly net: ResNet9;
  readonly manifold: RealManifold;
  readonly config: GenerateConfig;
  readonly body: string;
  readonly wings: readonly string[];
  /** The next candidate seed (seeds are handed out in order, stage after stage). */
  readonly seed: () => number;
  /** The truncation every GAN draw shares (empty: untruncated). */
  readonly psi: { readonly truncation?: number };
  readonly pool: CandidatePool;
  readonly counts: Record<string, number>;
  /** Reports progress after a chunk. */
  readonly tick: (stage: string) => void;
}

/** How many candidates each stage draws. */
interface Budget {
  readonly bases: GanStrategy[];
  readonly baseTotal: number;
  /** Only parents for latent search or guidance: the base candidates are dropped at the end. */
  readonly parentsOnly: boolean;
  readonly latentParents: number;
  readonly latentRounds: number;
  readonly guided: number;
  readonly guidedSteps: number[];
  readonly recombine: number;
  readonly diffusion: number;
  readonly total: number;
}

function searchBudget(sc: SearchConfig, withDenoiser: boolean): Budget {
  const on = (s: string) => sc.strategies.includes(s as never);
  const latent = on('latent-search') ? Math.round(sc.candidates * sc.latentShare) : 0;
  const latentParents = latent > 0 ? Math.max(1, Math.min(sc.latentParents, Math.floor(latent / sc.latentChildren))) : 0;
  const latentRounds = latent > 0 ? Math.max(1, Math.floor(latent / (latentParents * sc.latentChildren))) : 0;
  const guided = on('guided') ? Math.min(sc.guidedParents, Math.ceil(sc.candidates / 32)) : 0; // a guided parent costs ~30–60 draws
  const guidedSteps = [...new Set(sc.guidedSteps)].sort((a, b) => a - b);
  const baseStrategies: GanStrategy[] = (['mix', 'layer-mix', 'region-mix'] as const).filter((s) => on(s));
  const alone = baseStrategies.length === 0 && latent === 0 && guided === 0;
  const recombine = !on('recombine') ? 0 : alone ? sc.candidates : Math.round(sc.candidates * sc.recombineShare);
  // latent search or guidance alone still needs parents: they come from `mix` and are not kept as candidates
  const parentsOnly = baseStrategies.length === 0 && (latent > 0 || guided > 0);
  const bases: GanStrategy[] = parentsOnly ? ['mix'] : baseStrategies;
  const latentDraws = latentRounds * latentParents * sc.latentChildren;
  const baseTotal = bases.length === 0 ? 0 : Math.max(latentParents, guided, sc.candidates - latentDraws - recombine);
  const diffusion = withDenoiser && on('diffusion') ? sc.diffusionCandidates : 0;
  const total = baseTotal + latentDraws + guided * guidedSteps.length + recombine + diffusion;
  return { bases, baseTotal, parentsOnly, latentParents, latentRounds, guided, guidedSteps, recombine, diffusion, total };
}

/**
 * Runs the search. `diffusion` may be null (no denoiser, or the strategy is off).
 * @example const r = runSearch(g, null, net, ref.manifold, defaultGenerateConfig);
 */
export function runSearch(
  g: LoadedGenerator,
  diffusion: LoadedDiffusionModel | null,
  net: ResNet9,
  manifold: RealManifold,
  config: GenerateConfig,
): SearchResult {
  const sc = config.search;
  const { body, wings } = pegasusClasses(g.config.train.classes, config.score.body, config.score.wings);
  let nextSeed = sc.seed * 1_000_000;
  const budget = searchBudget(sc, diffusion !== null);
  const pool = new CandidatePool(net, manifold, config);
  const progress = new SearchProgress(budget.total);
  const ctx: SearchContext = {
    g,
    net,
    manifold,
    config,
    body,
    wings,
    seed: () => nextSeed++,
    // every GAN draw is truncated alike; latent-search and guided recipes inherit it from their parents
    psi: sc.truncation !== null ? { truncation: sc.truncation } : {},
    pool,
    counts: {},
    tick: (stage) => progress.update(pool.size, stage, pool.best()),
  };
  try {
    drawBases(ctx, budget);
    if (budget.latentRounds > 0) latentSearch(ctx, budget);
    if (budget.guided > 0 && budget.guidedSteps.length > 0) guidedStage(ctx, budget);
    // after the GAN stages, whose parents must be GAN recipes
    if (budget.recombine > 0) recombineStage(ctx, budget.recombine);
    if (budget.diffusion > 0) diffusionStage(ctx, diffusion!, budget.diffusion);
  } finally {
    progress.stop();
  }
  const all = pool.result(ctx.counts);
  return budget.parentsOnly ? dropStrategy(all, 'mix') : all;
}

/** 1. mix, layer-mix and region-mix: conditions in turn, a fresh latent for each candidate. */
function drawBases(ctx: SearchContext, budget: Budget): void {
  const { body, wings, psi } = ctx;
  const layers = conditionalGenerator(ctx.g).numConditionalLayers;
  const recipes: GanRecipe[] = [];
  budget.bases.forEach((strategy, b) => {
    const conds: Condition[] =
      strategy === 'mix'
        ? mixConditions(body, wings)
        : strategy === 'layer-mix'
          ? layerMixConditions(body, wings, layers)
          : regionMixConditions(body, wings, layers);
    const n = Math.floor(budget.baseTotal / budget.bases.length) + (b < budget.baseTotal % budget.bases.length ? 1 : 0);
    for (let i = 0; i < n; i++) {
      const s = ctx.seed();
      recipes.push({ strategy, seed: s, ...withRegionShape(conds[i % conds.length]!, s), ...psi });
    }
    ctx.counts[strategy] = n;
  });
  for (let s = 0; s < recipes.length; s += CHUNK) {
    const part = recipes.slice(s, s + CHUNK);
    ctx.pool.add(part, drawGan(ctx.g, part));
    ctx.tick(part[0]!.strategy);
  }
}

/** 2. latent search from the best base candidates: each parent walks on while a child beats it. */
function latentSearch(ctx: SearchContext, budget: Budget): void {
  const sc = ctx.config.search;
  const { pool } = ctx;
  // the best base candidates (each has its own starting latent)
  const parents = bestPerFamily(pool.recipes as GanRecipe[], pool.pre, budget.latentParents, (r) => r.seed);
  ctx.counts['latent-search'] = 0;
  for (let r = 0; r < budget.latentRounds; r++) {
    const children: GanRecipe[] = [];
    for (const p of parents) {
      const walk = p.recipe.walk?.seeds ?? [];
      for (let c = 0; c < sc.latentChildren; c++) {
        const s = ctx.seed();
        const child: GanRecipe = { ...p.recipe, strategy: 'latent-search', walk: { sigma: sc.latentSigma, seeds: [...walk, s] } };
        children.push(sc.weightSigma > 0 ? jitterWeights(child, sc.weightSigma, s) : child);
      }
    }
    const first = pool.size;
    pool.add(children, drawGan(ctx.g, children));
    ctx.counts['latent-search'] += children.length;
    keepBestChildren(parents, children, pool.pre.slice(first), sc.latentChildren);
    ctx.tick(`latent-search round ${r + 1}/${budget.latentRounds}`);
  }
}

/** 3. classifier guidance from the best distinct GAN candidates so far (see guided.ts). */
function guidedStage(ctx: SearchContext, budget: Budget): void {
  const sc = ctx.config.search;
  const score = ctx.config.score;
  const guide: Guidance = {
    steps: 0,
    lr: sc.guidedLr,
    mixLr: sc.guidedMixLr,
    samples: sc.guidedSamples,
    shift: sc.guidedShift,
    flip: true,
    body: score.body,
    wings: score.wings,
    ...(score.bodyShare !== 0.5 && { bodyShare: score.bodyShare }),
  };
  // one parent per starting latent (lineage), GAN recipes only
  const isGan = (r: GanRecipe) => r.weights !== undefined || r.layerWeights !== undefined;
  const parents = bestPerFamily(ctx.pool.recipes as GanRecipe[], ctx.pool.pre, budget.guided, (r) => r.seed, isGan).map((p) => p.recipe);
  ctx.counts['guided'] = 0;
  const zDim = conditionalGenerator(ctx.g).config.generator.zDim;
  for (let s = 0; s < parents.length; s += GUIDED_CHUNK) {
    const part = parents.slice(s, s + GUIDED_CHUNK);
    const { images, latents } = guideWithLatents(ctx.g, ctx.net, part, guide, budget.guidedSteps);
    // the z reached is recorded when the mixture stayed fixed, so a redraw needs no optimisation
    const latent = (k: number, i: number) =>
      guide.mixLr === 0 ? { latent: encodeLatent(latents[k]!.subarray(i * zDim, (i + 1) * zDim)) } : {};
    budget.guidedSteps.forEach((steps, k) => {
      ctx.pool.add(
        part.map((p, i) => ({ ...p, strategy: 'guided', guide: { ...guide, steps }, ...latent(k, i) })),
        images[k]!,
      );
      ctx.counts['guided']! += part.length;
    });
    ctx.tick(`guided ${Math.min(s + GUIDED_CHUNK, parents.length)}/${parents.length}`);
  }
}

/** 4. recombine: a GAN horse with a wing cut from a GAN bird or airplane (see recombine.ts). */
function recombineStage(ctx: SearchContext, n: number): void {
  const { g, net, manifold, config, pool, psi } = ctx;
  // each horse and donor is drawn and classified once, however many collages use it
  const cache = newPartCache();
  // horses and donors are judged as what they should show: p(class) · R^α
  const rankParts: RankParts = (parts, cls) => {
    const c = CLASS_NAMES.indexOf(cls as (typeof CLASS_NAMES)[number]);
    const q: number[] = [];
    for (let s = 0; s < parts.length; s += CHUNK) {
      const part = parts.slice(s, s + CHUNK).map((p) => partRecipe(p.seed, p.weights, psi.truncation));
      const drawn = drawParts(g, part, cache);
      const f = firstScores(net, drawn, manifold, config.score);
      part.forEach((r, i) => cache.probs.set(partKey(r), scoreRow(f, i).probs.slice()));
      // with the parts judge, a horse must also be found by the segmentation (its back is where the wing goes)
      const found = (i: number) =>
        cls !== ctx.body ||
        config.score.parts === null ||
        horseFound(segmentForeground(drawn.subarray(i * IMAGE, (i + 1) * IMAGE), 3, 32, 32).data, config.score.parts.horseArea);
      for (let i = 0; i < f.n; i++) {
        const row = scoreRow(f, i);
        q.push(found(i) ? row.probs[c]! * Math.min(1, row.realismScore) ** config.score.realismPower : 0);
      }
      ctx.tick('recombine parts');
    }
    return q;
  };
  const drawAndScore = (part: RecombineRecipe[]) => {
    const first = pool.size;
    const d = drawRecombineParts(g, part, cache);
    const parts = config.score.parts === null ? undefined : wingParts(net, d, config.score.wings, config.score.parts.horseArea, cache);
    pool.add(part, d.images, parts);
    ctx.tick('recombine');
    return pool.pre.slice(first);
  };
  ctx.counts['recombine'] = recombineSearch({
    n,
    body: ctx.body,
    wings: ctx.wings,
    config: config.search.recombine,
    seed: ctx.seed,
    rng: new Rng(config.search.seed ^ 0x7ec0),
    evaluate: drawAndScore,
    chunk: CHUNK,
    parts: { rank: rankParts, ...psi },
  });
}

/** 5. diffusion: composed guidance, a few candidates. */
function diffusionStage(ctx: SearchContext, diffusion: LoadedDiffusionModel, n: number): void {
  const classes = diffusion.config.train.classes;
  const concepts = diffusionConcepts(
    classes,
    ctx.body,
    ctx.wings.filter((w) => classes.includes(w)),
  );
  const dr: DiffusionRecipe[] = Array.from({ length: n }, (_, i) => ({
    strategy: 'diffusion',
    seed: ctx.seed(),
    concept: concepts[i % concepts.length]!,
    steps: ctx.config.search.diffusionSteps,
  }));
  ctx.tick('diffusion');
  ctx.pool.add(
    dr,
    drawDiffusion(diffusion, dr, () => ctx.tick('diffusion')),
  );
  ctx.counts['diffusion'] = dr.length;
  ctx.tick('diffusion');
}

/**
 * The recipe with its class weights moved by N(0, σ²) noise from Rng(seed) (clipped at 0, rounded to
 * 3 decimals, so the recorded weights are exactly the ones drawn): the latent search then explores
 * the mixture together with z.
 */
export function jitterWeights(r: GanRecipe, sigma: number, seed: number): GanRecipe {
  const rng = new Rng(seed ^ 0x5eed);
  const jitter = (mix: ClassWeights): ClassWeights =>
    Object.fromEntries(Object.entries(mix).map(([c, w]) => [c, Math.max(0, Math.round((w + sigma * rng.normal()) * 1000) / 1000)]));
  if (r.layerWeights !== undefined) {
    // one jitter per distinct mixture, so layers that shared a mixture still share it
    const seen = new Map<ClassWeights, ClassWeights>();
    return { ...r, layerWeights: r.layerWeights.map((m) => seen.get(m) ?? seen.set(m, jitter(m)).get(m)!) };
  }
  return { ...r, weights: jitter(r.weights ?? {}) };
}

/** The result without the candidates of one strategy (the parents of a latent-search-only run). */
function dropStrategy(r: SearchResult, strategy: string): SearchResult {
  const keep = r.recipes.flatMap((rc, i) => (rc.strategy === strategy ? [] : [i]));
  const pick = (x: Float32Array, w: number) => {
    const out = new Float32Array(keep.length * w);
    keep.forEach((i, j) => out.set(x.subarray(i * w, (i + 1) * w), j * w));
    return out;
  };
  const f = r.first;
  const { [strategy]: _dropped, ...counts } = r.counts;
  return {
    recipes: keep.map((i) => r.recipes[i]!),
    images: pick(r.images, IMAGE),
    first: firstScoresOf(keep.length, f.dim, (key) => pick(f[key], f[key].length / Math.max(1, f.n))),
    counts,
  };
}
