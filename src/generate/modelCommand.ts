/**
 * `pegasus generate` (the default): the deliverables drawn by the pegasus-class generator
 * (model.ts), written as one set into --out:
 *
 *   pegasus.png, pegasus-x8.png  the best of the candidates (score: logit p(winged) + log p(horse))
 *   batch/00.png … batch/63.png  64 random samples, seeds batchSeed … batchSeed + 63 (uncurated)
 *   batch64.png                  the batch as an 8×8 grid
 *   neighbours.png               the best and every batch image beside its nearest training image
 *   strategies.png               row 1: the model's 8 best candidates; row 2: the best image of each
 *                                composed strategy of the recorded choice (--choice), redrawn with its
 *                                own generator, under the same score
 *   pegasus.json                 seeds, scores and nearest-neighbour distances of every image
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFolderAtomic } from '../atomicWrite.js';
import { CLASS_NAMES, IMAGE_BYTES as IMAGE, loadCifar10, resolveDataDir, toFloat32, type Cifar10Set } from '../data/index.js';
import { loadDiffusionModel } from '../diffusion/checkpoint.js';
import { kNearest, rows, squaredNorms } from '../evaluate/distances.js';
import { UserError } from '../errors.js';
import { imageFromChw, makeGrid, upscale, writePng, type Image } from '../image/index.js';
import { loadClassifier, type ResNet9 } from '../models/classifier/index.js';
import { loadGenerator } from '../sample/sampler.js';
import { fingerprint, readChoice, recordedScoreConfig } from './choice.js';
import { draw, mustExist } from './command.js';
import {
  assertPegasusClass,
  defaultModelGenerateConfig,
  modelPegasus,
  scoreModelImages,
  type ModelGenerateConfig,
  type ModelImage,
} from './model.js';
import { assertGenerateOut, batchFileName } from './outputs.js';
import { isDiffusion } from './recipe.js';

const log = (m: string) => console.error(`generate: ${m}`);

export interface ModelGenerateOptions {
  readonly checkpoint: string;
  readonly classifier: string;
  readonly detector: string;
  /** The recorded choice of the composed strategies, for strategies.png's second row (skipped when absent). */
  readonly choice: string;
  readonly composedCheckpoint: string;
  readonly denoiser: string;
  readonly out: string;
  readonly candidates?: number;
  readonly seed?: number;
  readonly data?: string;
  readonly recordsPerFile: number;
}

/** A labelled image of strategies.png. */
interface Tile {
  readonly label: string;
  readonly image: ModelImage;
}

/** The composed strategies' recorded best images, redrawn and scored like the model's; [] when the files are missing. */
function composedRow(o: ModelGenerateOptions, classifier: ResNet9, detector: ResNet9, horseLabel: number): Tile[] {
  if (!existsSync(o.choice) || !existsSync(o.composedCheckpoint)) {
    log(`no composed choice (${o.choice}) or its generator: strategies.png shows the model alone`);
    return [];
  }
  const choice = readChoice(o.choice);
  const g = loadGenerator(o.composedCheckpoint);
  if (choice.generator.crc32 !== fingerprint(o.composedCheckpoint, g.step, g.config.train.classes).crc32) {
    log(`${o.choice} was recorded with another generator than ${o.composedCheckpoint}: strategies.png shows the model alone`);
    return [];
  }
  const best = (choice.strategyBest ?? []).filter((c) => !isDiffusion(c.recipe) || existsSync(o.denoiser));
  if (best.length === 0) return [];
  const diffusion = best.some((c) => isDiffusion(c.recipe)) ? loadDiffusionModel(o.denoiser) : null;
  const { images } = draw(
    g,
    classifier,
    diffusion,
    best.map((c) => c.recipe),
    o.choice,
    recordedScoreConfig(choice),
  );
  const scored = scoreModelImages(
    classifier,
    detector,
    images,
    best.map((c) => c.recipe.seed),
    horseLabel,
  );
  return scored.map((image, i) => ({ label: best[i]!.recipe.strategy, image }));
}

