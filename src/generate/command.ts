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
import { loadCifar10, resolveDataDir, type Cifar10Set } from '../data/index.js';
import { loadDiffusionModel, type LoadedDiffusionModel } from '../diffusion/checkpoint.js';
import { spread } from '../evaluate/evaluate.js';
import { UserError } from '../errors.js';
import { loadClassifier, type ResNet9 } from '../models/classifier/index.js';
import { loadGenerator, type LoadedGenerator } from '../sample/sampler.js';
import {
  assertSameModel,
  fileCrc,
  fingerprint,
  readChoice,
  recordedScoreConfig,
  writeChoice,
  CHOICE_VERSION,
  type ChosenImage,
  type RecordedChoice,
} from './choice.js';
import { defaultGenerateConfig, type GenerateConfig } from './config.js';
import { drawDiffusion } from './diffusion.js';
import { conditionalGenerator } from './gan.js';
import { drawGanRecipes, needsOptimisation } from './guided.js';
import { writeOutputs, type OutputImage } from './outputs.js';
import { pegasusClasses } from './proposals.js';
import {
  isDiffusion,
  isRecombine,
  STRATEGIES,
  UnknownClassError,
  type DiffusionRecipe,
  type GanRecipe,
  type Recipe,
  type RecombineRecipe,
  type Strategy,
} from './recipe.js';
import { drawRecombineParts } from './recombine.js';
import { buildReference, type GenerateReference, type ReferenceOptions } from './reference.js';
import {
  featureNeighbours,
  firstScores,
  fullScores,
  placeParts,
  preScore,
  uniquenessThresholds,
  wingParts,
  type CandidateScores,
  type ScoreConfig,
  type UniquenessThresholds,
  type WingParts,
} from './score.js';
import { runSearch, type SearchResult } from './search.js';
import { capPerFamily, greedyMaxMin } from './select.js';
import { IMAGE_BYTES as IMAGE } from '../data/cifar10Format.js';

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

