/**
 * The official CIFAR-10 binary format (Krizhevsky, "Learning Multiple Layers of Features from
 * Tiny Images", 2009; https://www.cs.toronto.edu/~kriz/cifar.html, "binary version").
 *
 * Each `.bin` file holds records of 3073 bytes: one label byte (0–9), then the 32×32 image as
 * 1024 red, 1024 green and 1024 blue bytes, each plane row-major. That is already CHW order, so a
 * record minus its label byte is one NCHW image. `batches.meta.txt` lists the ten class names,
 * one per line, in label order.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';

export const IMAGE_SIZE = 32; // CIFAR-10 images are 32×32
export const CHANNELS = 3; // red, green, blue planes
export const IMAGE_BYTES = CHANNELS * IMAGE_SIZE * IMAGE_SIZE; // 3072
export const RECORD_BYTES = 1 + IMAGE_BYTES; // label byte + image = 3073
export const RECORDS_PER_FILE = 10_000; // every official file holds exactly 10,000 records

/** The ten class names in label order, as in the official batches.meta.txt. */
export const CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;
export type ClassName = (typeof CLASS_NAMES)[number];

export const TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'] as const;
export const TEST_FILES = ['test_batch.bin'] as const;
export const META_FILE = 'batches.meta.txt';
/** The folder the official tarball extracts to. */
export const BATCHES_DIR = 'cifar-10-batches-bin';

/** One decoded `.bin` file: labels and NCHW uint8 images, `count` records. */
export interface BatchFile {
  readonly file: string;
  readonly count: number;
  readonly labels: Uint8Array;
  readonly images: Uint8Array;
}

/**
 * How many records each file must hold: the official 10,000, or `null` to accept any whole
 * number of records (used by tests, whose fixtures hold a few records per class).
 */
export type RecordsPerFile = number | null;

function missing(dir: string, name: string): UserError {
  return new UserError(
    `${join(dir, name)}: file is missing (a CIFAR-10 folder holds ${TRAIN_FILES[0]}..5.bin, ` +
      `${TEST_FILES[0]} and ${META_FILE}); run \`pegasus data fetch\` to download a complete copy`,
  );
}

/** Checks that `dir` holds every expected file before anything is read, naming the first one missing. */
export function assertFilesPresent(dir: string): void {
  for (const name of [META_FILE, ...TRAIN_FILES, ...TEST_FILES]) {
    const path = join(dir, name);
    if (!existsSync(path) || !statSync(path).isFile()) throw missing(dir, name);
  }
}

/**
 * Reads `batches.meta.txt` and checks that it names the ten classes in the official order.
 * Blank lines (the official file ends with one) are ignored.
 */
export function readMeta(dir: string): readonly string[] {
  const path = join(dir, META_FILE);
  if (!existsSync(path)) throw missing(dir, META_FILE);
  const names = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const ok = names.length === CLASS_NAMES.length && names.every((n, i) => n === CLASS_NAMES[i]);
  if (!ok) {
    throw new UserError(
      `${path}: wrong class names "${names.join(',')}"; expected the ten CIFAR-10 names ` + `"${CLASS_NAMES.join(',')}" one per line`,
    );
  }
  return names;
}

/**
 * Reads and validates one `.bin` file with a single readFileSync, copying each record's image
 * into one NCHW buffer. Throws a UserError naming the file if it is missing, truncated, has the
 * wrong number of records or holds a label above 9.
 */
export function readBatchFile(dir: string, name: string, recordsPerFile: RecordsPerFile): BatchFile {
  const file = join(dir, name);
  if (!existsSync(file)) throw missing(dir, name);
  const buf = readFileSync(file);
  if (buf.length === 0 || buf.length % RECORD_BYTES !== 0) {
    throw new UserError(
      `${file}: truncated or corrupt — ${buf.length.toLocaleString('en-US')} bytes is not a whole ` +
        `number of ${RECORD_BYTES}-byte records; delete the folder and run \`pegasus data fetch\` again`,
    );
  }
  const count = buf.length / RECORD_BYTES;
  if (recordsPerFile !== null && count !== recordsPerFile) {
    throw new UserError(
      `${file}: holds ${count.toLocaleString('en-US')} records, expected ` +
        `${recordsPerFile.toLocaleString('en-US')}; the file is incomplete, fetch the data again`,
    );
  }
  const labels = new Uint8Array(count);
  const images = new Uint8Array(count * IMAGE_BYTES);
  for (let i = 0; i < count; i++) {
    const at = i * RECORD_BYTES;
    const label = buf[at]!;
    if (label > 9) {
      throw new UserError(`${file}: record ${i} has label ${label}, labels must be 0–9; the file is corrupt`);
    }
    labels[i] = label;
    // NOTE: the record's 3072 image bytes are already R, G, B planes, i.e. CHW; copy as one block.
    images.set(buf.subarray(at + 1, at + RECORD_BYTES), i * IMAGE_BYTES);
  }
  return { file, count, labels, images };
}
