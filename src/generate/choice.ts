/**
 * The recorded choice (`models/pegasus-choice.json`): what a search chose — the recipe of the best
 * image and of the 64-image batch (best first), with the scores they had — and which model files
 * it was made with (path, CRC-32 of the bytes, training step). `pegasus generate` without --search
 * redraws exactly these recipes, which takes seconds instead of the search's minutes.
 *
 * Every recipe only makes sense for the generator it was searched with: a different file (a newly
 * trained model) is refused with a message that says to search again.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../atomicWrite.js';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import { crc32 } from '../nn/index.js';
import type { Recipe } from './recipe.js';
import { defaultScoreConfig, type CandidateScores, type ScoreConfig, type UniquenessThresholds } from './score.js';

export const CHOICE_VERSION = 1;

/** A model file as the choice remembers it. */
export interface ModelFingerprint {
  readonly path: string;
  readonly crc32: string;
  readonly step: number;
  readonly classes: readonly string[];
}

export interface ChosenImage {
  readonly recipe: Recipe;
  readonly scores: CandidateScores;
  /** The nearest training images in the classifier's feature space (training-set indices). */
  readonly featureNeighbours: readonly number[];
}

export interface RecordedChoice {
  readonly version: number;
  readonly createdAt: string;
  readonly generator: ModelFingerprint;
  readonly denoiser: ModelFingerprint | null;
  readonly classifier: { readonly path: string; readonly crc32: string };
  /** Training images the search compared with (a different data copy changes the neighbours). */
  readonly trainImages: number;
  readonly thresholds: UniquenessThresholds;
  readonly search: {
    readonly candidates: number;
    readonly counts: Record<string, number>;
    readonly seconds: number;
    readonly config: unknown;
  };
  /** The batch, best first: images[0] is the Pegasus. */
  readonly images: readonly ChosenImage[];
  /**
   * The best image of each strategy that drew candidates, in `STRATEGIES` order: the side-by-side
   * comparison `strategies.png` (absent in choices recorded before it existed).
   */
  readonly strategyBest?: readonly ChosenImage[];
}

/** CRC-32 of a file's bytes as 8 hex digits. */
export function fileCrc(path: string): string {
  return crc32(readFileSync(path)).toString(16).padStart(8, '0');
}

export function fingerprint(path: string, step: number, classes: readonly string[]): ModelFingerprint {
  return { path, crc32: fileCrc(path), step, classes: [...classes] };
}

/** Reads a recorded choice; a missing file says how to make one. */
export function readChoice(path: string): RecordedChoice {
  if (!existsSync(path))
    throw new UserError(`no recorded choice at ${path}: run \`pegasus generate --search\` to search for a Pegasus and record it`);
  let c: RecordedChoice;
  try {
    c = JSON.parse(readFileSync(path, 'utf8')) as RecordedChoice;
  } catch (err) {
    throw new UserError(`${path} is not valid JSON (${(err as Error).message}); run \`pegasus generate --search\` to record a new choice`);
  }
  if (c.version !== CHOICE_VERSION || !Array.isArray(c.images) || c.images.length === 0) {
    throw new UserError(`${path} is not a recorded choice of this version; run \`pegasus generate --search\` to record a new one`);
  }
  return c;
}

/**
 * Refuses to redraw a choice with another generator (or denoiser, when the choice uses one).
 * @example assertSameModel(choice.generator, fingerprint(path, g.step, classes), 'generator')
 */
export function assertSameModel(recorded: ModelFingerprint, current: ModelFingerprint, what: string, choicePath: string): void {
  if (recorded.crc32 === current.crc32) return;
  throw new UserError(
    `the recorded choice ${choicePath} was searched with another ${what} (${recorded.path}, step ${recorded.step}, crc ${recorded.crc32}); ` +
      `${current.path} is step ${current.step} (crc ${current.crc32}): run \`pegasus generate --search\` to choose again for this model`,
  );
}

/** Writes the choice atomically (temporary name, then rename). */
export function writeChoice(path: string, c: RecordedChoice): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, JSON.stringify(c, null, 1) + '\n');
}

/**
 * The score settings a choice was searched with (in its recorded config), so that a redraw scores
 * the images as the search did; choices recorded before `bodyShare` existed used 0.5, and those
 * recorded before the parts judge had none.
 */
export function recordedScoreConfig(c: RecordedChoice): ScoreConfig {
  const score = (c.search.config as { score?: Partial<ScoreConfig> } | null)?.score ?? {};
  const share = score.bodyShare;
  const parts = score.parts;
  const judge =
    parts !== null && typeof parts === 'object' && parts.area > 0 && parts.contrast > 0
      ? { area: parts.area, contrast: parts.contrast, horseArea: parts.horseArea ?? 0 }
      : null;
  return { ...defaultScoreConfig, ...score, bodyShare: typeof share === 'number' && share > 0 && share < 1 ? share : 0.5, parts: judge };
}
