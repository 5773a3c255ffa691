/**
 * The `recombine` strategy: a Pegasus by image-space recombination instead of embedding mixing. The
 * GAN draws a horse (four legs, on grass) and, separately, a wing donor (a bird or an airplane);
 * each is segmented automatically (src/image/segment.ts: border distance, Otsu 1979, largest
 * component), the donor's object is cut out, warped into a wing (or scaled as it is) and pasted on
 * the horse's back with a feathered alpha or Poisson seamless cloning (src/image/composite.ts) —
 * cut-and-paste compositing as in Dwibedi et al. 2017 ("Cut, Paste and Learn"), whose pasted
 * objects read as part of the scene when the seams are blended. No pixel is edited by hand: every
 * step is code, and the recipe (both seeds, both mixtures, the placement) redraws the image bit
 * for bit.
 *
 * Geometry. The horse's mask gives its box and the top of each column. Its head is taken to be on
 * the side whose columns start higher (the neck and head rise above the back), so the tail is the
 * other side. The wing's root sits on the back at `along` (share of the box width from its centre,
 * positive toward the tail), `lift` pixels above the mask's top there; the layer extends `size`
 * pixels "up", tilted `lean` degrees toward the tail.
 */
import { Rng } from '../engine/index.js';
import { alphaComposite, bilinear, featherAlpha, poissonBlend } from '../image/composite.js';
import { maskBox, segmentForeground, topProfile, type Box, type Mask } from '../image/segment.js';
import type { LoadedGenerator } from '../sample/sampler.js';
import { drawGan } from './gan.js';
import type { RecombineConfig } from './config.js';
import type { ClassWeights, GanRecipe, Placement, RecombineRecipe } from './recipe.js';
import { IMAGE_BYTES as IMAGE } from '../data/cifar10Format.js';
import { bestPerFamily, keepBestChildren } from './evolve.js';

const C = 3;
const H = 32;
const W = 32;
const PLANE = H * W;

/** Wing outline in the layer's frame (b: 0 at the root … 1 at the tip; a: across, toward the tail). */
const SWEEP = 0.35; // the centre line leans back by this share of the length at the tip
const ROOT_HALF = 0.3; // half-width at the root, share of the length
const TIP_HALF = 0.04; // half-width at the tip
/** The far wing of a pair: moved toward the head, leaning further back, in shadow. */
const FAR_SHIFT = 0.12; // share of the horse's width
const FAR_LEAN = 15; // degrees
const FAR_SHADE = 0.75; // brightness factor in [0, 1] pixel units
const POISSON_ITERATIONS = 200;

/** The GAN recipe that draws a part (a plain `mix` draw), truncated with ψ when given. */
export function partRecipe(seed: number, weights: ClassWeights, truncation?: number): GanRecipe {
  return { strategy: 'mix', seed, weights, ...(truncation !== undefined && { truncation }) };
}

/** The horse and donor GAN recipes of a recombine recipe. */
export function partsOf(r: RecombineRecipe): { horse: GanRecipe; donor: GanRecipe } {
  return { horse: partRecipe(r.seed, r.horse, r.truncation), donor: partRecipe(r.donor.seed, r.donor.weights, r.truncation) };
}

/**
 * Parts already drawn, and the classifier's (flip-averaged) probabilities of those already
 * judged, by part recipe (partKey): a search judges horses and donors before it uses them, then
 * uses each in several collages and mutations; with a cache each is drawn and classified once.
 * A part redraws bit for bit however it is batched (see drawGan), so a cached one is the same image.
 */
export interface PartCache {
  readonly images: Map<string, Float32Array>;
  readonly probs: Map<string, Float32Array>;
}

export const newPartCache = (): PartCache => ({ images: new Map(), probs: new Map() });
export const partKey = (r: GanRecipe): string => JSON.stringify(r);

/** Images of `parts` (float NCHW), drawing only those the cache lacks (and adding them to it). */
export function drawParts(g: LoadedGenerator, parts: readonly GanRecipe[], cache?: PartCache): Float32Array {
  if (cache === undefined) return drawGan(g, parts);
  const keys = parts.map(partKey);
  const missing = new Map<string, GanRecipe>(); // first recipe of each key not cached
  keys.forEach((k, i) => cache.images.has(k) || missing.has(k) || missing.set(k, parts[i]!));
  const fresh = drawGan(g, [...missing.values()]);
  [...missing.keys()].forEach((k, i) => cache.images.set(k, fresh.slice(i * IMAGE, (i + 1) * IMAGE)));
  const out = new Float32Array(parts.length * IMAGE);
  keys.forEach((k, i) => out.set(cache.images.get(k)!, i * IMAGE));
  return out;
}