/** Throws a UserError naming the flag and how to get the file when `path` does not exist. */
export function mustExist(path: string, flag: string, hint: string): void {
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

/** What both modes share: the networks, the training images and how the reference is built. */
interface Setup {
  readonly g: LoadedGenerator;
  readonly net: ResNet9;
  readonly config: GenerateConfig;
  readonly dataDir: string;
  readonly train: Cifar10Set;
  readonly refOptions: ReferenceOptions;
  /** When the command started (performance.now()). */
  readonly t0: number;
}

/** What a mode hands to the writer: the batch (best first), each strategy's best, pegasus.json's header. */
interface Outcome {
  readonly chosen: OutputImage[];
  readonly strategyBest: OutputImage[];
  readonly report: Record<string, unknown>;
}

/**
 * Runs `pegasus generate --composed`: redraws the recorded choice, or with `search` looks for a
 * new one and records it; then writes the deliverables.
 * @example runGenerateCommand({ checkpoint: COMMITTED_MODELS.generator, …, search: false })
 */
export function runGenerateCommand(o: GenerateCommandOptions): void {
  const t0 = performance.now();
  refuseSearchFlagsWithoutSearch(o);
  const setup = prepare(o, t0);
  const outcome = o.search ? searchAndRecord(o, setup) : replayChoice(o, setup);
  const files = writeOutputs(o.out, outcome.chosen, setup.train.images, outcome.report, outcome.strategyBest);
  printSummary(outcome.chosen, files, o.out, t0);
}

function refuseSearchFlagsWithoutSearch(o: GenerateCommandOptions): void {
  const searchOnly = [o.strategy, o.candidates, o.diffusionCandidates, o.diffusionSteps, o.seed, o.bodyShare, o.truncation];
  if (!o.search && searchOnly.some((v) => v !== undefined)) {
    throw new UserError(
      '--strategy, --candidates, --diffusion-candidates, --diffusion-steps, --seed, --body-share and --truncation choose what --search tries; add --search',
    );
  }
}

/** Loads and checks the generator and the classifier, and the training images. */
function prepare(o: GenerateCommandOptions, t0: number): Setup {
  mustExist(o.checkpoint, '--checkpoint', 'a GAN generator, e.g. generator-ema.pgc from pegasus train');
  mustExist(o.classifier, '--classifier', 'train one with `pegasus classifier train`');
  const g = loadGenerator(o.checkpoint);
  conditionalGenerator(g);
  const config = o.search ? searchConfig(o) : defaultGenerateConfig;
  pegasusClasses(g.config.train.classes, config.score.body, config.score.wings);
  const { net } = loadClassifier(o.classifier);
  if (net.config.numClasses !== 10) {
    throw new UserError(
      `--classifier ${o.classifier} has ${net.config.numClasses} classes; generate needs a CIFAR-10 (10-class) classifier`,
    );
  }
  const dataDir = resolveDataDir(o.data);
  const train = loadCifar10({ dir: dataDir, split: 'train', recordsPerFile: o.recordsPerFile });
  const refOptions = {
    manifoldSize: config.manifoldSize,
    manifoldK: config.manifoldK,
    cacheDir: o.cache,
    classifierPath: o.classifier,
    dataDir,
    log,
  };
  return { g, net, config, dataDir, train, refOptions, t0 };
}

/** Redraws the recorded choice from its recipes and scores it again. */
function replayChoice(o: GenerateCommandOptions, s: Setup): Outcome {
  const choice = readChoice(o.choice);
  assertSameModel(choice.generator, fingerprint(o.checkpoint, s.g.step, s.g.config.train.classes), 'generator', o.choice);
  // the batch, then each strategy's best (strategies.png), drawn and scored together
  const all = [...choice.images, ...(choice.strategyBest ?? [])];
  const diffusion = all.some((c) => isDiffusion(c.recipe)) ? recordedDenoiser(o, choice) : null;
  checkRecordedClassifier(o, choice, all);
  const ref = buildReference(s.net, s.train, { ...s.refOptions, needed: all.flatMap((c) => c.featureNeighbours) });
  const strategies = all.length > choice.images.length ? ` and the best of ${all.length - choice.images.length} strategies` : '';
  log(`redrawing the recorded choice (${choice.images.length} images${strategies}) from ${o.choice}`);
  const scoring = recordedScoreConfig(choice);
  const recipes = all.map((c) => c.recipe);
  const { images, parts } = draw(s.g, s.net, diffusion, recipes, o.choice, scoring);
  const first = firstScores(s.net, images, ref.manifold, scoring, parts);
  const scores = fullScores(
    images,
    first,
    all.map((_, i) => i),
    ref,
    choice.thresholds,
    scoring,
  );
  const outputs = all.map((c, i) => ({ pixels: images.subarray(i * IMAGE, (i + 1) * IMAGE), recipe: c.recipe, scores: scores[i]! }));
  const drift = Math.max(...all.map((c, i) => Math.abs(c.scores.score - scores[i]!.score)));
  if (drift > 1e-3)
    log(`NOTE: scores differ from the recorded ones by up to ${drift.toFixed(4)} (another classifier, data copy or backend)`);
  return {
    chosen: outputs.slice(0, choice.images.length),
    strategyBest: outputs.slice(choice.images.length),
    report: reportHeader('recorded', choice, ref, performance.now() - s.t0),
  };
}

/** The denoiser a recorded choice with diffusion images needs (the same one, by fingerprint). */
function recordedDenoiser(o: GenerateCommandOptions, choice: RecordedChoice): LoadedDiffusionModel {
  mustExist(o.denoiser, '--denoiser', 'the recorded choice has diffusion images');
  const diffusion = loadDiffusionModel(o.denoiser);
  if (choice.denoiser !== null) {
    assertSameModel(choice.denoiser, fingerprint(o.denoiser, diffusion.step, diffusion.config.train.classes), 'denoiser', o.choice);
  }
  return diffusion;
}

/** A guided image without its recorded z is the classifier's gradient's work: another classifier would draw another image. */
function checkRecordedClassifier(o: GenerateCommandOptions, choice: RecordedChoice, all: readonly ChosenImage[]): void {
  if (choice.classifier.crc32 === fileCrc(o.classifier)) return;
  if (all.some((c) => !isDiffusion(c.recipe) && !isRecombine(c.recipe) && needsOptimisation(c.recipe))) {
    throw new UserError(
      `the recorded choice ${o.choice} has guided images, made with the classifier ${choice.classifier.path} (crc ${choice.classifier.crc32}); ${o.classifier} differs: pass that classifier or run \`pegasus generate --search\` to choose again`,
    );
  }
  log(`the choice was scored with another classifier (${choice.classifier.path}); scores are recomputed with ${o.classifier}`);
}

/** Searches thousands of candidates, selects the best and a diverse batch, and records the choice. */
function searchAndRecord(o: GenerateCommandOptions, s: Setup): Outcome {
  const ref = buildReference(s.net, s.train, s.refOptions);
  const thresholds = testThresholds(o, s, ref);
  const diffusion = searchDenoiser(o, s.config);
  const found = runSearch(s.g, diffusion, s.net, ref.manifold, s.config);
  if (found.first.n === 0) {
    throw new UserError(
      `--strategy ${s.config.search.strategies.join(',')} drew no candidates (no denoiser at ${o.denoiser}?); add a GAN strategy`,
    );
  }
  const sel = selectBatch(found, ref, thresholds, s.config);
  const choice = recordChoice(o, s, { diffusion, found, sel, ref, thresholds });
  const output = (i: number, scores: CandidateScores): OutputImage => ({
    pixels: found.images.subarray(i * IMAGE, (i + 1) * IMAGE),
    recipe: found.recipes[i]!,
    scores,
  });
  return {
    chosen: sel.pick.map((i) => output(i, sel.scoreOf.get(i)!)),
    strategyBest: sel.bestOf.map((i) => output(i, sel.scoreOf.get(i)!)),
    report: { ...reportHeader('search', choice, ref, performance.now() - s.t0), strategies: strategyTable(found.recipes, sel.ranked) },
  };
}

/** The uniqueness thresholds τ: the 5th percentile of real test images' distances to the training set. */
function testThresholds(o: GenerateCommandOptions, s: Setup, ref: GenerateReference): UniquenessThresholds {
  const test = loadCifar10({ dir: s.dataDir, split: 'test', recordsPerFile: o.recordsPerFile });
  const tq = spread(test.count, s.config.thresholdQueries);
  const testImages = Float32Array.from(
    { length: tq.length * IMAGE },
    (_, j) => test.images[tq[Math.floor(j / IMAGE)]! * IMAGE + (j % IMAGE)]! / 127.5 - 1,
  );
  const thresholds = uniquenessThresholds(s.net, testImages, ref);
  log(
    `uniqueness thresholds (5th percentile of real test images): pixel ${thresholds.pixel.toFixed(2)}, feature ${thresholds.feature.toFixed(3)}`,
  );
  return thresholds;
}

/** The denoiser of the diffusion strategy, when the search uses it and it exists. */
function searchDenoiser(o: GenerateCommandOptions, config: GenerateConfig): LoadedDiffusionModel | null {
  if (!config.search.strategies.includes('diffusion') || config.search.diffusionCandidates === 0) return null;
  if (existsSync(o.denoiser)) return loadDiffusionModel(o.denoiser);
  log(`no denoiser at ${o.denoiser}: the diffusion strategy is skipped`);
  return null;
}

/** The candidates a search keeps: the batch (best first), each strategy's best, and their full scores. */
interface Selection {
  readonly pick: number[];
  readonly bestOf: number[];
  /** The shortlist, fully scored, best first. */
  readonly ranked: { i: number; s: CandidateScores }[];
  readonly scoreOf: Map<number, CandidateScores>;
}

/**
 * Pre-scores every candidate, gives the shortlist (at most `maxPerLineage` per starting latent) the
 * full score, and picks a good and diverse batch from the best by greedy max-min.
 */
function selectBatch(found: SearchResult, ref: GenerateReference, thresholds: UniquenessThresholds, config: GenerateConfig): Selection {
  const { first, images, recipes } = found;
  const order = Array.from({ length: first.n }, (_, i) => i).sort(
    (a, b) => preScore(first, b, config.score) - preScore(first, a, config.score),
  );
  const lineage = {
    family: (i: number) => `${isDiffusion(recipes[i]!) ? 'diffusion' : 'gan'} ${recipes[i]!.seed}`,
    max: config.maxPerLineage,
  };
  const short = capPerFamily(order, Math.max(config.shortlist, config.batchSize), lineage);
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
    return of.length === 0 ? [] : [of.reduce((a, b) => (b.s.score > a.s.score ? b : a)).i];
  });
  const pool = ranked.slice(0, config.pool).map((r) => r.i);
  const pick = greedyMaxMin(first.features, first.dim, pool, config.batchSize, lineage);
  return { pick, bestOf, ranked, scoreOf: new Map(scored.map((r) => [r.i, r.s] as const)) };
}

