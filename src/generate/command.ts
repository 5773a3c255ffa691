/**
 * What `pegasus generate` does with its parsed flags.
 *
 * - Default: redraw the recorded choice (models/pegasus-choice.json) from its recipes, score it
 *   again, and write the deliverables (see outputs.ts). Seconds, not minutes.
 * - `--search`: draw thousands of candidates (search.ts), pre-score them all, give the best
 *   `shortlist` the full score with nearest-neighbour uniqueness (score.ts), take the best as the
 *   Pegasus and a good-and-diverse batch by greedy max-min (select.ts), record the choice and write
 *   the deliverables.
 */
import { existsSync } from 'node:fs';
import { loadCifar10, resolveDataDir } from '../data/index.js';
import { loadDiffusionModel, type LoadedDiffusionModel } from '../diffusion/checkpoint.js';
import { spread } from '../evaluate/evaluate.js';
import { UserError } from '../errors.js';
import { loadClassifier, type ResNet9 } from '../models/classifier/index.js';
import { loadGenerator, type LoadedGenerator } from '../sample/sampler.js';
import { assertSameModel, fileCrc, fingerprint, readChoice, recordedScoreConfig, writeChoice, CHOICE_VERSION, type ChosenImage, type RecordedChoice } from './choice.js';
import { defaultGenerateConfig, type GenerateConfig } from './config.js';
import { drawDiffusion } from './diffusion.js';
import { conditionalGenerator } from './gan.js';
import { drawGanRecipes, needsOptimisation } from './guided.js';
import { writeOutputs, type OutputImage } from './outputs.js';
import { pegasusClasses } from './proposals.js';
import { isDiffusion, isRecombine, STRATEGIES, UnknownClassError, type DiffusionRecipe, type GanRecipe, type Recipe, type RecombineRecipe, type Strategy } from './recipe.js';
import { drawRecombineParts } from './recombine.js';
import { buildReference, type GenerateReference } from './reference.js';
import { featureNeighbours, firstScores, fullScores, placeParts, preScore, uniquenessThresholds, wingParts, type CandidateScores, type ScoreConfig, type WingParts } from './score.js';
import { runSearch } from './search.js';
import { capPerFamily, greedyMaxMin } from './select.js';

const IMAGE = 3072;

export interface GenerateCommandOptions {
  readonly checkpoint: string;
  readonly classifier: string;
  readonly denoiser: string;
  readonly choice: string;
  readonly out: string;
  readonly search: boolean;
  readonly strategy?: readonly Strategy[];
  readonly candidates?: number;
  readonly diffusionCandidates?: number;
  readonly diffusionSteps?: number;
  readonly seed?: number;
  readonly bodyShare?: number;
  /** ψ of the truncation trick, or "none" (absent: the default). */
  readonly truncation?: number | 'none';
  readonly data?: string;
  readonly recordsPerFile: number;
  readonly cache: string;
}

const log = (m: string) => console.error(`generate: ${m}`);

function mustExist(path: string, flag: string, hint: string): void {
  if (!existsSync(path)) throw new UserError(`${flag} ${path}: no such file (${hint})`);
}

/** The resolved config of a search from the flags. */
function searchConfig(o: GenerateCommandOptions): GenerateConfig {
  const d = defaultGenerateConfig;
  return {
    ...d,
    search: {
      ...d.search,
      ...(o.strategy !== undefined && { strategies: o.strategy }),
      ...(o.candidates !== undefined && { candidates: o.candidates }),
      ...(o.diffusionCandidates !== undefined && { diffusionCandidates: o.diffusionCandidates }),
      ...(o.diffusionSteps !== undefined && { diffusionSteps: o.diffusionSteps }),
      ...(o.seed !== undefined && { seed: o.seed }),
      ...(o.truncation !== undefined && { truncation: o.truncation === 'none' ? null : o.truncation }),
    },
    ...(o.bodyShare !== undefined && { score: { ...d.score, bodyShare: o.bodyShare } }),
  };
}

/**
 * Runs `pegasus generate`.
 * @example runGenerateCommand({ checkpoint: COMMITTED_MODELS.generator, …, search: false })
 */