/**
 * Images of `recipes` as float NCHW [n, 3, 32, 32] in [−1, 1]; each horse and donor is drawn once
 * however many recipes share it.
 * @example drawRecombine(g, [{ strategy: 'recombine', seed: 1, horse: { horse: 1 }, donor: { seed: 2, weights: { bird: 1 } }, placement }])
 */
export function drawRecombine(g: LoadedGenerator, recipes: readonly RecombineRecipe[]): Float32Array {
  return drawRecombineParts(g, recipes).images;
}

/** Recombined images and what they are made of. */
export interface RecombineDraw {
  /** Float NCHW [n, 3, 32, 32] in [−1, 1]. */
  readonly images: Float32Array;
  /** The wing layer's alpha in [0, 1] per pixel, [n, 32, 32] (both wings of a pair). */
  readonly wingAlpha: Float32Array;
  /** The distinct horses and donors drawn, float NCHW [m, 3, 32, 32]. */
  readonly parts: Float32Array;
  /** Each image's horse and donor: indices into `parts`. */
  readonly horseOf: Int32Array;
  readonly donorOf: Int32Array;
  /** Each part's foreground mask as segmented for the collage, [m, 32, 32] of 0/1. */
  readonly partMasks: Uint8Array;
  /** Each part's recipe key (partKey), for a PartCache. */
  readonly partKeys: readonly string[];
}

/**
 * Like drawRecombine, with each image's wing alpha and horse (for the parts judge of score.ts).
 * Parts in `cache` are not drawn again; those drawn are added to it.
 * @example const { images, wingAlpha } = drawRecombineParts(g, recipes);
 */
export function drawRecombineParts(g: LoadedGenerator, recipes: readonly RecombineRecipe[], cache?: PartCache): RecombineDraw {
  const keys = new Map<string, number>();
  const parts: GanRecipe[] = [];
  const index = (r: GanRecipe) => {
    const k = partKey(r);
    let i = keys.get(k);
    if (i === undefined) {
      i = parts.length;
      keys.set(k, i);
      parts.push(r);
    }
    return i;
  };
  const pairs = recipes.map((r) => {
    const { horse, donor } = partsOf(r);
    return [index(horse), index(donor)] as const;
  });
  const drawn = drawParts(g, parts, cache);
  const masks = new Map<number, Mask>();
  const maskOf = (i: number) => masks.get(i) ?? masks.set(i, segmentForeground(imageAt(drawn, i), C, H, W)).get(i)!;
  const images = new Float32Array(recipes.length * IMAGE);
  const wingAlpha = new Float32Array(recipes.length * PLANE);
  recipes.forEach((r, j) => {
    const [h, d] = pairs[j]!;
    const out = recombineWithAlpha(imageAt(drawn, h), maskOf(h), imageAt(drawn, d), maskOf(d), r.placement);
    images.set(out.image, j * IMAGE);
    wingAlpha.set(out.alpha, j * PLANE);
  });
  const partMasks = new Uint8Array(parts.length * PLANE);
  for (const i of new Set(pairs.flat())) partMasks.set(maskOf(i).data, i * PLANE);
  return {
    images,
    wingAlpha,
    parts: drawn,
    horseOf: Int32Array.from(pairs, (p) => p[0]),
    donorOf: Int32Array.from(pairs, (p) => p[1]),
    partMasks,
    partKeys: [...keys.keys()],
  };
}

function imageAt(x: Float32Array, i: number): Float32Array {
  return x.subarray(i * IMAGE, (i + 1) * IMAGE);
}

/** Where the horse's back is: box, tail direction (+1: tail to the right) and column tops. */
interface Back {
  readonly box: Box;
  readonly tail: 1 | -1;
  readonly top: Int32Array;
}

function backOf(mask: Mask): Back {
  const box = maskBox(mask) ?? { x0: 8, y0: 12, x1: 23, y1: 27 }; // nothing found: assume a centred object
  const top = topProfile(mask);
  const third = Math.max(1, Math.floor((box.x1 - box.x0 + 1) / 3));
  const meanTop = (x0: number, x1: number) => {
    let s = 0;
    for (let x = x0; x <= x1; x++) s += Math.min(top[x]!, box.y1);
    return s / (x1 - x0 + 1);
  };
  // the head side starts higher (smaller row); the tail is the other side
  const tail = meanTop(box.x0, box.x0 + third - 1) <= meanTop(box.x1 - third + 1, box.x1) ? 1 : -1;
  return { box, tail, top };
}