/** Writes the recorded choice (recipes, scores, feature neighbours, fingerprints of the models). */
function recordChoice(
  o: GenerateCommandOptions,
  s: Setup,
  r: {
    readonly diffusion: LoadedDiffusionModel | null;
    readonly found: SearchResult;
    readonly sel: Selection;
    readonly ref: GenerateReference;
    readonly thresholds: UniquenessThresholds;
  },
): RecordedChoice {
  const { diffusion, found, sel, thresholds } = r;
  const { first, recipes } = found;
  const recorded = [...sel.pick, ...sel.bestOf];
  const feats = new Float32Array(recorded.length * first.dim);
  recorded.forEach((i, j) => feats.set(first.features.subarray(i * first.dim, (i + 1) * first.dim), j * first.dim));
  const nbrs = featureNeighbours(feats, first.dim, r.ref, s.config.recordedNeighbours);
  const entries: ChosenImage[] = recorded.map((i, j) => ({
    recipe: recipes[i]!,
    scores: sel.scoreOf.get(i)!,
    featureNeighbours: nbrs[j]!,
  }));
  const choice: RecordedChoice = {
    version: CHOICE_VERSION,
    createdAt: new Date().toISOString(),
    generator: fingerprint(o.checkpoint, s.g.step, s.g.config.train.classes),
    denoiser: diffusion === null ? null : fingerprint(o.denoiser, diffusion.step, diffusion.config.train.classes),
    classifier: { path: o.classifier, crc32: fileCrc(o.classifier) },
    trainImages: s.train.count,
    thresholds,
    search: { candidates: first.n, counts: found.counts, seconds: Math.round((performance.now() - s.t0) / 100) / 10, config: s.config },
    images: entries.slice(0, sel.pick.length),
    strategyBest: entries.slice(sel.pick.length),
  };
  writeChoice(o.choice, choice);
  log(`recorded the choice in ${o.choice}`);
  return choice;
}

