// `pegasus generate` on tiny untrained models and a fixture-sized CIFAR-10 folder: the search writes
// every deliverable at the right size and a 64-image batch of distinct images; the recorded choice
// redraws the same images; the same search seed gives the same choice; bad checkpoints and a
// choice made with another generator fail with one clear line. Plus the pieces: greedy max-min,
// latent walks, recipe class weights.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { randn, Rng } from '../../src/engine/index.js';
import { resolveDiffusionConfig } from '../../src/diffusion/resolve.js';
import { DIFFUSION_KIND } from '../../src/diffusion/checkpoint.js';
import { drawGan, latentOf, regionMask } from '../../src/generate/gan.js';
import { REGION_RANGES } from '../../src/generate/proposals.js';
import { layerClassWeights, UnknownClassError, type GanRecipe } from '../../src/generate/recipe.js';
import { jitterWeights, runSearch } from '../../src/generate/search.js';
import { defaultGenerateConfig, defaultSearchConfig } from '../../src/generate/config.js';
import { realManifold } from '../../src/generate/reference.js';
import { pegasusness } from '../../src/generate/score.js';
import { rows } from '../../src/evaluate/distances.js';
import { loadGenerator } from '../../src/sample/sampler.js';
import { capPerFamily, greedyMaxMin } from '../../src/generate/select.js';
import { readPng } from '../../src/image/index.js';
import { Generator } from '../../src/models/cgan/index.js';
import { defaultClassifierConfig, ResNet9, saveClassifier } from '../../src/models/classifier/index.js';
import { UNet } from '../../src/models/diffusion/index.js';
import { saveCheckpoint } from '../../src/nn/index.js';
import { resolveRunConfig } from '../../src/train/resolve.js';
import { saveEmaGenerator } from '../../src/train/trainState.js';
import { writeCifarFixture, type Fixture } from '../helpers/cifarFixture.js';
import { pegasus } from '../helpers/cli.js';

