/**
 * Writes small CIFAR-10 folders in the official binary format for tests: the six .bin files with
 * `perClass` records of every class in each file, and batches.meta.txt. Pixel values follow a
 * pattern that makes the layout checkable: red = 8·x, green = 8·y, blue = a per-record stamp.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLASS_NAMES, IMAGE_BYTES, RECORD_BYTES, TEST_FILES, TRAIN_FILES } from '../../src/data/cifar10Format.js';

export const FILES = [...TRAIN_FILES, ...TEST_FILES] as const;

/** The label of record `rec` in file `file` (0–5): every class appears perClass times per file. */
export function fixtureLabel(file: number, rec: number): number {
  return (rec * 3 + file) % 10; // 3 is coprime with 10, so labels cycle through all ten classes
}

/** Pixel (c, y, x) of record `rec` in file `file`. */
export function fixturePixel(file: number, rec: number, c: number, y: number, x: number): number {
  if (c === 0) return 8 * x;
  if (c === 1) return 8 * y;
  return (file * 40 + rec * 3 + 1) & 255;
}

/** The bytes of one .bin file holding `records` records. */
export function fixtureFileBytes(file: number, records: number): Buffer {
  const buf = Buffer.alloc(records * RECORD_BYTES);
  for (let rec = 0; rec < records; rec++) {
    const at = rec * RECORD_BYTES;
    buf[at] = fixtureLabel(file, rec);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) buf[at + 1 + c * 1024 + y * 32 + x] = fixturePixel(file, rec, c, y, x);
      }
    }
  }
  return buf;
}

export interface Fixture {
  readonly dir: string; // the cifar-10-batches-bin folder
  readonly root: string; // its parent (a fresh temporary folder)
  readonly recordsPerFile: number;
  readonly cleanup: () => void;
}

/**
 * Creates `<tmp>/cifar-10-batches-bin` with `perClass` records of each class per file.
 *
 * @example const fx = writeCifarFixture(); try { … loadCifar10({ dir: fx.dir, recordsPerFile: fx.recordsPerFile }) } finally { fx.cleanup(); }
 */
export function writeCifarFixture(perClass = 2, classNames: readonly string[] = CLASS_NAMES): Fixture {
  const root = mkdtempSync(join(tmpdir(), 'pegasus-cifar-'));
  const dir = join(root, 'cifar-10-batches-bin');
  mkdirSync(dir);
  const records = perClass * 10;
  FILES.forEach((name, file) => writeFileSync(join(dir, name), fixtureFileBytes(file, records)));
  writeFileSync(join(dir, 'batches.meta.txt'), `${classNames.join('\n')}\n\n`);
  return { dir, root, recordsPerFile: records, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** The expected image of record `rec` of file `file`, as CHW bytes. */
export function expectedImage(file: number, rec: number): Uint8Array {
  const out = new Uint8Array(IMAGE_BYTES);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[c * 1024 + y * 32 + x] = fixturePixel(file, rec, c, y, x);
  }
  return out;
}
