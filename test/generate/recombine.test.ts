// The recombine strategy and its image pieces: segmentation finds a disc on a flat background
// (and on a two-tone one), Otsu splits two clusters, compositing with an empty mask keeps the
// horse and with a full opaque mask copies the donor (alpha and Poisson), a recombine recipe redraws
// bit for bit and survives JSON, and a tiny-model search with --strategy recombine records
// recombine candidates. The parts judge: a wing one can see on a horse from a sure bird scores by
// its parts, an invisible wing adds nothing, and old choices are scored without the judge.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Rng } from '../../src/engine/index.js';
import { defaultRecombineConfig } from '../../src/generate/config.js';
import { describe as describeRecipe, type RecombineRecipe } from '../../src/generate/recipe.js';
import {
  drawRecombine,
  drawRecombineParts,
  mutateRecombine,
  newPartCache,
  partKey,
  partsOf,
  recombine,
  recombineProposals,
  recombineSearch,
  recombineWithAlpha,
  type RecombineDraw,
} from '../../src/generate/recombine.js';
import { CLASS_NAMES } from '../../src/data/index.js';
import { drawGan } from '../../src/generate/gan.js';
import { recordedScoreConfig, type RecordedChoice } from '../../src/generate/choice.js';
import { realManifold } from '../../src/generate/reference.js';
import {
  defaultScoreConfig,
  firstScores,
  fullScores,
  partsPegasusness,
  pegasusness,
  placeParts,
  wingParts,
  wingVisibility,
} from '../../src/generate/score.js';
import { embedImages } from '../../src/evaluate/embed.js';
import { rows } from '../../src/evaluate/distances.js';
import { randn } from '../../src/engine/index.js';
import { alphaComposite, featherAlpha, poissonBlend } from '../../src/image/composite.js';
import { fillHoles, largestComponent, maskBox, otsuThreshold, segmentForeground, topProfile, type Mask } from '../../src/image/segment.js';
import { Generator } from '../../src/models/cgan/index.js';
import { defaultClassifierConfig, ResNet9, saveClassifier } from '../../src/models/classifier/index.js';
import { loadGenerator } from '../../src/sample/sampler.js';
import { resolveRunConfig } from '../../src/train/resolve.js';
import { saveEmaGenerator } from '../../src/train/trainState.js';
import { writeCifarFixture, type Fixture } from '../helpers/cifarFixture.js';
import { pegasus } from '../helpers/cli.js';

const S = 32;
const PLANE = S * S;

/** A 3×32×32 image: `inside(x, y)` pixels get colour `fg`, the rest `bg(y)`. */
function picture(inside: (x: number, y: number) => boolean, fg: readonly number[], bg: (y: number) => readonly number[]): Float32Array {
  const img = new Float32Array(3 * PLANE);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) for (let c = 0; c < 3; c++) img[c * PLANE + y * S + x] = (inside(x, y) ? fg : bg(y))[c]!;
  }
  return img;
}

const disc = (cx: number, cy: number, r: number) => (x: number, y: number) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

function mismatches(m: Mask, inside: (x: number, y: number) => boolean): number {
  let bad = 0;
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) bad += m.data[y * S + x] !== (inside(x, y) ? 1 : 0) ? 1 : 0;
  return bad;
}