const tile = (m: ModelImage): Image => imageFromChw(m.pixels, 3, 32, 32);

/** The nearest training image (in pixels) of each image. */
function nearestTrainImages(images: readonly ModelImage[], trainImages: Uint8Array): { index: Int32Array; distance: Float32Array } {
  const q = new Float32Array(images.length * IMAGE);
  images.forEach((m, i) => q.set(m.pixels, i * IMAGE));
  const trainPixels = rows(toFloat32(trainImages), IMAGE);
  return kNearest(rows(q, IMAGE), trainPixels, 1, { baseNorms: squaredNorms(trainPixels) });
}

/** pegasus.png, pegasus-x8.png, batch/NN.png and batch64.png. */
function writeModelImages(dir: string, o: { readonly best: ModelImage; readonly batch: readonly ModelImage[] }): void {
  writePng(join(dir, 'pegasus.png'), tile(o.best));
  writePng(join(dir, 'pegasus-x8.png'), upscale(tile(o.best), 8));
  o.batch.forEach((m, i) => writePng(join(dir, batchFileName(i)), tile(m)));
  writePng(join(dir, 'batch64.png'), makeGrid(o.batch.map(tile), { cols: 8, scale: 2 }));
}

/** neighbours.png: each shown image beside its nearest training image, with the pixel distance. */
function writeNeighbourSheet(
  path: string,
  shown: readonly ModelImage[],
  nn: { readonly index: ArrayLike<number>; readonly distance: ArrayLike<number> },
  trainImages: Uint8Array,
): void {
  const cells: Image[] = [];
  const labels: string[] = [];
  shown.forEach((m, i) => {
    const j = nn.index[i]!;
    cells.push(tile(m), imageFromChw(trainImages.subarray(j * IMAGE, (j + 1) * IMAGE), 3, 32, 32));
    labels.push(i === 0 ? 'best' : String(i - 1).padStart(2, '0'), `px ${nn.distance[i]!.toFixed(1)}`);
  });
  writePng(path, makeGrid(cells, { cols: 10, scale: 2, padding: 3, cellLabels: labels }));
}

/**
 * The training images for the neighbour sheet, or null (with one line saying how to add them) when
 * no CIFAR-10 is found and none was asked for: every other deliverable needs no data.
 */
function optionalTrainingImages(o: ModelGenerateOptions): Cifar10Set | null {
  let dir: string;
  try {
    dir = resolveDataDir(o.data);
  } catch (err) {
    if (o.data !== undefined || !(err instanceof UserError)) throw err;
    console.error(
      'generate: no CIFAR-10 found, so neighbours.png (each image beside its nearest training image) is left out; run `pegasus data fetch` to add it',
    );
    return null;
  }
  return loadCifar10({ dir, split: 'train', recordsPerFile: o.recordsPerFile });
}

/** strategies.png: the model's best 8 above the composed strategies' recorded bests, each with its score. */
function writeStrategySheet(path: string, modelRow: readonly Tile[], composed: readonly Tile[]): void {
  const tiles = [...modelRow, ...composed];
  const cols = Math.max(modelRow.length, composed.length);
  const cellLabels = tiles.map((t) => `${t.label} ${t.image.score.toFixed(1)}`);
  writePng(
    path,
    makeGrid(
      tiles.map((t) => tile(t.image)),
      { cols, scale: 4, padding: 4, cellLabels },
    ),
  );
}

/**
 * Runs `pegasus generate` with the pegasus-class generator.
 * @example runModelGenerateCommand({ checkpoint: 'models/cgan-pegasus/generator-ema.pgc', … })
 */
