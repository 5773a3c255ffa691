// The `guided` strategy on a tiny generator and a tiny classifier: guidance raises the objective it
// climbs, a recipe replays to the same image (also after a JSON round trip), the image after k steps
// of a longer run is the image of a k-step recipe, and a row's image does not depend on the other
// rows of its batch. Plus the search: guided candidates are drawn and replay.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { randn, Rng } from '../../src/engine/index.js';
import { rows } from '../../src/evaluate/distances.js';
import { defaultGenerateConfig, defaultSearchConfig } from '../../src/generate/config.js';
import { conditionalGenerator, drawGan } from '../../src/generate/gan.js';
import { drawGanRecipes, drawGuided, guideBatch, needsOptimisation, pegasusObjective } from '../../src/generate/guided.js';
import type { GanRecipe, Guidance } from '../../src/generate/recipe.js';
import { realManifold } from '../../src/generate/reference.js';
import { runSearch } from '../../src/generate/search.js';
import { Generator } from '../../src/models/cgan/index.js';
import { defaultClassifierConfig, ResNet9 } from '../../src/models/classifier/index.js';
import { loadGenerator, type LoadedGenerator } from '../../src/sample/sampler.js';
import { resolveRunConfig } from '../../src/train/resolve.js';
import { saveEmaGenerator } from '../../src/train/trainState.js';

const IMAGE = 3072;
const guide: Guidance = { steps: 6, lr: 0.1, mixLr: 0, samples: 2, shift: 2, flip: true, body: ['horse'], wings: ['bird', 'airplane'] };
const base = (seed: number): GanRecipe =>
  seed % 2 === 0
    ? { strategy: 'guided', seed, weights: { horse: 0.7, bird: 0.3 }, guide }
    : {
        strategy: 'guided',
        seed,
        layerWeights: [{ horse: 1 }, { horse: 1 }, ...new Array(4).fill({ bird: 0.6, horse: 0.4 })],
        walk: { sigma: 0.5, seeds: [seed + 100] },
        guide,
      };
const row = (images: Float32Array, i: number) => images.subarray(i * IMAGE, (i + 1) * IMAGE);
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const mean = (x: Float32Array) => x.reduce((a, v) => a + v, 0) / x.length;

