/**
 * `pegasus evaluate`: recognisability, realism, uniqueness and diversity of a generator's images,
 * judged by our own CIFAR-10 classifier, with reference rows (real test images, blurred test images,
 * class means plus noise) computed the same way.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { CLASS_NAMES, IMAGE_BYTES, loadCifar10, resolveDataDir, toFloat32 } from '../data/index.js';
import { getBackend } from '../engine/index.js';
import { UserError } from '../errors.js';
import { evaluateGenerator, trainReference } from '../evaluate/evaluate.js';
import { loadGeneratorSource } from '../evaluate/generator.js';
import { nearestSheet } from '../evaluate/sheet.js';
import { formatSummary } from '../evaluate/summary.js';
import { readPng, writePng } from '../image/index.js';
import { crc32 } from '../nn/index.js';
import { loadClassifier } from '../models/classifier/index.js';
import { parseClassMix } from '../sample/classMix.js';
import { DEFAULT_CLASSIFIER, DEFAULT_DETECTOR } from './classifier.js';
import { formatPegasusScores, pegasusNearestSheet, pegasusReference, scorePegasusSet } from '../evaluate/pegasus.js';
import { PEGASUS_CLASS, loadPegasi } from '../pegasi/dataset.js';
import { cifarClasses } from '../train/resolve.js';
import { intIn, numberIn, recordsPerFileOption, parseSeed, splitList } from './parsers.js';
import { assertOutFolder } from '../outPath.js';
import { writeFileAtomic } from '../atomicWrite.js';
import { withPackageDefaults } from './defaults.js';

function classList(value: string): string[] {
  const names = splitList(value.toLowerCase());
  const bad = names.filter((n) => !CLASS_NAMES.includes(n as (typeof CLASS_NAMES)[number]));
  if (names.length === 0 || bad.length > 0) {
    throw new InvalidArgumentError(`expected CIFAR-10 class names (${CLASS_NAMES.join(', ')}), got "${value}".`);
  }
  return names;
}

function noiseLevel(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 2)
    throw new InvalidArgumentError(`expected a number in [0, 2], got "${value}".`);
  return n;
}

/**
 * One `--pegasus-compare NAME=SOURCE` set as float NCHW images: a generate output folder
 * (batch/*.png), a pegasi folder (its first n composites) or GENERATOR.pgc@MIX (n samples).
 */
function comparisonSet(spec: string, n: number, seed: number): { name: string; images: Float32Array } {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new UserError(`--pegasus-compare ${spec}: expected NAME=SOURCE`);
  const name = spec.slice(0, eq);
  const source = spec.slice(eq + 1);
  const at = source.lastIndexOf('@');
  if (at > 0 && source.slice(0, at).endsWith('.pgc')) {
    const g = loadGeneratorSource(source.slice(0, at));
    return { name, images: g.sample(parseClassMix(source.slice(at + 1), '--pegasus-compare'), n, seed) };
  }
  if (existsSync(join(source, 'pegasi.bin'))) {
    const set = loadPegasi(source);
    return { name, images: toFloat32(set.images.subarray(0, Math.min(n, set.manifest.count) * IMAGE_BYTES)) };
  }
  const dir = join(source, 'batch');
  if (!existsSync(dir))
    throw new UserError(
      `--pegasus-compare ${spec}: ${source} is neither a pegasus generate folder (no batch/), a pegasi folder nor GENERATOR.pgc@MIX`,
    );
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .sort();
  const images = new Float32Array(files.length * IMAGE_BYTES);
  files.forEach((f, i) => {
    const im = readPng(join(dir, f));
    if (im.channels !== 3 || im.height !== 32 || im.width !== 32) throw new UserError(`${join(dir, f)} is not a 32×32 RGB image`);
    images.set(toFloat32(im.data), i * IMAGE_BYTES);
  });
  return { name, images };
}

