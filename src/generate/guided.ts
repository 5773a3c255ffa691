/**
 * The `guided` strategy: classifier-gradient guidance in the GAN's latent space.
 *
 * Starting from a recipe's latent z₀ (seed and walk) and class mixture, K steps of Adam (Kingma &
 * Ba 2015) move z — and, when `mixLr` > 0, per-layer mixture logits — uphill on the classifier's
 * log Pegasus-ness
 *
 *   J(z) = E_t[ 2a·log p_body(t(G(z, c))) + 2(1 − a)·log p_wings(t(G(z, c))) ]
 *
 * through the frozen generator G and classifier (both in eval mode). This is classifier guidance
 * (Dhariwal & Nichol 2021, "Diffusion Models Beat GANs on Image Synthesis") done in a GAN's latent
 * space, as in plug-and-play generation (Nguyen et al. 2017, "Plug & Play Generative Networks"):
 * the generator is the image prior, the classifier the condition. J = 2·log P + const with the
 * body's share a of score.ts, so it raises the score's P directly (a = 0.5: log p_body + log p_wings).
 *
 * Two guards against adversarial pixel patterns that fool the classifier but not a person:
 * - expectation over transformations (Athalye et al. 2018, "Synthesizing Robust Adversarial
 *   Examples"): each step averages J over `samples` random horizontal flips and translations by up
 *   to ±`shift` pixels (reflection padding, like the classifier's training crops), so a gradient
 *   that only works for one exact pixel grid averages out;
 * - z stays on the prior's typical set: after every step each row is projected back onto the
 *   sphere of its starting radius ‖z₀‖ ≈ √d, where almost all of N(0, I)'s mass lies in high
 *   dimensions (White 2016, "Sampling Generative Networks", on spherical latent geometry).
 *
 * Determinism: row i's transformations come from its own Rng(seed ^ SALT), every op is row-wise
 * (batch norm in eval mode, per-row Adam moments, per-row projection), and Adam has no schedule, so
 * the image after k steps is the same whether the run stops at k or later (search.ts takes several
 * step counts from one run). Replaying a recipe reproduces it bit for bit on the same backend (any
 * thread count), because every row is optimised in a batch of its own (`ROWS`, see its note).
 */
import { CLASS_NAMES } from '../data/index.js';
import { reflectIndex } from '../image/index.js';
import {
  concat,
  exp,
  log,
  logSoftmax,
  matmul,
  mul,
  noGrad,
  reshape,
  softmax,
  sum,
  tensor,
  tidy,
  transpose,
  add,
  Rng,
  type Tensor,
} from '../engine/index.js';
import type { ResNet9 } from '../models/classifier/index.js';
import { Adam } from '../nn/index.js';
import type { LoadedGenerator } from '../sample/sampler.js';
import { batchWeights, conditionalGenerator, drawGan, latentOf, layerConditions } from './gan.js';
import { decodeLatent, type GanRecipe, type Guidance } from './recipe.js';
import type { LayerCondition } from '../models/cgan/index.js';
import { IMAGE_BYTES as IMAGE } from '../data/cifar10Format.js';

/**
 * Rows optimised together. NOTE: 1, so that a row's computation never depends on its batch. The
 * optimisation is chaotic: the backends' convolutions round differently at another batch size or
 * position (~1e-6), ReLU and max-pool kinks turn that into other gradients, and after 40 steps the
 * same recipe differed by 0.07–0.8 (images in [−1, 1]) between batches of 1, 4 and 8 — with Adam and
 * with plain normalised gradient ascent, with and without random transformations alike. A batch
 * of one costs ~10–20% more per row than batches of 4–32 (measured on the committed models).
 */
const ROWS = 1;
const S = 32;
/** Salt of each row's transformation stream, so it differs from the stream of its z₀. */
const SALT = 0x6a1ded;
/** Logit of a class absent from the starting mixture: its weight stays ≈ e⁻³⁰ of the others. */
const ABSENT = -30;

/** Class indices of the classifier (CIFAR-10 order) for class names. */
function classifierIndices(names: readonly string[]): number[] {
  return names.map((n) => {
    const i = (CLASS_NAMES as readonly string[]).indexOf(n);
    if (i < 0) throw new Error(`guided: ${n} is not a CIFAR-10 class`);
    return i;
  });
}

/** A [k, 1] column that sums the probabilities of `idx`. */
function indicator(idx: readonly number[], k: number): Tensor {
  const m = new Float32Array(k);
  for (const i of idx) m[i] = 1;
  return tensor(m, [k, 1]);
}