describe('recombine: image pieces', () => {
  test('Otsu splits two clusters between them', () => {
    const t = otsuThreshold(Float64Array.of(0.1, 0.2, 0.15, 0.9, 0.95, 1, 0.12));
    assert.ok(t > 0.2 && t <= 0.9, `threshold ${t}`);
  });

  test('a disc on a flat background, and on sky over grass, is segmented as the disc', () => {
    const d = disc(15, 17, 7);
    const flat = segmentForeground(
      picture(d, [0.8, -0.6, -0.5], () => [-0.2, 0.3, 0.9]),
      3,
      S,
      S,
    );
    // NOTE: the 3×3 opening trims the disc's four one-pixel tips, nothing else
    assert.ok(mismatches(flat, d) <= 4, `${mismatches(flat, d)} wrong pixels`);
    assert.deepEqual(maskBox(flat), { x0: 9, y0: 11, x1: 21, y1: 23 });
    const two = segmentForeground(
      picture(d, [0.1, -0.4, -0.7], (y) => (y < 16 ? [0.5, 0.7, 0.95] : [-0.3, 0.4, -0.5])),
      3,
      S,
      S,
    );
    assert.ok(mismatches(two, d) <= 4, `${mismatches(two, d)} wrong pixels`);
    const top = topProfile(flat);
    assert.equal(top[15], 11);
    assert.equal(top[0], S); // an empty column
  });

  test('components and holes: the largest piece is kept, an enclosed hole is filled', () => {
    const data = new Uint8Array(PLANE);
    for (let y = 2; y < 12; y++) for (let x = 2; x < 12; x++) data[y * S + x] = y === 6 && x === 6 ? 0 : 1; // 10×10 with a hole
    data[30 * S + 30] = 1; // a speck
    const m = { data, height: S, width: S };
    const big = largestComponent(m);
    assert.equal(
      big.data.reduce((a, v) => a + v, 0),
      99,
    );
    assert.equal(
      fillHoles(big).data.reduce((a, v) => a + v, 0),
      100,
    );
  });

  test('an empty mask leaves the base unchanged; a full opaque mask copies the layer', () => {
    const rng = new Rng(4);
    const base = Float32Array.from({ length: 3 * PLANE }, () => rng.uniform() * 2 - 1);
    const layer = Float32Array.from({ length: 3 * PLANE }, () => rng.uniform() * 2 - 1);
    const none = new Float64Array(PLANE);
    const full = new Float64Array(PLANE).fill(1);
    assert.deepEqual(alphaComposite(base, layer, none, 3, S, S), Float64Array.from(base));
    assert.deepEqual(alphaComposite(base, layer, full, 3, S, S), Float64Array.from(layer));
    assert.deepEqual(alphaComposite(base, layer, featherAlpha(full, S, S, 2), 3, S, S), Float64Array.from(layer));
    assert.deepEqual(poissonBlend(base, layer, none, 3, S, S, 50), Float64Array.from(base));
    // Ω is the whole frame: no boundary, the layer's own values are the fixed point
    const p = poissonBlend(base, layer, full, 3, S, S, 50);
    p.forEach((v, i) => assert.ok(Math.abs(v - layer[i]!) < 1e-12));
  });

  test("Poisson cloning keeps the layer's edges but meets the base without a step", () => {
    const base = new Float32Array(3 * PLANE).fill(-0.5);
    const sq = (x: number, y: number) => x >= 10 && x < 22 && y >= 10 && y < 22;
    const layer = picture(
      (x, y) => sq(x, y) && x < 16,
      [0.9, 0.9, 0.9],
      () => [0.3, 0.3, 0.3],
    ); // bright left half
    const alpha = Float64Array.from({ length: PLANE }, (_, p) => (sq(p % S, Math.floor(p / S)) ? 1 : 0));
    const f = poissonBlend(base, layer, alpha, 3, S, S, 400);
    const at = (x: number, y: number) => f[y * S + x]!;
    assert.ok(Math.abs(at(15, 16) - at(16, 16) - 0.6) < 0.05, 'the edge inside the layer survives');
    assert.ok(Math.abs(at(9, 16) - at(8, 16)) < 0.2, 'no step at the boundary');
    assert.equal(at(2, 2), -0.5);
  });
});