export function runGenerateCommand(o: GenerateCommandOptions): void {
  const t0 = performance.now();
  if (!o.search && (o.strategy !== undefined || o.candidates !== undefined || o.diffusionCandidates !== undefined || o.diffusionSteps !== undefined || o.seed !== undefined || o.bodyShare !== undefined || o.truncation !== undefined)) {
    throw new UserError('--strategy, --candidates, --diffusion-candidates, --diffusion-steps, --seed, --body-share and --truncation choose what --search tries; add --search');
  }
  mustExist(o.checkpoint, '--checkpoint', 'a GAN generator, e.g. generator-ema.pgc from pegasus train');
  mustExist(o.classifier, '--classifier', 'train one with `pegasus classifier train`');
  const g = loadGenerator(o.checkpoint);
  conditionalGenerator(g);
  const config = o.search ? searchConfig(o) : defaultGenerateConfig;
  pegasusClasses(g.config.train.classes, config.score.body, config.score.wings);
  const { net } = loadClassifier(o.classifier);
  if (net.config.numClasses !== 10) throw new UserError(`--classifier ${o.classifier} has ${net.config.numClasses} classes; generate needs a CIFAR-10 (10-class) classifier`);
  const dataDir = resolveDataDir(o.data);
  const train = loadCifar10({ dir: dataDir, split: 'train', recordsPerFile: o.recordsPerFile });
  const refOptions = { manifoldSize: config.manifoldSize, manifoldK: config.manifoldK, cacheDir: o.cache, classifierPath: o.classifier, dataDir, log };

  let chosen: OutputImage[];
  let strategyBest: OutputImage[];
  let report: Record<string, unknown>;
  if (!o.search) {
    const choice = readChoice(o.choice);
    const genPrint = fingerprint(o.checkpoint, g.step, g.config.train.classes);
    assertSameModel(choice.generator, genPrint, 'generator', o.choice);
    // the batch, then each strategy's best (strategies.png), drawn and scored together
    const all = [...choice.images, ...(choice.strategyBest ?? [])];
    const needsDiffusion = all.some((c) => isDiffusion(c.recipe));
    let diffusion: LoadedDiffusionModel | null = null;
    if (needsDiffusion) {
      mustExist(o.denoiser, '--denoiser', 'the recorded choice has diffusion images');
      diffusion = loadDiffusionModel(o.denoiser);
      if (choice.denoiser !== null) assertSameModel(choice.denoiser, fingerprint(o.denoiser, diffusion.step, diffusion.config.train.classes), 'denoiser', o.choice);
    }
    if (choice.classifier.crc32 !== fileCrc(o.classifier) && all.some((c) => !isDiffusion(c.recipe) && !isRecombine(c.recipe) && needsOptimisation(c.recipe))) {
      // a guided image without its recorded z is the classifier's gradient's work: another classifier draws another image
      throw new UserError(`the recorded choice ${o.choice} has guided images, made with the classifier ${choice.classifier.path} (crc ${choice.classifier.crc32}); ${o.classifier} differs: pass that classifier or run \`pegasus generate --search\` to choose again`);
    }
    if (choice.classifier.crc32 !== fileCrc(o.classifier)) log(`the choice was scored with another classifier (${choice.classifier.path}); scores are recomputed with ${o.classifier}`);
    const ref = buildReference(net, train, { ...refOptions, needed: all.flatMap((c) => c.featureNeighbours) });
    log(`redrawing the recorded choice (${choice.images.length} images${all.length > choice.images.length ? ` and the best of ${all.length - choice.images.length} strategies` : ''}) from ${o.choice}`);
    const scoring = recordedScoreConfig(choice);
    const { images, parts } = draw(g, net, diffusion, all.map((c) => c.recipe), o.choice, scoring);
    const first = firstScores(net, images, ref.manifold, scoring, parts);
    const scores = fullScores(images, first, all.map((_, i) => i), ref, choice.thresholds, scoring);
    const outputs = all.map((c, i) => ({ pixels: images.subarray(i * IMAGE, (i + 1) * IMAGE), recipe: c.recipe, scores: scores[i]! }));
    chosen = outputs.slice(0, choice.images.length);
    strategyBest = outputs.slice(choice.images.length);
    const drift = Math.max(...all.map((c, i) => Math.abs(c.scores.score - scores[i]!.score)));
    if (drift > 1e-3) log(`NOTE: scores differ from the recorded ones by up to ${drift.toFixed(4)} (another classifier, data copy or backend)`);
    report = reportHeader('recorded', choice, ref, performance.now() - t0);
  } else {
    const ref = buildReference(net, train, refOptions);
    const test = loadCifar10({ dir: dataDir, split: 'test', recordsPerFile: o.recordsPerFile });
    const tq = spread(test.count, config.thresholdQueries);
    const testImages = Float32Array.from({ length: tq.length * IMAGE }, (_, j) => test.images[tq[Math.floor(j / IMAGE)]! * IMAGE + (j % IMAGE)]! / 127.5 - 1);
    const thresholds = uniquenessThresholds(net, testImages, ref);
    log(`uniqueness thresholds (5th percentile of real test images): pixel ${thresholds.pixel.toFixed(2)}, feature ${thresholds.feature.toFixed(3)}`);
    let diffusion: LoadedDiffusionModel | null = null;
    if (config.search.strategies.includes('diffusion') && config.search.diffusionCandidates > 0) {
      if (existsSync(o.denoiser)) diffusion = loadDiffusionModel(o.denoiser);
      else log(`no denoiser at ${o.denoiser}: the diffusion strategy is skipped`);
    }
    const found = runSearch(g, diffusion, net, ref.manifold, config);
    if (found.first.n === 0) throw new UserError(`--strategy ${config.search.strategies.join(',')} drew no candidates (no denoiser at ${o.denoiser}?); add a GAN strategy`);
    const { first, images, recipes } = found;
    const order = Array.from({ length: first.n }, (_, i) => i).sort((a, b) => preScore(first, b, config.score) - preScore(first, a, config.score));
    const lineage = (i: number) => `${isDiffusion(recipes[i]!) ? 'diffusion' : 'gan'} ${recipes[i]!.seed}`;
    const short = capPerFamily(order, Math.max(config.shortlist, config.batchSize), { family: lineage, max: config.maxPerLineage });
    // each strategy's best pre-score too, so that strategies.png shows every strategy that drew candidates
    const inShort = new Set(short);
    const leaders = new Map<Strategy, number>();
    for (const i of order) if (!leaders.has(recipes[i]!.strategy)) leaders.set(recipes[i]!.strategy, i);
    const extra = [...leaders.values()].filter((i) => !inShort.has(i));
    log(`nearest training images of the ${short.length} best of ${first.n} candidates`);
    const full = fullScores(images, first, [...short, ...extra], ref, thresholds, config.score);
    const scored = [...short, ...extra].map((i, j) => ({ i, s: full[j]! }));
    const ranked = scored.slice(0, short.length).sort((a, b) => b.s.score - a.s.score);
    const bestOf = STRATEGIES.flatMap((st) => {
      const of = scored.filter((c) => recipes[c.i]!.strategy === st);
      return of.length === 0 ? [] : [of.reduce((a, b) => (b.s.score > a.s.score ? b : a))];
    });
    const pool = ranked.slice(0, config.pool);
    const pick = greedyMaxMin(first.features, first.dim, pool.map((r) => r.i), config.batchSize, { family: lineage, max: config.maxPerLineage });
    const byIndex = new Map(scored.map((r) => [r.i, r.s] as const));
    const recorded = [...pick, ...bestOf.map((c) => c.i)];
    const feats = new Float32Array(recorded.length * first.dim);
    recorded.forEach((i, j) => feats.set(first.features.subarray(i * first.dim, (i + 1) * first.dim), j * first.dim));
    const nbrs = featureNeighbours(feats, first.dim, ref, config.recordedNeighbours);
    const entries: ChosenImage[] = recorded.map((i, j) => ({ recipe: recipes[i]!, scores: byIndex.get(i)!, featureNeighbours: nbrs[j]! }));
    const picked = entries.slice(0, pick.length);
    const choice: RecordedChoice = {
      version: CHOICE_VERSION,
      createdAt: new Date().toISOString(),
      generator: fingerprint(o.checkpoint, g.step, g.config.train.classes),
      denoiser: diffusion === null ? null : fingerprint(o.denoiser, diffusion.step, diffusion.config.train.classes),
      classifier: { path: o.classifier, crc32: fileCrc(o.classifier) },
      trainImages: train.count,
      thresholds,
      search: { candidates: first.n, counts: found.counts, seconds: Math.round((performance.now() - t0) / 100) / 10, config },
      images: picked,
      strategyBest: entries.slice(pick.length),
    };
    writeChoice(o.choice, choice);
    log(`recorded the choice in ${o.choice}`);
    const output = (i: number, j: number) => ({ pixels: images.subarray(i * IMAGE, (i + 1) * IMAGE), recipe: recipes[i]!, scores: entries[j]!.scores });
    chosen = pick.map(output);
    strategyBest = bestOf.map((c, j) => output(c.i, pick.length + j));
    report = { ...reportHeader('search', choice, ref, performance.now() - t0), strategies: strategyTable(recipes, ranked) };
  }
  const files = writeOutputs(o.out, chosen, train.images, report, strategyBest);
  const b = chosen[0]!.scores;
  console.log(
    `best: score ${b.score.toFixed(3)} (Pegasus-ness ${b.pegasus.toFixed(3)}: p(horse) ${b.pBody.toFixed(3)}, p(bird+airplane) ${b.pWings.toFixed(3)}` +
      `${b.judge === 'parts' && b.parts !== undefined ? `; judged by parts: wing cut from a ${(b.parts.pDonor * 100).toFixed(0)}% bird/airplane, visibility ${b.parts.visibility.toFixed(2)}` : ''}; ` +
      `realism ${b.realism.toFixed(3)}; uniqueness ${b.uniqueness.toFixed(3)}, nearest training image ${b.nearestPixel.distance.toFixed(1)} px-units away)`,
  );
  console.log(`batch: mean score ${(chosen.reduce((a, c) => a + c.scores.score, 0) / chosen.length).toFixed(3)} over ${chosen.length} images`);
  console.log(`wrote ${files.join(', ')} to ${o.out} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

/** Images of mixed GAN and diffusion recipes, in order, and the parts of the recombined ones (also the composed strategies' row of the model's strategies.png). */
export function draw(g: LoadedGenerator, net: ResNet9, diffusion: LoadedDiffusionModel | null, recipes: readonly Recipe[], choicePath: string, score: ScoreConfig): { images: Float32Array; parts: WingParts } {
  const out = new Float32Array(recipes.length * IMAGE);
  let parts: WingParts | null = null;
  const ganIdx = recipes.flatMap((r, i) => (isDiffusion(r) || isRecombine(r) ? [] : [i]));
  const recIdx = recipes.flatMap((r, i) => (isRecombine(r) ? [i] : []));
  const difIdx = recipes.flatMap((r, i) => (isDiffusion(r) ? [i] : []));
  try {
    const gi = drawGanRecipes(g, net, ganIdx.map((i) => recipes[i] as GanRecipe));
    ganIdx.forEach((i, j) => out.set(gi.subarray(j * IMAGE, (j + 1) * IMAGE), i * IMAGE));
    if (recIdx.length > 0) {
      const d = drawRecombineParts(g, recIdx.map((i) => recipes[i] as RecombineRecipe));
      recIdx.forEach((i, j) => out.set(d.images.subarray(j * IMAGE, (j + 1) * IMAGE), i * IMAGE));
      if (score.parts !== null) parts = wingParts(net, d, score.wings, score.parts.horseArea);
    }
    if (difIdx.length > 0) {
      const di = drawDiffusion(diffusion!, difIdx.map((i) => recipes[i] as DiffusionRecipe));
      difIdx.forEach((i, j) => out.set(di.subarray(j * IMAGE, (j + 1) * IMAGE), i * IMAGE));
    }
  } catch (err) {
    if (err instanceof UnknownClassError) throw new UserError(`${choicePath}: ${err.message}; run \`pegasus generate --search\` to choose again`);
    throw err;
  }
  return { images: out, parts: placeParts(recipes.length, recIdx, parts) };
}