/** Per-row J = 2a·log p_body + 2(1 − a)·log p_wings of classifier logits [m, k] (a: the body's share). */
function logPegasus(logits: Tensor, body: Tensor, wings: Tensor, bodyShare: number): Tensor {
  const p = exp(logSoftmax(logits, 1));
  // NOTE: 1e-12 keeps log finite when the classifier is certain the image is neither
  const logBody = log(add(matmul(p, body), 1e-12));
  const logWings = log(add(matmul(p, wings), 1e-12));
  // NOTE: at a = 0.5 both factors are exactly 1, so recipes made before the share existed replay bit for bit
  return add(mul(logBody, 2 * bodyShare), mul(logWings, 2 * (1 - bodyShare)));
}

/**
 * J of each image without transformations (images float NCHW in [−1, 1]): what guidance raises.
 * @example pegasusObjective(net, drawGan(g, recipes), ['horse'], ['bird', 'airplane'])
 */
export function pegasusObjective(
  net: ResNet9,
  images: Float32Array,
  body: readonly string[],
  wings: readonly string[],
  bodyShare = 0.5,
): Float32Array {
  const n = images.length / IMAGE;
  const k = net.config.numClasses;
  return tidy(() =>
    noGrad(() =>
      Float32Array.from(
        logPegasus(
          net.logits(tensor(images, [n, 3, S, S])),
          indicator(classifierIndices(body), k),
          indicator(classifierIndices(wings), k),
          bodyShare,
        ).data,
      ),
    ),
  );
}

/**
 * The 0/1 matrix M with (X·M)[:, j] = X[:, src(j)]: a gather along the last axis as a matmul, so
 * the transformation is differentiable and exact (one product by 1 per output pixel).
 */
function gatherMatrix(src: (j: number) => number, into: Float32Array, at: number): void {
  for (let j = 0; j < S; j++) into[at + src(j) * S + j] = 1;
}

/** One random transformation per row: column and row gather matrices [n, S, S] each. */
function drawTransforms(rngs: readonly Rng[], g: Guidance): { cols: Float32Array; rows: Float32Array } {
  const n = rngs.length;
  const cols = new Float32Array(n * S * S);
  const rows = new Float32Array(n * S * S);
  rngs.forEach((rng, i) => {
    // NOTE: always three draws per row and sample, whatever the settings, so the stream's use is fixed
    const flip = rng.uniform() < 0.5 && g.flip;
    const dy = rng.int(2 * g.shift + 1) - g.shift;
    const dx = rng.int(2 * g.shift + 1) - g.shift;
    gatherMatrix((j) => (flip ? S - 1 - reflectIndex(j - dx, S) : reflectIndex(j - dx, S)), cols, i * S * S);
    gatherMatrix((j) => reflectIndex(j - dy, S), rows, i * S * S);
  });
  return { cols, rows };
}

/** x [n, 3, S, S] with each row's flip and translation applied (columns, then rows). */
function transform(x: Tensor, t: { cols: Float32Array; rows: Float32Array }): Tensor {
  const n = x.shape[0]!;
  const c = tensor(t.cols, [n, S, S]);
  const r = tensor(t.rows, [n, S, S]);
  const y = reshape(matmul(reshape(x, [n, 3 * S, S]), c), [n, 3, S, S]);
  const yt = reshape(matmul(reshape(transpose(y, 2, 3), [n, 3 * S, S]), r), [n, 3, S, S]);
  return transpose(yt, 2, 3);
}

/** Projects each row of z [n, d] onto the sphere of radius `radius[i]` (in place). */
function projectToSphere(z: Float32Array, d: number, radius: Float64Array): void {
  for (let i = 0; i < radius.length; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += z[i * d + j]! ** 2;
    const f = radius[i]! / Math.sqrt(Math.max(s, 1e-30));
    for (let j = 0; j < d; j++) z[i * d + j] = z[i * d + j]! * f;
  }
}

/**
 * Guides rows `part` (all with the same settings `g`) for max(snapshots) steps and returns their
 * images after each number of steps in `snapshots` (one Float32Array [n, 3, 32, 32] each), `ROWS`
 * rows per optimisation.
 *
 * @example const [after10, after40] = guideBatch(g, net, parents, guide, [10, 40]);
 */
export function guideBatch(
  gl: LoadedGenerator,
  net: ResNet9,
  part: readonly GanRecipe[],
  g: Guidance,
  snapshots: readonly number[],
): Float32Array[] {
  return guideWithLatents(gl, net, part, g, snapshots).images;
}

