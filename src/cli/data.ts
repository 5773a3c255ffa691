/**
 * `pegasus data check` and `pegasus data fetch`: validate the CIFAR-10 files and download them.
 */
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import cliProgress from 'cli-progress';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { countPerClass, loadCifar10 } from '../data/cifar10.js';
import {
  BATCHES_DIR,
  CLASS_NAMES,
  IMAGE_BYTES,
  RECORD_BYTES,
  RECORDS_PER_FILE,
  TEST_FILES,
  TRAIN_FILES,
  type RecordsPerFile,
} from '../data/cifar10Format.js';
import { DATA_ENV, defaultCacheRoot, resolveDataDir } from '../data/dataDir.js';
import { checkFileStatistics, fileStatistics, findChecksums, verifyChecksums } from '../data/integrity.js';
import { CIFAR10_MD5, CIFAR10_URL, fetchCifar10 } from '../data/fetch.js';
import { UserError } from '../errors.js';
import { PREVIEW_FILE, makePegasi, pegasiSources, writePegasi } from '../pegasi/dataset.js';
import { intIn, MAX_SEED, recordsPerFileOption } from './parsers.js';
import { assertOutFolder } from '../outPath.js';

const fmt = (n: number): string => n.toLocaleString('en-US');

function parseMd5(value: string): string {
  if (!/^[0-9a-fA-F]{32}$/.test(value)) throw new InvalidArgumentError('expected 32 hexadecimal digits.');
  return value.toLowerCase();
}

/**
 * Loads both splits (which validates every file) and prints a table of counts per class.
 * Returns the lines so tests and `fetch` share one code path.
 */
export function checkReport(dir: string, recordsPerFile: RecordsPerFile): string[] {
  const t0 = performance.now();
  const train = loadCifar10({ dir, split: 'train', recordsPerFile });
  const test = loadCifar10({ dir, split: 'test', recordsPerFile });
  const seconds = (performance.now() - t0) / 1000;
  const trainCounts = countPerClass(train.labels);
  const testCounts = countPerClass(test.labels);
  const row = (name: string, a: string, b: string) => `  ${name.padEnd(12)}${a.padStart(8)}${b.padStart(8)}`;
  const files = TRAIN_FILES.length + TEST_FILES.length;
  const perFile = train.count / TRAIN_FILES.length;
  if (perFile === RECORDS_PER_FILE) {
    // the official files hold exactly 5,000 training and 1,000 test images of every class
    CLASS_NAMES.forEach((name, k) => {
      if (trainCounts[k] !== 5000 || testCounts[k] !== 1000) {
        throw new UserError(
          `${dir}: ${fmt(trainCounts[k]!)} training and ${fmt(testCounts[k]!)} test images are ${name} (CIFAR-10 has 5,000 and 1,000); the labels are damaged: download CIFAR-10 again with \`pegasus data fetch\``,
        );
      }
    });
  }
  const stats = [...TRAIN_FILES, ...TEST_FILES].map((file) => fileStatistics(file, readFileSync(join(dir, file))));
  for (const st of stats) checkFileStatistics(dir, st);
  const sums = findChecksums(dir);
  const checked = sums === undefined ? 0 : verifyChecksums(dir, sums);
  const pct = (st: (typeof stats)[number]) => st.perClass.map((c) => (100 * c) / st.records);
  return [
    `CIFAR-10 in ${dir}`,
    row('class', 'train', 'test'),
    ...CLASS_NAMES.map((name, i) => row(name, fmt(trainCounts[i]!), fmt(testCounts[i]!))),
    row('total', fmt(train.count), fmt(test.count)),
    `  ${'file'.padEnd(18)}${'classes'.padStart(14)}${'mean'.padStart(8)}${'std'.padStart(7)}${'adjacent r'.padStart(12)}`,
    ...stats.map((st) => {
      const share = `${Math.min(...pct(st)).toFixed(1)}–${Math.max(...pct(st)).toFixed(1)}%`;
      return `  ${st.file.padEnd(18)}${share.padStart(14)}${st.mean.toFixed(1).padStart(8)}${st.std.toFixed(1).padStart(7)}${st.neighbourCorrelation.toFixed(3).padStart(12)}`;
    }),
    `valid: ${files} files of ${fmt(perFile)} records × ${fmt(RECORD_BYTES)} bytes, labels 0–9, ` +
      `the ten class names in batches.meta.txt, every class in every file, pictures not noise (read in ${seconds.toFixed(2)} s)`,
    sums === undefined
      ? "checksums: no SHA256SUMS beside the files (a download is checked by the archive's MD5)"
      : `checksums: ${checked} files match ${sums}`,
  ];
}

/**
 * Progress for the download: a cli-progress bar on a terminal, otherwise a plain line every 10%
 * (so logs and CI output stay readable).
 */
