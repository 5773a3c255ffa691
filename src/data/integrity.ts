/**
 * Checks that the CIFAR-10 files hold what CIFAR-10 holds, beyond their format: every class in
 * every file in about its share, pictures rather than noise or blanks, and (when the folder or its
 * parent has a SHA256SUMS file, as an offline copy does) the exact bytes that file lists.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { CLASS_NAMES, IMAGE_BYTES, IMAGE_SIZE, RECORD_BYTES } from './cifar10Format.js';

/** What one file's records look like. */
export interface FileStatistics {
  readonly file: string;
  readonly records: number;
  /** Records of each class. */
  readonly perClass: number[];
  /** Mean and standard deviation of all its pixel values (0–255). */
  readonly mean: number;
  readonly std: number;
  /**
   * Correlation between horizontally adjacent pixels: about 0.9 for photographs, about 0 for noise
   * and undefined (NaN) for a file of one colour.
   */
  readonly neighbourCorrelation: number;
}

/** Every class's share of each file lies within this range (the official files: 9.5–10.5%). */
const SHARE = [0.05, 0.15] as const;
/** Least neighbour correlation of a file of pictures (the official files: ≈ 0.9). */
const MIN_CORRELATION = 0.5;
/** Records per file the pixel statistics are measured on (evenly spaced). */
const SAMPLED = 1000;

/** Counts classes over all records and measures pixels over up to SAMPLED of them. */
export function fileStatistics(file: string, bytes: Uint8Array): FileStatistics {
  const records = Math.floor(bytes.length / RECORD_BYTES);
  const perClass = new Array<number>(CLASS_NAMES.length).fill(0);
  for (let r = 0; r < records; r++) perClass[bytes[r * RECORD_BYTES]!] = (perClass[bytes[r * RECORD_BYTES]!] ?? 0) + 1;
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let pairs = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  const stride = Math.max(1, Math.floor(records / SAMPLED));
  for (let r = 0; r < records; r += stride) {
    const img = r * RECORD_BYTES + 1;
    for (let i = 0; i < IMAGE_BYTES; i++) {
      const v = bytes[img + i]!;
      n++;
      sum += v;
      sumSq += v * v;
      if (i % IMAGE_SIZE !== IMAGE_SIZE - 1) {
        const w = bytes[img + i + 1]!;
        pairs++;
        sa += v;
        sb += w;
        saa += v * v;
        sbb += w * w;
        sab += v * w;
      }
    }
  }
  const mean = sum / n;
  const cov = sab / pairs - (sa / pairs) * (sb / pairs);
  const neighbourCorrelation = cov / Math.sqrt((saa / pairs - (sa / pairs) ** 2) * (sbb / pairs - (sb / pairs) ** 2));
  return { file, records, perClass, mean, std: Math.sqrt(Math.max(0, sumSq / n - mean * mean)), neighbourCorrelation };
}

/** Throws a UserError naming the file when its classes or pixels are not those of CIFAR-10. */
export function checkFileStatistics(dir: string, s: FileStatistics): void {
  const path = join(dir, s.file);
  s.perClass.forEach((count, k) => {
    const share = count / s.records;
    if (share < SHARE[0] || share > SHARE[1]) {
      throw new UserError(
        `${path}: ${(100 * share).toFixed(1)}% of its records are ${CLASS_NAMES[k]} (each class holds about 10% of every CIFAR-10 file); ` +
          'the labels are damaged: download CIFAR-10 again with `pegasus data fetch`',
      );
    }
  });
  if (!(s.neighbourCorrelation >= MIN_CORRELATION)) {
    const what = Number.isNaN(s.neighbourCorrelation)
      ? 'every pixel has the same value'
      : `adjacent pixels correlate ${s.neighbourCorrelation.toFixed(2)} (photographs: about 0.9)`;
    throw new UserError(
      `${path}: its images are not pictures (${what}); the file is damaged: download CIFAR-10 again with \`pegasus data fetch\``,
    );
  }
}

/** The SHA256SUMS file of a data folder (in it or beside it), if any. */
export function findChecksums(dir: string): string | undefined {
  return [join(dir, 'SHA256SUMS'), join(dirname(dir), 'SHA256SUMS')].find((p) => existsSync(p));
}

/**
 * Verifies the files that `sumsPath` lists (sha256sum's format: "<hex>  <name>") against their
 * bytes in `dir`; returns how many were checked. Throws a UserError naming the first that differs.
 */
export function verifyChecksums(dir: string, sumsPath: string): number {
  let checked = 0;
  for (const line of readFileSync(sumsPath, 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64})\s+\*?(\S+)$/i.exec(line.trim());
    if (m === null) continue;
    const path = join(dir, m[2]!);
    if (!existsSync(path)) continue;
    const digest = createHash('sha256').update(readFileSync(path)).digest('hex');
    if (digest !== m[1]!.toLowerCase()) {
      throw new UserError(
        `${path} does not match its SHA-256 in ${sumsPath}; the file was changed or damaged: copy it again or download CIFAR-10 with \`pegasus data fetch\``,
      );
    }
    checked++;
  }
  return checked;
}