/** guideBatch, plus z after each number of steps in `snapshots` (one Float32Array [n, zDim] each). */
export function guideWithLatents(
  gl: LoadedGenerator,
  net: ResNet9,
  part: readonly GanRecipe[],
  g: Guidance,
  snapshots: readonly number[],
): { images: Float32Array[]; latents: Float32Array[] } {
  const zDim = conditionalGenerator(gl).config.generator.zDim;
  const images = snapshots.map(() => new Float32Array(part.length * IMAGE));
  const latents = snapshots.map(() => new Float32Array(part.length * zDim));
  for (let s = 0; s < part.length; s += ROWS) {
    const r = optimise(gl, net, part.slice(s, s + ROWS), g, snapshots);
    r.images.forEach((im, k) => images[k]!.set(im, s * IMAGE));
    r.latents.forEach((z, k) => latents[k]!.set(z, s * zDim));
  }
  return { images, latents };
}

/** The recipes' starting latents [n, zDim] and their norms (the sphere each walk stays on). */
function startingLatents(part: readonly GanRecipe[], zDim: number): { z0: Float32Array; radius: Float64Array } {
  const z0 = new Float32Array(part.length * zDim);
  const radius = new Float64Array(part.length);
  part.forEach((r, i) => {
    const zi = latentOf(r.seed, zDim, r.walk, r.truncation);
    z0.set(zi, i * zDim);
    radius[i] = Math.sqrt(zi.reduce((a, v) => a + v * v, 0));
  });
  return { z0, radius };
}

/** One optimisation over the rows `part` (see guideBatch). */
function optimise(
  gl: LoadedGenerator,
  net: ResNet9,
  part: readonly GanRecipe[],
  g: Guidance,
  snapshots: readonly number[],
): { images: Float32Array[]; latents: Float32Array[] } {
  const gen = conditionalGenerator(gl);
  if (gen.training || net.training)
    throw new Error('guided: the generator and the classifier must be in eval mode (rows would interact through batch norm)');
  const classes = gl.config.train.classes;
  const zDim = gen.config.generator.zDim;
  const layers = gen.numConditionalLayers;
  const k = classes.length;
  const n = part.length;
  const { z0, radius } = startingLatents(part, zDim);
  const bw = batchWeights(part, classes, layers, gen.config.imageSize);
  const w0 = bw.outside;
  const rngs = part.map((r) => new Rng((r.seed ^ SALT) >>> 0));
  const kc = net.config.numClasses;
  const body = indicator(classifierIndices(g.body), kc);
  const wings = indicator(classifierIndices(g.wings), kc);
  const frozen = [...gen.parameters(), ...net.parameters()].filter((p) => p.requiresGrad);
  for (const p of frozen) p.requiresGrad = false;
  const z = tensor(z0, [n, zDim], { requiresGrad: true });
  // mixture logits a_l with w_l = s_l·softmax(a_l): s_l keeps an amplified mixture's total weight
  const scale = w0.map((lw) =>
    tensor(
      Float32Array.from({ length: n }, (_, i) => lw.subarray(i * k, (i + 1) * k).reduce((a, v) => a + v, 0)),
      [n, 1],
    ),
  );
  const logits =
    g.mixLr > 0
      ? w0.map((lw) =>
          tensor(
            lw.map((v) => (v > 0 ? Math.log(v) : ABSENT)),
            [n, k],
            { requiresGrad: true },
          ),
        )
      : [];
  const optZ = new Adam([z], { lr: g.lr });
  const optA = logits.length > 0 ? new Adam(logits, { lr: g.mixLr }) : null;
  // NOTE: the mixture inside a region (region-mix) stays as recorded; mixLr moves the outside one
  const cond = (): LayerCondition[] =>
    layerConditions(gen, bw, logits.length > 0 ? logits.map((a, l) => matmul(mul(softmax(a, 1), scale[l]!), gen.embed.weight)) : undefined);
  const out: Float32Array[] = [];
  const zs: Float32Array[] = [];
  const last = Math.max(0, ...snapshots);
  try {
    for (let step = 0; step <= last; step++) {
      if (snapshots.includes(step)) {
        out.push(drawRows(gen, z, cond));
        zs.push(Float32Array.from(z.data));
      }
      if (step === last) break;
      tidy(() => {
        optZ.zeroGrad();
        optA?.zeroGrad();
        const x = gen.forward(z, cond());
        const views = Array.from({ length: g.samples }, () => transform(x, drawTransforms(rngs, g)));
        const j = logPegasus(net.logits(views.length === 1 ? views[0]! : concat(views, 0)), body, wings, g.bodyShare ?? 0.5);
        // ascent on mean_t J: Adam minimises −J/samples
        mul(sum(j), -1 / g.samples).backward();
      });
      optZ.step();
      optA?.step();
      projectToSphere(z.data as Float32Array, zDim, radius);
    }
  } finally {
    for (const p of frozen) p.requiresGrad = true;
    for (const t of [z, ...logits]) t.grad?.dispose();
    for (const o of [optZ, optA]) for (const t of o === null ? [] : [...o.stateDict().m, ...o.stateDict().v]) t.dispose();
  }
  const at = (s: number) => [...new Set(snapshots)].sort((a, b) => a - b).indexOf(s);
  return { images: snapshots.map((s) => out[at(s)]!), latents: snapshots.map((s) => zs[at(s)]!) };
}

