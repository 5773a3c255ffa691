/**
 * Winged-horse composites: a real CIFAR-10 horse with one wing or a spread pair drawn on its back,
 * made entirely in code (the task allows automatic edits of data; nothing is edited by hand).
 *
 * A recipe (`PegasusRecipe`) holds every choice — the horse, the wing shapes, the colour source
 * and the light — so a composite is redrawn bit for bit from it. Colours come from the data: a
 * white or pale grey wing, the horse's own palette, or the pixels of a real bird or airplane
 * (texture mapped along and across the wing); the wing's brightness follows the scene's. The far
 * wing of a pair is in shadow and hidden behind the body. Cut-and-paste data of this kind follows
 * Dwibedi et al. 2017 ("Cut, Paste and Learn"); the wing silhouette is wing.ts.
 */
import type { Rng } from '../engine/index.js';
import { maskBox, segmentForeground, type Box } from '../image/segment.js';
import type { HorseBack } from './horseBack.js';
import { outlineOf, renderWing, type WingLayer, type WingShape } from './wing.js';

const SIZE = 32;
const PLANE = SIZE * SIZE;

export type WingColourKind = 'white' | 'horse' | 'bird' | 'airplane';

export interface WingColour {
  readonly kind: WingColourKind;
  readonly rgb: readonly [number, number, number]; // base colour in [0, 1]
  readonly donor?: number; // bird or airplane: its index in the donor list of the composite set
  readonly texture: number; // share of the donor's pixels in the wing's colour, 0 … 1
}

export interface PegasusRecipe {
  readonly horse: number; // index of the horse in the source split's horse images
  readonly near: WingShape;
  readonly far: WingShape | null; // the second wing of a spread pair, behind the body
  readonly colour: WingColour;
  readonly outline: number; // strength of the dark outline, 0 … 1
  readonly light: number; // brightness of the wing relative to full light
}

/** A bird or airplane photograph to take wing colour and texture from. */
export interface Donor {
  readonly pixels: Uint8Array; // CHW
  readonly box: Box; // the object's box
  readonly mean: readonly [number, number, number]; // the object's mean colour in [0, 1]
}

/** The object box and mean colour of a donor image (uint8 CHW). */
export function makeDonor(pixels: Uint8Array): Donor {
  const mask = segmentForeground(pixels, 3, SIZE, SIZE);
  const box = maskBox(mask) ?? { x0: 0, y0: 0, x1: SIZE - 1, y1: SIZE - 1 };
  const mean: [number, number, number] = [0, 0, 0];
  let n = 0;
  for (let p = 0; p < PLANE; p++) {
    if (mask.data[p] === 0) continue;
    n++;
    for (let c = 0; c < 3; c++) mean[c]! += pixels[c * PLANE + p]! / 255;
  }
  for (let c = 0; c < 3; c++) mean[c] = n > 0 ? mean[c]! / n : 0.5;
  return { pixels, box, mean };
}

/** Tunable odds and ranges of the recipe sampler; defaults were chosen by blind viewing (docs/pegasi.md). */
export interface RecipeRanges {
  readonly pairOdds: number; // share of spread pairs (else one wing)
  readonly colourOdds: Readonly<Record<WingColourKind, number>>; // relative odds of each colour source
  readonly outlineOdds: number; // share of wings with a dark outline
}

export const defaultRecipeRanges: RecipeRanges = {
  pairOdds: 0.55,
  colourOdds: { white: 0.5, horse: 0.15, bird: 0.25, airplane: 0.1 },
  outlineOdds: 0.85,
};

const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.uniform();

function pick<K extends string>(rng: Rng, odds: Readonly<Record<K, number>>): K {
  const entries = Object.entries(odds) as [K, number][];
  let r = rng.uniform() * entries.reduce((s, [, w]) => s + w, 0);
  for (const [k, w] of entries) {
    r -= w;
    if (r < 0) return k;
  }
  return entries[entries.length - 1]![0];
}

/** Mean colour of the horse's mask, and the scene's mean luminance, in [0, 1]. */
function palette(pixels: Uint8Array, back: HorseBack): { horse: [number, number, number]; luminance: number } {
  const horse: [number, number, number] = [0, 0, 0];
  let n = 0;
  let lum = 0;
  for (let p = 0; p < PLANE; p++) {
    const r = pixels[p]! / 255;
    const g = pixels[PLANE + p]! / 255;
    const b = pixels[2 * PLANE + p]! / 255;
    lum += 0.299 * r + 0.587 * g + 0.114 * b;
    if (back.mask.data[p] === 0) continue;
    n++;
    horse[0] += r;
    horse[1] += g;
    horse[2] += b;
  }
  return { horse: horse.map((v) => (n > 0 ? v / n : 0.5)) as [number, number, number], luminance: lum / PLANE };
}

const towardWhite = (c: readonly number[], t: number): [number, number, number] =>
  c.map((v) => v + (1 - v) * t) as [number, number, number];

/**
 * Draws one recipe for a horse (its index, pixels and back) with wing colours from `donors`.
 * @example const r = sampleRecipe(rng, 12, pixels, back, { bird: birds, airplane: planes });
 */