/**
 * The horse with the donor's cut-out pasted per `p`, float CHW in [−1, 1].
 * @example recombine(horse, segmentForeground(horse, 3, 32, 32), bird, segmentForeground(bird, 3, 32, 32), placement)
 */
export function recombine(horse: Float32Array, horseMask: Mask, donor: Float32Array, donorMask: Mask, p: Placement): Float32Array {
  return recombineWithAlpha(horse, horseMask, donor, donorMask, p).image;
}

/** recombine, and the wing layer's alpha (the union of both wings of a pair), [32, 32] in [0, 1]. */
export function recombineWithAlpha(
  horse: Float32Array,
  horseMask: Mask,
  donor: Float32Array,
  donorMask: Mask,
  p: Placement,
): { image: Float32Array; alpha: Float32Array } {
  const back = backOf(horseMask);
  const dBox = maskBox(donorMask) ?? { x0: 0, y0: 0, x1: W - 1, y1: H - 1 };
  const bw = back.box.x1 - back.box.x0 + 1;
  const cx = (back.box.x0 + back.box.x1) / 2;
  const rootAt = (along: number, lift: number) => {
    const ax = cx + along * bw * back.tail;
    const col = Math.min(W - 1, Math.max(0, Math.round(ax)));
    const top = back.top[col]! < H ? back.top[col]! : back.box.y0;
    return { ax, ay: top - lift };
  };
  let out: Float64Array = Float64Array.from(horse);
  const union = new Float32Array(PLANE);
  const paste = (along: number, lean: number, shade: number) => {
    const { ax, ay } = rootAt(along, p.lift);
    const { layer, alpha } = wingLayer(donor, donorMask, dBox, { ...p, lean }, ax, ay, back.tail, shade);
    for (let q = 0; q < PLANE; q++) union[q] = Math.max(union[q]!, alpha[q]!);
    out =
      p.blend === 'poisson'
        ? poissonBlend(out, layer, alpha, C, H, W, POISSON_ITERATIONS)
        : alphaComposite(out, layer, featherAlpha(alpha, H, W, 1), C, H, W);
  };
  if (p.wings === 2) paste(p.along - FAR_SHIFT, p.lean + FAR_LEAN, FAR_SHADE);
  paste(p.along, p.lean, 1);
  return { image: Float32Array.from(out, (v) => Math.min(1, Math.max(-1, v))), alpha: union };
}

/**
 * The donor warped into the horse's frame, and its alpha (donor mask × wing outline). For each
 * target pixel, (a, b) are its coordinates in the layer's tilted frame in units of `p.size`:
 * b along "up" (0 at the root), a across (toward the tail).
 */
function wingLayer(
  donor: Float32Array,
  donorMask: Mask,
  d: Box,
  p: Placement,
  ax: number,
  ay: number,
  tail: 1 | -1,
  shade: number,
): { layer: Float64Array; alpha: Float64Array } {
  const th = (p.lean * Math.PI) / 180;
  const up = [tail * Math.sin(th), -Math.cos(th)] as const;
  const across = [tail * Math.cos(th), Math.sin(th)] as const;
  const dw = d.x1 - d.x0 + 1;
  const dh = d.y1 - d.y0 + 1;
  const dcx = (d.x0 + d.x1) / 2;
  const mirror = p.flip ? -1 : 1;
  const maskF = Float64Array.from(donorMask.data);
  const soft = (v: number) => Math.min(1, Math.max(0, v * p.size + 0.5)); // one-pixel anti-aliased edge
  const layer = new Float64Array(IMAGE);
  const alpha = new Float64Array(PLANE);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dx = x - ax;
      const dy = y - ay;
      const a = (dx * across[0] + dy * across[1]) / p.size;
      const b = (dx * up[0] + dy * up[1]) / p.size;
      let sx: number;
      let inside: number;
      if (p.shape === 'wing') {
        const half = ROOT_HALF * (1 - b) + TIP_HALF;
        const u = (a - SWEEP * b) / (2 * half); // −½ … ½ across the wing at this height
        sx = dcx + u * dw * mirror;
        inside = soft(half - Math.abs(a - SWEEP * b)) * soft(b) * soft(1 - b);
      } else {
        sx = dcx + a * dh * mirror;
        inside = soft(b + 0.5 / p.size);
      }
      const sy = d.y1 - b * (dh - 1);
      const q = y * W + x;
      alpha[q] = inside === 0 ? 0 : p.solid === true ? inside : inside * bilinear(maskF, 0, H, W, sx, sy, 0);
      for (let c = 0; c < C; c++) {
        const v = bilinear(donor, c * PLANE, H, W, Math.min(W - 1, Math.max(0, sx)), Math.min(H - 1, Math.max(0, sy)), 0);
        const lit = v + p.light * (1 - v); // toward white (1)
        layer[c * PLANE + q] = (lit + 1) * shade - 1;
      }
    }
  }
  return { layer, alpha };
}