describe('recombine: recipes', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'pegasus-recombine-'));
    const config = resolveRunConfig('cgan', 'tiny', { classes: ['airplane', 'bird', 'deer', 'horse'] });
    saveEmaGenerator(join(tmp, 'g.pgc'), config, new Generator(config.cgan, new Rng(1)).stateDict(), 0);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('a recipe redraws bit for bit, alone or in a batch, and round-trips through JSON', () => {
    const g = loadGenerator(join(tmp, 'g.pgc'));
    let s = 100;
    const rc = { ...defaultRecombineConfig, shapes: ['wing', 'object'] as const, blends: ['alpha', 'poisson'] as const };
    const rr = recombineProposals(12, 'horse', ['bird', 'airplane'], rc, () => s++, new Rng(7));
    for (const k of ['shape', 'blend', 'wings', 'flip'] as const)
      assert.equal(new Set(rr.map((r) => r.placement[k])).size, 2, `${k} varies`);
    assert.equal(new Set(rr.map((r) => JSON.stringify(r.placement))).size, 12, 'placements vary');
    assert.ok(new Set(rr.map((r) => r.seed)).size >= 3 && new Set(rr.map((r) => r.donor.seed)).size >= 2);
    const all = drawRecombine(g, rr);
    const back = JSON.parse(JSON.stringify(rr)) as RecombineRecipe[];
    assert.deepEqual(back, rr);
    const again = drawRecombine(g, [back[5]!, back[2]!]);
    assert.deepEqual(again.subarray(0, 3072), all.subarray(5 * 3072, 6 * 3072));
    assert.deepEqual(again.subarray(3072), all.subarray(2 * 3072, 3 * 3072));
    assert.match(describeRecipe(rr[0]!), /^recombine horse.* seed \d+ \+ (wing|object) of (bird|airplane):1 seed \d+$/);
    // with its parts: the same images, each horse and donor as drawn alone, the wing's alpha in [0, 1]
    const d = drawRecombineParts(g, rr);
    assert.deepEqual(d.images, all);
    rr.forEach((r, i) => {
      const { horse, donor } = partsOf(r);
      const two = drawGan(g, [horse, donor]);
      // exactly: drawGan's passes have a fixed number of rows, so two parts draw as among all of them
      assert.deepEqual(d.parts.subarray(d.horseOf[i]! * 3072, (d.horseOf[i]! + 1) * 3072), two.subarray(0, 3072), `horse of ${i}`);
      assert.deepEqual(d.parts.subarray(d.donorOf[i]! * 3072, (d.donorOf[i]! + 1) * 3072), two.subarray(3072), `donor of ${i}`);
    });
    assert.ok(d.wingAlpha.every((a) => a >= 0 && a <= 1));
    for (let i = 0; i < rr.length; i++)
      assert.ok(
        d.wingAlpha.subarray(i * PLANE, (i + 1) * PLANE).some((a) => a > 0.5),
        `candidate ${i} has a wing`,
      );
    // with a part cache: the same draw, each part drawn once; a later draw reuses what is cached
    const cache = newPartCache();
    assert.deepEqual(drawRecombineParts(g, rr.slice(0, 6), cache).images, all.subarray(0, 6 * 3072));
    const drawnFirst = cache.images.size;
    assert.equal(drawnFirst, new Set(rr.slice(0, 6).flatMap((r) => Object.values(partsOf(r)).map(partKey))).size);
    const withCache = drawRecombineParts(g, rr, cache);
    assert.deepEqual(withCache.images, all);
    assert.deepEqual(withCache.parts, d.parts);
    assert.equal(cache.images.size, d.partKeys.length, 'every part cached once');
    // a cached image is what is used (not drawn again)
    cache.images.set(withCache.partKeys[0]!, new Float32Array(3072).fill(0.25));
    assert.ok(
      drawRecombineParts(g, rr, cache)
        .parts.subarray(0, 3072)
        .every((v) => v === 0.25),
    );
  });

  test('children keep the horse, stay in range, and the evolution strategy spends the budget on the best', () => {
    let s = 0;
    const rc = defaultRecombineConfig;
    const [parent] = recombineProposals(1, 'horse', ['bird'], rc, () => s++, new Rng(1));
    const rng = new Rng(2);
    const kids = Array.from({ length: 200 }, () => mutateRecombine(parent!, rc, () => s++, rng));
    for (const k of kids) {
      assert.equal(k.seed, parent!.seed);
      assert.deepEqual(k.horse, parent!.horse);
      assert.equal(k.placement.shape, parent!.placement.shape);
      assert.ok(k.placement.lean >= rc.lean[0] && k.placement.lean <= rc.lean[1]);
      assert.ok(k.placement.size >= rc.size[k.placement.shape][0] && k.placement.size <= rc.size[k.placement.shape][1]);
    }
    const swapped = kids.filter((k) => k.donor.seed !== parent!.donor.seed).length;
    assert.ok(swapped > 30 && swapped < 100, `${swapped} donor swaps`);
    // a score that likes large wings: the refined parents climb toward the top of the size range
    const seen: RecombineRecipe[] = [];
    const drawn = recombineSearch({
      n: 400,
      body: 'horse',
      wings: ['bird'],
      config: { ...rc, shapes: ['wing'] },
      seed: () => s++,
      rng: new Rng(3),
      evaluate: (part) => {
        seen.push(...part);
        return part.map((r) => r.placement.size);
      },
    });
    assert.equal(drawn, 400);
    assert.equal(seen.length, 400);
    const mean = (xs: RecombineRecipe[]) => xs.reduce((a, r) => a + r.placement.size, 0) / xs.length;
    assert.ok(mean(seen.slice(300)) > mean(seen.slice(0, 200)) + 1, `${mean(seen.slice(300))} vs ${mean(seen.slice(0, 200))}`);
  });

  test('with a judge and elite 3, only the best third of the horses and donors drawn are used', () => {
    let s = 0;
    const asked: string[] = [];
    const rank = (parts: readonly { seed: number; weights: Record<string, number> }[], cls: string) => {
      asked.push(cls);
      for (const p of parts) assert.ok((p.weights[cls] ?? 0) >= 0.5, `${cls} judged on ${JSON.stringify(p.weights)}`);
      return parts.map((p) => (p.seed % 3 === 0 ? 1 : 0)); // the judge likes seeds divisible by 3
    };
    const rc = { ...defaultRecombineConfig, elite: 3, reuse: 4 };
    const rr = recombineProposals(48, 'horse', ['bird', 'airplane'], rc, () => s++, new Rng(5), { rank });
    assert.equal(s, 2 * 3 * 12, 'three times the 12 horses and 12 donors are drawn');
    for (const r of rr) assert.ok(r.seed % 3 === 0 && r.donor.seed % 3 === 0, `horse ${r.seed}, donor ${r.donor.seed}`);
    assert.ok(new Set(rr.map((r) => r.seed)).size >= 10, 'the kept horses are still many');
    assert.deepEqual([...new Set(asked)].sort(), ['airplane', 'bird', 'horse']);
    // without a judge nothing extra is drawn
    s = 0;
    recombineProposals(48, 'horse', ['bird', 'airplane'], rc, () => s++, new Rng(5));
    assert.equal(s, 24);
  });

  test('the pasted layer changes the horse above its back and nowhere far below it', () => {
    const horseShape = (x: number, y: number) => x >= 6 && x < 26 && y >= 16 && y < 28; // a box "body" on a flat field
    const horse = picture(horseShape, [0.3, -0.2, -0.6], () => [-0.4, 0.6, -0.4]);
    const donor = picture(disc(16, 16, 6), [1, 1, 1], () => [-0.5, -0.3, 0.8]);
    const seg = (im: Float32Array) => segmentForeground(im, 3, S, S);
    const out = recombine(horse, seg(horse), donor, seg(donor), {
      shape: 'wing',
      size: 12,
      along: 0,
      lift: -1,
      lean: 20,
      flip: false,
      light: 0,
      wings: 1,
      blend: 'alpha',
    });
    let above = 0;
    let below = 0;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const changed = Math.abs(out[y * S + x]! - horse[y * S + x]!) > 0.1;
        if (changed && y < 16) above++;
        if (changed && y >= 22) below++;
      }
    }
    assert.ok(above >= 15, `${above} pixels changed above the back`);
    assert.equal(below, 0);
    // a solid wing is its whole outline: everywhere the masked wing is, and more where the donor's mask is ragged
    const ragged = picture(
      (x, y) => disc(16, 16, 6)(x, y) && (x + y) % 3 !== 0,
      [1, 1, 1],
      () => [-0.5, -0.3, 0.8],
    );
    const p = { shape: 'wing', size: 12, along: 0, lift: -1, lean: 20, flip: false, light: 0, wings: 1, blend: 'alpha' } as const;
    const masked = recombineWithAlpha(horse, seg(horse), ragged, seg(ragged), p).alpha;
    const solid = recombineWithAlpha(horse, seg(horse), ragged, seg(ragged), { ...p, solid: true }).alpha;
    assert.ok(masked.every((a, q) => solid[q]! >= a - 1e-6));
    const sum = (a: Float32Array) => a.reduce((x, y) => x + y, 0);
    assert.ok(sum(solid) > sum(masked), `${sum(solid)} vs ${sum(masked)}`);
  });
});

