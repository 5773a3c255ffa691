/**
 * Command-line overrides: an options object whose unset flags are `undefined`, spread over a
 * preset, must override only the flags that were given.
 */

/** `T` without its undefined values: each key present only where a value was given. */
export type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/**
 * A copy of `o` without the keys whose value is `undefined`, so that `{ ...defaults, ...definedOnly(o) }`
 * keeps a default wherever `o` leaves it unset (a plain spread would overwrite it with undefined).
 *
 * @example definedOnly({ steps: 10, seed: undefined }) // → { steps: 10 }
 */
export function definedOnly<T extends object>(o: T): Defined<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Defined<T>;
}