/** Rounded to 2 decimals, so the recorded number is the one used. */
const r2 = (v: number) => Math.round(v * 100) / 100;

/** A horse or donor draw of the recombine stage, before it is used. */
export interface Part {
  readonly seed: number;
  readonly weights: ClassWeights;
}

/**
 * Judges parts: one quality per part, higher is better (the search uses the classifier's belief in
 * the part's own class times its realism, see search.ts). `cls` is the class the part should show.
 */
export type RankParts = (parts: readonly Part[], cls: string) => number[];

/** The best `keep` of `parts` by `rank` (ties keep the drawing order), in drawing order. */
function elite(parts: Part[], keep: number, cls: (p: Part) => string, rank: RankParts): Part[] {
  if (parts.length <= keep) return parts;
  const q = new Float64Array(parts.length);
  // one call per class, so the judge can batch
  for (const c of new Set(parts.map(cls))) {
    const idx = parts.flatMap((p, i) => (cls(p) === c ? [i] : []));
    rank(
      idx.map((i) => parts[i]!),
      c,
    ).forEach((v, j) => (q[idx[j]!] = Number.isFinite(v) ? v : -Infinity));
  }
  const order = parts.map((_, i) => i).sort((a, b) => q[b]! - q[a]! || a - b);
  return order
    .slice(0, keep)
    .sort((a, b) => a - b)
    .map((i) => parts[i]!);
}

/** How the parts of recombine proposals are drawn and judged. */
export interface PartOptions {
  /** Judge of the drawn horses and donors (with RecombineConfig.elite > 1). */
  readonly rank?: RankParts;
  /** ψ of the truncation trick for every draw (see GanRecipe.truncation). */
  readonly truncation?: number;
}

/** The class a part should show: its largest weight. */
const mainClass = (p: Part): string => Object.entries(p.weights).reduce((a, b) => (b[1] > a[1] ? b : a))[0];

/**
 * `n` random recipes: a horse mixture (horse weight from `rc.horseWeights`, the rest on the wing
 * classes evenly), a donor of one wing class, every placement number uniform in its range, horse
 * and donor seeds from `seed()`. Each horse and donor serves about `rc.reuse` candidates (with
 * different partners and placements), so a candidate costs a fraction of a generator call. With
 * `rank` and `rc.elite` > 1, `rc.elite` times as many horses and donors are drawn and only the best
 * of each (by `rank`) are used: the collage starts from a clear horse and a clear wing donor. Every
 * recipe carries `truncation` when it is given.
 * @example recombineProposals(512, 'horse', ['bird', 'airplane'], defaultRecombineConfig, seed, new Rng(0))
 */
export function recombineProposals(
  n: number,
  body: string,
  wings: readonly string[],
  rc: RecombineConfig,
  seed: () => number,
  rng: Rng,
  o: PartOptions = {},
): RecombineRecipe[] {
  const { rank } = o;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.uniform() * xs.length)]!;
  const range = ([lo, hi]: readonly [number, number]) => r2(lo + (hi - lo) * rng.uniform());
  const horses: ClassWeights[] = rc.horseWeights.map((w) =>
    w >= 1 ? { [body]: 1 } : { [body]: w, ...Object.fromEntries(wings.map((c) => [c, r2((1 - w) / wings.length)])) },
  );
  const donors: ClassWeights[] = wings.map((c) => ({ [c]: 1 }));
  const pool = Math.max(1, Math.ceil(n / Math.max(1, rc.reuse)));
  const drawn = rank === undefined ? pool : pool * Math.max(1, Math.round(rc.elite));
  let hs: Part[] = Array.from({ length: drawn }, () => ({ seed: seed(), weights: pick(horses) }));
  let ds: Part[] = Array.from({ length: drawn }, () => ({ seed: seed(), weights: pick(donors) }));
  if (rank !== undefined && drawn > pool) {
    hs = elite(hs, pool, () => body, rank);
    ds = elite(ds, pool, mainClass, rank);
  }
  return Array.from({ length: n }, (_, i) => {
    // neighbouring candidates share horses and donors, so a chunk of them draws each only once
    const hi = Math.floor(i / Math.max(1, rc.reuse));
    const h = hs[hi]!;
    const shape = pick(rc.shapes);
    return {
      strategy: 'recombine',
      seed: h.seed,
      horse: h.weights,
      donor: ds[(hi + Math.floor(rng.uniform() * rc.reuse)) % pool]!,
      ...(o.truncation !== undefined && { truncation: o.truncation }),
      placement: {
        shape,
        size: range(rc.size[shape]),
        along: range(rc.along),
        lift: range(rc.lift),
        lean: range(rc.lean),
        flip: rng.uniform() < 0.5,
        light: range(rc.light),
        wings: rng.uniform() < 0.5 ? 1 : 2,
        blend: pick(rc.blends),
        ...(rng.uniform() < rc.solid && { solid: true }),
      },
    };
  });
}