/** The generator's images of z [n, zDim] under the conditions `cond()`, without a graph. */
function drawRows(gen: ReturnType<typeof conditionalGenerator>, z: Tensor, cond: () => LayerCondition[]): Float32Array {
  return tidy(() => noGrad(() => Float32Array.from(gen.forward(z, cond()).data)));
}

/**
 * Images of guided recipes from their recorded `latent` (no optimisation), each row in a batch of
 * its own as during the search, so the bytes are the search's.
 */
function drawRecordedLatents(gl: LoadedGenerator, recipes: readonly GanRecipe[]): Float32Array {
  const gen = conditionalGenerator(gl);
  const classes = gl.config.train.classes;
  const zDim = gen.config.generator.zDim;
  const layers = gen.numConditionalLayers;
  const out = new Float32Array(recipes.length * IMAGE);
  recipes.forEach((r, i) => {
    const z = tensor(decodeLatent(r.latent!, zDim), [1, zDim]);
    const w = batchWeights([r], classes, layers, gen.config.imageSize);
    out.set(
      drawRows(gen, z, () => layerConditions(gen, w)),
      i * IMAGE,
    );
    z.dispose();
  });
  return out;
}

/**
 * Images of guided recipes (float NCHW [n, 3, 32, 32]), in order, grouped by settings.
 * @example drawGuided(g, net, [{ strategy: 'guided', seed: 7, weights: { horse: 0.7, bird: 0.3 }, guide }])
 */
export function drawGuided(
  g: LoadedGenerator,
  net: ResNet9,
  recipes: readonly GanRecipe[],
  onBatch?: (done: number) => void,
): Float32Array {
  const out = new Float32Array(recipes.length * IMAGE);
  const groups = new Map<string, number[]>();
  recipes.forEach((r, i) => {
    if (r.guide === undefined) throw new Error(`guided: recipe ${i} (${r.strategy}, seed ${r.seed}) has no guidance settings`);
    const key = JSON.stringify(r.guide);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  let done = 0;
  for (const idx of groups.values()) {
    for (let s = 0; s < idx.length; s += ROWS) {
      const rows = idx.slice(s, s + ROWS);
      const guide = recipes[rows[0]!]!.guide!;
      const [images] = guideBatch(
        g,
        net,
        rows.map((i) => recipes[i]!),
        guide,
        [guide.steps],
      );
      rows.forEach((i, j) => out.set(images!.subarray(j * IMAGE, (j + 1) * IMAGE), i * IMAGE));
      onBatch?.((done += rows.length));
    }
  }
  return out;
}

/**
 * Whether drawing `r` runs the guidance optimisation (and so depends on the classifier): a guided
 * recipe without a recorded latent, or one whose mixture moved too.
 */
export function needsOptimisation(r: GanRecipe): boolean {
  return r.guide !== undefined && (r.guide.mixLr !== 0 || r.latent === undefined);
}

/**
 * Images of GAN recipes of every strategy, in order: guided ones from their recorded latent when
 * they have one (fast: no optimisation), otherwise through drawGuided; the rest through drawGan.
 */
export function drawGanRecipes(g: LoadedGenerator, net: ResNet9, recipes: readonly GanRecipe[]): Float32Array {
  const out = new Float32Array(recipes.length * IMAGE);
  const stored = recipes.flatMap((r, i) => (r.guide !== undefined && !needsOptimisation(r) ? [i] : []));
  const guided = recipes.flatMap((r, i) => (needsOptimisation(r) ? [i] : []));
  const plain = recipes.flatMap((r, i) => (r.guide === undefined ? [i] : []));
  const put = (idx: number[], images: Float32Array) =>
    idx.forEach((i, j) => out.set(images.subarray(j * IMAGE, (j + 1) * IMAGE), i * IMAGE));
  if (plain.length > 0)
    put(
      plain,
      drawGan(
        g,
        plain.map((i) => recipes[i]!),
      ),
    );
  if (guided.length > 0)
    put(
      guided,
      drawGuided(
        g,
        net,
        guided.map((i) => recipes[i]!),
      ),
    );
  if (stored.length > 0)
    put(
      stored,
      drawRecordedLatents(
        g,
        stored.map((i) => recipes[i]!),
      ),
    );
  return out;
}