export function sampleRecipe(
  rng: Rng,
  horse: number,
  pixels: Uint8Array,
  back: HorseBack,
  donors: { readonly bird: readonly Donor[]; readonly airplane: readonly Donor[] },
  ranges: RecipeRanges = defaultRecipeRanges,
): PegasusRecipe {
  const { box, tailSign, top } = back;
  const bw = box.x1 - box.x0 + 1;
  const headX = tailSign === 1 ? box.x0 : box.x1;
  const rootX = Math.min(SIZE - 1, Math.max(0, headX + tailSign * uniform(rng, 0.38, 0.55) * bw));
  const rootY = top[Math.round(rootX)]! + 1.5;
  const lean = uniform(rng, 15, 50);
  const room = (rootY - 0.5) / Math.cos((lean * Math.PI) / 180); // keep the tip inside the frame
  const length = Math.max(6, Math.min(room, Math.min(18, Math.max(8, uniform(rng, 0.5, 0.75) * bw))));
  const near: WingShape = {
    rootX,
    rootY,
    tailSign,
    length,
    lean,
    bow: uniform(rng, 0.05, 0.15),
    feathers: 5 + rng.int(4),
    featherLength: uniform(rng, 0.45, 0.62),
    featherWidth: uniform(rng, 0.2, 0.28),
    fanRoot: uniform(rng, 95, 125),
    fanTip: uniform(rng, 15, 30),
  };
  const far: WingShape | null =
    rng.uniform() < ranges.pairOdds
      ? {
          ...near,
          rootX: rootX - tailSign * uniform(rng, 0.05, 0.12) * bw,
          rootY: rootY - 1,
          lean: Math.min(65, lean + uniform(rng, 8, 22)),
          length: length * uniform(rng, 0.85, 1),
        }
      : null;
  const { horse: horseMean, luminance } = palette(pixels, back);
  const kind = pick(rng, ranges.colourOdds);
  let colour: WingColour;
  if (kind === 'white') {
    const g = uniform(rng, 0.86, 0.98);
    colour = { kind, rgb: [g + uniform(rng, -0.03, 0.02), g + uniform(rng, -0.02, 0.02), g + uniform(rng, -0.02, 0.03)], texture: 0 };
  } else if (kind === 'horse') {
    colour = { kind, rgb: towardWhite(horseMean, uniform(rng, 0.45, 0.65)), texture: 0 };
  } else {
    const list = donors[kind];
    if (list.length === 0) {
      colour = { kind: 'white', rgb: [0.92, 0.92, 0.92], texture: 0 };
    } else {
      const donor = rng.int(list.length);
      colour = { kind, rgb: towardWhite(list[donor]!.mean, uniform(rng, 0.3, 0.5)), donor, texture: uniform(rng, 0.3, 0.6) };
    }
  }
  return {
    horse,
    near,
    far,
    colour,
    outline: rng.uniform() < ranges.outlineOdds ? uniform(rng, 0.5, 0.9) : 0,
    light: Math.min(1.05, Math.max(0.8, 0.78 + 0.3 * luminance)),
  };
}

/** The wing colour at pixel p of a layer (RGB in [0, 1]) before light and shade. */
function baseColour(r: PegasusRecipe, donor: Donor | undefined, layer: WingLayer, p: number, out: number[]): void {
  for (let c = 0; c < 3; c++) out[c] = r.colour.rgb[c]!;
  if (donor === undefined || r.colour.texture === 0) return;
  const b = donor.box;
  const x = Math.round(b.x0 + Math.min(1, layer.across[p]!) * (b.x1 - b.x0));
  const y = Math.round(b.y0 + (1 - Math.min(1, layer.along[p]!)) * (b.y1 - b.y0));
  const t = r.colour.texture;
  for (let c = 0; c < 3; c++) out[c] = (1 - t) * out[c]! + t * (donor.pixels[c * PLANE + y * SIZE + x]! / 255);
}

/**
 * The composite of a recipe: uint8 CHW. `horseMask` hides the far wing behind the body.
 * @example const img = drawComposite(horsePixels, back.mask.data, recipe, donor);
 */
export function drawComposite(horse: Uint8Array, horseMask: Uint8Array, r: PegasusRecipe, donor?: Donor): Uint8Array {
  const out = Float32Array.from(horse, (v) => v / 255);
  const rgb = [0, 0, 0];
  const paint = (layer: WingLayer, dim: number, hidden: Uint8Array | null): void => {
    const outline = outlineOf(layer.alpha, SIZE);
    for (let p = 0; p < PLANE; p++) {
      const behind = hidden !== null && hidden[p] === 1 ? 0 : 1;
      const o = outline[p]! * r.outline * 0.75 * behind;
      if (o > 0) for (let c = 0; c < 3; c++) out[c * PLANE + p] = (1 - o) * out[c * PLANE + p]! + o * r.colour.rgb[c]! * 0.22;
      const a = layer.alpha[p]! * behind;
      if (a === 0) continue;
      baseColour(r, donor, layer, p, rgb);
      const light = r.light * dim * layer.shade[p]! * (1.08 - 0.16 * Math.min(1, layer.across[p]!));
      for (let c = 0; c < 3; c++) out[c * PLANE + p] = (1 - a) * out[c * PLANE + p]! + a * Math.min(1, rgb[c]! * light);
    }
  };
  if (r.far !== null) paint(renderWing(r.far, SIZE), 0.72, horseMask);
  paint(renderWing(r.near, SIZE), 1, null);
  return Uint8Array.from(out, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
}
