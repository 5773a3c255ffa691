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
import type { GenerateConfig } from './config.js';
import { drawDiffusion } from './diffusion.js';
import { conditionalGenerator, drawGan } from './gan.js';
import { guideWithLatents } from './guided.js';
import { drawParts, drawRecombineParts, newPartCache, partKey, partRecipe, recombineSearch, type RankParts } from './recombine.js';
import { CLASS_NAMES } from '../data/index.js';
import { SearchProgress } from './progress.js';
import { diffusionConcepts, layerMixConditions, mixConditions, pegasusClasses, regionMixConditions, withRegionShape, type Condition } from './proposals.js';
import { Rng } from '../engine/index.js';
import { segmentForeground } from '../image/segment.js';
import { encodeLatent, type ClassWeights, type DiffusionRecipe, type GanRecipe, type GanStrategy, type Guidance, type Recipe } from './recipe.js';
import type { RealManifold } from './reference.js';
import { firstScores, horseFound, preScore, wingParts, type FirstScores, type WingParts } from './score.js';

const IMAGE = 3072;
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
    const first: FirstScores = {
      n: this.size,
      dim,
      features: cat((c) => c.s.features),
      probs: cat((c) => c.s.probs),
      pBody: cat((c) => c.s.pBody),
      pWings: cat((c) => c.s.pWings),
      pegasus: cat((c) => c.s.pegasus),
      realismScore: cat((c) => c.s.realismScore),
      partsPegasus: cat((c) => c.s.partsPegasus),
      pDonor: cat((c) => c.s.pDonor),
      wingVisibility: cat((c) => c.s.wingVisibility),
    };
    return { recipes: this.recipes, images: cat((c) => c.images), first, counts };
  }
}

/**
 * Runs the search. `diffusion` may be null (no denoiser, or the strategy is off).
 * @example const r = runSearch(g, null, net, ref.manifold, defaultGenerateConfig);
 */
