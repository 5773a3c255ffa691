/**
 * Choosing a batch that is both good and diverse: greedy max-min (farthest-point) selection of
 * Gonzalez 1985 ("Clustering to minimize the maximum intercluster distance"), run in the
 * classifier's feature space over a pool of the best-scoring candidates. It starts from the single
 * best candidate and repeatedly adds the pool member farthest from everything chosen so far, so
 * near-duplicates (e.g. a latent-search child beside its parent) are never both taken.
 *
 * Restricting the pool to the top candidates keeps quality; max-min inside it gives variety (pure
 * max-min over all candidates would pick the strangest outliers).
 */

export interface FamilyLimit {
  /** The family of each row of `features` (e.g. the seed of the latent a latent search started from). */
  readonly family: (row: number) => string;
  /** At most this many members of one family, while other candidates remain. */
  readonly max: number;
}

/**
 * Indices (into the rows of `features`) of `count` members of `pool`, the first being `pool[0]`
 * (callers pass the pool best first). Members at distance 0 from the chosen ones (identical
 * features) are taken only when nothing else is left. With `limit`, no family gets more than
 * `limit.max` members unless the pool runs out of others (a latent walk's steps look alike to a
 * person even where the classifier's features tell them apart).
 *
 * @example greedyMaxMin(feats, 128, topIndices, 64) // [best, farthest from best, …]
 */
export function greedyMaxMin(features: Float32Array, dim: number, pool: readonly number[], count: number, limit?: FamilyLimit): number[] {
  if (pool.length === 0) return [];
  const m = Math.min(count, pool.length);
  const chosen = [pool[0]!];
  const taken = new Uint8Array(pool.length);
  taken[0] = 1;
  const perFamily = new Map<string, number>();
  const familyOf = (p: number) => limit?.family(pool[p]!) ?? '';
  const count1 = (p: number) => perFamily.set(familyOf(p), (perFamily.get(familyOf(p)) ?? 0) + 1);
  const full = (p: number) => limit !== undefined && (perFamily.get(familyOf(p)) ?? 0) >= limit.max;
  count1(0);
  // minD[p]: squared distance from pool member p to its nearest chosen member
  const minD = new Float64Array(pool.length).fill(Infinity);
  const update = (c: number) => {
    for (let p = 0; p < pool.length; p++) {
      if (taken[p]) continue;
      let s = 0;
      const a = pool[p]! * dim;
      const b = c * dim;
      for (let j = 0; j < dim; j++) {
        const d = features[a + j]! - features[b + j]!;
        s += d * d;
      }
      if (s < minD[p]!) minD[p] = s;
    }
  };
  update(pool[0]!);
  while (chosen.length < m) {
    let best = -1;
    for (const capped of [true, false]) {
      for (let p = 0; p < pool.length; p++) {
        if (taken[p] || (capped && full(p))) continue;
        // NOTE: ties go to the earlier (better-scoring) pool member
        if (best < 0 || minD[p]! > minD[best]!) best = p;
      }
      if (best >= 0) break;
    }
    taken[best] = 1;
    count1(best);
    chosen.push(pool[best]!);
    update(pool[best]!);
  }
  return chosen;
}

/**
 * The first `n` of `order` (best first) with at most `limit.max` members of a family, filled up
 * from the rest in order when there are not enough families. The search's shortlist: a refined
 * lineage (a latent walk, one horse under many wing placements) has hundreds of near-identical
 * children, which would otherwise crowd every other candidate out of the pool the batch comes from.
 * @example capPerFamily([5, 3, 8, 1], 2, { family: (i) => String(i % 2), max: 1 }) // [5, 8]
 */
export function capPerFamily(order: readonly number[], n: number, limit: FamilyLimit): number[] {
  const kept: number[] = [];
  const seen = new Map<string, number>();
  for (const i of order) {
    if (kept.length === n) break;
    const f = limit.family(i);
    const k = seen.get(f) ?? 0;
    if (k < limit.max) {
      seen.set(f, k + 1);
      kept.push(i);
    }
  }
  if (kept.length < n) {
    // not enough families: the best of the rest, in order
    const rest = new Set(kept);
    for (const i of order) {
      if (kept.length === n) break;
      if (!rest.has(i)) {
        rest.add(i);
        kept.push(i);
      }
    }
  }
  return kept;
}
