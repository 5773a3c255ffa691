/**
 * Drawing GAN recipes: each row of a batch gets its own latent (from its seed and walk) and its own
 * class-embedding mixture per conditional layer, so recipes of every GAN strategy share batches and
 * an image never depends on what else is drawn with it (the generator is in eval mode, with
 * standing batch-norm statistics; see src/sample/sampler.ts).
 */
import { matmul, noGrad, randn, Rng, tensor, tidy, type Tensor } from '../engine/index.js';
import { UserError } from '../errors.js';
import { Generator } from '../models/cgan/index.js';
import type { LoadedGenerator } from '../sample/sampler.js';
import { layerClassWeights, type GanRecipe, type LatentWalk } from './recipe.js';

/** Images per generator call: bounds memory when thousands of candidates are drawn. */
const BATCH = 128;
const IMAGE = 3 * 32 * 32;

/** The conditional generator of a loaded checkpoint (generate composes classes, so it must be one). */
export function conditionalGenerator(g: LoadedGenerator): Generator {
  if (!(g.generator instanceof Generator)) {
    throw new UserError(`this ${g.config.model} generator is unconditional; pegasus generate needs a class-conditional GAN (pegasus train --model cgan)`);
  }
  return g.generator;
}

/**
 * z of one recipe: N(0, I) from Rng(seed), then the walk's steps (see LatentWalk).
 * NOTE: computed in float64 and rounded once, so a walk replays identically whatever its length.
 */
export function latentOf(seed: number, zDim: number, walk?: LatentWalk): Float32Array {
  const z = Float64Array.from(randn([zDim], new Rng(seed)).data);
  if (walk !== undefined) {
    const scale = 1 / Math.sqrt(1 + walk.sigma * walk.sigma);
    for (const s of walk.seeds) {
      const eps = randn([zDim], new Rng(s)).data;
      for (let j = 0; j < zDim; j++) z[j] = (z[j]! + walk.sigma * eps[j]!) * scale;
    }
  }
  return Float32Array.from(z);
}

/**
 * Images of `recipes` as float NCHW [n, 3, 32, 32] in [−1, 1].
 *
 * @example drawGan(g, [{ strategy: 'mix', seed: 7, weights: { horse: 0.7, bird: 0.3 } }])
 */
export function drawGan(g: LoadedGenerator, recipes: readonly GanRecipe[], onBatch?: (done: number) => void): Float32Array {
  const gen = conditionalGenerator(g);
  const classes = g.config.train.classes;
  const zDim = gen.config.generator.zDim;
  const layers = gen.numConditionalLayers;
  const k = classes.length;
  const out = new Float32Array(recipes.length * IMAGE);
  for (let s = 0; s < recipes.length; s += BATCH) {
    const part = recipes.slice(s, s + BATCH);
    const n = part.length;
    const z = new Float32Array(n * zDim);
    const w = Array.from({ length: layers }, () => new Float32Array(n * k));
    part.forEach((r, i) => {
      z.set(latentOf(r.seed, zDim, r.walk), i * zDim);
      layerClassWeights(r, classes, layers).forEach((lw, l) => w[l]!.set(lw, i * k));
    });
    tidy(() =>
      noGrad(() => {
        const cond: Tensor[] = w.map((lw) => matmul(tensor(lw, [n, k]), gen.embed.weight));
        out.set(gen.forward(tensor(z, [n, zDim]), cond).data, s * IMAGE);
      }),
    );
    onBatch?.(s + n);
  }
  return out;
}
