/**
 * In-batch diversity: the mean Euclidean distance between every pair of feature vectors of one set
 * (a collapsed generator scores near 0). Compared with the same figure for real images of the same
 * classes, a ratio near 1 means real-like variety. This is the "average pairwise distance" used to
 * detect mode collapse, e.g. by Srivastava et al. 2017 (VEEGAN) and Odena et al. 2017 (MS-SSIM on
 * AC-GAN classes), here in the classifier's feature space.
 */
import { forEachDistanceBlock, type Rows } from './distances.js';

/** Mean pairwise distance over the distinct pairs of rows of x (needs ≥ 2 rows). */
export function meanPairwiseDistance(x: Rows): number {
  if (x.n < 2) throw new Error(`meanPairwiseDistance: needs at least 2 rows, got ${x.n}`);
  let s = 0;
  forEachDistanceBlock(x, x, (b0, b1, dist) => {
    const w = b1 - b0;
    for (let i = 0; i < x.n; i++) {
      for (let j = 0; j < w; j++) if (b0 + j > i) s += Math.sqrt(dist[i * w + j]!);
    }
  });
  return s / ((x.n * (x.n - 1)) / 2);
}
