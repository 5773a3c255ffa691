/**
 * Validating parsers for CLI flag values, shared by every subcommand. Each throws commander's
 * InvalidArgumentError, so a bad value exits 1 with a one-line reason.
 */
import { InvalidArgumentError } from '@commander-js/extra-typings';
import { AUGMENT_POLICIES, type AugmentPolicy } from '../models/cgan/diffAugment.js';
import type { LrDecay } from '../train/config.js';

/** A validating parser for a positive integer flag (commander prints the reason and exits 1). */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}".`);
  }
  return n;
}

/** A validating parser for a non-negative integer (seeds). */
export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`expected a non-negative integer, got "${value}".`);
  }
  return n;
}

/** A validating parser for a positive finite number (learning rates, epochs). */
export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive number, got "${value}".`);
  }
  return n;
}

/** The non-empty, trimmed items of a comma-separated flag value ("horse, bird," → ["horse", "bird"]). */
export function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
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
  if (names.length === 0 || bad !== undefined) throw new InvalidArgumentError(`expected none or a list of ${AUGMENT_POLICIES.join(', ')}, got "${value}".`);
  return AUGMENT_POLICIES.filter((a) => names.includes(a));
}