function printSummary(chosen: readonly OutputImage[], files: readonly string[], out: string, t0: number): void {
  const b = chosen[0]!.scores;
  const parts =
    b.judge === 'parts' && b.parts !== undefined
      ? `; judged by parts: wing cut from a ${(b.parts.pDonor * 100).toFixed(0)}% bird/airplane, visibility ${b.parts.visibility.toFixed(2)}`
      : '';
  console.log(
    `best: score ${b.score.toFixed(3)} (Pegasus-ness ${b.pegasus.toFixed(3)}: p(horse) ${b.pBody.toFixed(3)}, p(bird+airplane) ${b.pWings.toFixed(3)}${parts}; ` +
      `realism ${b.realism.toFixed(3)}; uniqueness ${b.uniqueness.toFixed(3)}, nearest training image ${b.nearestPixel.distance.toFixed(1)} px-units away)`,
  );
  const mean = chosen.reduce((a, c) => a + c.scores.score, 0) / chosen.length;
  console.log(`batch: mean score ${mean.toFixed(3)} over ${chosen.length} images`);
  console.log(`wrote ${files.join(', ')} to ${out} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

/** Images of mixed GAN and diffusion recipes, in order, and the parts of the recombined ones (also the composed strategies' row of the model's strategies.png). */
export function draw(
  g: LoadedGenerator,
  net: ResNet9,
  diffusion: LoadedDiffusionModel | null,
  recipes: readonly Recipe[],
  choicePath: string,
  score: ScoreConfig,
): { images: Float32Array; parts: WingParts } {
  const out = new Float32Array(recipes.length * IMAGE);
  let parts: WingParts | null = null;
  const ganIdx = recipes.flatMap((r, i) => (isDiffusion(r) || isRecombine(r) ? [] : [i]));
  const recIdx = recipes.flatMap((r, i) => (isRecombine(r) ? [i] : []));
  const difIdx = recipes.flatMap((r, i) => (isDiffusion(r) ? [i] : []));
  try {
    const gi = drawGanRecipes(
      g,
      net,
      ganIdx.map((i) => recipes[i] as GanRecipe),
    );
    ganIdx.forEach((i, j) => out.set(gi.subarray(j * IMAGE, (j + 1) * IMAGE), i * IMAGE));
    if (recIdx.length > 0) {
      const d = drawRecombineParts(
        g,
        recIdx.map((i) => recipes[i] as RecombineRecipe),
      );
      recIdx.forEach((i, j) => out.set(d.images.subarray(j * IMAGE, (j + 1) * IMAGE), i * IMAGE));
      if (score.parts !== null) parts = wingParts(net, d, score.wings, score.parts.horseArea);
    }
    if (difIdx.length > 0) {
      const di = drawDiffusion(
        diffusion!,
        difIdx.map((i) => recipes[i] as DiffusionRecipe),
      );
      difIdx.forEach((i, j) => out.set(di.subarray(j * IMAGE, (j + 1) * IMAGE), i * IMAGE));
    }
  } catch (err) {
    if (err instanceof UnknownClassError)
      throw new UserError(`${choicePath}: ${err.message}; run \`pegasus generate --search\` to choose again`);
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
        "score = P · R^alpha · U; P = (p(horse)/a)^a·((p(bird)+p(airplane))/(1-a))^(1-a), or for a recombined image max(P, p(horse)^a·(p_donor·V)^(1-a)) with V the wing's visibility; " +
        'R = min(1, realism score, Kynkäänniemi et al. 2019); U = min(1, d_pix/tau_pix)·min(1, d_feat/tau_feat)',
      config: recordedScoreConfig(c),
      thresholds: c.thresholds,
      exactFeatureNeighbours: ref.train.complete,
    },
    search: c.search,
  };
}

/** Per strategy: candidates drawn, how many reached the shortlist, and the best full score. */
function strategyTable(
  recipes: readonly Recipe[],
  ranked: readonly { i: number; s: CandidateScores }[],
): Record<string, { candidates: number; shortlisted: number; best: number }> {
  const t: Record<string, { candidates: number; shortlisted: number; best: number }> = {};
  for (const r of recipes) (t[r.strategy] ??= { candidates: 0, shortlisted: 0, best: 0 }).candidates++;
  for (const { i, s } of ranked) {
    const e = t[recipes[i]!.strategy]!;
    e.shortlisted++;
    e.best = Math.max(e.best, Math.round(s.score * 1000) / 1000);
  }
  return t;
}
