/**
 * Validating parsers for CLI flag values, shared by every subcommand. Each throws commander's
 * InvalidArgumentError, so a bad value exits 1 with a one-line reason.
 */
import { InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { AUGMENT_POLICIES, type AugmentPolicy } from '../models/cgan/diffAugment.js';
import type { LrDecay } from '../train/config.js';

/** The non-empty, trimmed items of a comma-separated flag value ("horse, bird," → ["horse", "bird"]). */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** A comma-separated list of class names (validated against CIFAR-10 when the run resolves). */
export function parseClassList(value: string): string[] {
  const names = splitList(value);
  if (names.length === 0) throw new InvalidArgumentError(`expected class names like horse,bird, got "${value}".`);
  return names;
}

/** `--init-class new=old[,new=old…]`: each new class starts as a copy of an existing one. */
export function parseInitClasses(value: string, previous?: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...previous };
  for (const item of splitList(value)) {
    const m = /^([a-z]+)=([a-z]+)$/i.exec(item);
    if (m === null) throw new InvalidArgumentError(`expected NEW=OLD class pairs like pegasus=horse, got "${item}".`);
    out[m[1]!.toLowerCase()] = m[2]!.toLowerCase();
  }
  return out;
}

/** `--lr-decay START:END`: generator updates, END after START. */
export function parseLrDecay(value: string): LrDecay {
  const m = /^\s*(\d+):(\d+)\s*$/.exec(value);
  if (m === null) throw new InvalidArgumentError(`expected START:END in generator updates (e.g. 24000:30000), got "${value}".`);
  const decay = { start: Number(m[1]), end: Number(m[2]) };
  if (!(decay.end > decay.start)) throw new InvalidArgumentError(`expected END after START, got "${value}".`);
  return decay;
}

/** `--augment color,translation,cutout` (DiffAugment transforms) or `none`. */
export function parseAugment(value: string): AugmentPolicy[] {
  const names = splitList(value.toLowerCase());
  if (names.length === 1 && names[0] === 'none') return [];
  const bad = names.find((n) => !(AUGMENT_POLICIES as readonly string[]).includes(n));
  if (names.length === 0 || bad !== undefined)
    throw new InvalidArgumentError(`expected none or a list of ${AUGMENT_POLICIES.join(', ')}, got "${value}".`);
  return AUGMENT_POLICIES.filter((a) => names.includes(a));
}

/** Seeds are taken modulo 2³² by the random generators, so larger ones would repeat smaller ones. */
export const MAX_SEED = 0xffffffff;

/**
 * A validating parser for an integer flag within [min, max]: the bounds keep a typo (an extra
 * zero, a negative) from asking for days of work or more memory than the machine has.
 * @example new Option('--batch <n>').argParser(intIn(1, 4096))
 */
export function intIn(min: number, max: number): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `expected an integer from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}, got "${value}".`,
      );
    }
    return n;
  };
}

/** A validating parser for a finite number above `min` (or at least it, with `minIncluded`) and at most `max`. */
export function numberIn(min: number, max: number, minIncluded = false): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n > max || (minIncluded ? n < min : n <= min)) {
      throw new InvalidArgumentError(
        `expected a number ${minIncluded ? 'from' : 'above'} ${min} ${minIncluded ? 'to' : 'and at most'} ${max}, got "${value}".`,
      );
    }
    return n;
  };
}

/** A seed: an integer from 0 to 2³² − 1. */
export const parseSeed = intIn(0, MAX_SEED);

/** `--records-per-file`: at most the official 10,000. */
export const parseRecordsPerFile = intIn(1, 10_000);

/**
 * `--records-per-file N`: how many records each CIFAR-10 file must hold. The official files hold
 * 10,000; tests pass small fixtures. Hidden from --help (it is a testing aid, not a user's choice).
 */
export function recordsPerFileOption() {
  return new Option('--records-per-file <n>', 'records each CIFAR-10 file must hold (small test folders)')
    .argParser(parseRecordsPerFile)
    .default(10_000)
    .hideHelp();
}