export function runSearch(g: LoadedGenerator, diffusion: LoadedDiffusionModel | null, net: ResNet9, manifold: RealManifold, config: GenerateConfig): SearchResult {
  const sc = config.search;
  const gen = conditionalGenerator(g);
  const classes = g.config.train.classes;
  const { body, wings } = pegasusClasses(classes, config.score.body, config.score.wings);
  const on = (s: string) => sc.strategies.includes(s as never);
  let nextSeed = sc.seed * 1_000_000;
  const seed = () => nextSeed++;
  // every GAN draw is truncated alike; latent-search and guided recipes inherit it from their parents
  const psi = sc.truncation !== null ? { truncation: sc.truncation } : {};

  // budgets
  const latent = on('latent-search') ? Math.round(sc.candidates * sc.latentShare) : 0;
  const parentsN = latent > 0 ? Math.max(1, Math.min(sc.latentParents, Math.floor(latent / sc.latentChildren))) : 0;
  const rounds = latent > 0 ? Math.max(1, Math.floor(latent / (parentsN * sc.latentChildren))) : 0;
  const guidedN = on('guided') ? Math.min(sc.guidedParents, Math.ceil(sc.candidates / 32)) : 0; // a guided parent costs ~30–60 draws
  const guidedSteps = [...new Set(sc.guidedSteps)].sort((a, b) => a - b);
  const baseStrategies: GanStrategy[] = (['mix', 'layer-mix', 'region-mix'] as const).filter((s) => on(s));
  const recombineN = !on('recombine') ? 0 : baseStrategies.length === 0 && latent === 0 && guidedN === 0 ? sc.candidates : Math.round(sc.candidates * sc.recombineShare);
  // latent search or guidance alone still needs parents: they come from `mix` and are not kept as candidates
  const parentsOnly = baseStrategies.length === 0 && (latent > 0 || guidedN > 0);
  const bases: GanStrategy[] = parentsOnly ? ['mix'] : baseStrategies;
  const baseTotal = bases.length === 0 ? 0 : Math.max(parentsN, guidedN, sc.candidates - rounds * parentsN * sc.latentChildren - recombineN);
  const useDiffusion = diffusion !== null && on('diffusion') && sc.diffusionCandidates > 0;
  const total = baseTotal + rounds * parentsN * sc.latentChildren + guidedN * guidedSteps.length + recombineN + (useDiffusion ? sc.diffusionCandidates : 0);

  const pool = new CandidatePool(net, manifold, config);
  const counts: Record<string, number> = {};
  const progress = new SearchProgress(total);
  const tick = (stage: string) => progress.update(pool.size, stage, pool.best());
  try {
    // 1. mix, layer-mix and region-mix: conditions in turn, a fresh latent for each candidate
    const recipes: GanRecipe[] = [];
    const layers = gen.numConditionalLayers;
    bases.forEach((strategy, b) => {
      const conds: Condition[] =
        strategy === 'mix' ? mixConditions(body, wings) : strategy === 'layer-mix' ? layerMixConditions(body, wings, layers) : regionMixConditions(body, wings, layers);
      const n = Math.floor(baseTotal / bases.length) + (b < baseTotal % bases.length ? 1 : 0);
      for (let i = 0; i < n; i++) {
        const s = seed();
        recipes.push({ strategy, seed: s, ...withRegionShape(conds[i % conds.length]!, s), ...psi });
      }
      counts[strategy] = n;
    });
    for (let s = 0; s < recipes.length; s += CHUNK) {
      const part = recipes.slice(s, s + CHUNK);
      pool.add(part, drawGan(g, part));
      tick(part[0]!.strategy);
    }

    // 2. latent search from the best base candidates
    if (rounds > 0) {
      const order = pool.pre.map((p, i) => [p, i] as const).sort((a, b) => b[0] - a[0]);
      const parents = order.slice(0, parentsN).map(([p, i]) => ({ recipe: pool.recipes[i] as GanRecipe, pre: p }));
      counts['latent-search'] = 0;
      for (let r = 0; r < rounds; r++) {
        const children: GanRecipe[] = [];
        for (const p of parents) {
          const walk = p.recipe.walk?.seeds ?? [];
          for (let c = 0; c < sc.latentChildren; c++) {
            const s = seed();
            const child: GanRecipe = { ...p.recipe, strategy: 'latent-search', walk: { sigma: sc.latentSigma, seeds: [...walk, s] } };
            children.push(sc.weightSigma > 0 ? jitterWeights(child, sc.weightSigma, s) : child);
          }
        }
        const first = pool.size;
        pool.add(children, drawGan(g, children));
        counts['latent-search'] += children.length;
        parents.forEach((p, pi) => {
          for (let c = 0; c < sc.latentChildren; c++) {
            const i = first + pi * sc.latentChildren + c;
            if (pool.pre[i]! > p.pre) {
              p.pre = pool.pre[i]!;
              p.recipe = pool.recipes[i] as GanRecipe;
            }
          }
        });
        tick(`latent-search round ${r + 1}/${rounds}`);
      }
    }

    // 3. classifier guidance from the best distinct GAN candidates so far (see guided.ts)
    if (guidedN > 0 && guidedSteps.length > 0) {
      const guide: Guidance = { steps: 0, lr: sc.guidedLr, mixLr: sc.guidedMixLr, samples: sc.guidedSamples, shift: sc.guidedShift, flip: true, body: config.score.body, wings: config.score.wings, ...(config.score.bodyShare !== 0.5 && { bodyShare: config.score.bodyShare }) };
      const parents: GanRecipe[] = [];
      const seen = new Set<number>(); // one parent per starting latent (lineage)
      for (const [, i] of pool.pre.map((p, i) => [p, i] as const).sort((a, b) => b[0] - a[0])) {
        const r = pool.recipes[i] as GanRecipe;
        if ((r.weights === undefined && r.layerWeights === undefined) || seen.has(r.seed)) continue; // GAN recipes only
        seen.add(r.seed);
        parents.push(r);
        if (parents.length === guidedN) break;
      }
      counts['guided'] = 0;
      const zDim = gen.config.generator.zDim;
      for (let s = 0; s < parents.length; s += GUIDED_CHUNK) {
        const part = parents.slice(s, s + GUIDED_CHUNK);
        const { images, latents } = guideWithLatents(g, net, part, guide, guidedSteps);
        // the z reached is recorded when the mixture stayed fixed, so a redraw needs no optimisation
        const latent = (k: number, i: number) => (guide.mixLr === 0 ? { latent: encodeLatent(latents[k]!.subarray(i * zDim, (i + 1) * zDim)) } : {});
        guidedSteps.forEach((steps, k) => {
          pool.add(part.map((p, i) => ({ ...p, strategy: 'guided', guide: { ...guide, steps }, ...latent(k, i) })), images[k]!);
          counts['guided']! += part.length;
        });
        tick(`guided ${Math.min(s + GUIDED_CHUNK, parents.length)}/${parents.length}`);
      }
    }

    // 4. recombine: a GAN horse with a wing cut from a GAN bird or airplane (see recombine.ts);
    // after the GAN stages, whose parents must be GAN recipes
    if (recombineN > 0) {
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
          const k = f.probs.length / f.n;
          part.forEach((r, i) => cache.probs.set(partKey(r), f.probs.slice(i * k, (i + 1) * k)));
          // with the parts judge, a horse must also be found by the segmentation (its back is where the wing goes)
          const found = (i: number) => cls !== body || config.score.parts === null || horseFound(segmentForeground(drawn.subarray(i * IMAGE, (i + 1) * IMAGE), 3, 32, 32).data, config.score.parts.horseArea);
          for (let i = 0; i < f.n; i++) q.push(found(i) ? f.probs[i * k + c]! * Math.min(1, f.realismScore[i]!) ** config.score.realismPower : 0);
          tick('recombine parts');
        }
        return q;
      };
      counts['recombine'] = recombineSearch(
        recombineN,
        body,
        wings,
        sc.recombine,
        seed,
        new Rng(sc.seed ^ 0x7ec0),
        (part) => {
          const first = pool.size;
          const d = drawRecombineParts(g, part, cache);
          pool.add(part, d.images, config.score.parts === null ? undefined : wingParts(net, d, config.score.wings, config.score.parts.horseArea, cache));
          tick('recombine');
          return pool.pre.slice(first);
        },
        CHUNK,
        { rank: rankParts, ...psi },
      );
    }

    // 5. diffusion: composed guidance, a few candidates
    if (useDiffusion) {
      const concepts = diffusionConcepts(diffusion.config.train.classes, body, wings.filter((w) => diffusion.config.train.classes.includes(w)));
      const dr: DiffusionRecipe[] = Array.from({ length: sc.diffusionCandidates }, (_, i) => ({
        strategy: 'diffusion',
        seed: seed(),
        concept: concepts[i % concepts.length]!,
        steps: sc.diffusionSteps,
      }));
      tick('diffusion');
      pool.add(dr, drawDiffusion(diffusion, dr, () => tick('diffusion')));
      counts['diffusion'] = dr.length;
      tick('diffusion');
    }
  } finally {
    progress.stop();
  }
  const all = pool.result(counts);
  return parentsOnly ? dropStrategy(all, 'mix') : all;
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
  const k = f.probs.length / Math.max(1, f.n);
  const { [strategy]: _dropped, ...counts } = r.counts;
  return {
    recipes: keep.map((i) => r.recipes[i]!),
    images: pick(r.images, IMAGE),
    first: {
      n: keep.length,
      dim: f.dim,
      features: pick(f.features, f.dim),
      probs: pick(f.probs, k),
      pBody: pick(f.pBody, 1),
      pWings: pick(f.pWings, 1),
      pegasus: pick(f.pegasus, 1),
      realismScore: pick(f.realismScore, 1),
      partsPegasus: pick(f.partsPegasus, 1),
      pDonor: pick(f.pDonor, 1),
      wingVisibility: pick(f.wingVisibility, 1),
    },
    counts,
  };
}
