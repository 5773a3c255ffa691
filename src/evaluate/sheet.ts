/**
 * The uniqueness sheet: each generated sample beside its 3 nearest training images (pixel space),
 * labelled with the distances, so a copied training image is obvious at a glance.
 */
import { imageFromChw, makeGrid, type Image } from '../image/index.js';
import type { SheetData } from './evaluate.js';

/**
 * A grid of `rows` lines: sample | NN1 | NN2 | NN3.
 * @example writePng('nearest.png', nearestSheet(sheet, trainPixels, 8));
 */
export function nearestSheet(s: SheetData, trainImages: Uint8Array, maxRows = 8, scale = 2): Image {
  const k = s.nn.k;
  const n = Math.min(maxRows, s.queries.length);
  const pick = Array.from({ length: n }, (_, i) => Math.floor((i * s.queries.length) / n));
  const images: Image[] = [];
  const labels: string[] = [];
  for (const qi of pick) {
    const q = s.queries[qi]!;
    images.push(imageFromChw(s.generated.subarray(q * 3072, (q + 1) * 3072), 3, 32, 32));
    labels.push('sample');
    for (let j = 0; j < k; j++) {
      const t = s.nn.index[qi * k + j]!;
      images.push(imageFromChw(trainImages.subarray(t * 3072, (t + 1) * 3072), 3, 32, 32));
      labels.push(`d=${s.nn.distance[qi * k + j]!.toFixed(1)}`);
    }
  }
  return makeGrid(images, { cols: k + 1, scale, cellLabels: labels });
}