describe('generate: pieces', () => {
  test('greedy max-min starts at the best, takes the farthest next, never repeats', () => {
    // 1-d features: 0, 0.1, 5, 10, 10.1 (pool order = score order)
    const f = Float32Array.of(0, 0.1, 5, 10, 10.1);
    assert.deepEqual(greedyMaxMin(f, 1, [0, 1, 2, 3, 4], 3), [0, 4, 2]);
    const all = greedyMaxMin(f, 1, [1, 0, 2, 3, 4], 5);
    assert.equal(all[0], 1);
    assert.equal(new Set(all).size, 5);
    assert.deepEqual(greedyMaxMin(f, 1, [3, 2], 64), [3, 2]);
    // rows 3 and 4 are one family (limit 1): the far row 4 waits until nothing else is left
    const family = (row: number) => (row >= 3 ? 'walk' : `row ${row}`);
    assert.deepEqual(greedyMaxMin(f, 1, [3, 0, 1, 2, 4], 4, { family, max: 1 }), [3, 0, 2, 1]);
    assert.deepEqual(greedyMaxMin(f, 1, [3, 0, 1, 2, 4], 5, { family, max: 1 }), [3, 0, 2, 1, 4]);
  });

  test('the shortlist keeps at most max per family, best first, and fills up when families run out', () => {
    const parity = { family: (i: number) => String(i % 2), max: 1 };
    assert.deepEqual(capPerFamily([5, 3, 8, 1, 6], 2, parity), [5, 8]);
    assert.deepEqual(capPerFamily([5, 3, 8, 1, 6], 4, parity), [5, 8, 3, 1], 'then the best of the rest, in order');
    assert.deepEqual(capPerFamily([5, 3, 8, 1, 6], 9, { ...parity, max: 2 }), [5, 3, 8, 6, 1]);
    // a lineage of 100 near-copies does not crowd out 10 others
    const order = [...Array.from({ length: 100 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 100 + i)];
    const short = capPerFamily(order, 20, { family: (i) => (i < 100 ? 'walk' : `own ${i}`), max: 3 });
    assert.deepEqual(short.slice(0, 13), [0, 1, 2, ...Array.from({ length: 10 }, (_, i) => 100 + i)]);
    assert.equal(new Set(short).size, 20);
  });

  test('a latent walk replays exactly and keeps z near unit variance', () => {
    const a = latentOf(5, 256, { sigma: 0.5, seeds: [1, 2, 3] });
    assert.deepEqual(a, latentOf(5, 256, { sigma: 0.5, seeds: [1, 2, 3] }));
    assert.notDeepEqual(a, latentOf(5, 256, { sigma: 0.5, seeds: [1, 2, 4] }));
    assert.deepEqual(latentOf(5, 256), latentOf(5, 256, { sigma: 0.5, seeds: [] }));
    const v = a.reduce((s, x) => s + x * x, 0) / a.length;
    assert.ok(v > 0.7 && v < 1.3, `variance ${v}`);
  });

  test('weight jitter is reproducible, keeps shared layer mixtures shared, and stays non-negative', () => {
    const horse = { horse: 1 };
    const bird = { bird: 0.05, horse: 0.5 };
    const r = { strategy: 'latent-search' as const, seed: 1, layerWeights: [horse, horse, bird, bird] };
    const a = jitterWeights(r, 0.3, 9);
    assert.deepEqual(a, jitterWeights(r, 0.3, 9));
    assert.notDeepEqual(a, jitterWeights(r, 0.3, 10));
    const lw = a.layerWeights!;
    assert.deepEqual(lw[0], lw[1]);
    assert.deepEqual(lw[2], lw[3]);
    assert.deepEqual(Object.keys(lw[2]!), ['bird', 'horse']);
    for (const m of lw) for (const w of Object.values(m)) assert.ok(w >= 0 && Math.round(w * 1000) === w * 1000);
  });

  test('recipes turn into per-layer class weights; unknown classes are named', () => {
    const w = layerClassWeights(
      { strategy: 'layer-mix', seed: 0, layerWeights: [{ horse: 1 }, { bird: 0.5, horse: 0.5 }] },
      ['bird', 'horse'],
      2,
    );
    assert.deepEqual(
      w.map((x) => [...x]),
      [
        [0, 1],
        [0.5, 0.5],
      ],
    );
    assert.equal(layerClassWeights({ strategy: 'mix', seed: 0, weights: { horse: 0.7, bird: 0.3 } }, ['bird', 'horse'], 6).length, 6);
    assert.throws(() => layerClassWeights({ strategy: 'mix', seed: 0, weights: { airplane: 1 } }, ['bird', 'horse'], 6), UnknownClassError);
  });
});

describe('generate: Pegasus-ness', () => {
  test('P is 2·√(p_body·p_wings) at share 0.5 and peaks at p_body = a, p_wings = 1 − a', () => {
    for (const [b, w] of [
      [0.5, 0.5],
      [0.2, 0.7],
      [0.9, 0.05],
    ] as const) {
      assert.ok(Math.abs(pegasusness(b, w, 0.5) - 2 * Math.sqrt(b * w)) < 1e-12);
    }
    assert.ok(Math.abs(pegasusness(0.7, 0.3, 0.7) - 1) < 1e-12);
    for (const b of [0.1, 0.3, 0.5, 0.6, 0.8, 0.95]) assert.ok(pegasusness(b, 1 - b, 0.7) < 1, `a = 0.7, p_body ${b}`);
    // a clear horse with a little wing scores higher when the body's share is larger
    assert.ok(pegasusness(0.75, 0.2, 0.7) > pegasusness(0.75, 0.2, 0.5));
    assert.ok(pegasusness(0.4, 0.55, 0.7) < pegasusness(0.4, 0.55, 0.5));
  });
});

describe('generate: region-mix', () => {
  test('the region mask is 1 at the centre, 1/e on the ellipse and ~0 far outside', () => {
    const m = regionMask({ cy: 8.5, cx: 16.5, ry: 4, rx: 8 }, 32);
    assert.ok(Math.abs(m[8 * 32 + 16]! - 1) < 1e-6, 'pixel (8, 16) has its centre at the centre');
    // pixel (12, 16) has its centre (12.5, 16.5) on the ellipse: d = 1
    assert.ok(Math.abs(m[12 * 32 + 16]! - Math.exp(-1)) < 1e-6);
    assert.ok(m[8 * 32 + 16]! > m[10 * 32 + 16]! && m[10 * 32 + 16]! > m[12 * 32 + 16]!);
    assert.ok(m[31 * 32 + 0]! < 1e-6);
  });
});

describe('generate: search', () => {
  /** Runs `fn` with an untrained tiny generator (saved and loaded), a tiny classifier and a random manifold. */
  const withTinyModels = (fn: (g: ReturnType<typeof loadGenerator>, net: ResNet9, manifold: ReturnType<typeof realManifold>) => void) => {
    const tmp = mkdtempSync(join(tmpdir(), 'pegasus-search-'));
    try {
      const config = resolveRunConfig('cgan', 'tiny', {});
      saveEmaGenerator(join(tmp, 'g.pgc'), config, new Generator(config.cgan, new Rng(1)).stateDict(), 0);
      const net = new ResNet9({ ...defaultClassifierConfig, widths: [4, 4, 8, 8] }, new Rng(3)).eval();
      fn(loadGenerator(join(tmp, 'g.pgc')), net, realManifold(rows(randn([20, 8], new Rng(5)).data as Float32Array, 8), 3));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  };

  test('region-mix draws a region per candidate within its ranges; refinements keep it; recipes redraw their images', () => {
    withTinyModels((g, net, manifold) => {
      const search = {
        ...defaultSearchConfig,
        strategies: ['region-mix', 'latent-search', 'guided'] as const,
        candidates: 64,
        guidedSteps: [2],
        diffusionCandidates: 0,
      };
      const r = runSearch(g, null, net, manifold, { ...defaultGenerateConfig, search });
      const recipes = r.recipes as GanRecipe[];
      assert.deepEqual(new Set(recipes.map((x) => x.strategy)), new Set(['region-mix', 'latent-search', 'guided']));
      const layers = (g.generator as Generator).numConditionalLayers;
      const shapes = new Set<string>();
      for (const x of recipes) {
        const reg = x.region!;
        assert.ok(reg !== undefined, `${x.strategy} keeps a region`);
        for (const key of ['cy', 'cx', 'ry', 'rx'] as const) {
          const [lo, hi] = REGION_RANGES[key];
          assert.ok(reg[key] >= lo && reg[key] <= hi, `${key} ${reg[key]} in [${lo}, ${hi}]`);
        }
        assert.equal(reg.layerWeights.length, layers);
        shapes.add(`${reg.cy},${reg.cx},${reg.ry},${reg.rx}`);
      }
      assert.ok(shapes.size > 20, 'ellipses vary between candidates');
      // region-mix and latent-search rows redraw from their recipes alone, bit for bit, in any company
      const idx = recipes.flatMap((x, i) => (x.strategy !== 'guided' ? [i] : [])).filter((_, j) => j % 9 === 0);
      const again = drawGan(
        g,
        idx.map((i) => recipes[i]!),
      );
      idx.forEach((i, j) =>
        assert.deepEqual(again.subarray(j * 3072, (j + 1) * 3072), r.images.subarray(i * 3072, (i + 1) * 3072), `candidate ${i}`),
      );
      const alone = drawGan(g, [recipes[idx[1]!]!]);
      assert.deepEqual(alone, again.subarray(3072, 2 * 3072), 'alone as in a batch');
      // the region changes the image: the same recipe without its region draws another one
      const plain = drawGan(g, [{ ...recipes[idx[0]!]!, region: undefined }]);
      assert.ok(plain.some((v, q) => Math.abs(v - again[q]!) > 1e-3));
    });
  });

  test('with a truncation ψ every recipe records it, its latents stay within ±ψ, and it redraws its image', () => {
    withTinyModels((g, net, manifold) => {
      const search = {
        ...defaultSearchConfig,
        strategies: ['mix', 'latent-search', 'recombine'] as const,
        candidates: 96,
        diffusionCandidates: 0,
        truncation: 0.8,
      };
      const r = runSearch(g, null, net, manifold, { ...defaultGenerateConfig, search });
      assert.deepEqual(new Set(r.recipes.map((x) => x.strategy)), new Set(['mix', 'latent-search', 'recombine']));
      for (const x of r.recipes) assert.equal((x as { truncation?: number }).truncation, 0.8, x.strategy);
      const zDim = (g.generator as Generator).config.generator.zDim;
      const first = r.recipes.find((x) => x.strategy === 'mix') as GanRecipe;
      assert.ok(latentOf(first.seed, zDim, undefined, 0.8).every((v) => Math.abs(v) <= 0.8));
      const idx = r.recipes.flatMap((x, i) => (x.strategy === 'recombine' ? [] : [i])).filter((_, j) => j % 11 === 0);
      const again = drawGan(
        g,
        idx.map((i) => r.recipes[i] as GanRecipe),
      );
      idx.forEach((i, j) => {
        for (let q = 0; q < 3072; q += 7) assert.ok(Math.abs(again[j * 3072 + q]! - r.images[i * 3072 + q]!) < 1e-4, `candidate ${i}`);
      });
      // without it the same seed draws another image
      const plain = drawGan(g, [{ ...first, truncation: undefined }]);
      assert.ok(plain.some((v, q) => Math.abs(v - again[q]!) > 1e-3));
    });
  });

  test('latent search alone keeps only its own candidates (its mix parents are dropped)', () => {
    withTinyModels((g, net, manifold) => {
      const search = { ...defaultSearchConfig, strategies: ['latent-search'] as const, candidates: 64, diffusionCandidates: 0 };
      const r = runSearch(g, null, net, manifold, { ...defaultGenerateConfig, search });
      assert.ok(r.recipes.length > 0 && r.recipes.every((x) => x.strategy === 'latent-search'));
      assert.equal(r.first.n, r.recipes.length);
      assert.equal(r.images.length, r.recipes.length * 3072);
      assert.deepEqual(Object.keys(r.counts), ['latent-search']);
      // every child is one walk step further than a parent drawn from the (dropped) mix candidates
      for (const x of r.recipes) assert.ok((x as { walk?: { seeds: number[] } }).walk!.seeds.length >= 1);
    });
  });
});

describe('pegasus generate (CLI)', () => {
  let fx: Fixture;
  let tmp: string;
  let common: string[];
  const p = (...parts: string[]) => join(tmp, ...parts);
  before(() => {
    fx = writeCifarFixture(2);
    tmp = mkdtempSync(join(tmpdir(), 'pegasus-generate-'));
    const config = resolveRunConfig('cgan', 'tiny', {});
    saveEmaGenerator(p('g.pgc'), config, new Generator(config.cgan, new Rng(1)).stateDict(), 3);
    saveEmaGenerator(p('g-other.pgc'), config, new Generator(config.cgan, new Rng(2)).stateDict(), 4);
    saveClassifier(p('c.pgc'), new ResNet9({ ...defaultClassifierConfig, widths: [4, 4, 8, 8] }, new Rng(3)), {
      epoch: 0,
      testAccuracy: null,
    });
    const dc = resolveDiffusionConfig('tiny');
    saveCheckpoint(p('d.pgc'), { kind: DIFFUSION_KIND, config: dc, tensors: new UNet(dc.unet, new Rng(4)).stateDict(), meta: { step: 1 } });
    common = [
      '--classifier',
      p('c.pgc'),
      '--denoiser',
      p('d.pgc'),
      '--data',
      fx.dir,
      '--records-per-file',
      String(fx.recordsPerFile),
      '--cache',
      p('cache'),
    ];
  });
  after(() => {
    fx.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  const search = (choice: string, out: string) =>
    pegasus([
      'generate',
      '--composed',
      '--search',
      '--checkpoint',
      p('g.pgc'),
      '--candidates',
      '64',
      '--diffusion-candidates',
      '2',
      '--diffusion-steps',
      '2',
      '--choice',
      choice,
      '--out',
      out,
      ...common,
    ]);

  test('search: every file at its size, 64 distinct images; redraw and re-search give the same images', () => {
    const r = search(p('choice.json'), p('a'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /best: score \d/);
    const size = (f: string): [number, number] => {
      const im = readPng(join(p('a'), f));
      return [im.width, im.height];
    };
    assert.deepEqual(size('pegasus.png'), [32, 32]);
    assert.deepEqual(size('pegasus-x8.png'), [256, 256]);
    assert.deepEqual(size('batch64.png'), [2 + 8 * 66, 2 + 8 * 66]);
    assert.ok(size('neighbours.png')[0] > 12 * 64);
    const batch = Array.from({ length: 64 }, (_, i) => readFileSync(p('a', 'batch', `${String(i).padStart(2, '0')}.png`)));
    for (let i = 0; i < 64; i++) assert.deepEqual(size(join('batch', `${String(i).padStart(2, '0')}.png`)), [32, 32]);
    assert.ok(!existsSync(p('a', 'batch', '64.png')));
    const pixels = Array.from({ length: 64 }, (_, i) =>
      Buffer.from(readPng(p('a', 'batch', `${String(i).padStart(2, '0')}.png`)).data).toString('base64'),
    );
    assert.equal(new Set(pixels).size, 64, 'distinct images');
    assert.deepEqual(readFileSync(p('a', 'pegasus.png')), batch[0]);

    const json = JSON.parse(readFileSync(p('a', 'pegasus.json'), 'utf8'));
    assert.equal(json.batch.length, 64);
    assert.equal(json.mode, 'search');
    for (const e of json.batch) {
      assert.ok(['mix', 'layer-mix', 'region-mix', 'latent-search', 'guided', 'recombine', 'diffusion'].includes(e.strategy));
      assert.ok(Number.isInteger(e.seed));
      assert.ok(e.weights !== undefined || e.layerWeights !== undefined || e.concept !== undefined || e.horse !== undefined);
      assert.ok(e.scores.score >= 0 && e.scores.score <= 1);
      assert.ok(Number.isFinite(e.scores.nearestPixel.distance) && Number.isInteger(e.scores.nearestPixel.trainIndex));
      assert.ok(Number.isFinite(e.scores.nearestFeature.distance));
    }
    assert.deepEqual(json.best, { ...json.batch[0], file: 'pegasus.png' });
    // the best is the highest-scoring image of the batch
    assert.equal(Math.max(...json.batch.map((e: { scores: { score: number } }) => e.scores.score)), json.best.scores.score);
    assert.ok(json.search.counts.diffusion === 2 && json.search.counts['latent-search'] > 0 && json.search.counts.recombine > 0);
    // strategies.png: the best of every strategy that drew candidates, once each, side by side
    const bests = json.strategyBest as { strategy: string; scores: { score: number } }[];
    assert.deepEqual(bests.map((e) => e.strategy).sort(), Object.keys(json.search.counts).sort());
    assert.deepEqual(size('strategies.png')[0], 4 + bests.length * (128 + 4));
    for (const e of bests) {
      assert.ok(
        json.batch.every(
          (b: { strategy: string; scores: { score: number } }) => b.strategy !== e.strategy || b.scores.score <= e.scores.score + 1e-9,
        ),
        `${e.strategy}: no better image of it in the batch`,
      );
    }
    assert.equal(Math.max(...bests.map((e) => e.scores.score)), json.best.scores.score);

    // the recorded choice redraws the same images
    const d = pegasus(['generate', '--composed', '--checkpoint', p('g.pgc'), '--choice', p('choice.json'), '--out', p('b'), ...common]);
    assert.equal(d.status, 0, d.stderr);
    for (const f of ['pegasus.png', 'pegasus-x8.png', 'batch64.png', 'neighbours.png', 'strategies.png', join('batch', '37.png')]) {
      assert.deepEqual(readFileSync(p('b', f)), readFileSync(p('a', f)), f);
    }
    const redrawn = JSON.parse(readFileSync(p('b', 'pegasus.json'), 'utf8'));
    assert.equal(redrawn.mode, 'recorded');
    // NOTE: scores agree to float32 rounding only: the redraw batches images differently, and the
    // backend's convolutions sum in an order that depends on the batch size
    redrawn.batch.forEach((e: { scores: { score: number; nearestPixel: { trainIndex: number } } }, i: number) => {
      assert.ok(Math.abs(e.scores.score - json.batch[i].scores.score) < 1e-4, `score of image ${i}`);
      assert.equal(e.scores.nearestPixel.trainIndex, json.batch[i].scores.nearestPixel.trainIndex);
    });

    // a choice recorded before strategies.png existed still redraws, without the sheet
    const old = JSON.parse(readFileSync(p('choice.json'), 'utf8'));
    delete old.strategyBest;
    writeFileSync(p('choice-old.json'), JSON.stringify(old));
    const o2 = pegasus([
      'generate',
      '--composed',
      '--checkpoint',
      p('g.pgc'),
      '--choice',
      p('choice-old.json'),
      '--out',
      p('b-old'),
      ...common,
    ]);
    assert.equal(o2.status, 0, o2.stderr);
    assert.deepEqual(readFileSync(p('b-old', 'batch64.png')), readFileSync(p('a', 'batch64.png')));
    assert.ok(!existsSync(p('b-old', 'strategies.png')));
    assert.equal(JSON.parse(readFileSync(p('b-old', 'pegasus.json'), 'utf8')).strategyBest, undefined);

    // the same search seed chooses the same recipes
    const again = search(p('choice2.json'), p('c'));
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(readFileSync(p('c', 'batch64.png')), readFileSync(p('a', 'batch64.png')));
  });

  test('missing or incompatible checkpoints and a stale choice fail with one clear line', () => {
    const cases: [string[], RegExp][] = [
      [['generate', '--composed', '--checkpoint', p('nope.pgc'), ...common], /--checkpoint .*nope\.pgc: no such file/],
      [
        ['generate', '--composed', '--search', '--checkpoint', p('c.pgc'), ...common],
        /holds a "classifier" checkpoint, not a GAN generator/,
      ],
      [
        ['generate', '--composed', '--search', '--checkpoint', p('g.pgc'), ...common, '--classifier', p('g.pgc')],
        /holds a "generator" checkpoint, expected "classifier"/,
      ],
      [
        ['generate', '--composed', '--checkpoint', p('g.pgc'), '--choice', p('none.json'), ...common],
        /no recorded choice .* run `pegasus generate --search`/,
      ],
      [
        ['generate', '--composed', '--checkpoint', p('g-other.pgc'), '--choice', p('choice.json'), ...common],
        /searched with another generator .* run `pegasus generate --search`/,
      ],
      [['generate', '--composed', '--strategy', 'mix', ...common], /add --search/],
      [['generate', '--composed', '--search', '--strategy', 'unicorn'], /--strategy.*expected strategies/],
      [['generate', '--composed', '--search', '--candidates', '10'], /--candidates.*an integer from 64 to 100,000/],
      [['generate', '--composed', '--search', '--body-share', '1'], /--body-share.*between 0 and 1/],
      [
        ['generate', '--composed', '--body-share', '0.7', ...common],
        /--body-share and --truncation choose what --search tries; add --search/,
      ],
      [['generate', '--composed', '--search', '--truncation', '0'], /--truncation.*a number from 0.05 to 100 .* or "none"/],
      [['generate', '--composed', '--search', '--truncation', 'wide'], /--truncation.*a number from 0.05 to 100 .* or "none"/],
      [['generate', '--composed', '--truncation', 'none', ...common], /--truncation choose what --search tries; add --search/],
    ];
    for (const [args, pattern] of cases) {
      const r = pegasus(args);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.match(r.stderr, pattern, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    }
  });
});
