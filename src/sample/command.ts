/** What `pegasus sample` does with its parsed flags. */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import { assertPngOut, imagesFromNchw, makeGrid, writePng } from '../image/index.js';
import { parseClassMix } from './classMix.js';
import { loadGenerator, sampleImages } from './sampler.js';

export interface SampleCommandOptions {
  readonly checkpoint: string;
  readonly class?: string;
  readonly n: number;
  readonly seed: number;
  readonly scale: number;
  readonly out: string;
  /** ψ of the truncation trick (absent: untruncated). */
  readonly truncation?: number;
  /** Replace --out even when it is not a PNG. */
  readonly force?: boolean;
}

export function runSampleCommand(o: SampleCommandOptions): void {
  if (!existsSync(o.checkpoint)) throw new UserError(`--checkpoint ${o.checkpoint}: no such file`);
  assertPngOut(o.out, '--out', o.force);
  const mix = o.class === undefined ? [] : parseClassMix(o.class);
  const g = loadGenerator(o.checkpoint);
  const x = sampleImages(g, mix, o.n, o.seed, o.truncation);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  mkdirSync(dirname(o.out), { recursive: true });
  writePng(o.out, makeGrid(imagesFromNchw(x.data, n, c, h, w), { scale: o.scale }));
  console.error(
    `wrote ${n} samples (step ${g.step}${o.class === undefined ? '' : `, class ${o.class}`}${o.truncation === undefined ? '' : `, truncation ψ ${o.truncation}`}) to ${o.out}`,
  );
}