export function evaluateCommand() {
  return new Command('evaluate')
    .description(
      'Score a generator checkpoint (recognisability, realism, uniqueness, diversity) against reference rows; writes evaluation.json and nearest.png.',
    )
    .requiredOption('--checkpoint <file>', 'GAN checkpoint (generator-ema.pgc or a run checkpoint.pgc)')
    .addOption(new Option('--n <n>', 'generated images in total, split over the classes').argParser(intIn(4, 100_000)).default(10_000))
    .addOption(new Option('--classes <list>', "comma-separated classes to evaluate (default: the generator's)").argParser(classList))
    .option('--concept <mix>', 'also score a composed concept, e.g. horse:0.5,bird:0.5')
    .addOption(new Option('--nn-queries <n>', 'images per set searched among all training images').argParser(intIn(1, 10_000)).default(256))
    .addOption(new Option('--prdc <n>', 'images per set for precision/recall/density/coverage').argParser(intIn(8, 20_000)).default(5000))
    .addOption(new Option('--kid-subsets <n>', 'random subsets averaged by KID').argParser(intIn(1, 1000)).default(50))
    .addOption(new Option('--mean-noise <sigma>', 'noise of the class-mean baseline, in [-1,1] units').argParser(noiseLevel).default(0.25))
    .addOption(new Option('--seed <n>', 'seed of sampling and subsets').argParser(parseSeed).default(0))
    .addOption(
      new Option('--truncation <psi>', "draw z from N(0, I) truncated to [−ψ, ψ] (BigGAN's truncation trick)").argParser(
        numberIn(0.05, 100, true),
      ),
    )
    .option('--classifier <file>', 'classifier checkpoint (pegasus classifier train)', DEFAULT_CLASSIFIER)
    .option(
      '--pegasi <dir>',
      "also score the generator's pegasus class against these composites (the ones it learned from): wing detector, p(horse), FD, nearest images, diversity",
    )
    .option('--detector <file>', 'wing detector checkpoint (pegasus classifier wings)', DEFAULT_DETECTOR)
    .addOption(new Option('--pegasus-n <n>', 'pegasus (and horse) samples scored with --pegasi').argParser(intIn(8, 100_000)).default(1000))
    .option('--pegasus-only', 'with --pegasi: skip the per-class evaluation', false)
    .option(
      '--pegasus-compare <sets...>',
      'with --pegasi: more sets scored the same way, each NAME=SOURCE: a pegasus generate folder (its batch/*.png), a pegasi folder, or GENERATOR.pgc@MIX (e.g. g.pgc@horse:0.7,bird:0.3)',
    )
    .option('--data <dir>', 'CIFAR-10 folder (default: $PEGASUS_DATA or the cache)')
    .addOption(recordsPerFileOption())
    .option('--cache <dir>', 'where training-set features are cached', 'runs/.cache')
    .option('--out <dir>', 'output folder', 'runs/evaluate')
    .action((given, cmd) => {
      const started = performance.now();
      const o = withPackageDefaults(cmd, given, ['classifier', 'detector']);
      assertOutFolder(o.out, '--out');
      assertOutFolder(o.cache, '--cache');
      if (!existsSync(o.classifier))
        throw new UserError(`--classifier ${o.classifier}: no such file (train one with \`pegasus classifier train\`)`);
      const concept = o.concept === undefined ? undefined : parseClassMix(o.concept, '--concept');
      const gen = loadGeneratorSource(o.checkpoint, o.truncation);
      const { net } = loadClassifier(o.classifier);
      const dir = resolveDataDir(o.data);
      const train = loadCifar10({ dir, split: 'train', recordsPerFile: o.recordsPerFile });
      const test = loadCifar10({ dir, split: 'test', recordsPerFile: o.recordsPerFile });
      if (o.pegasi !== undefined) {
        if (!gen.classes.includes(PEGASUS_CLASS))
          throw new UserError(
            `--pegasi: the generator has no pegasus class (it knows ${gen.classes.join(', ')}); train one with --classes …,pegasus --pegasi DIR`,
          );
        if (!existsSync(o.detector))
          throw new UserError(`--detector ${o.detector}: no such file (train one with \`pegasus classifier wings\`)`);
      }
      const pegasi = o.pegasi === undefined ? undefined : loadPegasi(o.pegasi);
      const names = o.classes ?? (gen.classes.length > 0 ? cifarClasses(gen.classes) : [...CLASS_NAMES]);
      const missing = names.filter((n) => gen.classes.length > 0 && !gen.classes.includes(n));
      if (missing.length > 0)
        throw new UserError(`--classes: the generator was not trained on ${missing.join(', ')} (it knows ${gen.classes.join(', ')})`);
      for (const c of concept ?? []) {
        if (!gen.classes.includes(c.name))
          throw new UserError(`--concept: the generator was not trained on ${c.name} (it knows ${gen.classes.join(', ')})`);
      }
      const labels = names.map((n) => train.classNames.indexOf(n));
      const log = (m: string) => console.error(`evaluate: ${m}`);
      log(`backend ${getBackend().name}; generator ${gen.name}`);

      // training-set features, cached per classifier file and data folder
      const key = (crc32(readFileSync(o.classifier)) ^ crc32(Buffer.from(`${dir}:${train.count}`))) >>> 0;
      const cachePath = join(o.cache, `train-features-${key.toString(16)}.f32`);
      let cached: Float32Array | undefined;
      const dim = net.config.widths[3];
      if (existsSync(cachePath)) {
        const b = readFileSync(cachePath);
        if (b.length === train.count * dim * 4) cached = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
      }
      log(cached ? `training features from ${cachePath}` : `embedding ${train.count} training images`);
      // embedding 50,000 images takes minutes on 2 cores: a line every tenth
      let shown = 0;
      const progress = (done: number) => {
        const tenth = Math.floor((10 * done) / train.count);
        if (tenth > shown) log(`  ${done} of ${train.count} training images embedded`);
        shown = Math.max(shown, tenth);
      };
      const ref = trainReference(net, train, cached, progress);
      if (!cached) {
        mkdirSync(o.cache, { recursive: true });
        writeFileSync(cachePath, Buffer.from(ref.features.data.buffer, ref.features.data.byteOffset, ref.features.data.byteLength));
      }
      mkdirSync(o.out, { recursive: true });
      if (pegasi !== undefined) {
        log('pegasus: embedding the composites, nearest real test horses to the training set');
        const horses = loadCifar10({ dir, split: 'test', classes: ['horse'], recordsPerFile: o.recordsPerFile });
        const horseLabel = CLASS_NAMES.indexOf('horse');
        const { net: detector } = loadClassifier(o.detector);
        const pref = pegasusReference(
          net,
          detector,
          horseLabel,
          { images: train.images, labels: train.labels, features: ref.features.data },
          pegasi.images,
          horses.images,
        );
        const draw = (cls: string) => gen.sample([{ name: cls, weight: 1 }], o.pegasusN, o.seed);
        log(`pegasus: scoring ${o.pegasusN} pegasus and ${o.pegasusN} horse samples, the real test horses`);
        const samples = draw(PEGASUS_CLASS);
        const sets = [
          scorePegasusSet('pegasus samples', samples, pref),
          scorePegasusSet('horse samples (same generator)', draw('horse'), pref),
          pref.realHorses,
          ...(o.pegasusCompare ?? []).map((spec) => {
            const { name, images } = comparisonSet(spec, o.pegasusN, o.seed);
            return scorePegasusSet(name, images, pref);
          }),
        ];
        writeFileAtomic(
          join(o.out, 'pegasus.json'),
          JSON.stringify(
            { generator: gen.name, composites: o.pegasi, detector: o.detector, seed: o.seed, realP05: pref.realP05, sets },
            null,
            2,
          ) + '\n',
        );
        writePng(join(o.out, 'pegasus-nearest.png'), pegasusNearestSheet(samples, pref, train.images, pegasi.images));
        console.log(formatPegasusScores(sets, pref.realP05));
        console.log(`wrote ${join(o.out, 'pegasus.json')} and ${join(o.out, 'pegasus-nearest.png')}`);
        if (o.pegasusOnly) return;
      }
      const { report, sheet } = evaluateGenerator(
        gen,
        net,
        ref,
        test,
        { classifier: o.classifier },
        {
          n: o.n,
          labels,
          concept,
          nnQueries: o.nnQueries,
          prdcSize: o.prdc,
          kidSubsets: o.kidSubsets,
          seed: o.seed,
          meanNoise: o.meanNoise,
          log,
        },
      );
      writeFileAtomic(join(o.out, 'evaluation.json'), JSON.stringify(report, null, 2) + '\n');
      writePng(join(o.out, 'nearest.png'), nearestSheet(sheet, train.images));
      console.log(formatSummary(report));
      console.log(
        `\nwrote ${join(o.out, 'evaluation.json')} and ${join(o.out, 'nearest.png')} (${((performance.now() - started) / 1000).toFixed(0)} s in all, ${report.seconds.toFixed(0)} s of it scoring)`,
      );
    });
}