/** `v` moved by N(0, (step·range width)²), kept inside the range, rounded like the proposals. */
function jitter(v: number, [lo, hi]: readonly [number, number], step: number, rng: Rng): number {
  return r2(Math.min(hi, Math.max(lo, v + step * (hi - lo) * rng.normal())));
}

/**
 * A child of a recombine recipe: the same horse, every placement number moved a little (see
 * `jitter`), the flip and the wing count sometimes toggled, and with probability `rc.donorSwap` a
 * new donor (seed from `seed()`) of the same class.
 */
export function mutateRecombine(r: RecombineRecipe, rc: RecombineConfig, seed: () => number, rng: Rng): RecombineRecipe {
  const p = r.placement;
  const donor = rng.uniform() < rc.donorSwap ? { seed: seed(), weights: r.donor.weights } : r.donor;
  return {
    ...r,
    donor,
    placement: {
      ...p,
      size: jitter(p.size, rc.size[p.shape], rc.step, rng),
      along: jitter(p.along, rc.along, rc.step, rng),
      lift: jitter(p.lift, rc.lift, rc.step, rng),
      lean: jitter(p.lean, rc.lean, rc.step, rng),
      light: jitter(p.light, rc.light, rc.step, rng),
      flip: rng.uniform() < 0.2 ? !p.flip : p.flip,
      wings: rng.uniform() < 0.2 ? (p.wings === 1 ? 2 : 1) : p.wings,
    },
  };
}

/** What the recombine stage of the search is given. */
export interface RecombineSearch {
  /** Candidates in all. */
  readonly n: number;
  readonly body: string;
  readonly wings: readonly string[];
  readonly config: RecombineConfig;
  /** The next candidate seed. */
  readonly seed: () => number;
  readonly rng: Rng;
  /** Draws and scores a chunk; returns its pre-scores. */
  readonly evaluate: (part: RecombineRecipe[]) => number[];
  /** Candidates per evaluate call (512). */
  readonly chunk?: number;
  /** How the proposals' horses and donors are drawn and judged (see recombineProposals). */
  readonly parts?: PartOptions;
}

/**
 * The recombine stage of the search: `n` candidates, of which a share `config.refineShare` refine the
 * best ones. First random proposals, then a (1 + λ) evolution strategy on placement and donor (as
 * latent search does on z): each of `config.parents` parents (best pre-scores, one per horse) proposes
 * `config.children` children per round and is replaced by its best child when that scores higher.
 * Returns the candidates drawn (see evolve.ts).
 */
export function recombineSearch(s0: RecombineSearch): number {
  const { n, body, wings, config: rc, seed, rng, evaluate, chunk = 512, parts: o = {} } = s0;
  const refineN = Math.floor(n * rc.refineShare);
  const parentsN = Math.max(1, Math.min(rc.parents, Math.floor(refineN / Math.max(1, rc.children))));
  const rounds = refineN >= parentsN * rc.children ? Math.floor(refineN / (parentsN * rc.children)) : 0;
  const first = n - rounds * parentsN * rc.children;
  const all: { r: RecombineRecipe; pre: number }[] = [];
  const proposals = recombineProposals(first, body, wings, rc, seed, rng, o);
  for (let s = 0; s < proposals.length; s += chunk) {
    const part = proposals.slice(s, s + chunk);
    evaluate(part).forEach((pre, i) => all.push({ r: part[i]!, pre }));
  }
  // one parent per horse
  const parents = bestPerFamily(
    all.map((c) => c.r),
    all.map((c) => c.pre),
    parentsN,
    (r) => r.seed,
  );
  for (let round = 0; round < rounds && parents.length > 0; round++) {
    const children = parents.flatMap((p) => Array.from({ length: rc.children }, () => mutateRecombine(p.recipe, rc, seed, rng)));
    const pre: number[] = [];
    for (let s = 0; s < children.length; s += chunk) pre.push(...evaluate(children.slice(s, s + chunk)));
    keepBestChildren(parents, children, pre, rc.children);
  }
  return first + rounds * parents.length * rc.children;
}