describe('generate: guided', () => {
  let tmp: string;
  let g: LoadedGenerator;
  let net: ResNet9;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'pegasus-guided-'));
    const config = resolveRunConfig('cgan', 'tiny', {});
    saveEmaGenerator(join(tmp, 'g.pgc'), config, new Generator(config.cgan, new Rng(1)).stateDict(), 0);
    g = loadGenerator(join(tmp, 'g.pgc'));
    // a large logit scale: an untrained net's softmax is otherwise nearly flat, and so is J
    net = new ResNet9({ ...defaultClassifierConfig, widths: [4, 4, 8, 8], logitScale: 4 }, new Rng(3)).eval();
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('guidance raises log p(body) + log p(wings) on average; step 0 is the unguided image', () => {
    // NOTE: without transformations the objective measured is exactly the one climbed (an untrained
    // tiny classifier is nearly flat, so EOT's random views would make the gain noise-sized)
    const plainGuide: Guidance = { ...guide, samples: 1, shift: 0, flip: false };
    const recipes = Array.from({ length: 8 }, (_, i) => ({ ...base(i), guide: plainGuide }));
    const [start, end] = guideBatch(g, net, recipes, plainGuide, [0, 6]);
    const plain = drawGan(
      g,
      recipes.map(({ guide: _g, ...r }) => ({ ...r, strategy: 'mix' as const })),
    );
    assert.ok(maxDiff(start!, plain) < 1e-5, 'step 0 is the plain draw');
    const before = pegasusObjective(net, start!, guide.body, guide.wings);
    const afterJ = pegasusObjective(net, end!, guide.body, guide.wings);
    assert.ok(mean(afterJ) > mean(before) + 0.01, `mean J ${mean(before)} → ${mean(afterJ)}`);
    assert.ok(afterJ.filter((v, i) => v > before[i]!).length >= 6, 'most rows improve');
    // with the mixture logits free too, it still climbs and differs from z-only guidance
    const mixGuide = { ...plainGuide, mixLr: 0.3 };
    const [mixEnd] = guideBatch(
      g,
      net,
      recipes.map((r) => ({ ...r, guide: mixGuide })),
      mixGuide,
      [6],
    );
    const mixJ = mean(pegasusObjective(net, mixEnd!, guide.body, guide.wings));
    assert.ok(mixJ > mean(before) + 0.01, `mean J ${mean(before)} → ${mixJ} (z only: ${mean(afterJ)})`);
    assert.ok(maxDiff(mixEnd!, end!) > 1e-3);
    // with the body's share at 0.8 it climbs 1.6·log p(body) + 0.4·log p(wings) instead
    const horseGuide: Guidance = { ...plainGuide, bodyShare: 0.8 };
    const [horseEnd] = guideBatch(
      g,
      net,
      recipes.map((r) => ({ ...r, guide: horseGuide })),
      horseGuide,
      [6],
    );
    const hBefore = mean(pegasusObjective(net, start!, guide.body, guide.wings, 0.8));
    const hAfter = mean(pegasusObjective(net, horseEnd!, guide.body, guide.wings, 0.8));
    assert.ok(hAfter > hBefore + 0.01, `mean J(a = 0.8) ${hBefore} → ${hAfter}`);
    assert.ok(maxDiff(horseEnd!, end!) > 1e-3, 'another share, another image');
  });

  test('a recipe replays bit for bit, after a JSON round trip too, and k steps of a longer run equal a k-step recipe', () => {
    const recipes = Array.from({ length: 5 }, (_, i) => base(10 + i));
    const a = drawGuided(g, net, recipes);
    assert.deepEqual(drawGuided(g, net, JSON.parse(JSON.stringify(recipes)) as GanRecipe[]), a);
    assert.ok(
      maxDiff(
        a,
        drawGan(
          g,
          recipes.map(({ guide: _g, ...r }) => ({ ...r, strategy: 'mix' as const })),
        ),
      ) > 1e-3,
      'guidance changed the images',
    );
    const [three] = guideBatch(g, net, recipes, guide, [3]);
    const short = recipes.map((r) => ({ ...r, guide: { ...guide, steps: 3 } }));
    assert.deepEqual(drawGuided(g, net, short), three);
    // mixed with plain recipes, each kind is drawn its own way, in order
    const mixed = drawGanRecipes(g, net, [recipes[0]!, { strategy: 'mix', seed: 3, weights: { horse: 1 } }, recipes[1]!]);
    const pair = drawGuided(g, net, [recipes[0]!, recipes[1]!]);
    assert.deepEqual(row(mixed, 0), row(pair, 0));
    assert.deepEqual(row(mixed, 2), row(pair, 1));
    assert.deepEqual(row(mixed, 1), drawGan(g, [{ strategy: 'mix', seed: 3, weights: { horse: 1 } }]));
  });

  test("a row's image does not depend on the other rows of its batch", () => {
    const r = base(21);
    const alone = drawGuided(g, net, [r]);
    const withOthers = drawGuided(g, net, [base(30), r, base(31), base(32)]);
    const withOthers2 = drawGuided(g, net, [r, base(40)]);
    assert.deepEqual(row(withOthers, 1), alone);
    assert.deepEqual(row(withOthers2, 0), alone);
    assert.ok(maxDiff(row(withOthers, 0), alone) > 1e-2, 'other rows are other images');
  });

  test('search: guided candidates start from the best candidates and replay', () => {
    const manifold = realManifold(rows(randn([20, 8], new Rng(5)).data as Float32Array, 8), 3);
    const search = {
      ...defaultSearchConfig,
      strategies: ['mix', 'guided'] as const,
      candidates: 128,
      guidedParents: 4,
      guidedSteps: [2, 4],
      diffusionCandidates: 0,
    };
    const res = runSearch(g, null, net, manifold, { ...defaultGenerateConfig, search });
    const guided = res.recipes.flatMap((r, i) => (r.strategy === 'guided' ? [i] : []));
    assert.equal(guided.length, 8);
    assert.equal(res.counts['guided'], 8);
    assert.equal(res.counts['mix'], 128);
    const recipes = guided.map((i) => res.recipes[i] as GanRecipe);
    assert.deepEqual(recipes.map((r) => r.guide!.steps).sort(), [2, 2, 2, 2, 4, 4, 4, 4]);
    // each parent is a mix candidate; the four parents are distinct
    assert.equal(new Set(recipes.map((r) => r.seed)).size, 4);
    for (const r of recipes) assert.ok(res.recipes.some((p) => p.strategy === 'mix' && p.seed === r.seed));
    const redrawn = drawGuided(g, net, recipes);
    guided.forEach((i, j) => assert.deepEqual(row(res.images, i), row(redrawn, j)));
    // the recorded latent (through JSON, as in the choice file) redraws the same bytes without optimising
    assert.ok(recipes.every((r) => typeof r.latent === 'string'));
    const fromLatent = drawGanRecipes(g, net, JSON.parse(JSON.stringify(recipes)) as GanRecipe[]);
    guided.forEach((i, j) => assert.deepEqual(row(res.images, i), row(fromLatent, j)));
    // a wrong latent is used as recorded (the fast path really reads it), and a wrong length is refused
    const zDim = conditionalGenerator(g).config.generator.zDim;
    const other = drawGanRecipes(g, net, [{ ...recipes[0]!, latent: recipes[1]!.latent! }]);
    assert.ok(maxDiff(row(other, 0), row(res.images, guided[0]!)) > 1e-3);
    assert.throws(
      () => drawGanRecipes(g, net, [{ ...recipes[0]!, latent: Buffer.alloc(4 * (zDim + 1)).toString('base64') }]),
      /latent has/,
    );
    // only a guided recipe without its z (or with a moving mixture) needs the classifier to be drawn
    assert.equal(needsOptimisation(recipes[0]!), false);
    assert.equal(needsOptimisation({ ...recipes[0]!, latent: undefined }), true);
    assert.equal(needsOptimisation({ ...recipes[0]!, guide: { ...recipes[0]!.guide!, mixLr: 0.1 } }), true);
    assert.equal(needsOptimisation({ strategy: 'mix', seed: 1, weights: { horse: 1 } }), false);
  });
});