export function runModelGenerateCommand(o: ModelGenerateOptions): void {
  const t0 = performance.now();
  mustExist(o.checkpoint, '--checkpoint', 'a generator with a pegasus class, e.g. generator-ema.pgc of pegasus train --classes …,pegasus');
  mustExist(o.classifier, '--classifier', 'train one with `pegasus classifier train`');
  mustExist(o.detector, '--detector', 'train one with `pegasus classifier wings`');
  assertGenerateOut(o.out);
  const g = loadGenerator(o.checkpoint);
  assertPegasusClass(g, o.checkpoint);
  const { net: classifier } = loadClassifier(o.classifier);
  const { net: detector } = loadClassifier(o.detector);
  if (classifier.config.numClasses !== 10)
    throw new UserError(
      `--classifier ${o.classifier} has ${classifier.config.numClasses} classes; generate needs the CIFAR-10 (10-class) classifier`,
    );
  const train = optionalTrainingImages(o);
  const horseLabel = CLASS_NAMES.indexOf('horse');
  const c: ModelGenerateConfig = {
    ...defaultModelGenerateConfig,
    ...(o.candidates !== undefined && { candidates: o.candidates }),
    ...(o.seed !== undefined && { batchSeed: o.seed, candidateSeed: o.seed + defaultModelGenerateConfig.candidateSeed }),
  };
  log(`drawing ${c.batchSize} random pegasus-class samples and ${c.candidates} candidates from ${o.checkpoint} (step ${g.step})`);
  const { batch, ranked } = modelPegasus(g, classifier, detector, c, horseLabel);
  const best = ranked[0]!;
  const shown = [best, ...batch];
  if (train !== null) log('nearest training images');
  const nn = train === null ? null : nearestTrainImages(shown, train.images);
  log("the composed strategies' best images, for strategies.png");
  const composed = composedRow(o, classifier, detector, horseLabel);
  const modelRow: Tile[] = ranked.slice(0, 8).map((image, i) => ({ label: i === 0 ? 'model best' : 'model', image }));
  const entry = (m: ModelImage, file: string, i: number) => ({
    file,
    seed: m.seed,
    class: 'pegasus',
    pWinged: m.pWinged,
    pHorse: m.pHorse,
    score: m.score,
    ...(nn !== null && { nearestTrain: { index: nn.index[i]!, distance: nn.distance[i]! } }),
  });
  const tiles = [...modelRow, ...composed];
  const json = {
    mode: 'model',
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    generator: fingerprint(o.checkpoint, g.step, g.config.train.classes),
    classifier: o.classifier,
    detector: o.detector,
    config: c,
    score: 'logit p(winged) (wing detector) + log p(horse) (classifier), both averaged over the image and its mirror',
    best: entry(best, 'pegasus.png', 0),
    batch: batch.map((m, i) => entry(m, batchFileName(i), i + 1)),
    strategies: tiles.map((t) => ({
      strategy: t.label,
      seed: t.image.seed,
      pWinged: t.image.pWinged,
      pHorse: t.image.pHorse,
      score: t.image.score,
    })),
    summary: {
      batchWinged: batch.filter((m) => m.pWinged > 0.5).length / batch.length,
      batchMeanPHorse: batch.reduce((a, m) => a + m.pHorse, 0) / batch.length,
    },
  };
  writeFolderAtomic(o.out, (dir) => {
    writeModelImages(dir, { best, batch });
    if (nn !== null && train !== null) writeNeighbourSheet(join(dir, 'neighbours.png'), shown, nn, train.images);
    writeStrategySheet(join(dir, 'strategies.png'), modelRow, composed);
    writeFileSync(join(dir, 'pegasus.json'), JSON.stringify(json, null, 1) + '\n');
  });
  console.log(
    `best: seed ${best.seed}, p(winged) ${best.pWinged.toFixed(3)}, p(horse) ${best.pHorse.toFixed(3)}, score ${best.score.toFixed(2)} (best of ${c.candidates})`,
  );
  console.log(
    `batch: ${batch.filter((m) => m.pWinged > 0.5).length} of ${batch.length} random samples called winged by the detector, mean p(horse) ${(batch.reduce((a, m) => a + m.pHorse, 0) / batch.length).toFixed(3)}`,
  );
  console.log(
    `wrote pegasus.png, pegasus-x8.png, batch/00-${String(batch.length - 1).padStart(2, '0')}.png, batch64.png, ${nn === null ? '' : 'neighbours.png, '}strategies.png, pegasus.json to ${o.out} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
}
