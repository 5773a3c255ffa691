/**
 * The (1 + λ) evolution strategy that latent search and recombine refine with (Rechenberg 1973;
 * Beyer & Schwefel 2002): each parent proposes λ children per round and is replaced by its best
 * child when that scores higher. And the choice of parents: the best candidates, at most one per
 * family (a starting latent, a horse), so that refinement does not spend itself on one lineage.
 */

/** A parent under refinement: its recipe and its pre-score. */
export interface Lineage<R> {
  recipe: R;
  pre: number;
}

/**
 * One round's selection: `children` are the parents' children in order (λ per parent) and `pre`
 * their pre-scores; each parent takes its best child that beats it.
 * @example keepBestChildren(parents, children, pool.pre.slice(first), 6)
 */
export function keepBestChildren<R>(parents: Lineage<R>[], children: readonly R[], pre: ArrayLike<number>, lambda: number): void {
  parents.forEach((p, pi) => {
    for (let c = 0; c < lambda; c++) {
      const i = pi * lambda + c;
      if (pre[i]! > p.pre) {
        p.pre = pre[i]!;
        p.recipe = children[i]!;
      }
    }
  });
}

/**
 * Up to `n` of `recipes` by pre-score, best first (ties keep their order), at most one per
 * `family`; `eligible` leaves others out.
 * @example bestPerFamily(pool.recipes, pool.pre, 24, (r) => r.seed)
 */
export function bestPerFamily<R>(
  recipes: readonly R[],
  pre: ArrayLike<number>,
  n: number,
  family: (r: R) => number | string,
  eligible: (r: R) => boolean = () => true,
): Lineage<R>[] {
  const order = Array.from({ length: recipes.length }, (_, i) => i).sort((a, b) => pre[b]! - pre[a]!);
  const out: Lineage<R>[] = [];
  const seen = new Set<number | string>();
  for (const i of order) {
    if (out.length === n) break;
    const r = recipes[i]!;
    if (!eligible(r) || seen.has(family(r))) continue;
    seen.add(family(r));
    out.push({ recipe: r, pre: pre[i]! });
  }
  return out;
}
