/**
 * The deliverables in the output folder:
 *
 *   pegasus.png      the best image, 32×32
 *   pegasus-x8.png   the same, nearest-neighbour upscaled to 256×256
 *   batch/00.png …   the 64 chosen images, 32×32 each (00 is the best)
 *   batch64.png      the 64 as an 8×8 grid (each image 2×)
 *   neighbours.png   each of the 64 (best first) beside its nearest training image in pixels (label
 *                    "px": Euclidean distance in [−1, 1] units) and in classifier features ("ft")
 *   strategies.png   the best image of each strategy side by side (4×), labelled with its score
 *   pegasus.json     for every image: recipe (strategy, weights, seeds), scores, neighbour distances
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFolderAtomic } from '../atomicWrite.js';
import { UserError } from '../errors.js';
import { assertOutFolder } from '../outPath.js';
import { imageFromChw, makeGrid, upscale, writePng, type Image } from '../image/index.js';
import type { Recipe } from './recipe.js';
import type { CandidateScores } from './score.js';
import { IMAGE_BYTES as IMAGE } from '../data/cifar10Format.js';

export interface OutputImage {
  readonly pixels: Float32Array; // 3×32×32 in [−1, 1]
  readonly recipe: Recipe;
  readonly scores: CandidateScores;
}

/** Output files relative to the folder, in the order they are written. */
export function batchFileName(i: number): string {
  return join('batch', `${String(i).padStart(2, '0')}.png`);
}

function trainImage(train: Uint8Array, index: number): Image {
  return imageFromChw(train.subarray(index * IMAGE, (index + 1) * IMAGE), 3, 32, 32);
}

/** The neighbour sheet: groups of [image | nearest in pixels | nearest in features], `groups` per row. */
export function neighbourSheet(images: readonly OutputImage[], trainImages: Uint8Array, groups = 4): Image {
  const cells: Image[] = [];
  const labels: string[] = [];
  images.forEach((im, i) => {
    cells.push(imageFromChw(im.pixels, 3, 32, 32));
    labels.push(i === 0 ? 'best' : String(i).padStart(2, '0')); // the font has no '#'
    cells.push(trainImage(trainImages, im.scores.nearestPixel.trainIndex));
    labels.push(`px ${im.scores.nearestPixel.distance.toFixed(1)}`);
    cells.push(trainImage(trainImages, im.scores.nearestFeature.trainIndex));
    labels.push(`ft ${im.scores.nearestFeature.distance.toFixed(2)}`);
  });
  return makeGrid(cells, { cols: 3 * groups, scale: 2, padding: 3, cellLabels: labels });
}

/** The comparison sheet: each strategy's best image, 4× upscaled, under its strategy and score. */
export function strategySheet(best: readonly OutputImage[]): Image {
  const cells = best.map((b) => imageFromChw(b.pixels, 3, 32, 32));
  const labels = best.map((b) => `${b.recipe.strategy} ${b.scores.score.toFixed(2)}`);
  return makeGrid(cells, { cols: best.length, scale: 4, padding: 4, cellLabels: labels });
}

/**
 * Writes every deliverable; `report` is merged into pegasus.json beside the images. `strategyBest`
 * (each strategy's best image) adds strategies.png when there is any.
 * @example writeOutputs('out', chosen, train.images, { mode: 'recorded' })
 */
export function writeOutputs(
  out: string,
  chosen: readonly OutputImage[],
  trainImages: Uint8Array,
  report: Record<string, unknown>,
  strategyBest: readonly OutputImage[] = [],
): string[] {
  writeFolderAtomic(out, (dir) => writeOutputFiles(dir, chosen, trainImages, report, strategyBest));
  return [
    'pegasus.png',
    'pegasus-x8.png',
    'batch/00.png … batch/' + String(chosen.length - 1).padStart(2, '0') + '.png',
    'batch64.png',
    'neighbours.png',
    ...(strategyBest.length > 0 ? ['strategies.png'] : []),
    'pegasus.json',
  ];
}

/**
 * Checks, before any work, that `--out` can take a generate output set: a folder that is missing
 * or holds an earlier set (pegasus.json), in a place this process can write.
 */
export function assertGenerateOut(dir: string): void {
  assertOutFolder(dir, '--out');
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(join(dir, 'pegasus.json'))) {
    throw new UserError(`--out ${dir} exists and is not an earlier pegasus generate output; choose another folder`);
  }
}

function writeOutputFiles(
  dir: string,
  chosen: readonly OutputImage[],
  trainImages: Uint8Array,
  report: Record<string, unknown>,
  strategyBest: readonly OutputImage[],
): void {
  mkdirSync(join(dir, 'batch'), { recursive: true });
  const best = imageFromChw(chosen[0]!.pixels, 3, 32, 32);
  writePng(join(dir, 'pegasus.png'), best);
  writePng(join(dir, 'pegasus-x8.png'), upscale(best, 8));
  const cells = chosen.map((c, i) => {
    const im = imageFromChw(c.pixels, 3, 32, 32);
    writePng(join(dir, batchFileName(i)), im);
    return im;
  });
  writePng(join(dir, 'batch64.png'), makeGrid(cells, { cols: 8, scale: 2 }));
  writePng(join(dir, 'neighbours.png'), neighbourSheet(chosen, trainImages));
  if (strategyBest.length > 0) writePng(join(dir, 'strategies.png'), strategySheet(strategyBest));
  const entry = (c: OutputImage, file: string) => ({ file, ...c.recipe, scores: c.scores });
  const json = {
    ...report,
    best: entry(chosen[0]!, 'pegasus.png'),
    batch: chosen.map((c, i) => entry(c, batchFileName(i))),
    ...(strategyBest.length > 0 && { strategyBest: strategyBest.map((c) => entry(c, 'strategies.png')) }),
  };
  writeFileSync(join(dir, 'pegasus.json'), JSON.stringify(json, null, 1) + '\n');
}