function progressPrinter(): {
  start: (from: number, total: number | null) => void;
  update: (received: number, total: number | null) => void;
  stop: () => void;
} {
  const mb = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`);
  if (process.stdout.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: 'downloading [{bar}] {percentage}% | {got} / {size} | ETA {eta_formatted}', stream: process.stdout },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      start: (from, total) => {
        bar.start(total ?? 0, from, { got: mb(from), size: total === null ? '?' : mb(total) });
        started = true;
      },
      update: (received, total) => bar.update(received, { got: mb(received), size: total === null ? '?' : mb(total) }),
      stop: () => {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  let next = 0;
  return {
    start: (from, total) => {
      console.log(`downloading${from > 0 ? `, resuming at ${mb(from)}` : ''}${total === null ? '' : ` (${mb(total)})`}`);
      next = total === null ? from + 16e6 : Math.floor((from / total) * 10 + 1) / 10;
    },
    update: (received, total) => {
      if (total === null) {
        if (received >= next) {
          console.log(`downloaded ${mb(received)}`);
          next += 16e6;
        }
      } else if (received / total >= next) {
        console.log(`downloaded ${Math.floor((received / total) * 100)}% (${mb(received)} of ${mb(total)})`);
        next = Math.floor((received / total) * 10 + 1) / 10;
      }
    },
    stop: () => {},
  };
}

export function dataCommand() {
  const data = new Command('data').description('Check and download the CIFAR-10 data set.');

  data
    .command('check')
    .description('Validate the CIFAR-10 binary files (sizes, labels 0–9, class names) and print counts per split and class.')
    .option('--data <dir>', `CIFAR-10 folder (default: $${DATA_ENV}, then the user cache folder)`)
    .addOption(recordsPerFileOption())
    .action((opts) => {
      const dir = resolveDataDir(opts.data);
      for (const line of checkReport(dir, opts.recordsPerFile ?? RECORDS_PER_FILE)) console.log(line);
    });

  data
    .command('fetch')
    .description(
      'Download the official CIFAR-10 binary tarball, verify its MD5, extract it and check it. ' +
        'Safe to interrupt: running it again resumes the download.',
    )
    .option('--to <dir>', 'folder to extract cifar-10-batches-bin/ into', defaultCacheRoot())
    .option('--url <url>', 'address of cifar-10-binary.tar.gz', CIFAR10_URL)
    .addOption(new Option('--md5 <hex>', 'expected MD5 of the tarball').argParser(parseMd5).default(CIFAR10_MD5))
    .addOption(recordsPerFileOption())
    .action(async (opts) => {
      const recordsPerFile = opts.recordsPerFile ?? RECORDS_PER_FILE;
      const progress = progressPrinter();
      // Ctrl-C: restore the terminal line and say how to continue; the .part file keeps what arrived.
      const onInterrupt = () => {
        progress.stop();
        console.error('pegasus: interrupted; run the same command again to resume the download');
        process.exit(130);
      };
      process.once('SIGINT', onInterrupt);
      try {
        const result = await fetchCifar10({
          to: opts.to,
          url: opts.url,
          md5: opts.md5,
          recordsPerFile,
          onStart: progress.start,
          onProgress: progress.update,
          log: (line) => {
            progress.stop();
            console.log(line);
          },
        });
        progress.stop();
        for (const line of checkReport(result.dir, recordsPerFile)) console.log(line);
        const isDefault = resolve(result.dir) === resolve(defaultCacheRoot(), BATCHES_DIR);
        console.log(
          isDefault
            ? 'pegasus finds the data there by default'
            : `point pegasus at it with --data ${result.dir} or ${DATA_ENV}=${result.dir}`,
        );
      } finally {
        progress.stop();
        process.off('SIGINT', onInterrupt);
      }
    });

  data
    .command('pegasi')
    .description(
      'Make winged-horse composites from CIFAR-10 horses (wings drawn in code on side-on horses the segmentation finds), ' +
        'with their recipes and a preview grid, as training data for the pegasus class.',
    )
    .option('--data <dir>', `CIFAR-10 folder (default: $${DATA_ENV}, then the user cache folder)`)
    .requiredOption('--out <dir>', 'new folder to write (pegasi.bin, recipes.jsonl, manifest.json, preview.png)')
    .addOption(new Option('--n <count>', 'composites to make').argParser(intIn(1, 200_000)).default(20000))
    .addOption(
      new Option('--split <split>', 'the CIFAR-10 split whose horses and donors are used')
        .choices(['train', 'test'] as const)
        .default('train' as const),
    )
    .addOption(new Option('--seed <n>', 'decides every horse, wing and colour').argParser(intIn(1, MAX_SEED)).default(1))
    .addOption(recordsPerFileOption())
    .action((opts) => {
      if (existsSync(opts.out)) throw new UserError(`${opts.out} already exists; choose another --out or remove it`);
      assertOutFolder(opts.out, '--out');
      const dir = resolveDataDir(opts.data);
      const t0 = performance.now();
      const src = pegasiSources(dir, opts.split, opts.recordsPerFile);
      const horses = src.horses.length / IMAGE_BYTES;
      console.log(`${fmt(src.usable.length)} of ${fmt(horses)} ${opts.split} horses are side-on and segmented cleanly`);
      const set = makePegasi(src, opts.split, opts.n, opts.seed, (done) => console.log(`  ${fmt(done)} of ${fmt(opts.n)} composites`));
      writePegasi(opts.out, set);
      console.log(
        `wrote ${fmt(opts.n)} composites to ${opts.out} (${((performance.now() - t0) / 1000).toFixed(1)} s); look at ${join(opts.out, PREVIEW_FILE)}`,
      );
    });

  return data;
}