function reportHeader(mode: string, c: RecordedChoice, ref: GenerateReference, ms: number): Record<string, unknown> {
  return {
    mode,
    seconds: Math.round(ms / 100) / 10,
    generator: c.generator,
    denoiser: c.denoiser,
    classifier: c.classifier,
    score: {
      formula:
        'score = P · R^alpha · U; P = (p(horse)/a)^a·((p(bird)+p(airplane))/(1-a))^(1-a), or for a recombined image max(P, p(horse)^a·(p_donor·V)^(1-a)) with V the wing\'s visibility; ' +
        'R = min(1, realism score, Kynkäänniemi et al. 2019); U = min(1, d_pix/tau_pix)·min(1, d_feat/tau_feat)',
      config: recordedScoreConfig(c),
      thresholds: c.thresholds,
      exactFeatureNeighbours: ref.train.complete,
    },
    search: c.search,
  };
}

/** Per strategy: candidates drawn, how many reached the shortlist, and the best full score. */
function strategyTable(recipes: readonly Recipe[], ranked: readonly { i: number; s: CandidateScores }[]): Record<string, { candidates: number; shortlisted: number; best: number }> {
  const t: Record<string, { candidates: number; shortlisted: number; best: number }> = {};
  for (const r of recipes) (t[r.strategy] ??= { candidates: 0, shortlisted: 0, best: 0 }).candidates++;
  for (const { i, s } of ranked) {
    const e = t[recipes[i]!.strategy]!;
    e.shortlisted++;
    e.best = Math.max(e.best, Math.round(s.score * 1000) / 1000);
  }
  return t;
}
