/**
 * k-nearest-neighbour estimates of how much of the real distribution generated samples cover and how
 * much of the generated one lies on real data, in feature space:
 *
 * - precision and recall (Kynkäänniemi, Karras, Laine, Lehtinen & Aila 2019, "Improved Precision and
 *   Recall Metric for Assessing Generative Models"): each set's manifold is the union of balls
 *   reaching every sample's k-th nearest neighbour in its own set; precision is the fraction of
 *   generated samples inside the real manifold, recall the fraction of real samples inside the
 *   generated one (k = 3, as in the paper);
 * - density and coverage (Naeem, Oh, Uh, Choi & Yoo 2020, "Reliable Fidelity and Diversity Metrics
 *   for Generative Models"): density counts how many real balls contain each generated sample
 *   (divided by k; ≈ 1 for real data, robust to outliers), coverage is the fraction of real balls
 *   that contain at least one generated sample (k = 5, as in the paper).
 */
import { forEachDistanceBlock, kthNeighbourRadius, type Rows } from './distances.js';

export interface Prdc {
  readonly precision: number;
  readonly recall: number;
  readonly density: number;
  readonly coverage: number;
}

/** Precomputed real-side radii, reusable across every generated set compared with the same real set. */
export interface RealManifold {
  readonly real: Rows;
  /** k-NN radius of each real sample with k = kPr (precision/recall). */
  readonly radiusPr: Float32Array;
  /** k-NN radius of each real sample with k = kDc (density/coverage). */
  readonly radiusDc: Float32Array;
  readonly kPr: number;
  readonly kDc: number;
}

export function realManifold(real: Rows, kPr = 3, kDc = 5): RealManifold {
  return { real, radiusPr: kthNeighbourRadius(real, kPr), radiusDc: kthNeighbourRadius(real, kDc), kPr, kDc };
}

/**
 * Precision, recall, density and coverage of `fake` against the real manifold.
 * @example const m = realManifold(rows(realFeat, 128)); prdc(m, rows(fakeFeat, 128)).precision
 */
export function prdc(m: RealManifold, fake: Rows): Prdc {
  const real = m.real;
  const fakeRadius = kthNeighbourRadius(fake, m.kPr);
  const inReal = new Uint8Array(fake.n); // fake j inside some real k-NN ball (precision)
  const inFake = new Uint8Array(real.n); // real i inside some fake k-NN ball (recall)
  const covered = new Uint8Array(real.n); // real ball i holds some fake sample (coverage)
  let densityCount = 0;
  const rPr2 = m.radiusPr.map((r) => r * r);
  const rDc2 = m.radiusDc.map((r) => r * r);
  const fR2 = fakeRadius.map((r) => r * r);
  // rows: real samples; columns: fake samples, in blocks
  forEachDistanceBlock(real, fake, (f0, f1, dist) => {
    const w = f1 - f0;
    for (let i = 0; i < real.n; i++) {
      const rp = rPr2[i]!;
      const rd = rDc2[i]!;
      for (let j = 0; j < w; j++) {
        const v = dist[i * w + j]!;
        if (v <= rp) inReal[f0 + j] = 1;
        if (v <= fR2[f0 + j]!) inFake[i] = 1;
        if (v <= rd) {
          densityCount++;
          covered[i] = 1;
        }
      }
    }
  });
  const mean = (a: Uint8Array) => a.reduce((s, v) => s + v, 0) / a.length;
  return {
    precision: mean(inReal),
    recall: mean(inFake),
    density: densityCount / (m.kDc * fake.n),
    coverage: mean(covered),
  };
}