describe('recombine: the parts judge', () => {
  // a dark box "horse" on grass; its wing: a white or a horse-coloured band above the back
  const horseShape = (x: number, y: number) => x >= 6 && x < 26 && y >= 16 && y < 28;
  const band = (x: number, y: number) => x >= 10 && x < 20 && y >= 10 && y < 16; // 60 px, its last row on the back
  const horse = picture(horseShape, [-0.6, -0.7, -0.8], () => [-0.4, 0.6, -0.4]);
  const white = picture(
    (x, y) => horseShape(x, y) || band(x, y),
    [-0.6, -0.7, -0.8],
    () => [-0.4, 0.6, -0.4],
  );
  for (let q = 0; q < PLANE; q++) if (band(q % S, Math.floor(q / S))) for (let c = 0; c < 3; c++) white[c * PLANE + q] = 1;
  const donor = picture(disc(16, 16, 8), [0.9, 0.9, 0.9], () => [-0.5, -0.3, 0.8]);
  const alpha = Float32Array.from({ length: PLANE }, (_, q) => (band(q % S, Math.floor(q / S)) ? 1 : 0));
  // candidate 0: the white wing; candidate 1: the same alpha, but nothing changed (an invisible wing)
  const draw: RecombineDraw = {
    images: Float32Array.of(...white, ...horse),
    wingAlpha: Float32Array.of(...alpha, ...alpha),
    parts: Float32Array.of(...horse, ...donor),
    horseOf: Int32Array.of(0, 0),
    donorOf: Int32Array.of(1, 1),
    partMasks: Uint8Array.from({ length: 2 * PLANE }, (_, q) =>
      q < PLANE ? +horseShape(q % S, Math.floor(q / S)) : +disc(16, 16, 8)(q % S, Math.floor((q - PLANE) / S)),
    ),
    partKeys: ['the horse', 'the donor'],
  };
  const net = new ResNet9({ ...defaultClassifierConfig, widths: [4, 4, 8, 8] }, new Rng(3));

  test('area, contrast and p_donor are measured on the parts; an invisible wing has no visibility', () => {
    const w = wingParts(net, draw, ['bird', 'airplane']);
    // the donor is classified once and its probabilities cached; cached ones are used as they are
    const cache = newPartCache();
    assert.deepEqual([...wingParts(net, draw, ['bird', 'airplane'], 0, cache).pDonor], [...w.pDonor]);
    assert.deepEqual([...cache.probs.keys()], ['the donor']);
    const bird = CLASS_NAMES.indexOf('bird');
    cache.probs.set(
      'the donor',
      Float32Array.from(CLASS_NAMES, (_, j) => (j === bird ? 1 : 0)),
    );
    assert.deepEqual([...wingParts(net, draw, ['bird'], 0, cache).pDonor], [1, 1]);
    assert.deepEqual([...w.area], [60, 60]);
    // white (1) over the grass (−0.4, 0.6, −0.4) above the back: RMS of (1.4, 0.4, 1.4)
    assert.ok(Math.abs(w.contrast[0]! - Math.sqrt((1.4 ** 2 + 0.4 ** 2 + 1.4 ** 2) / 3)) < 1e-5, `contrast ${w.contrast[0]}`);
    assert.equal(w.contrast[1], 0);
    // a wing that lies over the body (inside the horse's mask) is not seen as a wing at all
    const body = wingParts(net, { ...draw, partMasks: Uint8Array.from(draw.partMasks, (v, q) => (q < PLANE ? 1 : v)) }, ['bird']);
    assert.deepEqual([...body.area], [0, 0]);
    // a wing that does not touch the horse floats in the sky: not seen as the horse's wing
    const floating = Float32Array.from({ length: PLANE }, (_, q) => (band(q % S, Math.floor(q / S) + 3) ? 1 : 0)); // rows 7–12
    assert.deepEqual([...wingParts(net, { ...draw, wingAlpha: Float32Array.of(...floating, ...floating) }, ['bird']).area], [0, 0]);
    // a horse the segmentation did not find (240 px < 300) leaves the judgement to the whole image
    const lost = wingParts(net, draw, ['bird'], 300);
    assert.ok([...lost.pDonor, ...lost.area, ...lost.contrast].every(Number.isNaN));
    assert.equal(wingParts(net, draw, ['bird'], 240).area[0], 60);
    // a wing of the horse's own colour beside it is not seen either, whatever the background
    const brown = Float32Array.from(white);
    for (let q = 0; q < PLANE; q++)
      if (band(q % S, Math.floor(q / S))) for (let c = 0; c < 3; c++) brown[c * PLANE + q] = [-0.6, -0.7, -0.8][c]!;
    assert.ok(wingParts(net, { ...draw, images: Float32Array.of(...brown, ...horse) }, ['bird']).contrast[0]! < 1e-6);
    const p = embedImages(net, donor, { flipTta: true }).probs;
    assert.ok(Math.abs(w.pDonor[0]! - (p[0]! + p[2]!)) < 1e-6, 'p(airplane) + p(bird) of the donor');
    assert.equal(wingVisibility(60, 1.7, defaultScoreConfig.parts!), 1);
    assert.equal(wingVisibility(20, 0.2, { area: 40, contrast: 0.4, horseArea: 0 }), 0.25);
    assert.equal(partsPegasusness(0.81, 1, 0.25, 0.5), 0.45);
  });

  test('P = max(whole-image P, P_parts): the parts judge only adds, and is off for old choices', () => {
    const manifold = realManifold(rows(randn([20, 8], new Rng(5)).data as Float32Array, 8), 3);
    const parts = placeParts(3, [0, 1], wingParts(net, draw, ['bird', 'airplane']));
    const images = Float32Array.of(...draw.images, ...horse); // the third has no parts
    const on = firstScores(net, images, manifold, defaultScoreConfig, parts);
    const off = firstScores(net, images, manifold, { ...defaultScoreConfig, parts: null }, parts);
    for (let i = 0; i < 3; i++) {
      const whole = pegasusness(on.pBody[i]!, on.pWings[i]!, 0.5);
      assert.ok(Math.abs(off.pegasus[i]! - whole) < 1e-6);
      assert.ok(Number.isNaN(off.partsPegasus[i]!));
      if (i === 2) {
        assert.ok(Number.isNaN(on.partsPegasus[i]!) && Math.abs(on.pegasus[i]! - whole) < 1e-6, 'no parts: the whole image judges');
        continue;
      }
      const expected = partsPegasusness(on.pBody[i]!, parts.pDonor[i]!, i === 0 ? 1 : 0, 0.5);
      assert.ok(Math.abs(on.partsPegasus[i]! - expected) < 1e-6);
      assert.ok(Math.abs(on.pegasus[i]! - Math.max(whole, expected)) < 1e-6);
    }
    assert.equal(on.partsPegasus[1], 0, 'an invisible wing gives the parts judge nothing');
    const tau = { pixel: 1, feature: 1e-6 };
    const ref = {
      pixels: rows(horse, 3072),
      pixelNorms: undefined,
      train: { features: rows(on.features.slice(16, 24), 8), norms: undefined, index: Int32Array.of(0), complete: true },
      manifold,
    } as never;
    const full = fullScores(images, on, [0, 1, 2], ref, tau, defaultScoreConfig);
    assert.equal(full[0]!.judge, on.partsPegasus[0]! > pegasusness(on.pBody[0]!, on.pWings[0]!, 0.5) ? 'parts' : 'image');
    assert.equal(full[0]!.parts?.visibility, 1);
    assert.equal(full[2]!.parts, undefined);
    assert.equal(full[2]!.judge, 'image');
    // choices recorded before the judge are scored without it; new ones keep theirs
    const choice = (score: unknown) => ({ search: { config: { score } } }) as unknown as RecordedChoice;
    assert.equal(recordedScoreConfig(choice({ body: ['horse'], wings: ['bird'], bodyShare: 0.55, realismPower: 0.5 })).parts, null);
    assert.deepEqual(recordedScoreConfig(choice(defaultScoreConfig)).parts, defaultScoreConfig.parts);
  });
});

