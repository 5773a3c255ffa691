/**
 * The sample grid written during training: one row per class (labelled, for a conditional
 * generator), fixed noise, drawn by the EMA generator in eval mode, so grids of successive steps
 * are directly comparable.
 */
import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import { noGrad, type Tensor } from '../engine/index.js';
import { imagesFromNchw, makeGrid, writePng } from '../image/index.js';
import type { ImageGenerator } from './ganPair.js';

export function writeSampleGrid(
  path: string,
  generator: ImageGenerator,
  fixed: { readonly z: Tensor; readonly labels: Int32Array },
  perRow: number,
  rowLabels?: readonly string[],
): void {
  const wasTraining = generator.training;
  generator.eval();
  try {
    const x = noGrad(() => generator.forward(fixed.z, fixed.labels));
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const grid = makeGrid(imagesFromNchw(x.data, n, c, h, w), { cols: perRow, scale: 2, ...(rowLabels !== undefined && { rowLabels }) });
    x.dispose();
    mkdirSync(dirname(path), { recursive: true });
    writePng(path, grid);
  } finally {
    if (wasTraining) generator.train();
  }
}