describe('recombine: search', () => {
  let fx: Fixture;
  let tmp: string;
  const p = (...parts: string[]) => join(tmp, ...parts);
  before(() => {
    fx = writeCifarFixture();
    tmp = mkdtempSync(join(tmpdir(), 'pegasus-recombine-cli-'));
    const config = resolveRunConfig('cgan', 'tiny', { classes: ['airplane', 'bird', 'deer', 'horse'] });
    saveEmaGenerator(p('g.pgc'), config, new Generator(config.cgan, new Rng(1)).stateDict(), 3);
    saveClassifier(p('c.pgc'), new ResNet9({ ...defaultClassifierConfig, widths: [4, 4, 8, 8] }, new Rng(3)), {
      epoch: 0,
      testAccuracy: null,
    });
  });
  after(() => {
    fx.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('--strategy recombine writes recombine candidates that the recorded choice redraws', () => {
    const common = [
      '--checkpoint',
      p('g.pgc'),
      '--classifier',
      p('c.pgc'),
      '--data',
      fx.dir,
      '--records-per-file',
      String(fx.recordsPerFile),
      '--cache',
      p('cache'),
      '--choice',
      p('choice.json'),
    ];
    const r = pegasus(['generate', '--composed', '--search', '--strategy', 'recombine', '--candidates', '96', '--out', p('a'), ...common]);
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(readFileSync(p('a', 'pegasus.json'), 'utf8'));
    assert.deepEqual(json.search.counts, { recombine: 96 });
    assert.equal(json.batch.length, 64);
    for (const e of json.batch) {
      assert.equal(e.strategy, 'recombine');
      assert.ok(Number.isInteger(e.seed) && Number.isInteger(e.donor.seed) && e.horse.horse > 0);
      assert.ok(['wing', 'object'].includes(e.placement.shape) && e.placement.size > 0 && e.placement.light >= 0);
    }
    // every recombined image says which judge gave its P; the parts judge's view is recorded
    for (const e of json.batch) {
      assert.ok(['image', 'parts'].includes(e.scores.judge));
      if (e.scores.parts !== undefined)
        assert.ok(e.scores.pegasus >= e.scores.parts.pegasus - 1e-6 && e.scores.parts.visibility >= 0 && e.scores.parts.visibility <= 1);
    }
    assert.deepEqual(json.score.config.parts, { area: 30, contrast: 0.4, horseArea: 100 });
    const d = pegasus(['generate', '--composed', '--out', p('b'), ...common]);
    assert.equal(d.status, 0, d.stderr);
    for (const f of ['pegasus.png', 'batch64.png', 'neighbours.png']) assert.deepEqual(readFileSync(p('b', f)), readFileSync(p('a', f)), f);
    // the redraw judges the parts again and gets the search's scores
    const again = JSON.parse(readFileSync(p('b', 'pegasus.json'), 'utf8'));
    again.batch.forEach((e: { scores: { score: number; judge: string } }, i: number) => {
      assert.ok(Math.abs(e.scores.score - json.batch[i].scores.score) < 1e-5, `image ${i}`);
      assert.equal(e.scores.judge, json.batch[i].scores.judge);
    });
  });
});
